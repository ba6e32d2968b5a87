// crypto/rsp_chain: GSMA chain validation of SM-DP+ certificates (CI -> DPauth/DPpb/DP TLS) and
// of eUICC chains (CI -> EUM -> eUICC), with our test PKI and, when ../shared/reference is
// there, SGP.26's test certificates.
#include <catch.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "../support/vec_file.hpp"
#include "euiccsim/crypto/certificate.hpp"
#include "euiccsim/crypto/rsp_chain.hpp"
#include "euiccsim/crypto/test_pki.hpp"

using namespace euiccsim;
using namespace euiccsim::crypto;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

constexpr const char* kEid = "89049032123451234512345678901235";

struct Pki {
  Issued ci, eum, euicc, dp_auth, dp_pb, dp_tls;
};

Pki make_pki(Curve curve, std::uint64_t seed) {
  auto drbg = Drbg::from_seed(seed, "rsp chain");
  Issued ci = make_ci({.curve = curve}, drbg);
  Issued eum = make_eum(ci, {.eid_prefix = "89049032"}, drbg);
  Issued euicc = make_euicc(eum, kEid, drbg);
  Issued auth = make_dp_auth(ci, {}, drbg);
  Issued pb = make_dp_pb(ci, {}, drbg);
  Issued tls = make_dp_tls(ci, {}, drbg);
  return {ci, eum, euicc, auth, pb, tls};
}

ChainOptions at(std::chrono::sys_days day) {
  return {.at_time = std::chrono::system_clock::time_point(day)};
}

Bytes ascii(std::string_view s) {
  return Bytes(s.begin(), s.end());
}

Bytes read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + p.string());
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// --- certificate surgery: change bytes of the signed part and sign it again ---

struct Element {
  ByteView whole;
  ByteView value;
};

// The elements of a DER SEQUENCE's contents (single-byte tags).
std::vector<Element> elements(ByteView contents) {
  std::vector<Element> out;
  std::size_t pos = 0;
  auto at = [&contents](std::size_t i) {
    if (i >= contents.size()) throw std::runtime_error("DER truncated");
    return contents[i];
  };
  while (pos < contents.size()) {
    const std::size_t start = pos++;
    std::size_t length = at(pos++);
    if (length > 0x80) {
      const std::size_t n = length & 0x7F;
      length = 0;
      for (std::size_t i = 0; i < n; ++i) length = (length << 8) | at(pos++);
    }
    out.push_back({contents.subspan(start, pos + length - start), contents.subspan(pos, length)});
    pos += length;
  }
  return out;
}

Bytes encode(std::uint8_t tag, ByteView contents) {
  Bytes out{tag};
  const std::size_t n = contents.size();
  if (n >= 0x100) {
    out.push_back(0x82);
    out.push_back(static_cast<std::uint8_t>(n >> 8));
  } else if (n >= 0x80) {
    out.push_back(0x81);
  }
  out.push_back(static_cast<std::uint8_t>(n));
  out.insert(out.end(), contents.begin(), contents.end());
  return out;
}

// The certificate with the first `from` in its TBSCertificate replaced by `to` (same length),
// signed again by `signer`: a well-formed certificate that says something else.
Bytes resign(const Bytes& cert, const PrivateKey& signer, const Bytes& from, const Bytes& to) {
  REQUIRE(from.size() == to.size());
  const auto outer = elements(cert);
  REQUIRE(outer.size() == 1);
  const auto parts = elements(outer[0].value);
  REQUIRE(parts.size() == 3);
  Bytes tbs(parts[0].whole.begin(), parts[0].whole.end());
  auto it = std::search(tbs.begin(), tbs.end(), from.begin(), from.end());
  REQUIRE(it != tbs.end());
  std::copy(to.begin(), to.end(), it);
  Bytes signature = signature_raw_to_der(signer.sign(tbs));
  signature.insert(signature.begin(), 0x00);
  Bytes body = tbs;
  body.insert(body.end(), parts[1].whole.begin(), parts[1].whole.end());
  const Bytes bits = encode(0x03, signature);
  body.insert(body.end(), bits.begin(), bits.end());
  return encode(0x30, body);
}

