#include <catch.hpp>

#include "euiccsim/crypto/bytes.hpp"

using namespace euiccsim;

TEST_CASE("hex round trip, case and separators") {
  CHECK(to_hex(Bytes{0x00, 0xAB, 0xFF}) == "00ABFF");
  CHECK(from_hex("00abFF") == Bytes{0x00, 0xAB, 0xFF});
  CHECK(from_hex("00 ab:FF") == Bytes{0x00, 0xAB, 0xFF});
  CHECK(from_hex("").empty());
  CHECK(to_hex(Bytes{}).empty());
}

TEST_CASE("bad hex is refused with the position") {
  CHECK_THROWS_AS(from_hex("0"), HexError);
  CHECK_THROWS_WITH(from_hex("00G0"), Catch::Contains("position 2"));
  CHECK_THROWS_AS(from_hex("0 0"), HexError);
}
