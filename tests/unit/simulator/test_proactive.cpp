// The proactive runtime through the card's APDU interface, with terminals scripted here byte by
// byte (TS 102 221 §11.2 headers, TS 102 223 codings worked by hand): TERMINAL PROFILE, 91xx,
// FETCH, TERMINAL RESPONSE, ENVELOPE, and the REFRESH that follows a profile change with
// refreshFlag.
#include <catch.hpp>

#include <set>

#include "../support/es10_card.hpp"

using namespace euiccsim;
using namespace euiccsim::test;

namespace {

const std::string kFirst = "8999900000000000001";
const std::string kSecond = "8999900000000000002";
// Everything euicc-sim's terminal declares (test_cat has its bits worked out).
const std::string kFullProfile =
    "80 10 00 00 22 01 00 80 00 01 0C 00 00 00 00 00 1F E2 00 00 00 03 00 00 00 00 00 00 00 00 00 "
    "00 "
    "00 00 00 00 00 00 20";
// Bytes 1..3 only: REFRESH, but not its eUICC Profile State Change mode (byte 34).
const std::string kShortProfile = "8010000003 010080";

struct Rig {
  CardSimulator card;
  explicit Rig(std::set<std::string> quirks = {}) : card(make(std::move(quirks))) {}
  static CardSimulator make(std::set<std::string> quirks) {
    auto s = es10_state({{kFirst, true, {}}, {kSecond, false, {}}});
    s.config.quirks = std::move(quirks);
    return es10_card(std::move(s));
  }
  sim::Card& c() { return card.card(); }
  // The raw answer, data and status word, as hex.
  std::string tx(const std::string& hex) { return to_hex(c().transmit(from_hex(hex))); }
  Bytes isdp(std::size_t i) { return c().state().profiles[i].isdp_aid; }
  // EnableProfile of the second profile by ICCID, refreshFlag TRUE, as one STORE DATA with Le
  // (the card runs T=1 here): BF31 { A0 { 5A iccid }, 81 01 FF }.
  std::string enable_second(unsigned channel = 0) {
    const std::string cla = channel == 0 ? "80" : "8" + std::to_string(channel);
    return tx(cla + "E2910014BF3111A00C5A0A" + to_hex(iccid_bytes(kSecond)) + "8101FF00");
  }
  std::string open_isdr_channel() {
    REQUIRE(tx("0070000001") == "019000");
    card.select(aid::isd_r(), 1);
    return "ok";
  }
};

// A command on channel 1 after the REFRESH: the channel is gone.
constexpr const char* kGetEidOnChannel1 = "81E2910006BF3E035C015A00";

}  // namespace

TEST_CASE("Without a TERMINAL PROFILE a refresh happens at once, as it always did") {
  Rig r;
  r.open_isdr_channel();
  CHECK(r.enable_second(1) == "BF31038001009000");  // no 91xx: nobody could fetch it
  CHECK(r.c().active_profile() == r.isdp(1));
  CHECK(r.c().refreshes() == 1);
  CHECK_FALSE(r.c().refresh_pending());
  // The asking channel keeps its ISD-R (today's reading, docs/es10.md).
  CHECK(r.tx(kGetEidOnChannel1).substr(0, 6) == "BF3E12");
  CHECK(r.tx("80F2000C00") == "9000");
  CHECK(r.tx("801200000B") == "6985");  // nothing to fetch
}

TEST_CASE("REFRESH eUICC Profile State Change: 91xx, FETCH, TERMINAL RESPONSE, then the switch") {
  Rig r;
  std::vector<std::optional<Bytes>> heard;
  r.c().set_refresh_listener([&](const std::optional<Bytes>& a) { heard.push_back(a); });
  CHECK(r.tx(kFullProfile) == "9000");
  r.open_isdr_channel();
  // The answer is the ES10 one; its status word says a command of 0B bytes waits.
  CHECK(r.enable_second(1) ==
        "BF310380010091"
        "0B");
  CHECK(r.c().active_profile() == r.isdp(0));  // the terminal still sees the first profile
  CHECK(r.c().refresh_pending());
  // Any answer says so, on any channel.
  CHECK(r.tx("80F2000C00") == "910B");
  CHECK(r.tx(kGetEidOnChannel1).substr(r.tx(kGetEidOnChannel1).size() - 4) == "910B");
  // FETCH: D0 09 | 81 03 01 01 09 | 82 02 81 82.
  CHECK(r.tx("801200000B") == "D0098103010109820281829000");
  // Fetched, not yet answered: no 91xx, and the toolkit is busy for envelopes.
  CHECK(r.tx("80F2000C00") == "9000");
  CHECK(r.tx("80C2000010D60E99010982028281B8028100B70110") == "9300");
  // A second FETCH gets the same command (the first answer may have been lost).
  CHECK(r.tx("801200000B") == "D0098103010109820281829000");
  CHECK(heard.empty());
  // TERMINAL RESPONSE: 81 03 01 01 09 | 82 02 82 81 | 83 01 00.
  CHECK(r.tx("801400000C810301010982028281830100") == "9000");
  CHECK(r.c().active_profile() == r.isdp(1));
  CHECK(r.c().refreshes() == 1);
  CHECK_FALSE(r.c().refresh_pending());
  REQUIRE(heard.size() == 1);
  CHECK(heard[0] == r.isdp(1));
  // The card is as after its ATR: channel 1 closed, nothing selected on the basic channel.
  CHECK(r.tx(kGetEidOnChannel1) == "6881");
  CHECK(r.c().selected(0) == nullptr);
  CHECK(r.tx("80F2000C00") == "9000");
}