void check_refused(const ChainResult& r, ChainFailure expected, const std::string& reason_part) {
  INFO("reason: " << r.reason);
  CHECK_FALSE(r);
  REQUIRE(r.failure.has_value());
  CHECK(*r.failure == expected);
  CHECK_THAT(r.reason, Catch::Contains(reason_part));
  CHECK(r.ci_pkid.empty());
  CHECK_FALSE(r.key.has_value());
}

}  // namespace

TEST_CASE("role OIDs are GSMA's id-rspRole arcs") {
  CHECK(std::string(role_oid(RspRole::kCi)) == kRoleCi);
  CHECK(std::string(role_oid(RspRole::kEuicc)) == kRoleEuicc);
  CHECK(std::string(role_oid(RspRole::kEum)) == kRoleEum);
  CHECK(std::string(role_oid(RspRole::kDpTls)) == kRoleDpTls);
  CHECK(std::string(role_oid(RspRole::kDpAuth)) == kRoleDpAuth);
  CHECK(std::string(role_oid(RspRole::kDpPb)) == kRoleDpPb);
  CHECK(std::string(role_oid(RspRole::kDsTls)) == "2.23.146.1.2.1.6");
  CHECK(std::string(role_oid(RspRole::kDsAuth)) == "2.23.146.1.2.1.7");
}

TEST_CASE("test PKI: SM-DP+ certificates follow SGP.26's layout") {
  const Pki p = make_pki(Curve::kNistP256, 1);
  for (const Issued* dp : {&p.dp_auth, &p.dp_pb, &p.dp_tls}) {
    CHECK(signed_by(dp->certificate, p.ci.key.public_key()));
    CHECK(PublicKey::from_certificate(dp->certificate) == dp->key.public_key());
    CHECK(authority_key_identifier(dp->certificate) == subject_key_identifier(p.ci.certificate));
    CHECK(subject_name(dp->certificate) == R"(O=euicc-sim, CN=euicc-sim Test SM-DP\+)");
    CHECK(issuer_name(dp->certificate) == subject_name(p.ci.certificate));
    CHECK(subject_alt_name_registered_id(dp->certificate) == "2.999.10");
    const Validity v = certificate_validity(dp->certificate);
    CHECK(v.not_before == std::chrono::sys_days(2025y / 1 / 1));
    CHECK(v.not_after == std::chrono::sys_days(2060y / 12 / 31) + 23h + 59min + 59s);
  }
  CHECK(certificate_policies(p.dp_auth.certificate) == std::vector<std::string>{kRoleDpAuth});
  CHECK(certificate_policies(p.dp_pb.certificate) == std::vector<std::string>{kRoleDpPb});
  CHECK(certificate_policies(p.dp_tls.certificate) == std::vector<std::string>{kRoleDpTls});

  std::vector<std::string> oids;
  for (const auto& e : certificate_extensions(p.dp_auth.certificate))
    oids.push_back(e.oid + (e.critical ? "!" : ""));
  CHECK(oids == std::vector<std::string>{"2.5.29.35", "2.5.29.14", "2.5.29.17", "2.5.29.15!",
                                         "2.5.29.32!"});
  oids.clear();
  for (const auto& e : certificate_extensions(p.dp_tls.certificate))
    oids.push_back(e.oid + (e.critical ? "!" : ""));
  CHECK(oids == std::vector<std::string>{"2.5.29.15!", "2.5.29.37!", "2.5.29.32", "2.5.29.14",
                                         "2.5.29.35", "2.5.29.17"});
  // SAN of the TLS certificate: dNSName "localhost", registeredID 2.999.10.
  for (const auto& e : certificate_extensions(p.dp_tls.certificate))
    if (e.oid == "2.5.29.17") CHECK(to_hex(e.value) == "301082096C6F63616C686F7374880388370A");

  // Deterministic, and other options show up.
  CHECK(make_pki(Curve::kNistP256, 1).dp_tls.certificate == p.dp_tls.certificate);
  auto drbg = Drbg::from_seed(9);
  const Issued other = make_dp_auth(
      p.ci, {.organisation = "ACME", .common_name = "TEST SM-DP+", .registered_id = "2.999.12"},
      drbg);
  CHECK(subject_name(other.certificate) == R"(O=ACME, CN=TEST SM-DP\+)");
  CHECK(subject_alt_name_registered_id(other.certificate) == "2.999.12");
  CHECK_THROWS_AS(make_dp_pb(p.ci, {.registered_id = "2.999."}, drbg), std::invalid_argument);
  Issued wrong_ci{p.ci.certificate, p.eum.key};
  CHECK_THROWS_WITH(make_dp_auth(wrong_ci, {}, drbg), Catch::Contains("CI key does not match"));
}

