// Which card sits in which slot while `euicc-sim serve` runs: a small file in the state
// directory, so `euicc-sim card list` can tell.
#pragma once

#include <filesystem>
#include <map>
#include <string>

namespace euiccsim::tools {

struct SlotInfo {
  unsigned slot = 0;
  std::string endpoint;
};

// Written by serve (atomically), removed when it stops.
void write_serve_status(const std::filesystem::path& state_dir,
                        const std::map<std::string, SlotInfo>& by_eid);
void remove_serve_status(const std::filesystem::path& state_dir);
// The slots of a running serve; empty when none runs (a stale file is ignored).
std::map<std::string, SlotInfo> read_serve_status(const std::filesystem::path& state_dir);

}  // namespace euiccsim::tools
