// CancelSession (SGP.22 v2.5 §5.7.14): CancelSessionRequest BF41 { 80 transactionId, 81 reason }
// -> BF41 { A0 cancelSessionResponseOk { 30 euiccCancelSessionSigned { 80 transactionId, 81
// smdpOid, 82 reason }, 5F37 euiccCancelSessionSignature } } or { 81 cancelSessionResponseError:
// invalidTransactionId 5, undefinedError 127 }. EuiccCancelSessionSigned has no tagged
// component, so AUTOMATIC TAGS numbers all three (unlike ProfileInstallationResultData, whose
// smdpOid keeps its universal 06).
//
// Only a download session can be cancelled, at any step from AuthenticateServer to the last
// piece of the package, and only by its transactionId. The eUICC signs the DER of
// euiccCancelSessionSigned (the SM-DP+ checks it at ES9+.CancelSession) and forgets the
// session: nothing of the download was ever written to the card image.
#include "euiccsim/applets/isdr/es10.hpp"

#include <CancelSessionRequest.h>
#include <CancelSessionResponse.h>
#include <OBJECT_IDENTIFIER.h>

#include <algorithm>

#include "../download_session.hpp"
#include "euiccsim/applets/ecasd.hpp"
#include "euiccsim/applets/rsp_asn1.hpp"
#include "euiccsim/crypto/tlv.hpp"

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

  const auto* session = call.session.download.get();
  const Bytes asked = asn1::bytes_of(req->transactionId);
  if (!session || asked != session->transaction_id) {
    return error(CancelSessionResponse__cancelSessionResponseError_invalidTransactionId);
  }

  auto rsp = rsp::make<CancelSessionResponse_t>(asn_DEF_CancelSessionResponse);
  rsp->present = CancelSessionResponse_PR_cancelSessionResponseOk;
  auto& ok = rsp->choice.cancelSessionResponseOk;
  auto& signed_part = ok.euiccCancelSessionSigned;
  asn1::set_octets(signed_part.transactionId, session->transaction_id);
  asn1::set_oid(signed_part.smdpOid, session->smdp_oid);
  signed_part.reason = req->reason;
  const Bytes tbs = asn1::encode(asn_DEF_EuiccCancelSessionSigned, &signed_part);
  asn1::set_octets(ok.euiccCancelSessionSignature,
                   ecasd::sign(call.ctx.state().identity, tbs, call.session.euicc_key));
  auto answer = rsp::answer(asn_DEF_CancelSessionResponse, rsp);
  if (answer.sw == apdu::sw::kOk) call.session.download.reset();
  return answer;
}

}  // namespace euiccsim::applets::es10b
