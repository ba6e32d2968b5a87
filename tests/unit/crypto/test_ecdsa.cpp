// crypto/ecdsa: known answers (RFC 6979, Wycheproof), key formats and signature forms.
#include <catch.hpp>

#include <botan/bigint.h>
#include <botan/ec_group.h>

#include <algorithm>
#include <string>

#include "../support/vec_file.hpp"
#include "euiccsim/crypto/ecdsa.hpp"

using namespace euiccsim;
using namespace euiccsim::crypto;

namespace {

const test::VecFile& vectors() {
  static const test::VecFile file = test::read_vec_file(test::test_data_dir() / "crypto/ecdsa.vec");
  return file;
}

const std::vector<test::Vector>& section(const std::string& name) {
  auto it = vectors().find(name);
  if (it == vectors().end() || it->second.empty())
    throw std::runtime_error("ecdsa.vec has no vectors in [" + name + "]");
  return it->second;
}

Bytes cat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// Replaces the one occurrence of `from` in `in` (a test fixture edit).
Bytes replace_once(Bytes in, const Bytes& from, const Bytes& to) {
  auto it = std::search(in.begin(), in.end(), from.begin(), from.end());
  REQUIRE(it != in.end());
  std::copy(to.begin(), to.end(), it);
  return in;
}

// RFC 6979 A.2.5's key (P-256), written by Python cryptography (OpenSSL) in both PEM forms.
constexpr const char* kRfcKeySec1 = R"(-----BEGIN EC PRIVATE KEY-----
MHcCAQEEIMmvqdhFunUWa1whV2ex1pNOUMPbNuibEnuKYisSD2choAoGCCqGSM49
AwEHoUQDQgAEYP7UuiVanTHJYet0xjVtaMBJuJI7Yfps5mliLmDyn7Z5A/4QCLi8
maQa6elWKLxk8vGyDC1+n1F3o8KU1EYimQ==
-----END EC PRIVATE KEY-----
)";
constexpr const char* kRfcKeyPkcs8 = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgya+p2EW6dRZrXCFX
Z7HWk05Qw9s26JsSe4piKxIPZyGhRANCAARg/tS6JVqdMclh63TGNW1owEm4kjth
+mzmaWIuYPKftnkD/hAIuLyZpBrp6VYovGTy8bIMLX6fUXejwpTURiKZ
-----END PRIVATE KEY-----
)";
// The same scalar as a bare SEC1 ECPrivateKey (no curve, no public key), preceded by the
// P-256 EC PARAMETERS block, the layout `openssl ecparam -genkey` writes (and SGP.26's files).
constexpr const char* kP256Parameters = R"(-----BEGIN EC PARAMETERS-----
BggqhkjOPQMBBw==
-----END EC PARAMETERS-----
)";
constexpr const char* kRfcKeyBareSec1 = R"(-----BEGIN EC PRIVATE KEY-----
MCUCAQEEIMmvqdhFunUWa1whV2ex1pNOUMPbNuibEnuKYisSD2ch
-----END EC PRIVATE KEY-----
)";
// brainpoolP256r1, scalar 0123456789ABCDEF repeated, by Python cryptography; its public point:
constexpr const char* kBrainpoolSec1 = R"(-----BEGIN EC PRIVATE KEY-----
MHgCAQEEIAEjRWeJq83vASNFZ4mrze8BI0VniavN7wEjRWeJq83voAsGCSskAwMC
CAEBB6FEA0IABAgdFk4VguZPDxp4lqtIdrNTnoCWQ1GIqBTdhuaU6i9kZsMZ5ZiH
owKBuAVJeLo2I9WguFUKtVqzhPI33lX0Bcg=
-----END EC PRIVATE KEY-----
)";
constexpr const char* kBrainpoolPoint =
    "04081D164E1582E64F0F1A7896AB4876B3539E8096435188A814DD86E694EA2F64"
    "66C319E59887A30281B8054978BA3623D5A0B8550AB55AB384F237DE55F405C8";

}  // namespace

