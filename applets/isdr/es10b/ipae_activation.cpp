// IpaeActivation (SGP.32 v1.2 §3.8.4): IpaeActivationRequest BF42 { 80 ipaeOption BIT STRING
// { activateIpae(0) } } -> BF42 { 80 ipaeActivationResult: ok 0 / notSupported 1 }.
//
// The order of the checks:
//  1. a request that does not decode: 6A80 (the response has no error code);
//  2. a card made without an IPAe (no `card new --ipae`): notSupported(1), ipaMode stays ipad;
// then the card records which IPA is active (CardState::ipa_mode): activateIpae set selects
// the IPAe (applets/ipae/ starts polling), clear the IPAd; ok(0). EUICCInfo2's ipaMode reports
// it, and the E1 template's ipaeSupported bit says whether the card has an IPAe at all.
#include "euiccsim/applets/isdr/es10.hpp"
#include "euiccsim/applets/rsp_asn1.hpp"

#include <IpaeActivationRequest.h>
#include <IpaeActivationResponse.h>

namespace euiccsim::applets::es10b {

apdu::Response ipae_activation(isdr::Es10Call& call, ByteView request) {
  auto req = rsp::decode_request<IpaeActivationRequest_t>(asn_DEF_IpaeActivationRequest, request);
  if (!req) return apdu::Response::status(apdu::sw::kIncorrectData);
  auto rsp = rsp::make<IpaeActivationResponse_t>(asn_DEF_IpaeActivationResponse);
  if (!call.ctx.state().config.ipae) {
    rsp->ipaeActivationResult = IpaeActivationResponse__ipaeActivationResult_notSupported;
    return rsp::answer(asn_DEF_IpaeActivationResponse, rsp);
  }
  const bool ipae = (asn1::bits_of(req->ipaeOption) &
                     (1u << IpaeActivationRequest__ipaeOption_activateIpae)) != 0;
  const std::uint8_t mode = ipae ? kIpaModeIpae : kIpaModeIpad;
  if (call.ctx.state().ipa_mode != mode) call.ctx.update_state().ipa_mode = mode;
  rsp->ipaeActivationResult = IpaeActivationResponse__ipaeActivationResult_ok;
  return rsp::answer(asn_DEF_IpaeActivationResponse, rsp);
}

}  // namespace euiccsim::applets::es10b
