// A card and the test SM-DP+ (tools/smdp) run in process, once per process, to the points where
// the download fuzz targets start: a card whose ISD-R holds a fresh challenge (AuthenticateServer
// next) and one holding a prepared download session (the Bound Profile Package next). Each point
// is kept as a snapshot (the card state and the ISD-R's volatile session) that every input
// restores into a fresh runtime: no key is generated and no certificate checked twice.
//
// Everything is seeded (PKI, card, server; ECDSA nonces follow RFC 6979), so the requests and
// the package recorded here are the same in every process: the committed seeds
// (make_seeds.cpp) are valid against these snapshots, and fuzz/seeds-current checks that they
// still are.
#pragma once

#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "euiccsim/applets/isdr/isdr.hpp"
#include "euiccsim/crypto/tlv.hpp"
#include "euiccsim/crypto/ecka.hpp"
#include "euiccsim/crypto/kdf.hpp"
#include "euiccsim/crypto/test_pki.hpp"
#include "euiccsim/profiles/builder.hpp"
#include "euiccsim/profiles/package.hpp"
#include "euiccsim/simulator/card_simulator.hpp"
#include "euiccsim/simulator/euicc.hpp"
#include "euiccsim/simulator/identity.hpp"
#include "fuzz_support.hpp"
#include "smdp/binder.hpp"
#include "smdp/server.hpp"

namespace euiccsim::fuzz {

// A card held at one point of a download.
struct CardSnapshot {
  CardState state;
  applets::isdr::Session session;
};

inline applets::IsdR& isd_r(sim::Card& card) {
  auto* isdr = dynamic_cast<applets::IsdR*>(card.applet(card.state().config.isdr_aid));
  if (isdr == nullptr) std::abort();
  return *isdr;
}

inline CardSnapshot snapshot(sim::Card& card) {
  return CardSnapshot{card.state(), isd_r(card).snapshot()};
}

// A fresh runtime for `snap`: powered, T=1, the ISD-R selected on the basic channel and its
// session restored.
inline std::unique_ptr<sim::Card> restore(const CardSnapshot& snap, PersistCheck& persist) {
  auto card =
      sim::make_euicc(snap.state, crypto::Drbg::from_seed(3, "fuzz-card"), persist.callback());
  card->power_on();
  card->set_protocol(sim::Protocol::kT1);
  Bytes select{0x00, 0xA4, 0x04, 0x00,
               static_cast<std::uint8_t>(snap.state.config.isdr_aid.size())};
  select.insert(select.end(), snap.state.config.isdr_aid.begin(), snap.state.config.isdr_aid.end());
  transmit_checked(*card, persist, select);
  isd_r(*card).restore(snap.session);
  return card;
}

// One ES10 request as an LPA sends it: STORE DATA blocks of `block` bytes (1..255), then GET
// RESPONSE while the card answers 61xx. Every APDU goes through transmit_checked. Returns the
// last block's response data and status word.
struct Es10Answer {
  Bytes data;
  std::uint16_t sw = 0;
};
inline Es10Answer send_es10(sim::Card& card, PersistCheck& persist, ByteView request,
                            std::size_t block) {
  Es10Answer a;
  const std::size_t blocks = request.empty() ? 1 : (request.size() + block - 1) / block;
  for (std::size_t i = 0; i < blocks; ++i) {
    auto chunk = request.subspan(i * block, std::min(block, request.size() - i * block));
    Bytes apdu{0x80, 0xE2, static_cast<std::uint8_t>(i + 1 == blocks ? 0x91 : 0x11),
               static_cast<std::uint8_t>(i), static_cast<std::uint8_t>(chunk.size())};
    apdu.insert(apdu.end(), chunk.begin(), chunk.end());
    apdu.push_back(0x00);
    Bytes r = transmit_checked(card, persist, apdu);
    a.data.assign(r.begin(), r.end() - 2);
    a.sw = static_cast<std::uint16_t>((r[r.size() - 2] << 8) | r.back());
    while ((a.sw >> 8) == 0x61) {
      const Bytes get{0x00, 0xC0, 0x00, 0x00, static_cast<std::uint8_t>(a.sw & 0xFF)};
      Bytes more = transmit_checked(card, persist, get);
      a.data.insert(a.data.end(), more.begin(), more.end() - 2);
      a.sw = static_cast<std::uint16_t>((more[more.size() - 2] << 8) | more.back());
    }
    if (a.sw != 0x9000) return a;
  }
  return a;
}

// Records of [2-byte big-endian length][that many bytes]; a last record shorter than its length
// takes what is left.
inline std::vector<ByteView> records(ByteView in) {
  std::vector<ByteView> out;
  std::size_t pos = 0;
  while (pos + 2 <= in.size()) {
    const std::size_t n = (std::size_t{in[pos]} << 8) | in[pos + 1];
    pos += 2;
    const std::size_t take = std::min(n, in.size() - pos);
    out.push_back(in.subspan(pos, take));
    pos += take;
  }
  return out;
}
inline void append_record(Bytes& out, ByteView r) {
  out.push_back(static_cast<std::uint8_t>(r.size() >> 8));
  out.push_back(static_cast<std::uint8_t>(r.size()));
  out.insert(out.end(), r.begin(), r.end());
}

// (Optional members only because their types have no default value; all are set.)
struct DownloadWorld {
  std::optional<crypto::Issued> ci, ci_brainpool, ci_untrusted;
  std::optional<crypto::Issued> dp_auth, dp_pb;
  Bytes euicc_info1;

