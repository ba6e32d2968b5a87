// A strict DER reader for the few structures crypto/ takes apart by hand: keys, signatures and
// certificates. Private to crypto/ (not under include/).
//
// Botan 2's BER_Decoder accepts any BER (long-form and indefinite lengths), and hides the exact
// bytes of what it decodes; certificate signatures cover exact bytes, and a signature that
// decodes two ways is malleable, so here only DER is accepted and every element keeps a view of
// its own encoding.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>

#include "euiccsim/crypto/bytes.hpp"

namespace euiccsim::crypto::der {

// Universal tags (single-byte identifiers: class, constructed bit and number < 31).
inline constexpr std::uint8_t kBoolean = 0x01;
inline constexpr std::uint8_t kInteger = 0x02;
inline constexpr std::uint8_t kBitString = 0x03;
inline constexpr std::uint8_t kOctetString = 0x04;
inline constexpr std::uint8_t kNull = 0x05;
inline constexpr std::uint8_t kOid = 0x06;
inline constexpr std::uint8_t kUtf8String = 0x0C;
inline constexpr std::uint8_t kPrintableString = 0x13;
inline constexpr std::uint8_t kUtcTime = 0x17;
inline constexpr std::uint8_t kGeneralizedTime = 0x18;
inline constexpr std::uint8_t kSequence = 0x30;
inline constexpr std::uint8_t kSet = 0x31;
// Context-specific tags: [n] constructed (explicit or constructed implicit), [n] primitive.
constexpr std::uint8_t context(unsigned n) {
  return static_cast<std::uint8_t>(0xA0 | n);
}
constexpr std::uint8_t context_primitive(unsigned n) {
  return static_cast<std::uint8_t>(0x80 | n);
}

// Malformed DER. The message names the element being read, never its value.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Tlv {
  std::uint8_t tag = 0;
  ByteView value;    // the contents octets
  ByteView encoded;  // tag, length and contents, exactly as they appear in the input
};

// Reads consecutive TLVs from a buffer it does not own (views point into it).
class Reader {
 public:
  explicit Reader(ByteView data) : data_(data) {}

  bool at_end() const { return pos_ == data_.size(); }
  std::optional<std::uint8_t> peek_tag() const;
  Tlv next(const char* what);
  // The next element, which must carry `tag`.
  Tlv next(std::uint8_t tag, const char* what);
  // The next element if it carries `tag`; nothing consumed otherwise.
  std::optional<Tlv> optional(std::uint8_t tag, const char* what);
  void expect_end(const char* what) const;

 private:
  ByteView data_;
  std::size_t pos_ = 0;
};

// The single TLV that makes up all of `data` (no trailing bytes).
Tlv single(ByteView data, std::uint8_t tag, const char* what);
inline Reader contents(const Tlv& tlv) {
  return Reader(tlv.value);
}

// Dotted form ("1.2.840.10045.3.1.7") of OBJECT IDENTIFIER contents.
std::string oid_text(ByteView contents, const char* what);
// Contents of a BIT STRING that must hold whole bytes (no unused bits).
ByteView bit_string_bytes(const Tlv& tlv, const char* what);
// Contents of a non-negative INTEGER with the sign octet removed; must be minimal DER.
ByteView unsigned_integer(const Tlv& tlv, const char* what);

// Writing: DER is built by concatenating whole TLVs.
Bytes encode(std::uint8_t tag, ByteView contents);
Bytes cat(std::initializer_list<ByteView> parts);
// A whole OBJECT IDENTIFIER TLV from its dotted form; std::invalid_argument if malformed.
Bytes oid(std::string_view dotted);
// A whole INTEGER TLV of the non-negative big-endian number (minimal: leading zeros dropped,
// a sign octet added when the top bit is set).
Bytes unsigned_integer_tlv(ByteView big_endian);

}  // namespace euiccsim::crypto::der