TEST_CASE("curve names and OIDs") {
  CHECK(std::string(curve_name(Curve::kNistP256)) == "NIST P-256");
  CHECK(std::string(curve_name(Curve::kBrainpoolP256r1)) == "brainpoolP256r1");
  CHECK(curve_from_oid("1.2.840.10045.3.1.7") == Curve::kNistP256);
  CHECK(curve_from_oid("1.3.36.3.3.2.8.1.1.7") == Curve::kBrainpoolP256r1);
  CHECK_FALSE(curve_from_oid("1.3.132.0.34").has_value());  // P-384
}

TEST_CASE("RFC 6979 A.2.5: P-256 with SHA-256 signs exactly the published r||s") {
  for (const auto& v : section("rfc6979_p256_sha256")) {
    INFO("ecdsa.vec line " << v.line_number);
    const Bytes point = cat(cat(Bytes{0x04}, v.hex("Ux")), v.hex("Uy"));
    const Bytes expected = cat(v.hex("R"), v.hex("S"));
    const Bytes message = v.hex("Msg");

    PrivateKey key = PrivateKey::from_scalar(Curve::kNistP256, v.hex("X"));
    CHECK(to_hex(key.public_point()) == to_hex(point));
    CHECK(to_hex(key.sign(message)) == to_hex(expected));

    PublicKey pub = PublicKey::from_point(Curve::kNistP256, point);
    CHECK(pub.verify(message, expected));
    CHECK(signature_der_to_raw(signature_raw_to_der(expected)) == expected);
  }
}

TEST_CASE("Wycheproof brainpoolP256r1 signatures by another implementation verify") {
  // No public deterministic-nonce vector for brainpoolP256r1 was found, so signing on this
  // curve is checked by round trips below; these check that our verification agrees with
  // other implementations, and the DER reading on the way.
  for (const auto& v : section("wycheproof_brainpoolp256r1_sha256_valid")) {
    INFO("ecdsa.vec line " << v.line_number);
    PublicKey pub = PublicKey::from_point(Curve::kBrainpoolP256r1, v.hex("Point"));
    const Bytes raw = signature_der_to_raw(v.hex("Signature"));
    CHECK(pub.verify(v.hex("Msg"), raw));
    CHECK(signature_raw_to_der(raw) == v.hex("Signature"));
    Bytes other = v.hex("Msg");
    other.push_back(0x00);
    CHECK_FALSE(pub.verify(other, raw));
  }
}

TEST_CASE("a SubjectPublicKeyInfo matches Wycheproof's encoding and reads back") {
  const auto& v = section("wycheproof_brainpoolp256r1_sha256_valid").front();
  PublicKey pub = PublicKey::from_point(Curve::kBrainpoolP256r1, v.hex("Point"));
  // Wycheproof's publicKeyDer for this key.
  CHECK(to_hex(pub.subject_public_key_info()) ==
        "305A301406072A8648CE3D020106092B240303020801010703420004" +
            to_hex(v.hex("Point")).substr(2));
  CHECK(PublicKey::from_subject_public_key_info(pub.subject_public_key_info()) == pub);
  CHECK_THROWS_AS(PublicKey::from_subject_public_key_info(from_hex("3000")), KeyError);
}

TEST_CASE("DER signatures that are BER, or wrongly sized, are refused") {
  for (const auto& v : section("wycheproof_brainpoolp256r1_sha256_not_der")) {
    INFO("ecdsa.vec line " << v.line_number);
    CHECK_THROWS_AS(signature_der_to_raw(v.hex("Signature")), KeyError);
  }
  const Bytes good = section("wycheproof_brainpoolp256r1_sha256_valid").front().hex("Signature");
  Bytes indefinite = good;
  indefinite[1] = 0x80;
  indefinite.insert(indefinite.end(), {0x00, 0x00});
  CHECK_THROWS_AS(signature_der_to_raw(indefinite), KeyError);
  Bytes trailing = good;
  trailing.push_back(0x00);
  CHECK_THROWS_AS(signature_der_to_raw(trailing), KeyError);
  CHECK_THROWS_AS(signature_der_to_raw({}), KeyError);
  CHECK_THROWS_WITH(signature_der_to_raw(from_hex("3006020180020101")),
                    Catch::Contains("negative"));
  CHECK_THROWS_WITH(signature_der_to_raw(from_hex("300702020001020101")),
                    Catch::Contains("leading zero"));
  CHECK_THROWS_WITH(signature_der_to_raw(from_hex("3006020100020101")), Catch::Contains("zero"));
  // 33 significant bytes: larger than any 256-bit order.
  Bytes long_r = from_hex("3026022101" + std::string(64, '1') + "020101");
  CHECK_THROWS_WITH(signature_der_to_raw(long_r), Catch::Contains("longer than 32"));
  CHECK_THROWS_AS(signature_der_to_raw(from_hex("3103020101")), KeyError);
}

