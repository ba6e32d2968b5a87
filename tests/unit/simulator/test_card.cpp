// Power, ATR, and the status words of the card runtime for malformed or unsupported APDUs.
#include <catch.hpp>

#include "../support/test_card.hpp"

using namespace euiccsim;
using test::sw_of;
using test::TestCard;

namespace {
// ISO/IEC 7816-3 §8.2: which protocols the TDi bytes indicate, walking the interface bytes;
// and whether T0..TCK XOR to zero. Written here from the standard, not from the card's code.
struct AtrParts {
  std::vector<unsigned> protocols;  // in the order the TDi name them
  std::vector<std::uint8_t> historical;
  bool tck_ok = false;
};
AtrParts parse_atr(const Bytes& atr) {
  AtrParts out;
  std::size_t p = 1;
  std::uint8_t y = atr.at(p) >> 4;
  const unsigned k = atr.at(p) & 0x0F;
  ++p;
  for (;;) {
    for (std::uint8_t bit : {0x1, 0x2, 0x4}) p += (y & bit) ? 1 : 0;  // TA, TB, TC
    if (!(y & 0x8)) break;
    const std::uint8_t td = atr.at(p++);
    out.protocols.push_back(td & 0x0F);
    y = td >> 4;
  }
  out.historical.assign(atr.begin() + static_cast<std::ptrdiff_t>(p),
                        atr.begin() + static_cast<std::ptrdiff_t>(p + k));
  std::uint8_t x = 0;
  for (std::size_t i = 1; i < atr.size(); ++i) x ^= atr[i];
  out.tck_ok = atr.size() == p + k + 1 && x == 0;
  return out;
}
}  // namespace

TEST_CASE("the default ATR offers T=0 only, with the T=15 global bytes and TCK") {
  const auto atr = sim::default_atr();
  // Worked by hand: TS 3B; T0 9B (TA1, TD1, 11 historical bytes); TA1 96; TD1 80 (T=0, TD2
  // follows); TD2 1F (T=15, TA3 follows); TA3 C7 (clock stop: no preference; classes A, B, C);
  // historical 80 59 'euicc-sim'; TCK AF = XOR of 9B..6D.
  CHECK(to_hex(atr) == "3B9B96801FC7805965756963632D73696DAF");
  const auto parts = parse_atr(atr);
  CHECK(parts.protocols == std::vector<unsigned>{0, 15});
  CHECK(parts.tck_ok);
  CHECK(std::string(parts.historical.begin() + 2, parts.historical.end()) == "euicc-sim");
  CHECK(atr.size() <= 33);
}

TEST_CASE("with T=1 as a personality option the ATR offers T=0, then T=1, then T=15") {
  const auto atr = sim::make_atr(true);
  // TD2 B1: TA3 (IFSC FE), TB3 (BWI 4, CWI 5) and TD3 follow, T=1; TD3 1F, TA4 C7 for T=15.
  CHECK(to_hex(atr) == "3B9B9680B1FE451FC7805965756963632D73696DA5");
  const auto parts = parse_atr(atr);
  CHECK(parts.protocols == std::vector<unsigned>{0, 1, 15});
  CHECK(parts.tck_ok);
  // A card whose personality asks for it answers with it after every reset.
  CardState state(*Eid::parse("89049032123451234512345678901235"));
  state.config.offers_t1 = true;
  sim::Card card(std::move(state), crypto::Drbg::from_seed(1));
  CHECK(card.power_on() == atr);
  CHECK(card.reset() == atr);
}

TEST_CASE("an unpowered card is mute; power-on and reset give the ATR") {
  TestCard t;
  t.card.power_off();
  CHECK(t.card.transmit(from_hex("00A4040008A000000001020304")).empty());
  CHECK(t.card.power_on() == sim::default_atr());
  CHECK(t.card.reset() == sim::default_atr());
  CHECK(t.send("00A4040C08A000000001020304") == "9000");
}