TEST_CASE("test PKI: the eIM certificate, issued by the CI with no GSMA role") {
  for (Curve curve : {Curve::kNistP256, Curve::kBrainpoolP256r1}) {
    INFO(curve_name(curve));
    const Pki p = make_pki(curve, 3);
    auto drbg = Drbg::from_seed(3, "eim");
    const Issued eim = make_eim(p.ci, {}, drbg);
    CHECK(eim.key.curve() == curve);
    CHECK(signed_by(eim.certificate, p.ci.key.public_key()));
    CHECK(PublicKey::from_certificate(eim.certificate) == eim.key.public_key());
    CHECK(authority_key_identifier(eim.certificate) == subject_key_identifier(p.ci.certificate));
    CHECK(subject_name(eim.certificate) == "O=euicc-sim, CN=euicc-sim Test eIM");
    CHECK(issuer_name(eim.certificate) == subject_name(p.ci.certificate));
    CHECK(subject_alt_name_registered_id(eim.certificate) == "2.999.20");
    CHECK(certificate_policies(eim.certificate).empty());
    const Validity v = certificate_validity(eim.certificate);
    CHECK(v.not_before == std::chrono::sys_days(2025y / 1 / 1));
    CHECK(v.not_after == std::chrono::sys_days(2060y / 12 / 31) + 23h + 59min + 59s);
    // AKI, SKI, keyUsage digitalSignature (critical), SAN registeredID 2.999.20; nothing else.
    std::vector<std::string> oids;
    for (const auto& e : certificate_extensions(eim.certificate)) {
      oids.push_back(e.oid + (e.critical ? "!" : ""));
      if (e.oid == "2.5.29.15") CHECK(to_hex(e.value) == "03020780");
      if (e.oid == "2.5.29.17") CHECK(to_hex(e.value) == "30058803883714");
    }
    CHECK(oids == std::vector<std::string>{"2.5.29.35", "2.5.29.14", "2.5.29.15!", "2.5.29.17"});
    // No role: it passes for no SM-DP+ certificate.
    const std::vector<Bytes> trusted{p.ci.certificate};
    CHECK_FALSE(verify_server_certificate(eim.certificate, RspRole::kDpAuth, trusted, {}));
    CHECK_FALSE(verify_server_certificate(eim.certificate, RspRole::kDpPb, trusted, {}));
    // Deterministic: the same draws give the same bytes.
    auto again = Drbg::from_seed(3, "eim");
    CHECK(make_eim(p.ci, {}, again).certificate == eim.certificate);
  }
  const Pki p = make_pki(Curve::kNistP256, 3);
  auto drbg = Drbg::from_seed(4, "eim");
  const Issued other = make_eim(
      p.ci, {.organisation = "ACME", .common_name = "TEST eIM", .registered_id = "2.999.21"}, drbg);
  CHECK(subject_name(other.certificate) == "O=ACME, CN=TEST eIM");
  CHECK(subject_alt_name_registered_id(other.certificate) == "2.999.21");
  CHECK_THROWS_AS(make_eim(p.ci, {.registered_id = "not.an.oid"}, drbg), std::invalid_argument);
  CHECK_THROWS_AS(make_eim(p.ci, {.registered_id = ""}, drbg), std::invalid_argument);
  Issued wrong_ci{p.ci.certificate, p.eum.key};
  CHECK_THROWS_WITH(make_eim(wrong_ci, {}, drbg), Catch::Contains("CI key does not match"));
}

