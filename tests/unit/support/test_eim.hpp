// An in-process eIM for IPAe tests: the server side of ESipa's ASN.1 binding, written from
// SGP.32 v1.2 apart from the IPAe. It keeps one card's queue of eIM packages (eUICC packages
// signed with tools/eim/euicc_package, IpaEuiccData requests, download triggers), hands the
// front one to GetEimPackage until its result arrives, verifies every EuiccPackageResult with
// the card's certificate, acknowledges what it received, and relays indirect downloads to an
// in-process SM-DP+ (tools/smdp), rebuilding compact forms from what it knows of the card.
// Every request is decoded as EsipaMessageFromIpaToEim first: the IPAe's DER is checked by
// our asn1c module on every exchange. Scripted faults replace answers one request at a time.
#pragma once

#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <EsipaMessageFromIpaToEim.h>

#include "eim/euicc_package.hpp"
#include "euiccsim/applets/rsp_asn1.hpp"
#include "euiccsim/crypto/tlv.hpp"
#include "memory_network.hpp"
#include "smdp/server.hpp"

namespace euiccsim::test {

class TestEim {
 public:
  struct Item {
    enum class Kind { kEuiccPackage, kIpaEuiccData, kDownload, kRaw } kind;
    Bytes package;  // the GetEimPackageResponse alternative's TLV (BF51 / BF52 / BF54 / any)
    Bytes transaction_id;
  };
  struct Received {
    std::string function;  // "GetEimPackage", "ProvideEimPackageResult", ...
    Bytes body;
  };

  TestEim(std::string eim_id, crypto::PrivateKey key, std::string eid, Bytes euicc_certificate)
      : eim_id_(std::move(eim_id)),
        key_(std::move(key)),
        eid_(std::move(eid)),
        euicc_key_(crypto::PublicKey::from_certificate(euicc_certificate)) {}

  std::string eim_id() const { return eim_id_; }
  void set_token(std::optional<long> t) { token_ = t; }
  void set_counter(long c) { counter_ = c; }
  long counter() const { return counter_; }

  // A signed eUICC package of `ops` (operation syntax of `eim package`), queued.
  Bytes queue_operations(const std::vector<std::string>& ops, bool eco = false,
                         std::optional<Bytes> tid = std::nullopt) {
    eim::PackageSpec spec;
    spec.eim_id = eim_id_;
    spec.eid = eid_;
    spec.counter_value = ++counter_;
    spec.transaction_id = tid ? tid : Bytes{0x7E, static_cast<std::uint8_t>(counter_)};
    for (const auto& o : ops) {
      auto op = eim::parse_operation(o, eco);
      if (op.kind == eim::Operation::Kind::kAddEim || op.kind == eim::Operation::Kind::kUpdateEim) {
        op.eim_configuration = add_eim_configuration;
      }
      spec.operations.push_back(std::move(op));
    }
    Bytes pkg = eim::build_package(spec, key_, token_);
    queue_.push_back({Item::Kind::kEuiccPackage, pkg, *spec.transaction_id});
    return pkg;
  }
  // Any alternative of GetEimPackageResponse, as given.
  void queue_raw(Bytes package, Item::Kind kind = Item::Kind::kRaw, Bytes tid = {}) {
    queue_.push_back({kind, std::move(package), std::move(tid)});
  }
  void queue_ipa_euicc_data(const std::string& tag_list_hex, Bytes tid,
                            const std::string& extra_hex = "") {
    Bytes v;
    tlv::append(v, 0x5C, from_hex(tag_list_hex));
    auto extra = from_hex(extra_hex);
    v.insert(v.end(), extra.begin(), extra.end());
    tlv::append(v, 0x83, tid);
    queue_.push_back({Item::Kind::kIpaEuiccData, tlv::encode(0xBF52, v), tid});
  }
  void queue_download(const std::string& activation_code, Bytes tid) {
    Bytes ac;
    tlv::append(ac, 0x80, Bytes(activation_code.begin(), activation_code.end()));
    Bytes v;
    tlv::append(v, 0xA0, ac);
    tlv::append(v, 0x82, tid);
    queue_.push_back({Item::Kind::kDownload, tlv::encode(0xBF54, v), tid});
  }
  std::size_t queued() const { return queue_.size(); }

