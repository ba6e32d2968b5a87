// Fault plans as scenarios and `serve --faults FILE` write them (docs/scenarios.md "Faults"):
//
//   - card: A                       which card (a scenario's card name, or an EID for serve)
//     at: {es10: EnableProfile}     or {apdu: 12}, {es10: ..., occurrence: 2}, or "every"
//     do: power-loss                tear, reset, sw, truncate, bit-flip, delay
//   - peer: smdp                    a fault of the SM-DP+ peer (or at: {es9: FUNCTION})
//     at: {es9: initiateAuthentication}
//     do: corrupt-signature         http-status, drop-before, drop-after, failed, corrupt-mac,
//     delay
#pragma once

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <string>
#include <vector>

#include "esipa_faults.hpp"
#include "euiccsim/simulator/faults.hpp"
#include "scenario.hpp"
#include "smdp/faults.hpp"

namespace euiccsim::scenario {

// Whether the entry is for the SM-DP+ peer (peer: smdp, or at: {es9: ...}).
bool is_peer_fault(const YAML::Node& entry);
// Whether the entry is for the eIM peer (peer: eim, or at: {esipa: ...}).
bool is_eim_fault(const YAML::Node& entry);
// ScenarioError "FILE:LINE: what is wrong" for a bad entry.
sim::CardFault card_fault_from(const YAML::Node& entry, const std::filesystem::path& file);
smdp::Es9Fault es9_fault_from(const YAML::Node& entry, const std::filesystem::path& file);
EsipaFault esipa_fault_from(const YAML::Node& entry, const std::filesystem::path& file);

// A fault plan file: `format: 1` and `faults:` (card entries; `card:` an EID or absent for
// every card).
struct FaultPlanFile {
  struct Entry {
    std::string card;  // empty: every card
    sim::CardFault fault;
  };
  std::vector<Entry> card;
  std::vector<smdp::Es9Fault> peer;
  // The faults for the card `eid`.
  std::vector<sim::CardFault> for_card(const std::string& eid) const;
};
FaultPlanFile load_fault_plan(const std::filesystem::path& file);

}  // namespace euiccsim::scenario
