// Faults on the ESipa path between the IPA and the test eIM (docs/scenarios.md "Faults"):
// an HTTP error instead of the answer, a connection that drops before the request reaches
// the eIM or after the eIM handled it (its answer lost), a corrupted signature (the
// eimSignature of a handed-out EuiccPackageRequest, the SM-DP+'s signatures the eIM relays)
// or MAC (a relayed BPP segment), a delay. Each exchange also goes on the trace bus, by
// function name with both DER bodies.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "euiccsim/simulator/trace.hpp"
#include "ipa/poll.hpp"

namespace euiccsim::scenario {

struct EsipaFault {
  std::string function;     // "GetEimPackage", ...; "" = any
  unsigned occurrence = 1;  // 1 = the first matching call; 0 = every one
  enum class Kind : std::uint8_t {
    kHttpStatus,        // the answer is this HTTP status with an empty body; no eIM call
    kDropBefore,        // the connection drops before the request reaches the eIM
    kDropAfter,         // the eIM handles the request, the answer is lost
    kCorruptSignature,  // one bit of the answer's first signature (5F37) inverted
    kCorruptMac,        // one bit of the MAC ending the first BPP segment (86) inverted
    kDelay,             // the answer arrives `delay` later
  };
  Kind kind = Kind::kHttpStatus;
  int http_status = 500;
  std::chrono::milliseconds delay{0};
};

// The ESipa function of a request, by its top-level tag ("" when none).
std::string esipa_function(ByteView request);
// The names `at: {esipa: ...}` accepts.
const std::vector<std::string>& esipa_function_names();
std::string describe(const EsipaFault& f);

class EsipaFaultyPost {
 public:
  struct Options {
    std::vector<EsipaFault> plan;
    std::shared_ptr<sim::TraceBus> trace;                 // may be null
    std::string peer = "eim";                             // the trace's name for the eIM
    std::function<void(std::chrono::milliseconds)> wait;  // how a delay passes
  };
  EsipaFaultyPost(ipa::EsipaPost inner, Options options);
  // The EsipaPost to give the IPA; shares this object's state.
  ipa::EsipaPost post();
  std::vector<std::string> fired() const;

 private:
  struct State;
  std::shared_ptr<State> s_;
};

}  // namespace euiccsim::scenario
