#include <catch.hpp>

#include "apdu_script.hpp"

using namespace euiccsim;
using tools::ResponsePattern;

TEST_CASE("expected responses: exact, nibble wildcards, a run of any bytes") {
  auto exact = ResponsePattern::parse("6F02 8400 9000");
  CHECK(exact.matches(from_hex("6F0284009000")));
  CHECK_FALSE(exact.matches(from_hex("6F0284019000")));
  CHECK_FALSE(exact.matches(from_hex("6F02849000")));
  auto sw_only = ResponsePattern::parse("61..");
  CHECK(sw_only.matches(from_hex("6145")));
  CHECK_FALSE(sw_only.matches(from_hex("AA6145")));  // data must be absent
  CHECK(ResponsePattern::parse("6.00").matches(from_hex("6C00")));
  auto star = ResponsePattern::parse("BF3E 12 5A 10 89 * 9000");
  CHECK(star.matches(from_hex("BF3E125A10890490321234512345123456789012359000")));
  CHECK_FALSE(star.matches(from_hex("BF3E125A10790490321234512345123456789012359000")));
  CHECK(ResponsePattern::parse("* 9000").matches(from_hex("9000")));
  CHECK_FALSE(ResponsePattern::parse("* 9000").matches(from_hex("6A82")));
}

TEST_CASE("bad expected responses are refused") {
  CHECK_THROWS(ResponsePattern::parse("900"));
  CHECK_THROWS(ResponsePattern::parse("90"));
  CHECK_THROWS(ResponsePattern::parse("* 90 * 00"));
  CHECK_THROWS(ResponsePattern::parse("9G00"));
  CHECK_THROWS(ResponsePattern::parse("AA *"));
}

TEST_CASE("scripts: comments, reset, expectations, line numbers in errors") {
  auto steps = tools::parse_script(
      "# a comment\n"
      "\n"
      "reset\n"
      "00A4040C10A0000005591010FFFFFFFF8900000100 -> 9000  # trailing comment\n"
      "80 E2 91 00 06 BF3E035C015A\n");
  REQUIRE(steps.size() == 3);
  CHECK(steps[0].kind == tools::ScriptStep::Kind::kReset);
  CHECK(steps[1].line == 4);
  CHECK(steps[1].expect->text() == "9000");
  CHECK(to_hex(steps[2].command) == "80E2910006BF3E035C015A");
  CHECK_FALSE(steps[2].expect);
  CHECK_THROWS_WITH(tools::parse_script("00A4\n00XX0000\n"), Catch::Contains("line 1"));
  CHECK_THROWS_WITH(tools::parse_script("00A40000\n00XX0000\n"), Catch::Contains("line 2"));
  CHECK_THROWS_WITH(tools::parse_script("reset -> 9000\n"), Catch::Contains("line 1"));
  CHECK_THROWS_WITH(tools::parse_script("00A40000 -> 9\n"), Catch::Contains("line 1"));
}
