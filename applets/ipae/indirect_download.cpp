// Indirect Profile Download (SGP.32 v1.2 §3.2.3.2; osmocom's TC_proc_indirect_prfle_dwnld):
// the eIM relays ES9+ to the SM-DP+, the IPAe speaks only ESipa.
//
//  1. GetEUICCInfo1, GetEUICCChallenge; ESipa InitiateAuthentication BF39 { 81 challenge, 83
//     smdpAddress, BF20 euiccInfo1, 82 eimTransactionId } -> BF39 { A0 ok | 81 error };
//  2. ES10b AuthenticateServer with the server's data and ctxParams1 (the eIM's if it gave one,
//     else the IPAe's: matchingId and deviceInfo); ESipa AuthenticateClient BF3B { 80
//     transactionId, BF38 the card's answer } -> BF3B { A0 okDP | A1 okDS | 82 error };
//  3. ES10b PrepareDownload (with the eIM's hashCc when the SM-DP+ wants a confirmation code);
//     ESipa GetBoundProfilePackage BF3A { 80, BF21 the card's answer } -> BF3A { A0 { BF36 } |
//     81 error };
//  4. the package in SGP.22's pieces to ES10b LoadBoundProfilePackage; ImmediateEnable;
//     ESipa HandleNotification with the installation result (profile_download_trigger.cpp).
// A refusal by the card is relayed as the card gave it (the SM-DP+ ends its session on it),
// then reported; a refusal by the eIM is reported with its answer as errorResponse. A
// confirmation code asked for without an eIM's hashCc, or a package that cannot be cut into
// pieces, ends the session on both sides: ES10b CancelSession, then ESipa CancelSession with
// the card's signed answer.
//
// With minimizeEsipaBytes (card configuration), the card's answers travel in SGP.32's compact
// forms (§5.14): compactEuiccSigned1 { 84 extCardResource, A2 ctxParams1 unless the eIM gave
// it } without certificates, compactEuiccSigned2 { 5F49 otpk, 04 hashCc unless the eIM gave
// it }, compactEuiccCancelSessionSigned { 80 reason }, each with the card's signature over the
// full form, which the eIM rebuilds.
#include "euiccsim/crypto/tlv.hpp"
#include "ipae_impl.hpp"

