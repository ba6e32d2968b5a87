// The CAT codings, each against bytes worked by hand from ETSI TS 102 223 (§6.6 command
// structures, §8 data objects, §9.3 tag values with the CR bit, §9.4 type of command), TS 101
// 220 §7.1 (COMPREHENSION-TLV, lengths '81' LL from 128) and TS 31.111 §8.52 (bearer
// parameters); never from the encoder under test.
#include <catch.hpp>

#include "euiccsim/simulator/cat.hpp"

using namespace euiccsim;
using namespace euiccsim::sim;

namespace {
std::string hex(const Bytes& b) {
  return to_hex(b);
}
// Hex with spaces between bytes, as worked out by hand.
Bytes h(const std::string& s) {
  return from_hex(s);
}
std::string hx(const std::string& s) {
  return to_hex(from_hex(s));
}
}  // namespace

TEST_CASE("REFRESH: command details 81 03, device identities UICC to terminal, the mode") {
  // D0 09 | 81 03 (number 01, REFRESH 01, qualifier 09) | 82 02 81 82.
  CHECK(hex(cat::refresh_command(1, cat::refresh::kEuiccProfileStateChange)) ==
        "D009810301010982028182");
  CHECK(hex(cat::refresh_command(0x22, cat::refresh::kUiccReset)) == "D009810322010482028182");
  auto c = cat::decode_proactive(h("D009810301010982028182"));
  REQUIRE(c);
  CHECK(c->details == cat::CommandDetails{1, 0x01, 0x09});
  CHECK(c->source == 0x81);
  CHECK(c->destination == 0x82);
  CHECK(cat::describe(*c) == "REFRESH #1 eUICC Profile State Change (09)");
}

TEST_CASE("SET UP EVENT LIST: event list 99 with data available 09 and channel status 0A") {
  // 5 + 4 + (99 02 09 0A) = 13 = 0D.
  CHECK(hex(cat::set_up_event_list(2, h("090A"))) == "D00D8103020500820281829902090A");
}

TEST_CASE("OPEN CHANNEL, TCP client remote over the default bearer") {
  cat::OpenChannel o;
  o.transport = cat::Transport::kTcpClientRemote;
  o.address = h("7F000001");
  o.port = 8443;         // 20FB
  o.buffer_size = 1400;  // 0578
  // 81 03 03 40 01 (immediate link) | 82 02 81 82 | B5 01 03 (default bearer) | B9 02 05 78 |
  // BC 03 02 20 FB (TCP, UICC client, remote; port) | BE 05 21 7F000001 (IPv4): 28 = 1C.
  const std::string want = hx(
      "D0 1C 81 03 03 40 01 82 02 81 82 B5 01 03 B9 02 05 78 BC 03 02 20 FB BE 05 21 7F 00 00 01");
  CHECK(hex(cat::open_channel(3, o)) == want);
  auto c = cat::decode_proactive(h(want));
  REQUIRE(c);
  auto back = cat::decode_open_channel(*c);
  REQUIRE(back);
  CHECK(back->transport == cat::Transport::kTcpClientRemote);
  CHECK(back->port == 8443);
  CHECK(back->buffer_size == 1400);
  CHECK(hex(back->address) == "7F000001");
  CHECK(back->bearer_type == 0x03);
  CHECK(cat::describe(*c) == "OPEN CHANNEL #3 TCP 127.0.0.1:8443, buffer 1400, bearer 03");
}

TEST_CASE("OPEN CHANNEL, UDP to an IPv6 address over a packet bearer with an APN") {
  cat::OpenChannel o;
  o.transport = cat::Transport::kUdpClientRemote;
  o.address = h("00000000000000000000000000000001");
  o.port = 5684;  // 1634
  o.buffer_size = 1024;
  o.bearer_type = 0x02;
  // TS 31.111 §8.52.2: precedence 03, delay 04, reliability 03, peak 04, mean 1F, PDP type IP 02.
  o.bearer_parameters = h("030403041F02");
  o.network_access_name = "internet";
  // 5 + 4 + B5 07 (9) + B9 02 04 00 (4) + C7 09 08 "internet" (11) + BC 03 01 16 34 (5) +
  // BE 11 57 ::1 (19) = 57 = 39.
  CHECK(hex(cat::open_channel(4, o)) ==
        hx("D0 39 81 03 04 40 01 82 02 81 82 B5 07 02 03 04 03 04 1F 02 B9 02 04 00"
           " C7 09 08 69 6E 74 65 72 6E 65 74 BC 03 01 16 34"
           " BE 11 57 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 01"));
}

