#include <catch.hpp>

#include <cstdint>

#include "euiccsim/applets/tlv.hpp"

using namespace euiccsim;

TEST_CASE("tags of one, two and three bytes; lengths of every form") {
  // A Tlv views the bytes it was read from: keep them alive.
  const Bytes one = from_hex("5A0289049000");
  auto t = tlv::read(one);
  REQUIRE(t);
  CHECK(t->tag == 0x5A);
  CHECK(to_hex(t->value) == "8904");
  CHECK(t->size == 4);
  const Bytes two_bytes = from_hex("BF3E035C015A");
  auto two = tlv::read(two_bytes);
  REQUIRE(two);
  CHECK(two->tag == 0xBF3E);
  CHECK(two->constructed());
  const Bytes three_bytes = from_hex("DF810101AA");
  auto three = tlv::read(three_bytes);
  REQUIRE(three);
  CHECK(three->tag == 0xDF8101);
  Bytes big(300, 0x11);
  auto enc = tlv::encode(0x04, big);
  CHECK(to_hex(ByteView(enc).first(4)) == "0482012C");
  CHECK(tlv::read(enc)->value.size() == 300);
  CHECK(to_hex(tlv::encode(0x04, Bytes(200, 0))).substr(0, 6) == "0481C8");
  CHECK(to_hex(tlv::encode(0xBF3E, Bytes{})) == "BF3E00");
}

TEST_CASE("malformed TLVs are refused") {
  CHECK_FALSE(tlv::read(from_hex("")));
  CHECK_FALSE(tlv::read(from_hex("5A")));
  CHECK_FALSE(tlv::read(from_hex("5A0389")));          // value shorter than length
  CHECK_FALSE(tlv::read(from_hex("5A80")));            // indefinite length
  CHECK_FALSE(tlv::read(from_hex("5A8401000000")));    // four length bytes
  CHECK_FALSE(tlv::read(from_hex("BF")));              // tag cut
  CHECK_FALSE(tlv::read(from_hex("BF818181800100")));  // tag too long
  CHECK_FALSE(tlv::read_all(from_hex("5A01AA00")));    // trailing byte
  const Bytes pair = from_hex("5A01AA5B00");
  CHECK(tlv::read_all(pair)->size() == 2);
}

TEST_CASE("unsigned integers") {
  CHECK(to_hex(tlv::encode_uint(0x1234, 4)) == "00001234");
  CHECK(*tlv::decode_uint(from_hex("00001234")) == 0x1234);
  CHECK_FALSE(tlv::decode_uint(Bytes{}));
  CHECK_FALSE(tlv::decode_uint(Bytes(9, 0)));
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
