// The driver without pcscd: loads libifd-euiccsim.so with dlopen and calls the IFDH* functions
// the way pcscd does, against fake_card.py processes. Covers what pcscd cannot provoke (its
// receive buffer is always 64 KiB, so a too-long answer never reaches the driver's check) and
// the error paths. Needs neither root nor pcscd.
//
//   ifd_probe DRIVER_SO FAKE_CARD_PY

#include <PCSC/ifdhandler.h>
#include <PCSC/reader.h>
#include <arpa/inet.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

int failures = 0;

void expect(bool ok, const std::string& what) {
  std::printf("%s - %s\n", ok ? "ok  " : "FAIL", what.c_str());
  if (!ok) ++failures;
}

struct Driver {
  void* handle = nullptr;
  RESPONSECODE (*create)(DWORD, LPSTR) = nullptr;
  RESPONSECODE (*create_by_channel)(DWORD, DWORD) = nullptr;
  RESPONSECODE (*close)(DWORD) = nullptr;
  RESPONSECODE (*get)(DWORD, DWORD, PDWORD, PUCHAR) = nullptr;
  RESPONSECODE (*protocol)(DWORD, DWORD, UCHAR, UCHAR, UCHAR, UCHAR) = nullptr;
  RESPONSECODE (*power)(DWORD, DWORD, PUCHAR, PDWORD) = nullptr;
  RESPONSECODE(*transmit)
  (DWORD, SCARD_IO_HEADER, PUCHAR, DWORD, PUCHAR, PDWORD, PSCARD_IO_HEADER) = nullptr;
  RESPONSECODE (*presence)(DWORD) = nullptr;
  RESPONSECODE (*control)(DWORD, DWORD, PUCHAR, DWORD, PUCHAR, DWORD, LPDWORD) = nullptr;
  RESPONSECODE (*wait)(DWORD, int) = nullptr;
  RESPONSECODE (*stop)(DWORD) = nullptr;

  template <typename F>
  void bind(F& f, const char* name) {
    f = reinterpret_cast<F>(dlsym(handle, name));
    if (f == nullptr) {
      std::printf("FAIL - %s is not exported\n", name);
      std::exit(1);
    }
  }

  void load(const char* path) {
    handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      std::printf("FAIL - dlopen: %s\n", dlerror());
      std::exit(1);
    }
    bind(create, "IFDHCreateChannelByName");
    bind(create_by_channel, "IFDHCreateChannel");
    bind(close, "IFDHCloseChannel");
    bind(get, "IFDHGetCapabilities");
    bind(protocol, "IFDHSetProtocolParameters");
    bind(power, "IFDHPowerICC");
    bind(transmit, "IFDHTransmitToICC");
    bind(presence, "IFDHICCPresence");
    bind(control, "IFDHControl");
    DWORD size = sizeof wait;
    get(0, TAG_IFD_POLLING_THREAD_WITH_TIMEOUT, &size, reinterpret_cast<PUCHAR>(&wait));
    size = sizeof stop;
    get(0, TAG_IFD_STOP_POLLING_THREAD, &size, reinterpret_cast<PUCHAR>(&stop));
  }

  void unload() {
    dlclose(handle);
    *this = Driver{};
  }

  RESPONSECODE open(DWORD lun, const std::string& name) {
    std::string copy = name;
    return create(lun, copy.data());
  }

  int byte_capability(DWORD lun, DWORD tag) {
    UCHAR value[1] = {0xFF};
    DWORD size = sizeof value;
    const RESPONSECODE rv = get(lun, tag, &size, value);
    return rv == IFD_SUCCESS && size == 1 ? value[0] : -1;
  }

  // R-APDU as hex, or "rv=N" on failure.
  std::string send(DWORD lun, const std::string& hex_command, DWORD room = 1024,
                   DWORD protocol_number = 0) {
    std::vector<UCHAR> command;
    for (std::size_t i = 0; i + 1 < hex_command.size(); i += 2) {
      command.push_back(static_cast<UCHAR>(std::stoul(hex_command.substr(i, 2), nullptr, 16)));
    }
    std::vector<UCHAR> response(room);
    DWORD length = room;
    SCARD_IO_HEADER send_pci{protocol_number, 8};
    SCARD_IO_HEADER recv_pci{99, 8};
    const RESPONSECODE rv =
        transmit(lun, send_pci, command.data(), static_cast<DWORD>(command.size()), response.data(),
                 &length, &recv_pci);
    if (rv != IFD_SUCCESS) return "rv=" + std::to_string(rv) + " len=" + std::to_string(length);
    std::string out;
    char byte[3];
    for (DWORD i = 0; i < length; ++i) {
      std::snprintf(byte, sizeof byte, "%02X", response[i]);
      out += byte;
    }
    if (recv_pci.Protocol != protocol_number) out += " (RecvPci.Protocol wrong)";
    return out;
  }

  std::string power_up(DWORD lun, DWORD action = IFD_POWER_UP) {
    UCHAR atr[MAX_ATR_SIZE];
    DWORD length = sizeof atr;
    const RESPONSECODE rv = power(lun, action, atr, &length);
    if (rv != IFD_SUCCESS) return "rv=" + std::to_string(rv);
    std::string out;
    char byte[3];
    for (DWORD i = 0; i < length; ++i) {
      std::snprintf(byte, sizeof byte, "%02X", atr[i]);
      out += byte;
    }
    return out;
  }

  // Waits (as pcscd's event thread does) until the slot reads `present`.
  bool until_presence(DWORD lun, bool present, int timeout_ms) {
    const auto end = Clock::now() + std::chrono::milliseconds(timeout_ms);
    while (Clock::now() < end) {
      if ((presence(lun) == IFD_ICC_PRESENT) == present) return true;
      wait(lun, 200);
    }
    return (presence(lun) == IFD_ICC_PRESENT) == present;
  }
};