  // The answer for the next requests, in order (each used once); nullopt lets the eIM answer.
  std::deque<std::function<std::optional<HttpOut>(const HttpIn&)>> faults;
  // eimAcknowledgements off: answer emptyResponse.
  bool acknowledge = true;
  // Relay indirect downloads here; the card's EUICCInfo2 and certificates as learned from
  // IpaEuiccData, for the compact forms.
  smdp::Server* smdp = nullptr;
  std::function<Bytes()> card_info2;
  Bytes euicc_certificate, eum_certificate;
  // Used for add-eim / update-eim operations.
  Bytes add_eim_configuration;

  std::vector<Received> received;
  std::vector<eim::PackageResult> results;         // decoded and verified
  std::vector<Bytes> notifications;                // HandleNotification and ePRAndNotifications
  std::vector<Bytes> data_responses;               // IpaEuiccDataResponse (BF52 ...)
  std::vector<Bytes> download_results;             // ProfileDownloadTriggerResult (BF54 ...)
  std::vector<Bytes> package_errors;               // eimPackageResultResponseError (A0 ...)
  std::vector<Bytes> cancels;                      // CancelSessionRequestEsipa
  std::vector<std::optional<long>> state_changes;  // GetEimPackage: cause, or nothing
  std::string last_admin_protocol, last_content_type;

  std::size_t count(const std::string& function) const {
    return static_cast<std::size_t>(
        std::count_if(received.begin(), received.end(),
                      [&](const Received& r) { return r.function == function; }));
  }

  HttpOut handle(const HttpIn& in) {
    last_admin_protocol = in.header("x-admin-protocol");
    last_content_type = in.header("content-type");
    if (in.method != "POST" || in.path != "/gsma/rsp2/asn1") return code(404);
    if (!faults.empty()) {
      auto f = std::move(faults.front());
      faults.pop_front();
      record(in.body);
      if (f) {
        if (auto out = f(in)) return *out;
      }
    } else {
      record(in.body);
    }
    std::size_t consumed = 0;
    asn1::Value<EsipaMessageFromIpaToEim_t> msg;
    try {
      msg = asn1::decode_as<EsipaMessageFromIpaToEim_t>(asn_DEF_EsipaMessageFromIpaToEim, in.body,
                                                        consumed);
    } catch (const asn1::DecodeError& e) {
      bad_requests.push_back(to_hex(in.body));
      return code(400);
    }
    if (consumed != in.body.size()) {
      bad_requests.push_back(to_hex(in.body));
      return code(400);
    }
    auto top = tlv::read(in.body);
    switch (top->tag) {
      case 0xBF4F:
        return answer(get_eim_package(top->value));
      case 0xBF50:
        return answer(provide_result(top->value));
      case 0xBF3D:
        handle_notification(top->value);
        return code(204);
      case 0xBF39:
        return answer(initiate_authentication(top->value));
      case 0xBF3B:
        return answer(authenticate_client(top->value));
      case 0xBF3A:
        return answer(get_bound_profile_package(top->value));
      case 0xBF41:
        cancels.push_back(in.body);
        return answer(from_hex("BF4102A000"));
      default:
        return code(400);
    }
  }

  std::vector<std::string> bad_requests;  // what did not decode (hex)

