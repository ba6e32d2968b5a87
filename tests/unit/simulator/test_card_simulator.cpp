// The in-process API, used as its header shows.
#include <catch.hpp>

#include <sstream>

#include "../support/temp_dir.hpp"
#include "euiccsim/simulator/card_simulator.hpp"
#include "euiccsim/simulator/state_directory.hpp"

using namespace euiccsim;

TEST_CASE("a card in five lines") {
  CardSimulator card;
  card.select(aid::isd_r());
  Bytes eid = card.es10(from_hex("BF3E035C015A"));
  CHECK(to_hex(eid).substr(10) == card.eid().str());
}

TEST_CASE("the same seed gives the same card") {
  CardSimulator::Options o;
  o.seed = 77;
  CardSimulator a(o), b(o);
  CHECK(a.eid() == b.eid());
  o.seed = 78;
  CHECK_FALSE(CardSimulator(o).eid() == a.eid());
}

TEST_CASE("a card in a state directory is created once and reopened") {
  test::TempDir tmp;
  CardSimulator::Options o;
  o.state_dir = tmp.path;
  std::string eid;
  {
    CardSimulator card(o);
    eid = card.eid().str();
  }
  sim::StateDirectory dir(tmp.path);
  REQUIRE(dir.list() == std::vector<std::string>{eid});
  o.eid = eid;
  CardSimulator again(o);
  CHECK(again.eid().str() == eid);
  CHECK(dir.list().size() == 1);
}

TEST_CASE("errors surface as CardError with the status word") {
  CardSimulator card;
  try {
    card.select(from_hex("A0000000FFFFFF"));
    FAIL("no error");
  } catch (const CardError& e) {
    CHECK(e.sw == 0x6A82);
  }
  CHECK_THROWS_AS(card.transmit("zz"), HexError);
  CardSimulator::Options o;
  o.eid = "123";
  CHECK_THROWS(CardSimulator(o));
}

TEST_CASE("the trace bus sees every APDU, as text or JSON lines") {
  auto bus = std::make_shared<sim::TraceBus>();
  std::ostringstream text, jsonl;
  bus->add(std::make_shared<sim::TextTraceSink>(text));
  bus->add(std::make_shared<sim::JsonlTraceSink>(jsonl));
  CardSimulator::Options o;
  o.seed = 1;
  o.trace = bus;
  CardSimulator card(o);
  card.transmit("0070000001");
  card.transmit("01A4040C10A0000005591010FFFFFFFF8900000100");
  const auto lines = jsonl.str();
  CHECK(lines.find("\"kind\":\"power-on\"") != std::string::npos);
  CHECK(lines.find("\"c\":\"0070000001\",\"r\":\"019000\"") != std::string::npos);
  CHECK(
      lines.find("\"ch\":1,\"c\":\"01A4040C10A0000005591010FFFFFFFF8900000100\",\"r\":\"9000\"") !=
      std::string::npos);
  CHECK(std::count(lines.begin(), lines.end(), '\n') == 3);
  CHECK(text.str().find("ch1 > 01A4040C10") != std::string::npos);
  CHECK(text.str().find(card.eid().str()) != std::string::npos);
}
