// tools/smdp/server: the test SM-DP+ on its own, against a card played by the test (its eUICC
// key signs what a card would sign; the DER is written here by hand). Every message the server
// builds is decoded and re-encoded with asn1c (the SGP.22 module the card compiles) to check
// that it is exact DER of its type. The download against the real card is tested elsewhere.
#include <catch.hpp>

#include <botan/hash.h>

#include <string>
#include <vector>

#include "euiccsim/crypto/aes.hpp"
#include "euiccsim/crypto/certificate.hpp"
#include "euiccsim/crypto/ecka.hpp"
#include "euiccsim/crypto/kdf.hpp"
#include "euiccsim/crypto/test_pki.hpp"
#include "euiccsim/profiles/asn1.hpp"
#include "smdp/binder.hpp"
#include "smdp/server.hpp"

#include <InitialiseSecureChannelRequest.h>
#include <ServerSigned1.h>
#include <SmdpSigned2.h>
#include <StoreMetadataRequest.h>

using namespace euiccsim;
using namespace euiccsim::smdp;

namespace {

constexpr const char* kEid = "89049032123451234512345678901235";
constexpr const char* kAddress = "smdp.example.org";

// A DER writer of the test's own, so the card side shares nothing with the server's.
Bytes tlv(std::uint32_t tag, const Bytes& value) {
  Bytes out;
  if (tag > 0xFFFF) out.push_back(static_cast<std::uint8_t>(tag >> 16));
  if (tag > 0xFF) out.push_back(static_cast<std::uint8_t>(tag >> 8));
  out.push_back(static_cast<std::uint8_t>(tag));
  const std::size_t n = value.size();
  if (n >= 256)
    out.insert(out.end(), {0x82, std::uint8_t(n >> 8), std::uint8_t(n)});
  else if (n >= 128)
    out.insert(out.end(), {0x81, std::uint8_t(n)});
  else
    out.push_back(std::uint8_t(n));
  out.insert(out.end(), value.begin(), value.end());
  return out;
}
Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}
Bytes str(const std::string& s) {
  return Bytes(s.begin(), s.end());
}
Bytes sig_tlv(const crypto::PrivateKey& key, const Bytes& msg) {
  return tlv(0x5F37, key.sign(msg));
}
Bytes sha256(const Bytes& data) {
  auto h = Botan::HashFunction::create_or_throw("SHA-256");
  h->update(data);
  const auto d = h->final();
  return Bytes(d.begin(), d.end());
}

struct Pki {
  crypto::Drbg drbg = crypto::Drbg::from_seed(22, "smdp-server-test");
  crypto::Issued ci = crypto::make_ci({}, drbg);
  crypto::Issued eum = crypto::make_eum(ci, {"RSP Test EUM", "89049032", "EUM"}, drbg);
  crypto::Issued euicc = crypto::make_euicc(eum, kEid, drbg);
  crypto::Issued dp_auth = crypto::make_dp_auth(ci, {}, drbg);
  crypto::Issued dp_pb = crypto::make_dp_pb(ci, {}, drbg);
  // A second EUM of the same CI, which did not issue the card's certificate.
  crypto::Issued eum2 = crypto::make_eum(ci, {"RSP Test EUM", "89049032", "EUM 2"}, drbg);
  // Another CI, unknown to the server, with its own card.
  crypto::Issued other_ci = crypto::make_ci({crypto::Curve::kNistP256, "Other", "Other CI"}, drbg);
  crypto::Issued other_eum = crypto::make_eum(other_ci, {"Other EUM", "89049032", "EUM"}, drbg);
  crypto::Issued other_euicc = crypto::make_euicc(other_eum, kEid, drbg);
  Bytes ci_ski = crypto::subject_key_identifier(ci.certificate);
  Bytes other_ski = crypto::subject_key_identifier(other_ci.certificate);
};

const Pki& pki() {
  static const Pki p;
  return p;
}

ServerConfig config() {
  return ServerConfig{
      kAddress, pki().dp_auth, pki().dp_pb, {pki().ci.certificate}, str("test-host")};
}

// ProfileHeader {80 major, 81 minor, 83 iccid (plain digits)} and filler PEs.
Bytes package(std::size_t filler) {
  Bytes header =
      tlv(0xA0, cat({tlv(0x80, {2}), tlv(0x81, {3}), tlv(0x83, from_hex("89000123456789012341"))}));
  Bytes out = header;
  while (out.size() < filler) {
    Bytes pe = tlv(0xB0, Bytes(200, static_cast<std::uint8_t>(out.size())));
    out.insert(out.end(), pe.begin(), pe.end());
  }
  return out;
}

Bytes euicc_info1(const std::vector<Bytes>& verification, const std::vector<Bytes>& signing) {
  Bytes a9, aa;
  for (const auto& id : verification) {
    const Bytes t = tlv(0x04, id);
    a9.insert(a9.end(), t.begin(), t.end());
  }
  for (const auto& id : signing) {
    const Bytes t = tlv(0x04, id);
    aa.insert(aa.end(), t.begin(), t.end());
  }
  return tlv(0xBF20, cat({tlv(0x82, from_hex("020500")), tlv(0xA9, a9), tlv(0xAA, aa)}));
}

