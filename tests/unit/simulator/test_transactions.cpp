// State changes are transactions: persisted before the answer leaves, rolled back on failure.
#include <catch.hpp>

#include "../support/es10_card.hpp"
#include "../support/test_card.hpp"
#include "euiccsim/simulator/euicc.hpp"

using namespace euiccsim;
using test::TestCard;

namespace {
// INS 10 renames the personality to the data; INS 11 does so and then fails.
void install_mutator(test::ProbeApplet* probe) {
  probe->on_process = [](applets::AppletContext& ctx, const apdu::Command& cmd) {
    ctx.update_state().config.personality = std::string(cmd.data.begin(), cmd.data.end());
    if (cmd.ins == 0x11) throw std::runtime_error("applet fault");
    return apdu::Response::ok();
  };
}
}  // namespace

TEST_CASE("a state change is persisted before the response leaves the card") {
  std::vector<std::string> saved;
  TestCard t(sim::Protocol::kT1,
             [&](const CardState& s) { saved.push_back(s.config.personality); });
  install_mutator(t.probe);
  t.send("00A4040C08A000000001020304");
  CHECK(t.send("0010000003616263") == "9000");
  REQUIRE(saved.size() == 1);
  CHECK(saved[0] == "abc");
  CHECK(t.card.state().config.personality == "abc");
}

TEST_CASE("a fault inside an applet rolls its change back and answers 6F00") {
  int saves = 0;
  TestCard t(sim::Protocol::kT1, [&](const CardState&) { ++saves; });
  install_mutator(t.probe);
  t.send("00A4040C08A000000001020304");
  CHECK(t.send("0011000003616263") == "6F00");
  CHECK(saves == 0);
  CHECK(t.card.state().config.personality == "sgp22");
}

TEST_CASE("a failure to persist rolls the change back and answers 6581") {
  TestCard t(sim::Protocol::kT1, [](const CardState&) { throw std::runtime_error("disk full"); });
  install_mutator(t.probe);
  t.send("00A4040C08A000000001020304");
  CHECK(t.send("0010000003616263") == "6581");
  CHECK(t.card.state().config.personality == "sgp22");
}

TEST_CASE("commands that change nothing are not persisted") {
  int saves = 0;
  TestCard t(sim::Protocol::kT1, [&](const CardState&) { ++saves; });
  t.send("00A4040C08A000000001020304");
  t.send("0001000400");
  t.send("80E2910002AABB");
  CHECK(saves == 0);
}

TEST_CASE("update_state: one transaction, persisted, undone when the save fails") {
  std::vector<std::string> saved;
  bool fail = false;
  TestCard t(sim::Protocol::kT1, [&](const CardState& s) {
    if (fail) throw std::runtime_error("disk full");
    saved.push_back(s.config.personality);
  });
  t.card.update_state([](CardState& s) { s.ipae.cycles = 3; });
  REQUIRE(saved.size() == 1);
  CHECK(t.card.state().ipae.cycles == 3);
  fail = true;
  CHECK_THROWS_WITH(t.card.update_state([](CardState& s) { s.ipae.cycles = 4; }), "disk full");
  CHECK(t.card.state().ipae.cycles == 3);
  CHECK_THROWS_WITH(t.card.update_state([](CardState& s) {
    s.ipae.cycles = 5;
    throw std::runtime_error("changed my mind");
  }),
                    "changed my mind");
  CHECK(t.card.state().ipae.cycles == 3);
}

TEST_CASE("es10(): the IPAe's ES10 reaches the ISD-R, with persistence and an es10 trace") {
  // The TestCard has no ISD-R at its configured AID: the call is refused, never a crash.
  TestCard t;
  CHECK(t.card.es10(from_hex("BF3E035C015A")).sw == 0x6A81);
  std::vector<CardState> saved;
  auto state = test::es10_iot_state();
  state.config.ipae = IpaeConfig{};
  auto card = sim::make_euicc(state, crypto::Drbg::from_seed(1),
                              [&](const CardState& s) { saved.push_back(s); });
  auto bus = std::make_shared<sim::TraceBus>();
  struct Sink final : sim::TraceSink {
    std::vector<sim::TraceEvent> events;
    void write(const sim::TraceEvent& e) override { events.push_back(e); }
  };
  auto sink = std::make_shared<Sink>();
  bus->add(sink);
  card->set_trace(bus);
  int woken = 0;
  card->set_ipae_listener([&] { ++woken; });
  // Unpowered: the IPAe still reaches its card.
  auto r = card->es10(from_hex("BF3E035C015A"));
  CHECK(r.sw == 0x9000);
  CHECK(to_hex(r.data) == "BF3E125A1089049032123451234512345678901235");
  REQUIRE(sink->events.size() == 1);
  CHECK(sink->events[0].kind == sim::TraceEvent::Kind::kEs10);
  CHECK(to_hex(sink->events[0].command) == "BF3E035C015A");
  CHECK(to_hex(sink->events[0].response) == to_hex(r.data) + "9000");
  CHECK(saved.empty());
  CHECK(woken == 0);
  // A malformed request: the ISD-R's status word, nothing changed.
  CHECK(card->es10(from_hex("BF3E")).sw == 0x6A80);
  // IpaeActivation: saved before the answer, and the IPAe's driver is told.
  CHECK(to_hex(card->es10(from_hex("BF420480020780")).data) == "BF4203800100");
  REQUIRE(saved.size() == 1);
  CHECK(saved[0].ipa_mode == kIpaModeIpae);
  CHECK(woken == 1);
  CHECK(card->view().active);
  // A reset wakes it too (a poll at start-up or reset).
  card->power_on();
  CHECK(woken == 2);
}
