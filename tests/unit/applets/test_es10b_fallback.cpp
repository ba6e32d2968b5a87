// SGP.32 v1.2 Emergency and Fallback mechanisms on an iot card: EnableEmergencyProfile (BF5B),
// DisableEmergencyProfile (BF5C), ExecuteFallbackMechanism (BF5D) and ReturnFromFallback
// (BF5E). Every result code of each, the answers byte for byte (and decoded with the SGP.32
// module), the return records kept in the card image, PPR1 set aside, notifications, REFRESH,
// and a card state left exactly as it was by every refused call.
#include <catch.hpp>

#include <DisableEmergencyProfileResponse.h>
#include <EnableEmergencyProfileResponse.h>
#include <ExecuteFallbackMechanismResponse.h>
#include <ReturnFromFallbackResponse.h>

#include "../support/es10_card.hpp"
#include "euiccsim/applets/rsp_asn1.hpp"

using namespace euiccsim;
using test::decode_exact;
using Event = euiccsim::NotificationEvent;

namespace {

const std::string kP1 = "8999900000000000011";
const std::string kP2 = "8999900000000000022";
const std::string kP3 = "8999900000000000033";

const std::string kAddress = "smdp-a.example.com";

ProfileMetadata meta(std::optional<std::uint8_t> pprs = std::nullopt) {
  ProfileMetadata m;
  m.service_provider_name = "Operator";
  m.profile_name = "Profile";
  m.pprs = pprs;
  m.notification_config = {{Event::kEnable, kAddress}, {Event::kDisable, kAddress}};
  return m;
}

// One of the four functions: its whole answer as hex, after checking it decodes as its type.
std::string call(CardSimulator& card, const std::string& tag, bool refresh) {
  const Bytes r = card.es10(from_hex(tag + (refresh ? "038001FF" : "03800100")));
  if (tag == "BF5B") {
    decode_exact<EnableEmergencyProfileResponse_t>(asn_DEF_EnableEmergencyProfileResponse, r);
  } else if (tag == "BF5C") {
    decode_exact<DisableEmergencyProfileResponse_t>(asn_DEF_DisableEmergencyProfileResponse, r);
  } else if (tag == "BF5D") {
    decode_exact<ExecuteFallbackMechanismResponse_t>(asn_DEF_ExecuteFallbackMechanismResponse, r);
  } else {
    decode_exact<ReturnFromFallbackResponse_t>(asn_DEF_ReturnFromFallbackResponse, r);
  }
  return to_hex(r);
}
// The answer `tag { 80 01 code }`.
std::string answer(const std::string& tag, const std::string& code) {
  return tag + "038001" + code;
}

// The same call again, refused: the state must not move.
void refused(CardSimulator& card, const std::string& tag, const std::string& code) {
  INFO(tag << " " << code);
  const CardState before = card.card().state();
  const auto refreshes = card.card().refreshes();
  CHECK(call(card, tag, true) == answer(tag, code));
  CHECK(card.card().state() == before);
  CHECK(card.card().refreshes() == refreshes);
}

const Bytes& aid_of(CardSimulator& card, std::size_t i) {
  return card.card().state().profiles.at(i).isdp_aid;
}

}  // namespace

TEST_CASE("No Emergency Profile: ecallNotAvailable; no Fallback Profile: fallbackNotAvailable") {
  auto card = test::es10_card(test::es10_iot_state({{kP1, true, meta()}, {kP2, false, meta()}}));
  refused(card, "BF5B", "08");
  refused(card, "BF5C", "08");
  refused(card, "BF5D", "06");
  refused(card, "BF5E", "06");
}