TEST_CASE("A terminal without the eUICC Profile State Change mode gets UICC Reset") {
  Rig r;
  CHECK(r.tx(kShortProfile) == "9000");
  CHECK(r.enable_second() ==
        "BF310380010091"
        "0B");
  CHECK(r.tx("801200000B") == "D0098103010104820281829000");
  // No TERMINAL RESPONSE: the terminal resets the card, and the new profile is there.
  CHECK(r.c().active_profile() == r.isdp(0));
  r.card.reset();
  CHECK(r.c().active_profile() == r.isdp(1));
  CHECK_FALSE(r.c().refresh_pending());
  CHECK_FALSE(r.c().toolkit().terminal_present());  // a new session needs a new profile
  CHECK(r.tx("80F2000C00") == "9000");
}

TEST_CASE("The refresh-at-once quirk keeps today's behaviour for a terminal that never fetches") {
  Rig r({quirk::kRefreshAtOnce});
  CHECK(r.tx(kFullProfile) == "9000");
  CHECK(r.enable_second() == "BF31038001009000");
  CHECK(r.c().active_profile() == r.isdp(1));
  CHECK(r.tx("80F2000C00") == "9000");
}

TEST_CASE("A terminal that answers REFRESH with errors: retried while worth it, then left") {
  SECTION("'20' terminal currently unable: tried three times in all") {
    Rig r;
    CHECK(r.tx(kFullProfile) == "9000");
    CHECK(r.enable_second() ==
          "BF310380010091"
          "0B");
    CHECK(r.tx("801200000B") == "D0098103010109820281829000");
    // 83 02 20 00: unable, no specific cause. The next REFRESH (#2) waits at once.
    CHECK(r.tx("801400000D81030101098202828183022000") == "910B");
    CHECK(r.tx("801200000B") == "D0098103020109820281829000");
    CHECK(r.tx("801400000D81030201098202828183022000") == "910B");
    CHECK(r.tx("801200000B") == "D0098103030109820281829000");
    CHECK(r.tx("801400000D81030301098202828183022000") == "9000");
    // Given up: the card keeps the change, the terminal meets it at its next reset.
    CHECK_FALSE(r.c().refresh_pending());
    CHECK(r.c().active_profile() == r.isdp(0));
    CHECK(r.c().state().enabled_profile()->isdp_aid == r.isdp(1));
    r.card.reset();
    CHECK(r.c().active_profile() == r.isdp(1));
  }
  SECTION("'30' beyond the terminal's capabilities: not retried") {
    Rig r;
    CHECK(r.tx(kFullProfile) == "9000");
    r.enable_second();
    CHECK(r.tx("801200000B") == "D0098103010109820281829000");
    CHECK(r.tx("801400000C810301010982028281830130") == "9000");
    CHECK_FALSE(r.c().refresh_pending());
    CHECK(r.c().active_profile() == r.isdp(0));
  }
}