// Decodes `der` as `type` with asn1c and encodes it back: equal bytes mean exact DER.
template <class T>
asn1::Value<T> decode_exact(const asn1::Type& type, const Bytes& der) {
  std::size_t consumed = 0;
  auto v = asn1::decode_as<T>(type, der, consumed);
  CHECK(consumed == der.size());
  CHECK(to_hex(asn1::encode(type, v.get())) == to_hex(der));
  return v;
}

Bytes octets(const OCTET_STRING_t& s) {
  return Bytes(s.buf, s.buf + s.size);
}

// Where a TLV's contents start, and where it ends.
std::size_t contents_at(const Bytes& b, std::size_t p) {
  p += (b[p] & 0x1F) == 0x1F ? 2 : 1;
  return p + 1 + (b[p] >= 0x80 ? (b[p] & 0x7F) : 0);
}
std::size_t end_of(const Bytes& b, std::size_t p) {
  const std::size_t c = contents_at(b, p);
  std::size_t i = p + ((b[p] & 0x1F) == 0x1F ? 2 : 1);
  std::size_t n = b[i];
  if (n >= 0x80) {
    const std::size_t k = n & 0x7F;
    n = 0;
    for (std::size_t j = 1; j <= k; ++j) n = (n << 8) | b[i + j];
  }
  return c + n;
}

// BF38 { A0 { 30 euiccSigned1, 5F37 euiccSignature1, ... } }: the whole 5F37 TLV.
Bytes euicc_signature1_of(const Bytes& asr) {
  const std::size_t signed1 = contents_at(asr, contents_at(asr, 0));
  const std::size_t sig = end_of(asr, signed1);
  return Bytes(asr.begin() + sig, asr.begin() + end_of(asr, sig));
}

// The card's side of one download, as far as the server needs it.
struct Card {
  crypto::Issued euicc = pki().euicc;
  crypto::Issued eum = pki().eum;
  Bytes challenge = from_hex("00112233445566778899AABBCCDDEEFF");
  std::vector<Bytes> cis = {pki().ci_ski};

  InitiateAuthenticationRequest initiate() const {
    return {challenge, euicc_info1(cis, cis), kAddress};
  }

  // AuthenticateServerResponse OK over what serverSigned1 said (the fields a card copies),
  // optionally tampered with.
  Bytes authenticate(const InitiateAuthenticationResponse& init, const std::string* matching_id,
                     const Bytes* server_challenge = nullptr, bool bad_signature = false) const {
    auto ss1 = decode_exact<ServerSigned1_t>(asn_DEF_ServerSigned1, init.server_signed1);
    const Bytes info2 = tlv(
        0xBF22,
        cat({tlv(0x81, from_hex("020500")), tlv(0x82, from_hex("020500")),
             tlv(0x83, from_hex("010000")), tlv(0x84, {}), tlv(0x85, from_hex("0780")),
             tlv(0x88, from_hex("0780")), tlv(0xA9, tlv(0x04, pki().ci_ski)),
             tlv(0xAA, tlv(0x04, pki().ci_ski)), tlv(0x04, from_hex("010000")), tlv(0x0C, {})}));
    Bytes ctx = matching_id ? tlv(0x80, str(*matching_id)) : Bytes{};
    const Bytes device_info = tlv(0xA1, cat({tlv(0x80, from_hex("35290611")), tlv(0xA1, {})}));
    ctx.insert(ctx.end(), device_info.begin(), device_info.end());
    const Bytes signed1 = tlv(
        0x30, cat({tlv(0x80, octets(ss1->transactionId)), tlv(0x83, octets(ss1->serverAddress)),
                   tlv(0x84, server_challenge ? *server_challenge : octets(ss1->serverChallenge)),
                   info2, tlv(0xA0, ctx)}));
    Bytes signature = sig_tlv(euicc.key, signed1);
    if (bad_signature) signature[10] ^= 1;
    return tlv(0xBF38, tlv(0xA0, cat({signed1, signature, euicc.certificate, eum.certificate})));
  }

  // PrepareDownloadResponse OK with a one-time key, optionally with hashCc.
  Bytes prepare(const AuthenticateClientResponse& auth, const crypto::PrivateKey& otsk,
                const Bytes* hash_cc = nullptr) const {
    Bytes content = cat({tlv(0x80, auth.transaction_id), tlv(0x5F49, otsk.public_point())});
    if (hash_cc) {
      const Bytes h = tlv(0x04, *hash_cc);
      content.insert(content.end(), h.begin(), h.end());
    }
    const Bytes signed2 = tlv(0x30, content);
    const Bytes signature = sig_tlv(euicc.key, cat({signed2, auth.smdp_signature2}));
    return tlv(0xBF21, tlv(0xA0, cat({signed2, signature})));
  }

