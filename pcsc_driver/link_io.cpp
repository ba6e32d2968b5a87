#include "link_io.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <vector>

namespace euiccsim::ifd {

namespace {

// Waits until `fd` is ready for `events`. Hang-ups and errors also count as ready: the send or
// recv that follows reports them precisely.
IoStatus wait_ready(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    const auto now = Clock::now();
    if (now >= deadline) return IoStatus::kTimeout;
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(deadline - now).count();
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, static_cast<int>(std::min<long long>(ms, INT_MAX)));
    if (n < 0) {
      if (errno == EINTR) continue;
      return IoStatus::kError;
    }
    if (n == 0) continue;  // rounding: the loop re-checks the clock
    if (p.revents & POLLNVAL) return IoStatus::kError;
    return IoStatus::kOk;
  }
}

bool is_disconnect(int err) {
  return err == EPIPE || err == ECONNRESET || err == ENOTCONN || err == ESHUTDOWN;
}

IoStatus send_all(int fd, const std::uint8_t* p, std::size_t n, Clock::time_point deadline) {
  while (n > 0) {
    // MSG_NOSIGNAL: a card that vanished must give EPIPE here, not SIGPIPE to all of pcscd.
    const ssize_t r = ::send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (r > 0) {
      p += r;
      n -= static_cast<std::size_t>(r);
      continue;
    }
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      const IoStatus s = wait_ready(fd, POLLOUT, deadline);
      if (s != IoStatus::kOk) return s;
      continue;
    }
    return r < 0 && is_disconnect(errno) ? IoStatus::kClosed : IoStatus::kError;
  }
  return IoStatus::kOk;
}

IoStatus recv_all(int fd, bool tcp, std::uint8_t* p, std::size_t n, Clock::time_point deadline) {
  while (n > 0) {
    const ssize_t r = ::recv(fd, p, n, MSG_DONTWAIT);
    if (r > 0) {
      p += r;
      n -= static_cast<std::size_t>(r);
      if (tcp) {
        // Linux clears quick-ack mode on its own; set it again after every read.
        int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
      }
      continue;
    }
    if (r == 0) return IoStatus::kClosed;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      const IoStatus s = wait_ready(fd, POLLIN, deadline);
      if (s != IoStatus::kOk) return s;
      continue;
    }
    return is_disconnect(errno) ? IoStatus::kClosed : IoStatus::kError;
  }
  return IoStatus::kOk;
}

// Zero-timeout poll; revents, or 0 if poll itself failed.
short poll_now(int fd, short events) {
  pollfd p{fd, events, 0};
  int n;
  do {
    n = ::poll(&p, 1, 0);
  } while (n < 0 && errno == EINTR);
  return n > 0 ? p.revents : 0;
}

}  // namespace

IoStatus send_frame(int fd, const std::uint8_t* data, std::size_t length,
                    Clock::time_point deadline) {
  if (length > kMaxFrame) return IoStatus::kError;
  // One buffer, one send: with TCP the header and body then travel in one segment.
  std::vector<std::uint8_t> frame(2 + length);
  frame[0] = static_cast<std::uint8_t>(length >> 8);
  frame[1] = static_cast<std::uint8_t>(length);
  std::copy(data, data + length, frame.begin() + 2);
  return send_all(fd, frame.data(), frame.size(), deadline);
}

IoStatus recv_frame(int fd, bool tcp, std::uint8_t* out, std::size_t capacity, std::size_t* length,
                    Clock::time_point deadline) {
  std::uint8_t header[2];
  *length = 0;
  const IoStatus s = recv_all(fd, tcp, header, sizeof header, deadline);
  if (s != IoStatus::kOk) return s;
  *length = static_cast<std::size_t>(header[0]) << 8 | header[1];
  if (*length > capacity) return IoStatus::kTooLong;
  return recv_all(fd, tcp, out, *length, deadline);
}

bool peer_gone(int fd) {
  return (poll_now(fd, POLLRDHUP) & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) != 0;
}

bool has_pending_input(int fd) {
  return (poll_now(fd, POLLIN) & POLLIN) != 0;
}

}  // namespace euiccsim::ifd
