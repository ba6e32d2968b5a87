// A whole SGP.22 download against the card, in process: the LPA role (tools/lpa) between the
// ISD-R (AuthenticateServer, PrepareDownload, LoadBoundProfilePackage) and the test SM-DP+
// (tools/smdp), whose binding is written apart from the card's receiver. Then the ways a
// download must fail, each with its exact result code, and what the card keeps afterwards;
// and a download continued from a snapshot of the ISD-R's session (IsdR::snapshot).
#include <catch.hpp>

#include <algorithm>

#include <AuthenticateServerResponse.h>
#include <CancelSessionResponse.h>
#include <PrepareDownloadResponse.h>
#include <ProfileInstallationResult.h>

#include "../support/es10_card.hpp"
#include "euiccsim/applets/isdr/isdr.hpp"
#include "euiccsim/crypto/certificate.hpp"
#include "euiccsim/crypto/tlv.hpp"
#include "euiccsim/profiles/asn1_fields.hpp"
#include "lpa/download.hpp"
#include "smdp/binder.hpp"
#include "smdp/server.hpp"

using namespace euiccsim;

namespace {

std::string hex(const Bytes& b) {
  return to_hex(b);
}

// A card and an SM-DP+ sharing one test PKI on `curve`.
struct World {
  crypto::Drbg drbg;
  sim::Issuer issuer;
  CardSimulator card;
  std::unique_ptr<smdp::Server> server;
  std::optional<crypto::Issued> dp_pb;

  explicit World(crypto::Curve curve = crypto::Curve::kNistP256, std::uint64_t seed = 11,
                 const std::function<void(CardState&)>& tweak = {})
      : drbg(crypto::Drbg::from_seed(seed, "download")),
        issuer(make_issuer(curve, drbg)),
        card(make_card(issuer, drbg, tweak)) {
    auto dp_auth = crypto::make_dp_auth(issuer.ci, {}, drbg);
    dp_pb.emplace(crypto::make_dp_pb(issuer.ci, {}, drbg));
    smdp::ServerConfig config{"smdp.example.com", dp_auth, *dp_pb, {issuer.ci.certificate}};
    server = std::make_unique<smdp::Server>(std::move(config), drbg);
  }

  static sim::Issuer make_issuer(crypto::Curve curve, crypto::Drbg& drbg) {
    crypto::CiOptions ci_options;
    ci_options.curve = curve;
    auto ci = crypto::make_ci(ci_options, drbg);
    crypto::EumOptions eum_options;
    eum_options.eid_prefix = "89049032";
    auto eum = crypto::make_eum(ci, eum_options, drbg);
    return sim::Issuer{ci, eum};
  }
  static CardSimulator make_card(const sim::Issuer& issuer, crypto::Drbg& drbg,
                                 const std::function<void(CardState&)>& tweak) {
    CardState state(*Eid::parse("89049032123451234512345678901235"));
    sim::issue_identity(state, issuer, drbg);
    if (tweak) tweak(state);
    return test::es10_card(std::move(state));
  }

