// Fault injection: each kind strikes where the plan says, and after a power loss the card
// restarts from what its image on disk holds (the old state after a tear, the new one after a
// power loss before the answer).
#include <catch.hpp>

#include <fstream>

#include "../support/temp_dir.hpp"
#include "../support/test_card.hpp"
#include "euiccsim/simulator/card_image.hpp"
#include "euiccsim/simulator/faults.hpp"
#include "euiccsim/simulator/trace.hpp"

using namespace euiccsim;

namespace {

// A probe card whose INS 10 sets the default SM-DP+ address to the command data (a state
// change), with
// its image at `image`, written through an injector with `plan`.
struct FaultyCard {
  explicit FaultyCard(std::vector<sim::CardFault> plan) : image(dir.path / "card.image") {
    sim::save_image(image, CardState(test::test_eid()));
    sim::FaultInjector::Hooks hooks;
    hooks.reload = [this] { return sim::load_image(image); };
    hooks.wait = [this](std::chrono::milliseconds d) { waited += d; };
    injector = std::make_shared<sim::FaultInjector>(std::move(plan), hooks);
    t = std::make_unique<test::TestCard>(sim::Protocol::kT1,
                                         [this](const CardState& s) { injector->save(image, s); });
    t->probe->on_process = [](applets::AppletContext& ctx, const apdu::Command& cmd) {
      if (cmd.ins == 0x10)
        ctx.update_state().default_dp_address = std::string(cmd.data.begin(), cmd.data.end());
      return apdu::Response::ok(Bytes{0xAB, 0xCD});
    };
    t->card.set_filter(injector);
    bus->add(std::make_shared<sim::TextTraceSink>(trace));
    t->card.set_trace(bus);
    t->send("00A4040C08A000000001020304");  // APDU 1: select the probe
  }
  std::string on_disk() { return sim::load_image(image).default_dp_address; }

  test::TempDir dir;
  std::filesystem::path image;
  std::chrono::milliseconds waited{0};
  std::shared_ptr<sim::FaultInjector> injector;
  std::unique_ptr<test::TestCard> t;
  std::shared_ptr<sim::TraceBus> bus = std::make_shared<sim::TraceBus>();
  std::ostringstream trace;
};

sim::CardFault at_apdu(std::size_t n, sim::CardFault::Kind kind) {
  sim::CardFault f;
  f.apdu = n;
  f.kind = kind;
  return f;
}

}  // namespace

TEST_CASE("power loss before the answer: the change is on disk, the answer never arrives") {
  FaultyCard c({at_apdu(2, sim::CardFault::Kind::kPowerLoss)});
  CHECK(c.t->send("0010000003616263").empty());  // mute
  CHECK_FALSE(c.t->card.powered());
  CHECK(c.on_disk() == "abc");
  // The card restarted from its image: the new state, nothing volatile (no selection).
  CHECK(c.t->card.state().default_dp_address == "abc");
  c.t->card.power_on();
  CHECK(c.t->card.selected(0) == nullptr);
  REQUIRE(c.injector->fired().size() == 1);
  CHECK(c.injector->fired()[0].apdu == 2);
  CHECK(c.trace.str().find("fault: power loss before the answer at APDU 2") != std::string::npos);
  CHECK(c.trace.str().find("power-off") != std::string::npos);
}

