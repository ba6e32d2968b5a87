// GlobalPlatform STORE DATA chaining in the card runtime.
#include <catch.hpp>

#include "../support/test_card.hpp"

using namespace euiccsim;
using test::TestCard;

TEST_CASE("a chain is reassembled; intermediate blocks answer an empty 9000") {
  TestCard t;
  t.send("00A4040C08A000000001020304");
  CHECK(t.send("80E2110002A1A2") == "9000");
  CHECK(t.send("80E2110102B1B2") == "9000");
  CHECK(t.send("80E2910202C1C2") == "6106");
  CHECK(t.probe->chains == 1);
  CHECK(to_hex(t.probe->last_chain) == "A1A2B1B2C1C2");
  CHECK(t.send("00C0000006") == "A1A2B1B2C1C29000");
}

TEST_CASE("a wrong block number is refused with 6A86 and the chain can go on") {
  TestCard t;
  t.send("00A4040C08A000000001020304");
  REQUIRE(t.send("80E2110002A1A2") == "9000");
  CHECK(t.send("80E2110202B1B2") == "6A86");  // a gap
  CHECK(t.send("80E2110002B1B2") == "9000");  // 00 starts a new chain
  CHECK(t.send("80E2910102C1C2") == "6104");
  CHECK(to_hex(t.probe->last_chain) == "B1B2C1C2");
  SECTION("a block that does not start at 00") {
    CHECK(t.send("80E2910502C1C2") == "6A86");
    CHECK(t.probe->chains == 1);
  }
}

TEST_CASE("a chain beyond the bound gets 6A84 and leaves the chain as it was") {
  sim::CardOptions options;
  options.store_data_limit = 6;
  TestCard t(sim::Protocol::kT1, {}, options);
  t.send("00A4040C08A000000001020304");
  REQUIRE(t.send("80E2110004A1A2A3A4") == "9000");
  CHECK(t.send("80E2110104B1B2B3B4") == "6A84");
  CHECK(t.send("80E2910102C1C200") == "A1A2A3A4C1C29000");
  CHECK(t.send("80E2910007A1A2A3A4A5A6A7") == "6A84");
  CHECK(t.probe->chains == 1);
}

TEST_CASE("block numbers wrap after FF in a long chain") {
  TestCard t;
  t.send("00A4040C08A000000001020304");
  for (int i = 0; i < 256; ++i) {
    char apdu[32];
    std::snprintf(apdu, sizeof apdu, "80E211%02X01AA", i);
    REQUIRE(t.send(apdu) == "9000");
  }
  CHECK(t.send("80E2910001BB") == "6100");  // 257 bytes: 256 or more
  CHECK(t.probe->last_chain.size() == 257);
}

TEST_CASE("another command, a new selection or a reset abandons a chain") {
  TestCard t;
  t.send("00A4040C08A000000001020304");
  REQUIRE(t.send("80E2110002A1A2") == "9000");
  SECTION("another command") {
    t.send("0001000100");
  }
  SECTION("selection") {
    t.send("00A4040C08A000000001020304");
  }
  SECTION("reset") {
    t.card.reset();
    t.send("00A4040C08A000000001020304");
  }
  CHECK(t.send("80E2910102B1B2") == "6A86");
}

TEST_CASE("STORE DATA without data is a wrong length; on an applet without chains it is its own") {
  TestCard t;
  t.send("00A4040C08A000000001020304");
  CHECK(t.send("80E2910000") == "6700");
  CHECK(t.send("80E29100") == "6700");
  // CLA 00 is not GlobalPlatform's STORE DATA: it goes to the applet as any command.
  CHECK(t.send("00E2000101") == "009000");
}
