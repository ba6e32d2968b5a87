// ExecuteFallbackMechanism (SGP.32 v1.2 §5.9.20): ExecuteFallbackMechanismRequest BF5D {
// 80 refreshFlag } -> BF5D { 80 executeFallbackMechanismResult }.
//
// The Fallback Profile is the one with the fallback attribute. Checks, in this order:
//  - a request that does not decode: undefinedError(127);
//  - no Fallback Profile: fallbackNotAvailable(6);
//  - the Fallback Profile already enabled: profileNotInDisabledState(2);
//  - the Emergency Profile enabled: ecallActive(104) (our proxy for "an eCall is active": the
//    card cannot see calls, but it knows the Emergency Profile is in use);
//  - catBusy(5) under the cat-busy quirk.
// The enabled profile (if any) is remembered in CardState::fallback_return_aid, which
// ReturnFromFallback enables again. As for the Emergency Profile, the enabled profile's PPR1
// does not hold the switch back: the mechanism exists for a device that lost connectivity.
#include "euiccsim/applets/isdr/es10.hpp"
#include "euiccsim/applets/rsp_asn1.hpp"

#include <ExecuteFallbackMechanismRequest.h>
#include <ExecuteFallbackMechanismResponse.h>

#include "profile_switch.hpp"

namespace euiccsim::applets::es10b {

namespace {

long run(isdr::Es10Call& call, ByteView request) {
  auto req = rsp::decode_request<ExecuteFallbackMechanismRequest_t>(
      asn_DEF_ExecuteFallbackMechanismRequest, request);
  if (!req) return ExecuteFallbackMechanismResponse__executeFallbackMechanismResult_undefinedError;
  const auto& state = call.ctx.state();
  const auto fallback = fallback_profile(state);
  if (!fallback) {
    return ExecuteFallbackMechanismResponse__executeFallbackMechanismResult_fallbackNotAvailable;
  }
  if (state.profiles[*fallback].enabled) {
    return ExecuteFallbackMechanismResponse__executeFallbackMechanismResult_profileNotInDisabledState;
  }
  if (const auto emergency = emergency_profile(state);
      emergency && state.profiles[*emergency].enabled) {
    return ExecuteFallbackMechanismResponse__executeFallbackMechanismResult_ecallActive;
  }
  auto result = switch_profiles(call, req->refreshFlag != 0, [&](CardState& s) {
    std::optional<Bytes> previous;
    if (const auto* enabled = s.enabled_profile()) previous = enabled->isdp_aid;
    auto r = isdp::enable_overriding_ppr1(s, s.profiles[*fallback]);
    if (r == isdp::Result::kOk) s.fallback_return_aid = std::move(previous);
    return r;
  });
  switch (result) {
    case isdp::Result::kOk:
      return ExecuteFallbackMechanismResponse__executeFallbackMechanismResult_ok;
    case isdp::Result::kCatBusy:
      return ExecuteFallbackMechanismResponse__executeFallbackMechanismResult_catBusy;
    default:
      return ExecuteFallbackMechanismResponse__executeFallbackMechanismResult_undefinedError;
  }
}

}  // namespace

apdu::Response execute_fallback_mechanism(isdr::Es10Call& call, ByteView request) {
  auto rsp =
      rsp::make<ExecuteFallbackMechanismResponse_t>(asn_DEF_ExecuteFallbackMechanismResponse);
  rsp->executeFallbackMechanismResult = run(call, request);
  return rsp::answer(asn_DEF_ExecuteFallbackMechanismResponse, rsp);
}

}  // namespace euiccsim::applets::es10b