TEST_CASE("a tear in the image write leaves the old image; the card restarts with the old state") {
  for (auto point : {sim::CardFault::TearPoint::kWrite, sim::CardFault::TearPoint::kRename}) {
    auto f = at_apdu(2, sim::CardFault::Kind::kTear);
    f.tear = point;
    FaultyCard c({f});
    CHECK(c.t->send("0010000003616263").empty());
    CHECK(c.on_disk().empty());
    CHECK(c.t->card.state().default_dp_address.empty());
    REQUIRE(c.injector->fired().size() == 1);
    CHECK_FALSE(c.injector->fired()[0].no_write);
    // The temporary file is left as the power loss left it: half of a whole image, or whole.
    std::filesystem::path tmp;
    const std::string prefix = sim::temporary_prefix(c.image);
    for (const auto& e : std::filesystem::directory_iterator(c.dir.path)) {
      if (e.path().filename().string().rfind(prefix, 0) == 0) tmp = e.path();
    }
    REQUIRE_FALSE(tmp.empty());
    const auto whole = sim::encode_image([] {
                         CardState s(test::test_eid());
                         s.default_dp_address = "abc";
                         return s;
                       }())
                           .size();
    CHECK(std::filesystem::file_size(tmp) ==
          (point == sim::CardFault::TearPoint::kWrite ? whole / 2 : whole));
    // The next save overwrites the stale temporary file.
    c.t->card.power_on();
    c.t->card.set_protocol(sim::Protocol::kT1);
    c.t->send("00A4040C08A000000001020304");
    CHECK(c.t->send("001000000378797800") == "ABCD9000");
    CHECK(c.on_disk() == "xyx");
  }
}

TEST_CASE("a tear on a command that writes nothing is a power loss before the answer") {
  FaultyCard c({at_apdu(2, sim::CardFault::Kind::kTear)});
  CHECK(c.t->send("0020000000").empty());
  REQUIRE(c.injector->fired().size() == 1);
  CHECK(c.injector->fired()[0].no_write);
}

TEST_CASE("reset, status word, truncation, bit flip and delay change only the answer") {
  {
    FaultyCard c({at_apdu(2, sim::CardFault::Kind::kReset)});
    CHECK(c.t->send("0010000003616263").empty());
    CHECK(c.t->card.powered());
    CHECK(c.t->card.selected(0) == nullptr);  // warm reset: selection gone
    CHECK(c.on_disk() == "abc");
  }
  {
    auto f = at_apdu(2, sim::CardFault::Kind::kStatusWord);
    f.sw = 0x6A88;
    FaultyCard c({f});
    CHECK(c.t->send("0020000000") == "ABCD6A88");
  }
  {
    auto f = at_apdu(2, sim::CardFault::Kind::kTruncate);
    f.keep = 3;
    FaultyCard c({f});
    CHECK(c.t->send("0020000000") == "ABCD90");
  }
  {
    auto f = at_apdu(2, sim::CardFault::Kind::kBitFlip);
    f.bit = 7;  // the LSB of the first byte
    FaultyCard c({f});
    CHECK(c.t->send("0020000000") == "AACD9000");
  }
  {
    auto f = at_apdu(2, sim::CardFault::Kind::kDelay);
    f.delay = std::chrono::milliseconds(1500);
    FaultyCard c({f});
    CHECK(c.t->send("0020000000") == "ABCD9000");
    CHECK(c.waited == std::chrono::milliseconds(1500));
  }
}

TEST_CASE("an ES10 fault strikes the last STORE DATA block of a request with that tag") {
  sim::CardFault f;
  f.es10_tag = 0xBF31;
  f.occurrence = 2;
  f.kind = sim::CardFault::Kind::kStatusWord;
  f.sw = 0x6F00;
  FaultyCard c({f});
  // BF31 in two blocks (the fault waits for the last), BF32 in one, then BF31 again: the second
  // BF31 is struck. (Without Le the probe's answers come as 61xx.)
  CHECK(c.t->send("80E2110002BF31") == "9000");
  CHECK(c.t->send("80E29101020000") == "6104");
  CHECK(c.t->send("80E2910004BF320000") == "6104");
  CHECK(c.t->send("80E2910004BF31000000") == "BF3100006F00");
  CHECK(c.t->send("80E2910004BF31000000") == "BF3100009000");  // once only
  REQUIRE(c.injector->fired().size() == 1);
  CHECK(c.injector->fired()[0].apdu == 5);
}

TEST_CASE("describe names the fault and where it strikes") {
  sim::CardFault f;
  f.es10_tag = 0xBF36;
  f.kind = sim::CardFault::Kind::kTear;
  CHECK(sim::describe(f) ==
        "power loss while the image is written (half-written temporary file) at the ES10 "
        "request BF36");
  CHECK(sim::describe(at_apdu(4, sim::CardFault::Kind::kPowerLoss)) ==
        "power loss before the answer at APDU 4");
}
