#include <catch.hpp>

#include "euiccsim/simulator/json.hpp"

using euiccsim::json::Value;

TEST_CASE("JSON values print compact and indented, with escapes") {
  auto v = Value::object();
  v.set("s", "a\"b\\c\n")
      .set("n", 7)
      .set("b", true)
      .set("z", nullptr)
      .set("a", Value::array().push(1).push("x"));
  CHECK(v.dump() == R"({"s":"a\"b\\c\n","n":7,"b":true,"z":null,"a":[1,"x"]})");
  CHECK(Value::object().dump(2) == "{}");
  CHECK(Value::array().push(1).dump(2) == "[\n  1\n]");
}

TEST_CASE("JSON parsing round-trips and finds members") {
  auto v = Value::parse(
      R"( {"type":"apdu","payload":{"func":"transmit","param":null,"n":-12,"u":"\u0041\n"}} )");
  REQUIRE(v);
  CHECK(*v->get("type")->string() == "apdu");
  const auto* p = v->get("payload");
  REQUIRE(p);
  CHECK(*p->get("func")->string() == "transmit");
  CHECK(p->get("param")->is_null());
  CHECK(*p->get("n")->integer() == -12);
  CHECK(*p->get("u")->string() == "A\n");
  CHECK(p->get("missing") == nullptr);
  CHECK(Value::parse(v->dump())->dump() == v->dump());
}

TEST_CASE("malformed JSON is refused") {
  for (const char* bad : {"", "{", "{\"a\":}", "{\"a\" 1}", "[1,]", "{\"a\":1} x", "\"\\x\"", "01",
                          "\"a\nb\"", "{\"a\":tru}", "1.5"}) {
    INFO(bad);
    CHECK_FALSE(Value::parse(bad));
  }
  std::string deep(100, '[');
  CHECK_FALSE(Value::parse(deep + std::string(100, ']')));
}
