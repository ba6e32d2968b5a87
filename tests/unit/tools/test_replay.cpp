// Recordings read from each format, and the masked comparison of answers.
#include <catch.hpp>

#include "euiccsim/crypto/tlv.hpp"
#include "scenario/replay.hpp"

using namespace euiccsim;
using namespace euiccsim::scenario;

TEST_CASE("a scriptor script: hex with or without spaces, reset, comments, continuations, exit") {
  RecordingFormat f;
  auto r = parse_recording(
      "# select the ISD-R\n00A4040010A0000005591010FFFFFFFF8900000100\n\nreset\n"
      "80 E2 91 00 \\\n06 BF3E035C015A\nexit\n00 00 00 00\n",
      RecordingFormat::kAuto, "s.txt", &f);
  CHECK(f == RecordingFormat::kScriptor);
  REQUIRE(r.size() == 3);
  CHECK(to_hex(r[0].command) == "00A4040010A0000005591010FFFFFFFF8900000100");
  CHECK_FALSE(r[0].response);
  CHECK(r[1].kind == Recorded::Kind::kReset);
  CHECK(to_hex(r[2].command) == "80E2910006BF3E035C015A");
  CHECK(r[2].where == "line 5");
}

TEST_CASE("a scriptor log: commands, answers wrapped at 16 bytes, resets with their ATR") {
  // The layout /usr/bin/scriptor (pcsc-tools 1.6.2) prints.
  auto r = parse_recording(
      "> RESET\n< OK: 3B 9F 96 80 \n> 00 A4 04 00 02 3F 00\n< 61 21 : Normal processing.\n"
      "> 00 C0 00 00 12\n< 00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F \n10 11 90 00 : Normal "
      "processing.\n",
      RecordingFormat::kAuto, "log.txt");
  REQUIRE(r.size() == 3);
  CHECK(r[0].kind == Recorded::Kind::kReset);
  CHECK(to_hex(*r[0].response) == "3B9F9680");
  CHECK(to_hex(*r[1].response) == "6121");
  CHECK(to_hex(*r[2].response) == "000102030405060708090A0B0C0D0E0F10119000");
}

TEST_CASE("our JSON lines and text traces") {
  RecordingFormat f;
  auto j = parse_recording(
      "{\"t\":\"x\",\"card\":\"E1\",\"kind\":\"power-on\",\"r\":\"3B00\",\"us\":0}\n"
      "{\"t\":\"x\",\"card\":\"E1\",\"kind\":\"apdu\",\"ch\":0,\"c\":\"00700000\",\"r\":\"9000\","
      "\"us\":1}\n"
      "{\"t\":\"x\",\"card\":\"smdp\",\"kind\":\"message\",\"if\":\"ES9+\"}\n",
      RecordingFormat::kAuto, "t.jsonl", &f);
  CHECK(f == RecordingFormat::kJsonl);
  REQUIRE(j.size() == 2);
  CHECK(j[0].kind == Recorded::Kind::kPowerOn);
  CHECK(j[1].card == "E1");
  CHECK(to_hex(*j[1].response) == "9000");

  auto t = parse_recording(
      "2025-01-01T00:00:00.001000Z E1 power-on ATR 3B00\n"
      "2025-01-01T00:00:00.002000Z E1 ch0 > 00700000\n                              < 019000  (3 "
      "us)\n"
      "2025-01-01T00:00:00.003000Z E1 power-off\n",
      RecordingFormat::kAuto, "t.txt", &f);
  CHECK(f == RecordingFormat::kText);
  REQUIRE(t.size() == 3);
  CHECK(to_hex(t[1].command) == "00700000");
  CHECK(to_hex(*t[1].response) == "019000");
  CHECK(t[2].kind == Recorded::Kind::kPowerOff);
}

TEST_CASE("our APDU scripts keep their expected answers") {
  auto r = parse_recording("0070000001 -> 01 9000\nreset\n", RecordingFormat::kAuto, "a.apdu");
  REQUIRE(r.size() == 2);
  REQUIRE(r[0].expect);
  CHECK(r[0].expect->matches(from_hex("019000")));
}

TEST_CASE("a bad recording names the file and line") {
  CHECK_THROWS_WITH(parse_recording("{\"kind\":\"apdu\",\"c\":\"zz\",\"r\":\"9000\"}\n",
                                    RecordingFormat::kJsonl, "t.jsonl"),
                    Catch::Contains("t.jsonl:1"));
  CHECK_THROWS_WITH(parse_recording("{\"x\":1}\n", RecordingFormat::kJsonl, "t.jsonl"),
                    Catch::Contains("not a trace event"));
}

TEST_CASE("answers compare field by field; masks hide what legitimately differs") {
  const Bytes cmd = from_hex("80E2910003BF2E00");
  const Bytes a = from_hex(
      "BF2E1280100102030405060708090A0B0C0D0E0F10"
      "9000");
  const Bytes b = from_hex(
      "BF2E1280101112131415161718191A1B1C1D1E1F20"
      "9000");
  CHECK(compare_response(cmd, a, a, {}).empty());
  CHECK(compare_response(cmd, a, b, {}) ==
        "BF2E/80 is 1112131415161718191A1B1C1D1E1F20, the recording "
        "0102030405060708090A0B0C0D0E0F10");
  CHECK(compare_response(cmd, a, b, {*named_mask("challenge")}).empty());
  // A mask for other commands does not apply.
  Mask other = *named_mask("challenge");
  other.command = HexPattern::parse("80E2......BF3E*");
  CHECK_FALSE(compare_response(cmd, a, b, {other}).empty());
  // The status word is compared first; it can be masked.
  const Bytes c = from_hex(
      "BF2E1280100102030405060708090A0B0C0D0E0F10"
      "6A88");
  CHECK(compare_response(cmd, a, c, {}) == "status word 6A88, the recording 9000");
  Mask sw;
  sw.sw = true;
  CHECK(compare_response(cmd, a, c, {sw}).empty());
  // Tag paths are suffixes: 5F37 anywhere, with a different length too.
  const Bytes s1 = from_hex(
      "BF3709"
      "3003800101"
      "5F3701AA"
      "9000");
  const Bytes s2 = from_hex(
      "BF370A"
      "3003800101"
      "5F3702BBCC"
      "9000");
  CHECK(compare_response(cmd, s1, s2, {*named_mask("signatures")}).empty());
  CHECK(compare_response(cmd, s1, s2, {}) == "BF37/5F37 is BBCC, the recording AA");
  // A byte range (then the data compare as bytes).
  Mask range;
  range.bytes = {{5, 16}};
  CHECK(compare_response(cmd, a, b, {range}).empty());
  range.bytes = {{5, 8}};
  CHECK(compare_response(cmd, a, b, {range}) == "data byte 13 is 19, the recording 09");
  CHECK(compare_response(cmd, from_hex("9000"), {}, {}) ==
        "the card is mute, the recording has 9000");
}

TEST_CASE("hex patterns and tag paths") {
  CHECK(HexPattern::parse("80E2......BF2E*").matches(from_hex("80E2910003BF2E00")));
  CHECK_FALSE(HexPattern::parse("80E2......BF2E*").matches(from_hex("80E2910003BF3E00")));
  CHECK(parse_tag_path("BF38/A0/30") == std::vector<std::uint32_t>{0xBF38, 0xA0, 0x30});
  CHECK_THROWS_AS(parse_tag_path("BF38//30"), std::invalid_argument);
  CHECK_THROWS_AS(HexPattern::parse("8*0*"), std::invalid_argument);
  CHECK_FALSE(named_mask("nonsense"));
}
