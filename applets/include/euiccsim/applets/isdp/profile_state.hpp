// ISD-Ps and their profiles' life cycle (SGP.22 §2.4.4, §3.2, §5.7.16-19): enabling,
// disabling, deleting, memory reset, and the rules that guard them (profile policy rules,
// test and provisioning profiles, at most one enabled profile). ES10c calls these; the SGP.32
// PSMOs will too. Each function either changes `state` completely or not at all, and queues
// the notifications the profiles' configuration asks for.
#pragma once

#include <cstdint>

#include "euiccsim/applets/card_state.hpp"

namespace euiccsim::applets::isdp {

// The values are SGP.22's enableResult / disableResult / deleteResult / resetResult codes.
enum class Result : std::uint8_t {
  kOk = 0,
  kIccidOrAidNotFound = 1,
  kProfileNotInDisabledState = 2,  // enable, delete
  kProfileNotInEnabledState = 2,   // disable
  kNothingToDelete = 1,            // memory reset
  kDisallowedByPolicy = 3,
  kWrongProfileReenabling = 4,
  kCatBusy = 5,
  kUndefinedError = 127,
};

// eUICCMemoryReset resetOptions bits.
inline constexpr std::uint32_t kDeleteOperationalProfiles = 1u << 0;
inline constexpr std::uint32_t kDeleteFieldLoadedTestProfiles = 1u << 1;
inline constexpr std::uint32_t kResetDefaultSmdpAddress = 1u << 2;

// `target` must be a slot of `state`.
Result enable(CardState& state, ProfileSlot& target);
Result disable(CardState& state, ProfileSlot& target);
// Removes the slot (and the ISD-P) from state.profiles.
Result remove(CardState& state, ProfileSlot& target);
Result memory_reset(CardState& state, std::uint32_t reset_options);

// Installs an already installed profile image into a new ISD-P as a factory does (`card new
// --preload`): no notification. Returns the new ISD-P's AID.
Bytes preload(CardState& state, profiles::InstalledProfile profile, ProfileMetadata metadata,
              bool enable);

}  // namespace euiccsim::applets::isdp