  Bytes cancel(const Bytes& transaction_id, const Bytes& oid, std::uint8_t reason) const {
    const Bytes signed_part =
        tlv(0x30, cat({tlv(0x80, transaction_id), tlv(0x81, oid), tlv(0x82, {reason})}));
    return tlv(0xBF41, tlv(0xA0, cat({signed_part, sig_tlv(euicc.key, signed_part)})));
  }
};

ProfileOffer offer(const std::string& matching_id, Bytes package,
                   std::optional<std::string> cc = std::nullopt, bool ppk = false) {
  ProfileOffer o;
  o.matching_id = matching_id;
  o.package = std::move(package);
  o.confirmation_code = std::move(cc);
  o.ppk = ppk;
  return o;
}

// 2.999.10, the SM-DP+ OID make_dp_* put in subjectAltName, as OBJECT IDENTIFIER contents.
const Bytes kSmdpOid = from_hex("88370A");

template <class F>
void check_es9_error(F&& f, const std::string& subject, const std::string& reason) {
  try {
    f();
    FAIL("no Es9Error");
  } catch (const Es9Error& e) {
    INFO(e.what());
    CHECK(e.subject_code == subject);
    CHECK(e.reason_code == reason);
  }
}

struct Fixture {
  crypto::Drbg drbg = crypto::Drbg::from_seed(7, "smdp-server");
  Server server{config(), drbg};
  std::vector<ServerEvent> events;
  Card card;
  Fixture() {
    server.on_event([this](const ServerEvent& e) { events.push_back(e); });
    ProfileOffer o = offer("PROFILE1", package(3000));
    o.service_provider_name = "Test SP";
    o.profile_class = 2;
    server.add_profile(o);
  }
};

}  // namespace

TEST_CASE("initiateAuthentication: serverSigned1 signed by DPauth") {
  Fixture f;
  const InitiateAuthenticationResponse r = f.server.initiate_authentication(f.card.initiate());

  CHECK(r.transaction_id.size() == 16);
  auto ss1 = decode_exact<ServerSigned1_t>(asn_DEF_ServerSigned1, r.server_signed1);
  CHECK(octets(ss1->transactionId) == r.transaction_id);
  CHECK(octets(ss1->euiccChallenge) == f.card.challenge);
  CHECK(octets(ss1->serverAddress) == str(kAddress));
  CHECK(octets(ss1->serverChallenge).size() == 16);
  CHECK(octets(ss1->serverChallenge) != f.card.challenge);

  REQUIRE(r.server_signature1.size() == 67);
  CHECK(to_hex(r.server_signature1).substr(0, 6) == "5F3740");
  const auto dp_auth_key = crypto::PublicKey::from_certificate(r.server_certificate);
  CHECK(r.server_certificate == pki().dp_auth.certificate);
  CHECK(dp_auth_key.verify(r.server_signed1, ByteView(r.server_signature1).subspan(3)));
  CHECK_FALSE(dp_auth_key.verify(r.server_signed1, Bytes(64, 0)));
  CHECK(r.euicc_ci_pkid_to_be_used == tlv(0x04, pki().ci_ski));

  // A second session gets its own transaction and challenge.
  const auto r2 = f.server.initiate_authentication(f.card.initiate());
  CHECK(r2.transaction_id != r.transaction_id);
  CHECK(r2.server_signed1 != r.server_signed1);

  REQUIRE(f.events.size() == 2);
  CHECK(f.events[0].function == "initiateAuthentication");
  CHECK(f.events[0].ok);
  CHECK(f.events[0].transaction_id == r.transaction_id);
}

TEST_CASE("initiateAuthentication: refusals") {
  Fixture f;
  SECTION("another SM-DP+ address; the comparison ignores case") {
    auto req = f.card.initiate();
    req.smdp_address = "other.example.org";
    check_es9_error([&] { f.server.initiate_authentication(req); }, "8.8.1", "3.8");
    req.smdp_address = "SMDP.Example.ORG";
    CHECK_NOTHROW(f.server.initiate_authentication(req));
    REQUIRE(f.events.size() == 2);
    CHECK_FALSE(f.events[0].ok);
    CHECK(f.events[0].detail.find("8.8.1/3.8") == 0);
    CHECK(f.events[1].ok);
  }
  SECTION("no CI in common") {
    auto req = f.card.initiate();
    req.euicc_info1 = euicc_info1({pki().other_ski}, {pki().other_ski});
    check_es9_error([&] { f.server.initiate_authentication(req); }, "8.8.2", "3.1");
  }
  SECTION("the card cannot verify DPauth's CI") {
    auto req = f.card.initiate();
    req.euicc_info1 = euicc_info1({pki().other_ski}, {pki().ci_ski});
    check_es9_error([&] { f.server.initiate_authentication(req); }, "8.8.4", "3.7");
  }
  SECTION("malformed input") {
    auto req = f.card.initiate();
    req.euicc_challenge.pop_back();
    check_es9_error([&] { f.server.initiate_authentication(req); }, "1.3.1", "2.1");
    req = f.card.initiate();
    req.euicc_info1.push_back(0);
    check_es9_error([&] { f.server.initiate_authentication(req); }, "1.3.1", "2.1");
    req.euicc_info1 = from_hex("BF2100");
    check_es9_error([&] { f.server.initiate_authentication(req); }, "1.3.1", "2.1");
  }
}

