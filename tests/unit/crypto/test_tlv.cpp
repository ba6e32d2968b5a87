// The one TLV codec. Expected bytes are worked by hand from X.690 §8.1 (identifier and length
// octets) and §10.1 (DER), not produced by the encoder under test.
#include <catch.hpp>

#include <cstdint>

#include "euiccsim/crypto/tlv.hpp"

using namespace euiccsim;
using tlv::Problem;
using tlv::Rules;

namespace {

Problem problem_of(const std::string& hex, Rules rules = Rules::kDer) {
  const Bytes b = from_hex(hex);
  Problem why = Problem::kNone;
  if (tlv::read(b, rules, &why)) return Problem::kNone;
  return why;
}

}  // namespace

TEST_CASE("tags of one, two and three bytes; lengths of every form") {
  // A Tlv views the bytes it was read from: keep them alive.
  const Bytes one = from_hex("5A0289049000");
  auto t = tlv::read(one);
  REQUIRE(t);
  CHECK(t->tag == 0x5A);
  CHECK(to_hex(t->value) == "8904");
  CHECK(t->size == 4);
  CHECK(t->header_size() == 2);
  CHECK(to_hex(t->bytes()) == "5A028904");
  CHECK_FALSE(t->constructed());
  const Bytes two_bytes = from_hex("BF3E035C015A");
  auto two = tlv::read(two_bytes);
  REQUIRE(two);
  CHECK(two->tag == 0xBF3E);
  CHECK(two->constructed());
  CHECK(to_hex(two->header()) == "BF3E03");
  // [PRIVATE 129] primitive: 1F 81 01 would be universal; DF = private, 81 01 = 1*128 + 1.
  const Bytes three_bytes = from_hex("DF810101AA");
  auto three = tlv::read(three_bytes);
  REQUIRE(three);
  CHECK(three->tag == 0xDF8101);
  CHECK(to_hex(three->value) == "AA");
  // Four tag octets: number 0x4000 = 1 0000000 0000000 -> 81 80 00.
  const Bytes four_bytes = from_hex("9F81800000");
  auto four = tlv::read(four_bytes);
  REQUIRE(four);
  CHECK(four->tag == 0x9F818000);
}

TEST_CASE("the writer: minimal lengths at every boundary (X.690 §10.1)") {
  CHECK(to_hex(tlv::encode(0x04, Bytes(0, 0))) == "0400");
  CHECK(to_hex(ByteView(tlv::encode(0x04, Bytes(127, 0))).first(2)) == "047F");
  CHECK(to_hex(ByteView(tlv::encode(0x04, Bytes(128, 0))).first(3)) == "048180");
  CHECK(to_hex(ByteView(tlv::encode(0x04, Bytes(255, 0))).first(3)) == "0481FF");
  CHECK(to_hex(ByteView(tlv::encode(0x04, Bytes(256, 0))).first(4)) == "04820100");
  CHECK(to_hex(ByteView(tlv::encode(0x04, Bytes(65535, 0))).first(4)) == "0482FFFF");
  CHECK(to_hex(ByteView(tlv::encode(0x04, Bytes(65536, 0))).first(5)) == "0483010000");
  CHECK(to_hex(tlv::header(0xBF36, 0x1234)) == "BF36821234");
  CHECK(to_hex(tlv::header(0x9F818000, 1)) == "9F81800001");
  CHECK(to_hex(tlv::encode(0xBF3E, Bytes{})) == "BF3E00");
  CHECK(to_hex(tlv::encode(0x30, {from_hex("0101FF"), from_hex("0500")})) == "30050101FF0500");
  // What the writer writes, the strict reader reads back, at each boundary.
  for (std::size_t n : {0u, 1u, 127u, 128u, 255u, 256u, 65535u, 65536u}) {
    const Bytes enc = tlv::encode(0x04, Bytes(n, 0x5A));
    auto back = tlv::read(enc);
    REQUIRE(back);
    CHECK(back->value.size() == n);
    CHECK(back->size == enc.size());
  }
}