TEST_CASE("server certificates of the test PKI verify in their role, on both curves") {
  for (Curve curve : {Curve::kNistP256, Curve::kBrainpoolP256r1}) {
    INFO(curve_name(curve));
    const Pki p = make_pki(curve, 2);
    const Bytes pkid = subject_key_identifier(p.ci.certificate);
    const std::vector<Bytes> trusted{p.ci.certificate};
    for (auto [dp, role] :
         {std::pair{&p.dp_auth, RspRole::kDpAuth}, std::pair{&p.dp_pb, RspRole::kDpPb},
          std::pair{&p.dp_tls, RspRole::kDpTls}}) {
      INFO(role_oid(role));
      const ChainResult r = verify_server_certificate(dp->certificate, role, trusted, pkid);
      INFO(r.reason);
      CHECK(r);
      CHECK_FALSE(r.failure.has_value());
      CHECK(r.ci_pkid == pkid);
      REQUIRE(r.key.has_value());
      CHECK(*r.key == dp->key.public_key());
      CHECK(r.registered_id == "2.999.10");
      CHECK(r.eid.empty());
      // No PKID given: the certificate's AKI names the CI.
      CHECK(verify_server_certificate(dp->certificate, role, trusted, {}).ci_pkid == pkid);
    }
  }
}

