// What a card sends back to the eIM, whatever carried it (ProvideEimPackageResult,
// HandleNotification, IpaEuiccData's lists): EuiccPackageResults (SGP.32 v1.2 §2.11.2.1),
// pending notifications (SGP.22 §5.7.10 / SGP.32 §5.14 compact forms), IpaEuiccData
// (§2.11.2.2), ProfileDownloadTriggerResults (§2.11.2.3) and the IPA's own
// eimPackageResultResponseError.
//
// Every item is recorded once per (EID, bytes): a result delivered again is counted, and
// acknowledged again, but changes nothing a second time. A result is matched to its queued
// item by (EID, eimTransactionId), else (a v1.0 IPA, or a result without a transaction id) by
// (EID, eimId, counterValue). Signatures are checked with the card's certificate, given by the
// operator or learnt from IpaEuiccData ('A6'), and the association token the eIM holds for
// that eIM: "verified", "forged" (the certificate is known and the signature does not check),
// "unverified" (no certificate yet: checked again once one arrives), "unsigned"
// (euiccPackageErrorUnsigned), "mismatch" (a valid signature over a result for another
// counterValue or eimId than the item it names), "malformed".
//
// A forged or mismatched result leaves its item as it was: only what the card signed moves
// the queue.
#include <EimConfigurationData.h>
#include <IotPendingNotification.h>
#include <IpaEuiccDataResponse.h>
#include <ProfileDownloadTriggerResult.h>

#include <algorithm>

#include "asn1_names.hpp"
#include "eim/esipa.hpp"
#include "eim/euicc_package.hpp"
#include "euiccsim/applets/eid.hpp"
#include "euiccsim/applets/rsp_asn1.hpp"
#include "euiccsim/crypto/rsp_chain.hpp"
#include "euiccsim/profiles/iccid.hpp"