TEST_CASE("Server: a configuration no card could accept is refused") {
  crypto::Drbg drbg = crypto::Drbg::from_seed(1);
  ServerConfig c = config();
  c.trusted_ci_certs = {pki().other_ci.certificate};
  CHECK_THROWS_AS(Server(c, drbg), std::invalid_argument);
  c = config();
  c.dp_pb = pki().dp_auth;  // the wrong role
  CHECK_THROWS_AS(Server(c, drbg), std::invalid_argument);
  c = config();
  c.host_id.clear();
  CHECK_THROWS_AS(Server(c, drbg), std::invalid_argument);

  Server server(config(), drbg);
  CHECK_THROWS_AS(server.add_profile(offer("X", from_hex("B00100"))), std::invalid_argument);
  ProfileOffer long_name = offer("X", package(10));
  long_name.service_provider_name = std::string(33, 'a');
  CHECK_THROWS_AS(server.add_profile(long_name), std::invalid_argument);
}

TEST_CASE("authenticateClient: the eUICC authenticated, metadata and smdpSigned2") {
  Fixture f;
  const auto init = f.server.initiate_authentication(f.card.initiate());
  const std::string mid = "PROFILE1";
  const auto auth =
      f.server.authenticate_client({init.transaction_id, f.card.authenticate(init, &mid)});

  CHECK(auth.transaction_id == init.transaction_id);
  CHECK(auth.smdp_certificate == pki().dp_pb.certificate);
  auto s2 = decode_exact<SmdpSigned2_t>(asn_DEF_SmdpSigned2, auth.smdp_signed2);
  CHECK(octets(s2->transactionId) == init.transaction_id);
  CHECK(s2->ccRequiredFlag == 0);
  CHECK(s2->bppEuiccOtpk == nullptr);

  // smdpSignature2 covers smdpSigned2 and the card's whole euiccSignature1 TLV. The card signs
  // deterministically (RFC 6979), so building its response again gives the same signature.
  const Bytes sig1 = euicc_signature1_of(f.card.authenticate(init, &mid));
  CHECK(to_hex(sig1).substr(0, 6) == "5F3740");
  const auto dp_pb_key = crypto::PublicKey::from_certificate(auth.smdp_certificate);
  REQUIRE(auth.smdp_signature2.size() == 67);
  CHECK(to_hex(auth.smdp_signature2).substr(0, 6) == "5F3740");
  CHECK(
      dp_pb_key.verify(cat({auth.smdp_signed2, sig1}), ByteView(auth.smdp_signature2).subspan(3)));

  auto md =
      decode_exact<StoreMetadataRequest_t>(asn_DEF_StoreMetadataRequest, auth.profile_metadata);
  CHECK(to_hex(octets(md->iccid)) == "98001032547698103214");
  CHECK(octets(md->serviceProviderName) == str("Test SP"));
  CHECK(octets(md->profileName) == str("PROFILE1"));
  REQUIRE(md->profileClass != nullptr);
  REQUIRE(md->notificationConfigurationInfo != nullptr);
  CHECK(md->notificationConfigurationInfo->list.count == 3);

  REQUIRE(f.events.size() == 2);
  CHECK(f.events[1].function == "authenticateClient");
  CHECK(f.events[1].ok);
  CHECK(f.events[1].detail.find(kEid) != std::string::npos);
}