TEST_CASE("TERMINAL RESPONSE and FETCH refusals leave the session as it was") {
  Rig r;
  CHECK(r.tx(kFullProfile) == "9000");
  CHECK(r.tx("801400000C810301010982028281830100") == "6985");  // nothing awaits a response
  CHECK(r.tx("801200000B") == "6985");                          // nothing to fetch
  r.enable_second();
  CHECK(r.tx("801201000B") == "6A86");
  CHECK(r.tx("8012000000").substr(0, 4) == "D009");  // Le 00: up to 256 bytes (T=1)
  // The wrong command number, or a response that does not decode: 6A80, still outstanding.
  CHECK(r.tx("801400000C810302010982028281830100") == "6A80");
  CHECK(r.tx("8014000005810301010A") == "6A80");
  CHECK(r.c().toolkit().busy());
  CHECK(r.c().active_profile() == r.isdp(0));
  CHECK(r.tx("801400000C810301010982028281830100") == "9000");
  CHECK(r.c().active_profile() == r.isdp(1));
}

TEST_CASE("FETCH under T=0 with the wrong Le: 6Cxx, and the command is still to be fetched") {
  Rig r;
  r.c().set_protocol(sim::Protocol::kT0);
  CHECK(r.tx(kFullProfile) == "9000");
  // T=0: the STORE DATA answer comes with 61xx, its last piece ends in 91xx.
  CHECK(r.tx("80E2910014BF3111A00C5A0A" + to_hex(iccid_bytes(kSecond)) + "8101FF") == "6106");
  CHECK(r.tx("80C0000006") ==
        "BF310380010091"
        "0B");
  CHECK(r.tx("8012000010") == "6C0B");
  CHECK(r.tx("80F2000C00") == "910B");
  CHECK(r.tx("801200000B") == "D0098103010109820281829000");
}

TEST_CASE("ENVELOPE: event download to its listeners, other templates accepted, others refused") {
  Rig r;
  CHECK(r.tx(kFullProfile) == "9000");
  std::vector<std::uint8_t> events;
  auto owner = r.c().toolkit().new_owner();
  r.c().toolkit().on_event(owner,
                           [&](const sim::cat::EventDownload& e) { events.push_back(e.event); });
  // Data available on channel 1, 16 bytes.
  CHECK(r.tx("80C2000010D60E99010982028281B8028100B70110") == "9000");
  REQUIRE(events.size() == 1);
  CHECK(events[0] == 0x09);
  // Menu selection (D3 { 82 02 01 81, 90 01 01 }): nothing on this card listens; accepted.
  CHECK(r.tx("80C2000009D30782020181900101") == "9000");
  // Not a CAT template, or not one TLV.
  CHECK(r.tx("80C2000003E00100") == "6A80");
  CHECK(r.tx("80C2000004D6050102") == "6A80");
  // Two events in one event download.
  CHECK(r.tx("80C200000ED60C9902090A82028281B8020105") == "6A80");
  CHECK(r.tx("80C2010003D60100") == "6A86");
  r.c().toolkit().release(owner);
  CHECK(r.tx("80C2000010D60E99010982028281B8028100B70110") == "9000");
  CHECK(events.size() == 1);
}

TEST_CASE("A terminal that never fetches: plain ES10 clients keep working, one REFRESH waits") {
  Rig r;
  CHECK(r.tx(kFullProfile) == "9000");
  CHECK(r.enable_second() ==
        "BF310380010091"
        "0B");
  // GetEID still answers (lpac takes 9xxx as success); only the status word differs.
  CHECK(r.tx("80E2910006BF3E035C015A00").substr(0, 6) == "BF3E12");
  // Back to the first profile: still one REFRESH waiting, not two.
  CHECK(r.tx("80E2910014BF3111A00C5A0A" + to_hex(iccid_bytes(kFirst)) + "8101FF00") ==
        "BF310380010091"
        "0B");
  CHECK(r.c().toolkit().waiting() == 11u);
  CHECK(r.tx("801200000B") == "D0098103010109820281829000");
  CHECK(r.tx("80F2000C00") == "9000");
}

TEST_CASE("The IPAe's ES10 asks for a REFRESH the terminal then sees; a reset drops it") {
  Rig r;
  CHECK(r.tx(kFullProfile) == "9000");
  auto rsp = r.c().es10(from_hex("BF3111A00C5A0A" + to_hex(iccid_bytes(kSecond)) + "8101FF"));
  CHECK(to_hex(rsp.data) == "BF3103800100");
  CHECK(r.tx("80F2000C00") == "910B");
  r.card.reset();
  CHECK(r.c().active_profile() == r.isdp(1));
  CHECK(r.tx("80F2000C00") == "9000");
  CHECK(r.tx("801200000B") == "6985");
}

TEST_CASE("STATUS as the terminal polls it") {
  Rig r;
  CHECK(r.tx("80F2000C00") == "9000");
  CHECK(r.tx("80F2010C00") == "9000");
  CHECK(r.tx("80F2030C00") == "6A86");
}
