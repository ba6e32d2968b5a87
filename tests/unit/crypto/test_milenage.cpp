// crypto/milenage: TS 35.208 test sets 1-6 (every function), OPc from OP, whole AUTN vectors,
// the resynchronisation vector, the 2G conversion of sets 1-3, non-standard constants.
#include <catch.hpp>

#include <string>

#include "../support/vec_file.hpp"
#include "euiccsim/crypto/aka.hpp"
#include "euiccsim/crypto/milenage.hpp"

using namespace euiccsim;
using namespace euiccsim::crypto;

namespace {

const std::vector<test::Vector>& section(const std::string& name) {
  static const test::VecFile file =
      test::read_vec_file(test::test_data_dir() / "crypto/milenage.vec");
  auto it = file.find(name);
  if (it == file.end() || it->second.empty())
    throw std::runtime_error("milenage.vec has no vectors in [" + name + "]");
  return it->second;
}

std::string hex(const Bytes& b) {
  return to_hex(b);
}
std::string hex(const test::Vector& v, const char* key) {
  return to_hex(v.hex(key));
}

}  // namespace

TEST_CASE("MILENAGE: TS 35.208 test sets 1 to 6, every function") {
  const auto& sets = section("milenage");
  REQUIRE(sets.size() == 6);
  for (const auto& v : sets) {
    INFO(v.text("Name"));
    const Bytes k = v.hex("K"), rand = v.hex("RAND"), sqn = v.hex("SQN"), amf = v.hex("AMF");
    CHECK(hex(milenage::opc(k, v.hex("OP"))) == hex(v, "OPc"));
    const Bytes opc = v.hex("OPc");
    CHECK(hex(milenage::f1(k, opc, rand, sqn, amf)) == hex(v, "f1"));
    CHECK(hex(milenage::f1star(k, opc, rand, sqn, amf)) == hex(v, "f1star"));
    const auto out = milenage::f2345(k, opc, rand);
    CHECK(hex(out.res) == hex(v, "f2"));
    CHECK(hex(out.ck) == hex(v, "f3"));
    CHECK(hex(out.ik) == hex(v, "f4"));
    CHECK(hex(out.ak) == hex(v, "f5"));
    CHECK(hex(milenage::f5star(k, opc, rand)) == hex(v, "f5star"));
  }
}

TEST_CASE("MILENAGE: AUTN = (SQN xor AK) || AMF || MAC-A, and a whole E-UTRAN vector") {
  for (const auto& v : section("autn")) {
    INFO(v.text("Name"));
    const Bytes k = v.hex("K"), opc = v.hex("OPc"), rand = v.hex("RAND"), sqn = v.hex("SQN"),
                amf = v.hex("AMF");
    const auto out = milenage::f2345(k, opc, rand);
    Bytes autn(6);
    for (std::size_t i = 0; i < 6; ++i) autn[i] = sqn[i] ^ out.ak[i];
    autn.insert(autn.end(), amf.begin(), amf.end());
    const Bytes mac = milenage::f1(k, opc, rand, sqn, amf);
    autn.insert(autn.end(), mac.begin(), mac.end());
    CHECK(hex(autn) == hex(v, "AUTN"));
    if (v.has("XRES")) {
      CHECK(hex(out.res) == hex(v, "XRES"));
      CHECK(hex(out.ck) == hex(v, "CK"));
      CHECK(hex(out.ik) == hex(v, "IK"));
      CHECK(hex(out.ak) == hex(v, "AK"));
    }
  }
}

TEST_CASE("MILENAGE: resynchronisation, AUTS = (SQN_MS xor AK*) || MAC-S with AMF 0000") {
  for (const auto& v : section("resync")) {
    INFO(v.text("Name"));
    const Bytes k = v.hex("K"), opc = v.hex("OPc"), rand = v.hex("RAND");
    const Bytes ak_star = milenage::f5star(k, opc, rand);
    CHECK(hex(ak_star) == hex(v, "AKstar"));
    const Bytes auts = v.hex("AUTS");
    Bytes sqn_ms(6);
    for (std::size_t i = 0; i < 6; ++i) sqn_ms[i] = auts[i] ^ ak_star[i];
    CHECK(hex(sqn_ms) == hex(v, "SQN_MS"));
    CHECK(hex(milenage::f1star(k, opc, rand, sqn_ms, Bytes{0, 0})) == hex(v, "MACS"));
  }
}

TEST_CASE("MILENAGE in a GSM context: SRES = c2(RES), Kc = c3(CK, IK)") {
  for (const auto& v : section("gsm")) {
    INFO(v.text("Name"));
    CHECK(hex(aka::c2(v.hex("RES"))) == hex(v, "SRES"));
    CHECK(hex(aka::c3(v.hex("CK"), v.hex("IK"))) == hex(v, "Kc"));
  }
}

TEST_CASE("MILENAGE constants: the profile's defaults are TS 35.206's; others change the output") {
  const auto& v = section("milenage").front();
  const Bytes k = v.hex("K"), opc = v.hex("OPc"), rand = v.hex("RAND");
  Bytes xoring(80, 0);
  xoring[31] = 1;
  xoring[47] = 2;
  xoring[63] = 4;
  xoring[79] = 8;
  const auto same = milenage::Constants::from_profile(from_hex("4000204060"), xoring);
  CHECK(hex(milenage::f2345(k, opc, rand, same).res) == hex(v, "f2"));
  CHECK(hex(milenage::f2345(k, opc, rand, milenage::Constants::from_profile({}, {})).ck) ==
        hex(v, "f3"));
  // r2 = 0 -> 8: OUT2 changes, so RES does; CK (r3, c3) does not.
  const auto other = milenage::Constants::from_profile(from_hex("4008204060"), xoring);
  CHECK(hex(milenage::f2345(k, opc, rand, other).res) != hex(v, "f2"));
  CHECK(hex(milenage::f2345(k, opc, rand, other).ck) == hex(v, "f3"));
  CHECK_THROWS_AS(milenage::Constants::from_profile(from_hex("4000204080"), xoring),
                  std::invalid_argument);
  CHECK_THROWS_AS(milenage::Constants::from_profile(from_hex("40002040"), {}),
                  std::invalid_argument);
  CHECK_THROWS_AS(milenage::f2345(Bytes(15), opc, rand), std::invalid_argument);
  CHECK_THROWS_AS(milenage::f1(k, opc, rand, Bytes(5), Bytes(2)), std::invalid_argument);
}
