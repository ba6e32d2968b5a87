// EnableEmergencyProfile (SGP.32 v1.2 §5.9.22): EnableEmergencyProfileRequest BF5B {
// 80 refreshFlag } -> BF5B { 80 enableEmergencyProfileResult }.
//
// The Emergency Profile is the one whose metadata carried ecallIndication TRUE. Checks, in
// this order: a request that does not decode, undefinedError(127); no Emergency Profile,
// ecallNotAvailable(8); then isdp: catBusy(5) under the cat-busy quirk, and the Emergency
// Profile already enabled, profileNotInDisabledState(2).
// The enabled profile (if any) is remembered in CardState::emergency_return_aid, which
// DisableEmergencyProfile enables again. Its PPR1 does not hold the switch back: an emergency
// call must never be blocked by an operator's "disabling not allowed" (our reading; the
// function has no disallowedByPolicy code). Notifications are those of any enable.
#include "euiccsim/applets/isdr/es10.hpp"
#include "euiccsim/applets/rsp_asn1.hpp"

#include <EnableEmergencyProfileRequest.h>
#include <EnableEmergencyProfileResponse.h>

#include "profile_switch.hpp"

namespace euiccsim::applets::es10b {

namespace {

long run(isdr::Es10Call& call, ByteView request) {
  auto req = rsp::decode_request<EnableEmergencyProfileRequest_t>(
      asn_DEF_EnableEmergencyProfileRequest, request);
  if (!req) return EnableEmergencyProfileResponse__enableEmergencyProfileResult_undefinedError;
  const auto emergency = emergency_profile(call.ctx.state());
  if (!emergency)
    return EnableEmergencyProfileResponse__enableEmergencyProfileResult_ecallNotAvailable;
  auto result = switch_profiles(call, req->refreshFlag != 0, [&](CardState& s) {
    std::optional<Bytes> previous;
    if (const auto* enabled = s.enabled_profile()) previous = enabled->isdp_aid;
    auto r = isdp::enable_overriding_ppr1(s, s.profiles[*emergency]);
    if (r == isdp::Result::kOk) s.emergency_return_aid = std::move(previous);
    return r;
  });
  switch (result) {
    case isdp::Result::kOk:
      return EnableEmergencyProfileResponse__enableEmergencyProfileResult_ok;
    case isdp::Result::kProfileNotInDisabledState:
      return EnableEmergencyProfileResponse__enableEmergencyProfileResult_profileNotInDisabledState;
    case isdp::Result::kCatBusy:
      return EnableEmergencyProfileResponse__enableEmergencyProfileResult_catBusy;
    default:
      return EnableEmergencyProfileResponse__enableEmergencyProfileResult_undefinedError;
  }
}

}  // namespace

apdu::Response enable_emergency_profile(isdr::Es10Call& call, ByteView request) {
  auto rsp = rsp::make<EnableEmergencyProfileResponse_t>(asn_DEF_EnableEmergencyProfileResponse);
  rsp->enableEmergencyProfileResult = run(call, request);
  return rsp::answer(asn_DEF_EnableEmergencyProfileResponse, rsp);
}

}  // namespace euiccsim::applets::es10b