TEST_CASE("signature forms convert both ways, leading zeros included") {
  for (const auto& v : section("signature_forms")) {
    INFO("ecdsa.vec line " << v.line_number);
    CHECK(to_hex(signature_raw_to_der(v.hex("Raw"))) == to_hex(v.hex("Der")));
    CHECK(to_hex(signature_der_to_raw(v.hex("Der"))) == to_hex(v.hex("Raw")));
  }
  CHECK_THROWS_WITH(signature_raw_to_der(Bytes(63, 1)), Catch::Contains("64 bytes"));
  CHECK_THROWS_AS(signature_raw_to_der(Bytes(65, 1)), KeyError);
  Bytes zero_s(64, 1);
  std::fill(zero_s.begin() + 32, zero_s.end(), 0);
  CHECK_THROWS_WITH(signature_raw_to_der(zero_s), Catch::Contains("zero"));
}

TEST_CASE("sign and verify round trip on both curves, and tampering is caught") {
  // brainpoolP256r1 has no deterministic known answer here (see above): this round trip,
  // plus tampered message and signature checks, stands in for it.
  auto drbg = Drbg::from_seed(6979, "ecdsa test");
  for (Curve curve : {Curve::kNistP256, Curve::kBrainpoolP256r1}) {
    INFO(curve_name(curve));
    PrivateKey key = PrivateKey::generate(curve, drbg);
    PublicKey pub = key.public_key();
    CHECK(pub.curve() == curve);
    CHECK(key.public_point().size() == 65);
    const Bytes message = from_hex("BF3800A0");
    const Bytes sig = key.sign(message);
    REQUIRE(sig.size() == 64);
    CHECK(pub.verify(message, sig));
    CHECK(key.sign(message) == sig);  // RFC 6979: no randomness in the signature

    Bytes tampered_message = message;
    tampered_message[1] ^= 0x01;
    CHECK_FALSE(pub.verify(tampered_message, sig));
    for (std::size_t i : {0u, 31u, 32u, 63u}) {
      Bytes tampered = sig;
      tampered[i] ^= 0x80;
      CHECK_FALSE(pub.verify(message, tampered));
    }
    CHECK_FALSE(pub.verify(message, Bytes(sig.begin(), sig.end() - 1)));
    CHECK_FALSE(pub.verify(message, cat(sig, Bytes{0})));
    CHECK_FALSE(pub.verify(message, {}));
    CHECK_FALSE(pub.verify(message, Bytes(64, 0)));
    CHECK_FALSE(pub.verify(message, Bytes(64, 0xFF)));  // r, s >= n

    PublicKey stranger = PrivateKey::generate(curve, drbg).public_key();
    CHECK_FALSE(stranger.verify(message, sig));
  }
}

TEST_CASE("a key from the other curve with the same coordinates does not verify") {
  auto drbg = Drbg::from_seed(1);
  PrivateKey p256 = PrivateKey::generate(Curve::kNistP256, drbg);
  CHECK_THROWS_AS(PublicKey::from_point(Curve::kBrainpoolP256r1, p256.public_point()), KeyError);
}

TEST_CASE("seeded key generation repeats; other seeds differ") {
  for (Curve curve : {Curve::kNistP256, Curve::kBrainpoolP256r1}) {
    INFO(curve_name(curve));
    auto a = Drbg::from_seed(5, "keys");
    auto b = Drbg::from_seed(5, "keys");
    auto c = Drbg::from_seed(6, "keys");
    PrivateKey ka = PrivateKey::generate(curve, a);
    CHECK(ka.pkcs8() == PrivateKey::generate(curve, b).pkcs8());
    CHECK(ka.public_point() != PrivateKey::generate(curve, c).public_point());
    // The next key from the same stream is a different one.
    CHECK(PrivateKey::generate(curve, a).public_point() != ka.public_point());
  }
}

