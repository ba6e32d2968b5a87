#include "euiccsim/simulator/host/socket_bearer.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace euiccsim::sim::host {

using applets::ipae::BearerEvent;
using applets::ipae::BearerEvents;
using applets::ipae::ChannelId;
using applets::ipae::ChannelKind;

struct SocketBearer::Channel {
  int fd = -1;
  BearerEvents* sink = nullptr;
  bool connecting = true;
  ChannelKind kind = ChannelKind::kStream;
  Bytes out;  // not yet written
  // The addresses not tried yet ("localhost" may be ::1 and 127.0.0.1).
  std::vector<sockaddr_storage> next;
  std::vector<socklen_t> next_len;
  int family = 0, socktype = 0, protocol = 0;
  ~Channel() {
    if (fd >= 0) ::close(fd);
  }
  // Starts connecting to the next address; false when none is left (errno says why).
  bool connect_next() {
    while (!next.empty()) {
      if (fd >= 0) ::close(fd);
      const auto addr = next.front();
      const auto len = next_len.front();
      next.erase(next.begin());
      next_len.erase(next_len.begin());
      fd = ::socket(addr.ss_family, socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (fd < 0) continue;
      if (kind == ChannelKind::kStream) {
        const int on = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
      }
      if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), len) == 0 || errno == EINPROGRESS)
        return true;
    }
    return false;
  }
};

class SocketBearer::Port final : public applets::ipae::Bearer {
 public:
  Port(SocketBearer& owner, BearerEvents& sink) : owner_(owner), sink_(sink) {}
  ~Port() override {
    for (auto id : mine_) owner_.close(id);
  }
  ChannelId open(ChannelKind kind, const std::string& host, std::uint16_t port) override {
    auto id = owner_.open(sink_, kind, host, port);
    mine_.push_back(id);
    return id;
  }
  void send(ChannelId id, ByteView data) override { owner_.send(id, data); }
  void close(ChannelId id) override {
    owner_.close(id);
    std::erase(mine_, id);
  }

 private:
  SocketBearer& owner_;
  BearerEvents& sink_;
  std::vector<ChannelId> mine_;
};

SocketBearer::SocketBearer() {
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) throw std::runtime_error("cannot create an eventfd");
}

SocketBearer::~SocketBearer() {
  channels_.clear();
  ::close(wake_fd_);
}

std::unique_ptr<applets::ipae::Bearer> SocketBearer::port(BearerEvents& sink) {
  return std::make_unique<Port>(*this, sink);
}

void SocketBearer::wake() {
  const std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
}

void SocketBearer::watch(int fd, std::function<void()> on_readable) {
  watched_[fd] = std::move(on_readable);
}

void SocketBearer::unwatch(int fd) {
  watched_.erase(fd);
}

void SocketBearer::queue(BearerEvents& sink, BearerEvent e) {
  pending_.emplace_back(&sink, std::move(e));
}

ChannelId SocketBearer::open(BearerEvents& sink, ChannelKind kind, const std::string& host,
                             std::uint16_t port) {
  const ChannelId id = ++next_id_;
  auto fail = [&](const std::string& why) {
    queue(sink, {BearerEvent::Kind::kFailed, id, {}, why});
    return id;
  };
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = kind == ChannelKind::kStream ? SOCK_STREAM : SOCK_DGRAM;
  addrinfo* res = nullptr;
  // Name resolution blocks; IP literals and /etc/hosts names (the labs' case) are immediate.
  const int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res);
  if (rc != 0) return fail(std::string("cannot resolve ") + host + ": " + ::gai_strerror(rc));
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> guard(res, ::freeaddrinfo);
  auto c = std::make_unique<Channel>();
  c->sink = &sink;
  c->kind = kind;
  c->socktype = hints.ai_socktype;
  for (const addrinfo* a = res; a != nullptr; a = a->ai_next) {
    sockaddr_storage ss{};
    std::memcpy(&ss, a->ai_addr, a->ai_addrlen);
    c->next.push_back(ss);
    c->next_len.push_back(a->ai_addrlen);
  }
  if (!c->connect_next()) return fail(std::strerror(errno));
  channels_[id] = std::move(c);
  return id;
}

