#include <catch.hpp>

#include "euiccsim/applets/apdu.hpp"

using namespace euiccsim;

TEST_CASE("the four short cases") {
  auto c1 = apdu::parse(from_hex("00A40400")).command;
  REQUIRE(c1);
  CHECK(c1->apdu_case == apdu::Case::k1);
  CHECK_FALSE(c1->ne);
  auto c2 = apdu::parse(from_hex("00C0000000")).command;
  REQUIRE(c2);
  CHECK(c2->apdu_case == apdu::Case::k2);
  CHECK(*c2->ne == 256);
  auto c3 = apdu::parse(from_hex("80E2910003BF3E00")).command;
  REQUIRE(c3);
  CHECK(c3->apdu_case == apdu::Case::k3);
  CHECK(to_hex(c3->data) == "BF3E00");
  auto c4 = apdu::parse(from_hex("80E2910003BF3E0010")).command;
  REQUIRE(c4);
  CHECK(c4->apdu_case == apdu::Case::k4);
  CHECK(*c4->ne == 16);
  for (const char* hex : {"00A40400", "00C0000000", "80E2910003BF3E00", "80E2910003BF3E0010"}) {
    CHECK(to_hex(apdu::parse(from_hex(hex)).command->encode()) == hex);
  }
}

TEST_CASE("extended lengths are recognised") {
  auto e2 = apdu::parse(from_hex("00C00000000100")).command;
  REQUIRE(e2);
  CHECK(e2->extended);
  CHECK(*e2->ne == 256);
  auto e3 = apdu::parse(from_hex("80E2910000000201AB")).command;
  REQUIRE(e3);
  CHECK(e3->extended);
  CHECK(e3->apdu_case == apdu::Case::k3);
  auto e4 = apdu::parse(from_hex("80E2910000000201AB0000")).command;
  REQUIRE(e4);
  CHECK(e4->apdu_case == apdu::Case::k4);
  CHECK(*e4->ne == 65536);
}

TEST_CASE("inconsistent lengths are refused") {
  CHECK(apdu::parse(from_hex("00A404")).error == apdu::ParseError::kTooShort);
  CHECK(apdu::parse(from_hex("00A4040005AABB")).error == apdu::ParseError::kLengthMismatch);
  CHECK_FALSE(apdu::parse(from_hex("00A404000000")).command);            // extended, cut
  CHECK(apdu::parse(from_hex("00A40400000000")).command->ne == 65536u);  // case 2E, Le 0000
  CHECK_FALSE(apdu::parse(from_hex("00A4040000000001")).command);        // extended Lc 0
  CHECK_FALSE(apdu::parse(from_hex("00A40400000002AA")).command);
}

TEST_CASE("CLA bytes: channels, chaining, secure messaging") {
  CHECK(apdu::decode_cla(0x00).channel == 0);
  CHECK(apdu::decode_cla(0x03).channel == 3);
  CHECK(apdu::decode_cla(0x81).proprietary);
  CHECK(apdu::decode_cla(0x81).channel == 1);
  CHECK(apdu::decode_cla(0x40).channel == 4);
  CHECK(apdu::decode_cla(0x4F).channel == 19);
  CHECK(apdu::decode_cla(0xCF).channel == 19);
  CHECK(apdu::decode_cla(0x10).chaining);
  CHECK(apdu::decode_cla(0x08).secure_messaging);
  CHECK(apdu::decode_cla(0x60).secure_messaging);
  CHECK_FALSE(apdu::decode_cla(0xFF).valid);
  CHECK_FALSE(apdu::decode_cla(0x20).valid);
  CHECK_FALSE(apdu::decode_cla(0x3C).valid);
  CHECK(apdu::decode_cla(0x1F).valid);
  CHECK(apdu::with_channel(0x80, 2) == 0x82);
  CHECK(apdu::with_channel(0x03, 1) == 0x01);
}
