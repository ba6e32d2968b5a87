// crypto/ecka: published ECDH answers on both GSMA curves (RFC 5903, RFC 7027), agreement from
// either side, and keys on different curves.
#include <catch.hpp>

#include "../support/vec_file.hpp"
#include "euiccsim/crypto/ecka.hpp"

using namespace euiccsim;
using namespace euiccsim::crypto;

namespace {

const test::Vector& vector(const std::string& name) {
  static const test::VecFile file = test::read_vec_file(test::test_data_dir() / "crypto/ecka.vec");
  auto it = file.find(name);
  if (it == file.end() || it->second.size() != 1)
    throw std::runtime_error("ecka.vec has not exactly one vector in [" + name + "]");
  return it->second.front();
}

}  // namespace

TEST_CASE("ECKA: RFC 5903 (P-256) and RFC 7027 (brainpoolP256r1) shared secrets, both ways") {
  for (auto [name, curve] : {std::pair{"p256", Curve::kNistP256},
                             std::pair{"brainpoolp256r1", Curve::kBrainpoolP256r1}}) {
    INFO(name);
    const test::Vector& v = vector(name);
    const PrivateKey a = PrivateKey::from_scalar(curve, v.hex("DA"));
    const PrivateKey b = PrivateKey::from_scalar(curve, v.hex("DB"));
    CHECK(to_hex(a.public_point()) == to_hex(v.hex("PA")));
    CHECK(to_hex(b.public_point()) == to_hex(v.hex("PB")));
    const SecureBytes ab = ecka_shared_secret(a, PublicKey::from_point(curve, v.hex("PB")));
    const SecureBytes ba = ecka_shared_secret(b, PublicKey::from_point(curve, v.hex("PA")));
    CHECK(ab.size() == 32);
    CHECK(to_hex(ab) == to_hex(v.hex("Z")));
    CHECK(to_hex(ba) == to_hex(v.hex("Z")));
  }
}

TEST_CASE("ECKA: generated one-time key pairs agree, and differ per pair") {
  auto drbg = Drbg::from_seed(7, "ecka");
  for (Curve curve : {Curve::kNistP256, Curve::kBrainpoolP256r1}) {
    INFO(curve_name(curve));
    const PrivateKey euicc = PrivateKey::generate(curve, drbg);
    const PrivateKey dp = PrivateKey::generate(curve, drbg);
    const PrivateKey other = PrivateKey::generate(curve, drbg);
    const SecureBytes shs = ecka_shared_secret(euicc, dp.public_key());
    CHECK(shs == ecka_shared_secret(dp, euicc.public_key()));
    CHECK(shs != ecka_shared_secret(other, dp.public_key()));
  }
}

TEST_CASE("ECKA: keys on different curves are refused with KeyError") {
  const PrivateKey p256 = PrivateKey::from_scalar(Curve::kNistP256, vector("p256").hex("DA"));
  const PrivateKey brainpool =
      PrivateKey::from_scalar(Curve::kBrainpoolP256r1, vector("brainpoolp256r1").hex("DA"));
  CHECK_THROWS_AS(ecka_shared_secret(p256, brainpool.public_key()), KeyError);
  CHECK_THROWS_WITH(ecka_shared_secret(brainpool, p256.public_key()),
                    Catch::Contains("different curves"));
  // A P-256 point is not a brainpoolP256r1 point: refused before any agreement.
  CHECK_THROWS_AS(PublicKey::from_point(Curve::kBrainpoolP256r1, vector("p256").hex("PB")),
                  KeyError);
}