void SocketBearer::send(ChannelId id, ByteView data) {
  auto it = channels_.find(id);
  if (it == channels_.end()) return;
  auto& c = *it->second;
  c.out.insert(c.out.end(), data.begin(), data.end());
  if (!c.connecting) flush(c);
}

void SocketBearer::flush(Channel& c) {
  while (!c.out.empty()) {
    const ssize_t n = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
      c.out.clear();
      ::shutdown(c.fd, SHUT_RDWR);  // the read side reports the close
      return;
    }
    c.out.erase(c.out.begin(), c.out.begin() + n);
  }
}

void SocketBearer::close(ChannelId id) {
  channels_.erase(id);
  std::erase_if(pending_, [id](const auto& p) { return p.second.channel == id; });
}

void SocketBearer::run_once(std::chrono::milliseconds timeout) {
  std::vector<pollfd> fds;
  std::vector<ChannelId> ids;
  fds.push_back({wake_fd_, POLLIN, 0});
  for (const auto& [fd, fn] : watched_) fds.push_back({fd, POLLIN, 0});
  const std::size_t first_channel = fds.size();
  for (const auto& [id, c] : channels_) {
    short ev = POLLIN;
    if (c->connecting || !c->out.empty()) ev |= POLLOUT;
    fds.push_back({c->fd, ev, 0});
    ids.push_back(id);
  }
  const int wait =
      pending_.empty() ? static_cast<int>(std::max<std::int64_t>(timeout.count(), 0)) : 0;
  int n = ::poll(fds.data(), fds.size(), wait);
  if (n < 0 && errno != EINTR)
    throw std::runtime_error(std::string("poll: ") + std::strerror(errno));
  if (n > 0) {
    if (fds[0].revents & POLLIN) {
      std::uint64_t v;
      [[maybe_unused]] auto r = ::read(wake_fd_, &v, sizeof v);
    }
    std::size_t i = 1;
    std::vector<std::function<void()>> ready;
    for (const auto& [fd, fn] : watched_) {
      if (fds[i++].revents & (POLLIN | POLLHUP | POLLERR)) ready.push_back(fn);
    }
    for (std::size_t k = 0; k < ids.size(); ++k) {
      const short re = fds[first_channel + k].revents;
      if (re == 0) continue;
      auto it = channels_.find(ids[k]);
      if (it == channels_.end()) continue;
      auto& c = *it->second;
      if (c.connecting) {
        if (!(re & (POLLOUT | POLLERR | POLLHUP))) continue;
        int err = 0;
        socklen_t len = sizeof err;
        ::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0) {
          if (c.connect_next()) continue;  // the name's next address
          queue(*c.sink, {BearerEvent::Kind::kFailed, ids[k], {}, std::strerror(err)});
          channels_.erase(it);
          continue;
        }
        c.connecting = false;
        queue(*c.sink, {BearerEvent::Kind::kOpened, ids[k], {}, {}});
        continue;  // data queued before the open goes once the IPAe has heard of it
      }
      if (re & POLLOUT) flush(c);
      if (re & (POLLIN | POLLHUP | POLLERR)) {
        std::uint8_t buf[16384];
        const ssize_t got = ::recv(c.fd, buf, sizeof buf, 0);
        if (got > 0) {
          queue(*c.sink, {BearerEvent::Kind::kData, ids[k], Bytes(buf, buf + got), {}});
        } else if (got == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
          queue(*c.sink, {BearerEvent::Kind::kClosed, ids[k], {}, {}});
          channels_.erase(it);
        }
      }
    }
    for (auto& fn : ready) fn();
  }
  // Deliver; an event's handler may open, send or close channels (and queue more events,
  // which wait for the next round).
  auto batch = std::move(pending_);
  pending_.clear();
  for (auto& [sink, e] : batch) {
    if (e.kind == BearerEvent::Kind::kData && !channels_.count(e.channel)) continue;
    sink->on_bearer_event(e);
  }
  for (auto& [id, c] : channels_) {
    if (!c->connecting && !c->out.empty()) flush(*c);
  }
}

}  // namespace euiccsim::sim::host
