// ESipa.AuthenticateClient (SGP.32 v1.2 §3.2.3.2; messages §6.3): BF3B { 80 transactionId,
// BF38 authenticateServerResponse, possibly compact }, relayed as ES9+ authenticateClient,
// answered BF3B { A0 AuthenticateClientOkDPEsipa } or BF3B { 82 error }.
//
// Order of checks; the first that applies gives the answer:
//   1. not one AuthenticateClientRequestEsipa: undefinedError(127);
//   2. a transactionId of no download this eIM relays: invalidTransactionId(10);
//   3. a compact response the eIM cannot rebuild (relay.cpp): undefinedError(127);
//   4. an SM-DP+ the eIM can no longer reach: undefinedError(127);
//   5. the SM-DP+'s refusal, mapped (relay.cpp; eumCertificateInvalid(1) ...
//   downloadOrderExpired(18)).
// The card's EID, when the eIM did not know whose download this is, comes from the eUICC
// certificate in the response. With minimizeEsipaBytes the answer leaves out transactionId.
#include <AuthenticateClientRequestEsipa.h>
#include <AuthenticateClientResponseEsipa.h>

#include "asn1_names.hpp"
#include "eim/relay.hpp"
#include "euiccsim/applets/rsp_asn1.hpp"
#include "euiccsim/crypto/certificate.hpp"

namespace euiccsim::eim::esipa {

namespace {

EsipaAnswer error_answer(EsipaAnswer a, long code, const std::string& why) {
  a.body = tlv::encode(0xBF3B, tlv::encode(0x82, tlv::der_integer(code)));
  a.outcome = asn1::named("AuthenticateClientResponseEsipa__authenticateClientErrorEsipa", code) +
              (why.empty() ? "" : ": " + why);
  return a;
}

}  // namespace

EsipaAnswer authenticate_client(Eim& eim, ByteView der, const std::string& connection) {
  EsipaAnswer a;
  a.function = "AuthenticateClient";
  Store& store = eim.store();
  // 1
  if (!valid(asn_DEF_AuthenticateClientRequestEsipa, der))
    return error_answer(a, 127, "not an AuthenticateClientRequestEsipa");
  auto top = tlv::read(der);
  auto tx = child(top->value, 0x80);
  auto asr = child(top->value, 0xBF38);
  // 2
  auto d = store.download_by_transaction(bytes_of(tx->value));
  if (!d) return error_answer(a, 10, "transactionId " + to_hex(tx->value) + " unknown");
  std::string eid = d->eid.empty() ? eim.eid_of_connection(connection) : d->eid;
  a.eid = eid;
  // 3
  Bytes full;
  std::string note;
  const bool compact_in = tlv::read(asr->value) && tlv::read(asr->value)->tag == 0xA2;
  try {
    DownloadRecord with_eid = *d;
    with_eid.eid = eid;
    full = full_authenticate_server_response(eim, with_eid, asr->bytes(), note);
  } catch (const RebuildError& e) {
    store.update_download(d->id, "failed", e.what(), eim.now(), eid);
    return error_answer(a, 127, std::string("compact response: ") + e.what());
  }
  if (eid.empty()) {
    // AuthenticateResponseOk { 30 euiccSigned1, 5F37, 30 euiccCertificate, 30 eumCertificate }
    auto ok = tlv::read(tlv::read(full)->value);
    auto parts = ok && ok->tag == 0xA0 ? children(ok->value) : std::vector<tlv::Tlv>{};
    if (parts.size() >= 3) {
      try {
        eid = crypto::subject_serial_number(parts[2].bytes());
        a.eid = eid;
      } catch (const std::exception&) {
      }
    }
  }
  // 4, 5
  smdp::Es9Plus* server = eim.config().relay ? eim.config().relay(d->smdp_address) : nullptr;
  if (server == nullptr) return error_answer(a, 127, "no relay to " + d->smdp_address);
  smdp::AuthenticateClientResponse rsp;
  try {
    rsp = server->authenticate_client({d->smdp_transaction_id, full});
  } catch (const smdp::Es9Error& e) {
    const long code = map_es9_error(e, Es9Function::kAuthenticateClient);
    store.update_download(d->id, "failed", std::string("authenticateClient: ") + e.what(),
                          eim.now(), eid);
    return error_answer(a, code,
                        std::string("SM-DP+: ") + e.what() + (note.empty() ? "" : "; " + note));
  } catch (const std::exception& e) {
    return error_answer(a, 127, std::string("SM-DP+ unreachable: ") + e.what());
  }
  const bool compact = d->compact || compact_in;
  Bytes ok;
  if (!compact) tlv::append(ok, 0x80, rsp.transaction_id);
  for (const Bytes* part :
       {&rsp.profile_metadata, &rsp.smdp_signed2, &rsp.smdp_signature2, &rsp.smdp_certificate})
    ok.insert(ok.end(), part->begin(), part->end());
  Bytes body = tlv::encode(0xBF3B, tlv::encode(0xA0, ok));
  if (!valid(asn_DEF_AuthenticateClientResponseEsipa, body))
    return error_answer(a, 127, "the SM-DP+'s answer does not fit AuthenticateClientOkDPEsipa");
  store.update_download(d->id, "authenticated", compact_in ? "compact response rebuilt" : "",
                        eim.now(), eid);
  a.body = std::move(body);
  a.outcome = "relayed, transactionId " + to_hex(d->smdp_transaction_id) +
              (compact_in ? " (compact response rebuilt)" : "") + (note.empty() ? "" : "; " + note);
  return a;
}

}  // namespace euiccsim::eim::esipa
