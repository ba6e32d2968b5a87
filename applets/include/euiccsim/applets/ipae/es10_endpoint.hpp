// How the IPAe reaches its own card: the ES10 functions through the very ISD-R handlers an
// IPAd reaches over APDUs, run by the card runtime (persistence, rollback, trace), and its own
// part of the card image. The simulator's Card implements it (dependency inversion: applets
// never include the simulator).
#pragma once

#include <functional>
#include <optional>

#include "euiccsim/applets/apdu.hpp"
#include "euiccsim/applets/card_state.hpp"

namespace euiccsim::applets::ipae {

// What the IPAe reads of the card without ES10: its configuration and state, and the few
// facts an IPA in the eUICC knows first-hand.
struct CardView {
  explicit CardView(Eid e) : eid(std::move(e)) {}
  Eid eid;
  bool active = false;  // the card has an IPAe and ipaMode is ipae
  IpaeConfig config;
  IpaeState state;
  std::vector<Bytes> ci_certificates;  // the card's trusted CIs (SM-DP+ TLS)
  bool fallback_in_force = false;      // ExecuteFallbackMechanism's return is pending
  bool emergency_in_force = false;     // the Emergency Profile is enabled
  std::optional<RollbackContext> rollback;
};

class Es10Endpoint {
 public:
  virtual ~Es10Endpoint() = default;
  // One ES10 function: the request DER (or one piece of a Bound Profile Package); the ISD-R's
  // answer data and status word.
  virtual apdu::Response es10(ByteView request) = 0;
  virtual CardView view() const = 0;
  // Changes the IPAe's state as one transaction of the card image; throws if it cannot be
  // saved (the state is then as it was).
  virtual void update_ipae(const std::function<void(IpaeState&)>& change) = 0;
};

}  // namespace euiccsim::applets::ipae
