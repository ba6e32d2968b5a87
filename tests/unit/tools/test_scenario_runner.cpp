// The runner end to end, in process: verdicts, the failure message of a broken expectation,
// seeded determinism of traces, the SM-DP+ and eIM peers with faults, power loss and a tear
// sweep.
#include <catch.hpp>

#include <fstream>
#include <sstream>

#include "../support/temp_dir.hpp"
#include "scenario/runner.hpp"

using namespace euiccsim;
using namespace euiccsim::scenario;

namespace {

struct Run {
  std::vector<CaseReport> cases;
  std::string trace;
};

Run run_text(const std::string& yaml, std::optional<std::uint64_t> seed = 1) {
  test::TempDir dir;
  const auto file = dir.path / "case.yaml";
  std::ofstream(file) << yaml;
  auto out = std::make_shared<std::ostringstream>();
  auto bus = std::make_shared<sim::TraceBus>();
  bus->add(std::make_shared<sim::JsonlTraceSink>(*out));
  RunOptions o;
  o.seed = seed;
  o.trace = bus;
  Runner runner(o);
  Run r;
  for (const auto& sc : load_scenarios(file)) {
    for (auto& c : runner.run(sc)) r.cases.push_back(std::move(c));
  }
  r.trace = out->str();
  return r;
}

const char* kLifecycle = R"(format: 1
id: lifecycle
cards:
  - name: A
steps:
  - es10: challenge
    save: {challenge: answer.euiccChallenge}
  - es10: disable
    args: [89999000000000000007]
  - check: {path: "profiles[iccid=89999000000000000007].state", equals: disabled}
  - es10: enable
    args: 89999000000000000007
  - es10: delete
    args: [89999000000000000007]
    expect: {result: profileNotInDisabledState}
  - apdu: 80CA005A00
    expect: "6D00"
)";

}  // namespace

TEST_CASE("a lifecycle on one card passes") {
  auto r = run_text(kLifecycle);
  REQUIRE(r.cases.size() == 1);
  INFO(r.cases[0].reason);
  CHECK(r.cases[0].verdict == Verdict::kPass);
  CHECK(r.cases[0].steps.size() == 6);
}

TEST_CASE("a broken expectation fails, naming the step, the expectation and the answer") {
  auto r = run_text(R"(format: 1
id: broken
cards: [{name: A}]
steps:
  - es10: info1
  - es10: enable
    args: [89999000000000000007]
    expect: {result: ok}
  - es10: info2
)");
  REQUIRE(r.cases.size() == 1);
  const auto& c = r.cases[0];
  CHECK(c.verdict == Verdict::kFail);
  CHECK(c.reason ==
        "step 2 (line 6, es10 enable 89999000000000000007): expected result ok, got "
        "profileNotInDisabledState (answer BF3103800102)");
  CHECK(c.steps.size() == 2);  // the case stops at the failure
  const std::string summary = human_summary(r.cases, false);
  CHECK(summary.find("FAIL  broken") != std::string::npos);
  CHECK(summary.find("0 passed, 1 failed, 0 inconclusive, 0 skipped") != std::string::npos);
  const std::string xml = junit_xml(r.cases, "s");
  CHECK(xml.find("<failure message=\"step 2 (line 6, es10 enable 89999000000000000007): expected "
                 "result ok, got profileNotInDisabledState (answer BF3103800102)\"") !=
        std::string::npos);
}

TEST_CASE("a setup step that fails, or a step the card cannot take, makes the case Inconclusive") {
  auto a = run_text(R"(format: 1
id: setup
cards: [{name: A}]
steps:
  - es10: enable
    args: [89999000000000000007]
    setup: true
)");
  CHECK(a.cases[0].verdict == Verdict::kInconclusive);
  auto b = run_text(R"(format: 1
id: no-ipae
cards: [{name: A, personality: iot}]
steps:
  - ipae_wait: {event: package}
)");
  CHECK(b.cases[0].verdict == Verdict::kInconclusive);
  CHECK(b.cases[0].reason.find("has no IPAe") != std::string::npos);
  // An eIM step without the eIM peer cannot run.
  auto c = run_text(
      "format: 1\nid: no-peer\ncards: [{name: A, personality: iot}]\nsteps:\n"
      "  - eim_queue: {psmo: [get-rat]}\n");
  CHECK(c.cases[0].verdict == Verdict::kInconclusive);
  CHECK(c.cases[0].reason.find("no eIM peer") != std::string::npos);
}