TEST_CASE("authenticateClient: refusals end the session") {
  Fixture f;
  const std::string mid = "PROFILE1";
  auto init = f.server.initiate_authentication(f.card.initiate());

  SECTION("unknown transaction") {
    check_es9_error(
        [&] {
          f.server.authenticate_client({Bytes(16, 1), f.card.authenticate(init, &mid)});
        },
        "8.10.1", "3.9");
  }
  SECTION("unknown matchingId; then the session is gone") {
    const std::string other = "NOPE";
    check_es9_error(
        [&] {
          f.server.authenticate_client({init.transaction_id, f.card.authenticate(init, &other)});
        },
        "8.2.6", "3.8");
    check_es9_error(
        [&] {
          f.server.authenticate_client({init.transaction_id, f.card.authenticate(init, &mid)});
        },
        "8.10.1", "3.9");
  }
  SECTION("no matchingId and no default offer") {
    check_es9_error(
        [&] {
          f.server.authenticate_client({init.transaction_id, f.card.authenticate(init, nullptr)});
        },
        "8.2.6", "3.8");
  }
  SECTION("no matchingId served by the default offer") {
    f.server.add_profile(offer("", package(100)));
    CHECK_NOTHROW(
        f.server.authenticate_client({init.transaction_id, f.card.authenticate(init, nullptr)}));
  }
  SECTION("a wrong serverChallenge") {
    const Bytes wrong(16, 0x5A);
    check_es9_error(
        [&] {
          f.server.authenticate_client(
              {init.transaction_id, f.card.authenticate(init, &mid, &wrong)});
        },
        "8.1", "6.1");
  }
  SECTION("a bad euiccSignature1") {
    check_es9_error(
        [&] {
          f.server.authenticate_client(
              {init.transaction_id, f.card.authenticate(init, &mid, nullptr, true)});
        },
        "8.1", "6.1");
  }
  SECTION("an eUICC of an untrusted CI") {
    Card other;
    other.euicc = pki().other_euicc;
    other.eum = pki().other_eum;
    check_es9_error(
        [&] {
          f.server.authenticate_client({init.transaction_id, other.authenticate(init, &mid)});
        },
        "8.11.1", "3.9");
  }
  SECTION("a certificate that is not the EUM's") {
    Card other;
    other.eum = pki().eum2;  // a trusted EUM, but not the one that certified this eUICC
    check_es9_error(
        [&] {
          f.server.authenticate_client({init.transaction_id, other.authenticate(init, &mid)});
        },
        "8.1.3", "6.1");
  }
  SECTION("the eUICC's error response") {
    const Bytes err = tlv(0xBF38, tlv(0xA1, cat({tlv(0x80, init.transaction_id), tlv(0x02, {6})})));
    check_es9_error(
        [&] {
          f.server.authenticate_client({init.transaction_id, err});
        },
        "8.1", "4.2");
    CHECK(f.events.back().detail.find("euiccChallengeMismatch") != std::string::npos);
  }
}

TEST_CASE("getBoundProfilePackage: keys agreed with the card, package bound for it") {
  Fixture f;
  const bool ppk = GENERATE(false, true);
  const std::string mid = "P";
  f.server.add_profile(offer(mid, package(2500), std::nullopt, ppk));
  const auto init = f.server.initiate_authentication(f.card.initiate());
  const auto auth =
      f.server.authenticate_client({init.transaction_id, f.card.authenticate(init, &mid)});
  crypto::Drbg card_drbg = crypto::Drbg::from_seed(99);
  const auto otsk = crypto::PrivateKey::generate(crypto::Curve::kNistP256, card_drbg);
  const Bytes pdr = f.card.prepare(auth, otsk);
  const auto bpp = f.server.get_bound_profile_package({init.transaction_id, pdr});
  CHECK(bpp.transaction_id == init.transaction_id);

  const auto segments = bpp_segments(bpp.bound_profile_package);
  REQUIRE(segments.size() == (ppk ? 9u : 8u));  // BF23, A0, A1, 88, [A2], A3, 3 x 86
  // BF23 as the card reads it: exact DER, its CRT, smdpSign by DPpb over its fields and the
  // card's own otPK.
  const Bytes& first = segments[0];
  const Bytes bf23(first.begin() + 5, first.end());  // after 'BF36 82 LLLL'
  REQUIRE(to_hex(first).substr(0, 6) == "BF3682");
  auto isc =
      decode_exact<InitialiseSecureChannelRequest_t>(asn_DEF_InitialiseSecureChannelRequest, bf23);
  CHECK(octets(isc->transactionId) == init.transaction_id);
  CHECK(to_hex(octets(isc->controlRefTemplate.keyType)) == "88");
  CHECK(to_hex(octets(isc->controlRefTemplate.keyLen)) == "10");
  CHECK(octets(isc->controlRefTemplate.hostId) == str("test-host"));
  const Bytes bf23_fields(bf23.begin() + 4, bf23.end() - 67);  // 'BF23 81 LL' .. before 5F37
  REQUIRE(to_hex(bf23).substr(0, 6) == "BF2381");
  const auto dp_pb_key = crypto::PublicKey::from_certificate(pki().dp_pb.certificate);
  CHECK(dp_pb_key.verify(cat({bf23_fields, tlv(0x5F49, otsk.public_point())}),
                         octets(isc->smdpSign)));

  // The card's keys: ECDH with the server's otPK, the KDF over the CRT and the EID.
  const auto smdp_otpk =
      crypto::PublicKey::from_point(crypto::Curve::kNistP256, octets(isc->smdpOtpk));
  const auto keys = crypto::derive_bsp_keys(crypto::ecka_shared_secret(otsk, smdp_otpk), 0x88, 0x10,
                                            str("test-host"), from_hex(kEid));
  // The A0 segment decrypts to ConfigureISDP under block number 1.
  const Bytes& a0 = segments[1];
  REQUIRE(to_hex(a0).substr(0, 8) == "A01A8718");
  Bytes one(16, 0);
  one[15] = 1;
  const Bytes s_enc(keys.s_enc.begin(), keys.s_enc.end());
  const SecureBytes isdp = crypto::aes128_cbc_decrypt(
      s_enc, crypto::aes128_encrypt_block(s_enc, one), ByteView(a0).subspan(4, 16));
  CHECK(to_hex(isdp) == "BF240080000000000000000000000000");

  // Re-binding with the card's keys gives the same package (PPK: read from A2 first).
  BppParts parts{bf23, from_hex("BF2400"), auth.profile_metadata, std::nullopt, package(2500)};
  BindingKeys binding{keys.s_enc, keys.s_mac, keys.initial_mcv, std::nullopt};
  if (ppk) {
    const Bytes& a2 = segments[4];
    REQUIRE(a2[0] == 0xA2);
    Bytes three(16, 0);
    three[15] = 3;  // A0's 87, A1's 88, then A2's 87
    const SecureBytes bf26 = crypto::aes128_cbc_decrypt(
        s_enc, crypto::aes128_encrypt_block(s_enc, three), ByteView(a2).subspan(4, 64));
    REQUIRE(to_hex(bf26).substr(0, 10) == "BF26368010");
    CHECK(to_hex(bf26).substr(114) == "80000000000000");  // 57 bytes, then the padding
    const SecureBytes mcv(bf26.begin() + 5, bf26.begin() + 21);
    const SecureBytes enc(bf26.begin() + 23, bf26.begin() + 39);
    const SecureBytes mac(bf26.begin() + 41, bf26.begin() + 57);
    parts.replace_session_keys = Bytes(bf26.begin(), bf26.begin() + 57);
    binding.ppk = std::array<SecureBytes, 3>{enc, mac, mcv};
  }
  CHECK(bind_profile_package(parts, binding) == bpp.bound_profile_package);

  // No key material in the log; the session is over.
  for (const auto& e : f.events) {
    CHECK(e.detail.find(to_hex(keys.s_enc)) == std::string::npos);
    CHECK(e.detail.find(to_hex(keys.s_mac)) == std::string::npos);
  }
  CHECK(f.events.back().function == "getBoundProfilePackage");
  CHECK(f.events.back().ok);
  check_es9_error(
      [&] {
        f.server.get_bound_profile_package({init.transaction_id, pdr});
      },
      "8.10.1", "3.9");
}

