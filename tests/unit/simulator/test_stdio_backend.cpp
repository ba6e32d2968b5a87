// lpac's stdio APDU protocol, played from lpac's side.
#include <catch.hpp>

#include "../support/test_card.hpp"
#include "euiccsim/simulator/euicc.hpp"
#include "euiccsim/simulator/host/stdio_backend.hpp"
#include "euiccsim/simulator/json.hpp"

using namespace euiccsim;

namespace {
std::string request(const std::string& func, const std::string& param) {
  auto payload = json::Value{{"func", func}};
  payload["param"] = param.empty() ? json::Value(nullptr) : json::Value(param);
  return json::dump(json::Value{{"type", "apdu"}, {"payload", std::move(payload)}});
}

struct Answer {
  std::int64_t ecode;
  std::string data;
};

Answer parse(const std::optional<std::string>& line) {
  REQUIRE(line);
  auto v = json::parse(*line);
  REQUIRE(v);
  REQUIRE(v->at("type") == "apdu");
  const json::Value& p = v->at("payload");
  Answer a{p.at("ecode").get<std::int64_t>(), ""};
  if (p.contains("data")) a.data = p.at("data").get<std::string>();
  return a;
}
}  // namespace

TEST_CASE("the core lpac flow over stdio: connect, open channel on ISD-R, GetEID, close") {
  auto card = sim::make_euicc(CardState(test::test_eid()), crypto::Drbg::from_seed(1));
  host::StdioBackend b(*card);
  CHECK(parse(b.handle(request("connect", ""))).ecode == 0);
  CHECK(card->powered());
  auto open = parse(b.handle(request("logic_channel_open", "A0000005591010FFFFFFFF8900000100")));
  CHECK(open.ecode == 1);
  auto r = parse(b.handle(request("transmit", "81E2910006BF3E035C015A")));
  CHECK(r.ecode == 0);
  CHECK(r.data == "6115");
  r = parse(b.handle(request("transmit", "81C0000015")));
  CHECK(r.data ==
        "BF3E125A1089049032123451234512345678901235"
        "9000");
  CHECK(parse(b.handle(request("logic_channel_close", "01"))).ecode == 0);
  CHECK_FALSE(card->channel_open(1));
  CHECK(parse(b.handle(request("disconnect", ""))).ecode == 0);
  CHECK_FALSE(card->powered());
}

TEST_CASE("stdio: failures answer a negative ecode, never silence") {
  auto card = sim::make_euicc(CardState(test::test_eid()), crypto::Drbg::from_seed(1));
  host::StdioBackend b(*card);
  b.handle(request("connect", ""));
  CHECK(parse(b.handle(request("logic_channel_open", "A0000005591010FFFFFFFF89000001FF"))).ecode <
        0);
  CHECK_FALSE(card->channel_open(1));  // the channel opened for it was closed again
  CHECK(parse(b.handle(request("logic_channel_open", ""))).ecode < 0);
  CHECK(parse(b.handle(request("transmit", "ZZ"))).ecode < 0);
  CHECK(parse(b.handle(request("transmit", "00A4"))).ecode < 0);
  CHECK(parse(b.handle(request("logic_channel_close", "0102"))).ecode < 0);
  CHECK(parse(b.handle(request("frobnicate", ""))).ecode < 0);
  CHECK(parse(b.handle("this is not JSON")).ecode < 0);
  CHECK(parse(b.handle(R"({"type":"apdu","payload":{}})")).ecode < 0);
  // Channels 1..3 all taken: opening a fourth fails cleanly.
  for (int i = 1; i <= 3; ++i) {
    CHECK(
        parse(b.handle(request("logic_channel_open", "A0000005591010FFFFFFFF8900000100"))).ecode ==
        i);
  }
  CHECK(parse(b.handle(request("logic_channel_open", "A0000005591010FFFFFFFF8900000100"))).ecode <
        0);
}

TEST_CASE("stdio: lines that are lpac's own output are not for the card") {
  auto card = sim::make_euicc(CardState(test::test_eid()), crypto::Drbg::from_seed(1));
  host::StdioBackend b(*card);
  CHECK_FALSE(b.handle(R"({"type":"lpa","payload":{"code":0,"message":"success"}})"));
  CHECK_FALSE(b.handle(R"({"type":"progress","payload":{}})"));
}

TEST_CASE("stdio: the protocol chosen for the session survives lpac's connect") {
  auto card = sim::make_euicc(CardState(test::test_eid()), crypto::Drbg::from_seed(1));
  card->power_on();  // powered before lpac connects, as `euicc-sim stdio` leaves it
  host::StdioBackend b(*card, sim::Protocol::kT1);
  CHECK(parse(b.handle(request("connect", ""))).ecode == 0);
  CHECK(card->protocol() == sim::Protocol::kT1);
  CHECK(parse(b.handle(request("transmit", "00A4040C10A0000005591010FFFFFFFF8900000100"))).data ==
        "9000");
  // Case 4 under T=1: the answer comes inline, not through 61xx.
  auto r = parse(b.handle(request("transmit", "80E2910006BF3E035C015A00")));
  CHECK(r.data ==
        "BF3E125A1089049032123451234512345678901235"
        "9000");
  b.handle(request("disconnect", ""));
  CHECK(parse(b.handle(request("connect", ""))).ecode == 0);
  CHECK(card->protocol() == sim::Protocol::kT1);
}
