// How answers leave the card: Le, 61xx with GET RESPONSE, 6Cxx, long answers, T=0 vs T=1.
#include <catch.hpp>

#include "../support/test_card.hpp"

using namespace euiccsim;
using test::sw_of;
using test::TestCard;

namespace {
// The probe answers INS 01 with P1*256+P2 bytes 00 01 02 ...
std::string counting(std::size_t from, std::size_t n) {
  Bytes d(n);
  for (std::size_t i = 0; i < n; ++i) d[i] = static_cast<std::uint8_t>(from + i);
  return to_hex(d);
}
}  // namespace

TEST_CASE("T=1: case 2 gets its data directly, Le bounding it") {
  TestCard t(sim::Protocol::kT1);
  t.send("00A4040C08A000000001020304");
  CHECK(t.send("0001001000") == counting(0, 16) + "9000");  // Le=00: up to 256
  CHECK(t.send("0001001010") == counting(0, 16) + "9000");  // exact
  CHECK(t.send("0001001020") == counting(0, 16) + "9000");  // more than there is
  CHECK(t.send("0001001008") == counting(0, 8) + "6108");   // less: the rest waits
  CHECK(t.send("00C0000008") == counting(8, 8) + "9000");
}

TEST_CASE("T=0: case 2 with the wrong Le gets 6Cxx and the command can be repeated") {
  TestCard t(sim::Protocol::kT0);
  t.send("00A4040C08A000000001020304");
  CHECK(t.send("0001001000") == "6C10");
  CHECK(t.send("0001001020") == "6C10");
  CHECK(t.send("00C0000010") == "6985");  // nothing pending after 6Cxx
  CHECK(t.send("0001001010") == counting(0, 16) + "9000");
  CHECK(t.send("0001001008") == counting(0, 8) + "6108");
  CHECK(t.send("00C0000008") == counting(8, 8) + "9000");
}

TEST_CASE("case 3 and, under T=0, case 4 learn of data through 61xx") {
  SECTION("T=0 case 4") {
    TestCard t(sim::Protocol::kT0);
    t.send("00A4040C08A000000001020304");
    CHECK(t.send("80E2910003AABBCC00") == "6103");
    CHECK(t.send("80C0000003") == "AABBCC9000");
  }
  SECTION("T=1 case 4 answers inline") {
    TestCard t(sim::Protocol::kT1);
    t.send("00A4040C08A000000001020304");
    CHECK(t.send("80E2910003AABBCC00") == "AABBCC9000");
  }
  SECTION("case 3 under either protocol") {
    for (auto p : {sim::Protocol::kT0, sim::Protocol::kT1}) {
      TestCard t(p);
      t.send("00A4040C08A000000001020304");
      CHECK(t.send("80E2910003AABBCC") == "6103");
      CHECK(t.send("00C0000003") == "AABBCC9000");
    }
  }
}

TEST_CASE("GET RESPONSE: either CLA coding, short Le, wrong Le, nothing pending") {
  TestCard t(sim::Protocol::kT0);
  REQUIRE(t.send("0070000001") == "019000");
  t.send("01A4040C08A000000001020304");
  SECTION("CLA 80+channel, as lpac sends it") {
    CHECK(t.send("81E2910002ABCD") == "6102");
    CHECK(t.send("81C0000002") == "ABCD9000");
  }
  SECTION("CLA 00+channel, as onomondo-ipa sends it") {
    CHECK(t.send("81E2910002ABCD") == "6102");
    CHECK(t.send("01C0000002") == "ABCD9000");
  }
  SECTION("a short Le takes part and leaves the rest") {
    CHECK(t.send("81E2910004A1A2A3A4") == "6104");
    CHECK(t.send("01C0000001") == "A16103");
    CHECK(t.send("01C0000002") == "A2A36101");
    CHECK(t.send("01C0000001") == "A49000");
    CHECK(t.send("01C0000001") == "6985");
  }
  SECTION("too large an Le under T=0: 6Cxx, the data still there") {
    CHECK(t.send("81E2910002ABCD") == "6102");
    CHECK(t.send("01C0000010") == "6C02");
    CHECK(t.send("01C0000002") == "ABCD9000");
  }
  SECTION("pending data belongs to its channel and dies with the next command there") {
    CHECK(t.send("81E2910002ABCD") == "6102");
    CHECK(t.send("00C0000002") == "6985");  // basic channel has nothing
    CHECK(t.send("01C0000002") == "ABCD9000");
    CHECK(t.send("81E2910002ABCD") == "6102");
    CHECK(t.send("0101000101") == "009000");
    CHECK(t.send("01C0000002") == "6985");
  }
  SECTION("GET RESPONSE with bad P1-P2, with data, without Le") {
    CHECK(t.send("81E2910002ABCD") == "6102");
    CHECK(t.send("01C0010002") == "6A86");
    CHECK(t.send("01C0000001AA") == "6700");
    CHECK(t.send("01C00000") == "6700");
    CHECK(t.send("01C0000002") == "ABCD9000");  // all of that left it pending
  }
}

TEST_CASE("answers longer than 256 bytes are split into 256-byte pieces") {
  for (auto p : {sim::Protocol::kT0, sim::Protocol::kT1}) {
    TestCard t(p);
    t.send("00A4040C08A000000001020304");
    // 600 bytes, case 1: 61 00 means 256 or more.
    CHECK(t.send("00010258") == "6100");
    auto first = t.send("00C0000000");
    CHECK(first.size() == (256 + 2) * 2);
    CHECK(sw_of(first) == "6100");
    auto second = t.send("00C0000000");
    CHECK(sw_of(second) == "6158");
    auto third = t.send(p == sim::Protocol::kT0 ? "00C0000058" : "00C0000000");
    CHECK(sw_of(third) == "9000");
    CHECK(third.size() == (0x58 + 2) * 2);
    CHECK(first.substr(0, 512) == counting(0, 256));
    CHECK(third.substr(0, 2) == "00");  // byte 512
  }
}

TEST_CASE("T=1 case 2 with Le=00 and a long answer returns 256 bytes and 61xx") {
  TestCard t(sim::Protocol::kT1);
  t.send("00A4040C08A000000001020304");
  auto r = t.send("0001012C00");  // 300 bytes
  CHECK(r.size() == (256 + 2) * 2);
  CHECK(sw_of(r) == "612C");
  CHECK(t.send("00C0000000") == counting(256, 44) + "9000");
}