TEST_CASE("PKCS#8 round trips, DER and PEM") {
  auto drbg = Drbg::from_seed(8);
  for (Curve curve : {Curve::kNistP256, Curve::kBrainpoolP256r1}) {
    INFO(curve_name(curve));
    PrivateKey key = PrivateKey::generate(curve, drbg);
    PrivateKey back = PrivateKey::from_pkcs8(key.pkcs8());
    CHECK(back.curve() == curve);
    CHECK(back.public_point() == key.public_point());
    CHECK(back.pkcs8() == key.pkcs8());
    const std::string pem = key.pkcs8_pem();
    CHECK(pem.rfind("-----BEGIN PRIVATE KEY-----", 0) == 0);
    CHECK(PrivateKey::from_pem(pem).pkcs8() == key.pkcs8());
  }
}

TEST_CASE("OpenSSL's PEM forms load: SEC1 EC PRIVATE KEY and PKCS#8") {
  const auto& rfc = section("rfc6979_p256_sha256").front();
  const Bytes rfc_point = cat(cat(Bytes{0x04}, rfc.hex("Ux")), rfc.hex("Uy"));
  const std::string bare_with_parameters = std::string(kP256Parameters) + kRfcKeyBareSec1;
  for (const std::string& pem :
       {std::string(kRfcKeySec1), std::string(kRfcKeyPkcs8), bare_with_parameters}) {
    PrivateKey key = PrivateKey::from_pem(pem);
    CHECK(key.curve() == Curve::kNistP256);
    CHECK(to_hex(key.public_point()) == to_hex(rfc_point));
    CHECK(to_hex(key.sign(rfc.hex("Msg"))) == to_hex(cat(rfc.hex("R"), rfc.hex("S"))));
  }
  PrivateKey bp = PrivateKey::from_pem(kBrainpoolSec1);
  CHECK(bp.curve() == Curve::kBrainpoolP256r1);
  CHECK(to_hex(bp.public_point()) == kBrainpoolPoint);
  // Windows line ends and text around the block change nothing.
  std::string crlf = "key for the test\r\n";
  for (const char* p = kRfcKeySec1; *p; ++p) {
    if (*p == '\n') crlf += '\r';
    crlf += *p;
  }
  CHECK(PrivateKey::from_pem(crlf).public_point() == rfc_point);
}

