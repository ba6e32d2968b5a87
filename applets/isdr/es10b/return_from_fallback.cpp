// ReturnFromFallback (SGP.32 v1.2 §5.9.21): ReturnFromFallbackRequest BF5E { 80 refreshFlag }
// -> BF5E { 80 returnFromFallbackResult }.
//
// Checks, in this order:
//  - a request that does not decode: undefinedError(127);
//  - the Fallback Mechanism not in force (no CardState::fallback_return_aid):
//    fallbackNotAvailable(6);
//  - no Fallback Profile any more, or it is no longer enabled (the IPA or the eIM switched
//    profiles since): commandError(7);
//  - the profile to return to no longer on the card: commandError(7). Our decision: the card
//    keeps the Fallback Profile enabled and the record unchanged rather than leave the device
//    with no profile at all; the IPA can then enable a profile of its choice;
//  - catBusy(5) under the cat-busy quirk.
// Otherwise the profile the mechanism displaced is enabled again (which disables the Fallback
// Profile, PPR1 set aside as on the way in) and the record is cleared.
#include "euiccsim/applets/isdr/es10.hpp"
#include "euiccsim/applets/rsp_asn1.hpp"

#include <ReturnFromFallbackRequest.h>
#include <ReturnFromFallbackResponse.h>

#include "profile_switch.hpp"

namespace euiccsim::applets::es10b {

namespace {

long run(isdr::Es10Call& call, ByteView request) {
  auto req =
      rsp::decode_request<ReturnFromFallbackRequest_t>(asn_DEF_ReturnFromFallbackRequest, request);
  if (!req) return ReturnFromFallbackResponse__returnFromFallbackResult_undefinedError;
  const auto& state = call.ctx.state();
  if (!state.fallback_return_aid) {
    return ReturnFromFallbackResponse__returnFromFallbackResult_fallbackNotAvailable;
  }
  const auto fallback = fallback_profile(state);
  const auto back = profile_index(state, *state.fallback_return_aid);
  if (!fallback || !state.profiles[*fallback].enabled || !back || *back == *fallback) {
    return ReturnFromFallbackResponse__returnFromFallbackResult_commandError;
  }
  auto result = switch_profiles(call, req->refreshFlag != 0, [&](CardState& s) {
    auto r = isdp::enable_overriding_ppr1(s, s.profiles[*back]);
    if (r == isdp::Result::kOk) s.fallback_return_aid.reset();
    return r;
  });
  switch (result) {
    case isdp::Result::kOk:
      return ReturnFromFallbackResponse__returnFromFallbackResult_ok;
    case isdp::Result::kCatBusy:
      return ReturnFromFallbackResponse__returnFromFallbackResult_catBusy;
    default:
      return ReturnFromFallbackResponse__returnFromFallbackResult_undefinedError;
  }
}

}  // namespace

apdu::Response return_from_fallback(isdr::Es10Call& call, ByteView request) {
  auto rsp = rsp::make<ReturnFromFallbackResponse_t>(asn_DEF_ReturnFromFallbackResponse);
  rsp->returnFromFallbackResult = run(call, request);
  return rsp::answer(asn_DEF_ReturnFromFallbackResponse, rsp);
}

}  // namespace euiccsim::applets::es10b
