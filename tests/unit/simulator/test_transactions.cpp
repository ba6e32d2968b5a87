// State changes are transactions: persisted before the answer leaves, rolled back on failure.
#include <catch.hpp>

#include "../support/test_card.hpp"

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
