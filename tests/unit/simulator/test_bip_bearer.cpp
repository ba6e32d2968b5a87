// The IPAe's BIP bearer against a terminal scripted here byte by byte: each proactive command
// the card issues is compared with bytes worked by hand from TS 102 223 §6.6.16 and §6.6.27-31,
// each TERMINAL RESPONSE and ENVELOPE is written by hand, and the IPAe's side is what the
// bearer delivers (opened, data, closed, failed).
#include <catch.hpp>

#include "../support/es10_card.hpp"
#include "euiccsim/simulator/bip_bearer.hpp"

using namespace euiccsim;
using namespace euiccsim::test;
using applets::ipae::BearerEvent;
using applets::ipae::ChannelKind;

namespace {

const std::string kFullProfile =
    "8010000022 01 00 80 00 01 0C 00 00 00 00 00 1F E2 00 00 00 03 00 00 00 00 00 00 00 00 00 00 "
    "00 00 00 00 00 00 20";

struct Sink final : applets::ipae::BearerEvents {
  std::vector<BearerEvent> events;
  void on_bearer_event(const BearerEvent& e) override { events.push_back(e); }
};

struct Rig {
  CardSimulator card = es10_card(es10_iot_state());
  Sink sink;
  int wakes = 0;
  sim::BipBearer bip{card.card(), sink, [this] { ++wakes; }};
  std::string tx(const std::string& hex) { return to_hex(card.card().transmit(from_hex(hex))); }
  std::vector<BearerEvent> take() {
    bip.pump();
    auto out = std::move(sink.events);
    sink.events.clear();
    return out;
  }
  // FETCH with the length the last status word gave.
  std::string fetch(std::size_t n) {
    char le[3];
    std::snprintf(le, sizeof le, "%02X", static_cast<unsigned>(n & 0xFF));
    return tx(std::string("80120000") + le);
  }
  // Opens a TCP channel to 127.0.0.1:8443 and answers as a terminal granting channel 1.
  applets::ipae::ChannelId open_tcp() {
    REQUIRE(tx(kFullProfile) == "9000");
    auto id = bip.open(ChannelKind::kStream, "127.0.0.1", 8443);
    // SET UP EVENT LIST first (once per terminal session).
    REQUIRE(tx("80F2000C00") == "910F");
    REQUIRE(fetch(0x0F) == "D00D8103010500820281829902090A9000");
    REQUIRE(tx("801400000C810301050082028281830100") == "911E");
    REQUIRE(fetch(0x1E) ==
            "D01C810302400182028182B50103B9020578BC030220FBBE05217F000001"
            "9000");
    REQUIRE(tx("8014000017810302400182028281830100B8028100B50103B9020578") == "9000");
    auto ev = take();
    REQUIRE(ev.size() == 1);
    REQUIRE(ev[0].kind == BearerEvent::Kind::kOpened);
    REQUIRE(ev[0].channel == id);
    return id;
  }
};

std::string repeat(const std::string& byte, std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += byte;
  return s;
}

}  // namespace

TEST_CASE("BIP open: an IP literal, a terminal with BIP in its profile, else kFailed") {
  Rig r;
  SECTION("a host name") {
    r.tx(kFullProfile);
    r.bip.open(ChannelKind::kStream, "eim.example", 443);
    auto ev = r.take();
    REQUIRE(ev.size() == 1);
    CHECK(ev[0].kind == BearerEvent::Kind::kFailed);
    CHECK(ev[0].error.find("IP literal") != std::string::npos);
    CHECK(r.tx("80F2000C00") == "9000");  // nothing for the terminal
  }
  SECTION("no TERMINAL PROFILE") {
    r.bip.open(ChannelKind::kStream, "127.0.0.1", 443);
    auto ev = r.take();
    REQUIRE(ev.size() == 1);
    CHECK(ev[0].error.find("TERMINAL PROFILE") != std::string::npos);
  }
  SECTION("a profile without UDP client remote (byte 17 b2)") {
    // The full profile with byte 17 = 01 (TCP only).
    r.tx("8010000011 01 00 80 00 01 0C 00 00 00 00 00 1F E2 00 00 00 01");
    r.bip.open(ChannelKind::kDatagram, "::1", 5684);
    auto ev = r.take();
    REQUIRE(ev.size() == 1);
    CHECK(ev[0].error == "the terminal's profile lacks UDP client (remote)");
  }
  CHECK(r.bip.channels() == 0);
}