 private:
  static HttpOut code(int status) {
    HttpOut o;
    o.status = status;
    return o;
  }
  static HttpOut answer(Bytes body) {
    HttpOut o;
    o.body = std::move(body);
    return o;
  }
  void record(const Bytes& body) {
    static const std::map<std::uint32_t, std::string> names{
        {0xBF4F, "GetEimPackage"},      {0xBF50, "ProvideEimPackageResult"},
        {0xBF3D, "HandleNotification"}, {0xBF39, "InitiateAuthentication"},
        {0xBF3B, "AuthenticateClient"}, {0xBF3A, "GetBoundProfilePackage"},
        {0xBF41, "CancelSession"}};
    auto t = tlv::read(body);
    auto it = t ? names.find(t->tag) : names.end();
    received.push_back({it == names.end() ? "?" : it->second, body});
  }
  static std::optional<ByteView> child(ByteView v, std::uint32_t tag) {
    auto all = tlv::read_all(v);
    if (!all) return std::nullopt;
    auto t = tlv::find(*all, tag);
    if (!t) return std::nullopt;
    return t->value;
  }
  static std::optional<ByteView> child_tlv(ByteView v, std::uint32_t tag) {
    auto all = tlv::read_all(v);
    if (!all) return std::nullopt;
    auto t = tlv::find(*all, tag);
    if (!t) return std::nullopt;
    return t->bytes();
  }

  Bytes get_eim_package(ByteView req) {
    auto eid = child(req, 0x5A);
    if (!eid || to_hex(*eid) != eid_) return from_hex("BF4F03020102");  // eidNotFound
    auto cause = child(req, 0x81);
    state_changes.push_back(child(req, 0x80) ? std::optional<long>(cause ? (*cause)[0] : -1)
                                             : std::nullopt);
    if (queue_.empty()) return from_hex("BF4F03020101");
    return tlv::encode(0xBF4F, queue_.front().package);
  }

  // Drops the front item if its kind and transaction id match.
  void taken(Item::Kind kind, const Bytes& tid) {
    if (!queue_.empty() && queue_.front().kind == kind && queue_.front().transaction_id == tid)
      queue_.pop_front();
  }

  std::vector<std::uint64_t> note_notifications(ByteView list) {
    std::vector<std::uint64_t> seqs;
    auto items = tlv::read_all(list);
    for (std::size_t i = 0; items && i < items->size(); ++i) {
      const auto b = (*items)[i].bytes();
      notifications.emplace_back(b.begin(), b.end());
      if (auto s = seq_of(b)) seqs.push_back(*s);
    }
    return seqs;
  }

  static std::optional<std::uint64_t> seq_of(ByteView der) {
    auto t = tlv::read(der);
    if (!t) return std::nullopt;
    std::optional<ByteView> meta;
    if (t->tag == 0xBF37) {
      auto d = child(t->value, 0xBF27);
      meta = d ? child(*d, 0xBF2F) : std::nullopt;
    } else if (t->tag == 0x30 || t->tag == 0xA1) {
      meta = child(t->value, 0xBF2F);
    } else if (t->tag == 0xBF51) {
      auto a0 = child(t->value, 0xA0);
      auto d = a0 ? child(*a0, 0x30) : std::nullopt;
      auto s = d ? child(*d, 0x83) : std::nullopt;
      return s ? tlv::decode_uint(*s) : std::nullopt;
    }
    auto s = meta ? child(*meta, 0x80) : std::nullopt;
    return s ? tlv::decode_uint(*s) : std::nullopt;
  }

  std::vector<std::uint64_t> take_result(ByteView bf51) {
    auto r = eim::decode_package_result(bf51);
    eim::verify_package_result(r, euicc_key_, token_);
    results.push_back(r);
    taken(Item::Kind::kEuiccPackage, r.transaction_id);
    std::vector<std::uint64_t> seqs;
    if (r.seq_number) seqs.push_back(static_cast<std::uint64_t>(*r.seq_number));
    return seqs;
  }