  // After GetEUICCInfo1 and GetEUICCChallenge: AuthenticateServer next.
  std::optional<CardSnapshot> challenged;
  Bytes authenticate_server;  // the LPA's request for `challenged` (the SM-DP+'s serverSigned1)
  // Further AuthenticateServer requests for `challenged`, by name: other servers' (one the card
  // accepts: a brainpool SM-DP+) and ones it must refuse (an untrusted CI, a wrong signature, a
  // DPpb certificate as DPauth, a DPauth certificate without its OID).
  std::vector<std::pair<std::string, Bytes>> authenticate_server_variants;
  Bytes prepare_download;  // the LPA's PrepareDownload after `authenticate_server`

  // After PrepareDownload: the Bound Profile Package next.
  std::optional<CardSnapshot> prepared;
  Bytes bound_profile_package;  // the SM-DP+'s, bound with the session keys

  // The package's parts in plaintext, and a binding of our own for `prepared`: a
  // BF23 InitialiseSecureChannel signed with the DPpb key over the card's one-time key, and the
  // session keys it leads to, so a target can bind any plaintext the card must then decrypt.
  Bytes configure_isdp, store_metadata, profile_package;
  Bytes initialise_secure_channel;
  smdp::BindingKeys keys;
};

inline Bytes test_package() {
  profiles::ProfileSpec spec;
  spec.iccid = Iccid::parse("89001990000000000012");
  spec.imsi = "001010000000012";
  spec.spn = "fuzz";
  auto k = from_hex("465B5CE8B199B49FAA5F0A2EE238A6BC");
  auto opc = from_hex("CD63CB71954A9F4E48A5994E37A02BAF");
  spec.k = SecureBytes(k.begin(), k.end());
  spec.opc = SecureBytes(opc.begin(), opc.end());
  return profiles::encode_package(profiles::build_profile(spec));
}

namespace detail {
inline std::optional<tlv::Tlv> child(ByteView constructed, std::uint32_t tag) {
  auto all = tlv::read_all(constructed);
  return all ? tlv::find(*all, tag) : std::nullopt;
}
inline Bytes cat(std::initializer_list<ByteView> parts) {
  Bytes out;
  for (auto p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}
inline Bytes ctx_params1(const std::string& matching_id) {
  // CtxParamsForCommonAuthentication: matchingId, DeviceInfo { TAC, capabilities }.
  Bytes caps;
  for (std::uint32_t tag : {0x80u, 0x81u, 0x85u}) tlv::append(caps, tag, Bytes{15, 0, 0});
  Bytes device_info;
  tlv::append(device_info, 0x80, Bytes{0x35, 0x29, 0x06, 0x11});
  tlv::append(device_info, 0xA1, caps);
  Bytes common;
  if (!matching_id.empty())
    tlv::append(
        common, 0x80,
        ByteView(reinterpret_cast<const std::uint8_t*>(matching_id.data()), matching_id.size()));
  tlv::append(common, 0xA1, device_info);
  return tlv::encode(0xA0, common);
}
inline Bytes authenticate_server(const smdp::InitiateAuthenticationResponse& ia,
                                 const std::string& matching_id) {
  return tlv::encode(0xBF38,
                     cat({ia.server_signed1, ia.server_signature1, ia.euicc_ci_pkid_to_be_used,
                          ia.server_certificate, ctx_params1(matching_id)}));
}
// `request` (BF38) with serverSignature1 made by `key` and serverCertificate replaced.
inline Bytes resigned(ByteView request, const crypto::Issued& signer) {
  auto body = tlv::read(request);
  auto parts = tlv::read_all(body->value);
  const auto& signed1 = (*parts)[0];
  return tlv::encode(0xBF38,
                     cat({signed1.bytes(), tlv::encode(0x5F37, signer.key.sign(signed1.bytes())),
                          (*parts)[2].bytes(), signer.certificate, (*parts)[4].bytes()}));
}
}  // namespace detail

inline const DownloadWorld& download_world() {
  static const DownloadWorld world = [] {
    DownloadWorld w;
    auto drbg = crypto::Drbg::from_seed(7, "fuzz-download");
    w.ci = crypto::make_ci({}, drbg);
    crypto::CiOptions bp;
    bp.curve = crypto::Curve::kBrainpoolP256r1;
    bp.common_name = "euicc-sim Test CI (brainpool)";
    w.ci_brainpool = crypto::make_ci(bp, drbg);
    crypto::CiOptions other;
    other.common_name = "a CI the card does not trust";
    w.ci_untrusted = crypto::make_ci(other, drbg);
    crypto::EumOptions eum_options;
    eum_options.eid_prefix = "89049032";
    const sim::Issuer issuer{*w.ci, crypto::make_eum(*w.ci, eum_options, drbg)};
    w.dp_auth = crypto::make_dp_auth(*w.ci, {}, drbg);
    w.dp_pb = crypto::make_dp_pb(*w.ci, {}, drbg);

    CardState state(*Eid::parse("89049032123451234512345678901235"));
    sim::issue_identity(state, issuer, drbg);
    state.identity.ci_certificates.push_back(w.ci_brainpool->certificate);

    smdp::Server server(
        smdp::ServerConfig{"smdp.example.com", *w.dp_auth, *w.dp_pb, {w.ci->certificate}}, drbg);
    smdp::ProfileOffer offer;
    offer.matching_id = "FUZZ";
    offer.package = test_package();
    offer.profile_name = "fuzz profile";
    server.add_profile(offer);

    CardSimulator::Options o;
    o.seed = 5;
    o.state = std::move(state);
    CardSimulator card(std::move(o));
    card.select(card.card().state().config.isdr_aid);
    w.euicc_info1 = card.es10(Bytes{0xBF, 0x20, 0x00});
    const Bytes challenge_rsp = card.es10(Bytes{0xBF, 0x2E, 0x00});
    const auto challenge = detail::child(tlv::read(challenge_rsp)->value, 0x80);
    w.challenged = snapshot(card.card());

    const smdp::InitiateAuthenticationRequest ia_req{
        Bytes(challenge->value.begin(), challenge->value.end()), w.euicc_info1, "smdp.example.com"};
    const auto ia = server.initiate_authentication(ia_req);
    w.authenticate_server = detail::authenticate_server(ia, "FUZZ");

    // Other servers' requests for the same challenge.
    {
      auto dp_auth_bp = crypto::make_dp_auth(*w.ci_brainpool, {}, drbg);
      auto dp_pb_bp = crypto::make_dp_pb(*w.ci_brainpool, {}, drbg);
      smdp::Server brainpool(smdp::ServerConfig{"smdp.example.com",
                                                dp_auth_bp,
                                                dp_pb_bp,
                                                {w.ci->certificate, w.ci_brainpool->certificate}},
                             drbg);
      w.authenticate_server_variants.emplace_back(
          "brainpool-dpauth",
          detail::authenticate_server(brainpool.initiate_authentication(ia_req), "FUZZ"));
      w.authenticate_server_variants.emplace_back("no-matching-id",
                                                  detail::authenticate_server(ia, ""));
      auto untrusted = crypto::make_dp_auth(*w.ci_untrusted, {}, drbg);
      w.authenticate_server_variants.emplace_back(
          "untrusted-ci", detail::resigned(w.authenticate_server, untrusted));
      w.authenticate_server_variants.emplace_back(
          "dppb-as-dpauth", detail::resigned(w.authenticate_server, *w.dp_pb));
      crypto::ServerOptions no_oid;
      no_oid.registered_id = "";
      w.authenticate_server_variants.emplace_back(
          "dpauth-without-oid",
          detail::resigned(w.authenticate_server, crypto::make_dp_auth(*w.ci, no_oid, drbg)));
      crypto::Issued wrong_key{w.dp_auth->certificate, w.dp_pb->key};
      w.authenticate_server_variants.emplace_back(
          "wrong-signature", detail::resigned(w.authenticate_server, wrong_key));
    }

    const Bytes auth_rsp = card.es10(w.authenticate_server);
    const auto ac = server.authenticate_client({ia.transaction_id, auth_rsp});
    w.prepare_download = tlv::encode(
        0xBF21, detail::cat({ac.smdp_signed2, ac.smdp_signature2, ac.smdp_certificate}));
    const Bytes prep_rsp = card.es10(w.prepare_download);
    w.prepared = snapshot(card.card());
    w.bound_profile_package =
        server.get_bound_profile_package({ia.transaction_id, prep_rsp}).bound_profile_package;

    // Our own BF23 for the prepared session (as the SM-DP+ makes it, PROTOCOL.md §4.5).
    const auto signed2 = detail::child(tlv::read(prep_rsp)->value, 0xA0);
    const auto euicc_signed2 = detail::child(signed2->value, 0x30);
    const auto euicc_otpk = detail::child(euicc_signed2->value, 0x5F49);
    const crypto::PrivateKey ot = crypto::PrivateKey::generate(crypto::Curve::kNistP256, drbg);
    const Bytes host_id{'f', 'u', 'z', 'z'};
    const Bytes remote_op{0x82, 0x01, 0x01};
    const Bytes tid = tlv::encode(0x80, ia.transaction_id);
    Bytes crt;
    tlv::append(crt, 0x80, Bytes{0x88});
    tlv::append(crt, 0x81, Bytes{0x10});
    tlv::append(crt, 0x84, host_id);
    crt = tlv::encode(0xA6, crt);
    const Bytes smdp_otpk = tlv::encode(0x5F49, ot.public_point());
    const Bytes sign = tlv::encode(
        0x5F37,
        w.dp_pb->key.sign(detail::cat({remote_op, tid, crt, smdp_otpk, euicc_otpk->bytes()})));
    w.initialise_secure_channel =
        tlv::encode(0xBF23, detail::cat({remote_op, tid, crt, smdp_otpk, sign}));
    const auto shs = crypto::ecka_shared_secret(
        ot, crypto::PublicKey::from_point(crypto::Curve::kNistP256, euicc_otpk->value));
    const auto k =
        crypto::derive_bsp_keys(shs, 0x88, 0x10, host_id, card.card().state().eid.bytes());
    w.keys = smdp::BindingKeys{k.s_enc, k.s_mac, k.initial_mcv, std::nullopt};
    w.configure_isdp = Bytes{0xBF, 0x24, 0x00};
    w.store_metadata = ac.profile_metadata;
    w.profile_package = offer.package;
    return w;
  }();
  return world;
}

}  // namespace euiccsim::fuzz