TEST_CASE("the same seed gives the same trace; another seed other challenges, same verdicts") {
  auto a = run_text(kLifecycle, 7);
  auto b = run_text(kLifecycle, 7);
  auto c = run_text(kLifecycle, 8);
  REQUIRE_FALSE(a.trace.empty());
  CHECK(a.trace == b.trace);
  CHECK(a.trace != c.trace);
  CHECK(a.cases[0].verdict == c.cases[0].verdict);
  // The challenge (GetEUICCChallenge, the first answer with data) differs between the seeds.
  auto challenge = [](const std::string& t) {
    auto at = t.find("\"r\":\"BF2E1280");
    return at == std::string::npos ? std::string() : t.substr(at, 48);
  };
  CHECK_FALSE(challenge(a.trace).empty());
  CHECK(challenge(a.trace) != challenge(c.trace));
}

TEST_CASE("a download from the SM-DP+ peer, then one whose signature the peer corrupts") {
  auto r = run_text(R"(format: 1
id: download
cards: [{name: A, profiles: []}]
peers:
  smdp:
    profiles:
      - matching_id: P1
        builder: {iccid: "89990000000000000014", imsi: "001010000000002",
                  k: 465B5CE8B199B49FAA5F0A2EE238A6BC, opc: CD63CB71954A9F4E48A5994E37A02BAF}
steps:
  - download: {matching_id: P1}
    expect: {installed: true, iccid: "89990000000000000014"}
  - check: {path: notifications, count: 1}
  - notifications: deliver
    expect: {delivered: 1}
  - faults:
      - peer: smdp
        at: {es9: initiateAuthentication}
        do: corrupt-signature
  - download: P1
    expect: {installed: false, failed_step: AuthenticateServer, card_error: invalidSignature}
)");
  INFO(r.cases[0].reason);
  CHECK(r.cases[0].verdict == Verdict::kPass);
  CHECK(r.trace.find("\"fn\":\"initiateAuthentication\"") != std::string::npos);
}

TEST_CASE("a power loss before the answer: the card restarts from its image with the change") {
  auto r = run_text(R"(format: 1
id: power-loss
cards: [{name: A}]
faults:
  - {card: A, at: {es10: DisableProfile}, do: power-loss}
steps:
  - es10: disable
    args: [89999000000000000007]
    expect: {mute: true}
  - check: {path: "profiles[0].state", equals: disabled}
  - es10: profiles
    expect: {fields: {"answer.profileInfoListOk[0].profileState": disabled}}
)");
  INFO(r.cases[0].reason);
  CHECK(r.cases[0].verdict == Verdict::kPass);
  REQUIRE_FALSE(r.cases[0].notes.empty());
  CHECK(r.cases[0].notes[0].find("power loss before the answer") != std::string::npos);
}

TEST_CASE("a tear sweep over an ES10 function: every APDU, both kinds, consistent") {
  auto r = run_text(R"(format: 1
id: sweep
cards: [{name: A}]
steps:
  - tear_sweep:
      over: {es10: disable, args: [89999000000000000007]}
    expect: {inconsistent: 0, saves: 1}
  - check: {path: "profiles[0].state", equals: disabled}
)");
  INFO(r.cases[0].reason);
  CHECK(r.cases[0].verdict == Verdict::kPass);
}

