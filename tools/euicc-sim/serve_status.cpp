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

void write_serve_status(const std::filesystem::path& dir,
                        const std::map<std::string, SlotInfo>& m) {
  auto tmp = dir / ".serve-status.tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << "pid " << ::getpid() << '\n';
    for (const auto& [eid, s] : m)
      out << "slot " << s.slot << ' ' << eid << ' ' << s.endpoint << '\n';
  }
  std::error_code ec;
  std::filesystem::rename(tmp, status_path(dir), ec);
}

void remove_serve_status(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::remove(status_path(dir), ec);
}

std::map<std::string, SlotInfo> read_serve_status(const std::filesystem::path& dir) {
  std::map<std::string, SlotInfo> out;
  std::ifstream in(status_path(dir));
  std::string word;
  long pid = 0;
  if (!(in >> word >> pid) || word != "pid" || pid <= 0 ||
      ::kill(static_cast<pid_t>(pid), 0) != 0) {
    return out;
  }
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    std::istringstream l(line);
    SlotInfo s;
    std::string eid;
    if (l >> word >> s.slot >> eid >> s.endpoint && word == "slot") out[eid] = s;
  }
  return out;
}

}  // namespace euiccsim::tools
