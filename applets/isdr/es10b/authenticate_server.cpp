// AuthenticateServer (SGP.22 v2.5 §5.7.13, procedure §3.1.2): AuthenticateServerRequest BF38 {
// 30 serverSigned1 { 80 transactionId, 81 euiccChallenge, 83 serverAddress, 84
// serverChallenge }, 5F37 serverSignature1, 04 euiccCiPKIdToBeUsed, 30 serverCertificate,
// A0 ctxParams1 } -> BF38 { A0 { 30 euiccSigned1, 5F37 euiccSignature1, 30 euiccCertificate,
// 30 eumCertificate } } or { A1 { 80 transactionId, 02 authenticateErrorCode } }.
//
// The card checks, in this order, and answers the first failure (PROTOCOL.md §4.3): the CI
// named by euiccCiPKIdToBeUsed is one it trusts (ciPKUnknown); the DPauth certificate chains
// to that CI with the DPauth role on a supported curve (invalidCertificate, invalidOid,
// unsupportedCurve); serverSignature1 verifies over serverSigned1 as received
// (invalidSignature); the euiccChallenge is the one GetEUICCChallenge issued last
// (euiccChallengeMismatch). The challenge is spent by any attempt, so a failed or replayed
// authentication needs a new one.
//
// euiccSigned1 copies transactionId, serverAddress, serverChallenge and ctxParams1 as the
// server sent them and adds the card's EUICCInfo2; the eUICC key signs its DER. Success
// starts a new download session (dropping any other).
#include "euiccsim/applets/isdr/es10.hpp"

#include <AuthenticateServerRequest.h>

#include <algorithm>
#include <memory>

#include "../download_session.hpp"
#include "euiccsim/applets/ecasd.hpp"
#include "euiccsim/applets/rsp_asn1.hpp"
#include "euiccsim/crypto/certificate.hpp"
#include "euiccsim/crypto/rsp_chain.hpp"
#include "euiccsim/crypto/tlv.hpp"

namespace euiccsim::applets::es10b {

namespace {

// AuthenticateErrorCode
enum : long {
  kInvalidCertificate = 1,
  kInvalidSignature = 2,
  kUnsupportedCurve = 3,
  kInvalidOid = 5,
  kEuiccChallengeMismatch = 6,
  kCiPkUnknown = 7,
  kUndefinedError = 127,
};

apdu::Response error(ByteView transaction_id, long code) {
  return isdr::download_error(0xBF38, transaction_id, code);
}

long chain_error(crypto::ChainFailure f) {
  switch (f) {
    case crypto::ChainFailure::kInvalidCertificate: return kInvalidCertificate;
    case crypto::ChainFailure::kUnsupportedCurve: return kUnsupportedCurve;
    case crypto::ChainFailure::kInvalidOid: return kInvalidOid;
    case crypto::ChainFailure::kCiPkUnknown: return kCiPkUnknown;
  }
  return kUndefinedError;
}

bool equal(ByteView a, ByteView b) { return std::ranges::equal(a, b); }

}  // namespace

apdu::Response authenticate_server(isdr::Es10Call& call, ByteView request) {
  // The schema first (sizes, types, order), then the raw pieces: signatures cover the bytes
  // as the server encoded them, and ctxParams1 is echoed verbatim.
  auto req =
      rsp::decode_request<AuthenticateServerRequest_t>(asn_DEF_AuthenticateServerRequest, request);
  auto top = tlv::read(request);
  auto parts = top ? tlv::read_all(top->value) : std::nullopt;
  // A request that is not an AuthenticateServerRequest has no transactionId to answer with.
  if (!req || !parts || parts->size() != 5) return apdu::Response::status(apdu::sw::kIncorrectData);
  auto signed1 = tlv::read_all((*parts)[0].value);
  if (!signed1 || signed1->size() != 4) return apdu::Response::status(apdu::sw::kIncorrectData);
  const ByteView transaction_id = (*signed1)[0].value;
  const ByteView euicc_challenge = (*signed1)[1].value;
  const ByteView server_address = (*signed1)[2].value;
  const ByteView server_challenge = (*signed1)[3].value;
  // TransactionId SIZE(1..16): asn1c 0.9.28 does not check the size of a named type used by
  // reference.
  if (transaction_id.empty() || transaction_id.size() > 16) {
    return apdu::Response::status(apdu::sw::kIncorrectData);
  }
  const ByteView server_signed1 = (*parts)[0].bytes();
  const ByteView signature1 = (*parts)[1].value;
  const ByteView ci_pkid = (*parts)[2].value;
  const ByteView server_certificate = (*parts)[3].bytes();
  const ByteView ctx_params1 = (*parts)[4].bytes();

  auto& session = call.session;
  // Spent by this attempt whatever its outcome.
  const auto challenge = std::exchange(session.euicc_challenge, std::nullopt);
  const auto& identity = call.ctx.state().identity;

  const auto trusted = ecasd::ci_pkids_for_verification(identity);
  if (std::ranges::none_of(trusted, [&](const Bytes& p) { return equal(p, ci_pkid); })) {
    return error(transaction_id, kCiPkUnknown);
  }
  auto chain = crypto::verify_server_certificate(server_certificate, crypto::RspRole::kDpAuth,
                                                 identity.ci_certificates, ci_pkid);
  if (!chain) return error(transaction_id, chain_error(*chain.failure));
  // SGP.22's DPauth profile carries the SM-DP+ OID as subjectAltName registeredID; the card
  // needs it for ProfileInstallationResult and CancelSession.
  if (chain.registered_id.empty()) return error(transaction_id, kInvalidCertificate);
  if (!chain.key->verify(server_signed1, signature1)) {
    return error(transaction_id, kInvalidSignature);
  }
  if (!challenge || !equal(*challenge, euicc_challenge)) {
    return error(transaction_id, kEuiccChallengeMismatch);
  }

  Bytes signed_body;
  tlv::append(signed_body, 0x80, transaction_id);
  tlv::append(signed_body, 0x83, server_address);
  tlv::append(signed_body, 0x84, server_challenge);
  const Bytes info2 = euicc_info2(call.ctx.state());
  signed_body.insert(signed_body.end(), info2.begin(), info2.end());
  signed_body.insert(signed_body.end(), ctx_params1.begin(), ctx_params1.end());
  const Bytes euicc_signed1 = tlv::encode(0x30, signed_body);

  const Bytes signature = ecasd::sign(identity, euicc_signed1, session.euicc_key);
  Bytes ok = euicc_signed1;
  tlv::append(ok, 0x5F37, signature);
  ok.insert(ok.end(), identity.euicc_certificate.begin(), identity.euicc_certificate.end());
  ok.insert(ok.end(), identity.eum_certificate.begin(), identity.eum_certificate.end());

  auto download = std::make_shared<isdr::DownloadSession>();
  download->transaction_id.assign(transaction_id.begin(), transaction_id.end());
  download->server_address.assign(server_address.begin(), server_address.end());
  download->smdp_oid = chain.registered_id;
  download->ci_pkid.assign(ci_pkid.begin(), ci_pkid.end());
  download->euicc_signature1 = signature;
  session.download = std::move(download);
  return apdu::Response::ok(tlv::encode(0xBF38, tlv::encode(0xA0, ok)));
}

}  // namespace euiccsim::applets::es10b
