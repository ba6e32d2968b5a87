// MANAGE CHANNEL and the independence of the channels' selections (ISO/IEC 7816-4 §11.1.2).
#include <catch.hpp>

#include "../support/test_card.hpp"

using namespace euiccsim;
using test::TestCard;

TEST_CASE("MANAGE CHANNEL open answers exactly <ch> 9000, as lpac expects") {
  for (auto p : {sim::Protocol::kT0, sim::Protocol::kT1}) {
    TestCard t(p);
    CHECK(t.send("0070000001") == "019000");
    CHECK(t.send("0070000001") == "029000");
    CHECK(t.send("0070000001") == "039000");
    CHECK(t.send("0070000001") == "6A81");  // none left
    CHECK(t.card.channel_open(3));
  }
}

TEST_CASE("MANAGE CHANNEL open of a requested channel, and close") {
  TestCard t;
  CHECK(t.send("0070000200") == "9000");
  CHECK(t.card.channel_open(2));
  CHECK_FALSE(t.card.channel_open(1));
  CHECK(t.send("0070000200") == "6A86");    // already open
  CHECK(t.send("0070001400") == "6A86");    // 20: no such channel
  CHECK(t.send("0070000001") == "019000");  // lowest free
  CHECK(t.send("0070800200") == "9000");
  CHECK_FALSE(t.card.channel_open(2));
  CHECK(t.send("0070800200") == "9000");  // closing a closed channel is harmless
  CHECK(t.send("0070800000") == "6A86");  // the basic channel cannot be closed
  CHECK(t.send("0070800500") == "6881");
  CHECK(t.send("0070400000") == "6A86");  // P1 neither open nor close
  CHECK(t.send("0070000001AA") == "6700");
}

TEST_CASE("P2=00 closes the channel the command came on") {
  TestCard t;
  REQUIRE(t.send("0070000001") == "019000");
  CHECK(t.send("0170800000") == "9000");
  CHECK_FALSE(t.card.channel_open(1));
  CHECK(t.send("01A4040C08A000000001020304") == "6881");
}

TEST_CASE("each channel keeps its own selection") {
  TestCard t;
  REQUIRE(t.send("0070000001") == "019000");
  REQUIRE(t.send("0070000001") == "029000");
  CHECK(t.send("00A4040C08A000000001020304") == "9000");
  CHECK(t.send("01A4040C08A000000001020305") == "9000");
  CHECK(t.send("82A4040C08A000000001020304") == "9000");  // GlobalPlatform CLA coding
  CHECK(t.card.selected(0) == t.probe);
  CHECK(t.card.selected(1) == t.probe2);
  CHECK(t.card.selected(2) == t.probe);
  // Channel 1 selecting something else leaves channel 0 alone.
  CHECK(t.send("01A4040C08A000000001020304") == "9000");
  CHECK(t.card.selected(0) == t.probe);
  CHECK(t.card.selected(1) == t.probe);
  // Closing channel 1 leaves channel 0's selection.
  CHECK(t.send("0070800100") == "9000");
  CHECK(t.card.selected(0) == t.probe);
}

TEST_CASE("a channel opened from another channel inherits its selection") {
  TestCard t;
  REQUIRE(t.send("0070000001") == "019000");
  REQUIRE(t.send("01A4040C08A000000001020305") == "9000");
  CHECK(t.send("0170000001") == "029000");
  CHECK(t.card.selected(2) == t.probe2);
  CHECK(t.send("0070000300") == "9000");
  CHECK(t.card.selected(3) == nullptr);
}

TEST_CASE("an application that is not multi-selectable is selected on one channel only") {
  TestCard t;
  REQUIRE(t.send("0070000001") == "019000");
  CHECK(t.send("00A4040C07A0000000099999") == "9000");
  CHECK(t.send("01A4040C07A0000000099999") == "6985");
  CHECK(t.card.selected(1) == nullptr);
}

TEST_CASE("reset closes channels 1 to 3 and forgets selections") {
  TestCard t;
  REQUIRE(t.send("0070000001") == "019000");
  REQUIRE(t.send("01A4040C08A000000001020305") == "9000");
  t.card.reset();
  CHECK_FALSE(t.card.channel_open(1));
  CHECK(t.card.channel_open(0));
  CHECK(t.card.selected(0) == nullptr);
}