struct Card {
  pid_t pid = -1;
  fs::path log;

  bool log_has(const std::string& text) const {
    std::ifstream in(log);
    std::stringstream s;
    s << in.rdbuf();
    return s.str().find(text) != std::string::npos;
  }
  bool until_log(const std::string& text, int timeout_ms = 5000) const {
    const auto end = Clock::now() + std::chrono::milliseconds(timeout_ms);
    while (Clock::now() < end) {
      if (log_has(text)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }
  // Exit status, or -1 if still running after timeout_ms.
  int wait_exit(int timeout_ms = 5000) {
    const auto end = Clock::now() + std::chrono::milliseconds(timeout_ms);
    while (Clock::now() < end) {
      int status = 0;
      if (waitpid(pid, &status, WNOHANG) == pid) {
        pid = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
  }
  void kill_now() {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
      pid = -1;
    }
  }
};

const char* g_fake_card = nullptr;
fs::path g_work;
int g_cards = 0;

Card start_card(const std::string& where, const std::string& atr = "3B80800101") {
  Card card;
  card.log = g_work / ("card" + std::to_string(g_cards++) + ".log");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, card.log.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::string script = g_fake_card;
  std::string python = "python3";
  std::string slot = where;
  std::string atr_flag = "--atr";
  std::string atr_value = atr;
  char* argv[] = {python.data(),   script.data(),    slot.data(),
                  atr_flag.data(), atr_value.data(), nullptr};
  if (posix_spawnp(&card.pid, "python3", &actions, nullptr, argv, environ) != 0) card.pid = -1;
  posix_spawn_file_actions_destroy(&actions);
  return card;
}

void test_bad_device_names(Driver& d) {
  const std::string long_dir = "/tmp/" + std::string(100, 'x');
  for (const std::string& name :
       {std::string(""), std::string("unix:"), std::string("unix:relative/dir"),
        std::string("unix:/tmp/x,slots=0"), std::string("unix:/tmp/x,slots=17"),
        std::string("unix:/tmp/x,slots=2x"), std::string("unix:/tmp/x,color=red"),
        std::string("tcp:0"), std::string("tcp:65535,slots=2"), std::string("tcp:http"),
        std::string("tcp:-1"), std::string("floppy:/dev/fd0"), "unix:" + long_dir}) {
    expect(d.open(0, name) == IFD_COMMUNICATION_ERROR, "bad DEVICENAME '" + name + "' is refused");
  }
  expect(d.create_by_channel(0, 1) == IFD_COMMUNICATION_ERROR,
         "IFDHCreateChannel (no DEVICENAME) is refused");

  // Something that is not a socket where a slot socket goes is never deleted.
  const fs::path dir = g_work / "occupied";
  fs::create_directories(dir);
  std::ofstream(dir / "slot-1.sock") << "precious";
  expect(d.open(0, "unix:" + dir.string() + ",slots=2") == IFD_COMMUNICATION_ERROR,
         "a regular file at a slot's path makes the reader fail");
  expect(fs::is_regular_file(dir / "slot-1.sock"), "and the file is left alone");
  expect(!fs::exists(dir / "slot-0.sock"), "and the slot socket made before the failure is gone");
}

void test_unix_reader(Driver& d) {
  const fs::path dir = g_work / "new" / "slots";                     // does not exist yet
  const std::string name = "\"unix:" + dir.string() + ",slots=3\"";  // as pcscd passes it
  // A stale socket from an earlier run is replaced.
  fs::create_directories(dir);
  {
    const int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strcpy(a.sun_path, (dir / "slot-0.sock").c_str());
    bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::close(fd);
  }
  expect(d.open(0, name) == IFD_SUCCESS, "slot 0 of " + name + " opens (stale socket replaced)");
  expect(d.byte_capability(0, TAG_IFD_SLOTS_NUMBER) == 3, "TAG_IFD_SLOTS_NUMBER is 3");
  expect(d.open(1, name) == IFD_SUCCESS && d.open(2, name) == IFD_SUCCESS, "slots 1, 2 open");
  expect(d.open(3, name) == IFD_COMMUNICATION_ERROR, "slot 3 does not exist");
  expect(d.open(1, name) == IFD_COMMUNICATION_ERROR, "a slot cannot be opened twice");
  expect(d.open(0x10000, name) == IFD_COMMUNICATION_ERROR,
         "a second reader on the same directory is refused");
  struct stat st {};
  expect(stat((dir / "slot-2.sock").c_str(), &st) == 0 && S_ISSOCK(st.st_mode) &&
             (st.st_mode & 0777) == 0660,
         "slot-2.sock is a socket, mode 0660");

  expect(d.byte_capability(0, TAG_IFD_SLOT_THREAD_SAFE) == 1, "TAG_IFD_SLOT_THREAD_SAFE is 1");
  expect(d.byte_capability(0, TAG_IFD_THREAD_SAFE) == 1, "TAG_IFD_THREAD_SAFE is 1");
  expect(d.byte_capability(0, TAG_IFD_SIMULTANEOUS_ACCESS) == 16,
         "TAG_IFD_SIMULTANEOUS_ACCESS is 16");
  expect(d.byte_capability(0, TAG_IFD_POLLING_THREAD_KILLABLE) == 0,
         "TAG_IFD_POLLING_THREAD_KILLABLE is 0");
  expect(d.wait != nullptr && d.stop != nullptr, "polling and stop functions are provided");
  UCHAR value[64];
  DWORD size = sizeof value;
  expect(d.get(0, 0x7A7A, &size, value) == IFD_ERROR_TAG, "an unknown tag is IFD_ERROR_TAG");
  size = 1;
  expect(d.get(0, SCARD_ATTR_VENDOR_NAME, &size, value) == IFD_ERROR_INSUFFICIENT_BUFFER,
         "a small buffer is IFD_ERROR_INSUFFICIENT_BUFFER");
  size = sizeof value;
  expect(d.get(0, SCARD_ATTR_VENDOR_NAME, &size, value) == IFD_SUCCESS &&
             std::string(reinterpret_cast<char*>(value)) == "euicc-sim",
         "SCARD_ATTR_VENDOR_NAME is euicc-sim");
  DWORD returned = 7;
  expect(d.control(0, CM_IOCTL_GET_FEATURE_REQUEST, nullptr, 0, value, sizeof value, &returned) ==
                 IFD_SUCCESS &&
             returned == 0,
         "IFDHControl GET_FEATURE_REQUEST: no features");
  expect(d.control(0, SCARD_CTL_CODE(1), nullptr, 0, value, sizeof value, &returned) ==
             IFD_ERROR_NOT_SUPPORTED,
         "IFDHControl: other codes are not supported");

  // This thread is pcscd's event thread for every slot.
  for (DWORD lun : {0, 1, 2}) d.wait(lun, 0);
  expect(d.presence(0) == IFD_ICC_NOT_PRESENT, "no card yet");
  expect(d.power_up(0) == "rv=" + std::to_string(IFD_ERROR_POWER_ACTION),
         "power up without a card fails");

  Card a = start_card((dir / "slot-0.sock").string());
  auto t0 = Clock::now();
  d.wait(0, 5000);
  const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
  expect(d.presence(0) == IFD_ICC_PRESENT,
         "the polling function returns on insertion (" + std::to_string(waited.count()) + " ms)");
  expect(d.power_up(0) == "3B80800101", "power up returns the ATR");
  size = sizeof value;
  expect(d.get(0, TAG_IFD_ATR, &size, value) == IFD_SUCCESS && size == 5 && value[4] == 0x01,
         "TAG_IFD_ATR returns it too");
  expect(d.protocol(0, SCARD_PROTOCOL_T0, 0, 0, 0, 0) == IFD_SUCCESS, "T=0 is accepted");
  expect(d.protocol(0, SCARD_PROTOCOL_RAW, 0, 0, 0, 0) == IFD_PROTOCOL_NOT_SUPPORTED,
         "RAW is IFD_PROTOCOL_NOT_SUPPORTED");
  expect(d.send(0, "00A4040002CAFE") == "CAFE9000", "an APDU round-trips");
  expect(d.send(0, "00A4040002CAFE", 1024, 1) == "CAFE9000", "with SendPci T=1 too");
  expect(d.send(0, "00A4040002CAFE", 1024, 2).rfind("rv=", 0) == 0,
         "SendPci protocol 2 is refused");
  expect(d.send(0, "00A404").rfind("rv=", 0) == 0, "a 3-byte command is refused");
  expect(d.presence(0) == IFD_ICC_PRESENT, "refusing a command does not drop the card");
  expect(d.send(0, "80EF012C00", 100) == "rv=" + std::to_string(IFD_COMMUNICATION_ERROR) + " len=0",
         "an answer longer than the buffer: IFD_COMMUNICATION_ERROR, length 0");
  expect(d.presence(0) == IFD_ICC_NOT_PRESENT, "and the card is dropped");
  expect(a.wait_exit() == 0, "the card sees its connection closed");

  a = start_card((dir / "slot-0.sock").string());
  expect(d.until_presence(0, true, 5000), "a card again");
  expect(d.power_up(0) == "3B80800101", "powered");
  expect(d.send(0, "80ED000000").rfind("rv=", 0) == 0, "an answer without SW is an error");
  expect(d.presence(0) == IFD_ICC_NOT_PRESENT, "and the card is dropped");
  a.wait_exit();

  // One card per slot.
  Card b = start_card((dir / "slot-1.sock").string(), "3B80800102");
  expect(d.until_presence(1, true, 5000), "a card in slot 1");
  Card intruder = start_card((dir / "slot-1.sock").string(), "3B80800109");
  expect(intruder.wait_exit() == 3, "a second card in slot 1 is closed at once");
  expect(d.power_up(1) == "3B80800102", "slot 1 still has the first card");

  // A card that vanishes and another that connects before anyone asked: the slot must read
  // "absent" once, so that pcscd sees a removal and powers the new card up.
  b.kill_now();
  Card c = start_card((dir / "slot-1.sock").string(), "3B80800103");
  c.until_log("connected");
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // let the acceptor take it
  const RESPONSECODE first = d.presence(1);
  const RESPONSECODE second = d.presence(1);
  expect(first == IFD_ICC_NOT_PRESENT && second == IFD_ICC_PRESENT,
         "a swapped card reads absent once, then present");
  expect(d.power_up(1) == "3B80800103", "and it is the new card");
  expect(d.power_up(1, IFD_RESET) == "3B80800103", "IFD_RESET returns the ATR");
  UCHAR atr[MAX_ATR_SIZE];
  DWORD atr_length = sizeof atr;
  expect(d.power(1, IFD_POWER_DOWN, atr, &atr_length) == IFD_SUCCESS && atr_length == 0,
         "power down");
  expect(c.until_log("ctl 00"), "the card hears power off (0)");

  // The wait returns at once on removal.
  c.kill_now();
  t0 = Clock::now();
  d.wait(1, 5000);
  const auto removal_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
  expect(removal_ms < 1000 && d.presence(1) == IFD_ICC_NOT_PRESENT,
         "the polling function returns on removal (" + std::to_string(removal_ms) + " ms)");

  // The stop function ends a wait.
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    d.stop(2);
  });
  t0 = Clock::now();
  d.wait(2, 10000);
  stopper.join();
  const auto stop_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
  expect(stop_ms < 2000,
         "TAG_IFD_STOP_POLLING_THREAD ends the wait (" + std::to_string(stop_ms) + " ms)");
  // pcscd also calls it on every SCardDisconnect: it must end one wait, not all later ones.
  d.stop(2);
  d.wait(2, 5000);
  t0 = Clock::now();
  d.wait(2, 300);
  const auto next_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
  expect(next_ms >= 250,
         "and only one: the next wait runs its time (" + std::to_string(next_ms) + " ms)");

  // A card that never answers: IFD_RESPONSE_TIMEOUT (EUICCSIM_DRIVER_TIMEOUT_MS is 500 here).
  Card mute = start_card((dir / "slot-2.sock").string());
  expect(d.until_presence(2, true, 5000), "a card in slot 2");
  t0 = Clock::now();
  const std::string r = d.send(2, "80EE000000");
  const auto timeout_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
  expect(r == "rv=" + std::to_string(IFD_RESPONSE_TIMEOUT) + " len=0" && timeout_ms >= 450 &&
             timeout_ms < 3000,
         "a silent card: IFD_RESPONSE_TIMEOUT after " + std::to_string(timeout_ms) + " ms");
  expect(d.presence(2) == IFD_ICC_NOT_PRESENT && mute.wait_exit() == 0, "and it is dropped");

  Card last = start_card((dir / "slot-0.sock").string());
  expect(d.until_presence(0, true, 5000), "a card left connected at close");
  for (DWORD lun : {0, 1, 2})
    expect(d.close(lun) == IFD_SUCCESS, "close slot " + std::to_string(lun));
  expect(last.wait_exit() == 0, "closing the channel disconnects the card");
  expect(!fs::exists(dir / "slot-0.sock") && !fs::exists(dir / "slot-2.sock"),
         "closing the last slot removes the socket files");
  expect(d.presence(0) == IFD_COMMUNICATION_ERROR, "a closed slot answers nothing");
}

void test_tcp_reader(Driver& d) {
  // A free port for two slots (a small race with other processes is acceptable in a test).
  int port = 0;
  for (int attempt = 0; attempt < 20 && port == 0; ++attempt) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(fd);
    if (ntohs(a.sin_port) < 65000) port = ntohs(a.sin_port);
  }
  const std::string name = "tcp:" + std::to_string(port) + ",slots=2";
  // A second reader: pcscd gives it Lun 0x10000.
  expect(d.open(0x10000, name) == IFD_SUCCESS && d.open(0x10001, name) == IFD_SUCCESS,
         "reader 1 on " + name + " opens");
  expect(d.open(0x20000, "tcp:" + std::to_string(port + 1)) == IFD_COMMUNICATION_ERROR,
         "a reader on overlapping ports is refused");
  Card t = start_card("tcp:" + std::to_string(port + 1), "3B80800104");
  expect(d.until_presence(0x10001, true, 5000), "a TCP card in reader 1 slot 1");
  expect(d.power_up(0x10001) == "3B80800104", "its ATR");
  expect(d.send(0x10001, "00A4040002ABCD") == "ABCD9000", "an APDU over TCP");
  std::string big = "80EF100000";
  expect(d.send(0x10001, big, 8192).size() == 2 * (4096 + 2), "a 4 KiB answer over TCP");
  expect(d.close(0x10000) == IFD_SUCCESS && d.close(0x10001) == IFD_SUCCESS, "reader 1 closes");
  expect(t.wait_exit() == 0, "the TCP card is disconnected");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: ifd_probe DRIVER_SO FAKE_CARD_PY\n");
    return 64;
  }
  g_fake_card = argv[2];
  char work_template[] = "/tmp/ifd-probe-XXXXXX";
  if (mkdtemp(work_template) == nullptr) return 1;
  g_work = work_template;
  setenv("EUICCSIM_DRIVER_TIMEOUT_MS", "500", 1);
  signal(SIGPIPE, SIG_IGN);

  Driver d;
  d.load(argv[1]);
  test_bad_device_names(d);
  test_unix_reader(d);
  test_tcp_reader(d);
  // pcscd unloads the driver when its last reader goes, and may load it again.
  d.unload();
  d.load(argv[1]);
  const std::string again = "unix:" + (g_work / "again").string() + ",slots=1";
  expect(d.open(0, again) == IFD_SUCCESS && d.close(0) == IFD_SUCCESS,
         "reloaded after dlclose, it works again");
  d.unload();

  fs::remove_all(g_work);
  std::printf("%d failure(s)\n", failures);
  return failures == 0 ? 0 : 1;
}