  lpa::Es10 es10() {
    return [this](ByteView request) { return card.es10(request); };
  }
  const CardState& state() { return card.card().state(); }
};

Bytes package(const std::string& iccid_payload) {
  profiles::ProfileSpec spec;
  spec.iccid = Iccid::parse(test::iccid_of(iccid_payload));
  spec.imsi = "001010000000" + iccid_payload.substr(iccid_payload.size() - 3);
  spec.profile_type = "download test";
  auto k = from_hex("465B5CE8B199B49FAA5F0A2EE238A6BC");
  auto opc = from_hex("CD63CB71954A9F4E48A5994E37A02BAF");
  spec.k = SecureBytes(k.begin(), k.end());
  spec.opc = SecureBytes(opc.begin(), opc.end());
  return profiles::encode_package(profiles::build_profile(spec));
}

smdp::ProfileOffer offer(const std::string& matching_id, Bytes package,
                         std::optional<std::string> confirmation_code, bool ppk) {
  smdp::ProfileOffer o;
  o.matching_id = matching_id;
  o.package = std::move(package);
  o.confirmation_code = std::move(confirmation_code);
  o.ppk = ppk;
  return o;
}

lpa::DownloadRequest request(const std::string& matching_id) {
  lpa::DownloadRequest r;
  r.smdp_address = "smdp.example.com";
  r.matching_id = matching_id;
  return r;
}

std::optional<tlv::Tlv> child(ByteView v, std::uint32_t tag) {
  auto all = tlv::read_all(v);
  return all ? tlv::find(*all, tag) : std::nullopt;
}

// ES9+ in between, with a hook to change what the server says before the card sees it.
struct Tamper final : smdp::Es9Plus {
  smdp::Es9Plus& inner;
  std::function<void(smdp::InitiateAuthenticationResponse&)> on_initiate;
  std::function<void(smdp::AuthenticateClientResponse&)> on_authenticate;
  std::function<void(smdp::GetBoundProfilePackageResponse&)> on_package;
  // The card's answers as the LPA relayed them: what the SM-DP+ signs over next.
  Bytes authenticate_server_response;  // BF38
  Bytes prepare_download_response;     // BF21
  explicit Tamper(smdp::Es9Plus& s) : inner(s) {}
  smdp::InitiateAuthenticationResponse initiate_authentication(
      const smdp::InitiateAuthenticationRequest& r) override {
    auto x = inner.initiate_authentication(r);
    if (on_initiate) on_initiate(x);
    return x;
  }
  smdp::AuthenticateClientResponse authenticate_client(
      const smdp::AuthenticateClientRequest& r) override {
    authenticate_server_response = r.authenticate_server_response;
    auto x = inner.authenticate_client(r);
    if (on_authenticate) on_authenticate(x);
    return x;
  }
  smdp::GetBoundProfilePackageResponse get_bound_profile_package(
      const smdp::GetBoundProfilePackageRequest& r) override {
    prepare_download_response = r.prepare_download_response;
    auto x = inner.get_bound_profile_package(r);
    if (on_package) on_package(x);
    return x;
  }
  void handle_notification(const smdp::HandleNotificationRequest& r) override {
    inner.handle_notification(r);
  }
  void cancel_session(const smdp::CancelSessionRequest& r) override { inner.cancel_session(r); }
};

// The BPP with its pieces as an LPA cuts them, one of them changed by `edit`, put back together.
Bytes edit_piece(const Bytes& bpp, std::uint8_t tag, std::size_t nth,
                 const std::function<void(Bytes&)>& edit) {
  auto pieces = smdp::bpp_segments(bpp);
  std::size_t seen = 0;
  for (auto& p : pieces) {
    if (p[0] == tag && seen++ == nth) edit(p);
  }
  Bytes out;
  for (const auto& p : pieces) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// The whole TLVs of a constructed TLV's children.
std::vector<Bytes> fields_of(ByteView constructed) {
  std::vector<Bytes> out;
  auto top = tlv::read(constructed);
  REQUIRE(top);
  auto all = tlv::read_all(top->value);
  REQUIRE(all);
  for (const auto& t : *all) out.emplace_back(t.bytes().begin(), t.bytes().end());
  return out;
}

Bytes joined(const std::vector<Bytes>& parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// euiccSignature1's whole TLV (5F37 ...) in AuthenticateServerResponse BF38 { A0 { 30, 5F37 ..}}.
Bytes euicc_signature1_tlv(const Bytes& bf38) {
  auto ok = child(tlv::read(bf38)->value, 0xA0);
  REQUIRE(ok);
  auto sig = child(ok->value, 0x5F37);
  REQUIRE(sig);
  return Bytes(sig->bytes().begin(), sig->bytes().end());
}

// euiccOtpk's whole TLV (5F49 ...) in PrepareDownloadResponse BF21 { A0 { 30 { 80, 5F49 }}}.
Bytes euicc_otpk_tlv(const Bytes& bf21) {
  auto ok = child(tlv::read(bf21)->value, 0xA0);
  REQUIRE(ok);
  auto signed2 = child(ok->value, 0x30);
  REQUIRE(signed2);
  auto otpk = child(signed2->value, 0x5F49);
  REQUIRE(otpk);
  return Bytes(otpk->bytes().begin(), otpk->bytes().end());
}

// The first piece (BF36 header + BF23) with BF23's fields (82, 80, A6, 5F49; each a whole TLV)
// changed by `edit`, then smdpSign made again with the DPpb key over them and the card's
// euiccOtpk TLV (PROTOCOL.md §4.2), so that only the edited value can be refused. The edit
// keeps every length, so the BF36 header stays right.
void resign_bf23(Bytes& piece, const crypto::PrivateKey& dp_pb, const Bytes& euicc_otpk,
                 const std::function<void(std::vector<Bytes>&)>& edit) {
  auto head = tlv::read_header(piece);
  REQUIRE(head);
  REQUIRE(head->tag == 0xBF36);
  const Bytes bf23(piece.begin() + static_cast<std::ptrdiff_t>(head->header_size), piece.end());
  auto fields = fields_of(bf23);
  REQUIRE(fields.size() == 5);
  const Bytes smdp_sign = fields.back();
  fields.pop_back();
  // The input is the one the SM-DP+ signed: its own signature verifies over it.
  const Bytes signed_input = joined({joined(fields), euicc_otpk});
  REQUIRE(dp_pb.public_key().verify(signed_input, tlv::read(smdp_sign)->value));
  edit(fields);
  fields.push_back(tlv::encode(0x5F37, dp_pb.sign(joined({joined(fields), euicc_otpk}))));
  const Bytes again = tlv::encode(0xBF23, joined(fields));
  REQUIRE(again.size() == bf23.size());
  piece.resize(head->header_size);
  piece.insert(piece.end(), again.begin(), again.end());
}

std::size_t index_of_first(const std::vector<Bytes>& pieces, std::uint8_t tag) {
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    if (pieces[i][0] == tag) return i;
  }
  FAIL("no piece starts with " << int(tag));
  return 0;
}

// The ICCIDs (5A, as ES10c carries them) GetProfilesInfo lists.
std::vector<std::string> listed_iccids(World& w) {
  const Bytes rsp = w.card.es10(from_hex("BF2D00"));
  auto top = tlv::read(rsp);
  REQUIRE(top);
  REQUIRE(top->tag == 0xBF2D);
  auto list = child(top->value, 0xA0);
  REQUIRE(list);
  std::vector<std::string> out;
  auto infos = tlv::read_all(list->value);
  REQUIRE(infos);
  for (const auto& info : *infos) {
    auto iccid = child(info.value, 0x5A);
    if (iccid) out.push_back(hex(Bytes(iccid->value.begin(), iccid->value.end())));
  }
  return out;
}

// After a refused download: GetProfilesInfo lists no profile, no part of a package is taken
// (no session is left half open), and a good download (`good`, an offer of the server) then
// installs `payload`.
void check_untouched_then_good(World& w, const std::string& good, const std::string& payload) {
  CHECK(listed_iccids(w).empty());
  CHECK(w.card.transmit("80E2910003A30100").sw == 0x6A88);
  auto r = lpa::download(w.es10(), *w.server, request(good));
  CHECK(r.installed);
  CHECK(listed_iccids(w) == std::vector<std::string>{hex(test::iccid_bytes(payload))});
}

void check_profile_installed(World& w, const std::string& payload) {
  const auto* slot = const_cast<CardState&>(w.state()).find_by_iccid(test::iccid_bytes(payload));
  REQUIRE(slot != nullptr);
  CHECK_FALSE(slot->enabled);
}

}  // namespace

TEST_CASE("A profile downloads, installs and reports itself (NIST P-256)") {
  World w;
  w.server->add_profile(offer("MATCH-1", package("8999900000000000701"), std::nullopt, false));
  std::vector<std::string> steps;
  lpa::Progress progress;
  progress.step = [&](lpa::Step s) { steps.push_back(lpa::step_name(s)); };
  auto r = lpa::download(w.es10(), *w.server, request("MATCH-1"), progress);
  CHECK(steps.size() == 8);
  REQUIRE(r.installed);
  CHECK(r.segments >= 6);
  check_profile_installed(w, "8999900000000000701");

  // The result: DER that round-trips through our module, signed by the eUICC over BF27.
  auto pir = test::decode_exact<ProfileInstallationResult_t>(asn_DEF_ProfileInstallationResult,
                                                             r.profile_installation_result);
  CHECK(pir->profileInstallationResultData.finalResult.present ==
        ProfileInstallationResultData__finalResult_PR_successResult);
  auto body = tlv::read(r.profile_installation_result);
  auto data = child(body->value, 0xBF27);
  auto sig = child(body->value, 0x5F37);
  REQUIRE(data);
  REQUIRE(sig);
  auto euicc_key = crypto::PublicKey::from_certificate(w.state().identity.euicc_certificate);
  CHECK(euicc_key.verify(data->bytes(), sig->value));
  CHECK(hex(r.isdp_aid) == hex(w.state().profiles.front().isdp_aid));
  // StoreMetadata reached the ProfileInfo.
  CHECK(w.state().profiles.front().metadata.profile_name.size() > 0);

  // The install notification is pending, then delivered and removed.
  REQUIRE(w.state().notifications.size() == 1);
  CHECK(w.state().notifications.front().der == r.profile_installation_result);
  CHECK(lpa::process_notifications(w.es10(), *w.server) == 1);
  CHECK(w.server->notifications().size() == 1);
  CHECK(w.state().notifications.empty());

  // The new profile enables like any other.
  Bytes enable_body =
      tlv::encode(0xA0, tlv::encode(0x5A, test::iccid_bytes("8999900000000000701")));
  tlv::append(enable_body, 0x81, Bytes{0x00});
  CHECK(hex(w.card.es10(tlv::encode(0xBF31, enable_body))) == "BF3103800100");
  CHECK(w.state().profiles.front().enabled);
}

TEST_CASE("A profile downloads on brainpoolP256r1, and with a profile protection key") {
  SECTION("brainpool") {
    World w(crypto::Curve::kBrainpoolP256r1);
    w.server->add_profile(offer("BRP", package("8999900000000000702"), std::nullopt, false));
    auto r = lpa::download(w.es10(), *w.server, request("BRP"));
    REQUIRE(r.installed);
    check_profile_installed(w, "8999900000000000702");
  }
  SECTION("PPK (ReplaceSessionKeys in A2)") {
    World w;
    w.server->add_profile(offer("PPK", package("8999900000000000703"), std::nullopt, true));
    auto r = lpa::download(w.es10(), *w.server, request("PPK"));
    REQUIRE(r.installed);
    check_profile_installed(w, "8999900000000000703");
  }
  SECTION("with a confirmation code") {
    World w;
    w.server->add_profile(offer("CC", package("8999900000000000704"), std::string("1234"), false));
    auto without = request("CC");
    CHECK_THROWS_AS(lpa::download(w.es10(), *w.server, without), lpa::DownloadError);
    CHECK(w.state().profiles.empty());
    auto with = request("CC");
    with.confirmation_code = "1234";
    CHECK(lpa::download(w.es10(), *w.server, with).installed);
  }
}

TEST_CASE("AuthenticateServer refuses a server it cannot trust, with the exact code") {
  World w;
  w.server->add_profile(offer("M", package("8999900000000000710"), std::nullopt, false));
  Tamper t(*w.server);
  std::string expected;
  SECTION("tampered serverSignature1") {
    t.on_initiate = [](auto& x) { x.server_signature1.back() ^= 0x01; };
    expected = "authenticateErrorCode 2";
  }
  SECTION("unknown CI") {
    t.on_initiate = [](auto& x) { x.euicc_ci_pkid_to_be_used.back() ^= 0x01; };
    expected = "authenticateErrorCode 7";
  }
  SECTION("a DPpb certificate presented as DPauth") {
    t.on_initiate = [&](auto& x) { x.server_certificate = w.dp_pb->certificate; };
    expected = "authenticateErrorCode 5";
  }
  try {
    lpa::download(w.es10(), t, request("M"));
    FAIL("the download went through");
  } catch (const lpa::DownloadError& e) {
    CHECK(e.step == "AuthenticateServer");
    CHECK_THAT(e.what(), Catch::Contains(expected));
  }
  CHECK(w.state().profiles.empty());
  CHECK(w.state().notifications.empty());
}

TEST_CASE("AuthenticateServer wants the card's latest challenge") {
  World w;
  w.server->add_profile(offer("M", package("8999900000000000711"), std::nullopt, false));
  // The LPA's challenge is replaced by a fresher one before the card sees the server's answer.
  Tamper t(*w.server);
  t.on_initiate = [&](auto&) { w.card.es10(from_hex("BF2E00")); };
  try {
    lpa::download(w.es10(), t, request("M"));
    FAIL("the download went through");
  } catch (const lpa::DownloadError& e) {
    CHECK_THAT(e.what(), Catch::Contains("authenticateErrorCode 6"));
  }
}

TEST_CASE("PrepareDownload refuses a tampered smdpSignature2 or a DPauth certificate") {
  World w;
  w.server->add_profile(offer("M", package("8999900000000000712"), std::nullopt, false));
  Tamper t(*w.server);
  std::string expected;
  SECTION("tampered smdpSignature2") {
    t.on_authenticate = [](auto& x) { x.smdp_signature2.back() ^= 0x80; };
    expected = "downloadErrorCode 2";
  }
  SECTION("a DPpb certificate whose CI signature is broken") {
    t.on_authenticate = [](auto& x) { x.smdp_certificate.back() ^= 0x01; };
    expected = "downloadErrorCode 1";
  }
  try {
    lpa::download(w.es10(), t, request("M"));
    FAIL("the download went through");
  } catch (const lpa::DownloadError& e) {
    CHECK(e.step == "PrepareDownload");
    CHECK_THAT(e.what(), Catch::Contains(expected));
  }
  CHECK(w.state().profiles.empty());
}

TEST_CASE("PrepareDownload: smdpSigned2 of another transaction -> invalidTransactionId (5)") {
  World w;
  w.server->add_profile(offer("M", package("8999900000000000713"), std::nullopt, false));
  Tamper t(*w.server);
  t.on_authenticate = [&](smdp::AuthenticateClientResponse& x) {
    // smdpSigned2 { 80 transactionId, 01 ccRequiredFlag }: another id of the same length,
    // signed by the DPpb key over smdpSigned2 || euiccSignature1 as the SM-DP+ signs it, so
    // that the certificate and the signature pass and only the transactionId is wrong.
    const Bytes signature1 = euicc_signature1_tlv(t.authenticate_server_response);
    REQUIRE(w.dp_pb->key.public_key().verify(joined({x.smdp_signed2, signature1}),
                                             tlv::read(x.smdp_signature2)->value));
    auto fields = fields_of(x.smdp_signed2);
    REQUIRE(fields.size() == 2);
    REQUIRE(fields[0][0] == 0x80);
    fields[0].back() ^= 0x01;
    x.smdp_signed2 = tlv::encode(0x30, joined(fields));
    x.smdp_signature2 =
        tlv::encode(0x5F37, w.dp_pb->key.sign(joined({x.smdp_signed2, signature1})));
  };
  try {
    lpa::download(w.es10(), t, request("M"));
    FAIL("the download went through");
  } catch (const lpa::DownloadError& e) {
    CHECK(e.step == "PrepareDownload");
    CHECK_THAT(e.what(), Catch::Contains("downloadErrorCode 5"));
  }
  // The card's answer, as the LPA relayed it: BF21 { A1 { 80 transactionId, 02 5 } }.
  auto rsp = test::decode_exact<PrepareDownloadResponse_t>(asn_DEF_PrepareDownloadResponse,
                                                           t.prepare_download_response);
  REQUIRE(rsp->present == PrepareDownloadResponse_PR_downloadResponseError);
  CHECK(rsp->choice.downloadResponseError.downloadErrorCode == 5);
  CHECK(w.state().profiles.empty());
  CHECK(w.state().notifications.empty());
  check_untouched_then_good(w, "M", "8999900000000000713");
}

TEST_CASE("A retry naming the last otPK in bppEuiccOtpk gets that key pair again (§3.1.3.2)") {
  World w;
  w.server->add_profile(offer("R", package("8999900000000000714"), std::nullopt, false));
  // First attempt: the package never arrives (the network fails after PrepareDownload).
  Tamper first(*w.server);
  first.on_package = [](auto&) -> void { throw std::runtime_error("connection reset"); };
  CHECK_THROWS(lpa::download(w.es10(), first, request("R")));
  const Bytes first_otpk = euicc_otpk_tlv(first.prepare_download_response);
  REQUIRE(first_otpk.size() == 3 + 65);

  // The retry: a new session in which the SM-DP+ names `named` (the value of a 5F49 TLV) in
  // smdpSigned2's bppEuiccOtpk.
  auto retry = [&](const Bytes& named_tlv, const std::string& payload) {
    auto o = offer("R", package(payload), std::nullopt, false);
    o.bpp_euicc_otpk = Bytes(named_tlv.begin() + 3, named_tlv.end());
    w.server->add_profile(std::move(o));
    Tamper t(*w.server);
    auto r = lpa::download(w.es10(), t, request("R"));
    CHECK(r.installed);
    return euicc_otpk_tlv(t.prepare_download_response);
  };

  SECTION("the key of the failed attempt: reused, and the download installs with it") {
    CHECK(hex(retry(first_otpk, "8999900000000000714")) == hex(first_otpk));
    check_profile_installed(w, "8999900000000000714");
    // Once the profile installed the pair is gone: the same name gets a new key.
    CHECK(hex(retry(first_otpk, "8999900000000000715")) != hex(first_otpk));
  }
  SECTION("a key the card never made: a new pair") {
    Bytes other = first_otpk;
    other.back() ^= 0x01;
    const Bytes got = retry(other, "8999900000000000714");
    CHECK(hex(got) != hex(first_otpk));
    CHECK(hex(got) != hex(other));
  }
  SECTION("after a reset the card no longer holds the pair: a new one") {
    w.card.reset();
    w.card.select(aid::isd_r());
    CHECK(hex(retry(first_otpk, "8999900000000000714")) != hex(first_otpk));
  }
}

TEST_CASE("InitialiseSecureChannel (BF23) re-signed by DPpb: each wrong value has its reason") {
  World w;
  w.server->add_profile(offer("M", package("8999900000000000721"), std::nullopt, false));
  Tamper t(*w.server);
  std::function<void(std::vector<Bytes>&)> edit;  // BF23's fields: 82, 80, A6, 5F49
  int reason = -1;
  SECTION("transactionId other than the session's -> invalidTransactionId (3)") {
    edit = [](std::vector<Bytes>& f) {
      REQUIRE(f[1][0] == 0x80);
      f[1].back() ^= 0x01;
    };
    reason = 3;
  }
  SECTION("CRT keyType 89 instead of 88 (AES) -> unsupportedCrtValues (4)") {
    edit = [](std::vector<Bytes>& f) {
      // A6 { 80 01 88, 81 01 10, 84 hostId }
      REQUIRE(Bytes(f[2].begin() + 2, f[2].begin() + 5) == Bytes{0x80, 0x01, 0x88});
      f[2][4] = 0x89;
    };
    reason = 4;
  }
  SECTION("CRT keyLen 20 instead of 10 (16 bytes) -> unsupportedCrtValues (4)") {
    edit = [](std::vector<Bytes>& f) {
      REQUIRE(Bytes(f[2].begin() + 5, f[2].begin() + 8) == Bytes{0x81, 0x01, 0x10});
      f[2][7] = 0x20;
    };
    reason = 4;
  }
  SECTION("remoteOpId 2 -> unsupportedRemoteOperationType (5)") {
    edit = [](std::vector<Bytes>& f) {
      REQUIRE(f[0] == Bytes{0x82, 0x01, 0x01});
      f[0][2] = 0x02;
    };
    reason = 5;
  }
  t.on_package = [&](smdp::GetBoundProfilePackageResponse& x) {
    const Bytes otpk = euicc_otpk_tlv(t.prepare_download_response);
    x.bound_profile_package = edit_piece(x.bound_profile_package, 0xBF, 0, [&](Bytes& p) {
      resign_bf23(p, w.dp_pb->key, otpk, edit);
    });
  };
  auto r = lpa::download(w.es10(), t, request("M"));
  CHECK_FALSE(r.installed);
  CHECK(r.segments == 1);
  CHECK(r.bpp_command_id == 0);  // initialiseSecureChannel
  CHECK(r.error_reason == reason);
  test::decode_exact<ProfileInstallationResult_t>(asn_DEF_ProfileInstallationResult,
                                                  r.profile_installation_result);
  REQUIRE(w.state().notifications.size() == 1);
  check_untouched_then_good(w, "M", "8999900000000000721");
}

TEST_CASE("StoreMetadata's ICCID is not the ProfileHeader's: installFailedDueToDataMismatch") {
  World w;
  smdp::ProfileOffer bad = offer("M", package("8999900000000000722"), std::nullopt, false);
  bad.metadata_iccid = test::iccid_of("8999900000000000723");
  w.server->add_profile(std::move(bad));
  w.server->add_profile(offer("GOOD", package("8999900000000000722"), std::nullopt, false));
  Tamper t(*w.server);
  std::size_t first_86 = 0;
  t.on_package = [&](smdp::GetBoundProfilePackageResponse& x) {
    first_86 = index_of_first(smdp::bpp_segments(x.bound_profile_package), 0x86);
  };
  auto r = lpa::download(w.es10(), t, request("M"));
  CHECK_FALSE(r.installed);
  // Found in the ProfileHeader, the first PE: loadProfileElements (5), on the first 86.
  CHECK(r.bpp_command_id == 5);
  CHECK(r.error_reason == 13);
  CHECK(r.segments == first_86 + 1);
  auto pir = test::decode_exact<ProfileInstallationResult_t>(asn_DEF_ProfileInstallationResult,
                                                             r.profile_installation_result);
  // The result names the ICCID StoreMetadata announced.
  const auto* iccid = pir->profileInstallationResultData.notificationMetadata.iccid;
  REQUIRE(iccid != nullptr);
  CHECK(hex(asn1::bytes_of(*iccid)) == hex(test::iccid_bytes("8999900000000000723")));
  REQUIRE(w.state().notifications.size() == 1);
  check_untouched_then_good(w, "GOOD", "8999900000000000722");
}

TEST_CASE("A part of the package out of its place: scp03tStructureError (7)") {
  World w;
  w.server->add_profile(offer("M", package("8999900000000000724"), std::nullopt, false));
  Tamper t(*w.server);
  std::function<void(std::vector<Bytes>&)> reorder;
  std::size_t refused_at = 0;  // index of the piece the card answers
  int command = -1;
  SECTION("A1 (StoreMetadata) before A0 (ConfigureISDP) -> configureISDP (1)") {
    reorder = [&](std::vector<Bytes>& p) {
      REQUIRE(index_of_first(p, 0xA0) == 1);
      // BF36+BF23, A1, 88.., A0, A3, 86..
      std::rotate(p.begin() + 1, p.begin() + 2,
                  p.begin() + static_cast<std::ptrdiff_t>(index_of_first(p, 0xA3)));
      refused_at = 1;
    };
    command = 1;
  }
  SECTION("an 86 without the A3 header before it -> loadProfileElements (5)") {
    reorder = [&](std::vector<Bytes>& p) {
      const std::size_t a3 = index_of_first(p, 0xA3);
      p.erase(p.begin() + static_cast<std::ptrdiff_t>(a3));
      refused_at = a3;
    };
    command = 5;
  }
  // The SM-DP+'s package is sound (the LPA cuts it); a faulty LPA sends the pieces in another
  // order: from the BF36 piece on, each piece the LPA sends is replaced by the next of `ours`.
  std::vector<Bytes> ours;
  t.on_package = [&](smdp::GetBoundProfilePackageResponse& x) {
    ours = smdp::bpp_segments(x.bound_profile_package);
    reorder(ours);
  };
  auto es10 = w.es10();
  std::optional<std::size_t> next;
  lpa::Es10 faulty_lpa = [&](ByteView req) {
    if (!next && req.size() > 1 && req[0] == 0xBF && req[1] == 0x36) next = 0;
    if (!next) return es10(req);
    REQUIRE(*next < ours.size());
    return es10(ours[(*next)++]);
  };
  auto r = lpa::download(faulty_lpa, t, request("M"));
  CHECK_FALSE(r.installed);
  CHECK(r.segments == refused_at + 1);
  CHECK(r.bpp_command_id == command);
  CHECK(r.error_reason == 7);
  REQUIRE(w.state().notifications.size() == 1);
  check_untouched_then_good(w, "M", "8999900000000000724");
}

TEST_CASE("LoadBoundProfilePackage answers each broken piece with its command and reason") {
  World w;
  w.server->add_profile(offer("M", package("8999900000000000720"), std::nullopt, false));
  Tamper t(*w.server);
  int command = -1, reason = -1;
  SECTION("tampered smdpSign in BF23") {
    t.on_package = [](auto& x) {
      x.bound_profile_package =
          edit_piece(x.bound_profile_package, 0xBF, 0, [](Bytes& p) { p.back() ^= 0x01; });
    };
    command = 0, reason = 2;
  }
  SECTION("a flipped byte in the 87 of A0") {
    t.on_package = [](auto& x) {
      x.bound_profile_package =
          edit_piece(x.bound_profile_package, 0xA0, 0, [](Bytes& p) { p[p.size() - 10] ^= 0x01; });
    };
    command = 1, reason = 8;
  }
  SECTION("a flipped byte in an 88") {
    t.on_package = [](auto& x) {
      x.bound_profile_package =
          edit_piece(x.bound_profile_package, 0x88, 0, [](Bytes& p) { p[5] ^= 0x01; });
    };
    command = 2, reason = 8;
  }
  SECTION("a flipped byte in an 86") {
    t.on_package = [](auto& x) {
      x.bound_profile_package =
          edit_piece(x.bound_profile_package, 0x86, 0, [](Bytes& p) { p[p.size() / 2] ^= 0x01; });
    };
    command = 5, reason = 8;
  }
  auto r = lpa::download(w.es10(), t, request("M"));
  CHECK_FALSE(r.installed);
  CHECK(r.bpp_command_id == command);
  CHECK(r.error_reason == reason);
  test::decode_exact<ProfileInstallationResult_t>(asn_DEF_ProfileInstallationResult,
                                                  r.profile_installation_result);
  // No ISD-P, the failed result kept for the server, and no session left.
  CHECK(w.state().profiles.empty());
  REQUIRE(w.state().notifications.size() == 1);
  CHECK(w.state().notifications.front().der == r.profile_installation_result);
  // A part of a package with no package under way is no ES10 function.
  CHECK(w.card.transmit("80E2910003A30100").sw == 0x6A88);
}

TEST_CASE("Pieces out of order, twice the same ICCID, a cancelled session, a reset") {
  World w;
  w.server->add_profile(offer("A", package("8999900000000000730"), std::nullopt, false));
  SECTION("86 segments swapped: the MAC chain breaks") {
    Tamper t(*w.server);
    t.on_package = [](auto& x) {
      auto pieces = smdp::bpp_segments(x.bound_profile_package);
      std::vector<std::size_t> idx;
      for (std::size_t i = 0; i < pieces.size(); ++i) {
        if (pieces[i][0] == 0x86) idx.push_back(i);
      }
      REQUIRE(idx.size() >= 2);
      std::swap(pieces[idx[0]], pieces[idx[1]]);
      x.bound_profile_package.clear();
      for (const auto& p : pieces) {
        x.bound_profile_package.insert(x.bound_profile_package.end(), p.begin(), p.end());
      }
    };
    auto r = lpa::download(w.es10(), t, request("A"));
    CHECK(r.bpp_command_id == 5);
    CHECK(r.error_reason == 8);
    CHECK(w.state().profiles.empty());
  }
  SECTION("the ICCID is already on the card") {
    REQUIRE(lpa::download(w.es10(), *w.server, request("A")).installed);
    auto r = lpa::download(w.es10(), *w.server, request("A"));
    CHECK_FALSE(r.installed);
    CHECK(r.bpp_command_id == 2);
    CHECK(r.error_reason == 9);
    CHECK(w.state().profiles.size() == 1);
  }
  SECTION("CancelSession after PrepareDownload: signed, and the package is refused") {
    Tamper t(*w.server);
    Bytes transaction_id;
    t.on_package = [&](auto& x) {
      transaction_id = x.transaction_id;
      Bytes req;
      tlv::append(req, 0x80, transaction_id);
      tlv::append(req, 0x81, Bytes{0x01});  // postponed
      const Bytes rsp = w.card.es10(tlv::encode(0xBF41, req));
      auto ok = test::decode_exact<CancelSessionResponse_t>(asn_DEF_CancelSessionResponse, rsp);
      REQUIRE(ok->present == CancelSessionResponse_PR_cancelSessionResponseOk);
      const auto& signed_part = ok->choice.cancelSessionResponseOk.euiccCancelSessionSigned;
      CHECK(asn1::oid_of(signed_part.smdpOid) == "2.999.10");
      const Bytes tbs = asn1::encode(asn_DEF_EuiccCancelSessionSigned, &signed_part);
      auto key = crypto::PublicKey::from_certificate(w.state().identity.euicc_certificate);
      CHECK(key.verify(
          tbs, asn1::bytes_of(ok->choice.cancelSessionResponseOk.euiccCancelSessionSignature)));
      // The session is gone: a second cancel names no session.
      CHECK(hex(w.card.es10(tlv::encode(0xBF41, req))) == "BF4103810105");
    };
    try {
      lpa::download(w.es10(), t, request("A"));
      FAIL("the package was accepted after CancelSession");
    } catch (const lpa::DownloadError& e) {
      CHECK(e.step == "LoadBoundProfilePackage");
    }
    CHECK(w.state().profiles.empty());
    CHECK(w.state().notifications.empty());
  }
  SECTION("a reset in the middle of the package leaves no trace") {
    Tamper t(*w.server);
    Bytes bpp;
    t.on_package = [&](auto& x) { bpp = x.bound_profile_package; };
    // Stop the LPA after it fetched the package: feed half of it by hand.
    auto es10 = w.es10();
    lpa::Es10 stop_at_package = [&](ByteView req) {
      if (!req.empty() && req[0] == 0xBF && req.size() > 1 && req[1] == 0x36) {
        auto pieces = smdp::bpp_segments(bpp);
        for (std::size_t i = 0; i < pieces.size() / 2; ++i) CHECK(w.card.es10(pieces[i]).empty());
        w.card.reset();
        w.card.select(aid::isd_r());
        throw std::runtime_error("power lost");
      }
      return es10(req);
    };
    CHECK_THROWS_AS(lpa::download(stop_at_package, t, request("A")), lpa::DownloadError);
    CHECK(w.state().profiles.empty());
    CHECK(w.state().notifications.empty());
    // The card works on: the same profile downloads in a new session.
    CHECK(lpa::download(w.es10(), *w.server, request("A")).installed);
  }
}

TEST_CASE("A download the card has no memory for fails with insufficientMemory(10)") {
  const Bytes pkg = package("8999900000000000720");
  SECTION("the notification store is full: refused at StoreMetadata, every notification kept") {
    World w(crypto::Curve::kNistP256, 11, [](CardState& s) {
      for (std::size_t i = 0; i < kMaxNotifications; ++i) {
        euiccsim::PendingNotification n;
        n.seq_number = ++s.last_seq_number;
        n.event = euiccsim::NotificationEvent::kDelete;
        n.address = "ops.example.org";
        n.der = from_hex("3000");
        s.notifications.push_back(n);
      }
    });
    const auto before = w.state().notifications;
    w.server->add_profile(offer("FULL", pkg, std::nullopt, false));
    auto r = lpa::download(w.es10(), *w.server, request("FULL"));
    CHECK_FALSE(r.installed);
    CHECK(r.bpp_command_id == 2);  // storeMetadata
    CHECK(r.error_reason == 10);   // installFailedDueToInsufficientMemoryForProfile
    CHECK(w.state().profiles.empty());
    // Answered, but not kept: there was no room, and nothing was dropped to make some.
    CHECK(w.state().notifications == before);
    CHECK(w.state().last_seq_number == kMaxNotifications + 1);
  }
  SECTION("the profile fits but its installation result does not: the profile goes again") {
    const std::uint64_t size = profiles::install_package(pkg).occupied_memory();
    World w(crypto::Curve::kNistP256, 11,
            [&](CardState& s) { s.config.memory_capacity = size + 16; });
    w.server->add_profile(offer("TIGHT", pkg, std::nullopt, false));
    auto r = lpa::download(w.es10(), *w.server, request("TIGHT"));
    CHECK_FALSE(r.installed);
    CHECK(r.bpp_command_id == 5);  // loadProfileElements
    CHECK(r.error_reason == 10);
    CHECK(w.state().profiles.empty());
    // The failure's result is kept instead: without the profile there is room for it.
    REQUIRE(w.state().notifications.size() == 1);
    const auto& n = w.state().notifications[0];
    CHECK(n.der == r.profile_installation_result);
    CHECK(w.state().free_memory() == size + 16 - n.der.size() - n.address.size() - n.iccid.size());
  }
  SECTION("with room for both, the same download installs") {
    const std::uint64_t size = profiles::install_package(pkg).occupied_memory();
    World w(crypto::Curve::kNistP256, 11,
            [&](CardState& s) { s.config.memory_capacity = size + 4096; });
    w.server->add_profile(offer("ROOM", pkg, std::nullopt, false));
    auto r = lpa::download(w.es10(), *w.server, request("ROOM"));
    REQUIRE(r.installed);
    REQUIRE(w.state().notifications.size() == 1);
    CHECK(w.state().free_memory() == 4096 - w.state().notifications[0].der.size() -
                                         w.state().notifications[0].address.size() -
                                         w.state().notifications[0].iccid.size());
  }
}

TEST_CASE("A snapshot of the ISD-R's session continues a download in a fresh card") {
  World w;
  w.server->add_profile(offer("SNAP", package("8999900000000000751"), std::nullopt, false));
  Tamper t(*w.server);
  // Taken as the SM-DP+ binds the package: the card has just answered PrepareDownload.
  std::optional<CardState> state;
  std::optional<applets::isdr::Session> session;
  Bytes bpp;
  auto* isdr = dynamic_cast<applets::IsdR*>(w.card.card().applet(aid::isd_r()));
  REQUIRE(isdr != nullptr);
  t.on_package = [&](smdp::GetBoundProfilePackageResponse& r) {
    state = w.state();
    session = isdr->snapshot();
    bpp = r.bound_profile_package;
  };
  REQUIRE(lpa::download(w.es10(), t, request("SNAP")).installed);
  REQUIRE(session);
  CHECK(state->profiles.empty());

  // The session outlives the card it came from and serves twice: each copy installs the
  // package the original card already took, and neither changes the snapshot.
  const auto pieces = smdp::bpp_segments(bpp);
  for (int round = 0; round < 2; ++round) {
    INFO("restore " << round);
    CardSimulator::Options o;
    o.state = *state;
    o.seed = 9;
    CardSimulator copy(std::move(o));
    copy.select(aid::isd_r());
    auto* copy_isdr = dynamic_cast<applets::IsdR*>(copy.card().applet(aid::isd_r()));
    REQUIRE(copy_isdr != nullptr);
    copy_isdr->restore(*session);
    Bytes result;
    for (const auto& piece : pieces) result = copy.es10(piece);
    auto pir =
        test::decode_exact<ProfileInstallationResult_t>(asn_DEF_ProfileInstallationResult, result);
    CHECK(pir->profileInstallationResultData.finalResult.present ==
          ProfileInstallationResultData__finalResult_PR_successResult);
    REQUIRE(copy.card().state().profiles.size() == 1);
    CHECK(copy.card().state().profiles[0].profile == w.state().profiles[0].profile);
  }

  SECTION("a card without a snapshot has no session to continue") {
    CardSimulator::Options o;
    o.state = *state;
    CardSimulator fresh(std::move(o));
    fresh.select(aid::isd_r());
    CHECK_THROWS_AS(fresh.es10(pieces[0]), CardError);
  }
  SECTION("a download whose profile has begun to install cannot be copied") {
    CardSimulator::Options o;
    o.state = *state;
    CardSimulator copy(std::move(o));
    copy.select(aid::isd_r());
    auto* copy_isdr = dynamic_cast<applets::IsdR*>(copy.card().applet(aid::isd_r()));
    copy_isdr->restore(*session);
    const std::size_t a3 = index_of_first(pieces, 0xA3);
    for (std::size_t i = 0; i <= a3 + 1; ++i) copy.es10(pieces[i]);
    CHECK_THROWS_AS(copy_isdr->snapshot(), std::logic_error);
  }
}
