// GetEUICCChallenge (SGP.22 v2.5 §5.7.7): GetEuiccChallengeRequest BF2E {} -> BF2E { 80 16
// random bytes }. The challenge opens the mutual authentication: AuthenticateServer (§5.7.13)
// checks that serverSigned1 echoes it, so the ISD-R keeps it in its volatile session.
#include "euiccsim/applets/isdr/es10.hpp"
#include "euiccsim/applets/rsp_asn1.hpp"

#include <GetEuiccChallengeRequest.h>
#include <GetEuiccChallengeResponse.h>

namespace euiccsim::applets::es10b {

apdu::Response get_euicc_challenge(isdr::Es10Call& call, ByteView request) {
  auto req =
      rsp::decode_request<GetEuiccChallengeRequest_t>(asn_DEF_GetEuiccChallengeRequest, request);
  // No error code exists for this function: an unreadable request has no ASN.1 answer, and
  // leaves the previous challenge in place.
  if (!req) return apdu::Response::status(apdu::sw::kIncorrectData);

  constexpr std::size_t kChallengeSize = 16;  // Octet16
  Bytes challenge = call.ctx.drbg().bytes(kChallengeSize);
  auto rsp = rsp::make<GetEuiccChallengeResponse_t>(asn_DEF_GetEuiccChallengeResponse);
  asn1::set_octets(rsp->euiccChallenge, challenge);
  auto answer = rsp::answer(asn_DEF_GetEuiccChallengeResponse, rsp);
  // Each call replaces the challenge: only the latest one can be answered (§3.1.2).
  if (answer.sw == apdu::sw::kOk) call.session.euicc_challenge = std::move(challenge);
  return answer;
}

}  // namespace euiccsim::applets::es10b
