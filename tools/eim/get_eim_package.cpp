// ESipa.GetEimPackage (SGP.32 v1.2 §3.1.1.1 eIM Package Retrieval; messages §6.3):
// BF4F { 5A eid, 80 notifyStateChange opt, 81 stateChangeCause opt, 82 rPLMN opt } answered
// with the next package queued for the EID (BF51 / BF52 / BF54) or an eimPackageError.
//
// Order of checks; the first that applies gives the answer:
//   1. no eidValue '5A' in the request: missingEid(4);
//   2. an eidValue that is not 16 bytes of an EID with valid check digits: invalidEid(3);
//   3. anything else that is not one GetEimPackageRequest: undefinedError(127);
//   4. an EID the eIM does not know: eidNotFound(2) (unless --auto-register);
//   5. nothing queued for the EID: noEimPackageAvailable(1).
// Then the package: an item already handed out and not yet answered goes again with the same
// bytes (its counterValue is fixed, so the card's replay check makes a second execution
// impossible); otherwise the oldest queued item is built, signed and recorded as handed out
// before the answer leaves. An item that cannot be built (no key for its eIM, the eIM deleted
// from the card) is failed with the reason and the next one is tried.
#include <GetEimPackageRequest.h>
#include <IpaEuiccDataRequest.h>
#include <ProfileDownloadTriggerRequest.h>

#include "asn1_names.hpp"
#include "eim/esipa.hpp"
#include "eim/euicc_package.hpp"
#include "euiccsim/applets/eid.hpp"
#include "euiccsim/applets/rsp_asn1.hpp"