TEST_CASE("EnableEmergencyProfile and DisableEmergencyProfile switch there and back") {
  // P1 enabled, with PPR1; P2 the Emergency Profile.
  auto state = test::es10_iot_state({{kP1, true, meta(kPpr1)}, {kP2, false, meta()}});
  state.profiles[1].ecall_indication = true;
  std::vector<CardState> saved;
  CardSimulator::Options o;
  o.seed = 7;
  o.state = state;
  o.persist = [&](const CardState& s) { saved.push_back(s); };
  CardSimulator card(std::move(o));
  card.select(aid::isd_r());
  const auto& s = card.card().state();
  const Bytes aid1 = aid_of(card, 0), aid2 = aid_of(card, 1);

  refused(card, "BF5C", "02");  // not enabled yet: profileNotInEnabledState

  // PPR1 of P1 does not hold the emergency switch back.
  CHECK(call(card, "BF5B", true) == answer("BF5B", "00"));
  CHECK(!s.profiles[0].enabled);
  CHECK(s.profiles[1].enabled);
  CHECK(s.emergency_return_aid == aid1);
  REQUIRE(!saved.empty());
  CHECK(saved.back() == s);
  CHECK(card.card().refreshes() == 1);
  CHECK(card.card().active_profile() == aid2);
  // P1's disable, then P2's enable, as for any enable.
  REQUIRE(s.notifications.size() == 2);
  CHECK(s.notifications[0].event == Event::kDisable);
  CHECK(s.notifications[0].iccid == test::iccid_bytes(kP1));
  CHECK(s.notifications[1].event == Event::kEnable);
  CHECK(s.notifications[1].iccid == test::iccid_bytes(kP2));

  refused(card, "BF5B", "02");  // already enabled: profileNotInDisabledState
  // While the Emergency Profile is enabled the Fallback Mechanism waits (no Fallback Profile
  // here, so that answer is the first check's).
  refused(card, "BF5D", "06");

  // Back to P1, without REFRESH this time.
  CHECK(call(card, "BF5C", false) == answer("BF5C", "00"));
  CHECK(s.profiles[0].enabled);
  CHECK(!s.profiles[1].enabled);
  CHECK(!s.emergency_return_aid);
  CHECK(saved.back() == s);
  CHECK(card.card().refreshes() == 1);
  REQUIRE(s.notifications.size() == 4);
  CHECK(s.notifications[2].event == Event::kDisable);
  CHECK(s.notifications[2].iccid == test::iccid_bytes(kP2));
  CHECK(s.notifications[3].event == Event::kEnable);
  CHECK(s.notifications[3].iccid == test::iccid_bytes(kP1));
  refused(card, "BF5C", "02");
}

TEST_CASE("DisableEmergencyProfile with nothing to return to leaves no profile enabled") {
  SECTION("no profile was enabled before") {
    auto state = test::es10_iot_state({{kP1, false, meta()}});
    state.profiles[0].ecall_indication = true;
    auto card = test::es10_card(state);
    CHECK(call(card, "BF5B", false) == answer("BF5B", "00"));
    CHECK(!card.card().state().emergency_return_aid);
    CHECK(call(card, "BF5C", false) == answer("BF5C", "00"));
    CHECK(card.card().state().enabled_profile() == nullptr);
  }
  SECTION("the profile to return to was deleted meanwhile; the Emergency Profile's PPR1 yields") {
    auto state = test::es10_iot_state({{kP1, true, meta(kPpr1)}});
    state.profiles[0].ecall_indication = true;
    state.emergency_return_aid = from_hex("A0000005591010FFFFFFFF8900009900");
    auto card = test::es10_card(state);
    CHECK(call(card, "BF5C", false) == answer("BF5C", "00"));
    CHECK(card.card().state().enabled_profile() == nullptr);
    CHECK(!card.card().state().emergency_return_aid);
  }
}