namespace {

const char* kEimCase = R"(format: 1
id: eim
cards:
  - name: A
    personality: iot
    eims: [{id: eim-1, association_token: true}]
    profiles:
      - {demo: true, enabled: true}
      - builder: {iccid: "89990000000000000014", imsi: "001010000000002",
                  k: 465B5CE8B199B49FAA5F0A2EE238A6BC, opc: CD63CB71954A9F4E48A5994E37A02BAF}
peers:
  smdp:
    profiles:
      - matching_id: P1
        builder: {iccid: "89990000000000000022", imsi: "001010000000003",
                  k: 465B5CE8B199B49FAA5F0A2EE238A6BC, opc: CD63CB71954A9F4E48A5994E37A02BAF}
  eim: {id: eim-1}
steps:
  - ipa_poll:
    expect: {ok: true, count: 0, eim_package_error: noEimPackageAvailable}
  - eim_queue: {psmo: ["enable 89990000000000000014"]}
    expect: {state: done, verdict: verified, summary: {contains: "enableResult ok"}}
  - check:
      - {path: "profiles[iccid=89990000000000000014].state", equals: enabled}
      - {path: package_results, count: 0}
  - eim_queue: {download: "1$${smdp.address}$P1", indirect: true}
    expect: {state: done, "poll.packages[0].installed": true}
  - check:
      - {path: "profiles[iccid=89990000000000000022].state", equals: disabled}
      - {eim: true, path: "downloads[0].state", equals: installed}
)";

}  // namespace

TEST_CASE("an eIM peer: a queued package and an indirect download reach the card through the IPA") {
  auto r = run_text(kEimCase, 5);
  INFO(r.cases[0].reason);
  CHECK(r.cases[0].verdict == Verdict::kPass);
  // The ESipa exchanges are on the trace, by function.
  CHECK(r.trace.find("\"fn\":\"GetEimPackage\"") != std::string::npos);
  CHECK(r.trace.find("\"fn\":\"InitiateAuthentication\"") != std::string::npos);
  // Seeded: the eIM's transaction ids and times repeat too.
  auto again = run_text(kEimCase, 5);
  CHECK(again.trace == r.trace);
}

TEST_CASE("eIM faults: a lost answer, a corrupted eimSignature, an HTTP error") {
  auto r = run_text(R"(format: 1
id: eim-faults
cards:
  - name: A
    personality: iot
    eims: [{id: eim-1, association_token: true}]
    profiles:
      - {demo: true, enabled: true}
      - builder: {iccid: "89990000000000000014", imsi: "001010000000002",
                  k: 465B5CE8B199B49FAA5F0A2EE238A6BC, opc: CD63CB71954A9F4E48A5994E37A02BAF}
peers:
  eim: {id: eim-1}
steps:
  # The eIM took the result but its answer was lost: the result stays on the card.
  - faults: [{at: {esipa: ProvideEimPackageResult}, do: drop-after}]
  - eim_queue: {psmo: ["enable 89990000000000000014"]}
    expect: {state: done, "poll.ok": false, "poll.ended": {contains: closed}}
  - check: {path: package_results, count: 1}
  # The card refuses a package whose signature does not verify: an unsigned error.
  - faults: [{at: {esipa: GetEimPackage}, do: corrupt-signature}]
  - eim_queue: {psmo: ["disable 89990000000000000014"]}
    expect: {state: failed, verdict: unsigned}
  - check: {path: "profiles[iccid=89990000000000000014].state", equals: enabled}
  # No answer from the eIM: the item waits, the next poll delivers it.
  - faults: [{at: {esipa: GetEimPackage}, do: http-status, status: 503}]
  - eim_queue: {psmo: ["disable 89990000000000000014"]}
    expect: {state: queued, "poll.ended": {contains: "HTTP 503"}}
  - ipa_poll:
  - check:
      - {eim: true, path: "queue[2].state", equals: done}
      - {path: "profiles[iccid=89990000000000000014].state", equals: disabled}
)");
  INFO(r.cases[0].reason);
  CHECK(r.cases[0].verdict == Verdict::kPass);
  CHECK(r.cases[0].notes.size() == 3);
}
