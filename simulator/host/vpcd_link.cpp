#include "euiccsim/simulator/host/vpcd_link.hpp"

#include <chrono>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace euiccsim::host {

namespace {
constexpr std::uint8_t kPowerOff = 0x00;
constexpr std::uint8_t kPowerOn = 0x01;
constexpr std::uint8_t kReset = 0x02;
constexpr std::uint8_t kGetAtr = 0x04;
constexpr std::uint8_t kProtocolT0 = 0x10;  // euicc-sim driver extension
constexpr std::uint8_t kProtocolT1 = 0x11;

std::optional<std::uint16_t> parse_port(const std::string& s) {
  if (s.empty() || s.size() > 5 || s.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  unsigned long v = std::stoul(s);
  if (v == 0 || v > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(v);
}

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};
}  // namespace

std::optional<Endpoint> Endpoint::parse(const std::string& text) {
  Endpoint e;
  if (text.rfind("unix:", 0) == 0 || (!text.empty() && text[0] == '/')) {
    e.kind = Kind::kUnix;
    e.path = text[0] == '/' ? text : text.substr(5);
    if (e.path.empty() || e.path.size() >= sizeof(sockaddr_un{}.sun_path)) return std::nullopt;
    return e;
  }
  std::string rest = text.rfind("tcp:", 0) == 0 ? text.substr(4) : text;
  auto colon = rest.rfind(':');
  if (colon == std::string::npos || colon == 0) return std::nullopt;
  auto port = parse_port(rest.substr(colon + 1));
  if (!port) return std::nullopt;
  e.kind = Kind::kTcp;
  e.host = rest.substr(0, colon);
  e.port = *port;
  return e;
}

std::string Endpoint::str() const {
  return kind == Kind::kUnix ? "unix:" + path : "tcp:" + host + ":" + std::to_string(port);
}

std::optional<Endpoint> driver_slot(const std::string& device_name, unsigned slot) {
  // Options after a comma (",slots=N") concern the driver, not where a slot listens.
  const std::string base = device_name.substr(0, device_name.find(','));
  Endpoint e;
  if (base.rfind("unix:", 0) == 0 && base.size() > 5) {
    e.kind = Endpoint::Kind::kUnix;
    e.path = base.substr(5) + "/slot-" + std::to_string(slot) + ".sock";
    return e;
  }
  if (base.rfind("tcp:", 0) == 0) {
    auto port = parse_port(base.substr(4));
    if (!port || *port + slot > 65535) return std::nullopt;
    e.kind = Endpoint::Kind::kTcp;
    e.host = "127.0.0.1";
    e.port = static_cast<std::uint16_t>(*port + slot);
    return e;
  }
  return std::nullopt;
}

VpcdLink::VpcdLink(sim::Card& card, Endpoint endpoint, int stop_fd, Observer observer)
    : card_(card),
      endpoint_(std::move(endpoint)),
      stop_fd_(stop_fd),
      observer_(std::move(observer)) {}

int VpcdLink::connect_socket() {
  if (endpoint_.kind == Endpoint::Kind::kUnix) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      last_error_ = std::strerror(errno);
      return -1;
    }
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, endpoint_.path.c_str(), sizeof addr.sun_path - 1);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      last_error_ = std::strerror(errno);
      ::close(fd);
      return -1;
    }
    return fd;
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (int rc = ::getaddrinfo(endpoint_.host.c_str(), std::to_string(endpoint_.port).c_str(), &hints,
                             &res);
      rc != 0) {
    last_error_ = std::string("cannot resolve ") + endpoint_.host + ": " + ::gai_strerror(rc);
    return -1;
  }
  int fd = -1;
  for (auto* a = res; a; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
    last_error_ = std::strerror(errno);
    ::close(fd);
    fd = -1;
  }
  ::freeaddrinfo(res);
  if (fd >= 0) {
    // Without these every APDU waits for a delayed ACK (about 40 ms) on loopback.
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ::setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
  }
  return fd;
}