namespace euiccsim::eim::esipa {

// ---- helpers ----

std::string eid_digits(ByteView bcd) {
  auto eid = Eid::from_bytes(bcd);
  return eid ? eid->str() : std::string();
}

std::vector<tlv::Tlv> children(ByteView value) {
  auto all = tlv::read_all(value);
  return all ? *all : std::vector<tlv::Tlv>{};
}

std::optional<tlv::Tlv> child(ByteView value, std::uint32_t tag) {
  auto all = tlv::read_all(value);
  return all ? tlv::find(*all, tag) : std::nullopt;
}

std::optional<std::int64_t> small_integer(ByteView v) {
  if (v.empty() || v.size() > 7 || (v[0] & 0x80)) return std::nullopt;
  std::int64_t n = 0;
  for (auto b : v) n = (n << 8) | b;
  return n;
}

Bytes bytes_of(ByteView v) {
  return Bytes(v.begin(), v.end());
}

Bytes retag(const tlv::Tlv& t, std::uint32_t tag) {
  return tlv::encode(tag, t.value);
}

bool valid(const asn1::Type& type, ByteView der) {
  try {
    std::size_t consumed = 0;
    asn1::Owned v = asn1::decode(type, der, consumed);
    return consumed == der.size();
  } catch (const asn1::DecodeError&) {
    return false;
  }
}

namespace {

std::optional<crypto::PublicKey> card_key(Eim& eim, const std::string& eid) {
  auto card = eim.store().card(eid);
  if (!card || card->euicc_certificate.empty()) return std::nullopt;
  try {
    return crypto::PublicKey::from_certificate(card->euicc_certificate);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string iccid_text(ByteView bcd) {
  auto iccid = Iccid::from_swapped_bcd(bcd);
  return iccid ? iccid->str() : to_hex(bcd);
}

// The package's operations as the queue recorded them, to apply an eCO's effect on the
// eIM's own associations (a new eIM, a changed counter, a deleted eIM).
struct QueuedOperation {
  Operation op;
  Bytes configuration;
};
std::vector<QueuedOperation> operations_of(const QueueItem& item) {
  std::vector<QueuedOperation> out;
  auto spec = json::parse(item.spec);
  if (!spec) return out;
  const json::Value* eco = json::member(*spec, "eco");
  const bool is_eco = json::boolean_of(eco).value_or(false);
  const json::Value* ops = json::member(*spec, "operations");
  if (!ops || !ops->is_array()) return out;
  for (const auto& o : *ops) {
    const json::Value* text = json::member(o, "text");
    if (!text || !json::string_of(text)) continue;
    QueuedOperation q;
    try {
      q.op = parse_operation(*json::string_of(text), is_eco);
    } catch (const PackageError&) {
      continue;
    }
    if (const json::Value* c = json::member(o, "configuration"); c && json::string_of(c))
      q.configuration = from_hex(*json::string_of(c));
    out.push_back(std::move(q));
  }
  return out;
}

struct ConfigFacts {
  std::string eim_id;
  std::optional<std::int64_t> counter;
};
std::optional<ConfigFacts> facts_of(const Bytes& der) {
  auto v = applets::rsp::decode_request<EimConfigurationData_t>(asn_DEF_EimConfigurationData, der);
  if (!v) return std::nullopt;
  ConfigFacts f;
  f.eim_id = asn1::string_of(v->eimId);
  if (v->counterValue) f.counter = *v->counterValue;
  return f;
}

// An eCO package's effect on the eIM's view of the card's associations.
void apply_eco_effects(Eim& eim, const std::string& eid, const QueueItem& item,
                       const PackageResult& r) {
  auto ops = operations_of(item);
  Store& store = eim.store();
  for (std::size_t i = 0; i < ops.size() && i < r.results.size(); ++i) {
    const auto& res = r.results[i];
    const auto& q = ops[i];
    switch (q.op.kind) {
      case Operation::Kind::kAddEim: {
        const bool ok = res.association_token.has_value() || (res.code && *res.code == 0);
        auto facts = facts_of(q.configuration);
        if (!ok || !facts) break;
        Association a{eid, facts->eim_id, facts->counter.value_or(0), {}, false};
        if (res.association_token) a.association_token = *res.association_token;
        store.put_association(a);
        break;
      }
      case Operation::Kind::kUpdateEim: {
        auto facts = facts_of(q.configuration);
        if (!res.code || *res.code != 0 || !facts) break;
        auto a = store.association(eid, facts->eim_id);
        if (!a) break;
        if (facts->counter) a->counter = *facts->counter;
        store.put_association(*a);
        break;
      }
      case Operation::Kind::kDeleteEim:
        if (res.code && (*res.code == 0 || *res.code == 2))
          store.delete_association(eid, q.op.eim_id);
        break;
      default:
        break;
    }
  }
}

std::string result_summary(const PackageResult& r) {
  std::string s = form_name(r.form);
  if (r.seq_number) s += " seq " + std::to_string(*r.seq_number);
  if (r.error_code) s += " " + named(r.error_name, *r.error_code);
  if (!r.results.empty()) {
    s += ":";
    for (std::size_t i = 0; i < r.results.size(); ++i)
      s += (i ? ", " : " ") + r.results[i].summary();
  }
  return s;
}

}  // namespace

// ---- EuiccPackageResult ----

Taken take_euicc_package_result(Eim& eim, const std::string& eid, ByteView der) {
  Store& store = eim.store();
  Taken taken;
  PackageResult r;
  try {
    r = decode_package_result(der);
  } catch (const PackageError& e) {
    ResultRecord rec;
    rec.eid = eid;
    rec.kind = "euiccPackageResult";
    rec.der = bytes_of(der);
    rec.verdict = "malformed";
    rec.summary = e.what();
    rec.received_ms = eim.now();
    store.record_result(rec);
    taken.summary = std::string("malformed EuiccPackageResult (") + e.what() + ")";
    return taken;
  }

  store.transaction([&] {
    std::optional<QueueItem> item;
    if (!r.transaction_id.empty()) {
      item = store.item_by_transaction(r.transaction_id);
      if (item && (item->eid != eid || item->kind != ItemKind::kEuiccPackage)) item.reset();
    }
    if (!item && r.counter_value) item = store.item_by_counter(eid, r.eim_id, *r.counter_value);

    std::string verdict;
    if (r.form == PackageResult::Form::kUnsignedError) {
      verdict = "unsigned";
    } else if (auto key = card_key(eim, eid)) {
      auto assoc = store.association(eid, r.eim_id);
      std::optional<long> token;
      if (assoc && assoc->association_token) token = static_cast<long>(*assoc->association_token);
      verdict = verify_package_result(r, *key, token) ? "verified" : "forged";
    } else {
      verdict = "unverified";
    }
    if (verdict == "verified" && item &&
        (item->eim_id != r.eim_id || item->counter != r.counter_value))
      verdict = "mismatch";

    ResultRecord rec;
    rec.eid = eid;
    if (item) rec.queue_id = item->id;
    rec.kind = "euiccPackageResult";
    rec.transaction_id = r.transaction_id;
    rec.der = bytes_of(der);
    rec.form = form_name(r.form);
    rec.seq_number = r.seq_number;
    rec.verdict = verdict;
    rec.summary = result_summary(r);
    rec.received_ms = eim.now();
    auto [row, fresh] = store.record_result(rec);
    // A result the card keeps (a signed result, with a seqNumber) is acknowledged every time
    // it comes, so the IPA can remove it even when an earlier acknowledgement was lost.
    if (r.seq_number) taken.acknowledge.push_back(*r.seq_number);
    const std::string where = item ? "#" + std::to_string(item->id) : std::string("no queued item");
    if (!fresh) {
      taken.summary = "result for " + where + " again (delivery " + std::to_string(row.deliveries) +
                      ", recorded once)";
      return;
    }
    taken.summary = "result for " + where + ": " + rec.summary + " [" + verdict + "]";
    if (!item || verdict == "forged" || verdict == "mismatch") return;

    const auto now = eim.now();
    switch (r.form) {
      case PackageResult::Form::kResult:
        if (item->state != ItemState::kDone)
          store.finish(item->id, ItemState::kDone, rec.summary + " [" + verdict + "]", now);
        apply_eco_effects(eim, eid, *item, r);
        break;
      case PackageResult::Form::kSignedError:
        if (item->state == ItemState::kDone) break;
        if (r.error_code && *r.error_code == 4) {
          // The card had seen this counterValue: an earlier delivery of these very bytes ran,
          // or another eIM instance used it. The result the card kept may still come.
          if (item->state == ItemState::kSent)
            store.finish(item->id, ItemState::kReplayed, rec.summary + " [" + verdict + "]", now);
        } else {
          store.finish(item->id, ItemState::kFailed, rec.summary + " [" + verdict + "]", now);
        }
        break;
      case PackageResult::Form::kUnsignedError:
        if (item->state == ItemState::kSent)
          store.finish(item->id, ItemState::kFailed,
                       "the card did not accept the eIM's signature or eimId "
                       "(euiccPackageErrorUnsigned): check the association token and key",
                       now);
        break;
    }
  });
  return taken;
}

// ---- notifications ----

namespace {

struct NotificationFacts {
  std::string form;
  std::optional<std::int64_t> seq;
  std::string event, address, iccid;
  Bytes signed_part;  // the TLV the signature covers
  Bytes signature;
};

// NotificationEvent BIT STRING: install(0), enable(1), disable(2), delete(3).
std::string event_of(ByteView bits) {
  static const char* const names[] = {"install", "enable", "disable", "delete"};
  if (bits.size() < 2) return "";
  for (unsigned i = 0; i < 4; ++i) {
    if (bits[1] & (0x80 >> i)) return names[i];
  }
  return "";
}

void read_metadata(ByteView bf2f_value, NotificationFacts& f) {
  if (auto s = child(bf2f_value, 0x80)) f.seq = small_integer(s->value);
  if (auto e = child(bf2f_value, 0x81)) f.event = event_of(e->value);
  if (auto a = child(bf2f_value, 0x0C)) f.address.assign(a->value.begin(), a->value.end());
  if (auto i = child(bf2f_value, 0x5A)) f.iccid = iccid_text(i->value);
}

std::optional<NotificationFacts> facts_of_notification(ByteView der) {
  auto top = tlv::read(der);
  if (!top || top->size != der.size()) return std::nullopt;
  NotificationFacts f;
  switch (top->tag) {
    case 0xBF37: {  // ProfileInstallationResult { BF27 data, 5F37 euiccSignPIR }
      f.form = "profileInstallationResult";
      auto data = child(top->value, 0xBF27);
      auto sig = child(top->value, 0x5F37);
      if (!data || !sig) return std::nullopt;
      if (auto meta = child(data->value, 0xBF2F)) read_metadata(meta->value, f);
      f.event = "install";
      f.signed_part = bytes_of(data->bytes());
      f.signature = bytes_of(sig->value);
      return f;
    }
    case 0x30: {  // OtherSignedNotification { BF2F tbs, 5F37 sig, 30 euicc cert, 30 eum cert }
      f.form = "otherSignedNotification";
      auto tbs = child(top->value, 0xBF2F);
      auto sig = child(top->value, 0x5F37);
      if (!tbs || !sig) return std::nullopt;
      read_metadata(tbs->value, f);
      f.signed_part = bytes_of(tbs->bytes());
      f.signature = bytes_of(sig->value);
      return f;
    }
    case 0xA0: {  // CompactProfileInstallationResult { A0 { 80 txid, 02 seq, ... }, 5F37 }
      f.form = "compactProfileInstallationResult";
      f.event = "install";
      auto data = child(top->value, 0xA0);
      if (!data) return std::nullopt;
      if (auto s = child(data->value, 0x02)) f.seq = small_integer(s->value);
      return f;  // the signed data must be rebuilt from the download: not checked here
    }
    case 0xA1: {  // CompactOtherSignedNotification { 5A eid opt, BF2F tbs, 5F37, 04 opt }
      f.form = "compactOtherSignedNotification";
      auto tbs = child(top->value, 0xBF2F);
      auto sig = child(top->value, 0x5F37);
      if (!tbs || !sig) return std::nullopt;
      read_metadata(tbs->value, f);
      f.signed_part = bytes_of(tbs->bytes());
      f.signature = bytes_of(sig->value);
      return f;
    }
    default:
      return std::nullopt;
  }
}

std::string notification_verdict(Eim& eim, const std::string& eid, const NotificationFacts& f) {
  if (f.signed_part.empty()) return "unverified";
  auto key = card_key(eim, eid);
  if (!key) return "unverified";
  return key->verify(f.signed_part, f.signature) ? "verified" : "forged";
}

// Relays a signed notification to the SM-DP+ its address names (the eIM in the LPA role).
std::string forward(Eim& eim, const NotificationFacts& f, ByteView der) {
  if (f.form != "profileInstallationResult" && f.form != "otherSignedNotification")
    return "not forwarded (compact form)";
  if (f.address.empty()) return "not forwarded (no address)";
  smdp::Es9Plus* server = eim.config().relay ? eim.config().relay(f.address) : nullptr;
  if (server == nullptr) return "not forwarded (no SM-DP+ relay for " + f.address + ")";
  try {
    server->handle_notification({bytes_of(der)});
    return "yes";
  } catch (const std::exception& e) {
    return std::string("failed: ") + e.what();
  }
}

}  // namespace

Taken take_notification(Eim& eim, const std::string& eid, ByteView der) {
  Taken taken;
  auto facts = facts_of_notification(der);
  const bool schema_ok = valid(asn_DEF_IotPendingNotification, der);
  NotificationRecord n;
  n.eid = eid;
  n.der = bytes_of(der);
  n.received_ms = eim.now();
  if (!facts || !schema_ok) {
    n.form = facts ? facts->form : "?";
    n.verdict = "malformed";
    n.forwarded = "no";
    eim.store().record_notification(n);
    taken.verdict = n.verdict;
    taken.summary = "malformed notification";
    return taken;
  }
  n.seq_number = facts->seq;
  n.form = facts->form;
  n.event = facts->event;
  n.address = facts->address;
  n.iccid = facts->iccid;
  n.verdict = notification_verdict(eim, eid, *facts);
  n.forwarded = "pending";
  auto [row, fresh] = eim.store().record_notification(n);
  taken.verdict = row.verdict;
  taken.iccid = facts->iccid;
  if (facts->seq) taken.acknowledge.push_back(*facts->seq);
  const std::string what = facts->event.empty() ? facts->form : facts->event;
  if (!fresh && row.forwarded.rfind("failed", 0) != 0 && row.forwarded != "pending") {
    taken.summary = what + " notification again (recorded once)";
    return taken;
  }
  // Only what the card signed goes on to the SM-DP+.
  std::string fwd = row.verdict == "forged" ? "not forwarded (forged)" : forward(eim, *facts, der);
  eim.store().update_notification(row.id, row.verdict, fwd);
  taken.summary = what + " notification" +
                  (facts->seq ? " seq " + std::to_string(*facts->seq) : std::string()) + " [" +
                  row.verdict + "]" + (fwd == "yes" ? ", forwarded" : "");
  return taken;
}

// ---- IpaEuiccData ----

Taken take_ipa_euicc_data(Eim& eim, const std::string& eid, ByteView der) {
  Store& store = eim.store();
  Taken taken;
  ResultRecord rec;
  rec.eid = eid;
  rec.der = bytes_of(der);
  rec.received_ms = eim.now();
  rec.verdict = "n/a";
  auto top = tlv::read(der);
  if (!valid(asn_DEF_IpaEuiccDataResponse, der) || !top) {
    rec.kind = "ipaEuiccData";
    rec.verdict = "malformed";
    rec.summary = "not an IpaEuiccDataResponse";
    store.record_result(rec);
    taken.summary = "malformed IpaEuiccDataResponse";
    return taken;
  }
  auto alt = tlv::read(top->value);
  // Which item: its eimTransactionId ('87' in the data, '80' in the error), else the oldest
  // IpaEuiccDataRequest handed out to this card (a v1.0 IPA echoes none).
  Bytes txid;
  if (alt->tag == 0xA0) {
    if (auto t = child(alt->value, 0x87)) txid = bytes_of(t->value);
  } else if (auto t = child(alt->value, 0x80)) {
    txid = bytes_of(t->value);
  }
  rec.transaction_id = txid;
  std::optional<QueueItem> item;
  if (!txid.empty()) item = store.item_by_transaction(txid);
  if (item && (item->eid != eid || item->kind != ItemKind::kIpaEuiccData)) item.reset();
  if (!item) item = store.oldest_item(eid, ItemKind::kIpaEuiccData, ItemState::kSent);
  if (item) rec.queue_id = item->id;
  const std::string where = item ? "#" + std::to_string(item->id) : std::string("no queued item");

  if (alt->tag == 0xA1) {  // ipaEuiccDataResponseError { 80 txid opt, 02 code }
    rec.kind = "ipaEuiccDataError";
    auto c = child(alt->value, 0x02);
    const long code = c ? static_cast<long>(small_integer(c->value).value_or(127)) : 127;
    rec.summary = "ipaEuiccDataResponseError " +
                  asn1::named("IpaEuiccDataResponseError__ipaEuiccDataErrorCode", code);
    auto [row, fresh] = store.record_result(rec);
    if (fresh && item && item->state == ItemState::kSent)
      store.finish(item->id, ItemState::kFailed, rec.summary, eim.now());
    taken.summary = "IpaEuiccData for " + where + ": " + rec.summary + (fresh ? "" : " (again)");
    return taken;
  }

  // ipaEuiccData
  rec.kind = "ipaEuiccData";
  auto members = children(alt->value);
  auto find = [&](std::uint32_t tag) { return tlv::find(members, tag); };
  std::vector<std::string> had;
  bool learnt_certificate = false;
  std::string certificate_note;
  // The certificates first: the lists below are verified with them.
  if (auto cert = find(0xA6)) {
    had.push_back("euiccCertificate");
    Bytes euicc = retag(*cert, 0x30);
    Bytes eum;
    if (auto e = find(0xA5)) eum = retag(*e, 0x30);
    auto card = store.card(eid);
    if (card && card->certificate_source == "given" && !card->euicc_certificate.empty()) {
      if (card->euicc_certificate != euicc)
        certificate_note = "; its certificate differs from the one given: kept the given one";
    } else if (!eim.config().trusted_ci_certs.empty()) {
      auto chain = crypto::verify_euicc_chain(euicc, eum, eim.config().trusted_ci_certs);
      if (!chain) {
        certificate_note = "; certificate refused: " + chain.reason;
      } else if (chain.eid != eid) {
        certificate_note = "; certificate refused: it names EID " + chain.eid;
      } else {
        learnt_certificate = !card || card->euicc_certificate != euicc;
        store.set_certificates(eid, euicc, eum, "ipaEuiccData (chain verified)");
      }
    } else {
      learnt_certificate = !card || card->euicc_certificate != euicc;
      store.set_certificates(eid, euicc, eum, "ipaEuiccData");
    }
  }
  if (find(0xA5)) had.push_back("eumCertificate");
  auto raw = [&](std::uint32_t tag, const char* name) {
    auto t = find(tag);
    if (!t) return Bytes{};
    had.push_back(name);
    return bytes_of(t->bytes());
  };
  auto text = [&](std::uint32_t tag, const char* name) -> std::optional<std::string> {
    auto t = find(tag);
    if (!t) return std::nullopt;
    had.push_back(name);
    return std::string(t->value.begin(), t->value.end());
  };
  const Bytes info1 = raw(0xBF20, "euiccInfo1");
  const Bytes info2 = raw(0xBF22, "euiccInfo2");
  const Bytes caps = raw(0xA8, "ipaCapabilities");
  const Bytes device = raw(0xA9, "deviceInfo");
  auto default_smdp = text(0x81, "defaultSmdpAddress");
  auto root_smds = text(0x83, "rootSmdsAddress");
  store.set_card_data(eid, info1, info2, caps, device, default_smdp, root_smds);
  if (auto tok = find(0x84)) {
    had.push_back("associationToken");
    const std::string eim_id = item ? item->eim_id : eim.default_eim_id();
    std::int64_t token = 0;
    // A DER INTEGER of up to 8 bytes, two's complement.
    if (!tok->value.empty() && tok->value.size() <= 8) {
      token = (tok->value[0] & 0x80) ? -1 : 0;
      for (auto b : tok->value)
        token = static_cast<std::int64_t>((static_cast<std::uint64_t>(token) << 8) | b);
      auto a = store.association(eid, eim_id).value_or(Association{eid, eim_id, 0, {}, false});
      a.association_token = token;
      store.put_association(a);
    }
  }
  if (learnt_certificate) reverify(eim, eid);

  std::vector<std::string> parts;
  if (auto list = find(0xA0)) {
    had.push_back("notificationsList");
    for (const auto& n : children(list->value)) {
      auto t = take_notification(eim, eid, n.bytes());
      taken.acknowledge.insert(taken.acknowledge.end(), t.acknowledge.begin(), t.acknowledge.end());
      parts.push_back(t.summary);
    }
  }
  if (auto list = find(0xA2)) {
    had.push_back("euiccPackageResultList");
    for (const auto& r : children(list->value)) {
      auto t = take_euicc_package_result(eim, eid, r.bytes());
      taken.acknowledge.insert(taken.acknowledge.end(), t.acknowledge.begin(), t.acknowledge.end());
      parts.push_back(t.summary);
    }
  }
  std::string summary = "ipaEuiccData:";
  for (std::size_t i = 0; i < had.size(); ++i) summary += (i ? ", " : " ") + had[i];
  if (had.empty()) summary += " (empty)";
  rec.summary = summary + certificate_note;
  auto [row, fresh] = store.record_result(rec);
  if (fresh && item && item->state == ItemState::kSent)
    store.finish(item->id, ItemState::kDone, rec.summary, eim.now());
  taken.summary = "IpaEuiccData for " + where + ": " + rec.summary + (fresh ? "" : " (again)");
  for (const auto& p : parts) taken.summary += "; " + p;
  return taken;
}

// ---- ProfileDownloadTriggerResult ----

Taken take_download_result(Eim& eim, const std::string& eid, ByteView der) {
  Store& store = eim.store();
  Taken taken;
  ResultRecord rec;
  rec.eid = eid;
  rec.kind = "profileDownloadTriggerResult";
  rec.der = bytes_of(der);
  rec.received_ms = eim.now();
  rec.verdict = "n/a";
  auto top = tlv::read(der);
  if (!top || !valid(asn_DEF_ProfileDownloadTriggerResult, der)) {
    rec.verdict = "malformed";
    rec.summary = "not a ProfileDownloadTriggerResult";
    store.record_result(rec);
    taken.summary = "malformed ProfileDownloadTriggerResult";
    return taken;
  }
  if (auto t = child(top->value, 0x82)) rec.transaction_id = bytes_of(t->value);
  std::optional<QueueItem> item;
  if (!rec.transaction_id.empty()) item = store.item_by_transaction(rec.transaction_id);
  if (item && (item->eid != eid || item->kind != ItemKind::kProfileDownload)) item.reset();
  if (!item) item = store.oldest_item(eid, ItemKind::kProfileDownload, ItemState::kSent);
  if (item) rec.queue_id = item->id;

  bool installed = false;
  if (auto pir = child(top->value, 0xBF37)) {
    NotificationFacts f;
    auto data = child(pir->value, 0xBF27);
    auto sig = child(pir->value, 0x5F37);
    if (data && sig) {
      f.signed_part = bytes_of(data->bytes());
      f.signature = bytes_of(sig->value);
      if (auto meta = child(data->value, 0xBF2F)) read_metadata(meta->value, f);
      rec.verdict = notification_verdict(eim, eid, f);
      auto final_result = child(data->value, 0xA2);
      if (final_result && child(final_result->value, 0xA0)) {
        installed = true;
        rec.summary = "profileInstallationResult: installed " + f.iccid;
      } else if (auto err = final_result ? child(final_result->value, 0xA1) : std::nullopt) {
        auto cmd = child(err->value, 0x80);
        auto reason = child(err->value, 0x81);
        rec.summary =
            "profileInstallationResult: error, bppCommandId " +
            asn1::named("BppCommandId", cmd ? small_integer(cmd->value).value_or(-1) : -1) +
            ", errorReason " +
            asn1::named("ErrorReason", reason ? small_integer(reason->value).value_or(-1) : -1);
      } else {
        rec.summary = "profileInstallationResult without a final result";
      }
    }
  } else if (auto err = child(top->value, 0x30)) {
    auto reason = child(err->value, 0x80);
    const long code = reason ? static_cast<long>(small_integer(reason->value).value_or(127)) : 127;
    rec.summary = "profileDownloadError " +
                  asn1::named(
                      "ProfileDownloadTriggerResult__profileDownloadTriggerResultData__"
                      "profileDownloadError__profileDownloadErrorReason",
                      code);
    if (auto resp = child(err->value, 0x04))
      rec.summary += ", errorResponse " + to_hex(resp->value);
  }
  auto [row, fresh] = store.record_result(rec);
  const std::string where = item ? "#" + std::to_string(item->id) : std::string("no queued item");
  if (fresh && item && rec.verdict != "forged" &&
      (item->state == ItemState::kSent || item->state == ItemState::kQueued)) {
    store.finish(item->id, installed ? ItemState::kDone : ItemState::kFailed,
                 rec.summary + " [" + rec.verdict + "]", eim.now());
    if (auto d = store.download_by_queue(item->id))
      store.update_download(d->id, installed ? "installed" : "failed", rec.summary, eim.now(), eid);
  }
  taken.summary = "download result for " + where + ": " + rec.summary + " [" + rec.verdict + "]" +
                  (fresh ? "" : " (again)");
  return taken;
}

// ---- eimPackageResultResponseError ----

Taken take_result_error(Eim& eim, const std::string& eid, ByteView der) {
  Store& store = eim.store();
  Taken taken;
  auto top = tlv::read(der);
  ResultRecord rec;
  rec.eid = eid;
  rec.kind = "eimPackageResultResponseError";
  rec.der = bytes_of(der);
  rec.received_ms = eim.now();
  rec.verdict = "n/a";
  if (auto t = child(top->value, 0x80)) rec.transaction_id = bytes_of(t->value);
  auto c = child(top->value, 0x02);
  const long code = c ? static_cast<long>(small_integer(c->value).value_or(127)) : 127;
  rec.summary =
      "the IPA could not run the package: " + asn1::named("EimPackageResultErrorCode", code);
  std::optional<QueueItem> item;
  if (!rec.transaction_id.empty()) item = store.item_by_transaction(rec.transaction_id);
  if (item && item->eid != eid) item.reset();
  if (!item && rec.transaction_id.empty()) {
    // Without a transaction id: the package this card was handed last.
    for (const auto& it : store.items(eid)) {
      if (it.state == ItemState::kSent && (!item || it.last_sent_ms > item->last_sent_ms))
        item = it;
    }
  }
  if (item) rec.queue_id = item->id;
  auto [row, fresh] = store.record_result(rec);
  if (fresh && item && item->state == ItemState::kSent)
    store.finish(item->id, ItemState::kFailed, rec.summary, eim.now());
  taken.summary = (item ? "#" + std::to_string(item->id) + ": " : std::string()) + rec.summary;
  return taken;
}

// ---- re-verification ----

void reverify(Eim& eim, const std::string& eid) {
  Store& store = eim.store();
  auto key = card_key(eim, eid);
  if (!key) return;
  for (const auto& r : store.results(eid)) {
    if (r.verdict != "unverified" || r.kind != "euiccPackageResult") continue;
    try {
      PackageResult p = decode_package_result(r.der);
      auto assoc = store.association(eid, p.eim_id);
      std::optional<long> token;
      if (assoc && assoc->association_token) token = static_cast<long>(*assoc->association_token);
      store.update_result_verdict(
          r.id, verify_package_result(p, *key, token) ? "verified" : "forged", std::nullopt);
    } catch (const PackageError&) {
    }
  }
  for (const auto& n : store.notifications(eid)) {
    if (n.verdict != "unverified") continue;
    auto f = facts_of_notification(n.der);
    if (!f || f->signed_part.empty()) continue;
    store.update_notification(
        n.id, key->verify(f->signed_part, f->signature) ? "verified" : "forged", n.forwarded);
  }
}

}  // namespace euiccsim::eim::esipa
