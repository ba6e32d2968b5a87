// What the four relayed download functions share (initiate_authentication.cpp,
// authenticate_client.cpp, get_bound_profile_package.cpp, cancel_session.cpp): the eIM in the
// LPA role of SGP.22 ES9+ (SGP.32 v1.2 §3.2.3.2 "indirect profile download"), the compact
// forms an IPA with minimizeEsipaBytes sends (§5.14; SGP32Definitions "ES10b responses with
// SGP.32's compact alternatives") rebuilt into the full ones the SM-DP+ checks, and ES9+
// status codes mapped to ESipa's error values.
//
// What the eUICC signed reaches the SM-DP+ byte for byte: a full form is relayed as received;
// a compact one is rebuilt from what the eIM knows (the transaction id, serverSigned1's
// address and challenge, the card's EUICCInfo2 with the extCardResource the IPA sent, the
// ctxParams1, the certificates), and the rebuilt bytes are checked against the eUICC's
// signature before they go.
#include "eim/relay.hpp"

#include "euiccsim/crypto/certificate.hpp"

namespace euiccsim::eim::esipa {

namespace {

std::optional<crypto::PublicKey> key_of(const Bytes& cert) {
  try {
    return crypto::PublicKey::from_certificate(cert);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

Bytes join(std::initializer_list<ByteView> parts) {
  Bytes out;
  for (auto p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

}  // namespace

bool minimize_esipa_bytes(const Bytes& ipa_capabilities) {
  auto caps = tlv::read(ipa_capabilities);
  auto features = caps ? child(caps->value, 0x80) : std::nullopt;
  // ipaFeatures BIT STRING: byte 0 the unused bits, minimizeEsipaBytes is bit 5.
  return features && features->value.size() >= 2 && (features->value[1] & 0x04) != 0;
}

bool ctx_params1_by_eim(const Bytes& ipa_capabilities) {
  auto caps = tlv::read(ipa_capabilities);
  auto features = caps ? child(caps->value, 0x80) : std::nullopt;
  return features && features->value.size() >= 2 && (features->value[1] & 0x10) != 0;
}

Bytes full_authenticate_server_response(Eim& eim, const DownloadRecord& d, ByteView bf38,
                                        std::string& note) {
  auto top = tlv::read(bf38);
  auto alt = top ? tlv::read(top->value) : std::nullopt;
  if (!alt || alt->tag != 0xA2) return bytes_of(bf38);
  auto parts = children(alt->value);
  auto signed_data = parts.empty() ? std::nullopt : std::optional<tlv::Tlv>(parts[0]);
  auto sig = tlv::find(parts, 0x5F37);
  if (!signed_data || !sig) throw RebuildError("compactAuthenticateResponseOk without its parts");
  auto card = eim.store().card(d.eid);
  Bytes signed1;
  if (signed_data->tag == 0x30) {
    signed1 = bytes_of(signed_data->bytes());
  } else {
    // CompactEuiccSigned1 { 84 extCardResource, A2 { ctxParams1 } opt }
    auto ext = child(signed_data->value, 0x84);
    if (!ext) throw RebuildError("compactEuiccSigned1 without extCardResource");
    if (!card || card->euicc_info2.empty())
      throw RebuildError("the eIM holds no EUICCInfo2 of the card (queue --euicc-data BF22 first)");
    auto s1 = tlv::read(d.server_signed1);
    auto tx = s1 ? child(s1->value, 0x80) : std::nullopt;
    auto address = s1 ? child(s1->value, 0x83) : std::nullopt;
    auto challenge = s1 ? child(s1->value, 0x84) : std::nullopt;
    if (!tx || !address || !challenge)
      throw RebuildError("the relayed serverSigned1 is unreadable");
    // EUICCInfo2 as the card gave it, with the extCardResource of this moment.
    auto info2 = tlv::read(card->euicc_info2);
    Bytes info2_value;
    bool replaced = false;
    for (const auto& m : children(info2->value)) {
      if (m.tag == 0x84) {
        tlv::append(info2_value, 0x84, ext->value);
        replaced = true;
      } else {
        info2_value.insert(info2_value.end(), m.bytes().begin(), m.bytes().end());
      }
    }
    if (!replaced) throw RebuildError("the card's EUICCInfo2 has no extCardResource");
    Bytes ctx;
    if (auto c = child(signed_data->value, 0xA2)) {
      auto inner = tlv::read(c->value);  // explicit [2] around the CHOICE
      if (!inner) throw RebuildError("compactEuiccSigned1's ctxParams1 is unreadable");
      ctx = bytes_of(inner->bytes());
    } else if (!d.ctx_params1.empty()) {
      ctx = d.ctx_params1;
    } else {
      throw RebuildError("no ctxParams1 in the compact response, and the eIM gave none");
    }
    signed1 = tlv::encode(0x30, join({tx->bytes(), address->bytes(), challenge->bytes(),
                                      tlv::encode(0xBF22, info2_value), ctx}));
  }
  Bytes euicc_cert, eum_cert;
  if (auto c = tlv::find(parts, 0xA1))
    euicc_cert = retag(*c, 0x30);
  else if (card)
    euicc_cert = card->euicc_certificate;
  if (auto c = tlv::find(parts, 0xA2))
    eum_cert = retag(*c, 0x30);
  else if (card)
    eum_cert = card->eum_certificate;
  if (euicc_cert.empty() || eum_cert.empty())
    throw RebuildError("the eIM holds no certificates of the card (queue --euicc-data A5A6 first)");
  if (auto key = key_of(euicc_cert); key && !key->verify(signed1, sig->value))
    note = "rebuilt euiccSigned1 does not verify with the card's certificate";
  return tlv::encode(0xBF38,
                     tlv::encode(0xA0, join({signed1, sig->bytes(), euicc_cert, eum_cert})));
}

Bytes full_prepare_download_response(const DownloadRecord& d, ByteView bf21) {
  auto top = tlv::read(bf21);
  auto alt = top ? tlv::read(top->value) : std::nullopt;
  if (!alt || alt->tag != 0xA2) return bytes_of(bf21);
  // CompactPrepareDownloadResponseOk { 30 { 5F49 otpk opt, 04 hashCc opt }, 5F37 }
  auto signed2 = child(alt->value, 0x30);
  auto sig = child(alt->value, 0x5F37);
  if (!signed2 || !sig) throw RebuildError("compactDownloadResponseOk without its parts");
  Bytes body;
  tlv::append(body, 0x80, d.smdp_transaction_id);
  if (auto otpk = child(signed2->value, 0x5F49))
    body.insert(body.end(), otpk->bytes().begin(), otpk->bytes().end());
  if (auto cc = child(signed2->value, 0x04))
    body.insert(body.end(), cc->bytes().begin(), cc->bytes().end());
  return tlv::encode(0xBF21, tlv::encode(0xA0, join({tlv::encode(0x30, body), sig->bytes()})));
}

Bytes full_cancel_session_response(const DownloadRecord& d, ByteView a1_or_bf41) {
  auto top = tlv::read(a1_or_bf41);
  if (!top) throw RebuildError("unreadable cancelSessionResponse");
  auto alt = tlv::read(top->value);
  if (!alt || alt->tag != 0xA2) return tlv::encode(0xBF41, top->value);
  // CompactCancelSessionResponseOk { 30 { 80 reason opt }, 5F37 } -> EuiccCancelSessionSigned
  // { 80 transactionId, 81 smdpOid, 82 reason }: the OID is the DPauth certificate's.
  auto signed_part = child(alt->value, 0x30);
  auto sig = child(alt->value, 0x5F37);
  if (!signed_part || !sig) throw RebuildError("compactCancelSessionResponseOk without its parts");
  const std::string oid = crypto::subject_alt_name_registered_id(d.server_certificate);
  if (oid.empty()) throw RebuildError("the SM-DP+ certificate names no OID");
  Bytes oid_der;
  {
    // OBJECT IDENTIFIER content from the dotted form.
    std::vector<std::uint64_t> arcs;
    std::size_t start = 0;
    while (start <= oid.size()) {
      auto dot = oid.find('.', start);
      arcs.push_back(std::stoull(oid.substr(start, dot - start)));
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    if (arcs.size() < 2) throw RebuildError("bad SM-DP+ OID " + oid);
    auto put = [&](std::uint64_t v) {
      Bytes tmp;
      do {
        tmp.insert(tmp.begin(), static_cast<std::uint8_t>((v & 0x7F) | (tmp.empty() ? 0 : 0x80)));
        v >>= 7;
      } while (v);
      oid_der.insert(oid_der.end(), tmp.begin(), tmp.end());
    };
    put(arcs[0] * 40 + arcs[1]);
    for (std::size_t i = 2; i < arcs.size(); ++i) put(arcs[i]);
  }
  Bytes body;
  tlv::append(body, 0x80, d.smdp_transaction_id);
  tlv::append(body, 0x81, oid_der);
  auto reason = child(signed_part->value, 0x80);
  // The reason is OPTIONAL only in the compact form; the full one needs it. Absent, the card
  // signed no reason we could restore: endUserRejection(0) is the CHOICE's first value.
  tlv::append(body, 0x82, reason ? reason->value : ByteView(Bytes{0x00}));
  return tlv::encode(0xBF41, tlv::encode(0xA0, join({tlv::encode(0x30, body), sig->bytes()})));
}

long map_es9_error(const smdp::Es9Error& e, Es9Function f) {
  const std::string& s = e.subject_code;
  const std::string& r = e.reason_code;
  auto is = [&](const char* subject, const char* reason) { return s == subject && r == reason; };
  switch (f) {
    case Es9Function::kInitiateAuthentication:
      if (is("8.8.1", "3.8")) return 1;                        // invalidDpAddress
      if (is("8.8.3", "3.1")) return 2;                        // euiccVersionNotSupportedByDp
      if (is("8.8.2", "3.1") || is("8.8.4", "3.7")) return 3;  // ciPKIdNotSupported
      return 127;
    case Es9Function::kAuthenticateClient:
      if (is("8.1.2", "6.1")) return 1;
      if (is("8.1.2", "6.3")) return 2;
      if (is("8.1.3", "6.1")) return 3;
      if (is("8.1.3", "6.3")) return 4;
      if (is("8.1", "6.1")) return 5;
      if (is("8.2.6", "3.8")) return 6;
      if (is("8.1.1", "3.8")) return 7;
      if (is("8.2", "3.7")) return 8;
      if (is("8.11.1", "3.9")) return 9;
      if (is("8.10.1", "3.9")) return 10;
      if (is("8.8.5", "4.10")) return 18;
      return 127;
    case Es9Function::kGetBoundProfilePackage:
      if (is("8.1", "6.1")) return 1;
      if (is("8.2.7", "2.2")) return 2;
      if (is("8.2.7", "3.8")) return 3;
      if (is("8.2.7", "6.4")) return 4;
      if (is("8.8.5", "4.10")) return 6;
      if (is("8.10.1", "3.9")) return 95;
      return 127;
    case Es9Function::kCancelSession:
      if (is("8.10.1", "3.9")) return 1;
      if (is("8.1", "6.1")) return 2;
      return 127;
  }
  return 127;
}

}  // namespace euiccsim::eim::esipa