TEST_CASE("OPEN CHANNEL decoding: the destination is the Other address after the transport level") {
  // A local address (BE before BC) is not the destination.
  auto c = cat::decode_proactive(
      h("D023810301400182028182B50103B9020100BE05210A000001BC030100FFBE0521C0A80001"));
  REQUIRE(c);
  auto o = cat::decode_open_channel(*c);
  REQUIRE(o);
  CHECK(hex(o->address) == "C0A80001");
  CHECK(o->port == 0x00FF);
  CHECK(o->transport == cat::Transport::kUdpClientRemote);
  // Without a transport level it is not an OPEN CHANNEL this reading can carry out.
  auto missing = cat::decode_proactive(
      h("D0 17 81 03 01 40 01 82 02 81 82 B5 01 03 B9 02 01 00 BE 05 21 0A 00 00 01"));
  REQUIRE(missing);
  CHECK_FALSE(cat::decode_open_channel(*missing));
}

TEST_CASE("SEND DATA: channel data B6 to channel 1 (device 21), store or send immediately") {
  // 81 03 05 43 00 | 82 02 81 21 | B6 05 "hello": 16 = 10.
  CHECK(hex(cat::send_data(5, 1, h("68656C6C6F"), false)) ==
        hx("D0 10 81 03 05 43 00 82 02 81 21 B6 05 68 65 6C 6C 6F"));
  // 200 bytes: B6 81 C8 ..., the template D0 81 D4 (5 + 4 + 203 = 212).
  const Bytes big(200, 0xAA);
  const Bytes cmd = cat::send_data(6, 2, big, true);
  CHECK(hex(Bytes(cmd.begin(), cmd.begin() + 15)) ==
        hx("D0 81 D4 81 03 06 43 01 82 02 81 22 B6 81 C8"));
  CHECK(cmd.size() == 215);
  // The largest piece fills a FETCH of 256 bytes exactly.
  CHECK(cat::send_data(7, 1, Bytes(cat::kMaxSendDataPiece, 0), true).size() == 256);
}

TEST_CASE("RECEIVE DATA, CLOSE CHANNEL, GET CHANNEL STATUS") {
  CHECK(hex(cat::receive_data(7, 1, 0xED)) == "D00C810307420082028121B701ED");
  CHECK(hex(cat::close_channel(8, 1)) == "D009810308410082028121");
  CHECK(hex(cat::get_channel_status(9)) == "D009810309440082028182");
  // The largest RECEIVE DATA answer fits one TERMINAL RESPONSE APDU (Lc 255).
  const Bytes tr = cat::encode_terminal_response(
      {1, 0x42, 0}, 0, {},
      {{cat::tag::kChannelData, true, Bytes(cat::kMaxReceiveDataPiece, 0)},
       {cat::tag::kChannelDataLength, true, Bytes{0}}});
  CHECK(tr.size() == 255);
}

TEST_CASE("TERMINAL RESPONSE: command details, devices terminal to UICC, result, the rest") {
  // OPEN CHANNEL answered: performed, channel 1 link up, default bearer, buffer 1400.
  auto r = cat::decode_terminal_response(
      h("81 03 03 40 01 82 02 82 81 83 01 00 B8 02 81 00 B5 01 03 B9 02 05 78"));
  REQUIRE(r);
  CHECK(r->details == cat::CommandDetails{3, 0x40, 0x01});
  CHECK(r->source == 0x82);
  CHECK(r->destination == 0x81);
  CHECK(r->general == 0x00);
  REQUIRE(cat::find(r->items, cat::tag::kChannelStatus));
  CHECK(hex(cat::find(r->items, cat::tag::kChannelStatus)->value) == "8100");
  // A BIP error with its cause.
  auto e = cat::decode_terminal_response(h("81030340018202828183023A07"));
  REQUIRE(e);
  CHECK(e->general == 0x3A);
  CHECK(hex(e->additional) == "07");
  CHECK(cat::result_text(e->general, e->additional) ==
        "bearer independent protocol error (3A, remote device is not reachable 07)");
  // The encoder writes the same bytes for the same response.
  CHECK(hex(cat::encode_terminal_response({3, 0x40, 1}, 0x3A, h("07"), {})) ==
        "81030340018202828183023A07");
  // Without a result it is no terminal response.
  CHECK_FALSE(cat::decode_terminal_response(h("81 03 03 40 01 82 02 82 81")));
}

