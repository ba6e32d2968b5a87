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
// SGP.32 v1.2 (IotEuiccMemoryResetRequest, BF64) only. Bits 5 resetEimConfigData and 6
// resetImmediateEnableConfig concern no profile: the BF64 handler applies them itself.
inline constexpr std::uint32_t kDeletePreLoadedTestProfiles = 1u << 3;
inline constexpr std::uint32_t kDeleteProvisioningProfiles = 1u << 4;
// The bits SGP.22's eUICCMemoryReset (BF34) defines; SGP.32 v1.0 gave bits 3 and 4 of BF34
// other meanings, so BF34 passes only these.
inline constexpr std::uint32_t kSgp22ResetOptions =
    kDeleteOperationalProfiles | kDeleteFieldLoadedTestProfiles | kResetDefaultSmdpAddress;

// `target` must be a slot of `state`.
Result enable(CardState& state, ProfileSlot& target);
Result disable(CardState& state, ProfileSlot& target);
// enable / disable for the SGP.32 Emergency and Fallback mechanisms (ES10b BF5B-BF5E): the
// device switches profiles because it needs connectivity (an emergency call, a network that
// failed), which a profile's "disabling not allowed" must not block, so PPR1 of the profile
// that goes is set aside. Everything else (catBusy, notifications, states) is as above.
Result enable_overriding_ppr1(CardState& state, ProfileSlot& target);
Result disable_overriding_ppr1(CardState& state, ProfileSlot& target);
// Removes the slot (and the ISD-P) from state.profiles.
Result remove(CardState& state, ProfileSlot& target);
Result memory_reset(CardState& state, std::uint32_t reset_options);

// Installs an already installed profile image into a new ISD-P as a factory does (`card new
// --preload`): no notification. Returns the new ISD-P's AID.
Bytes preload(CardState& state, profiles::InstalledProfile profile, ProfileMetadata metadata,
              bool enable);

}  // namespace euiccsim::applets::isdp
