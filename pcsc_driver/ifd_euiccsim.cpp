// libifd-euiccsim: a pcsc-lite IFD handler whose cards are processes on sockets.
//
// pcscd loads this module for a reader.conf entry and makes one reader context per slot. Every
// slot listens on its own socket (device_name.hpp); a process that connects is a card inserted,
// its going away a removal, and bytes travel by the vpcd link protocol (link_io.hpp).
//
// Threads. pcscd calls the IFDH* functions of one slot one at a time (its per-slot mutex; with
// TAG_IFD_SLOT_THREAD_SAFE it is per slot, not per reader), different slots and readers
// concurrently. Ours: one acceptor thread per reader takes connections. pcscd's event thread
// of each slot blocks in wait_for_card_event() (TAG_IFD_POLLING_THREAD_WITH_TIMEOUT), so
// insertions and removals reach pcscd at once instead of at its next 400 ms poll.
//
// Locks. Per slot, `io` is held across an exchange with the card, `state` briefly around the
// fields; order io, then state. A connection is installed under `state` alone (nothing does I/O
// on an empty slot) but closed only with both held, so an exchange never sees its socket closed.

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <string>
#include <thread>

#include "device_name.hpp"
#include "link_io.hpp"

// The pcsc-lite headers have no extern "C" of their own.
extern "C" {
#pragma GCC visibility push(default)
#include <ifdhandler.h>
#pragma GCC visibility pop
#include <debuglog.h>
#include <reader.h>
}

// pcscd exports log_msg; weak, so the module still loads in a process without it (then stderr).
#pragma weak log_msg

