#include <catch.hpp>

#include "euiccsim/profiles/iccid.hpp"

using namespace euiccsim;

TEST_CASE("ICCIDs: Luhn check digit and length") {
  // The TS.48 generic test profile's ICCID.
  CHECK(Iccid::parse("89000123456789012341"));
  CHECK(Iccid::luhn_digit("8900012345678901234") == '1');
  CHECK_FALSE(Iccid::parse("89000123456789012342"));
  CHECK(Iccid::why_invalid("89000123456789012342").find("check digit") != std::string::npos);
  CHECK_FALSE(Iccid::parse("8900012345678901"));
  CHECK_FALSE(Iccid::parse("99000123456789012341"));
}

TEST_CASE("ICCIDs in swapped and plain BCD") {
  auto i = *Iccid::parse("89000123456789012341");
  CHECK(to_hex(i.swapped_bcd()) == "98001032547698103214");
  CHECK(to_hex(i.plain_bcd()) == "89000123456789012341");
  CHECK(Iccid::from_swapped_bcd(i.swapped_bcd()) == i);
  CHECK(Iccid::from_plain_bcd(i.plain_bcd()) == i);
  auto short_one = *Iccid::parse("8901234567890123455");
  CHECK(to_hex(short_one.swapped_bcd()) == "981032547698103254F5");
  CHECK(Iccid::from_swapped_bcd(short_one.swapped_bcd()) == short_one);
  CHECK_FALSE(Iccid::from_swapped_bcd(from_hex("98001032547698103A14")));
  CHECK_FALSE(Iccid::from_swapped_bcd(from_hex("98F01032547698103214")));  // digit after F
}