TEST_CASE("server certificates: role, CI, signature and profile refusals") {
  const Pki p = make_pki(Curve::kNistP256, 3);
  const Pki other = make_pki(Curve::kNistP256, 4);
  const Bytes pkid = subject_key_identifier(p.ci.certificate);
  const Bytes other_pkid = subject_key_identifier(other.ci.certificate);
  const std::vector<Bytes> trusted{other.ci.certificate, p.ci.certificate};
  const Bytes& auth = p.dp_auth.certificate;

  // The wrong role.
  check_refused(verify_server_certificate(auth, RspRole::kDpPb, trusted, pkid),
                ChainFailure::kInvalidOid, kRoleDpPb);
  check_refused(verify_server_certificate(p.dp_pb.certificate, RspRole::kDpAuth, trusted, pkid),
                ChainFailure::kInvalidOid, kRoleDpAuth);
  check_refused(verify_server_certificate(p.dp_tls.certificate, RspRole::kDpAuth, trusted, pkid),
                ChainFailure::kInvalidOid, kRoleDpAuth);

  // CIs: not trusted at all, or trusted but not the one that issued the certificate.
  check_refused(verify_server_certificate(auth, RspRole::kDpAuth, {other.ci.certificate}, pkid),
                ChainFailure::kCiPkUnknown, "not trusted");
  check_refused(verify_server_certificate(auth, RspRole::kDpAuth, {}, {}),
                ChainFailure::kCiPkUnknown, to_hex(pkid));
  check_refused(verify_server_certificate(auth, RspRole::kDpAuth, trusted, Bytes(20, 0xAA)),
                ChainFailure::kCiPkUnknown, "not trusted");
  check_refused(verify_server_certificate(auth, RspRole::kDpAuth, trusted, other_pkid),
                ChainFailure::kInvalidCertificate, "authorityKeyIdentifier");
  // Another CI's certificate under our CI's name is still refused: wrong SKI, wrong key.
  check_refused(
      verify_server_certificate(other.dp_auth.certificate, RspRole::kDpAuth, trusted, pkid),
      ChainFailure::kInvalidCertificate, "authorityKeyIdentifier");

  // Signatures: a changed signature, a changed signed part, a signature by another key.
  Bytes bad_signature = auth;
  bad_signature.back() ^= 0x01;
  check_refused(verify_server_certificate(bad_signature, RspRole::kDpAuth, trusted, pkid),
                ChainFailure::kInvalidCertificate, "signature does not verify");
  Bytes changed = auth;
  const Bytes cn = ascii("euicc-sim Test SM-DP+");
  const Bytes other_cn = ascii("euicc-sim Test SM-DP-");
  auto at_cn = std::search(changed.begin(), changed.end(), cn.begin(), cn.end());
  REQUIRE(at_cn != changed.end());
  std::copy(other_cn.begin(), other_cn.end(), at_cn);
  check_refused(verify_server_certificate(changed, RspRole::kDpAuth, trusted, pkid),
                ChainFailure::kInvalidCertificate, "signature does not verify");
  const Bytes forged = resign(auth, p.dp_auth.key, cn, other_cn);
  check_refused(verify_server_certificate(forged, RspRole::kDpAuth, trusted, pkid),
                ChainFailure::kInvalidCertificate, "signature does not verify");

  // A CA certificate (the EUM: issued by the CI, with its AKI) is no end entity.
  check_refused(verify_server_certificate(p.eum.certificate, RspRole::kEum, trusted, pkid),
                ChainFailure::kInvalidCertificate, "CA certificate");

  // An unknown critical extension (keyUsage's OID changed to 2.5.29.99) is refused; an
  // unknown non-critical one (subjectAltName's) is ignored.
  const Bytes unknown_critical =
      resign(auth, p.ci.key, from_hex("0603551D0F"), from_hex("0603551D63"));
  check_refused(verify_server_certificate(unknown_critical, RspRole::kDpAuth, trusted, pkid),
                ChainFailure::kInvalidCertificate, "unknown critical extension 2.5.29.99");
  const Bytes unknown_plain =
      resign(auth, p.ci.key, from_hex("0603551D11"), from_hex("0603551D63"));
  const ChainResult r = verify_server_certificate(unknown_plain, RspRole::kDpAuth, trusted, pkid);
  CHECK(r);
  CHECK(r.registered_id.empty());
  // keyUsage without digitalSignature (keyCertSign instead).
  const Bytes cert_sign = resign(auth, p.ci.key, from_hex("03020780"), from_hex("03020204"));
  check_refused(verify_server_certificate(cert_sign, RspRole::kDpAuth, trusted, pkid),
                ChainFailure::kInvalidCertificate, "digitalSignature");

  // Keys: a curve that is not ours (1.2.840.10045.3.1.8, same length as P-256's OID), and a key
  // that is not EC at all.
  const Bytes p256 = from_hex("06082A8648CE3D030107");
  const Bytes other_curve = resign(auth, p.ci.key, p256, from_hex("06082A8648CE3D030108"));
  check_refused(verify_server_certificate(other_curve, RspRole::kDpAuth, trusted, pkid),
                ChainFailure::kUnsupportedCurve, "1.2.840.10045.3.1.8");
  const Bytes not_ec =
      resign(auth, p.ci.key, from_hex("06072A8648CE3D0201"), from_hex("06072A8648CE3D0202"));
  check_refused(verify_server_certificate(not_ec, RspRole::kDpAuth, trusted, pkid),
                ChainFailure::kInvalidCertificate, "not an EC key");

  // Not a certificate.
  check_refused(verify_server_certificate({}, RspRole::kDpAuth, trusted, pkid),
                ChainFailure::kInvalidCertificate, "server certificate");
  check_refused(verify_server_certificate(Bytes(auth.begin(), auth.end() - 1), RspRole::kDpAuth,
                                          trusted, pkid),
                ChainFailure::kInvalidCertificate, "server certificate");
}

