// applets/naa PINs: VERIFY, CHANGE, DISABLE, ENABLE and UNBLOCK PIN on the builder's PINs (PIN1
// 1234 global and disabled, PIN2 5678 local to each application, ADM1 3838383838383838, PUK1
// 12345678, PUK2 87654321), retry counters in the card state, the PS_DO of the FCPs, security
// status across channels, applications and resets.
#include <catch.hpp>

#include "../support/naa_card.hpp"
#include "euiccsim/crypto/tlv.hpp"

using namespace euiccsim;
using namespace euiccsim::test;

namespace {

constexpr const char* kUsimAid = "A0000000871002FF49FF0589";
constexpr const char* kIsimAid = "A0000000871004FF49FF0589";
// 'FF'-padded ASCII digits, as TS 102 221 §9.5.2 codes PINs.
std::string pin(const std::string& digits) {
  std::string h;
  for (char d : digits) h += "3" + std::string(1, d);
  while (h.size() < 16) h += "FF";
  return h;
}
std::string ps_do(NaaCard& c, const std::string& select) {
  const auto r = c.send(select);
  const Bytes b = from_hex(data_of(r));
  auto fields = tlv::read_all(tlv::read(b)->value);
  auto c6 = tlv::find(*fields, 0xC6);
  auto parts = tlv::read_all(c6->value);
  return to_hex(tlv::find(*parts, 0x90)->value);
}
const profiles::PinObject& pin_object(NaaCard& c, std::uint8_t key, std::size_t nth = 0) {
  for (const auto& p : c.profile().pins)
    if (p.key_reference == key && nth-- == 0) return p;
  throw std::runtime_error("no such PIN");
}

}  // namespace

TEST_CASE("PIN1 starts disabled: EF.IMSI reads, VERIFY says 6984; ENABLE turns it on") {
  NaaCard c;
  REQUIRE(c.send(std::string("00A4040C0C") + kUsimAid) == "9000");
  REQUIRE(c.send("00A4000C026F07") == "9000");
  CHECK(sw_of(c.send("00B0000009")) == "9000");
  CHECK(c.send("00200001") == "63C3");                  // not verified: tries left
  CHECK(c.send("0020000108" + pin("1234")) == "6984");  // disabled
  // The ADF's PIN references are 01, 81, 0A: PIN1 off, PIN2 and ADM1 on.
  CHECK(ps_do(c, std::string("00A404040C") + kUsimAid + "00") == "60");
  CHECK(c.send("0028000108" + pin("9999")) == "63C2");
  CHECK(c.send("0028000108" + pin("1234")) == "9000");
  CHECK(ps_do(c, std::string("00A404040C") + kUsimAid + "00") == "E0");
  CHECK((pin_object(c, 0x01).attributes & 1) == 1);
  CHECK(pin_object(c, 0x01).remaining == 3);            // a success resets the counter
  CHECK(c.send("0028000108" + pin("1234")) == "6985");  // already enabled
  // Enabled and verified (ENABLE verifies): files behind PIN1 open; after a reset they are not.
  REQUIRE(c.send("00A4000C026F07") == "9000");
  CHECK(sw_of(c.send("00B0000009")) == "9000");
  c.sim->reset();
  REQUIRE(c.send(std::string("00A4040C0C") + kUsimAid) == "9000");
  REQUIRE(c.send("00A4000C026F07") == "9000");
  CHECK(c.send("00B0000009") == "6982");
  CHECK(c.send("0020000108" + pin("1234")) == "9000");
  CHECK(c.send("00200001") == "9000");
  CHECK(sw_of(c.send("00B0000009")) == "9000");
  // DISABLE again (PIN1 may be disabled: bit 3 of its attributes).
  CHECK(c.send("0026000108" + pin("1234")) == "9000");
  CHECK(c.send("0026000108" + pin("1234")) == "6984");
}

TEST_CASE("Wrong PINs count down to blocked; UNBLOCK with the PUK sets a new PIN") {
  NaaCard c;
  REQUIRE(c.send("0028000108" + pin("1234")) == "9000");  // enable PIN1
  c.sim->reset();
  CHECK(c.send("0020000108" + pin("0000")) == "63C2");
  CHECK(c.send("0020000108" + pin("0000")) == "63C1");
  CHECK(c.send("0020000108" + pin("0000")) == "63C0");
  CHECK(c.send("0020000108" + pin("1234")) == "6983");  // blocked: not even the right one
  CHECK(c.send("00200001") == "6983");
  CHECK(pin_object(c, 0x01).remaining == 0);
  // The counter is card state: a power cycle does not help.
  c.sim->card().power_off();
  c.sim->card().power_on();
  CHECK(c.send("0020000108" + pin("1234")) == "6983");
  // UNBLOCK: PUK1 tries left, a wrong PUK, a malformed new PIN, then the right one.
  CHECK(c.send("002C0001") == "63CA");
  CHECK(c.send("002C000110" + pin("11111111") + pin("4321")) == "63C9");
  CHECK(c.send("002C000110" + pin("12345678") + "31323334FF3536FF") == "6A80");
  CHECK(c.send("002C000110" + pin("12345678") + pin("4321")) == "9000");
  CHECK(pin_object(c, 0x01).remaining == 3);
  CHECK(c.send("00200001") == "9000");  // verified by the unblock
  c.sim->reset();
  CHECK(c.send("0020000108" + pin("1234")) == "63C2");
  CHECK(c.send("0020000108" + pin("4321")) == "9000");
  // PUK1's counter was reset too.
  CHECK(c.send("002C0001") == "63CA");
}