TEST_CASE("malformed and unsupported APDUs get their ISO 7816 status words") {
  TestCard t;
  SECTION("fewer than four bytes") {
    CHECK(t.send("00A404") == "6700");
    CHECK(t.send("") == "6700");
  }
  SECTION("Lc disagrees with the data") {
    CHECK(t.send("00A4040008A0000000") == "6700");
    CHECK(t.send("00A4040002A0000000") == "6700");
  }
  SECTION("extended lengths are parsed and refused") {
    CHECK(t.send("00A40400000008A000000001020304") == "6700");
    CHECK(t.send("00C00000000100") == "6700");
    CHECK(t.send("00A40400000008A0000000010203040000") == "6700");
  }
  SECTION("CLA FF and the reserved classes 2x and 3x are not supported") {
    CHECK(t.send("FFA4040000") == "6E00");
    CHECK(t.send("20A4040C08A000000001020304") == "6E00");
    CHECK(t.send("3FA4040C08A000000001020304") == "6E00");
    CHECK(t.card.selected(0) == nullptr);
  }
  SECTION("INS 6X and 9X are procedure bytes") {
    CHECK(t.send("0060000000") == "6D00");
    CHECK(t.send("0090000000") == "6D00");
  }
  SECTION("no application selected: the file system answers, an unknown instruction 6D00") {
    CHECK(t.send("0001000010") == "6D00");
    CHECK(t.send("00B0000010") == "6986");  // READ BINARY with no EF selected
  }
  SECTION("secure messaging and command chaining are not supported") {
    t.send("00A4040C08A000000001020304");
    CHECK(t.send("0401000000") == "6882");
    CHECK(t.send("1001000000") == "6884");
  }
  SECTION("channels 4 to 19 are not supported; channels 1 to 3 must be open") {
    CHECK(t.send("40A4040C08A000000001020304") == "6881");
    CHECK(t.send("4FA4040C08A000000001020304") == "6881");
    CHECK(t.send("01A4040C08A000000001020304") == "6881");
    CHECK(t.send("0070000404") == "6881");
  }
  SECTION("a malformed APDU leaves the selection and pending data alone") {
    t.send("00A4040C08A000000001020304");
    REQUIRE(sw_of(t.send("0001000300")) == "9000");
    CHECK(t.card.selected(0) == t.probe);
    CHECK(t.send("00A404") == "6700");
    CHECK(t.card.selected(0) == t.probe);
  }
}

TEST_CASE("TERMINAL CAPABILITY is accepted and recorded") {
  TestCard t;
  CHECK(t.send("80AA00000AA9088100820101830107") == "9000");
  REQUIRE(t.card.terminal_capability());
  CHECK(to_hex(*t.card.terminal_capability()) == "A9088100820101830107");
  CHECK(t.send("80AA0000050102030405") == "6A80");
  // ISO/IEC 7816-4 lets the length take the long form at any size: BER, read as such.
  CHECK(t.send("80AA00000BA981088100820101830107") == "9000");
  CHECK(t.send("80AA00000AA9098100820101830107") == "6A80");  // runs past the data
  CHECK(t.send("80AA010005A903830107") == "6A86");
  CHECK(t.send("80AA000000") == "6700");
  t.card.reset();
  CHECK_FALSE(t.card.terminal_capability());
}

TEST_CASE("SELECT by full and partial AID, next occurrence, failures") {
  TestCard t;
  SECTION("full AID returns the FCI through 61xx under case 3") {
    CHECK(t.send("00A4040008A000000001020304") == "6104");
    CHECK(t.send("00C0000004") == "6F0284009000");
    CHECK(t.card.selected(0) == t.probe);
  }
  SECTION("P2=0C asks for no data") {
    CHECK(t.send("00A4040C08A000000001020304") == "9000");
  }
  SECTION("partial AID selects the first match, then the next occurrence") {
    CHECK(t.send("00A4040C07A0000000010203") == "9000");
    CHECK(t.card.selected(0) == t.probe);
    CHECK(t.send("00A4040E07A0000000010203") == "9000");
    CHECK(t.card.selected(0) == t.probe2);
    CHECK(t.send("00A4040E07A0000000010203") == "6A82");
    CHECK(t.card.selected(0) == t.probe2);  // failure keeps the selection
  }
  SECTION("unknown AID, short AID, long AID, missing AID") {
    CHECK(t.send("00A4040C08A0000000010203FF") == "6A82");
    CHECK(t.send("00A4040C04A0000000") == "6A82");
    CHECK(t.send("00A4040C11A000000001020304050607080910111213") == "6A80");
    CHECK(t.send("00A40400") == "6700");
  }
  SECTION("with no profile only the eUICC's own MF is there; unknown P1/P2 are refused") {
    CHECK(t.send("00A4000C023F00") == "9000");
    CHECK(t.send("00A4000C022FE2") == "6A82");
    CHECK(t.send("00A4050C08A000000001020304") == "6A86");
    CHECK(t.send("00A4040108A000000001020304") == "6A86");
    CHECK(t.send("00A4041008A000000001020304") == "6A86");
  }
}