TEST_CASE("BIP over TCP: SEND DATA in pieces, data available, RECEIVE DATA, link dropped") {
  Rig r;
  const auto id = r.open_tcp();
  CHECK(r.wakes > 0);
  // 300 bytes: 241 stored (what fits one FETCH of 256), then 59 sent immediately.
  r.bip.send(id, Bytes(300, 0xAB));
  CHECK(r.tx("80F2000C00") == "9100");
  // D0 81 FD | 81 03 03 43 00 (store) | 82 02 81 21 (channel 1) | B6 81 F1 ...
  CHECK(r.fetch(0x00) == "D081FD810303430082028121B681F1" + repeat("AB", 241) + "9000");
  // Performed; 255 or more bytes free (B7 FF). Then 72 bytes: D0 46 | 81 03 04 43 01 | ... B6 3B.
  CHECK(r.tx("801400000F810303430082028281830100B701FF") == "9148");
  CHECK(r.fetch(0x48) == "D046810304430182028121B63B" + repeat("AB", 59) + "9000");
  CHECK(r.tx("801400000F810304430182028281830100B701FF") == "9000");
  CHECK(r.take().empty());

  // Data available, 5 bytes: RECEIVE DATA #5 for 5 bytes.
  CHECK(r.tx("80C2000010D60E99010982028281B8028100B70105") == "910E");
  CHECK(r.fetch(0x0E) == "D00C810305420082028121B701059000");
  // B6 05 "hello", B7 01 00 (nothing left).
  CHECK(r.tx("8014000016810305420082028281830100B60568656C6C6FB70100") == "9000");
  auto ev = r.take();
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].kind == BearerEvent::Kind::kData);
  CHECK(to_hex(ev[0].data) == "68656C6C6F");

  // 255 or more: the largest RECEIVE DATA (237, ED), then what its answer says is left (63, 3F).
  CHECK(r.tx("80C2000010D60E99010982028281B8028100B701FF") == "910E");
  CHECK(r.fetch(0x0E) == "D00C810306420082028121B701ED9000");
  CHECK(r.tx("80140000FF810306420082028281830100B681ED" + repeat("11", 237) + "B7013F") == "910E");
  CHECK(r.fetch(0x0E) == "D00C810307420082028121B7013F9000");
  CHECK(r.tx("8014000050810307420082028281830100B63F" + repeat("22", 63) + "B70100") == "9000");
  ev = r.take();
  REQUIRE(ev.size() == 2);
  CHECK(ev[0].data.size() == 237);
  CHECK(ev[1].data.size() == 63);

  // The peer closed: channel status, link dropped (01 05). kClosed, and CLOSE CHANNEL releases
  // the terminal's channel.
  CHECK(r.tx("80C200000DD60B99010A82028281B8020105") == "910B");
  ev = r.take();
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].kind == BearerEvent::Kind::kClosed);
  CHECK(ev[0].channel == id);
  CHECK(r.fetch(0x0B) == "D0098103084100820281219000");
  CHECK(r.tx("801400000C810308410082028281830100") == "9000");
  CHECK(r.bip.channels() == 0);
}

TEST_CASE("BIP: an OPEN CHANNEL the terminal refuses, and one the IPAe withdraws") {
  Rig r;
  SECTION("3A 07: remote device not reachable") {
    REQUIRE(r.tx(kFullProfile) == "9000");
    r.bip.open(ChannelKind::kStream, "127.0.0.1", 8443);
    REQUIRE(r.tx("80F2000C00") == "910F");
    r.fetch(0x0F);
    REQUIRE(r.tx("801400000C810301050082028281830100") == "911E");
    r.fetch(0x1E);
    CHECK(r.tx("8014000014810302400182028281 83 02 3A 07 B5 01 03 B9 02 05 78") == "9000");
    auto ev = r.take();
    REQUIRE(ev.size() == 1);
    CHECK(ev[0].kind == BearerEvent::Kind::kFailed);
    CHECK(
        ev[0].error ==
        "OPEN CHANNEL: bearer independent protocol error (3A, remote device is not reachable 07)");
    CHECK(r.bip.channels() == 0);
  }
  SECTION("closed before the terminal fetched it: withdrawn, nothing follows") {
    REQUIRE(r.tx(kFullProfile) == "9000");
    auto id = r.bip.open(ChannelKind::kStream, "127.0.0.1", 8443);
    r.bip.close(id);
    REQUIRE(r.tx("80F2000C00") == "910F");  // the event list still goes
    r.fetch(0x0F);
    CHECK(r.tx("801400000C810301050082028281830100") == "9000");
    CHECK(r.take().empty());
    CHECK(r.bip.channels() == 0);
  }
  SECTION("closed while OPEN CHANNEL was under way: the channel it got is released") {
    REQUIRE(r.tx(kFullProfile) == "9000");
    auto id = r.bip.open(ChannelKind::kStream, "127.0.0.1", 8443);
    r.tx("80F2000C00");
    r.fetch(0x0F);
    r.tx("801400000C810301050082028281830100");
    r.fetch(0x1E);
    r.bip.close(id);
    CHECK(r.tx("8014000017810302400182028281830100B8028300B50103B9020578") == "910B");
    CHECK(r.fetch(0x0B) == "D0098103034100820281239000");  // CLOSE CHANNEL, channel 3
    CHECK(r.take().empty());
  }
}