TEST_CASE("server certificates: validity is checked only when a time is given") {
  const Pki p = make_pki(Curve::kBrainpoolP256r1, 5);
  const std::vector<Bytes> trusted{p.ci.certificate};
  const Bytes& auth = p.dp_auth.certificate;
  CHECK(verify_server_certificate(auth, RspRole::kDpAuth, trusted, {}));
  CHECK(verify_server_certificate(auth, RspRole::kDpAuth, trusted, {}, at(2030y / 6 / 1)));
  CHECK(verify_server_certificate(auth, RspRole::kDpAuth, trusted, {}, at(2060y / 12 / 31)));
  check_refused(verify_server_certificate(auth, RspRole::kDpAuth, trusted, {}, at(2061y / 1 / 1)),
                ChainFailure::kInvalidCertificate, "expired");
  check_refused(verify_server_certificate(auth, RspRole::kDpAuth, trusted, {}, at(2024y / 12 / 31)),
                ChainFailure::kInvalidCertificate, "not yet valid");
}

TEST_CASE("eUICC chains of the test PKI verify and give the EID, on both curves") {
  for (Curve curve : {Curve::kNistP256, Curve::kBrainpoolP256r1}) {
    INFO(curve_name(curve));
    const Pki p = make_pki(curve, 6);
    const Pki other = make_pki(curve, 7);
    const ChainResult r = verify_euicc_chain(p.euicc.certificate, p.eum.certificate,
                                             {other.ci.certificate, p.ci.certificate});
    INFO(r.reason);
    CHECK(r);
    CHECK(r.eid == kEid);
    CHECK(r.ci_pkid == subject_key_identifier(p.ci.certificate));
    REQUIRE(r.key.has_value());
    CHECK(*r.key == p.euicc.key.public_key());
    CHECK(r.registered_id.empty());
    // The eUICC certificate's notAfter 9999-12-31 is no obstacle to a time check.
    CHECK(verify_euicc_chain(p.euicc.certificate, p.eum.certificate, {p.ci.certificate},
                             at(2040y / 1 / 1)));
  }
}

