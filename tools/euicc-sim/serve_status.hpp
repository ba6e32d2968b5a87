// Which card sits in which slot while `euicc-sim serve` runs: a small file in the state
// directory, so `euicc-sim card list` can tell, and a command refused a card that serve runs
// can name the reader to use instead.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <map>
#include <string>

namespace euiccsim::tools {

struct SlotInfo {
  unsigned slot = 0;
  std::string endpoint;
  std::string reader;  // the PC/SC reader name clients see ("euicc-sim 00 00")
};

struct ServeStatus {
  pid_t pid = 0;                          // 0: no serve runs
  std::string pcscd_socket;               // its private pcscd's, if it started one
  std::map<std::string, SlotInfo> slots;  // by EID
};

// Written by serve (atomically), removed when it stops.
void write_serve_status(const std::filesystem::path& state_dir, const ServeStatus& status);
void remove_serve_status(const std::filesystem::path& state_dir);
// What a running serve wrote; empty (pid 0) when none runs (a stale file is ignored).
ServeStatus read_serve_status(const std::filesystem::path& state_dir);

}  // namespace euiccsim::tools