TEST_CASE("ExecuteFallbackMechanism and ReturnFromFallback switch there and back") {
  // P1 enabled with PPR1, P2 the Fallback Profile, P3 the Emergency Profile.
  auto state = test::es10_iot_state({{kP1, true, meta(kPpr1)}, {kP2, false, meta()}, {kP3, false, meta()}});
  state.profiles[1].fallback_attribute = true;
  state.profiles[2].ecall_indication = true;
  auto card = test::es10_card(state);
  const auto& s = card.card().state();
  const Bytes aid1 = aid_of(card, 0), aid2 = aid_of(card, 1);

  refused(card, "BF5E", "06");  // the mechanism is not in force

  CHECK(call(card, "BF5D", true) == answer("BF5D", "00"));
  CHECK(s.profiles[1].enabled);
  CHECK(!s.profiles[0].enabled);
  CHECK(s.fallback_return_aid == aid1);
  CHECK(card.card().refreshes() == 1);
  CHECK(card.card().active_profile() == aid2);
  REQUIRE(s.notifications.size() == 2);
  CHECK(s.notifications[1].event == Event::kEnable);
  CHECK(s.notifications[1].iccid == test::iccid_bytes(kP2));

  refused(card, "BF5D", "02");  // the Fallback Profile is enabled already

  CHECK(call(card, "BF5E", true) == answer("BF5E", "00"));
  CHECK(s.profiles[0].enabled);
  CHECK(!s.profiles[1].enabled);
  CHECK(!s.fallback_return_aid);
  CHECK(card.card().refreshes() == 2);
  CHECK(card.card().active_profile() == aid1);
  refused(card, "BF5E", "06");

  // With the Emergency Profile enabled: ecallActive(104).
  CHECK(call(card, "BF5B", false) == answer("BF5B", "00"));
  refused(card, "BF5D", "68");
}

TEST_CASE("ReturnFromFallback: commandError when the fallback is no longer what it was") {
  auto state = test::es10_iot_state({{kP1, false, meta()}, {kP2, true, meta()}});
  state.profiles[1].fallback_attribute = true;
  SECTION("the profile to return to is gone: the Fallback Profile stays enabled") {
    state.fallback_return_aid = from_hex("A0000005591010FFFFFFFF8900009900");
    auto card = test::es10_card(state);
    refused(card, "BF5E", "07");
  }
  SECTION("the Fallback Profile was disabled since") {
    state.fallback_return_aid = state.profiles[0].isdp_aid;
    auto card = test::es10_card(state);
    CHECK(to_hex(card.es10(from_hex("BF3117A0124F10" + to_hex(aid_of(card, 0)) + "810100"))) ==
          "BF3103800100");
    refused(card, "BF5E", "07");
  }
  SECTION("the Fallback Profile lost its attribute") {
    state.fallback_return_aid = state.profiles[0].isdp_aid;
    state.profiles[1].fallback_attribute = false;
    auto card = test::es10_card(state);
    refused(card, "BF5E", "07");
  }
}

TEST_CASE("The four functions under cat-busy answer catBusy and change nothing") {
  auto state = test::es10_iot_state({{kP1, true, meta()}, {kP2, false, meta()}, {kP3, false, meta()}});
  state.config.quirks.insert(quirk::kCatBusy);
  state.profiles[1].fallback_attribute = true;
  state.profiles[2].ecall_indication = true;
  SECTION("on the way in") {
    auto card = test::es10_card(state);
    refused(card, "BF5B", "05");
    refused(card, "BF5D", "05");
  }
  SECTION("on the way back") {
    state.profiles[0].enabled = false;
    state.profiles[2].enabled = true;
    state.emergency_return_aid = state.profiles[0].isdp_aid;
    auto card = test::es10_card(state);
    refused(card, "BF5C", "05");
    state.profiles[2].enabled = false;
    state.profiles[1].enabled = true;
    state.emergency_return_aid.reset();
    state.fallback_return_aid = state.profiles[0].isdp_aid;
    auto card2 = test::es10_card(state);
    refused(card2, "BF5E", "05");
  }
}

TEST_CASE("Requests that do not decode are undefinedError; an sgp22 card does not know them") {
  auto state = test::es10_iot_state({{kP1, true, meta()}});
  state.profiles[0].ecall_indication = true;
  auto card = test::es10_card(state);
  for (const std::string tag : {"BF5B", "BF5C", "BF5D", "BF5E"}) {
    for (const std::string content : {"00", "03810100", "0101"}) {
      INFO(tag << content);
      CHECK(to_hex(card.es10(from_hex(tag + content))) == answer(tag, "7F"));
    }
  }
  CHECK(card.card().state() == state);

  auto sgp22 = test::es10_card(test::es10_state({{kP1, true, meta()}}));
  for (const std::string tag : {"BF5B", "BF5C", "BF5D", "BF5E"}) {
    INFO(tag);
    CHECK(sgp22.transmit("80E2910006" + tag + "03800100" + "00").sw == 0x6A88);
  }
}