TEST_CASE("BIP: a SEND DATA error closes the channel; a card reset loses every channel") {
  SECTION("3A 02 channel closed") {
    Rig r;
    const auto id = r.open_tcp();
    r.bip.send(id, Bytes(10, 0x01));
    CHECK(r.tx("80F2000C00") == "9117");
    r.fetch(0x17);
    CHECK(r.tx("801400000D81030343018202828183023A02") == "910B");
    auto ev = r.take();
    REQUIRE(ev.size() == 1);
    CHECK(ev[0].kind == BearerEvent::Kind::kClosed);
    CHECK(ev[0].error == "SEND DATA: bearer independent protocol error (3A, channel closed 02)");
    CHECK(r.fetch(0x0B) == "D0098103044100820281219000");
  }
  SECTION("reset") {
    Rig r;
    const auto id = r.open_tcp();
    r.bip.send(id, Bytes(10, 0x01));
    r.card.reset();
    auto ev = r.take();
    REQUIRE(ev.size() == 1);
    CHECK(ev[0].kind == BearerEvent::Kind::kClosed);
    CHECK(r.tx("80F2000C00") == "9000");
    CHECK(r.bip.channels() == 0);
  }
}

TEST_CASE("BIP: a link dropped while a read is queued is reported after the read") {
  Rig r;
  const auto id = r.open_tcp();
  CHECK(r.tx("80C2000010D60E99010982028281B8028100B70103") == "910E");
  // Not fetched yet: the channel status event is taken, the close waits for the read.
  CHECK(r.tx("80C200000DD60B99010A82028281B8020105") == "910E");
  CHECK(r.take().empty());
  CHECK(r.fetch(0x0E) == "D00C810303420082028121B701039000");
  CHECK(r.tx("8014000014810303420082028281830100B603414243B70100") == "910B");
  auto ev = r.take();
  REQUIRE(ev.size() == 2);
  CHECK(ev[0].kind == BearerEvent::Kind::kData);
  CHECK(ev[1].kind == BearerEvent::Kind::kClosed);
  CHECK(ev[1].channel == id);
}

TEST_CASE("BIP over UDP: a datagram in pieces, the last one sent immediately; one read whole") {
  Rig r;
  REQUIRE(r.tx(kFullProfile) == "9000");
  const auto id = r.bip.open(ChannelKind::kDatagram, "::1", 5684);
  r.tx("80F2000C00");
  r.fetch(0x0F);
  REQUIRE(r.tx("801400000C810301050082028281830100") == "912A");
  // BC 03 01 16 34 (UDP, UICC client, remote; 5684), BE 11 57 ::1 (IPv6).
  CHECK(r.fetch(0x2A) ==
        "D028810302400182028182B50103B9020578BC03011634BE1157" + repeat("00", 15) + "019000");
  // Granted 512 bytes only: performed with modification (07).
  REQUIRE(r.tx("8014000017810302400182028281830107B8028200B50103B9020200") == "9000");
  auto ev = r.take();
  REQUIRE(ev.size() == 1);
  REQUIRE(ev[0].kind == BearerEvent::Kind::kOpened);
  r.bip.send(id, Bytes(300, 0x5A));
  CHECK(r.tx("80F2000C00") == "9100");
  CHECK(r.fetch(0x00) == "D081FD810303430082028122B681F1" + repeat("5A", 241) + "9000");
  CHECK(r.tx("801400000F810303430082028281830100B701FF") == "9148");
  CHECK(r.fetch(0x48) == "D046810304430182028122B63B" + repeat("5A", 59) + "9000");
  CHECK(r.tx("801400000F810304430182028281830100B701FF") == "9000");
  // A datagram of 300 bytes comes back in two reads and reaches the IPAe as one.
  CHECK(r.tx("80C2000010D60E99010982028281B8028200B701FF") == "910E");
  CHECK(r.fetch(0x0E) == "D00C810305420082028122B701ED9000");
  CHECK(r.tx("80140000FF810305420082028281830100B681ED" + repeat("33", 237) + "B7013F") == "910E");
  CHECK(r.take().empty());
  CHECK(r.fetch(0x0E) == "D00C810306420082028122B7013F9000");
  CHECK(r.tx("8014000050810306420082028281830100B63F" + repeat("33", 63) + "B70100") == "9000");
  ev = r.take();
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].data.size() == 300);
  // A datagram larger than the granted buffer cannot go: the channel is lost.
  r.bip.send(id, Bytes(513, 0x00));
  ev = r.take();
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].kind == BearerEvent::Kind::kClosed);
}