TEST_CASE("PIN2 is local to each application; CHANGE PIN; PIN2 cannot be disabled") {
  NaaCard c;
  REQUIRE(c.send(std::string("00A4040C0C") + kUsimAid) == "9000");
  CHECK(c.send("0020008108" + pin("5678")) == "9000");
  CHECK(c.send("0024008110" + pin("5678") + pin("2468")) == "9000");
  CHECK(c.send("0020008108" + pin("5678")) == "63C2");
  CHECK(c.send("0020008108" + pin("2468")) == "9000");
  CHECK(c.send("0026008108" + pin("2468")) == "6985");
  // The ISIM's PIN2 is another PIN with its own value.
  REQUIRE(c.send(std::string("00A4040C0C") + kIsimAid) == "9000");
  CHECK(c.send("00200081") == "63C3");
  CHECK(c.send("0020008108" + pin("2468")) == "63C2");
  CHECK(c.send("0020008108" + pin("5678")) == "9000");
  CHECK(to_hex(pin_object(c, 0x81, 0).value) == pin("2468"));
  // Leaving the USIM ended its PIN2's verification; the ISIM's holds while it is selected.
  REQUIRE(c.send(std::string("00A4040C0C") + kUsimAid) == "9000");
  CHECK(c.send("00200081") == "63C3");
  // From the MF PIN2 is the current application's.
  REQUIRE(c.send("00A4000C023F00") == "9000");
  CHECK(c.send("0020008108" + pin("2468")) == "9000");
  REQUIRE(c.send("0070000001") == "019000");
  CHECK(c.send("0120008108" + pin("2468")) == "6A88");  // ...but channel 1 has none
}

TEST_CASE("ADM1 verification is shared by every channel; malformed PIN commands") {
  NaaCard c;
  REQUIRE(c.send("0070000001") == "019000");
  CHECK(c.send("0120000A08"
               "3838383838383838") == "9000");
  REQUIRE(c.send(std::string("00A4040C0C") + kUsimAid) == "9000");
  REQUIRE(c.send("00A4000C026F07") == "9000");
  CHECK(c.send("00D600000108") == "9000");  // EF.IMSI: update ADM
  CHECK(c.send("0026000A08"
               "3838383838383838") == "6985");  // ADM keys stay enabled
  CHECK(c.send("00200001") == "63C3");
  CHECK(c.send("0020010108" + pin("1234")) == "6A86");  // P1
  CHECK(c.send("0020000008" + pin("1234")) == "6A86");  // no reference
  CHECK(c.send("0020002108" + pin("1234")) == "6A86");  // b6 set
  CHECK(c.send("0020000508" + pin("1234")) == "6A88");  // no PIN 05
  CHECK(c.send("0020000104313233") == "6700");
  CHECK(c.send("0024000108" + pin("1234")) == "6700");
  CHECK(c.send("002C000108" + pin("1234")) == "6700");
  CHECK(c.send("002C000A") == "6A88");  // ADM1 has no PUK
}

TEST_CASE("A VERIFY whose counter reset cannot be written leaves the PIN unverified") {
  bool disk_full = false;
  NaaCard c(naa_state({built(example_spec())}), sim::Protocol::kT1, [&](const CardState&) {
    if (disk_full) throw std::runtime_error("no space left");
  });
  REQUIRE(c.send(std::string("00A4040C0C") + kUsimAid) == "9000");
  CHECK(c.send("0020008108" + pin("0000")) == "63C2");
  disk_full = true;
  // The right PIN would reset the counter to 3: that write fails, so nothing happened.
  CHECK(c.send("0020008108" + pin("5678")) == "6581");
  disk_full = false;
  CHECK(c.send("00200081") == "63C2");
  CHECK(pin_object(c, 0x81).remaining == 2);
  CHECK(c.send("0020008108" + pin("5678")) == "9000");
  CHECK(c.send("00200081") == "9000");
}
