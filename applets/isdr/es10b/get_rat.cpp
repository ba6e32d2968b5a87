// GetRAT (SGP.22 v2.5 §5.7.22): GetRatRequest BF43 {} -> BF43 { A0 rat SEQUENCE OF
// ProfilePolicyAuthorisationRule { 80 pprIds, A1 allowedOperators, 82 pprFlags } } (the tags lpac
// reads).
// The Rules Authorisation Table is part of the card's personality (set when the card is made),
// so it comes from CardConfig.
#include "euiccsim/applets/isdr/es10.hpp"
#include "euiccsim/applets/rsp_asn1.hpp"

#include <GetRatRequest.h>
#include <GetRatResponse.h>
#include <OperatorId.h>
#include <ProfilePolicyAuthorisationRule.h>

namespace euiccsim::applets::es10b {

namespace {

OperatorId_t* operator_id(const OperatorId& op) {
  auto* out = asn1::alloc<OperatorId_t>();
  asn1::set_octets(out->mccMnc, op.mcc_mnc);
  if (op.gid1) out->gid1 = asn1::new_octets(*op.gid1);
  if (op.gid2) out->gid2 = asn1::new_octets(*op.gid2);
  return out;
}

}  // namespace

apdu::Response get_rat(isdr::Es10Call& call, ByteView request) {
  auto req = rsp::decode_request<GetRatRequest_t>(asn_DEF_GetRatRequest, request);
  // No error code exists for this function: an unreadable request has no ASN.1 answer.
  if (!req) return apdu::Response::status(apdu::sw::kIncorrectData);

  constexpr std::uint32_t kConsentRequired = 1u << 0;  // pprFlags bit 0
  auto rsp = rsp::make<GetRatResponse_t>(asn_DEF_GetRatResponse);
  for (const auto& rule : call.ctx.state().config.rat) {
    auto* item = asn1::alloc<ProfilePolicyAuthorisationRule_t>();
    // Owned by the list from here on, so a later failure cannot leak it.
    asn1::append(rsp->rat.list, item);
    asn1::set_bits(item->pprIds, rule.ppr_ids);
    for (const auto& op : rule.allowed_operators) {
      asn1::append(item->allowedOperators.list, operator_id(op));
    }
    asn1::set_bits(item->pprFlags, rule.consent_required ? kConsentRequired : 0);
  }
  // An empty RAT (no operator may set any PPR) is the empty list, 'BF43 02 A0 00'.
  return rsp::answer(asn_DEF_GetRatResponse, rsp);
}

}  // namespace euiccsim::applets::es10b
