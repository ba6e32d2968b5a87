#include "ipae_control.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "common.hpp"

namespace euiccsim::tools {

namespace {
sockaddr_un address_of(const std::filesystem::path& p) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  const std::string s = p.string();
  if (s.size() >= sizeof a.sun_path) throw std::runtime_error("control socket path too long: " + s);
  std::memcpy(a.sun_path, s.c_str(), s.size() + 1);
  return a;
}

void write_line(int fd, const std::string& line) {
  std::string out = line + "\n";
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::send(fd, out.data() + done, out.size() - done, MSG_NOSIGNAL);
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      return;
    }
    done += static_cast<std::size_t>(n);
  }
}
}  // namespace

std::filesystem::path ipae_control_path(const std::filesystem::path& state_dir) {
  return state_dir / ".serve-control";
}

json::Value ipae_control_poll(const std::filesystem::path& state_dir, const std::string& eid,
                              std::chrono::seconds timeout) {
  const auto path = ipae_control_path(state_dir);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket: " + std::string(std::strerror(errno)));
  const auto a = address_of(path);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
    const std::string why = std::strerror(errno);
    ::close(fd);
    throw std::runtime_error("serve runs card " + eid + " but its control socket " + path.string() +
                             " does not answer: " + why);
  }
  write_line(fd, "poll " + eid);
  std::string got;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (got.find('\n') == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char buf[4096];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<std::size_t>(n));
    if (got.size() > 65536) break;
  }
  ::close(fd);
  auto line = got.substr(0, got.find('\n'));
  auto v = json::parse(line);
  if (!v || !v->is_object())
    throw std::runtime_error("no answer from serve's control socket within " +
                             std::to_string(timeout.count()) + " s");
  return *v;
}

IpaeControlServer::IpaeControlServer(const std::filesystem::path& state_dir,
                                     sim::host::IpaeRunner& runner)
    : path_(ipae_control_path(state_dir)), runner_(runner) {
  fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error("socket: " + std::string(std::strerror(errno)));
  const auto a = address_of(path_);
  ::unlink(path_.c_str());  // a stale one of a serve that was killed
  if (::bind(fd_, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0 || ::listen(fd_, 16) != 0) {
    const std::string why = std::strerror(errno);
    ::close(fd_);
    throw std::runtime_error("cannot listen on " + path_.string() + ": " + why);
  }
  runner_.bearer().watch(fd_, [this] { accept_one(); });
}

IpaeControlServer::~IpaeControlServer() {
  runner_.bearer().unwatch(fd_);
  ::close(fd_);
  ::unlink(path_.c_str());
}

void IpaeControlServer::accept_one() {
  const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
  if (c < 0) return;
  // The request is one short line sent at once; a client that sends nothing is dropped.
  timeval tv{2, 0};
  ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string line;
  char ch;
  while (line.size() < 200 && ::recv(c, &ch, 1, 0) == 1 && ch != '\n') line.push_back(ch);
  auto fail = [c](const std::string& why) {
    write_line(c, json::dump(json::Value{{"ok", false}, {"error", why}}));
    ::close(c);
  };
  if (line.rfind("poll ", 0) != 0) {
    fail("unknown request '" + line + "' (expected: poll EID)");
    return;
  }
  const std::string eid = line.substr(5);
  if (!runner_.trigger(eid, [c, eid](const applets::ipae::CycleReport& r) {
        write_line(c, json::dump(cycle_report_json(eid, r)));
        ::close(c);
      })) {
    fail("serve runs no IPAe of card " + eid);
  }
}

}  // namespace euiccsim::tools
