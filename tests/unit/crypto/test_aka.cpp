// crypto/aka: the TS 34.108 §8.1.2 test algorithm against values worked out by hand
// (tests/data/crypto/aka_test_algorithm.vec), each also recomputed here by a second
// implementation that follows the clause's bit-index formulas one bit at a time; c2 and c3.
#include <catch.hpp>

#include <string>

#include "../support/vec_file.hpp"
#include "euiccsim/crypto/aka.hpp"

using namespace euiccsim;
using namespace euiccsim::crypto;

namespace {

const std::vector<test::Vector>& vectors() {
  static const test::VecFile file =
      test::read_vec_file(test::test_data_dir() / "crypto/aka_test_algorithm.vec");
  return file.at("test_algorithm");
}

// --- the second implementation: bits numbered as in TS 34.108, bit 0 the most significant of
// byte 0.
using Bits = std::vector<int>;
Bits bits_of(const Bytes& b) {
  Bits out;
  for (auto byte : b)
    for (int i = 7; i >= 0; --i) out.push_back((byte >> i) & 1);
  return out;
}
Bytes bytes_of(const Bits& bits) {
  Bytes out(bits.size() / 8, 0);
  for (std::size_t i = 0; i < bits.size(); ++i)
    if (bits[i]) out[i / 8] |= static_cast<std::uint8_t>(0x80 >> (i % 8));
  return out;
}
// XDOUT[bits first..last] (inclusive), then, for the rotations, XDOUT[bits 0..wrap-1].
Bits select(const Bits& x, int first, int last, int wrap = 0) {
  Bits out;
  for (int i = first; i <= last; ++i) out.push_back(x[static_cast<std::size_t>(i)]);
  for (int i = 0; i < wrap; ++i) out.push_back(x[static_cast<std::size_t>(i)]);
  return out;
}
Bits xor_bits(const Bits& a, const Bits& b) {
  Bits out(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) out[i] = a[i] ^ b[i];
  return out;
}
Bits cat(Bits a, const Bits& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::string hex(const test::Vector& v, const char* key) {
  return to_hex(v.hex(key));
}

}  // namespace

TEST_CASE("Test algorithm (TS 34.108 §8.1.2): hand-worked values, cross-checked bit by bit") {
  REQUIRE(vectors().size() == 2);
  for (const auto& v : vectors()) {
    INFO("line " << v.line_number);
    const Bytes k = v.hex("K"), rand = v.hex("RAND"), sqn = v.hex("SQN"), amf = v.hex("AMF");
    const Bits xdout = xor_bits(bits_of(k), bits_of(rand));
    REQUIRE(to_hex(bytes_of(xdout)) == hex(v, "XDOUT"));

    // Step 2: RES, CK, IK, AK by bit selection.
    CHECK(to_hex(bytes_of(select(xdout, 0, 127))) == hex(v, "RES16"));
    CHECK(to_hex(bytes_of(select(xdout, 0, 63))) == hex(v, "RES8"));
    CHECK(to_hex(bytes_of(select(xdout, 8, 127, 8))) == hex(v, "CK"));
    CHECK(to_hex(bytes_of(select(xdout, 16, 127, 16))) == hex(v, "IK"));
    CHECK(to_hex(bytes_of(select(xdout, 24, 71))) == hex(v, "AK"));
    // Steps 3-5: CDOUT = SQN || AMF, MAC = XDOUT[0..63] xor CDOUT, AUTN.
    const Bits mac = xor_bits(select(xdout, 0, 63), cat(bits_of(sqn), bits_of(amf)));
    CHECK(to_hex(bytes_of(mac)) == hex(v, "MAC"));
    const Bits autn = cat(cat(xor_bits(bits_of(sqn), select(xdout, 24, 71)), bits_of(amf)), mac);
    CHECK(to_hex(bytes_of(autn)) == hex(v, "AUTN"));
    // §8.1.2.2: MAC-S with AMF* = 0000.
    const Bits macs =
        xor_bits(select(xdout, 0, 63), cat(bits_of(v.hex("SQN_MS")), bits_of(Bytes{0, 0})));
    CHECK(to_hex(bytes_of(macs)) == hex(v, "MACS"));

    // The implementation under test.
    const auto out16 = aka::test_algorithm::f2345(k, rand, 16);
    CHECK(to_hex(out16.res) == hex(v, "RES16"));
    CHECK(to_hex(out16.ck) == hex(v, "CK"));
    CHECK(to_hex(out16.ik) == hex(v, "IK"));
    CHECK(to_hex(out16.ak) == hex(v, "AK"));
    CHECK(to_hex(aka::test_algorithm::f2345(k, rand, 8).res) == hex(v, "RES8"));
    CHECK(to_hex(aka::test_algorithm::f1(k, rand, sqn, amf)) == hex(v, "MAC"));
    CHECK(to_hex(aka::test_algorithm::f1(k, rand, v.hex("SQN_MS"), Bytes{0, 0})) == hex(v, "MACS"));
    Bytes auts = v.hex("SQN_MS");
    for (std::size_t i = 0; i < 6; ++i) auts[i] ^= out16.ak[i];
    const Bytes macs_impl = aka::test_algorithm::f1(k, rand, v.hex("SQN_MS"), Bytes{0, 0});
    auts.insert(auts.end(), macs_impl.begin(), macs_impl.end());
    CHECK(to_hex(auts) == hex(v, "AUTS"));
    CHECK(to_hex(aka::c2(out16.res)) == hex(v, "SRES16"));
    CHECK(to_hex(aka::c2(aka::test_algorithm::f2345(k, rand, 8).res)) == hex(v, "SRES8"));
    if (v.has("Kc")) CHECK(to_hex(aka::c3(out16.ck, out16.ik)) == hex(v, "Kc"));
  }
}

TEST_CASE("Test algorithm: RES of 4 to 16 bytes; wrong lengths are refused") {
  const Bytes k = from_hex("000102030405060708090a0b0c0d0e0f");
  const Bytes rand = from_hex("00112233445566778899aabbccddeeff");
  CHECK(to_hex(aka::test_algorithm::f2345(k, rand, 4).res) == "00102030");
  CHECK_THROWS_AS(aka::test_algorithm::f2345(k, rand, 3), std::invalid_argument);
  CHECK_THROWS_AS(aka::test_algorithm::f2345(k, rand, 17), std::invalid_argument);
  CHECK_THROWS_AS(aka::test_algorithm::f2345(Bytes(32), rand, 8), std::invalid_argument);
  CHECK_THROWS_AS(aka::test_algorithm::f1(k, rand, Bytes(6), Bytes(3)), std::invalid_argument);
}

TEST_CASE("c2 and c3 fold RES, CK and IK") {
  // A 4-byte RES is its own SRES; a 12-byte RES is padded with a zero word (TS 33.102 §6.8.1.2).
  CHECK(to_hex(aka::c2(from_hex("01020304"))) == "01020304");
  CHECK(to_hex(aka::c2(from_hex("010203040000000110000000"))) == "11020305");
  CHECK(to_hex(aka::c3(Bytes(16, 0), from_hex("00000000000000FF0000000000000001"))) ==
        "00000000000000FE");
  CHECK_THROWS_AS(aka::c2(Bytes{}), std::invalid_argument);
  CHECK_THROWS_AS(aka::c3(Bytes(12), Bytes(16)), std::invalid_argument);
}
