// The project's rules on top of nlohmann::json (simulator/json.hpp): output byte for byte as
// the command has always printed it, and the inputs it refuses.
#include <catch.hpp>

#include "euiccsim/simulator/json.hpp"

namespace json = euiccsim::json;
using json::Value;

TEST_CASE("JSON values print compact and indented, with escapes, keys in insertion order") {
  auto v = Value::object();
  v["s"] = "a\"b\\c\n";
  v["n"] = 7;
  v["b"] = true;
  v["z"] = nullptr;
  v["a"] = Value{1, "x"};
  CHECK(json::dump(v) == R"({"s":"a\"b\\c\n","n":7,"b":true,"z":null,"a":[1,"x"]})");
  CHECK(json::dump(Value::object(), 2) == "{}");
  CHECK(json::dump(Value::array(), 2) == "[]");
  CHECK(json::dump(Value{1}, 2) == "[\n  1\n]");
  CHECK(json::dump(Value{{"k", Value{{"x", 1}}}}, 2) == "{\n  \"k\": {\n    \"x\": 1\n  }\n}");
  // Control characters as \u00XX (lower-case hex), as the hand-written writer did.
  CHECK(json::dump(Value(std::string("\x01\x1f"))) == R"("\u0001\u001f")");
  // Bytes that are no UTF-8 (a nickname from a card image) do not fail the output.
  CHECK(json::dump(Value(std::string("a\xFF"
                                     "b"))) ==
        "\"a\xEF\xBF\xBD"
        "b\"");
  CHECK(json::dump(Value(std::uint64_t{18446744073709551615u})) == "18446744073709551615");
}

TEST_CASE("JSON parsing round-trips and finds members") {
  auto v = json::parse(
      R"( {"type":"apdu","payload":{"func":"transmit","param":null,"n":-12,"p":5,"u":"\u0041\n"}} )");
  REQUIRE(v);
  CHECK(*json::string_of(json::member(*v, "type")) == "apdu");
  const Value* p = json::member(*v, "payload");
  REQUIRE(p);
  CHECK(*json::string_of(json::member(p, "func")) == "transmit");
  CHECK(json::member(p, "param")->is_null());
  CHECK(json::string_of(json::member(p, "param")) == nullptr);
  CHECK(*json::integer_of(json::member(p, "n")) == -12);
  CHECK(*json::integer_of(json::member(p, "p")) == 5);
  CHECK(*json::string_of(json::member(p, "u")) == "A\n");
  CHECK(json::member(p, "missing") == nullptr);
  CHECK(json::member(json::member(p, "func"), "x") == nullptr);  // not an object
  CHECK_FALSE(json::boolean_of(json::member(p, "n")));
  CHECK(json::dump(*json::parse(json::dump(*v))) == json::dump(*v));
  const auto big = json::parse("9223372036854775808");  // one past INT64_MAX
  REQUIRE(big);
  CHECK_FALSE(json::integer_of(&*big));
}

TEST_CASE("malformed JSON is refused, with a reason") {
  for (const char* bad : {"", "{", "{\"a\":}", "{\"a\" 1}", "[1,]", "{\"a\":1} x", "\"\\x\"", "01",
                          "\"a\nb\"", "{\"a\":tru}", "1.5", "[1e3]", "/*c*/1"}) {
    INFO(bad);
    std::string why;
    CHECK_FALSE(json::parse(bad, &why));
    CHECK_FALSE(why.empty());
  }
  std::string deep(100, '[');
  std::string why;
  CHECK_FALSE(json::parse(deep + std::string(100, ']'), &why));
  CHECK(why == "nested deeper than 64");
  // Brackets inside strings do not count.
  CHECK(json::parse("\"" + deep + "\""));
  CHECK(json::parse(std::string(64, '[') + std::string(64, ']')));
  CHECK_FALSE(json::parse(R"({"a":1,"b":{"a":2,"a":3}})", &why));
  CHECK(why == "the name 'a' is given twice");
  CHECK(json::parse(R"({"a":1,"b":{"a":2}})"));
}
