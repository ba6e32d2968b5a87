// IpaeActivation (SGP.32 v1.2 §3.8.4): IpaeActivationRequest BF42 { 80 ipaeOption BIT STRING
// { activateIpae(0) } } -> BF42 { 80 ipaeActivationResult: ok 0 / notSupported 1 }.
//
// Records which IPA is active (CardState::ipa_mode): activateIpae set selects the IPAe, clear
// the IPAd. EUICCInfo2's ipaMode reports it. The card accepts either (ok); the IPAe itself is
// the ipae/ applet's work, and the E1 template's ipaeSupported bit stays clear until it exists.
// The response has no error code, so a request that does not decode is 6A80.
#include "euiccsim/applets/isdr/es10.hpp"
#include "euiccsim/applets/rsp_asn1.hpp"

#include <IpaeActivationRequest.h>
#include <IpaeActivationResponse.h>

namespace euiccsim::applets::es10b {

apdu::Response ipae_activation(isdr::Es10Call& call, ByteView request) {
  auto req = rsp::decode_request<IpaeActivationRequest_t>(asn_DEF_IpaeActivationRequest, request);
  if (!req) return apdu::Response::status(apdu::sw::kIncorrectData);
  const bool ipae = (asn1::bits_of(req->ipaeOption) &
                     (1u << IpaeActivationRequest__ipaeOption_activateIpae)) != 0;
  const std::uint8_t mode = ipae ? kIpaModeIpae : kIpaModeIpad;
  if (call.ctx.state().ipa_mode != mode) call.ctx.update_state().ipa_mode = mode;
  auto rsp = rsp::make<IpaeActivationResponse_t>(asn_DEF_IpaeActivationResponse);
  rsp->ipaeActivationResult = IpaeActivationResponse__ipaeActivationResult_ok;
  return rsp::answer(asn_DEF_IpaeActivationResponse, rsp);
}

}  // namespace euiccsim::applets::es10b