TEST_CASE("unusable keys are refused with one clear line and no key material") {
  auto refused = [](auto load, const std::string& reason) {
    try {
      load();
      FAIL("accepted; expected: " << reason);
    } catch (const KeyError& e) {
      std::string what = e.what();
      CHECK_THAT(what, Catch::Contains(reason));
      CHECK(what.find('\n') == std::string::npos);
      // Not the RFC scalar in any case.
      CHECK(what.find("C9AFA9") == std::string::npos);
      CHECK(what.find("c9afa9") == std::string::npos);
    }
  };
  refused([] { PrivateKey::from_pem("hello"); }, "no PRIVATE KEY or EC PRIVATE KEY block");
  refused([] { PrivateKey::from_pem("-----BEGIN EC PRIVATE KEY-----\nAAAA"); }, "no END line");
  refused(
      [] {
        PrivateKey::from_pem("-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n");
      },
      "not valid base64");
  refused(
      [] {
        PrivateKey::from_pem(
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMA==\n-----END ENCRYPTED PRIVATE KEY-----\n");
      },
      "encrypted PKCS#8");
  refused(
      [] {
        PrivateKey::from_pem(
            "-----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n"
            "DEK-Info: AES-128-CBC,00\n\nMA==\n-----END EC PRIVATE KEY-----\n");
      },
      "encrypted EC PRIVATE KEY");
  // The bare SEC1 key without its EC PARAMETERS block names no curve.
  refused([] { PrivateKey::from_pem(kRfcKeyBareSec1); }, "names no curve");
  refused([] { PrivateKey::from_pkcs8(from_hex("0102030405")); }, "PKCS#8 key");
  refused([] { PrivateKey::from_pkcs8({}); }, "PKCS#8 key");
  // rsaEncryption (1.2.840.113549.1.1.1) with a dummy key.
  refused(
      [] {
        PrivateKey::from_pkcs8(from_hex("301702010030 0D06092A864886F70D0101010500 0403010203"));
      },
      "not an EC key (algorithm 1.2.840.113549.1.1.1)");
  // id-ecPublicKey on secp384r1.
  refused(
      [] {
        PrivateKey::from_pkcs8(from_hex("3018020100301006072A8648CE3D020106052B81040022 0401 00"));
      },
      "curve 1.3.132.0.34 is not supported");
  // Explicit curve parameters (a SEQUENCE where the OID should be).
  refused(
      [] { PrivateKey::from_pkcs8(from_hex("3014020100300C06072A8648CE3D02013001 00 040100")); },
      "explicit curve parameters");
  refused([] { PrivateKey::from_scalar(Curve::kNistP256, Bytes(32, 0)); }, "out of range");
  refused([] { PrivateKey::from_scalar(Curve::kNistP256, Bytes(32, 0xFF)); }, "out of range");
  refused([] { PrivateKey::from_scalar(Curve::kNistP256, Bytes(33, 0x01)); }, "longer than 32");
  // A PKCS#8 key whose stored public point belongs to another key.
  auto drbg = Drbg::from_seed(9);
  PrivateKey a = PrivateKey::generate(Curve::kNistP256, drbg);
  PrivateKey b = PrivateKey::generate(Curve::kNistP256, drbg);
  SecureBytes p8 = a.pkcs8();
  Bytes swapped = replace_once(Bytes(p8.begin(), p8.end()), a.public_point(), b.public_point());
  refused([&] { PrivateKey::from_pkcs8(swapped); }, "does not match the private key");
}

TEST_CASE("public points off the curve or in the wrong form are refused") {
  const auto& rfc = section("rfc6979_p256_sha256").front();
  const Bytes point = cat(cat(Bytes{0x04}, rfc.hex("Ux")), rfc.hex("Uy"));
  CHECK_NOTHROW(PublicKey::from_point(Curve::kNistP256, point));
  Bytes off = point;
  off.back() ^= 0x01;
  CHECK_THROWS_WITH(PublicKey::from_point(Curve::kNistP256, off),
                    Catch::Contains("not on NIST P-256"));
  Bytes compressed = Bytes(point.begin(), point.begin() + 33);
  compressed[0] = 0x02;
  CHECK_THROWS_WITH(PublicKey::from_point(Curve::kNistP256, compressed),
                    Catch::Contains("uncompressed"));
  CHECK_THROWS_AS(PublicKey::from_point(Curve::kNistP256, Bytes{0x00}), KeyError);
  CHECK_THROWS_AS(PublicKey::from_point(Curve::kNistP256, Bytes(65, 0)), KeyError);
  Bytes zero = Bytes(65, 0);
  zero[0] = 0x04;
  CHECK_THROWS_AS(PublicKey::from_point(Curve::kNistP256, zero), KeyError);
}

TEST_CASE("a public point with a coordinate not reduced modulo p is refused") {
  // brainpoolP256r1's p is about 0.66 * 2^256, so for any point (x, y) one of y and p - y
  // (both valid points) still fits 32 bytes once p is added: the same point modulo p,
  // written with a coordinate outside [0, p-1].
  auto drbg = Drbg::from_seed(5, "unreduced");
  const Bytes point = PrivateKey::generate(Curve::kBrainpoolP256r1, drbg).public_point();
  const Botan::BigInt p = Botan::EC_Group("brainpool256r1").get_p();
  Botan::BigInt y(point.data() + 33, 32);
  if (p - y < y) y = p - y;
  Bytes valid(point.begin(), point.begin() + 33);
  const auto y_bytes = Botan::BigInt::encode_1363(y, 32);
  valid.insert(valid.end(), y_bytes.begin(), y_bytes.end());
  CHECK_NOTHROW(PublicKey::from_point(Curve::kBrainpoolP256r1, valid));
  Bytes unreduced(point.begin(), point.begin() + 33);
  const auto y_plus_p = Botan::BigInt::encode_1363(y + p, 32);
  unreduced.insert(unreduced.end(), y_plus_p.begin(), y_plus_p.end());
  CHECK_THROWS_AS(PublicKey::from_point(Curve::kBrainpoolP256r1, unreduced), KeyError);
}