namespace euiccsim::ifd {

namespace {

constexpr int kMaxReaders = 16;  // pcscd's PCSCLITE_MAX_READERS_CONTEXTS
constexpr int kDefaultTimeoutMs = 30000;
constexpr char kVendorName[] = "euicc-sim";
// 0xMMmmbbbb, as SCARD_ATTR_VENDOR_IFD_VERSION wants it.
constexpr DWORD kIfdVersion =
    (EUICCSIM_VERSION_MAJOR << 24) | (EUICCSIM_VERSION_MINOR << 16) | EUICCSIM_VERSION_PATCH;

constexpr std::uint8_t kPowerOff = 0x00;
constexpr std::uint8_t kPowerOn = 0x01;
constexpr std::uint8_t kReset = 0x02;
constexpr std::uint8_t kGetAtr = 0x04;
constexpr std::uint8_t kProtocolT0 = 0x10;  // our extension of vpcd: the protocol pcscd chose
constexpr std::uint8_t kProtocolT1 = 0x11;

__attribute__((format(printf, 2, 3))) void logf(int priority, const char* format, ...) {
  char text[512];
  va_list args;
  va_start(args, format);
  std::vsnprintf(text, sizeof text, format, args);
  va_end(args);
  if (log_msg != nullptr) {
    log_msg(priority, "euicc-sim: %s", text);
  } else {
    std::fprintf(stderr, "euicc-sim: %s\n", text);
  }
}

std::string hex(const std::uint8_t* p, std::size_t n) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string s;
  s.reserve(2 * n);
  for (std::size_t i = 0; i < n; ++i) {
    s += kDigits[p[i] >> 4];
    s += kDigits[p[i] & 0xF];
  }
  return s;
}

int timeout_from_env() {
  const char* text = std::getenv("EUICCSIM_DRIVER_TIMEOUT_MS");
  if (text == nullptr || *text == '\0') return kDefaultTimeoutMs;
  char* end = nullptr;
  errno = 0;
  const long v = std::strtol(text, &end, 10);
  if (errno != 0 || *end != '\0' || v < 1 || v > 24L * 3600 * 1000) {
    logf(PCSC_LOG_ERROR, "EUICCSIM_DRIVER_TIMEOUT_MS=\"%s\" is not 1..86400000; using %d", text,
         kDefaultTimeoutMs);
    return kDefaultTimeoutMs;
  }
  return static_cast<int>(v);
}

bool debug_from_env() {
  const char* text = std::getenv("EUICCSIM_DRIVER_DEBUG");
  return text != nullptr && std::strcmp(text, "1") == 0;
}

void signal_event(int event_fd) {
  const std::uint64_t one = 1;
  // A full counter (EAGAIN) already means "wake up".
  [[maybe_unused]] ssize_t r = ::write(event_fd, &one, sizeof one);
}

void drain_event(int event_fd) {
  std::uint64_t value;
  [[maybe_unused]] ssize_t r = ::read(event_fd, &value, sizeof value);
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

struct Slot {
  int index = 0;
  std::string where;  // for logs
  int listen_fd = -1;
  dev_t socket_dev = 0;  // the Unix socket file we bound, so we unlink only ours
  ino_t socket_ino = 0;
  int wake_fd = -1;  // eventfd: wakes wait_for_card_event()

  std::mutex io;
  std::mutex state;
  // Guarded by `state`.
  int fd = -1;  // the card's connection
  std::array<std::uint8_t, MAX_ATR_SIZE> atr{};
  std::size_t atr_length = 0;
  // A card was dropped and pcscd's event thread has not yet been told "absent". Until it has,
  // the slot reads as empty even if another card has connected meanwhile; otherwise pcscd
  // would miss the swap and keep the old card's ATR and power state for the new one.
  bool removal_unreported = false;
  bool open = false;  // between IFDHCreateChannelByName and IFDHCloseChannel
  std::optional<std::thread::id> event_thread;  // pcscd's thread in wait_for_card_event()
};

class Reader {
 public:
  Reader(int index, std::string device_name, DeviceConfig config)
      : index_(index),
        device_name_(std::move(device_name)),
        config_(std::move(config)),
        timeout_ms_(timeout_from_env()),
        debug_(debug_from_env()) {
    for (int i = 0; i < kMaxSlots; ++i) {
      slots_[i].index = i;
      slots_[i].where = config_.describe_slot(i);
    }
  }
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;
  ~Reader();

  bool start(std::string* error);
  // Removes the socket files we bound (and only those). Safe to call at any time.
  void unlink_sockets() const;

  int index() const { return index_; }
  const std::string& device_name() const { return device_name_; }
  const DeviceConfig& config() const { return config_; }
  int timeout_ms() const { return timeout_ms_; }
  Slot& slot(int i) { return slots_[i]; }
  int& open_slots() { return open_slots_; }

  // Each requires the slot's io lock.
  RESPONSECODE power(Slot& s, DWORD action, PUCHAR atr, PDWORD atr_length);
  RESPONSECODE set_protocol(Slot& s, DWORD protocol);
  RESPONSECODE transmit(Slot& s, const std::uint8_t* command, std::size_t command_length,
                        std::uint8_t* response, std::size_t* response_length);
  RESPONSECODE presence(Slot& s);
  void release(Slot& s);  // IFDHCloseChannel

  // Requires the slot's io and state locks.
  void drop_card(Slot& s, const char* why);

 private:
  void accept_loop();
  void accept_on(Slot& s);
  void install(Slot& s, int fd);
  void install_locked(Slot& s, int fd);
  bool open_unix(Slot& s, std::string* error);
  bool open_tcp(Slot& s, std::string* error);

  int connected_fd(Slot& s);
  // Before an operation: the connection must still be there and in step.
  RESPONSECODE check_idle(Slot& s, int fd);
  RESPONSECODE send(Slot& s, int fd, const std::uint8_t* data, std::size_t length,
                    Clock::time_point deadline);
  RESPONSECODE receive(Slot& s, int fd, std::uint8_t* out, std::size_t capacity,
                       std::size_t* length, Clock::time_point deadline);
  RESPONSECODE fail(Slot& s, IoStatus status, const char* doing);
  Clock::time_point deadline() const {
    return Clock::now() + std::chrono::milliseconds(timeout_ms_);
  }

  const int index_;
  const std::string device_name_;
  const DeviceConfig config_;
  const int timeout_ms_;
  const bool debug_;
  std::array<Slot, kMaxSlots> slots_;
  int stop_fd_ = -1;  // eventfd: ends accept_loop()
  std::thread acceptor_;
  int open_slots_ = 0;  // guarded by the registry mutex
};

struct Registry {
  std::mutex mutex;  // guards `readers` and Reader::open_slots()
  std::array<std::unique_ptr<Reader>, kMaxReaders> readers;
};

// Never destroyed. On SIGTERM pcscd calls exit() straight from its signal thread while its
// other threads may be inside this module; static destructors freeing what they use could
// crash the daemon on the way out. Constructed in static storage rather than on the heap, so
// unloading the module (dlclose, as the direct test does) leaves no unreachable allocation.
Registry& registry() {
  alignas(Registry) static unsigned char storage[sizeof(Registry)];
  static Registry* const r = new (storage) Registry;
  return *r;
}

// What exit() may safely do for us: remove the socket files, so that no stale socket suggests
// a running reader. The mutex is only ever held briefly, but the exit path must not hang on it.
struct UnlinkSocketsAtExit {
  ~UnlinkSocketsAtExit() {
    Registry& r = registry();
    std::unique_lock lock(r.mutex, std::try_to_lock);
    for (int i = 0; i < 200 && !lock; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      lock.try_lock();
    }
    if (!lock) return;
    for (const auto& reader : r.readers) {
      if (reader) reader->unlink_sockets();
    }
  }
} g_unlink_sockets_at_exit;

bool make_directories(const std::string& dir, std::string* error) {
  for (std::size_t pos = 1; pos <= dir.size(); ++pos) {
    if (pos < dir.size() && dir[pos] != '/') continue;
    const std::string prefix = dir.substr(0, pos);
    if (::mkdir(prefix.c_str(), 0755) == 0 || errno == EEXIST) continue;
    *error = "cannot create " + prefix + ": " + std::strerror(errno);
    return false;
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    *error = dir + " is not a directory";
    return false;
  }
  return true;
}

bool Reader::open_unix(Slot& s, std::string* error) {
  const std::string path = config_.slot_path(s.index);
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    // A socket left by an earlier pcscd is stale: nobody else listens on our names. Anything
    // else at that path is not ours to delete.
    if (!S_ISSOCK(st.st_mode)) {
      *error = path + " exists and is not a socket";
      return false;
    }
    ::unlink(path.c_str());
  }
  s.listen_fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (s.listen_fd < 0) {
    *error = std::string("socket: ") + std::strerror(errno);
    return false;
  }
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);  // length checked by the parser
  if (::bind(s.listen_fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    *error = "bind " + path + ": " + std::strerror(errno);
    return false;
  }
  if (::lstat(path.c_str(), &st) == 0) {
    s.socket_dev = st.st_dev;
    s.socket_ino = st.st_ino;
  }
  // 0660 rather than root-only: a group (say, with a setgid DIR) can be let in. No connection
  // can slip in with the umask's mode: connect() is refused until listen().
  if (::chmod(path.c_str(), 0660) != 0) {
    *error = "chmod " + path + ": " + std::strerror(errno);
    return false;
  }
  if (::listen(s.listen_fd, 4) != 0) {
    *error = "listen " + path + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

bool Reader::open_tcp(Slot& s, std::string* error) {
  s.listen_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (s.listen_fd < 0) {
    *error = std::string("socket: ") + std::strerror(errno);
    return false;
  }
  int one = 1;
  ::setsockopt(s.listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(config_.slot_port(s.index));
  if (::bind(s.listen_fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(s.listen_fd, 4) != 0) {
    *error = "cannot listen on " + s.where + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

bool Reader::start(std::string* error) {
  if (config_.kind == DeviceConfig::Kind::kUnix && !make_directories(config_.dir, error)) {
    return false;
  }
  stop_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (stop_fd_ < 0) {
    *error = std::string("eventfd: ") + std::strerror(errno);
    return false;
  }
  for (int i = 0; i < config_.slots; ++i) {
    Slot& s = slots_[i];
    s.wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (s.wake_fd < 0) {
      *error = std::string("eventfd: ") + std::strerror(errno);
      return false;
    }
    const bool ok =
        config_.kind == DeviceConfig::Kind::kUnix ? open_unix(s, error) : open_tcp(s, error);
    if (!ok) return false;
  }
  acceptor_ = std::thread([this] { accept_loop(); });
  return true;
}

Reader::~Reader() {
  if (acceptor_.joinable()) {
    signal_event(stop_fd_);
    acceptor_.join();
  }
  unlink_sockets();
  for (Slot& s : slots_) {
    close_fd(s.listen_fd);
    if (s.fd >= 0) ::shutdown(s.fd, SHUT_RDWR);
    close_fd(s.fd);
    close_fd(s.wake_fd);
  }
  close_fd(stop_fd_);
}

void Reader::unlink_sockets() const {
  for (const Slot& s : slots_) {
    if (s.socket_ino == 0) continue;
    const std::string path = config_.slot_path(s.index);
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0 && st.st_dev == s.socket_dev && st.st_ino == s.socket_ino) {
      ::unlink(path.c_str());
    }
  }
}

void Reader::accept_loop() {
  pthread_setname_np(pthread_self(), "euiccsim-accept");
  std::array<pollfd, 1 + kMaxSlots> fds{};
  fds[0] = {stop_fd_, POLLIN, 0};
  for (int i = 0; i < config_.slots; ++i) fds[1 + i] = {slots_[i].listen_fd, POLLIN, 0};
  const nfds_t count = 1 + static_cast<nfds_t>(config_.slots);
  for (;;) {
    if (::poll(fds.data(), count, -1) < 0) {
      if (errno == EINTR) continue;
      logf(PCSC_LOG_CRITICAL, "reader %d: poll: %s; no more cards accepted", index_,
           std::strerror(errno));
      return;
    }
    if (fds[0].revents != 0) return;
    for (int i = 0; i < config_.slots; ++i) {
      const short revents = fds[1 + i].revents;
      if (revents & POLLIN) {
        accept_on(slots_[i]);
      } else if (revents != 0) {
        logf(PCSC_LOG_CRITICAL, "reader %d slot %d: listening socket failed; slot disabled", index_,
             i);
        fds[1 + i].fd = -1;  // poll() skips it: no busy loop
      }
    }
  }
}

void Reader::accept_on(Slot& s) {
  const int fd = ::accept4(s.listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    if (err == EAGAIN || err == EWOULDBLOCK || err == EINTR || err == ECONNABORTED ||
        err == EPROTO) {
      return;
    }
    logf(PCSC_LOG_ERROR, "reader %d slot %d: accept: %s", index_, s.index, std::strerror(err));
    // Out of descriptors or memory: the connection stays queued and poll() would report it
    // again at once. Pause (or stop) rather than spin.
    pollfd p{stop_fd_, POLLIN, 0};
    ::poll(&p, 1, 200);
    return;
  }
  if (config_.kind == DeviceConfig::Kind::kTcp) {
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  install(s, fd);
}

void Reader::install(Slot& s, int fd) {
  std::unique_lock state(s.state);
  if (s.fd >= 0 && peer_gone(s.fd)) {
    // The card there has gone but nobody has noticed yet. Dropping it needs `io` too, taken
    // first; an exchange holding it on a dead socket ends at once.
    state.unlock();
    std::scoped_lock both(s.io, s.state);
    if (s.fd >= 0 && peer_gone(s.fd)) drop_card(s, "card disconnected");
    if (s.fd < 0) {
      install_locked(s, fd);
      return;
    }
  } else if (s.fd < 0) {
    install_locked(s, fd);
    return;
  }
  logf(PCSC_LOG_ERROR, "reader %d slot %d: refused a second card on %s: the slot has one", index_,
       s.index, s.where.c_str());
  ::close(fd);
}

void Reader::install_locked(Slot& s, int fd) {
  s.fd = fd;
  s.atr_length = 0;
  logf(PCSC_LOG_INFO, "reader %d slot %d: card inserted (%s)", index_, s.index, s.where.c_str());
  signal_event(s.wake_fd);
}

void Reader::drop_card(Slot& s, const char* why) {
  if (s.fd < 0) return;
  ::shutdown(s.fd, SHUT_RDWR);
  close_fd(s.fd);
  s.atr_length = 0;
  s.removal_unreported = true;
  logf(PCSC_LOG_INFO, "reader %d slot %d: card removed (%s)", index_, s.index, why);
  signal_event(s.wake_fd);
}

int Reader::connected_fd(Slot& s) {
  std::lock_guard state(s.state);
  return s.fd;
}

RESPONSECODE Reader::fail(Slot& s, IoStatus status, const char* doing) {
  char why[160];
  RESPONSECODE rv = IFD_COMMUNICATION_ERROR;
  switch (status) {
    case IoStatus::kTimeout:
      std::snprintf(why, sizeof why, "no answer to %s within %d ms", doing, timeout_ms_);
      rv = IFD_RESPONSE_TIMEOUT;
      break;
    case IoStatus::kClosed:
      std::snprintf(why, sizeof why, "card disconnected during %s", doing);
      break;
    case IoStatus::kTooLong:
      std::snprintf(why, sizeof why, "answer to %s longer than the buffer", doing);
      break;
    default:
      std::snprintf(why, sizeof why, "socket error during %s: %s", doing, std::strerror(errno));
      break;
  }
  std::lock_guard state(s.state);
  drop_card(s, why);
  return rv;
}

RESPONSECODE Reader::check_idle(Slot& s, int fd) {
  if (fd < 0) return IFD_ICC_NOT_PRESENT;
  const char* why = nullptr;
  if (peer_gone(fd)) {
    why = "card disconnected";
  } else if (has_pending_input(fd)) {
    // Bytes nobody asked for would be taken as the next answer: out of step for good.
    why = "card sent data unasked";
  } else {
    return IFD_SUCCESS;
  }
  std::lock_guard state(s.state);
  drop_card(s, why);
  return IFD_COMMUNICATION_ERROR;
}

RESPONSECODE Reader::send(Slot& s, int fd, const std::uint8_t* data, std::size_t length,
                          Clock::time_point deadline) {
  const IoStatus status = send_frame(fd, data, length, deadline);
  return status == IoStatus::kOk ? IFD_SUCCESS : fail(s, status, "a send");
}

RESPONSECODE Reader::receive(Slot& s, int fd, std::uint8_t* out, std::size_t capacity,
                             std::size_t* length, Clock::time_point deadline) {
  const IoStatus status =
      recv_frame(fd, config_.kind == DeviceConfig::Kind::kTcp, out, capacity, length, deadline);
  if (status == IoStatus::kTooLong) {
    logf(PCSC_LOG_ERROR, "reader %d slot %d: card answered %zu bytes, room for %zu", index_,
         s.index, *length, capacity);
  }
  return status == IoStatus::kOk ? IFD_SUCCESS : fail(s, status, "a command");
}

RESPONSECODE Reader::power(Slot& s, DWORD action, PUCHAR atr, PDWORD atr_length) {
  if (atr_length != nullptr && action == IFD_POWER_DOWN) *atr_length = 0;
  if (action != IFD_POWER_UP && action != IFD_RESET && action != IFD_POWER_DOWN) {
    return IFD_NOT_SUPPORTED;
  }
  const int fd = connected_fd(s);
  RESPONSECODE rv = check_idle(s, fd);
  if (rv != IFD_SUCCESS) return action == IFD_POWER_DOWN ? rv : IFD_ERROR_POWER_ACTION;
  const auto until = deadline();
  if (action == IFD_POWER_DOWN) {
    {
      std::lock_guard state(s.state);
      s.atr_length = 0;
    }
    return send(s, fd, &kPowerOff, 1, until);
  }
  if (atr == nullptr || atr_length == nullptr) return IFD_COMMUNICATION_ERROR;
  *atr_length = 0;
  const std::uint8_t control = action == IFD_POWER_UP ? kPowerOn : kReset;
  if ((rv = send(s, fd, &control, 1, until)) != IFD_SUCCESS) return rv;
  if ((rv = send(s, fd, &kGetAtr, 1, until)) != IFD_SUCCESS) return rv;
  std::array<std::uint8_t, MAX_ATR_SIZE> answer{};
  std::size_t length = 0;
  if ((rv = receive(s, fd, answer.data(), answer.size(), &length, until)) != IFD_SUCCESS) {
    return rv;
  }
  std::lock_guard state(s.state);
  if (length == 0) {
    drop_card(s, "card answered get-ATR with nothing");
    return IFD_ERROR_POWER_ACTION;
  }
  s.atr = answer;
  s.atr_length = length;
  std::memcpy(atr, answer.data(), length);
  *atr_length = static_cast<DWORD>(length);
  return IFD_SUCCESS;
}

RESPONSECODE Reader::set_protocol(Slot& s, DWORD protocol) {
  std::uint8_t control;
  if (protocol == SCARD_PROTOCOL_T0) {
    control = kProtocolT0;
  } else if (protocol == SCARD_PROTOCOL_T1) {
    control = kProtocolT1;
  } else {
    return IFD_PROTOCOL_NOT_SUPPORTED;
  }
  const int fd = connected_fd(s);
  if (const RESPONSECODE rv = check_idle(s, fd); rv != IFD_SUCCESS) return rv;
  return send(s, fd, &control, 1, deadline());
}

RESPONSECODE Reader::transmit(Slot& s, const std::uint8_t* command, std::size_t command_length,
                              std::uint8_t* response, std::size_t* response_length) {
  const std::size_t capacity = *response_length;
  *response_length = 0;
  // Shorter would read as a control message on the link; longer does not fit the length field.
  if (command_length < 4 || command_length > kMaxFrame) {
    logf(PCSC_LOG_ERROR, "reader %d slot %d: cannot send a %zu-byte command (4..%zu)", index_,
         s.index, command_length, kMaxFrame);
    return IFD_COMMUNICATION_ERROR;
  }
  const int fd = connected_fd(s);
  RESPONSECODE rv = check_idle(s, fd);
  if (rv != IFD_SUCCESS) return rv;
  if (debug_) {
    logf(PCSC_LOG_INFO, "reader %d slot %d > %s", index_, s.index,
         hex(command, command_length).c_str());
  }
  const auto until = deadline();
  if ((rv = send(s, fd, command, command_length, until)) != IFD_SUCCESS) return rv;
  std::size_t length = 0;
  if ((rv = receive(s, fd, response, capacity, &length, until)) != IFD_SUCCESS) return rv;
  if (length < 2) {
    std::lock_guard state(s.state);
    drop_card(s, "card answered without a status word");
    return IFD_COMMUNICATION_ERROR;
  }
  if (debug_) {
    logf(PCSC_LOG_INFO, "reader %d slot %d < %s", index_, s.index, hex(response, length).c_str());
  }
  *response_length = length;
  return IFD_SUCCESS;
}

RESPONSECODE Reader::presence(Slot& s) {
  std::lock_guard state(s.state);
  if (s.fd >= 0 && peer_gone(s.fd)) drop_card(s, "card disconnected");
  const bool unreported = s.removal_unreported;
  // Only pcscd's event thread turns "absent" into a removal event; had another caller (the
  // check before a power-up) consumed it, the event would be lost.
  if (unreported && (!s.event_thread || *s.event_thread == std::this_thread::get_id())) {
    s.removal_unreported = false;
    // Let the event thread come straight back for a card that is already waiting.
    if (s.fd >= 0) signal_event(s.wake_fd);
  }
  return s.fd >= 0 && !unreported ? IFD_ICC_PRESENT : IFD_ICC_NOT_PRESENT;
}

void Reader::release(Slot& s) {
  std::lock_guard state(s.state);
  if (s.fd >= 0) {
    // Best effort, as a real reader powers the card down before it goes away.
    const std::uint8_t off = kPowerOff;
    send_frame(s.fd, &off, 1, Clock::now() + std::chrono::milliseconds(100));
    ::shutdown(s.fd, SHUT_RDWR);
    close_fd(s.fd);
    logf(PCSC_LOG_INFO, "reader %d slot %d: card released (reader closing)", index_, s.index);
  }
  s.atr_length = 0;
  s.removal_unreported = false;
  s.open = false;
  signal_event(s.wake_fd);
}

struct SlotRef {
  Reader* reader;
  Slot* slot;
};

// The slot of an open channel. pcscd never calls into a slot after closing it, and a Reader
// lives until its last slot closes, so the pointers stay valid for the call.
std::optional<SlotRef> find_slot(DWORD lun) {
  const DWORD reader_index = lun >> 16;
  const DWORD slot_index = lun & 0xFFFF;
  Registry& registry = euiccsim::ifd::registry();
  std::lock_guard lock(registry.mutex);
  if (reader_index >= kMaxReaders || !registry.readers[reader_index]) return std::nullopt;
  Reader& r = *registry.readers[reader_index];
  if (slot_index >= static_cast<DWORD>(r.config().slots)) return std::nullopt;
  Slot& s = r.slot(static_cast<int>(slot_index));
  std::lock_guard state(s.state);
  if (!s.open) return std::nullopt;
  return SlotRef{&r, &s};
}

bool overlaps(const DeviceConfig& a, const DeviceConfig& b) {
  if (a.kind != b.kind) return false;
  if (a.kind == DeviceConfig::Kind::kUnix) return a.dir == b.dir;
  return a.port < b.port + b.slots && b.port < a.port + a.slots;
}

RESPONSECODE create_channel(DWORD lun, const std::string& device_name) {
  const DWORD reader_index = lun >> 16;
  const DWORD slot_index = lun & 0xFFFF;
  if (reader_index >= kMaxReaders) {
    logf(PCSC_LOG_ERROR, "unexpected Lun 0x%lX", static_cast<unsigned long>(lun));
    return IFD_COMMUNICATION_ERROR;
  }
  Registry& registry = euiccsim::ifd::registry();
  std::lock_guard lock(registry.mutex);
  std::unique_ptr<Reader>& slot_owner = registry.readers[reader_index];
  if (!slot_owner) {
    std::string error;
    const auto config = parse_device_name(device_name, &error);
    if (!config) {
      logf(PCSC_LOG_CRITICAL, "DEVICENAME %s: %s", device_name.c_str(), error.c_str());
      return IFD_COMMUNICATION_ERROR;
    }
    for (const auto& other : registry.readers) {
      if (other && overlaps(other->config(), *config)) {
        logf(PCSC_LOG_CRITICAL, "DEVICENAME %s: its sockets clash with reader %d (%s)",
             device_name.c_str(), other->index(), other->device_name().c_str());
        return IFD_COMMUNICATION_ERROR;
      }
    }
    auto reader = std::make_unique<Reader>(static_cast<int>(reader_index), device_name, *config);
    if (!reader->start(&error)) {
      logf(PCSC_LOG_CRITICAL, "DEVICENAME %s: %s", device_name.c_str(), error.c_str());
      return IFD_COMMUNICATION_ERROR;  // ~Reader closes and unlinks what was opened
    }
    logf(PCSC_LOG_INFO, "reader %lu: %d slot(s), slot 0 on %s, answer timeout %d ms",
         static_cast<unsigned long>(reader_index), config->slots, config->describe_slot(0).c_str(),
         reader->timeout_ms());
    slot_owner = std::move(reader);
  } else if (slot_owner->device_name() != device_name) {
    logf(PCSC_LOG_CRITICAL, "reader %lu is already %s, not %s",
         static_cast<unsigned long>(reader_index), slot_owner->device_name().c_str(),
         device_name.c_str());
    return IFD_COMMUNICATION_ERROR;
  }
  Reader& r = *slot_owner;
  if (slot_index >= static_cast<DWORD>(r.config().slots)) {
    logf(PCSC_LOG_CRITICAL, "pcscd asked for slot %lu, DEVICENAME %s declares %d",
         static_cast<unsigned long>(slot_index), device_name.c_str(), r.config().slots);
    if (r.open_slots() == 0) slot_owner.reset();
    return IFD_COMMUNICATION_ERROR;
  }
  Slot& s = r.slot(static_cast<int>(slot_index));
  std::lock_guard state(s.state);
  if (s.open) {
    logf(PCSC_LOG_ERROR, "reader %lu slot %lu is already open",
         static_cast<unsigned long>(reader_index), static_cast<unsigned long>(slot_index));
    return IFD_COMMUNICATION_ERROR;
  }
  s.open = true;
  s.event_thread.reset();
  s.removal_unreported = false;
  ++r.open_slots();
  return IFD_SUCCESS;
}

RESPONSECODE close_channel(DWORD lun) {
  const auto ref = find_slot(lun);
  if (!ref) return IFD_COMMUNICATION_ERROR;
  {
    std::lock_guard io(ref->slot->io);
    ref->reader->release(*ref->slot);
  }
  Registry& registry = euiccsim::ifd::registry();
  std::lock_guard lock(registry.mutex);
  if (--ref->reader->open_slots() == 0) {
    // Stops the acceptor (it never takes the registry mutex) and removes the socket files.
    registry.readers[ref->reader->index()].reset();
  }
  return IFD_SUCCESS;
}

// TAG_IFD_POLLING_THREAD_WITH_TIMEOUT: pcscd's event thread for the slot sits here until a card
// arrives or leaves (or `timeout_ms` passes), then asks IFDHICCPresence what happened.
RESPONSECODE wait_for_card_event(DWORD lun, int timeout_ms) {
  const auto ref = find_slot(lun);
  if (!ref) return IFD_COMMUNICATION_ERROR;
  Slot& s = *ref->slot;
  int watch = -1;
  {
    std::lock_guard state(s.state);
    s.event_thread = std::this_thread::get_id();
    // A duplicate, so that the descriptor polled below cannot be closed and reused meanwhile:
    // whoever drops the card also signals wake_fd, which ends the wait.
    if (s.fd >= 0) watch = ::fcntl(s.fd, F_DUPFD_CLOEXEC, 0);
  }
  std::array<pollfd, 2> fds{{{s.wake_fd, POLLIN, 0}, {watch, POLLRDHUP, 0}}};
  const auto until = Clock::now() + std::chrono::milliseconds(timeout_ms < 0 ? 0 : timeout_ms);
  for (;;) {
    int wait_ms = -1;
    if (timeout_ms >= 0) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(until - Clock::now());
      wait_ms = static_cast<int>(std::max<long long>(0, left.count()));
    }
    const int n = ::poll(fds.data(), watch >= 0 ? 2 : 1, wait_ms);
    if (n >= 0 || errno != EINTR) break;
  }
  // Drained after the poll: anything signalled before this point is seen by the
  // IFDHICCPresence call that follows; anything later wakes the next wait.
  drain_event(s.wake_fd);
  if (watch >= 0) ::close(watch);
  return IFD_SUCCESS;
}

// TAG_IFD_STOP_POLLING_THREAD: ends the current wait, or the next one if none is under way.
// pcscd calls it to remove the reader, but also on every SCardDisconnect, to restart the wait
// with a new timeout; so it must not stop later waits (the event thread would spin).
RESPONSECODE stop_waiting(DWORD lun) {
  const auto ref = find_slot(lun);
  if (!ref) return IFD_COMMUNICATION_ERROR;
  signal_event(ref->slot->wake_fd);
  return IFD_SUCCESS;
}

RESPONSECODE put_bytes(const void* data, std::size_t size, PDWORD length, PUCHAR value) {
  if (length == nullptr || value == nullptr) return IFD_COMMUNICATION_ERROR;
  if (*length < size) {
    *length = static_cast<DWORD>(size);
    return IFD_ERROR_INSUFFICIENT_BUFFER;
  }
  std::memcpy(value, data, size);
  *length = static_cast<DWORD>(size);
  return IFD_SUCCESS;
}

RESPONSECODE put_byte(std::uint8_t byte, PDWORD length, PUCHAR value) {
  return put_bytes(&byte, 1, length, value);
}

RESPONSECODE get_capabilities(DWORD lun, DWORD tag, PDWORD length, PUCHAR value) {
  using WaitFunction = RESPONSECODE (*)(DWORD, int);
  using StopFunction = RESPONSECODE (*)(DWORD);
  switch (tag) {
    case TAG_IFD_SIMULTANEOUS_ACCESS:  // several reader.conf entries may use this driver
      return put_byte(kMaxReaders, length, value);
    case TAG_IFD_THREAD_SAFE:
    case TAG_IFD_SLOT_THREAD_SAFE:  // slots share nothing but the acceptor thread
      return put_byte(1, length, value);
    case TAG_IFD_POLLING_THREAD_KILLABLE:
      // No: pthread_cancel() inside poll() would leak a descriptor and unwind C++ frames.
      // pcscd then uses TAG_IFD_STOP_POLLING_THREAD.
      return put_byte(0, length, value);
    case TAG_IFD_POLLING_THREAD_WITH_TIMEOUT: {
      const WaitFunction f = &wait_for_card_event;
      return put_bytes(&f, sizeof f, length, value);
    }
    case TAG_IFD_STOP_POLLING_THREAD: {
      const StopFunction f = &stop_waiting;
      return put_bytes(&f, sizeof f, length, value);
    }
    case SCARD_ATTR_VENDOR_NAME:
      return put_bytes(kVendorName, sizeof kVendorName, length, value);
    case SCARD_ATTR_VENDOR_IFD_VERSION:
      return put_bytes(&kIfdVersion, sizeof kIfdVersion, length, value);
    default:
      break;
  }
  const auto ref = find_slot(lun);
  if (!ref) return IFD_COMMUNICATION_ERROR;
  switch (tag) {
    case TAG_IFD_SLOTS_NUMBER:
      return put_byte(static_cast<std::uint8_t>(ref->reader->config().slots), length, value);
    case TAG_IFD_ATR:
    case SCARD_ATTR_ATR_STRING: {
      std::lock_guard state(ref->slot->state);
      return put_bytes(ref->slot->atr.data(), ref->slot->atr_length, length, value);
    }
    default:
      return IFD_ERROR_TAG;
  }
}

// No exception may cross into pcscd (C): it would terminate the daemon.
template <typename F>
RESPONSECODE guarded(const char* function, F&& body) noexcept {
  try {
    return body();
  } catch (const std::exception& e) {
    logf(PCSC_LOG_CRITICAL, "%s: %s", function, e.what());
  } catch (...) {
    logf(PCSC_LOG_CRITICAL, "%s: unknown exception", function);
  }
  return IFD_COMMUNICATION_ERROR;
}

}  // namespace

}  // namespace euiccsim::ifd

using euiccsim::ifd::guarded;

extern "C" {

RESPONSECODE IFDHCreateChannelByName(DWORD Lun, LPSTR DeviceName) {
  return guarded(__func__, [&] {
    return euiccsim::ifd::create_channel(Lun, DeviceName != nullptr ? DeviceName : "");
  });
}

// Without DEVICENAME pcscd comes here with CHANNELID, which cannot say where to listen.
RESPONSECODE IFDHCreateChannel(DWORD Lun, DWORD Channel) {
  euiccsim::ifd::logf(PCSC_LOG_CRITICAL,
                      "reader.conf entry (Lun 0x%lX, CHANNELID %lu) has no DEVICENAME; "
                      "expected unix:DIR[,slots=N] or tcp:PORT[,slots=N]",
                      static_cast<unsigned long>(Lun), static_cast<unsigned long>(Channel));
  return IFD_COMMUNICATION_ERROR;
}

RESPONSECODE IFDHCloseChannel(DWORD Lun) {
  return guarded(__func__, [&] { return euiccsim::ifd::close_channel(Lun); });
}

RESPONSECODE IFDHGetCapabilities(DWORD Lun, DWORD Tag, PDWORD Length, PUCHAR Value) {
  return guarded(__func__,
                 [&] { return euiccsim::ifd::get_capabilities(Lun, Tag, Length, Value); });
}

RESPONSECODE IFDHSetCapabilities(DWORD Lun, DWORD Tag, DWORD Length, PUCHAR Value) {
  (void)Lun;
  (void)Length;
  (void)Value;
  switch (Tag) {
    case TAG_IFD_ATR:
    case TAG_IFD_SLOTS_NUMBER:
    case TAG_IFD_SLOT_THREAD_SAFE:
    case TAG_IFD_THREAD_SAFE:
    case TAG_IFD_SIMULTANEOUS_ACCESS:
      return IFD_ERROR_VALUE_READ_ONLY;
    default:
      return IFD_ERROR_TAG;
  }
}

RESPONSECODE IFDHSetProtocolParameters(DWORD Lun, DWORD Protocol, UCHAR Flags, UCHAR PTS1,
                                       UCHAR PTS2, UCHAR PTS3) {
  // PTS/PPS values set baud rates and guard times; a socket has neither.
  (void)Flags;
  (void)PTS1;
  (void)PTS2;
  (void)PTS3;
  return guarded(__func__, [&]() -> RESPONSECODE {
    const auto ref = euiccsim::ifd::find_slot(Lun);
    if (!ref) return IFD_COMMUNICATION_ERROR;
    std::lock_guard io(ref->slot->io);
    return ref->reader->set_protocol(*ref->slot, Protocol);
  });
}

RESPONSECODE IFDHPowerICC(DWORD Lun, DWORD Action, PUCHAR Atr, PDWORD AtrLength) {
  return guarded(__func__, [&]() -> RESPONSECODE {
    const auto ref = euiccsim::ifd::find_slot(Lun);
    if (!ref) return IFD_COMMUNICATION_ERROR;
    std::lock_guard io(ref->slot->io);
    return ref->reader->power(*ref->slot, Action, Atr, AtrLength);
  });
}

RESPONSECODE IFDHTransmitToICC(DWORD Lun, SCARD_IO_HEADER SendPci, PUCHAR TxBuffer, DWORD TxLength,
                               PUCHAR RxBuffer, PDWORD RxLength, PSCARD_IO_HEADER RecvPci) {
  return guarded(__func__, [&]() -> RESPONSECODE {
    if (RxLength == nullptr) return IFD_COMMUNICATION_ERROR;
    std::size_t length = *RxLength;
    *RxLength = 0;
    if (TxBuffer == nullptr || RxBuffer == nullptr) return IFD_COMMUNICATION_ERROR;
    // pcscd numbers protocols 0 (T=0) and 1 (T=1) here; the link carries APDUs either way.
    if (SendPci.Protocol != 0 && SendPci.Protocol != 1) return IFD_PROTOCOL_NOT_SUPPORTED;
    const auto ref = euiccsim::ifd::find_slot(Lun);
    if (!ref) return IFD_COMMUNICATION_ERROR;
    std::lock_guard io(ref->slot->io);
    const RESPONSECODE rv =
        ref->reader->transmit(*ref->slot, TxBuffer, TxLength, RxBuffer, &length);
    *RxLength = static_cast<DWORD>(length);
    if (RecvPci != nullptr) RecvPci->Protocol = SendPci.Protocol;
    return rv;
  });
}

RESPONSECODE IFDHICCPresence(DWORD Lun) {
  return guarded(__func__, [&]() -> RESPONSECODE {
    const auto ref = euiccsim::ifd::find_slot(Lun);
    if (!ref) return IFD_COMMUNICATION_ERROR;
    std::lock_guard io(ref->slot->io);
    return ref->reader->presence(*ref->slot);
  });
}

// The reader has no features (no PIN pad, no display). GET_FEATURE_REQUEST answers with an
// empty list, as such readers do: applications probe it routinely, and an error would make
// pcscd log "Card not transacted" each time. Every other control code is unsupported.
RESPONSECODE IFDHControl(DWORD Lun, DWORD dwControlCode, PUCHAR TxBuffer, DWORD TxLength,
                         PUCHAR RxBuffer, DWORD RxLength, LPDWORD pdwBytesReturned) {
  (void)Lun;
  (void)TxBuffer;
  (void)TxLength;
  (void)RxBuffer;
  (void)RxLength;
  if (pdwBytesReturned != nullptr) *pdwBytesReturned = 0;
  return dwControlCode == CM_IOCTL_GET_FEATURE_REQUEST ? IFD_SUCCESS : IFD_ERROR_NOT_SUPPORTED;
}

}  // extern "C"