TEST_CASE("ENVELOPE event download: data available and channel status") {
  // D6 0E | 99 01 09 | 82 02 82 81 | B8 02 81 00 | B7 01 FF (300 bytes: 255 or more).
  CHECK(hex(cat::data_available(1, 300)) == hx("D6 0E 99 01 09 82 02 82 81 B8 02 81 00 B7 01 FF"));
  CHECK(hex(cat::data_available(2, 17)) == hx("D6 0E 99 01 09 82 02 82 81 B8 02 82 00 B7 01 11"));
  // Link dropped (byte 2 '05') on channel 1, link not up (b8 of byte 1 clear).
  CHECK(hex(cat::channel_status_event(1, false, cat::kLinkDropped)) ==
        hx("D6 0B 99 01 0A 82 02 82 81 B8 02 01 05"));
  auto e = cat::decode_event_download(h("D60B99010A82028281B8020105"));
  REQUIRE(e);
  CHECK(e->event == 0x0A);
  CHECK(e->source == 0x82);
  // Two events in one envelope are not an event download (one event each, §7.5).
  CHECK_FALSE(cat::decode_event_download(h("D60C9902090A82028281B8020105")));
}

TEST_CASE("COMPREHENSION-TLV reading: CR bit, length forms, three-byte tags, refusals") {
  // CR set and clear read as the same tag.
  auto a = cat::read_ctlvs(h("81 03 01 01 09 82 02 81 82 03 01 00"));
  REQUIRE(a);
  REQUIRE(a->size() == 3);
  CHECK((*a)[0].cr);
  CHECK((*a)[2].tag == 0x03);
  CHECK_FALSE((*a)[2].cr);
  // '81' 80 is the two-byte form of 128; '80' alone and '81' 7F are not lengths.
  Bytes long_value = h("B68180");
  long_value.resize(3 + 128, 0x11);
  auto b = cat::read_ctlvs(long_value);
  REQUIRE(b);
  CHECK((*b)[0].value.size() == 128);
  CHECK_FALSE(cat::read_ctlvs(h("B680")));
  CHECK_FALSE(cat::read_ctlvs(h("B6817F")));
  // A value running past the end.
  CHECK_FALSE(cat::read_ctlvs(h("B6050102")));
  // The three-byte form: 7F, CR and 15-bit tag, length.
  auto c = cat::read_ctlvs(h("7F800102AABB"));
  REQUIRE(c);
  CHECK((*c)[0].cr);
  CHECK(hex((*c)[0].value) == "AABB");
  // 00 and FF are not tags.
  CHECK_FALSE(cat::read_ctlvs(h("0001AA")));
  // A template whose length disagrees with its content.
  CHECK_FALSE(cat::decode_proactive(h("D00A810301010982028182")));
}

TEST_CASE("TERMINAL PROFILE: the bits the card checks, and what euicc-sim's terminal declares") {
  // Byte 1 profile download; 3 REFRESH (b8); 5 SET UP EVENT LIST; 6 data available (b3) and
  // channel status (b4); 12 OPEN, CLOSE, RECEIVE, SEND, GET CHANNEL STATUS; 13 GPRS (b2) and
  // seven channels (b6..b8); 17 TCP and UDP client remote; 34 b6 REFRESH eUICC Profile State
  // Change.
  CHECK(hex(cat::default_terminal_profile()) ==
        hx("01 00 80 00 01 0C 00 00 00 00 00 1F E2 00 00 00 03 00 00 00 00 00 00 00 00 00 00 00 00"
           " 00 00 00 00 20"));
  cat::TerminalProfile p(cat::default_terminal_profile());
  CHECK(p.has(cat::profile::kRefresh));
  CHECK(p.has(cat::profile::kProfileStateChangeRefresh));
  CHECK(p.channels() == 7);
  // A short profile has none of the later facilities.
  cat::TerminalProfile short_one(h("FFFFFF"));
  CHECK(short_one.has(cat::profile::kRefresh));
  CHECK_FALSE(short_one.has(cat::profile::kOpenChannel));
  CHECK_FALSE(short_one.has(cat::profile::kProfileStateChangeRefresh));
  CHECK(hex(cat::encode_network_access_name("internet.example")) ==
        "08696E7465726E6574076578616D706C65");
  CHECK_THROWS(cat::encode_network_access_name("a..b"));
}
