// PrepareDownload (SGP.22 v2.5 §5.7.5, procedure §3.1.3.2): PrepareDownloadRequest BF21 { 30
// smdpSigned2 { 80 transactionId, 01 ccRequiredFlag, [5F49 bppEuiccOtpk] }, 5F37
// smdpSignature2, [04 hashCc], 30 smdpCertificate } -> BF21 { A0 { 30 euiccSigned2 { 80
// transactionId, 5F49 euiccOtpk, [04 hashCc] }, 5F37 euiccSignature2 } } or { A1 { 80
// transactionId, 02 downloadErrorCode } }.
//
// Checks, first failure answered: a session from AuthenticateServer awaits this step
// (noSessionContext); the DPpb certificate chains to the CI of the session with the DPpb role
// and names the same SM-DP+ OID as DPauth did (invalidCertificate; unsupportedCurve); the
// DPpb key signed smdpSigned2 || 5F37 40 euiccSignature1 (invalidSignature); the
// transactionId is the session's (invalidTransactionId); hashCc is present exactly when the
// SM-DP+ requires a confirmation code (undefinedError otherwise). The card cannot check the
// code itself: it signs hashCc into euiccSigned2 for the SM-DP+ to compare.
//
// The one-time key pair is drawn on the DPpb key's curve. bppEuiccOtpk asks for the pair of
// an earlier attempt (§3.1.3.2, a retry after a failed download, in a new session with a new
// transactionId): the card keeps the pair of its last PrepareDownload until a profile installs
// or the card resets (isdr::Session::retained_otsk), and reuses it when bppEuiccOtpk names it
// and the curve is the same; otherwise a new pair is made (as for a card that no longer holds
// it) and replaces the kept one.
#include "euiccsim/applets/isdr/es10.hpp"

#include <PrepareDownloadRequest.h>

#include <algorithm>

#include "../download_session.hpp"
#include "euiccsim/applets/ecasd.hpp"
#include "euiccsim/applets/rsp_asn1.hpp"
#include "euiccsim/crypto/rsp_chain.hpp"
#include "euiccsim/crypto/tlv.hpp"

namespace euiccsim::applets::es10b {

namespace {

// DownloadErrorCode
enum : long {
  kInvalidCertificate = 1,
  kInvalidSignature = 2,
  kUnsupportedCurve = 3,
  kNoSessionContext = 4,
  kInvalidTransactionId = 5,
  kUndefinedError = 127,
};

apdu::Response error(ByteView transaction_id, long code) {
  return isdr::download_error(0xBF21, transaction_id, code);
}

}  // namespace

apdu::Response prepare_download(isdr::Es10Call& call, ByteView request) {
  auto req = rsp::decode_request<PrepareDownloadRequest_t>(asn_DEF_PrepareDownloadRequest, request);
  auto top = tlv::read(request);
  auto parts = top ? tlv::read_all(top->value) : std::nullopt;
  if (!req || !parts || parts->size() < 3) return apdu::Response::status(apdu::sw::kIncorrectData);
  auto signed2 = tlv::read_all((*parts)[0].value);
  if (!signed2 || signed2->size() < 2) return apdu::Response::status(apdu::sw::kIncorrectData);
  const ByteView transaction_id = (*signed2)[0].value;
  if (transaction_id.empty() || transaction_id.size() > 16) {
    return apdu::Response::status(apdu::sw::kIncorrectData);
  }
  const bool cc_required = req->smdpSigned2.ccRequiredFlag != 0;
  const ByteView smdp_signed2 = (*parts)[0].bytes();
  const auto& signature2_tlv = (*parts)[1];
  const ByteView smdp_certificate = parts->back().bytes();
  std::optional<ByteView> hash_cc;
  if (parts->size() == 4) hash_cc = (*parts)[2].value;

  auto* session = call.session.download.get();
  if (!session || session->stage != isdr::DownloadSession::Stage::kAuthenticated) {
    return error(transaction_id, kNoSessionContext);
  }
  const auto& identity = call.ctx.state().identity;
  auto chain = crypto::verify_server_certificate(smdp_certificate, crypto::RspRole::kDpPb,
                                                 identity.ci_certificates, session->ci_pkid);
  if (!chain) {
    return error(transaction_id, *chain.failure == crypto::ChainFailure::kUnsupportedCurve
                                     ? kUnsupportedCurve
                                     : kInvalidCertificate);
  }
  if (chain.registered_id != session->smdp_oid) return error(transaction_id, kInvalidCertificate);

  Bytes signed_input(smdp_signed2.begin(), smdp_signed2.end());
  tlv::append(signed_input, 0x5F37, session->euicc_signature1);
  if (!chain.key->verify(signed_input, signature2_tlv.value)) {
    return error(transaction_id, kInvalidSignature);
  }
  if (!std::ranges::equal(transaction_id, session->transaction_id)) {
    return error(transaction_id, kInvalidTransactionId);
  }
  if (cc_required != hash_cc.has_value()) return error(transaction_id, kUndefinedError);

  auto& kept = call.session.retained_otsk;
  const bool reuse =
      req->smdpSigned2.bppEuiccOtpk && kept && kept->curve() == chain.key->curve() &&
      std::ranges::equal(asn1::bytes_of(*req->smdpSigned2.bppEuiccOtpk), kept->public_point());
  if (!reuse) kept = crypto::PrivateKey::generate(chain.key->curve(), call.ctx.drbg());
  session->otsk = kept;
  session->otpk = kept->public_point();

  Bytes body;
  tlv::append(body, 0x80, transaction_id);
  tlv::append(body, 0x5F49, session->otpk);
  if (hash_cc) tlv::append(body, 0x04, *hash_cc);
  const Bytes euicc_signed2 = tlv::encode(0x30, body);
  Bytes to_sign = euicc_signed2;
  const ByteView signature2_whole = signature2_tlv.bytes();
  to_sign.insert(to_sign.end(), signature2_whole.begin(), signature2_whole.end());

  Bytes ok = euicc_signed2;
  tlv::append(ok, 0x5F37, ecasd::sign(identity, to_sign, call.session.euicc_key));
  session->dp_pb_key = chain.key;
  session->stage = isdr::DownloadSession::Stage::kPrepared;
  return apdu::Response::ok(tlv::encode(0xBF21, tlv::encode(0xA0, ok)));
}

}  // namespace euiccsim::applets::es10b
