// AUTHENTICATE (3GPP TS 31.102 §7.1.2 for the USIM, TS 31.103 §7.1.2 for the ISIM), even
// instruction 88, on the channel's current application.
//
//   P2 = 81, 3G / IMS AKA: data 10 RAND 10 AUTN. AK = f5(RAND), SQN = (SQN xor AK) xor AK,
//     XMAC = f1(SQN, AMF) must equal AUTN's MAC (else 9862); SQN must be fresh (sqn.hpp), else
//     the answer is DC 0E AUTS with AUTS = (SQN_MS xor f5*(RAND)) || f1*(SQN_MS, AMF 0000) and
//     nothing is stored; else SEQ is stored for its IND and the answer is
//     DB L RES L CK L IK, followed for the USIM by 08 Kc (c3) when EF.UST offers GSM access
//     (service 27).
//   P2 = 80, GSM (USIM only, EF.UST service 38): data 10 RAND; answer 04 SRES 08 Kc, from the
//     3G functions through c2 and c3, no SQN involved.
//
// Checks, in order: P1 = 00 (6A86); an application on the channel (6985) that is a USIM or ISIM
// (6D00); P2: a context of TS 31.102 / 31.103 (6A86), one this application offers (9864: VGCS,
// GBA, MBMS, HTTP Digest, local key establishment; GSM without service 38; an ISIM's GSM); the
// application PIN verified or disabled (6982); the data's length (6700) and layout (6A80); AKA
// parameters the card can run (9864); then the MAC and SQN as above. The SQN array is changed
// only on success, written before the answer leaves.
#include "euiccsim/crypto/tlv.hpp"
#include "sqn.hpp"

namespace euiccsim::applets::naa {

namespace {

bool service(const InstalledProfile& p, std::uint16_t adf, std::uint16_t table_fid, unsigned n) {
  const FileNode* t = node_at(p, Path{adf, table_fid});
  if (t == nullptr) return false;
  const Bytes& c = node_at(p, body_path(p, Path{adf, table_fid}))->content;
  const std::size_t byte = (n - 1) / 8;
  return byte < c.size() && (c[byte] >> ((n - 1) % 8)) & 1;
}

void lv(Bytes& out, ByteView v) {
  out.push_back(static_cast<std::uint8_t>(v.size()));
  out.insert(out.end(), v.begin(), v.end());
}

}  // namespace

apdu::Response authenticate(Call& call) {
  using apdu::Response;
  const auto& cmd = call.cmd;
  if (cmd.p1 != 0x00) return Response::status(apdu::sw::kIncorrectP1P2);
  const InstalledProfile* p = call.profile();
  const auto& ch = call.channel();
  if (p == nullptr || !ch.adf) return Response::status(apdu::sw::kConditionsNotSatisfied);
  const profiles::Naa* naa = nullptr;
  for (const auto& n : p->naas)
    if (n.adf_fid == *ch.adf) naa = &n;
  if (naa == nullptr ||
      (naa->kind != profiles::Naa::Kind::Usim && naa->kind != profiles::Naa::Kind::Isim))
    return Response::status(apdu::sw::kInsNotSupported);
  const bool usim = naa->kind == profiles::Naa::Kind::Usim;

  // P2: b8 = 1 (application-specific reference data), b3..b1 the context.
  constexpr std::uint16_t kUst = 0x6F38;
  bool gsm = false;
  switch (cmd.p2) {
    case 0x81:
      break;
    case 0x80:
      if (!usim || !service(*p, *ch.adf, kUst, 38))
        return Response::status(sw::kContextNotSupported);
      gsm = true;
      break;
    case 0x82:  // USIM: VGCS/VBS; ISIM: HTTP Digest
    case 0x84:  // GBA
    case 0x85:  // MBMS
    case 0x86:  // local key establishment
      return Response::status(sw::kContextNotSupported);
    default:
      return Response::status(apdu::sw::kIncorrectP1P2);
  }
  const FileNode& adf = *node_at(*p, Path{*ch.adf});
  if (auto key = application_pin(adf); key && !key_satisfied(call.session, *p, Path{*ch.adf}, *key))
    return Response::status(sw::kSecurityStatusNotSatisfied);

  const ByteView data(cmd.data);
  if (data.size() != (gsm ? 17u : 34u)) return Response::status(apdu::sw::kWrongLength);
  if (data[0] != 16 || (!gsm && data[17] != 16)) return Response::status(apdu::sw::kIncorrectData);
  const ByteView rand = data.subspan(1, 16);

  // AUTN and AUTS carry 64-bit MACs: a TUAK configuration with a longer one cannot run AKA.
  const auto params = profiles::aka_parameters(*p, *naa);
  if (!params || params->mac_length != 8) return Response::status(sw::kContextNotSupported);
  const auto out = crypto::aka::f2345(*params, rand);

  if (gsm) {
    Bytes r;
    lv(r, crypto::aka::c2(out.res));
    lv(r, crypto::aka::c3(out.ck, out.ik));
    return Response::ok(r);
  }

  const ByteView autn = data.subspan(18, 16);
  Bytes sqn(6);
  for (std::size_t i = 0; i < 6; ++i) sqn[i] = autn[i] ^ out.ak[i];
  const ByteView amf = autn.subspan(6, 2), mac = autn.subspan(8, 8);
  const Bytes xmac = crypto::aka::mac_a(*params, rand, sqn, amf);
  if (!std::equal(xmac.begin(), xmac.end(), mac.begin(), mac.end()))
    return Response::status(sw::kIncorrectMac);

  const profiles::Naa& source = *profiles::aka_source(*p, *naa);
  const std::uint64_t seq = sqn_value(sqn);
  if (!sqn_fresh(source, seq)) {
    const Bytes ms = sqn_bytes(sqn_ms(source));
    const Bytes ak_star = crypto::aka::ak_star(*params, rand);
    Bytes auts(6);
    for (std::size_t i = 0; i < 6; ++i) auts[i] = ms[i] ^ ak_star[i];
    const Bytes mac_s = crypto::aka::mac_s(*params, rand, ms, Bytes{0x00, 0x00});
    auts.insert(auts.end(), mac_s.begin(), mac_s.end());
    return Response::ok(tlv::encode(0xDC, auts));
  }
  sqn_accept(*profiles::aka_source(call.profile_to_change(), *naa), seq);

  Bytes r{0xDB};
  lv(r, out.res);
  lv(r, out.ck);
  lv(r, out.ik);
  if (usim && service(*p, *ch.adf, kUst, 27)) lv(r, crypto::aka::c3(out.ck, out.ik));
  return Response::ok(r);
}

}  // namespace euiccsim::applets::naa
