// The control socket of `serve` for the IPAes it runs: STATE_DIR/.serve-control, a Unix stream
// socket. One request per connection, one line: "poll EID"; the answer is one JSON line, the
// report of the cycle that request started ({"eid", "ok", "error", "eims", "packages",
// "exchanges", "next_poll"}). So `euicc-sim ipae poll` reaches a card a serve owns without
// writing its image from a second process.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>

#include "euiccsim/simulator/host/ipae_runner.hpp"
#include "euiccsim/simulator/json.hpp"

namespace euiccsim::tools {

std::filesystem::path ipae_control_path(const std::filesystem::path& state_dir);

// The answer of the serve running on `state_dir` for card `eid`; std::runtime_error (one line)
// when none answers within `timeout`.
json::Value ipae_control_poll(const std::filesystem::path& state_dir, const std::string& eid,
                              std::chrono::seconds timeout);

// Listens on the control socket, served by `runner`'s loop (its bearer watches the socket).
class IpaeControlServer {
 public:
  IpaeControlServer(const std::filesystem::path& state_dir, sim::host::IpaeRunner& runner);
  ~IpaeControlServer();
  IpaeControlServer(const IpaeControlServer&) = delete;
  IpaeControlServer& operator=(const IpaeControlServer&) = delete;

 private:
  void accept_one();
  std::filesystem::path path_;
  sim::host::IpaeRunner& runner_;
  int fd_ = -1;
};

}  // namespace euiccsim::tools