TEST_CASE("getBoundProfilePackage: euiccSignature2 and the confirmation code") {
  Fixture f;
  const std::string mid = "CC";
  f.server.add_profile(offer(mid, package(500), "1234"));
  crypto::Drbg card_drbg = crypto::Drbg::from_seed(5);
  const auto otsk = crypto::PrivateKey::generate(crypto::Curve::kNistP256, card_drbg);

  auto session = [&] {
    const auto init = f.server.initiate_authentication(f.card.initiate());
    return f.server.authenticate_client({init.transaction_id, f.card.authenticate(init, &mid)});
  };
  auto hash_cc = [](const std::string& cc, const Bytes& tid) {
    return sha256(cat({sha256(str(cc)), tid}));
  };

  auto auth = session();
  auto s2 = decode_exact<SmdpSigned2_t>(asn_DEF_SmdpSigned2, auth.smdp_signed2);
  CHECK(s2->ccRequiredFlag != 0);
  check_es9_error(
      [&] {
        f.server.get_bound_profile_package({auth.transaction_id, f.card.prepare(auth, otsk)});
      },
      "8.2.7", "2.2");

  auth = session();
  const Bytes wrong = hash_cc("9999", auth.transaction_id);
  check_es9_error(
      [&] {
        f.server.get_bound_profile_package(
            {auth.transaction_id, f.card.prepare(auth, otsk, &wrong)});
      },
      "8.2.7", "3.8");

  auth = session();
  AuthenticateClientResponse tampered = auth;
  tampered.smdp_signature2[20] ^= 1;  // the card signed over another smdpSignature2
  const Bytes right = hash_cc("1234", auth.transaction_id);
  check_es9_error(
      [&] {
        f.server.get_bound_profile_package(
            {auth.transaction_id, f.card.prepare(tampered, otsk, &right)});
      },
      "8.1", "6.1");

  // The hash binds the code to the transaction: the right code of another session is refused.
  auth = session();
  check_es9_error(
      [&] {
        f.server.get_bound_profile_package(
            {auth.transaction_id, f.card.prepare(auth, otsk, &right)});
      },
      "8.2.7", "3.8");
  auth = session();
  const Bytes good = hash_cc("1234", auth.transaction_id);
  CHECK_NOTHROW(
      f.server.get_bound_profile_package({auth.transaction_id, f.card.prepare(auth, otsk, &good)}));
}

