#include "private_pcscd.hpp"

#include <PCSC/winscard.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <thread>

namespace euiccsim::tools {

namespace fs = std::filesystem;

namespace {
bool on_path(const char* program) {
  const char* path = std::getenv("PATH");
  std::string p = path ? path : "/usr/sbin:/usr/bin:/sbin:/bin";
  p += ":/usr/sbin:/sbin";
  std::size_t start = 0;
  while (start <= p.size()) {
    auto end = p.find(':', start);
    if (end == std::string::npos) end = p.size();
    auto candidate = fs::path(p.substr(start, end - start)) / program;
    if (::access(candidate.c_str(), X_OK) == 0) return true;
    start = end + 1;
  }
  return false;
}
}  // namespace

std::optional<fs::path> PrivatePcscd::find_driver() {
  std::error_code ec;
  auto self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    // In a build tree the command is build/tools/euicc-sim and the driver build/pcsc_driver/.
    auto built = self.parent_path().parent_path() / "pcsc_driver" / "libifd-euiccsim.so";
    if (fs::exists(built, ec)) return built;
  }
  for (const char* dir : {"/usr/local/lib/x86_64-linux-gnu/pcsc/drivers/serial",
                          "/usr/local/lib/pcsc/drivers/serial", "/usr/lib/pcsc/drivers/serial"}) {
    auto installed = fs::path(dir) / "libifd-euiccsim.so";
    if (fs::exists(installed, ec)) return installed;
  }
  return std::nullopt;
}

std::string PrivatePcscd::why_unavailable() {
  if (::geteuid() != 0) return "a private pcscd needs root (a mount namespace)";
  if (!on_path("pcscd")) return "pcscd is not installed (apt-get install pcscd)";
  if (!on_path("unshare")) return "unshare is not installed (util-linux)";
  // In a chroot whose root is not a mount point the namespace's mounts cannot be made
  // private, and pcscd would fail to start: say so instead.
  if (std::system("unshare --mount --propagation private true >/dev/null 2>&1") != 0) {
    return "cannot make a private mount namespace here (in a chroot, make its root a mount "
           "point first: mount --bind DIR DIR)";
  }
  if (!find_driver()) return "the euicc-sim pcsc driver (libifd-euiccsim.so) is not built";
  return {};
}

PrivatePcscd::PrivatePcscd(Options o) : options_(std::move(o)) {
  if (options_.slots < 1 || options_.slots > 16) {
    throw std::invalid_argument("slots must be 1 to 16 (pcsc-lite's limit)");
  }
  fs::create_directories(options_.dir / "pcscd");
  fs::create_directories(options_.dir / "slots");
  fs::create_directories(options_.dir / "reader.conf.d");
  // pcscd -c takes a directory of reader.conf files.
  {
    std::ofstream conf(options_.dir / "reader.conf.d" / "euicc-sim");
    conf << "FRIENDLYNAME \"euicc-sim\"\n"
         // Quoted: pcscd's reader.conf lexer takes no ',' in a bare value.
         << "DEVICENAME \"" << device_name() << ",slots=" << options_.slots << "\"\n"
         << "LIBPATH " << options_.driver.string() << "\n"
         << "CHANNELID 0\n";
    if (!conf) {
      throw std::runtime_error("cannot write " + (options_.dir / "reader.conf.d").string());
    }
  }
  std::error_code ec;
  fs::remove(options_.dir / "reader.conf.d" / "vpcd", ec);
  if (options_.vpcd) {
    if (!fs::exists(kVpcdDriver, ec)) {
      throw std::runtime_error("Debian's vpcd is not installed (apt-get install vsmartcard-vpcd)");
    }
    // The entry Debian's package installs as /etc/reader.conf.d/vpcd (cards at port 0x8C7B).
    std::ofstream conf(options_.dir / "reader.conf.d" / "vpcd");
    conf << "FRIENDLYNAME \"Virtual PCD\"\nDEVICENAME /dev/null:0x8C7B\nLIBPATH " << kVpcdDriver
         << "\nCHANNELID 0x8C7B\n";
  }
  fs::remove(options_.dir / "pcscd" / "pcscd.comm", ec);

  const std::string script =
      "mkdir -p /run/pcscd && mount --bind \"$1\" /run/pcscd && exec pcscd -f $3 -c \"$2\"";
  const std::string pcscd_dir = (options_.dir / "pcscd").string();
  const std::string conf_dir = (options_.dir / "reader.conf.d").string();
  const std::string level = options_.debug ? "-d" : "-i";
  const std::string log = log_path().string();
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("cannot fork pcscd");
  if (pid_ == 0) {
    std::FILE* out = std::freopen(log.c_str(), "w", stdout);
    if (out) ::dup2(::fileno(stdout), 2);
    ::setpgid(0, 0);  // keep a Ctrl-C on the terminal for our own handler
    ::execlp("unshare", "unshare", "--mount", "--propagation", "private", "sh", "-c",
             script.c_str(), "sh", pcscd_dir.c_str(), conf_dir.c_str(), level.c_str(),
             static_cast<char*>(nullptr));
    ::_exit(127);
  }
}

PrivatePcscd::~PrivatePcscd() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  for (int i = 0; i < 50; ++i) {
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
}

bool PrivatePcscd::running() {
  if (pid_ <= 0) return false;
  if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

std::string PrivatePcscd::socket_path() const {
  return (options_.dir / "pcscd" / "pcscd.comm").string();
}

std::string PrivatePcscd::device_name() const {
  return "unix:" + (options_.dir / "slots").string();
}

fs::path PrivatePcscd::log_path() const {
  return options_.dir / "pcscd.log";
}

std::vector<std::string> PrivatePcscd::wait_for_readers(std::chrono::milliseconds timeout) {
  ::setenv("PCSCLITE_CSOCK_NAME", socket_path().c_str(), 1);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<std::string> readers;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!running()) {
      throw std::runtime_error("pcscd exited during start-up (see " + log_path().string() + ")");
    }
    SCARDCONTEXT ctx = 0;
    if (std::error_code ec;
        fs::exists(socket_path(), ec) &&
        SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &ctx) == SCARD_S_SUCCESS) {
      char buf[4096];
      DWORD len = sizeof buf;
      readers.clear();
      if (SCardListReaders(ctx, nullptr, buf, &len) == SCARD_S_SUCCESS) {
        for (const char* r = buf; *r; r += std::strlen(r) + 1) readers.emplace_back(r);
      }
      SCardReleaseContext(ctx);
      std::size_t ours = 0, vpcd = 0;
      for (const auto& r : readers) {
        ours += r.rfind("euicc-sim ", 0) == 0;
        vpcd += r.rfind("Virtual PCD", 0) == 0;
      }
      if (ours >= options_.slots && (!options_.vpcd || vpcd > 0)) return readers;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw std::runtime_error("pcscd did not list " + std::to_string(options_.slots) +
                           " readers in time (see " + log_path().string() + ")");
}

}  // namespace euiccsim::tools