TEST_CASE("DER refuses long-form lengths with more octets than needed; BER reads them") {
  CHECK(problem_of("0481050102030405") == Problem::kNonMinimalLength);
  CHECK(problem_of("0481050102030405", Rules::kBer) == Problem::kNone);
  CHECK(problem_of("04820005"
                   "0102030405") == Problem::kNonMinimalLength);
  CHECK(problem_of("04820005"
                   "0102030405",
                   Rules::kBer) == Problem::kNone);
  const std::string v128(256, 'A');
  CHECK(problem_of("04820080" + v128) == Problem::kNonMinimalLength);  // leading zero octet
  CHECK(problem_of("04820080" + v128, Rules::kBer) == Problem::kNone);
  CHECK(problem_of("048180" + v128) == Problem::kNone);
  CHECK(problem_of("0480") == Problem::kIndefiniteLength);
  CHECK(problem_of("04800000", Rules::kBer) == Problem::kIndefiniteLength);
  CHECK(problem_of("048501000000") == Problem::kLengthTooLong);
  // Four length octets are read (and then found to run past the input).
  CHECK(problem_of("048401000000") == Problem::kTruncatedValue);
  const Bytes big = tlv::encode(0x04, Bytes(0x1000000, 0));
  CHECK(to_hex(ByteView(big).first(6)) == "048401000000");
  CHECK(tlv::read(big)->value.size() == 0x1000000);
}

TEST_CASE("tag rules (X.690 §8.1.2.4) bind both modes") {
  for (Rules r : {Rules::kDer, Rules::kBer}) {
    CHECK(problem_of("1F0500", r) == Problem::kNonMinimalTag);    // number 5 in the long form
    CHECK(problem_of("1F1E00", r) == Problem::kNonMinimalTag);    // 30: still the short form
    CHECK(problem_of("1F1F00", r) == Problem::kNone);             // 31: the first long one
    CHECK(problem_of("BF801F00", r) == Problem::kNonMinimalTag);  // leading zero septet
    CHECK(problem_of("BF81818100", r) == Problem::kTagTooLong);   // five tag octets
    CHECK(problem_of("0000", r) == Problem::kInvalidTag);
    CHECK(problem_of("FF0100", r) == Problem::kInvalidTag);
  }
}

TEST_CASE("truncation at every point") {
  CHECK(problem_of("") == Problem::kMissing);
  CHECK(problem_of("BF") == Problem::kTruncatedTag);
  CHECK(problem_of("BF81") == Problem::kTruncatedTag);
  CHECK(problem_of("5A") == Problem::kTruncatedLength);
  CHECK(problem_of("5A82") == Problem::kTruncatedLength);
  CHECK(problem_of("5A8201") == Problem::kTruncatedLength);
  CHECK(problem_of("5A0389") == Problem::kTruncatedValue);
  CHECK(problem_of("5A81FF" + std::string(2 * 254, '0')) == Problem::kTruncatedValue);
}

TEST_CASE("headers alone, for a package that arrives in pieces") {
  auto h = tlv::read_header(from_hex("BF3682012C"));
  REQUIRE(h);
  CHECK(h->tag == 0xBF36);
  CHECK(h->header_size == 5);
  CHECK(h->length == 300);
  CHECK_FALSE(tlv::read_header(from_hex("BF3682002C")));
  CHECK(tlv::read_header(from_hex("BF3682002C"), Rules::kBer));
}

TEST_CASE("sequences of TLVs and nested well-formedness") {
  CHECK_FALSE(tlv::read_all(from_hex("5A01AA00")));  // trailing byte
  const Bytes pair = from_hex("5A01AA5B00");
  CHECK(tlv::read_all(pair)->size() == 2);
  CHECK(tlv::read_all(Bytes{})->empty());
  CHECK(tlv::well_formed(from_hex("BF2D05A0035A0100")));
  // A non-minimal length nested two levels down, and a child that overruns its parent.
  CHECK_FALSE(tlv::well_formed(from_hex("BF2D06A0045A810100")));
  CHECK(tlv::well_formed(from_hex("BF2D06A0045A810100"), Rules::kBer));
  CHECK_FALSE(tlv::well_formed(from_hex("BF2D05A0035A0200")));
  // Primitive contents are not read as TLVs: 04 holding bytes that are no TLV is fine.
  CHECK(tlv::well_formed(from_hex("3003040100")));
  CHECK_FALSE(tlv::well_formed(Bytes{}));
  // Nesting beyond 32 levels is refused rather than followed.
  Bytes deep = from_hex("0400");
  for (int i = 0; i < 40; ++i) deep = tlv::encode(0x30, deep);
  CHECK_FALSE(tlv::well_formed(deep));
}