  Bytes provide_result(ByteView req) {
    auto eid = child(req, 0x5A);
    if (eid && to_hex(*eid) != eid_) return from_hex("BF5003020102");
    auto all = tlv::read_all(req);
    const tlv::Tlv& r = all->back();
    std::vector<std::uint64_t> acks;
    switch (r.tag) {
      case 0xBF51:
        acks = take_result(r.bytes());
        break;
      case 0x30: {
        auto bf51 = child_tlv(r.value, 0xBF51);
        acks = take_result(*bf51);
        auto more = note_notifications(*child(r.value, 0xA0));
        acks.insert(acks.end(), more.begin(), more.end());
        break;
      }
      case 0xBF52: {
        data_responses.emplace_back(r.bytes().begin(), r.bytes().end());
        auto a = child(r.value, 0xA0);
        auto e = child(r.value, 0xA1);
        Bytes tid;
        if (a) {
          if (auto t = child(*a, 0x87)) tid.assign(t->begin(), t->end());
          if (auto l = child(*a, 0xA0)) {
            auto more = note_notifications(*l);
            acks.insert(acks.end(), more.begin(), more.end());
          }
          if (auto l = child(*a, 0xA2)) {
            auto items = tlv::read_all(*l);
            for (std::size_t i = 0; items && i < items->size(); ++i)
              if (auto s = seq_of((*items)[i].bytes())) acks.push_back(*s);
          }
        } else if (e) {
          if (auto t = child(*e, 0x80)) tid.assign(t->begin(), t->end());
        }
        taken(Item::Kind::kIpaEuiccData, tid);
        break;
      }
      case 0xBF54: {
        download_results.emplace_back(r.bytes().begin(), r.bytes().end());
        auto t = child(r.value, 0x82);
        taken(Item::Kind::kDownload, t ? Bytes(t->begin(), t->end()) : Bytes{});
        break;
      }
      case 0xA0: {
        package_errors.emplace_back(r.bytes().begin(), r.bytes().end());
        auto t = child(r.value, 0x80);
        const Bytes tid = t ? Bytes(t->begin(), t->end()) : Bytes{};
        if (!queue_.empty() && queue_.front().transaction_id == tid) queue_.pop_front();
        break;
      }
      default:
        break;
    }
    if (!acknowledge || acks.empty()) return from_hex("BF50023000");
    Bytes list;
    for (auto s : acks) tlv::append(list, 0x80, tlv::der_integer(static_cast<std::int64_t>(s)));
    return tlv::encode(0xBF50, tlv::encode(0xBF53, list));
  }

  void handle_notification(ByteView req) {
    auto a0 = child(req, 0xA0);
    if (!a0) return;
    notifications.emplace_back(a0->begin(), a0->end());
    auto t = tlv::read(*a0);
    if (t && t->tag == 0xBF37 && !queue_.empty() && queue_.front().kind == Item::Kind::kDownload)
      queue_.pop_front();
  }

  // ---- indirect download relay ----
  struct Session {
    Bytes server_signed1;
    Bytes hash_cc;
  };
  std::map<Bytes, Session> sessions_;

  Bytes initiate_authentication(ByteView req) {
    if (!smdp) return from_hex("BF390381017F");
    auto chal = child(req, 0x81);
    auto addr = child(req, 0x83);
    auto info1 = child_tlv(req, 0xBF20);
    try {
      auto r = smdp->initiate_authentication({Bytes(chal->begin(), chal->end()),
                                              Bytes(info1->begin(), info1->end()),
                                              std::string(addr->begin(), addr->end())});
      sessions_[r.transaction_id].server_signed1 = r.server_signed1;
      Bytes ok;
      tlv::append(ok, 0x80, r.transaction_id);
      for (const auto& p : {r.server_signed1, r.server_signature1, r.euicc_ci_pkid_to_be_used,
                            r.server_certificate})
        ok.insert(ok.end(), p.begin(), p.end());
      return tlv::encode(0xBF39, tlv::encode(0xA0, ok));
    } catch (const smdp::Es9Error&) {
      return from_hex("BF390381017F");
    }
  }

