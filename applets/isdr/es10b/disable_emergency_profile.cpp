// DisableEmergencyProfile (SGP.32 v1.2 §5.9.23): DisableEmergencyProfileRequest BF5C {
// 80 refreshFlag } -> BF5C { 80 disableEmergencyProfileResult }.
//
// Checks, in this order: a request that does not decode, undefinedError(127); no Emergency
// Profile, ecallNotAvailable(8) (a value only Wireshark's module names; docs/sgp32.md); then
// catBusy(5) under the cat-busy quirk; the Emergency Profile not enabled,
// profileNotInEnabledState(2).
// The profile EnableEmergencyProfile displaced (CardState::emergency_return_aid) is enabled
// again if it is still on the card, which disables the Emergency Profile in the same step;
// otherwise the Emergency Profile is just disabled and no profile is enabled. Either way the
// Emergency Profile's PPR1 does not hold (see enable_emergency_profile.cpp) and the record is
// cleared.
#include "euiccsim/applets/isdr/es10.hpp"
#include "euiccsim/applets/rsp_asn1.hpp"

#include <DisableEmergencyProfileRequest.h>
#include <DisableEmergencyProfileResponse.h>

#include "profile_switch.hpp"

namespace euiccsim::applets::es10b {

namespace {

long run(isdr::Es10Call& call, ByteView request) {
  auto req = rsp::decode_request<DisableEmergencyProfileRequest_t>(
      asn_DEF_DisableEmergencyProfileRequest, request);
  if (!req) return DisableEmergencyProfileResponse__disableEmergencyProfileResult_undefinedError;
  const auto emergency = emergency_profile(call.ctx.state());
  if (!emergency)
    return DisableEmergencyProfileResponse__disableEmergencyProfileResult_ecallNotAvailable;
  auto result = switch_profiles(call, req->refreshFlag != 0, [&](CardState& s) {
    auto& slot = s.profiles[*emergency];
    // isdp checks these too, but the return profile's enable would answer them for the wrong
    // profile.
    if (s.config.has_quirk(quirk::kCatBusy)) return isdp::Result::kCatBusy;
    if (!slot.enabled) return isdp::Result::kProfileNotInEnabledState;
    const auto back =
        s.emergency_return_aid ? profile_index(s, *s.emergency_return_aid) : std::nullopt;
    s.emergency_return_aid.reset();
    if (back && *back != *emergency) return isdp::enable_overriding_ppr1(s, s.profiles[*back]);
    return isdp::disable_overriding_ppr1(s, slot);
  });
  switch (result) {
    case isdp::Result::kOk:
      return DisableEmergencyProfileResponse__disableEmergencyProfileResult_ok;
    case isdp::Result::kProfileNotInEnabledState:
      return DisableEmergencyProfileResponse__disableEmergencyProfileResult_profileNotInEnabledState;
    case isdp::Result::kCatBusy:
      return DisableEmergencyProfileResponse__disableEmergencyProfileResult_catBusy;
    default:
      return DisableEmergencyProfileResponse__disableEmergencyProfileResult_undefinedError;
  }
}

}  // namespace

apdu::Response disable_emergency_profile(isdr::Es10Call& call, ByteView request) {
  auto rsp = rsp::make<DisableEmergencyProfileResponse_t>(asn_DEF_DisableEmergencyProfileResponse);
  rsp->disableEmergencyProfileResult = run(call, request);
  return rsp::answer(asn_DEF_DisableEmergencyProfileResponse, rsp);
}

}  // namespace euiccsim::applets::es10b
