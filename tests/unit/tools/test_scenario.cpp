// Scenario files: what the loader accepts and the one-line errors it gives, YAML values as
// JSON, and the paths and expectations steps are checked with.
#include <catch.hpp>

#include "scenario/json_path.hpp"
#include "scenario/scenario.hpp"

using namespace euiccsim;
using namespace euiccsim::scenario;
using nlohmann::json;

namespace {

std::string load_error(const std::string& text) {
  try {
    parse_scenarios(text, "case.yaml");
  } catch (const ScenarioError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("a minimal scenario loads; a stream holds one case per document") {
  auto s = parse_scenarios(
      "format: 1\nid: A\nsteps:\n  - es10: info1\n---\nformat: 1\nid: B\ngsma: {sgp23: \"4.2.1\"}\n"
      "steps:\n  - power: reset\n  - apdu: 00700000\n    expect: '9000'\n",
      "f.yaml");
  REQUIRE(s.size() == 2);
  CHECK(s[0].id == "A");
  CHECK(s[0].steps.size() == 1);
  CHECK(s[0].steps[0].kind == "es10");
  CHECK(s[0].steps[0].line == 4);
  CHECK(s[1].gsma.at("sgp23") == "4.2.1");
  CHECK(s[1].steps[1].kind == "apdu");
}

TEST_CASE("mistakes are one line naming the file, the line and what is wrong") {
  CHECK(load_error("id: A\nsteps: []\n") == "case.yaml:1: a scenario: 'format' is required");
  CHECK(load_error("format: 2\nid: A\nsteps: []\n") ==
        "case.yaml:1: format 2 is not supported (this euicc-sim reads format 1)");
  CHECK(load_error("format: 1\nid: A\nsteps:\n  - es10: info1\n    expcet: {}\n") ==
        "case.yaml:5: step 'es10': unknown key 'expcet' (one of: name, card, expect, save, setup, "
        "requirement, note, es10, args)");
  CHECK(load_error("format: 1\nid: A\nsteps:\n  - es10: info1\n    apdu: 00\n")
            .find("case.yaml:5: a step has one action, not 'es10' and 'apdu'") == 0);
  CHECK(load_error("format: 1\nid: A\nsteps:\n  - {}\n")
            .find("case.yaml:4: a step needs one action") == 0);
  CHECK(load_error("format: 1\nid: A\ncards:\n  - name: x\n    personality: nfc\nsteps: []\n") ==
        "case.yaml:5: personality: sgp22 or iot");
  CHECK(load_error("format: 1\nid: A\ncards:\n  - name: x\n  - name: x\nsteps: []\n") ==
        "case.yaml:5: two cards named 'x'");
  CHECK(load_error("format: 1\nid: A\nsteps:\n  - es10: [a\n").find("case.yaml:") == 0);
  CHECK(load_error("format: 1\nid: A\nsteps: []\n---\nformat: 1\nid: A\nsteps: []\n") ==
        "case.yaml:6: a second case with id 'A'");
  CHECK(load_error("format: 1\nid: A\nsteps:\n  - faults:\n      - at: {apdu: 1}\n") ==
        "case.yaml:5: fault: 'do' is required");
}

TEST_CASE("the eIM steps and the IPAe's load; an IPAe needs an iot card and a known event") {
  auto s = parse_scenarios(
      "format: 1\nid: A\npeers: {eim: {id: eim-1}}\nsteps:\n  - eim_queue: {psmo: [get-rat]}\n"
      "  - ipa_poll:\n  - eim: restart\n  - ipae_wait: {event: package, cycles: 3}\n",
      "f.yaml");
  REQUIRE(s[0].steps.size() == 4);
  CHECK(s[0].steps[3].kind == "ipae_wait");
  CHECK(load_error("format: 1\nid: A\nsteps:\n  - ipae_wait: {event: package-result}\n") ==
        "case.yaml:4: ipae_wait event: cycle, package, idle or failure");
  CHECK(load_error("format: 1\nid: A\nsteps:\n  - ipae_wait: {cycles: 2}\n") ==
        "case.yaml:4: ipae_wait: 'event' is required");
  CHECK(load_error("format: 1\nid: A\ncards: [{name: A, ipae: true}]\nsteps: []\n") ==
        "case.yaml:3: ipae: an IPAe needs personality: iot");
  CHECK(load_error("format: 1\nid: A\npeers: {eim: {transport: coap}}\nsteps: []\n") ==
        "case.yaml:3: transport: direct or https");
  CHECK(load_error("format: 1\nid: A\nsteps:\n  - eim_queue: {psmo: [get-rat], when: now}\n") ==
        "case.yaml:4: eim_queue: unknown key 'when' (one of: psmo, eco, download, euicc_data, eim, "
        "eid, poll, indirect, immediate_enable, notify_state_change, state_change_cause, "
        "max_packages)");
}

TEST_CASE("YAML values become JSON: quoted text stays text, long digit strings stay text") {
  auto n = YAML::Load(
      "{a: 5, b: '5', c: true, d: ~, e: 89999000000000000007, f: BF2E, g: [1, x], h: 007}");
  const json j = to_json(n);
  CHECK(j["a"] == 5);
  CHECK(j["b"] == "5");
  CHECK(j["c"] == true);
  CHECK(j["d"].is_null());
  CHECK(j["e"] == "89999000000000000007");
  CHECK(j["f"] == "BF2E");
  CHECK(j["g"] == json::array({1, "x"}));
  CHECK(j["h"] == "007");
}

TEST_CASE("paths: members, indexes, field selectors and JSON pointers") {
  const json state = json::parse(R"({"profiles":[{"iccid":"8999","state":"enabled"},
                                                   {"iccid":"8900","state":"disabled"}],
                                      "n": {"x": [10, 20]}})");
  CHECK(*json_at(state, "profiles[iccid=8900].state") == "disabled");
  CHECK(*json_at(state, "profiles[1].iccid") == "8900");
  CHECK(*json_at(state, "profiles.0.state") == "enabled");
  CHECK(*json_at(state, "/n/x/1") == 20);
  CHECK_FALSE(json_at(state, "profiles[iccid=1234].state"));
  CHECK_FALSE(json_at(state, "missing.deeper"));
  CHECK_THROWS_AS(json_at(state, "profiles[iccid].state"), PathError);
  CHECK_THROWS_AS(json_at(state, "profiles..state"), PathError);
}

TEST_CASE("expectations: equality across text and numbers, and the operators") {
  CHECK(check_value(json("ok"), json("ok")).empty());
  CHECK(check_value(json(5), json("5")).empty());
  CHECK(check_value(json("bf2e"), json("BF2E")).empty());
  CHECK(check_value(json("enabled"), json("disabled")) == "is \"enabled\", not \"disabled\"");
  CHECK(check_value(std::nullopt, json("x")) == "is absent, not \"x\"");
  CHECK(check_value(std::nullopt, json{{"exists", false}}).empty());
  CHECK(check_value(json(1), json{{"exists", false}}) == "is present (1)");
  CHECK(check_value(json::array({1, 2}), json{{"count", 2}}).empty());
  CHECK(check_value(json::array({1, 2}), json{{"count", 3}}) == "has 2 element(s), not 3");
  CHECK(check_value(json("abc"), json{{"matches", "^a.c$"}}).empty());
  CHECK(check_value(json("ok"), json{{"one_of", {"ok", "nothingToDelete"}}}).empty());
  CHECK(check_value(json("ok"), json{{"not", "ok"}}) == "is \"ok\"");
  CHECK(check_value(json::parse(R"([{"a":1,"b":2}])"), json{{"contains", {{"a", 1}}}}).empty());
  CHECK(check_value(json("8.1.1/6.1 failed"), json{{"contains", "6.1"}}).empty());
}
