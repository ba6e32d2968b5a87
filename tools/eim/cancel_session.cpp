// ESipa.CancelSession (SGP.32 v1.2 §3.2.3.2, §3.2.4; messages §6.3): BF41 { 80 transactionId,
// A1 cancelSessionResponse, possibly compact } (the [1] replaces the response's own 'BF41'),
// relayed as ES9+ cancelSession with the card's response as 'BF41 ...', answered
// BF41 { A0 } or BF41 { 81 error }.
//
// Order of checks; the first that applies gives the answer:
//   1. not one CancelSessionRequestEsipa: undefinedError(127);
//   2. a transactionId of no download this eIM relays: invalidTransactionId(1);
//   3. a compact response the eIM cannot rebuild: undefinedError(127);
//   4. an SM-DP+ the eIM can no longer reach: undefinedError(127);
//   5. the SM-DP+'s refusal: invalidTransactionId(1), euiccSignatureInvalid(2), else
//      undefinedError(127).
// The download is recorded as cancelled and its queued item as failed; a
// ProfileDownloadTriggerResult that still comes for it is recorded against the item.
#include <CancelSessionRequestEsipa.h>

#include "asn1_names.hpp"
#include "eim/relay.hpp"

namespace euiccsim::eim::esipa {

namespace {

EsipaAnswer error_answer(EsipaAnswer a, long code, const std::string& why) {
  a.body = tlv::encode(0xBF41, tlv::encode(0x81, tlv::der_integer(code)));
  a.outcome = asn1::named("CancelSessionResponseEsipa__cancelSessionError", code) +
              (why.empty() ? "" : ": " + why);
  return a;
}

}  // namespace

EsipaAnswer cancel_session(Eim& eim, ByteView der, const std::string& connection) {
  EsipaAnswer a;
  a.function = "CancelSession";
  Store& store = eim.store();
  // 1
  if (!valid(asn_DEF_CancelSessionRequestEsipa, der))
    return error_answer(a, 127, "not a CancelSessionRequestEsipa");
  auto top = tlv::read(der);
  auto tx = child(top->value, 0x80);
  auto response = child(top->value, 0xA1);
  // 2
  auto d = store.download_by_transaction(bytes_of(tx->value));
  if (!d) return error_answer(a, 1, "transactionId " + to_hex(tx->value) + " unknown");
  const std::string eid = d->eid.empty() ? eim.eid_of_connection(connection) : d->eid;
  a.eid = eid;
  // 3
  Bytes full;
  try {
    full = full_cancel_session_response(*d, response->bytes());
  } catch (const RebuildError& e) {
    return error_answer(a, 127, std::string("compact response: ") + e.what());
  }
  // 4, 5
  smdp::Es9Plus* server = eim.config().relay ? eim.config().relay(d->smdp_address) : nullptr;
  if (server == nullptr) return error_answer(a, 127, "no relay to " + d->smdp_address);
  std::string reason;
  {
    auto alt = tlv::read(tlv::read(full)->value);
    auto data = alt ? child(alt->value, 0x30) : std::nullopt;
    auto r = data ? child(data->value, 0x82) : std::nullopt;
    if (r) reason = "reason " + std::to_string(small_integer(r->value).value_or(-1));
  }
  try {
    server->cancel_session({d->smdp_transaction_id, full});
  } catch (const smdp::Es9Error& e) {
    return error_answer(a, map_es9_error(e, Es9Function::kCancelSession),
                        std::string("SM-DP+: ") + e.what());
  } catch (const std::exception& e) {
    return error_answer(a, 127, std::string("SM-DP+ unreachable: ") + e.what());
  }
  store.update_download(d->id, "cancelled", reason, eim.now(), eid);
  if (d->queue_id) {
    auto item = store.item(*d->queue_id);
    if (item && item->state == ItemState::kSent)
      store.finish(item->id, ItemState::kFailed, "download cancelled by the IPA (" + reason + ")",
                   eim.now());
  }
  a.body = tlv::encode(0xBF41, Bytes{0xA0, 0x00});
  a.outcome = "relayed, session " + to_hex(d->smdp_transaction_id) + " cancelled (" + reason + ")";
  return a;
}

}  // namespace euiccsim::eim::esipa