TEST_CASE("eUICC chains: refusals") {
  const Pki p = make_pki(Curve::kNistP256, 8);
  const Pki other = make_pki(Curve::kNistP256, 9);
  const std::vector<Bytes> trusted{p.ci.certificate};
  const Bytes& euicc = p.euicc.certificate;
  const Bytes& eum = p.eum.certificate;

  check_refused(verify_euicc_chain(euicc, eum, {other.ci.certificate}), ChainFailure::kCiPkUnknown,
                "not trusted");
  // An eUICC certificate of another EUM (same CI would not help: wrong AKI, wrong key).
  check_refused(verify_euicc_chain(other.euicc.certificate, eum, trusted),
                ChainFailure::kInvalidCertificate, "eUICC certificate: authorityKeyIdentifier");
  // Certificates in the wrong places. The eUICC certificate as the EUM names the EUM as its
  // CI, which is not trusted.
  check_refused(verify_euicc_chain(eum, euicc, trusted), ChainFailure::kCiPkUnknown,
                to_hex(subject_key_identifier(eum)));
  check_refused(verify_euicc_chain(p.dp_auth.certificate, eum, trusted),
                ChainFailure::kInvalidCertificate, "eUICC certificate: authorityKeyIdentifier");
  // A server certificate as the EUM: issued by the CI, but no CA.
  check_refused(verify_euicc_chain(euicc, p.dp_auth.certificate, trusted),
                ChainFailure::kInvalidCertificate, "EUM certificate: not a CA certificate");

  // Signatures.
  Bytes bad = euicc;
  bad.back() ^= 0x01;
  check_refused(verify_euicc_chain(bad, eum, trusted), ChainFailure::kInvalidCertificate,
                "eUICC certificate: signature does not verify");
  Bytes bad_eum = eum;
  bad_eum.back() ^= 0x01;
  check_refused(verify_euicc_chain(euicc, bad_eum, trusted), ChainFailure::kInvalidCertificate,
                "EUM certificate: signature does not verify");

  // EIDs: outside the EUM's prefix 89049032, or not 32 digits (re-signed by the EUM itself).
  const Bytes eid = ascii(kEid);
  Bytes outside_eid = eid;
  outside_eid[7] = '3';  // 89049033...
  check_refused(verify_euicc_chain(resign(euicc, p.eum.key, eid, outside_eid), eum, trusted),
                ChainFailure::kInvalidCertificate, "outside the EUM's nameConstraints");
  Bytes letters = eid;
  letters[20] = 'X';
  check_refused(verify_euicc_chain(resign(euicc, p.eum.key, eid, letters), eum, trusted),
                ChainFailure::kInvalidCertificate, "32-digit EID");
  // An EUM whose nameConstraints permit nothing of the kind admits no EID.
  auto drbg = Drbg::from_seed(10);
  const Issued eum_elsewhere = make_eum(p.ci, {.eid_prefix = "8900"}, drbg);
  const Bytes eum_elsewhere_euicc =
      make_euicc(eum_elsewhere, "89001234567890123456789012345678", drbg).certificate;
  CHECK(verify_euicc_chain(eum_elsewhere_euicc, eum_elsewhere.certificate, trusted));
  // The permitted name's serialNumber (2.5.4.5) turned into a countryName (2.5.4.6).
  const Bytes no_prefix =
      resign(eum_elsewhere.certificate, p.ci.key, from_hex("0603550405"), from_hex("0603550406"));
  CHECK(permitted_serial_numbers(no_prefix).empty());
  check_refused(verify_euicc_chain(eum_elsewhere_euicc, no_prefix, trusted),
                ChainFailure::kInvalidCertificate, "outside the EUM's nameConstraints");
  // nameConstraints under an unknown OID: an unknown critical extension.
  const Bytes unknown_critical =
      resign(eum_elsewhere.certificate, p.ci.key, from_hex("0603551D1E"), from_hex("0603551D63"));
  check_refused(verify_euicc_chain(eum_elsewhere_euicc, unknown_critical, trusted),
                ChainFailure::kInvalidCertificate, "unknown critical extension");

  // Roles: the eUICC certificate claiming DPauth, the EUM claiming eUICC.
  check_refused(verify_euicc_chain(resign(euicc, p.eum.key, from_hex("0767811201020101"),
                                          from_hex("0767811201020104")),
                                   eum, trusted),
                ChainFailure::kInvalidOid, kRoleEuicc);
  check_refused(
      verify_euicc_chain(
          euicc, resign(eum, p.ci.key, from_hex("0767811201020102"), from_hex("0767811201020101")),
          trusted),
      ChainFailure::kInvalidOid, kRoleEum);

  // Time: the CI and the EUM end in 2060 (the CI, checked first, is named).
  check_refused(verify_euicc_chain(euicc, eum, trusted, at(2061y / 1 / 1)),
                ChainFailure::kInvalidCertificate, "CI certificate: expired");
  check_refused(verify_euicc_chain(euicc, eum, trusted, at(2024y / 1 / 1)),
                ChainFailure::kInvalidCertificate, "not yet valid");
}

