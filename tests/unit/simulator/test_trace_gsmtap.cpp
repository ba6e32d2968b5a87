// GSMTAP-SIM framing against ../shared/reference/CONFORMANCE.md §3 (gsmtap.h, SIMtrace2), the
// pcapng writer read back by the capture reader, a classic pcap and the secrets redaction.
#include <catch.hpp>

#include <fstream>
#include <iterator>

#include "../support/temp_dir.hpp"
#include "euiccsim/simulator/trace_gsmtap.hpp"

using namespace euiccsim;

namespace {

// CONFORMANCE.md §3.2: USIM AUTHENTICATE with Milenage test set 1 (3GPP TS 35.208) as one
// GSMTAP datagram, written out by hand from the table there.
const char* kCommand =
    "008800812210"
    "23553cbe9637a89d218ae64dae47bf35"
    "10"
    "55f328b43577b9b94a9ffac354dfafb3"
    "00";
const char* kResponse =
    "db08a54211d5e3ba50bf"
    "10b40ba9a3c58b2a05bbf0d987b21bf8cb"
    "10f769bcd751044604127672711c6d3441"
    "08eae4be823af9a08b"
    "9000";
const char* kDatagram =
    "02040400000000000000000000000000"
    "0088008122"
    "1023553cbe9637a89d218ae64dae47bf35"
    "1055f328b43577b9b94a9ffac354dfafb3"
    "db08a54211d5e3ba50bf10b40ba9a3c58b2a05bbf0d987b21bf8cb"
    "10f769bcd751044604127672711c6d344108eae4be823af9a08b9000";

sim::TraceEvent apdu_event(const std::string& c, const std::string& r, std::int64_t us = 0) {
  sim::TraceEvent e;
  e.kind = sim::TraceEvent::Kind::kApdu;
  e.card = "89049032123451234512345678901235";
  e.command = from_hex(c);
  e.response = from_hex(r);
  e.when = std::chrono::system_clock::time_point(std::chrono::microseconds(us));
  return e;
}

Bytes slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace

TEST_CASE("an APDU datagram is the 16-byte header of §3.1 and the combined payload of §3.2") {
  auto d = sim::gsmtap_datagrams(apdu_event(kCommand, kResponse), {});
  REQUIRE(d.size() == 1);
  CHECK(to_hex(d[0]) == to_hex(from_hex(kDatagram)));
}

TEST_CASE("P3 is Lc with data, Le without; a bare header gets P3 00") {
  CHECK(to_hex(sim::gsmtap_apdu_payload(from_hex("80CA005A10"),
                                        from_hex("00112233445566778899AABBCCDDEEFF9000"))) ==
        "80CA005A1000112233445566778899AABBCCDDEEFF9000");
  CHECK(to_hex(sim::gsmtap_apdu_payload(from_hex("0070000001"), from_hex("019000"))) ==
        "0070000001019000");
  CHECK(to_hex(sim::gsmtap_apdu_payload(from_hex("00700080"), from_hex("9000"))) ==
        "00700080009000");
}

TEST_CASE("ATRs are datagrams of sub-type 1, left out in APDU-only mode") {
  sim::TraceEvent e;
  e.kind = sim::TraceEvent::Kind::kPowerOn;
  e.response = from_hex("3B9F96801F878031E073FE211B674A4C753034054BA9");
  auto d = sim::gsmtap_datagrams(e, {});
  REQUIRE(d.size() == 1);
  CHECK(d[0][12] == sim::kGsmtapSimAtr);
  CHECK(to_hex(ByteView(d[0]).subspan(16)) == to_hex(e.response));
  CHECK(sim::gsmtap_datagrams(e, sim::GsmtapOptions{true}).empty());
  e.kind = sim::TraceEvent::Kind::kPowerOff;
  CHECK(sim::gsmtap_datagrams(e, {}).empty());
}

TEST_CASE("a pcapng file reads back as the datagrams written, with their times") {
  test::TempDir dir;
  const auto file = dir.path / "t.pcapng";
  {
    sim::PcapngSink sink(file);
    sim::TraceEvent atr;
    atr.kind = sim::TraceEvent::Kind::kPowerOn;
    atr.response = from_hex("3B00");
    atr.when = std::chrono::system_clock::time_point(std::chrono::microseconds(1000));
    sink.write(atr);
    sink.write(apdu_event("00A4040010A0000005591010FFFFFFFF8900000100", "6121", 2000));
    sink.write(
        apdu_event("00C0000021", "6F1F8410A0000005591010FFFFFFFF8900000100A5038201029000", 3000));
  }
  const Bytes raw = slurp(file);
  CHECK(to_hex(ByteView(raw).first(4)) == "0A0D0D0A");  // a section header block
  auto got = sim::read_gsmtap_capture(file);
  REQUIRE(got.size() == 3);
  CHECK(got[0].kind == sim::CapturedApdu::Kind::kAtr);
  CHECK(to_hex(got[0].response) == "3B00");
  CHECK(got[1].time_us == 2000);
  CHECK(to_hex(got[1].command) == "00A4040010A0000005591010FFFFFFFF8900000100");
  CHECK(to_hex(got[1].response) == "6121");
  CHECK(to_hex(got[2].command) == "00C0000021");
  CHECK(got[2].packet == 3);
}

TEST_CASE("a classic little-endian pcap of Ethernet/IPv4/UDP frames is read too") {
  // Written here byte by byte: global header (magic d4c3b2a1, v2.4, snaplen 65535,
  // LINKTYPE_ETHERNET), one record of an Ethernet/IPv4/UDP frame to port 4729.
  const Bytes gsmtap = sim::gsmtap_frame(0, from_hex("0070000001019000"));
  Bytes f = from_hex("d4c3b2a1020004000000000000000000ffff000001000000");
  Bytes frame = from_hex(
      "000000000000000000000000"
      "0800");
  Bytes ip = from_hex(
      "45000000"
      "00004000"
      "40110000"
      "7f000001"
      "7f000001");
  ip[3] = static_cast<std::uint8_t>(20 + 8 + gsmtap.size());
  frame.insert(frame.end(), ip.begin(), ip.end());
  Bytes udp = from_hex("d431127900000000");
  udp[5] = static_cast<std::uint8_t>(8 + gsmtap.size());
  frame.insert(frame.end(), udp.begin(), udp.end());
  frame.insert(frame.end(), gsmtap.begin(), gsmtap.end());
  Bytes rec = from_hex(
      "0a000000"
      "05000000");  // 10 s, 5 us
  for (int i = 0; i < 2; ++i) {
    rec.push_back(static_cast<std::uint8_t>(frame.size()));
    rec.insert(rec.end(), {0, 0, 0});
  }
  f.insert(f.end(), rec.begin(), rec.end());
  f.insert(f.end(), frame.begin(), frame.end());
  auto got = sim::read_gsmtap_capture(ByteView(f));
  REQUIRE(got.size() == 1);
  CHECK(got[0].time_us == 10000005);
  CHECK(to_hex(got[0].command) == "0070000001");
  CHECK(to_hex(got[0].response) == "019000");
}

TEST_CASE("a combined payload splits by the instruction, as Wireshark and pySim read it") {
  Bytes c, r;
  // SELECT carries data: the first 5 + P3 bytes are the command.
  sim::split_gsmtap_apdu(from_hex("00A40400023F006121"), c, r);
  CHECK(to_hex(c) == "00A40400023F00");
  CHECK(to_hex(r) == "6121");
  // READ BINARY does not: P3 is Le, everything after the header is the answer.
  sim::split_gsmtap_apdu(from_hex("00B00000020102"
                                  "9000"),
                         c, r);
  CHECK(to_hex(c) == "00B0000002");
  CHECK(to_hex(r) == "01029000");
  // ETSI STATUS (no data) against GlobalPlatform GET STATUS (a search criterion).
  sim::split_gsmtap_apdu(from_hex("80F20000020102"
                                  "9000"),
                         c, r);
  CHECK(to_hex(c) == "80F2000002");
  sim::split_gsmtap_apdu(from_hex("80F24000024F00"
                                  "9000"),
                         c, r);
  CHECK(to_hex(c) == "80F24000024F00");
}

TEST_CASE("not a capture is refused with a reason") {
  CHECK_FALSE(sim::is_capture(from_hex("7B226B696E64")));
  CHECK_THROWS_AS(sim::read_gsmtap_capture(from_hex("0A0D0D0A0000")), std::runtime_error);
}

TEST_CASE("the keys of an AUTHENTICATE answer are zeroed unless secrets are asked for") {
  // Milenage test set 1 (§3.2): RES stays, CK, IK and Kc become zeros of the same length.
  auto e = apdu_event(kCommand, kResponse);
  sim::redact_secrets(e);
  CHECK(to_hex(e.response) == to_hex(from_hex("db08a54211d5e3ba50bf"
                                              "1000000000000000000000000000000000"
                                              "1000000000000000000000000000000000"
                                              "080000000000000000"
                                              "9000")));
  // GSM context: 04 SRES 08 Kc.
  auto g = apdu_event("0088008011",
                      "04"
                      "46f8416a"
                      "08"
                      "eae4be823af9a08b"
                      "9000");
  sim::redact_secrets(g);
  CHECK(to_hex(g.response) == to_hex(from_hex("0446f8416a0800000000000000009000")));
  // A sync failure carries no key.
  auto s = apdu_event(kCommand, "dc0eec190eb11058db5f6360591f34ea9000");
  sim::redact_secrets(s);
  CHECK(to_hex(s.response) == to_hex(from_hex("dc0eec190eb11058db5f6360591f34ea9000")));

  // Through the bus: a sink sees the redacted form by default, the real one with secrets on.
  struct Keep : sim::TraceSink {
    Bytes last;
    void write(const sim::TraceEvent& ev) override { last = ev.response; }
  };
  auto keep = std::make_shared<Keep>();
  sim::TraceBus bus;
  bus.add(keep);
  bus.publish(apdu_event(kCommand, kResponse));
  CHECK(to_hex(keep->last).find("B40BA9A3") == std::string::npos);
  bus.set_secrets(true);
  bus.publish(apdu_event(kCommand, kResponse));
  CHECK(to_hex(keep->last).find("B40BA9A3") != std::string::npos);
}

TEST_CASE("PIN and PUK values in VERIFY, CHANGE, DISABLE, ENABLE and UNBLOCK PIN are masked") {
  // TS 102 221 §11.1.9: VERIFY PIN 1 with "1234" 'FF'-padded to 8 bytes.
  auto v = apdu_event("0020000108" "31323334FFFFFFFF", "9000");
  sim::redact_secrets(v);
  CHECK(to_hex(v.command) == "0020000108FFFFFFFFFFFFFFFF");
  // UNBLOCK PIN: PUK "12345678" then the new PIN "0000".
  auto u = apdu_event("002C000110" "3132333435363738" "30303030FFFFFFFF", "9000");
  sim::redact_secrets(u);
  CHECK(to_hex(u.command) == "002C000110FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF");
  // A VERIFY with no data (asks for the retry counter) and a READ BINARY stay as they are.
  auto q = apdu_event("0020000100", "63C3");
  sim::redact_secrets(q);
  CHECK(to_hex(q.command) == "0020000100");
  auto r = apdu_event("00B0000004", "010203049000");
  sim::redact_secrets(r);
  CHECK(to_hex(r.command) == "00B0000004");
  CHECK(to_hex(r.response) == "010203049000");
}

TEST_CASE("a bus with a clock stamps every event with it and no duration") {
  struct Keep : sim::TraceSink {
    std::vector<sim::TraceEvent> seen;
    void write(const sim::TraceEvent& ev) override { seen.push_back(ev); }
  };
  auto keep = std::make_shared<Keep>();
  sim::TraceBus bus;
  bus.add(keep);
  std::int64_t tick = 0;
  bus.set_clock(
      [&] { return std::chrono::system_clock::time_point(std::chrono::seconds(++tick)); });
  auto e = apdu_event("00700000", "9000");
  e.duration = std::chrono::milliseconds(5);
  bus.publish(e);
  bus.publish(e);
  REQUIRE(keep->seen.size() == 2);
  CHECK(keep->seen[1].when == std::chrono::system_clock::time_point(std::chrono::seconds(2)));
  CHECK(keep->seen[1].duration.count() == 0);
}