TEST_CASE("handleNotification and cancelSession") {
  Fixture f;
  const std::string mid = "PROFILE1";
  crypto::Drbg card_drbg = crypto::Drbg::from_seed(3);
  const auto otsk = crypto::PrivateKey::generate(crypto::Curve::kNistP256, card_drbg);
  const auto init = f.server.initiate_authentication(f.card.initiate());
  const auto auth =
      f.server.authenticate_client({init.transaction_id, f.card.authenticate(init, &mid)});
  f.server.get_bound_profile_package({init.transaction_id, f.card.prepare(auth, otsk)});

  auto pir = [&](const Bytes& tid, const Bytes& oid, bool bad_signature) {
    const Bytes data = tlv(
        0xBF27,
        cat({tlv(0x80, tid),
             tlv(0xBF2F, cat({tlv(0x80, {1}), tlv(0x81, from_hex("0780")), tlv(0x0C, str(kAddress)),
                              tlv(0x5A, from_hex("98001032547698103214"))})),
             tlv(0x06, oid),
             tlv(0xA2, tlv(0xA0, cat({tlv(0x4F, from_hex("A0000005591010FFFFFFFF8900001000")),
                                      tlv(0x04, from_hex("3007A00530038001"
                                                         "00"))})))}));
    Bytes sig = sig_tlv(f.card.euicc.key, data);
    if (bad_signature) sig[5] ^= 1;
    return tlv(0xBF37, cat({data, sig}));
  };

  SECTION("the installation result") {
    const Bytes good = pir(init.transaction_id, kSmdpOid, false);
    f.server.handle_notification({good});
    f.server.handle_notification({good});  // sent again: kept once
    CHECK(f.server.notifications() == std::vector<Bytes>{good});
    CHECK(f.events.back().detail.find("installed") != std::string::npos);
    check_es9_error(
        [&] { f.server.handle_notification({pir(init.transaction_id, kSmdpOid, true)}); }, "8.1",
        "6.1");
    check_es9_error([&] { f.server.handle_notification({pir(Bytes(16, 9), kSmdpOid, false)}); },
                    "8.10.1", "3.9");
    check_es9_error(
        [&] {
          f.server.handle_notification({pir(init.transaction_id, from_hex("88370B"), false)});
        },
        "8.8", "3.10");
    CHECK(f.server.notifications().size() == 1);
  }
  SECTION("another signed notification, verified with the chain it carries") {
    const Bytes tbs =
        tlv(0xBF2F, cat({tlv(0x80, {2}), tlv(0x81, from_hex("0640")), tlv(0x0C, str(kAddress)),
                         tlv(0x5A, from_hex("98001032547698103214"))}));
    const Bytes good = tlv(0x30, cat({tbs, sig_tlv(f.card.euicc.key, tbs), f.card.euicc.certificate,
                                      f.card.eum.certificate}));
    f.server.handle_notification({good});
    CHECK(f.server.notifications() == std::vector<Bytes>{good});
    Bytes bad = good;
    bad[tbs.size() + 4 + 3 + 10] ^= 1;  // inside the signature
    check_es9_error([&] { f.server.handle_notification({bad}); }, "8.1", "6.1");
    const Bytes foreign =
        tlv(0x30, cat({tbs, sig_tlv(pki().other_euicc.key, tbs), pki().other_euicc.certificate,
                       pki().other_eum.certificate}));
    check_es9_error([&] { f.server.handle_notification({foreign}); }, "8.11.1", "3.9");
  }
  SECTION("cancelSession of an open session, then of a delivered one") {
    const auto init2 = f.server.initiate_authentication(f.card.initiate());
    // Before authenticateClient no eUICC key is known: nothing to verify with.
    check_es9_error(
        [&] {
          f.server.cancel_session(
              {init2.transaction_id, f.card.cancel(init2.transaction_id, kSmdpOid, 0)});
        },
        "8.10.1", "3.9");
    const auto auth2 =
        f.server.authenticate_client({init2.transaction_id, f.card.authenticate(init2, &mid)});
    check_es9_error(
        [&] {
          f.server.cancel_session(
              {init2.transaction_id, f.card.cancel(init2.transaction_id, from_hex("88370B"), 0)});
        },
        "8.8", "3.10");
    check_es9_error(
        [&] {
          f.server.cancel_session({init2.transaction_id, f.card.cancel(Bytes(16, 3), kSmdpOid, 0)});
        },
        "8.10.1", "3.9");
    f.server.cancel_session(
        {init2.transaction_id, f.card.cancel(init2.transaction_id, kSmdpOid, 0)});
    CHECK(f.events.back().detail.find("endUserRejection") != std::string::npos);
    check_es9_error(
        [&] {
          f.server.get_bound_profile_package({init2.transaction_id, f.card.prepare(auth2, otsk)});
        },
        "8.10.1", "3.9");

    // After the package went out (loadBppExecutionError): still known, then gone.
    f.server.cancel_session({init.transaction_id, f.card.cancel(init.transaction_id, kSmdpOid, 5)});
    check_es9_error(
        [&] { f.server.handle_notification({pir(init.transaction_id, kSmdpOid, false)}); },
        "8.10.1", "3.9");
  }
}

