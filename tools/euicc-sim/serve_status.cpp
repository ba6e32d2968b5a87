#include "serve_status.hpp"

#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace euiccsim::tools {

namespace {
std::filesystem::path status_path(const std::filesystem::path& dir) {
  return dir / ".serve-status";
}
}  // namespace

// One line per fact: "pid N", "pcscd SOCKET", "slot N EID ENDPOINT READER NAME...".
void write_serve_status(const std::filesystem::path& dir, const ServeStatus& status) {
  auto tmp = dir / (".serve-status." + std::to_string(::getpid()));
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << "pid " << ::getpid() << '\n';
    if (!status.pcscd_socket.empty()) out << "pcscd " << status.pcscd_socket << '\n';
    for (const auto& [eid, s] : status.slots)
      out << "slot " << s.slot << ' ' << eid << ' ' << s.endpoint << ' ' << s.reader << '\n';
  }
  std::error_code ec;
  std::filesystem::rename(tmp, status_path(dir), ec);
}

void remove_serve_status(const std::filesystem::path& dir) {
  // Only the serve that wrote it removes it.
  if (read_serve_status(dir).pid != ::getpid()) return;
  std::error_code ec;
  std::filesystem::remove(status_path(dir), ec);
}

ServeStatus read_serve_status(const std::filesystem::path& dir) {
  ServeStatus out;
  std::ifstream in(status_path(dir));
  std::string word;
  long pid = 0;
  if (!(in >> word >> pid) || word != "pid" || pid <= 0 ||
      ::kill(static_cast<pid_t>(pid), 0) != 0) {
    return out;
  }
  out.pid = static_cast<pid_t>(pid);
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    std::istringstream l(line);
    if (!(l >> word)) continue;
    if (word == "pcscd") {
      l >> out.pcscd_socket;
    } else if (word == "slot") {
      SlotInfo s;
      std::string eid;
      if (!(l >> s.slot >> eid >> s.endpoint)) continue;
      std::getline(l >> std::ws, s.reader);
      out.slots[eid] = s;
    }
  }
  return out;
}

}  // namespace euiccsim::tools
