// The trivial card of the PC/SC benchmark: attaches to a vpcd slot and answers 9000 to every
// APDU, so the benchmark can tell what pcscd, the driver and the socket cost on their own.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <vector>

namespace {
bool read_exact(int fd, unsigned char* p, std::size_t n) {
  while (n > 0) {
    ssize_t r = ::recv(fd, p, n, 0);
    if (r <= 0) return false;
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}
bool send_msg(int fd, const std::vector<unsigned char>& payload) {
  std::vector<unsigned char> m{static_cast<unsigned char>(payload.size() >> 8),
                               static_cast<unsigned char>(payload.size())};
  m.insert(m.end(), payload.begin(), payload.end());
  return ::send(fd, m.data(), m.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(m.size());
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: echo_card SLOT_SOCKET_PATH\n");
    return 2;
  }
  for (;;) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, argv[1], sizeof a.sun_path - 1);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ::close(fd);
      ::usleep(100000);
      continue;
    }
    unsigned char len[2];
    while (read_exact(fd, len, 2)) {
      std::vector<unsigned char> msg((len[0] << 8) | len[1]);
      if (!msg.empty() && !read_exact(fd, msg.data(), msg.size())) break;
      if (msg.size() == 1 && msg[0] == 4) {
        send_msg(fd, {0x3B, 0x80, 0x80, 0x01, 0x01});
      } else if (msg.size() > 1) {
        send_msg(fd, {0x90, 0x00});
      }
    }
    ::close(fd);
  }
}