TEST_CASE("SGP.26 reference certificates verify as GSMA servers and cards would", "[.reference]") {
  const fs::path dir = test::reference_dir() / "sgp26";
  REQUIRE(fs::is_directory(dir));
  const Bytes ci = read(dir / "CERT_CI_ECDSA_NIST.der");
  const Bytes ci_brp = read(dir / "CERT_CI_ECDSA_BRP.der");
  const Bytes nist_pkid = from_hex("F54172BDF98A95D65CBEB88A38A1C11D800A85C3");
  const Bytes brp_pkid = from_hex("C0BC70BA36929D43B467FF57570530E57AB8FCD8");
  CHECK(subject_key_identifier(ci) == nist_pkid);
  CHECK(subject_key_identifier(ci_brp) == brp_pkid);
  const std::vector<Bytes> both{ci, ci_brp};

  struct Case {
    const char* file;
    RspRole role;
    const Bytes& pkid;
  };
  for (const Case& c : {Case{"CERT_S_SM_DPauth_ECDSA_NIST.der", RspRole::kDpAuth, nist_pkid},
                        Case{"CERT_S_SM_DPpb_ECDSA_NIST.der", RspRole::kDpPb, nist_pkid},
                        Case{"CERT_S_SM_DPauth_ECDSA_BRP.der", RspRole::kDpAuth, brp_pkid},
                        Case{"CERT_S_SM_DPpb_ECDSA_BRP.der", RspRole::kDpPb, brp_pkid},
                        Case{"CERT_S_SM_DP_TLS_NIST.der", RspRole::kDpTls, nist_pkid}}) {
    INFO(c.file);
    const Bytes cert = read(dir / c.file);
    const ChainResult r = verify_server_certificate(cert, c.role, both, c.pkid);
    INFO(r.reason);
    CHECK(r);
    CHECK(r.ci_pkid == c.pkid);
    CHECK(r.registered_id == "2.999.10");
    REQUIRE(r.key.has_value());
    CHECK(*r.key == PublicKey::from_certificate(cert));
  }

  const Bytes auth = read(dir / "CERT_S_SM_DPauth_ECDSA_NIST.der");
  const Bytes pb = read(dir / "CERT_S_SM_DPpb_ECDSA_NIST.der");
  const Bytes auth_brp = read(dir / "CERT_S_SM_DPauth_ECDSA_BRP.der");
  // The wrong CI named: trusted but not the issuer, or not trusted at all.
  check_refused(verify_server_certificate(auth, RspRole::kDpAuth, both, brp_pkid),
                ChainFailure::kInvalidCertificate, "authorityKeyIdentifier");
  check_refused(verify_server_certificate(auth, RspRole::kDpAuth, {ci}, brp_pkid),
                ChainFailure::kCiPkUnknown, to_hex(brp_pkid));
  check_refused(verify_server_certificate(auth_brp, RspRole::kDpAuth, {ci}, {}),
                ChainFailure::kCiPkUnknown, "not trusted");
  check_refused(verify_server_certificate(auth, RspRole::kDpPb, both, nist_pkid),
                ChainFailure::kInvalidOid, kRoleDpPb);
  check_refused(verify_server_certificate(pb, RspRole::kDpAuth, both, nist_pkid),
                ChainFailure::kInvalidOid, kRoleDpAuth);
  // Valid 2020-04-01 to 2030-03-30; a card has no clock, a time-aware caller sees the end.
  CHECK(verify_server_certificate(auth, RspRole::kDpAuth, both, nist_pkid, at(2026y / 1 / 1)));
  check_refused(
      verify_server_certificate(auth, RspRole::kDpAuth, both, nist_pkid, at(2030y / 3 / 31)),
      ChainFailure::kInvalidCertificate, "expired");
  check_refused(verify_server_certificate(read(dir / "CERT_S_SM_DP_TLS_NIST.der"), RspRole::kDpTls,
                                          both, nist_pkid, at(2026y / 8 / 3)),
                ChainFailure::kInvalidCertificate, "expired");

  // A card issued by the SGP.26 test EUM verifies under the SGP.26 CI.
  const Bytes eum = read(dir / "CERT_EUM_ECDSA_NIST.der");
  const Issued sgp26_eum{eum, PrivateKey::from_pem([&] {
                           std::ifstream in(dir / "SK_EUM_ECDSA_NIST.pem");
                           return std::string((std::istreambuf_iterator<char>(in)),
                                              std::istreambuf_iterator<char>());
                         }())};
  auto drbg = Drbg::from_seed(26);
  const Issued card = make_euicc(sgp26_eum, kEid, drbg);
  const ChainResult r = verify_euicc_chain(card.certificate, eum, both);
  INFO(r.reason);
  CHECK(r);
  CHECK(r.eid == kEid);
  CHECK(r.ci_pkid == nist_pkid);
  check_refused(verify_euicc_chain(card.certificate, eum, {ci_brp}), ChainFailure::kCiPkUnknown,
                "not trusted");
}
