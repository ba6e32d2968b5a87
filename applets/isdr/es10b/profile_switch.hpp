// What the SGP.32 profile-switching functions share (ImmediateEnable BF5A, Enable/Disable
// EmergencyProfile BF5B/BF5C, ExecuteFallbackMechanism BF5D, ReturnFromFallback BF5E): finding
// the Emergency and the Fallback Profile, and applying a change under the ES10 conventions (a
// refused change leaves the card image unwritten; refreshFlag asks for a REFRESH).
#pragma once

#include <functional>
#include <optional>

#include "euiccsim/applets/isdp/profile_state.hpp"
#include "euiccsim/applets/isdr/es10.hpp"

namespace euiccsim::applets::es10b {

// The Emergency Profile: the slot whose metadata carried ecallIndication TRUE. SGP.32 expects
// one; should a card hold several, the first in installation order is the one.
std::optional<std::size_t> emergency_profile(const CardState& state);
// The Fallback Profile: the slot with the fallback attribute (setFallbackAttribute keeps it
// on one slot at most).
std::optional<std::size_t> fallback_profile(const CardState& state);
// The index of the slot whose ISD-P is `aid`.
std::optional<std::size_t> profile_index(const CardState& state, ByteView aid);

// Runs `change` on the state to change. Anything but kOk rolls every change back; kOk with
// `refresh` asks the runtime for a REFRESH once the answer is out.
isdp::Result switch_profiles(isdr::Es10Call& call, bool refresh,
                             const std::function<isdp::Result(CardState&)>& change);

}  // namespace euiccsim::applets::es10b