  // The full AuthenticateServerResponse the card signed, from a compact one.
  Bytes full_authenticate(const Bytes& tid, ByteView bf38) {
    auto top = tlv::read(bf38);
    auto a2 = top ? child(top->value, 0xA2) : std::nullopt;
    if (!a2) return Bytes(bf38.begin(), bf38.end());
    auto compact = child(*a2, 0xA0);
    auto sig = child_tlv(*a2, 0x5F37);
    auto ext = child_tlv(*compact, 0x84);
    auto ctx = child(*compact, 0xA2);  // the ctxParams1 CHOICE's TLV
    auto server = tlv::read(sessions_[tid].server_signed1);
    auto address = child_tlv(server->value, 0x83);
    auto challenge = child_tlv(server->value, 0x84);
    // EUICCInfo2 with the compact extCardResource in place of its own.
    Bytes info2 = card_info2();
    auto info = tlv::read(info2);
    auto kids = tlv::read_all(info->value);
    Bytes body;
    for (const auto& k : *kids) {
      const auto b = k.tag == 0x84 ? *ext : k.bytes();
      body.insert(body.end(), b.begin(), b.end());
    }
    Bytes s1;
    tlv::append(s1, 0x80, tid);
    s1.insert(s1.end(), address->begin(), address->end());
    s1.insert(s1.end(), challenge->begin(), challenge->end());
    tlv::append(s1, 0xBF22, body);
    s1.insert(s1.end(), ctx->begin(), ctx->end());
    Bytes ok = tlv::encode(0x30, s1);
    ok.insert(ok.end(), sig->begin(), sig->end());
    ok.insert(ok.end(), euicc_certificate.begin(), euicc_certificate.end());
    ok.insert(ok.end(), eum_certificate.begin(), eum_certificate.end());
    return tlv::encode(0xBF38, tlv::encode(0xA0, ok));
  }

  Bytes authenticate_client(ByteView req) {
    auto tid_v = child(req, 0x80);
    const Bytes tid(tid_v->begin(), tid_v->end());
    Bytes asr(child_tlv(req, 0xBF38)->begin(), child_tlv(req, 0xBF38)->end());
    compact_seen = compact_seen || child(*child(req, 0xBF38), 0xA2).has_value();
    if (child(*child(req, 0xBF38), 0xA2)) asr = full_authenticate(tid, asr);
    try {
      auto r = smdp->authenticate_client({tid, asr});
      Bytes ok;
      tlv::append(ok, 0x80, r.transaction_id);
      for (const auto& p :
           {r.profile_metadata, r.smdp_signed2, r.smdp_signature2, r.smdp_certificate})
        ok.insert(ok.end(), p.begin(), p.end());
      return tlv::encode(0xBF3B, tlv::encode(0xA0, ok));
    } catch (const smdp::Es9Error&) {
      return from_hex("BF3B0382017F");
    }
  }

  Bytes get_bound_profile_package(ByteView req) {
    auto tid_v = child(req, 0x80);
    const Bytes tid(tid_v->begin(), tid_v->end());
    auto pdr = child_tlv(req, 0xBF21);
    Bytes prep(pdr->begin(), pdr->end());
    if (auto a2 = child(*child(req, 0xBF21), 0xA2)) {
      compact_seen = true;
      // compactEuiccSigned2 { 5F49 otpk, 04 hashCc opt } -> euiccSigned2 { 80 tid, 5F49, 04 }.
      auto c = child(*a2, 0x30);
      auto sig = child_tlv(*a2, 0x5F37);
      Bytes s2;
      tlv::append(s2, 0x80, tid);
      s2.insert(s2.end(), c->begin(), c->end());
      Bytes ok = tlv::encode(0x30, s2);
      ok.insert(ok.end(), sig->begin(), sig->end());
      prep = tlv::encode(0xBF21, tlv::encode(0xA0, ok));
    }
    try {
      auto r = smdp->get_bound_profile_package({tid, prep});
      Bytes ok;
      tlv::append(ok, 0x80, r.transaction_id);
      ok.insert(ok.end(), r.bound_profile_package.begin(), r.bound_profile_package.end());
      return tlv::encode(0xBF3A, tlv::encode(0xA0, ok));
    } catch (const smdp::Es9Error&) {
      return from_hex("BF3A0381017F");
    }
  }

 public:
  bool compact_seen = false;

 private:
  std::string eim_id_;
  crypto::PrivateKey key_;
  std::string eid_;
  crypto::PublicKey euicc_key_;
  std::optional<long> token_;
  long counter_ = 0;
  std::deque<Item> queue_;
};

}  // namespace euiccsim::test
