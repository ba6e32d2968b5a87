#include "euiccsim/simulator/card_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

namespace euiccsim::sim {

namespace {

[[noreturn]] void fail_errno(const std::string& what, const std::filesystem::path& p) {
  throw ImageError(what + " " + p.string() + ": " + std::strerror(errno));
}

bool same_file(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

// The process holding a flock on the file `fd` refers to, from /proc/locks ("1: FLOCK
// ADVISORY WRITE <pid> <major>:<minor>:<inode> 0 EOF", device numbers in hex). An inode match
// on another device number is taken too: overlay file systems report one st_dev to stat and
// another to the lock table.
pid_t flock_holder(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return 0;
  std::ifstream locks("/proc/locks");
  std::string line;
  pid_t inode_only = 0;
  while (std::getline(locks, line)) {
    std::istringstream in(line);
    std::string number, kind, mode, access, where;
    long pid = 0;
    if (!(in >> number >> kind) || kind == "->" || kind != "FLOCK") continue;
    if (!(in >> mode >> access >> pid >> where) || pid <= 0) continue;
    unsigned major_no = 0, minor_no = 0;
    unsigned long long inode = 0;
    if (std::sscanf(where.c_str(), "%x:%x:%llu", &major_no, &minor_no, &inode) != 3) continue;
    if (inode != st.st_ino) continue;
    if (major_no == major(st.st_dev) && minor_no == minor(st.st_dev)) return pid_t(pid);
    inode_only = pid_t(pid);
  }
  return inode_only;
}

// "euicc-sim serve --driver unix:/run/x": the command line, its program without directories.
std::string command_line(pid_t pid) {
  if (pid <= 0) return {};
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
  std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::string out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= raw.size(); ++i) {
    if (i < raw.size() && raw[i] != '\0') continue;
    std::string arg = raw.substr(start, i - start);
    start = i + 1;
    if (arg.empty() && i == raw.size()) break;
    if (out.empty()) arg = std::filesystem::path(arg).filename().string();
    if (!out.empty()) out += ' ';
    out += arg;
  }
  constexpr std::size_t kMax = 160;
  if (out.size() > kMax) out = out.substr(0, kMax - 3) + "...";
  return out;
}

std::string busy_message(const std::filesystem::path& image, pid_t pid,
                         const std::string& command) {
  std::string who = pid > 0 ? "process " + std::to_string(pid) : std::string("another process");
  if (!command.empty()) who += " (" + command + ")";
  return "card " + image.stem().string() + " is in use by " + who;
}

// Leftovers of saves whose writer died between creating its temporary file and the rename.
void remove_temporaries(const std::filesystem::path& image) {
  const auto dir = image.has_parent_path() ? image.parent_path() : std::filesystem::path(".");
  const std::string prefix = temporary_prefix(image);
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const auto name = entry.path().filename().string();
    // The prefix, then the six characters of mkstemp, nothing more.
    if (name.size() == prefix.size() + 6 && name.compare(0, prefix.size(), prefix) == 0) {
      std::filesystem::remove(entry.path(), ec);
    }
  }
}

}  // namespace

LockHolder lock_holder(int fd) {
  const pid_t pid = flock_holder(fd);
  return LockHolder{pid, command_line(pid)};
}

CardBusy::CardBusy(const std::filesystem::path& image, pid_t p, std::string cmd)
    : ImageError(busy_message(image, p, cmd)), pid(p), command(std::move(cmd)) {}

CardLock::CardLock(std::filesystem::path image, int fd) : image_(std::move(image)), fd_(fd) {}

CardLock::CardLock(CardLock&& other) noexcept
    : image_(std::move(other.image_)), fd_(std::exchange(other.fd_, -1)) {}

CardLock& CardLock::operator=(CardLock&& other) noexcept {
  if (this != &other) {
    release();
    image_ = std::move(other.image_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

CardLock::~CardLock() {
  release();
}

void CardLock::release() noexcept {
  if (fd_ >= 0) ::close(fd_);  // closing the last descriptor ends the flock
  fd_ = -1;
}

CardLock CardLock::acquire(const std::filesystem::path& image) {
  // A save elsewhere replaces the file between our open and our flock at most a few times
  // before it must hold the new file's lock; then we are refused like anyone else.
  for (int attempt = 0; attempt < 64; ++attempt) {
    int fd = ::open(image.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT) throw ImageError("no card image " + image.string());
      fail_errno("cannot open card image", image);
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      if (err == EWOULDBLOCK) {
        const pid_t pid = flock_holder(fd);
        ::close(fd);
        throw CardBusy(image, pid, command_line(pid));
      }
      ::close(fd);
      errno = err;
      fail_errno("cannot lock card image", image);
    }
    // Locked, but is it still the image? A writer may have renamed a new file over it (or
    // removed it) between our open and our flock.
    struct stat locked {
    }, named{};
    if (::fstat(fd, &locked) == 0 && ::stat(image.c_str(), &named) == 0 &&
        same_file(locked, named)) {
      remove_temporaries(image);
      return CardLock(image, fd);
    }
    const int err = errno;
    ::close(fd);
    if (err == ENOENT) throw ImageError("no card image " + image.string());
  }
  throw ImageError("cannot lock card image " + image.string() + ": it keeps being replaced");
}

CardState CardLock::load() const {
  return load_image(image_);
}

void CardLock::save(const CardState& state, const SaveHooks& hooks) {
  if (fd_ < 0) throw ImageError("card image " + image_.string() + " is not locked");
  int next = -1;
  SaveHooks h = hooks;
  h.written = [&](int fd) {
    if (hooks.written) hooks.written(fd);
    // The new file is locked before anyone can open it under the image's name.
    next = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (next < 0) fail_errno("cannot lock the new image for", image_);
    if (::flock(next, LOCK_EX | LOCK_NB) != 0) fail_errno("cannot lock the new image for", image_);
  };
  try {
    save_image(image_, state, h);
  } catch (...) {
    // A failure after the rename (the directory's fsync) leaves the new file as the image:
    // its lock is the one to keep.
    struct stat kept {
    }, named{};
    if (next >= 0 && ::fstat(next, &kept) == 0 && ::stat(image_.c_str(), &named) == 0 &&
        same_file(kept, named)) {
      ::close(fd_);
      fd_ = next;
    } else if (next >= 0) {
      ::close(next);
    }
    throw;
  }
  ::close(fd_);
  fd_ = next;
}

void CardLock::remove() {
  if (fd_ < 0) throw ImageError("card image " + image_.string() + " is not locked");
  if (::unlink(image_.c_str()) != 0) fail_errno("cannot remove", image_);
  remove_temporaries(image_);
  release();
}

}  // namespace euiccsim::sim
