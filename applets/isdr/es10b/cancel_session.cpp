// CancelSession (SGP.22 v2.5 §5.7.14): CancelSessionRequest BF41 { 80 transactionId, 81 reason }
// -> BF41 { A0 cancelSessionResponseOk (signed) } or { 81 cancelSessionResponseError:
// invalidTransactionId 5, undefinedError 127 }.
//
// Only a download session can be cancelled, and the session belongs to the transactionId that
// AuthenticateServer accepted (isdr::Session::transaction_id).
#include "euiccsim/applets/isdr/es10.hpp"
#include "euiccsim/applets/rsp_asn1.hpp"

#include <CancelSessionRequest.h>
#include <CancelSessionResponse.h>

#include <algorithm>

namespace euiccsim::applets::es10b {

namespace {

apdu::Response error(long code) {
  auto rsp = rsp::make<CancelSessionResponse_t>(asn_DEF_CancelSessionResponse);
  rsp->present = CancelSessionResponse_PR_cancelSessionResponseError;
  rsp->choice.cancelSessionResponseError = code;
  return rsp::answer(asn_DEF_CancelSessionResponse, rsp);
}

}  // namespace

apdu::Response cancel_session(isdr::Es10Call& call, ByteView request) {
  auto req = rsp::decode_request<CancelSessionRequest_t>(asn_DEF_CancelSessionRequest, request);
  // TransactionId is SIZE(1..16). Checked here as well as by the decoder: asn1c 0.9.28 drops the
  // size constraint of a named type used as a member once that type has been decoded (its
  // generated *_inherit_TYPE_descriptor replaces check_constraints with OCTET STRING's).
  if (!req || req->transactionId.size < 1 || req->transactionId.size > 16) {
    return error(CancelSessionResponse__cancelSessionResponseError_undefinedError);
  }

  const auto& session = call.session.transaction_id;
  const ByteView asked(req->transactionId.buf, static_cast<std::size_t>(req->transactionId.size));
  if (!session || !std::equal(asked.begin(), asked.end(), session->begin(), session->end())) {
    return error(CancelSessionResponse__cancelSessionResponseError_invalidTransactionId);
  }
  // The session matches. Its signed cancelSessionResponseOk (euiccCancelSessionSigned with the
  // SM-DP+ OID, signed by the eUICC) needs the download session's state, which comes with the
  // download issue; until then the card cannot produce it and says so with the catch-all.
  return error(CancelSessionResponse__cancelSessionResponseError_undefinedError);
}

}  // namespace euiccsim::applets::es10b