bool VpcdLink::wait_readable(int fd, int timeout_ms) {
  pollfd p[2] = {{fd, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
  for (;;) {
    int n = ::poll(p, stop_fd_ >= 0 ? 2 : 1, timeout_ms);
    if (n < 0 && errno == EINTR) continue;
    if (stop_fd_ >= 0 && (p[1].revents & POLLIN)) {
      stopped_ = true;
      return false;
    }
    return n > 0;
  }
}

bool VpcdLink::read_exact(int fd, std::uint8_t* out, std::size_t n) {
  std::size_t done = 0;
  while (done < n) {
    if (!wait_readable(fd, -1)) return false;
    ssize_t r = ::recv(fd, out + done, n - done, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    done += static_cast<std::size_t>(r);
  }
  if (endpoint_.kind == Endpoint::Kind::kTcp) {
    // Linux clears QUICKACK after use; re-arm it so the next answer is not held back.
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
  }
  return true;
}

bool VpcdLink::write_message(int fd, ByteView payload) {
  if (payload.size() > 0xFFFF) return false;
  Bytes msg;
  msg.reserve(payload.size() + 2);
  msg.push_back(static_cast<std::uint8_t>(payload.size() >> 8));
  msg.push_back(static_cast<std::uint8_t>(payload.size()));
  msg.insert(msg.end(), payload.begin(), payload.end());
  std::size_t done = 0;
  while (done < msg.size()) {
    ssize_t w = ::send(fd, msg.data() + done, msg.size() - done, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    done += static_cast<std::size_t>(w);
  }
  return true;
}

void VpcdLink::handle_control(std::uint8_t code, int fd) {
  switch (code) {
    case kPowerOff:
      card_.power_off();
      break;
    case kPowerOn:
      card_.power_on();
      break;
    case kReset:
      card_.reset();
      break;
    case kGetAtr:
      write_message(fd, card_.atr());
      break;
    case kProtocolT0:
      card_.set_protocol(sim::Protocol::kT0);
      break;
    case kProtocolT1:
      card_.set_protocol(sim::Protocol::kT1);
      break;
    default:
      break;  // unknown control codes are ignored, as vpcd cards do
  }
}

bool VpcdLink::serve_once() {
  Fd sock{connect_socket()};
  if (sock.fd < 0) return false;
  if (observer_) observer_(Event::kConnected, endpoint_.str());
  for (;;) {
    std::uint8_t len[2];
    if (!read_exact(sock.fd, len, 2)) break;
    const std::size_t n = (std::size_t{len[0]} << 8) | len[1];
    Bytes msg(n);
    if (n > 0 && !read_exact(sock.fd, msg.data(), n)) break;
    if (n == 1) {
      handle_control(msg[0], sock.fd);
      continue;
    }
    // A reader that skips power-on still gets an answer: a powered card.
    if (!card_.powered()) card_.power_on();
    if (apdu_timer_) {
      const auto start = std::chrono::steady_clock::now();
      Bytes answer = card_.transmit(msg);
      apdu_timer_(std::chrono::steady_clock::now() - start);
      if (!write_message(sock.fd, answer)) break;
    } else if (!write_message(sock.fd, card_.transmit(msg))) {
      break;
    }
  }
  // The card leaves the reader: whatever was volatile is gone, as when pulled out.
  card_.power_off();
  if (observer_) observer_(Event::kDisconnected, endpoint_.str());
  return true;
}

void VpcdLink::run() {
  int backoff_ms = 100;
  bool reported = false;
  while (!stopped_) {
    if (serve_once()) {
      backoff_ms = 100;
      reported = false;
      continue;
    }
    if (!reported && observer_)
      observer_(Event::kConnectFailed, endpoint_.str() + ": " + last_error_);
    reported = true;
    pollfd p{stop_fd_, POLLIN, 0};
    if (stop_fd_ >= 0 && ::poll(&p, 1, backoff_ms) > 0) stopped_ = true;
    backoff_ms = std::min(backoff_ms * 2, 2000);
  }
}

}  // namespace euiccsim::host