namespace euiccsim::applets::ipae {

namespace {
constexpr long kUndefinedError = 127;
constexpr long kUndefinedReason = 127;
constexpr long kLoadBppExecutionError = 5;

// The card's BF38 in compact form, or the card's own when it is not an ok answer.
Bytes compact_authenticate(const Bytes& card_answer, bool with_ctx) {
  auto body = esipa::value_of(card_answer, 0xBF38);
  auto ok = body ? esipa::child(*body, 0xA0) : std::nullopt;
  auto signed1 = ok ? esipa::child(*ok, 0x30) : std::nullopt;
  auto sig = ok ? esipa::child_tlv(*ok, 0x5F37) : std::nullopt;
  auto info2 = signed1 ? esipa::child(*signed1, 0xBF22) : std::nullopt;
  auto ext = info2 ? esipa::child_tlv(*info2, 0x84) : std::nullopt;
  auto ctx = signed1 ? esipa::child_tlv(*signed1, 0xA0) : std::nullopt;
  if (!sig || !ext || !ctx) return card_answer;
  Bytes compact(ext->begin(), ext->end());
  if (with_ctx) tlv::append(compact, 0xA2, *ctx);
  return tlv::encode(0xBF38, tlv::encode(0xA2, esipa::concat({tlv::encode(0xA0, compact), *sig})));
}

Bytes compact_prepare(const Bytes& card_answer, bool with_hash_cc) {
  auto body = esipa::value_of(card_answer, 0xBF21);
  auto ok = body ? esipa::child(*body, 0xA0) : std::nullopt;
  auto signed2 = ok ? esipa::child(*ok, 0x30) : std::nullopt;
  auto sig = ok ? esipa::child_tlv(*ok, 0x5F37) : std::nullopt;
  if (!signed2 || !sig) return card_answer;
  Bytes compact;
  if (auto otpk = esipa::child_tlv(*signed2, 0x5F49))
    compact.insert(compact.end(), otpk->begin(), otpk->end());
  if (with_hash_cc) {
    if (auto cc = esipa::child_tlv(*signed2, 0x04))
      compact.insert(compact.end(), cc->begin(), cc->end());
  }
  return tlv::encode(0xBF21, tlv::encode(0xA2, esipa::concat({tlv::encode(0x30, compact), *sig})));
}

// The alternative inside the card's BF41 (what CancelSessionRequestEsipa's A1 carries).
Bytes cancel_alternative(const Bytes& card_answer, bool compact) {
  auto body = esipa::value_of(card_answer, 0xBF41);
  if (!body) return {};
  Bytes inner(body->begin(), body->end());
  if (!compact) return inner;
  auto ok = esipa::child(*body, 0xA0);
  auto signed_data = ok ? esipa::child(*ok, 0x30) : std::nullopt;
  auto sig = ok ? esipa::child_tlv(*ok, 0x5F37) : std::nullopt;
  auto reason = signed_data ? esipa::child(*signed_data, 0x82) : std::nullopt;
  if (!sig || !reason) return inner;
  return tlv::encode(0xA2, esipa::concat({tlv::encode(0x30, tlv::encode(0x80, *reason)), *sig}));
}
}  // namespace

void Ipae::Impl::indirect_initiate_authentication() {
  auto& d = *download;
  const Bytes info1 = es10(Bytes{0xBF, 0x20, 0x00});
  const Bytes challenge_rsp = es10(Bytes{0xBF, 0x2E, 0x00});
  auto cb = esipa::value_of(challenge_rsp, 0xBF2E);
  auto challenge = cb ? esipa::child(*cb, 0x80) : std::nullopt;
  if (!challenge) throw CardFault("GetEUICCChallenge answered no challenge");
  Bytes body;
  tlv::append(body, 0x81, *challenge);
  tlv::append(body, 0x83, esipa::text(d.smdp_address));
  body.insert(body.end(), info1.begin(), info1.end());
  if (!d.eim_transaction_id.empty()) tlv::append(body, 0x82, d.eim_transaction_id);
  send_esipa("InitiateAuthentication", tlv::encode(0xBF39, body), [this](Reply r) {
    if (!r.ok) {
      eim_failed(r.error);
      return;
    }
    auto& d = *download;
    auto outer = esipa::value_of(r.body, 0xBF39);
    auto kids = outer ? tlv::read_all(*outer) : std::nullopt;
    if (!kids || kids->size() != 1 || kids->front().tag != 0xA0) {
      download_failed("InitiateAuthentication: " + esipa::describe(r.body), kUndefinedError,
                      r.body);
      return;
    }
    // InitiateAuthenticationOkEsipa: 80 tid opt, 30 serverSigned1, 5F37, 04, 30 certificate,
    // 0C matchingId opt, A2 ctxParams1 opt — in this order.
    auto items = tlv::read_all(kids->front().value);
    std::size_t i = 0;
    auto take = [&](std::uint32_t tag) -> std::optional<tlv::Tlv> {
      if (items && i < items->size() && (*items)[i].tag == tag) return (*items)[i++];
      return std::nullopt;
    };
    auto tid = take(0x80);
    auto signed1 = take(0x30);
    auto sig = take(0x5F37);
    auto pkid = take(0x04);
    auto cert = take(0x30);
    auto matching = take(0x0C);
    auto ctx = take(0xA2);
    if (!signed1 || !sig || !pkid || !cert || !items || i != items->size()) {
      download_failed("InitiateAuthentication: a malformed initiateAuthenticationOkEsipa",
                      kUndefinedError, r.body);
      return;
    }
    auto bytes = [](const tlv::Tlv& t) { return Bytes(t.bytes().begin(), t.bytes().end()); };
    d.server_signed1 = bytes(*signed1);
    d.server_signature1 = bytes(*sig);
    d.ci_pkid = bytes(*pkid);
    d.server_certificate = bytes(*cert);
    if (tid) {
      d.transaction_id.assign(tid->value.begin(), tid->value.end());
    } else if (auto t = esipa::child(signed1->value, 0x80)) {
      d.transaction_id.assign(t->begin(), t->end());
    }
    if (matching) d.matching_id.assign(matching->value.begin(), matching->value.end());
    if (ctx) d.eim_ctx_params1 = Bytes(ctx->value.begin(), ctx->value.end());
    save([&](IpaeState& s) {
      if (!s.in_flight) return;
      s.in_flight->step = 1;
      s.in_flight->smdp_transaction_id = d.transaction_id;
    });
    d.authenticate_server_response = es10(authenticate_server_request());
    indirect_authenticate_client();
  });
}

void Ipae::Impl::indirect_authenticate_client() {
  auto& d = *download;
  const Bytes& asr = d.authenticate_server_response;
  auto ab = esipa::value_of(asr, 0xBF38);
  const bool card_ok = ab && esipa::child(*ab, 0xA0).has_value();
  const bool minimize = card.view().config.minimize_esipa_bytes;
  const Bytes relayed = card_ok && minimize ? compact_authenticate(asr, !d.eim_ctx_params1) : asr;
  Bytes body;
  tlv::append(body, 0x80, d.transaction_id);
  body.insert(body.end(), relayed.begin(), relayed.end());
  send_esipa("AuthenticateClient", tlv::encode(0xBF3B, body), [this, card_ok](Reply r) {
    if (!r.ok) {
      eim_failed(r.error);
      return;
    }
    auto& d = *download;
    if (!card_ok) {
      download_failed("the card refused AuthenticateServer", kUndefinedError,
                      d.authenticate_server_response);
      return;
    }
    auto outer = esipa::value_of(r.body, 0xBF3B);
    auto kids = outer ? tlv::read_all(*outer) : std::nullopt;
    if (!kids || kids->size() != 1 || kids->front().tag != 0xA0) {
      download_failed("AuthenticateClient: " + esipa::describe(r.body), kUndefinedError, r.body);
      return;
    }
    // AuthenticateClientOkDPEsipa: 80 opt, BF25 opt, 30 smdpSigned2, 5F37, 30 certificate, 04
    // hashCc opt.
    auto items = tlv::read_all(kids->front().value);
    std::size_t i = 0;
    auto take = [&](std::uint32_t tag) -> std::optional<tlv::Tlv> {
      if (items && i < items->size() && (*items)[i].tag == tag) return (*items)[i++];
      return std::nullopt;
    };
    take(0x80);
    take(0xBF25);
    auto signed2 = take(0x30);
    auto sig = take(0x5F37);
    auto cert = take(0x30);
    auto cc = take(0x04);
    if (!signed2 || !sig || !cert || !items || i != items->size()) {
      download_failed("AuthenticateClient: a malformed authenticateClientOkDPEsipa",
                      kUndefinedError, r.body);
      return;
    }
    auto bytes = [](const tlv::Tlv& t) { return Bytes(t.bytes().begin(), t.bytes().end()); };
    if (cc) d.hash_cc = Bytes(cc->value.begin(), cc->value.end());
    Bytes prep;
    if (!prepare_download_request(prep, bytes(*signed2), bytes(*sig), bytes(*cert))) {
      indirect_cancel_session(kUndefinedReason,
                              "the SM-DP+ wants a confirmation code and the eIM gave no hashCc");
      return;
    }
    d.prepare_download_response = es10(prep);
    indirect_get_bound_profile_package();
  });
}

void Ipae::Impl::indirect_get_bound_profile_package() {
  auto& d = *download;
  const Bytes& pdr = d.prepare_download_response;
  auto pb = esipa::value_of(pdr, 0xBF21);
  const bool card_ok = pb && esipa::child(*pb, 0xA0).has_value();
  const bool minimize = card.view().config.minimize_esipa_bytes;
  const Bytes relayed = card_ok && minimize ? compact_prepare(pdr, !d.hash_cc) : pdr;
  Bytes body;
  tlv::append(body, 0x80, d.transaction_id);
  body.insert(body.end(), relayed.begin(), relayed.end());
  send_esipa("GetBoundProfilePackage", tlv::encode(0xBF3A, body), [this, card_ok](Reply r) {
    if (!r.ok) {
      eim_failed(r.error);
      return;
    }
    auto& d = *download;
    if (!card_ok) {
      download_failed("the card refused PrepareDownload", kUndefinedError,
                      d.prepare_download_response);
      return;
    }
    auto outer = esipa::value_of(r.body, 0xBF3A);
    auto kids = outer ? tlv::read_all(*outer) : std::nullopt;
    if (!kids || kids->size() != 1 || kids->front().tag != 0xA0) {
      download_failed("GetBoundProfilePackage: " + esipa::describe(r.body), kUndefinedError,
                      r.body);
      return;
    }
    auto bpp = esipa::child_tlv(kids->front().value, 0xBF36);
    d.segments = bpp ? bpp_segments(*bpp) : std::vector<Bytes>{};
    if (d.segments.empty()) {
      indirect_cancel_session(kLoadBppExecutionError,
                              "the Bound Profile Package is not SGP.22's structure");
      return;
    }
    d.next_segment = 0;
    load_next_segment();
  });
}

void Ipae::Impl::indirect_cancel_session(long reason, const std::string& why) {
  auto& d = *download;
  // ES10b CancelSession BF41 { 80 transactionId, 81 reason } (automatic tags).
  Bytes req;
  tlv::append(req, 0x80, d.transaction_id);
  tlv::append(req, 0x81, tlv::der_integer(reason));
  const Bytes answer = es10(tlv::encode(0xBF41, req));
  const Bytes alternative = cancel_alternative(answer, card.view().config.minimize_esipa_bytes);
  Bytes body;
  tlv::append(body, 0x80, d.transaction_id);
  tlv::append(body, 0xA1, alternative);
  send_esipa("CancelSession", tlv::encode(0xBF41, body), [this, why](Reply r) {
    if (!r.ok) {
      eim_failed(r.error);
      return;
    }
    download_failed(why, kUndefinedError, {});
  });
}

}  // namespace euiccsim::applets::ipae