namespace {
// A clock the test moves by hand: no sleeps.
struct ManualClock {
  std::shared_ptr<std::chrono::steady_clock::time_point> now =
      std::make_shared<std::chrono::steady_clock::time_point>();
  std::function<std::chrono::steady_clock::time_point()> fn() const {
    return [n = now] { return *n; };
  }
  void advance(std::chrono::seconds d) { *now += d; }
};

// The installation result the card signs for transaction `tid` (success).
Bytes signed_pir(const Card& card, const Bytes& tid) {
  const Bytes data = tlv(
      0xBF27,
      cat({tlv(0x80, tid),
           tlv(0xBF2F, cat({tlv(0x80, {1}), tlv(0x81, from_hex("0780")), tlv(0x0C, str(kAddress)),
                            tlv(0x5A, from_hex("98001032547698103214"))})),
           tlv(0x06, kSmdpOid),
           tlv(0xA2, tlv(0xA0, cat({tlv(0x4F, from_hex("A0000005591010FFFFFFFF8900001000")),
                                    tlv(0x04, from_hex("3007A00530038001"
                                                       "00"))})))}));
  return tlv(0xBF37, cat({data, sig_tlv(card.euicc.key, data)}));
}

struct Retaining {
  ManualClock clock;
  crypto::Drbg drbg = crypto::Drbg::from_seed(8, "smdp-retention");
  std::unique_ptr<Server> server;
  Card card;
  explicit Retaining(ServerConfig::Retention retention) {
    ServerConfig c = config();
    c.retention = retention;
    c.clock = clock.fn();
    server = std::make_unique<Server>(c, drbg);
    server->add_profile(offer("PROFILE1", package(1000)));
  }
  // initiateAuthentication .. getBoundProfilePackage: a finished transaction's id.
  Bytes download() {
    const std::string mid = "PROFILE1";
    crypto::Drbg card_drbg = crypto::Drbg::from_seed(3);
    const auto otsk = crypto::PrivateKey::generate(crypto::Curve::kNistP256, card_drbg);
    const auto init = server->initiate_authentication(card.initiate());
    const auto auth =
        server->authenticate_client({init.transaction_id, card.authenticate(init, &mid)});
    server->get_bound_profile_package({init.transaction_id, card.prepare(auth, otsk)});
    return init.transaction_id;
  }
};
}  // namespace

TEST_CASE("expired transactions are answered as unknown transactions (8.10.1/3.9)") {
  ServerConfig::Retention r;
  r.open_age = std::chrono::seconds(600);
  r.finished_age = std::chrono::seconds(3600);
  Retaining w(r);

  SECTION("a finished transaction's installation result, after finished_age") {
    const Bytes tid = w.download();
    w.clock.advance(std::chrono::seconds(3599));
    w.server->handle_notification({signed_pir(w.card, tid)});  // still known
    const Bytes tid2 = w.download();
    w.clock.advance(std::chrono::seconds(3600));
    check_es9_error([&] { w.server->handle_notification({signed_pir(w.card, tid2)}); }, "8.10.1",
                    "3.9");
    // A late cancelSession of it is unknown too.
    check_es9_error(
        [&] {
          w.server->cancel_session({tid2, w.card.cancel(tid2, kSmdpOid, 5)});
        },
        "8.10.1", "3.9");
    CHECK(w.server->held().finished == 0);
  }
  SECTION("an open session, after open_age") {
    const std::string mid = "PROFILE1";
    const auto init = w.server->initiate_authentication(w.card.initiate());
    CHECK(w.server->held().open == 1);
    w.clock.advance(std::chrono::seconds(600));
    check_es9_error(
        [&] {
          w.server->authenticate_client({init.transaction_id, w.card.authenticate(init, &mid)});
        },
        "8.10.1", "3.9");
    CHECK(w.server->held().open == 0);
  }
}

TEST_CASE("transactions and notifications are bounded by count, the oldest going first") {
  ServerConfig::Retention r;
  r.max_finished = 2;
  r.max_notifications = 2;
  Retaining w(r);
  std::vector<Bytes> tids;
  for (int i = 0; i < 3; ++i) {
    tids.push_back(w.download());
    w.clock.advance(std::chrono::seconds(1));
  }
  CHECK(w.server->held().finished == 2);
  check_es9_error([&] { w.server->handle_notification({signed_pir(w.card, tids[0])}); }, "8.10.1",
                  "3.9");
  w.server->handle_notification({signed_pir(w.card, tids[1])});
  w.clock.advance(std::chrono::seconds(1));
  w.server->handle_notification({signed_pir(w.card, tids[2])});
  CHECK(w.server->notifications() ==
        std::vector<Bytes>{signed_pir(w.card, tids[1]), signed_pir(w.card, tids[2])});
  // A third notification pushes out the oldest; the count of all accepted goes on.
  const Bytes tid4 = w.download();
  w.server->handle_notification({signed_pir(w.card, tid4)});
  CHECK(w.server->notifications() ==
        std::vector<Bytes>{signed_pir(w.card, tids[2]), signed_pir(w.card, tid4)});
  CHECK(w.server->notifications_accepted() == 3);
  // And they age out like transactions.
  w.clock.advance(std::chrono::hours(2));
  check_es9_error([&] { w.server->handle_notification({signed_pir(w.card, tid4)}); }, "8.10.1",
                  "3.9");
  CHECK(w.server->notifications().empty());
}
