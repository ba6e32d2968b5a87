// The ISD-R as far as the foundation goes: SELECT with its FCI, ES10 dispatch, GetEID.
#include <catch.hpp>

#include "euiccsim/crypto/tlv.hpp"
#include "euiccsim/simulator/card_simulator.hpp"

using namespace euiccsim;

namespace {
CardSimulator make() {
  CardSimulator::Options o;
  o.seed = 1;
  o.eid = "89049032123451234512345678901235";
  return CardSimulator(o);
}
}  // namespace

TEST_CASE("SELECT ISD-R returns a GlobalPlatform FCI with the E0 template (SVN)") {
  auto card = make();
  auto fci = card.select(aid::isd_r());
  auto top = tlv::read(fci);
  REQUIRE(top);
  REQUIRE(top->tag == 0x6F);
  auto kids = tlv::read_all(top->value);
  REQUIRE(kids);
  REQUIRE(kids->size() == 3);
  CHECK((*kids)[0].tag == 0x84);
  CHECK(to_hex((*kids)[0].value) == "A0000005591010FFFFFFFF8900000100");
  CHECK((*kids)[1].tag == 0xA5);
  auto a5 = tlv::read_all((*kids)[1].value);
  REQUIRE(a5);
  CHECK(tlv::find(*a5, 0x73));
  CHECK(to_hex(tlv::find(*a5, 0x9F65)->value) == "FF");
  CHECK((*kids)[2].tag == 0xE0);
  CHECK(to_hex((*kids)[2].value) == "8203020500");
}

TEST_CASE("GetEID through STORE DATA in blocks of 120 and 255 bytes, and case 4") {
  auto card = make();
  card.select(aid::isd_r());
  CHECK(to_hex(card.es10(from_hex("BF3E035C015A"))) ==
        "BF3E125A1089049032123451234512345678901235");
  CHECK(to_hex(card.es10(from_hex("BF3E035C015A"), 0, 255)) ==
        "BF3E125A1089049032123451234512345678901235");
  CHECK(to_hex(card.es10(from_hex("BF3E035C015A"), 0, 2)) ==
        "BF3E125A1089049032123451234512345678901235");
  // pySim: one case-4 block.
  auto r = card.transmit("80E2910006BF3E035C015A00");
  CHECK(r.sw == 0x9000);
  CHECK(to_hex(r.data) == "BF3E125A1089049032123451234512345678901235");
}

TEST_CASE("ES10 requests the ISD-R cannot read or does not offer") {
  auto card = make();
  card.select(aid::isd_r());
  CHECK(card.transmit("80E2910003BF3E05").sw == 0x6A80);          // length beyond the data
  CHECK(card.transmit("80E2910007BF3E035C015A00").sw == 0x6A80);  // trailing byte
  CHECK(card.transmit("80E2910006BF3E035C015B").sw == 0x6A80);    // a tag other than 5A
  CHECK(card.transmit("80E2910004BF3E0100").sw == 0x6A80);
  CHECK(card.transmit("80E2910003BF7F00").sw == 0x6A88);  // no such function
  // Not DER: a long-form length for 3 at the top, which asn1c alone would read.
  CHECK(card.transmit("80E2910007BF3E81035C015A").sw == 0x6A80);
  CHECK(card.transmit("80CA005A00").sw == 0x6D00);
  // None of that disturbed the card.
  CHECK(to_hex(card.es10(from_hex("BF3E035C015A"))).substr(10) ==
        "89049032123451234512345678901235");
}

TEST_CASE("ECASD answers GET DATA for the EID, as SGP.02 probes send it") {
  auto card = make();
  auto fci = card.select(aid::ecasd());
  CHECK(tlv::read(fci)->tag == 0x6F);
  auto r = card.transmit("80CA005A00");
  CHECK(r.sw == 0x9000);
  CHECK(to_hex(r.data) == "5A1089049032123451234512345678901235");
  CHECK(card.transmit("00CA005A00").sw == 0x9000);
  CHECK(card.transmit("80CA004200").sw == 0x6A88);
  CHECK(card.transmit("80CA005A01AA00").sw == 0x6700);
  CHECK(card.transmit("80F2000000").sw == 0x6D00);
}