namespace euiccsim::eim::esipa {

namespace {

enum EimPackageError : long {
  kNoEimPackageAvailable = 1,
  kEidNotFound = 2,
  kInvalidEid = 3,
  kMissingEid = 4,
  kUndefinedError = 127,
};

EsipaAnswer error_answer(EsipaAnswer a, long code, const std::string& why = {}) {
  a.body = tlv::encode(0xBF4F, tlv::encode(0x02, tlv::der_integer(code)));
  a.outcome =
      asn1::named("GetEimPackageResponse__eimPackageError", code) + (why.empty() ? "" : ": " + why);
  return a;
}

// The package of a queued item, built now. PackageError / std::invalid_argument when it
// cannot be.
Bytes build_ipa_euicc_data_request(const QueueItem& item, const json::Value& spec) {
  auto v = applets::rsp::make<IpaEuiccDataRequest_t>(asn_DEF_IpaEuiccDataRequest);
  const json::Value* tags = json::member(spec, "tagList");
  if (!tags || !json::string_of(tags))
    throw std::invalid_argument("no tagList in the queued request");
  asn1::set_octets(v->tagList, from_hex(*json::string_of(tags)));
  v->eimTransactionId = asn1::new_octets<TransactionId_t>(item.transaction_id);
  return asn1::encode(asn_DEF_IpaEuiccDataRequest, v.get());
}

Bytes build_download_trigger(const QueueItem& item, const json::Value& spec) {
  auto v =
      applets::rsp::make<ProfileDownloadTriggerRequest_t>(asn_DEF_ProfileDownloadTriggerRequest);
  const json::Value* ac = json::member(spec, "activationCode");
  if (!ac || !json::string_of(ac))
    throw std::invalid_argument("no activationCode in the queued request");
  v->profileDownloadData = asn1::alloc<ProfileDownloadData_t>();
  v->profileDownloadData->present = ProfileDownloadData_PR_activationCode;
  asn1::set_string(v->profileDownloadData->choice.activationCode, *json::string_of(ac));
  v->eimTransactionId = asn1::new_octets<TransactionId_t>(item.transaction_id);
  return asn1::encode(asn_DEF_ProfileDownloadTriggerRequest, v.get());
}

}  // namespace

// Also used by Eim::enqueue to refuse, at once, a package that could never be built.
Bytes build_euicc_package(const json::Value& spec, const std::string& eid,
                          const std::string& eim_id, std::int64_t counter,
                          const Bytes& transaction_id, const crypto::PrivateKey& key,
                          std::optional<std::int64_t> token) {
  PackageSpec p;
  p.eim_id = eim_id;
  p.eid = eid;
  p.counter_value = static_cast<long>(counter);
  p.transaction_id = transaction_id;
  const json::Value* eco = json::member(spec, "eco");
  const bool is_eco = json::boolean_of(eco).value_or(false);
  const json::Value* ops = json::member(spec, "operations");
  if (!ops || !ops->is_array()) throw std::invalid_argument("no operations in the queued request");
  for (const auto& o : *ops) {
    const json::Value* text = json::member(o, "text");
    if (!text || !json::string_of(text)) throw std::invalid_argument("an operation without text");
    Operation op = parse_operation(*json::string_of(text), is_eco);
    if (const json::Value* cfg = json::member(o, "configuration"); cfg && json::string_of(cfg))
      op.eim_configuration = from_hex(*json::string_of(cfg));
    p.operations.push_back(std::move(op));
  }
  std::optional<long> t;
  if (token) t = static_cast<long>(*token);
  return build_package(p, key, t);
}

EsipaAnswer get_eim_package(Eim& eim, ByteView der, const std::string& connection) {
  EsipaAnswer a;
  a.function = "GetEimPackage";
  Store& store = eim.store();

  // 1-3: the EID first, from the raw TLVs, so a request that fails the schema still gets the
  // error that says why.
  auto top = tlv::read(der);
  auto eid_tlv = child(top->value, 0x5A);
  if (!eid_tlv) return error_answer(a, kMissingEid);
  const std::string eid = eid_digits(eid_tlv->value);
  if (eid.empty()) return error_answer(a, kInvalidEid, "not an EID: " + to_hex(eid_tlv->value));
  a.eid = eid;
  auto req =
      applets::rsp::decode_request<GetEimPackageRequest_t>(asn_DEF_GetEimPackageRequest, der);
  if (!req) return error_answer(a, kUndefinedError, "not a GetEimPackageRequest");

  // 4
  if (!store.card(eid)) {
    if (!eim.config().auto_register) return error_answer(a, kEidNotFound);
    store.ensure_card(eid, eim.now());
  }
  eim.remember_connection(connection, eid);
  std::optional<std::int64_t> cause;
  if (req->stateChangeCause) cause = *req->stateChangeCause;
  Bytes rplmn = req->rPLMN ? asn1::bytes_of(*req->rPLMN) : Bytes{};
  store.record_poll(eid, eim.now(), req->notifyStateChange != nullptr || cause.has_value(), cause,
                    rplmn);

  // 5 and the hand-out, in one transaction with the counter.
  Bytes package;
  std::string outcome;
  std::vector<std::string> failed;
  store.transaction([&] {
    for (;;) {
      auto item = store.next_item(eid);
      if (!item) return;
      if (item->state == ItemState::kSent) {
        store.mark_sent(item->id, std::nullopt, {}, eim.now());
        package = item->package;
        outcome = std::string(kind_name(item->kind)) + " #" + std::to_string(item->id) +
                  (item->counter ? " counter " + std::to_string(*item->counter) : "") +
                  " sent again (" + std::to_string(item->sends + 1) + ")";
        return;
      }
      std::optional<std::int64_t> counter;
      std::string why;
      try {
        auto spec = json::parse(item->spec);
        if (!spec) throw std::invalid_argument("the queued request is not JSON");
        switch (item->kind) {
          case ItemKind::kEuiccPackage: {
            const Identity* id = eim.identity(item->eim_id);
            if (!id)
              throw std::invalid_argument("no key for eIM '" + item->eim_id + "' in this eIM");
            auto assoc = store.association(eid, item->eim_id);
            if (!assoc)
              throw std::invalid_argument("eIM '" + item->eim_id +
                                          "' is not associated with the card");
            if (assoc->deleted)
              throw std::invalid_argument("eIM '" + item->eim_id + "' was deleted from the card");
            counter = store.next_counter(eid, item->eim_id);
            package = build_euicc_package(*spec, eid, item->eim_id, *counter, item->transaction_id,
                                          id->key, assoc->association_token);
            break;
          }
          case ItemKind::kIpaEuiccData:
            package = build_ipa_euicc_data_request(*item, *spec);
            break;
          case ItemKind::kProfileDownload:
            package = build_download_trigger(*item, *spec);
            break;
        }
      } catch (const StoreError&) {
        throw;
      } catch (const std::exception& e) {
        why = e.what();
      }
      if (!why.empty()) {
        store.finish(item->id, ItemState::kFailed, "not sent: " + why, eim.now());
        failed.push_back("#" + std::to_string(item->id) + " failed (" + why + ")");
        package.clear();
        continue;
      }
      store.mark_sent(item->id, counter, package, eim.now());
      outcome = std::string(kind_name(item->kind)) + " #" + std::to_string(item->id) +
                (counter ? " counter " + std::to_string(*counter) : "");
      return;
    }
  });
  std::string prefix;
  for (const auto& f : failed) prefix += f + "; ";
  if (package.empty()) {
    auto r = error_answer(a, kNoEimPackageAvailable);
    r.outcome = prefix + r.outcome;
    return r;
  }
  a.body = tlv::encode(0xBF4F, package);
  a.outcome = prefix + outcome;
  return a;
}

}  // namespace euiccsim::eim::esipa