TEST_CASE("Reader: next, optional, expect_end") {
  const Bytes body = from_hex(
      "020101"
      "0400"
      "A0020500");
  tlv::Reader r(body);
  CHECK(r.peek_tag() == 0x02u);
  CHECK(to_hex(r.next(tlv::kInteger, "version").value) == "01");
  CHECK_FALSE(r.optional(tlv::kNull, "null"));
  CHECK(r.optional(tlv::kOctetString, "empty")->value.empty());
  try {
    r.next(tlv::kSequence, "extensions");
    FAIL("no error");
  } catch (const tlv::Error& e) {
    CHECK(std::string(e.what()) == "extensions: tag A0 where 30 was expected");
  }
  CHECK(r.next(tlv::context(0), "extensions").value.size() == 2);
  CHECK(r.at_end());
  r.expect_end("certificate");
  try {
    tlv::single(from_hex("30810100"), tlv::kSequence, "signature");
    FAIL("no error");
  } catch (const tlv::Error& e) {
    CHECK(std::string(e.what()) == "signature: length not in its shortest form (not DER)");
  }
  CHECK_THROWS_AS(tlv::read_exact(from_hex("050000"), "null"), tlv::Error);
  CHECK_THROWS_AS(tlv::need(*tlv::read_all(body), 0x05, "NULL"), tlv::Error);
  CHECK(tlv::children(from_hex("05000500"), "nulls").size() == 2);
}

TEST_CASE("unsigned integers") {
  CHECK(to_hex(tlv::encode_uint(0x1234, 4)) == "00001234");
  CHECK(*tlv::decode_uint(from_hex("00001234")) == 0x1234);
  CHECK_FALSE(tlv::decode_uint(Bytes{}));
  CHECK_FALSE(tlv::decode_uint(Bytes(9, 0)));
  CHECK(to_hex(tlv::unsigned_integer_tlv(from_hex("0000FF"))) == "020200FF");
  CHECK(to_hex(tlv::unsigned_integer_tlv(from_hex("00"))) == "020100");
  const Bytes minimal = from_hex("020200FF");
  CHECK(to_hex(tlv::unsigned_integer(*tlv::read(minimal), "n")) == "FF");
  const Bytes padded = from_hex("0202007F");
  CHECK_THROWS_AS(tlv::unsigned_integer(*tlv::read(padded), "n"), tlv::Error);
}

TEST_CASE("DER INTEGER content: minimal two's complement") {
  CHECK(to_hex(tlv::der_integer(0)) == "00");
  CHECK(to_hex(tlv::der_integer(5)) == "05");
  CHECK(to_hex(tlv::der_integer(127)) == "7F");
  CHECK(to_hex(tlv::der_integer(128)) == "0080");
  CHECK(to_hex(tlv::der_integer(0x1234)) == "1234");
  CHECK(to_hex(tlv::der_integer(-1)) == "FF");
  CHECK(to_hex(tlv::der_integer(-128)) == "80");
  CHECK(to_hex(tlv::der_integer(-129)) == "FF7F");
  CHECK(to_hex(tlv::der_integer(INT64_MAX)) == "7FFFFFFFFFFFFFFF");
}

TEST_CASE("object identifiers (X.690 §8.19)") {
  // prime256v1 1.2.840.10045.3.1.7: 42, 840 = 86 48, 10045 = CE 3D, 3, 1, 7.
  CHECK(to_hex(tlv::oid("1.2.840.10045.3.1.7")) == "06082A8648CE3D030107");
  CHECK(tlv::oid_to_dotted(from_hex("2A8648CE3D030107")) == "1.2.840.10045.3.1.7");
  // 2.999.10: 80 + 999 = 1079 = 88 37, then 0A.
  CHECK(to_hex(tlv::oid_from_dotted("2.999.10")) == "88370A");
  CHECK(tlv::oid_to_dotted(from_hex("88370A")) == "2.999.10");
  CHECK_THROWS_AS(tlv::oid_to_dotted(from_hex("2A80")), tlv::Error);    // ends inside an arc
  CHECK_THROWS_AS(tlv::oid_to_dotted(from_hex("2A8001")), tlv::Error);  // leading zero
  CHECK_THROWS_AS(tlv::oid_from_dotted("1"), std::invalid_argument);
  CHECK_THROWS_AS(tlv::oid_from_dotted("1.40"), std::invalid_argument);
  CHECK_THROWS_AS(tlv::oid_from_dotted("1.2.x"), std::invalid_argument);
  CHECK_THROWS_AS(tlv::oid_from_dotted("1..2"), std::invalid_argument);
}

TEST_CASE("BIT STRING of whole bytes") {
  const Bytes whole = from_hex("030300ABCD");
  CHECK(to_hex(tlv::bit_string_bytes(*tlv::read(whole), "key")) == "ABCD");
  const Bytes partial = from_hex("030201AB");
  CHECK_THROWS_AS(tlv::bit_string_bytes(*tlv::read(partial), "key"), tlv::Error);
}
