// crypto/tuak: TS 35.233 test sets 1-6 (TOPc, f1, f1*, f2, f3, f4, f5, f5*), each with the output
// lengths its values have; the iteration count and the lengths TS 35.231 does not define.
#include <catch.hpp>

#include <string>

#include "../support/vec_file.hpp"
#include "euiccsim/crypto/tuak.hpp"

using namespace euiccsim;
using namespace euiccsim::crypto;

namespace {

const std::vector<test::Vector>& sets() {
  static const test::VecFile file = test::read_vec_file(test::test_data_dir() / "crypto/tuak.vec");
  auto it = file.find("tuak");
  if (it == file.end()) throw std::runtime_error("tuak.vec has no [tuak] section");
  return it->second;
}

std::string hex(const test::Vector& v, const char* key) {
  return to_hex(v.hex(key));
}

}  // namespace

TEST_CASE("TUAK: TS 35.233 test sets 1 to 6, every function") {
  REQUIRE(sets().size() == 6);
  for (const auto& v : sets()) {
    INFO(v.text("Name"));
    const Bytes k = v.hex("K"), rand = v.hex("RAND"), sqn = v.hex("SQN"), amf = v.hex("AMF");
    const unsigned iterations = static_cast<unsigned>(std::stoul(v.text("Iterations")));
    const Bytes topc = tuak::topc(k, v.hex("TOP"), iterations);
    CHECK(to_hex(topc) == hex(v, "TOPc"));
    const std::size_t mac_len = v.hex("f1").size();
    CHECK(to_hex(tuak::f1(topc, k, rand, sqn, amf, mac_len, iterations)) == hex(v, "f1"));
    CHECK(to_hex(tuak::f1star(topc, k, rand, sqn, amf, mac_len, iterations)) == hex(v, "f1star"));
    const auto out = tuak::f2345(topc, k, rand, v.hex("f2").size(), v.hex("f3").size(),
                                 v.hex("f4").size(), iterations);
    CHECK(to_hex(out.res) == hex(v, "f2"));
    CHECK(to_hex(out.ck) == hex(v, "f3"));
    CHECK(to_hex(out.ik) == hex(v, "f4"));
    CHECK(to_hex(out.ak) == hex(v, "f5"));
    CHECK(to_hex(tuak::f5star(topc, k, rand, iterations)) == hex(v, "f5star"));
  }
}

TEST_CASE("TUAK: the iteration count is part of the function; undefined lengths are refused") {
  const auto& v = sets().front();
  const Bytes k = v.hex("K"), rand = v.hex("RAND"), topc = v.hex("TOPc");
  CHECK(to_hex(tuak::f2345(topc, k, rand, 4, 16, 16, 2).res) != hex(v, "f2"));
  CHECK_THROWS_AS(tuak::f2345(topc, k, rand, 4, 16, 16, 0), std::invalid_argument);
  CHECK_THROWS_AS(tuak::f2345(topc, k, rand, 12, 16, 16), std::invalid_argument);
  CHECK_THROWS_AS(tuak::f2345(topc, k, rand, 8, 24, 16), std::invalid_argument);
  CHECK_THROWS_AS(tuak::f1(topc, k, rand, v.hex("SQN"), v.hex("AMF"), 4), std::invalid_argument);
  CHECK_THROWS_AS(tuak::topc(Bytes(24), v.hex("TOP")), std::invalid_argument);
  CHECK_THROWS_AS(tuak::f5star(Bytes(31), k, rand), std::invalid_argument);
}
