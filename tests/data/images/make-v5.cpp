// Adds to a card image the SGP.32 state that version 5 of the format introduced, with the
// load_image and save_image of euicc-sim 613bc5c, the commit that defined version 5 (README.md
// in this directory has the commands). No function of that commit could produce this state yet
// (LoadEuiccPackage, ProfileRollback, ConfigureImmediateProfileEnabling, the Fallback Mechanism
// and IpaeActivation came later), so this program sets it, with values the README states:
// two package results, the rollback context, the immediate-enable configuration, the fallback
// attribute of the second profile (fallbackAllowed false) and the ecall indication of the
// first, both return AIDs, and ipaMode ipae. The image must hold two profiles and the eIM
// "eim-1".
//   make-v5 IMAGE
#include <iostream>

#include "euiccsim/simulator/card_image.hpp"

using namespace euiccsim;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make-v5 IMAGE\n";
    return 2;
  }
  CardState s = sim::load_image(argv[1]);
  if (s.profiles.size() != 2 || s.find_eim("eim-1") == nullptr) {
    std::cerr << "make-v5: the image needs two profiles and the eIM eim-1\n";
    return 1;
  }
  const Bytes first = s.profiles[0].isdp_aid, second = s.profiles[1].isdp_aid;
  s.profiles[0].ecall_indication = true;
  s.profiles[1].fallback_attribute = true;
  s.profiles[1].fallback_allowed = false;
  s.package_results.push_back({s.last_seq_number + 1, "eim-1", from_hex("BF5106A004800201F4")});
  s.package_results.push_back({s.last_seq_number + 2, "eim-1", from_hex("BF5103A10105")});
  s.last_seq_number += 2;
  RollbackContext r;
  r.enabled_aid = second;
  r.previous_aid = first;
  r.eim_id = "eim-1";
  r.counter_value = 6;
  r.transaction_id = from_hex("0A0B0C");
  s.rollback = r;
  s.immediate_enable = ImmediateEnableConfig{true, from_hex("2B0601040182E21D"), "smdp.example.com"};
  s.fallback_return_aid = first;
  s.emergency_return_aid = second;
  s.ipa_mode = kIpaModeIpae;
  sim::save_image(argv[1], s);
  return 0;
}
