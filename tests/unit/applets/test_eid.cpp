#include <catch.hpp>

#include "euiccsim/applets/eid.hpp"

using namespace euiccsim;

TEST_CASE("EID check digits: the whole number modulo 97 is 1") {
  // EIDs published in GSMA SGP.26 test material and pySim's card-info test.
  CHECK(Eid::parse("89049032123451234512345678901235"));
  CHECK(Eid::parse("89049044900000000000000000102355"));
  CHECK(Eid::check_digits("890490321234512345123456789012") == "35");
  CHECK_FALSE(Eid::parse("89049032123451234512345678901234"));
  CHECK(Eid::why_invalid("89049032123451234512345678901234").find("check digits") !=
        std::string::npos);
  CHECK_FALSE(Eid::parse("8904903212345123451234567890123"));   // 31 digits
  CHECK_FALSE(Eid::parse("79049032123451234512345678901235"));  // not 89
  CHECK_FALSE(Eid::parse("8904903212345123451234567890123X"));
}

TEST_CASE("generated EIDs keep the prefix and are valid") {
  auto drbg = crypto::Drbg::from_seed(3);
  for (int i = 0; i < 200; ++i) {
    auto e = Eid::generate("89049032", drbg);
    REQUIRE(Eid::parse(e.str()));
    REQUIRE(e.str().rfind("89049032", 0) == 0);
  }
  CHECK_THROWS(Eid::generate("88", drbg));
  CHECK_THROWS(Eid::generate("8", drbg));
  CHECK_THROWS(Eid::generate("89x", drbg));
}

TEST_CASE("generation repeats with the seed") {
  auto a = crypto::Drbg::from_seed(9);
  auto b = crypto::Drbg::from_seed(9);
  CHECK(Eid::generate("89", a) == Eid::generate("89", b));
}

TEST_CASE("EIDs in BCD as GetEID carries them") {
  auto e = *Eid::parse("89049032123451234512345678901235");
  CHECK(to_hex(e.bytes()) == "89049032123451234512345678901235");
  CHECK(Eid::from_bytes(e.bytes()) == e);
  CHECK_FALSE(Eid::from_bytes(from_hex("8904903212345123451234567890123A")));
  CHECK_FALSE(Eid::from_bytes(from_hex("890490")));
}
