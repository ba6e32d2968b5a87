// The one BER/DER TLV reader and writer of the project, at the bottom of the library graph so
// every layer reads the same bytes the same way: the card's ES10 dispatch and card image, the
// Bound Profile Package stream and SCP03t segments, profile packages, certificates and keys,
// and the test peers (SM-DP+, eIM, LPA, IPA).
//
// Tags and lengths follow X.690 §8.1 (BER) and §10.1 (DER), which ISO/IEC 7816-4 §5.2 BER-TLV
// data objects share. A tag is held as its bytes read big-endian (0x5A, 0xBF3E, 0xDF8101), up
// to four bytes. Values are views into the caller's buffer, which must outlive them.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "euiccsim/crypto/bytes.hpp"

namespace euiccsim::tlv {

// The encoding rules a reader applies to tags and lengths.
enum class Rules : std::uint8_t {
  // X.690 §10.1: lengths in the definite form with the fewest octets (the short form below
  // 128). Wherever a specification asks for DER, and wherever bytes are signed or MACed
  // (an encoding that reads two ways is malleable).
  kDer,
  // X.690 §8.1.3: also long-form lengths with more octets than needed ('81 05', '82 00 80').
  // Only where a specification allows BER; each call site says which and why.
  kBer,
};
// In both: the indefinite length (X.690 §8.1.3.6) is refused, since no specification this
// project implements uses it and a value must be a span of bytes; a tag number below 31 must
// take one octet and a multi-octet tag number has no leading zero septet (X.690 §8.1.2.4,
// which binds BER too); '00' and 'FF' are refused as a first tag octet (ISO/IEC 7816-4 §5.2:
// padding, and X.690's end-of-contents octets).

// Why a read failed.
enum class Problem : std::uint8_t {
  kNone,
  kMissing,           // no bytes at all
  kInvalidTag,        // first tag octet 00 or FF
  kTruncatedTag,      // the input ends inside the tag
  kTagTooLong,        // more than four tag octets
  kNonMinimalTag,     // a number below 31 in the long form, or a leading zero septet
  kTruncatedLength,   // the input ends inside the length octets
  kIndefiniteLength,  // length octet 80
  kLengthTooLong,     // more than four length octets
  kNonMinimalLength,  // DER: a long form where fewer octets would do
  kTruncatedValue,    // the length runs past the end of the input
  kTrailingBytes,     // bytes after the last TLV where none may follow
};
const char* describe(Problem p);

struct Tlv {
  std::uint32_t tag = 0;
  ByteView value;        // the contents octets
  std::size_t size = 0;  // header plus value
  bool constructed() const;
  std::size_t header_size() const { return size - value.size(); }
  // The whole TLV, exactly as it appears in the input (the header lies just before `value`).
  ByteView bytes() const { return ByteView(value.data() - header_size(), size); }
  ByteView header() const { return bytes().first(header_size()); }
};

// A tag and length alone, whether or not the value follows: a Bound Profile Package reaches
// the card as pieces that open a constructed TLV here and fill it in later calls.
struct Header {
  std::uint32_t tag = 0;
  std::size_t header_size = 0;  // tag and length octets
  std::size_t length = 0;       // of the value
};
std::optional<Header> read_header(ByteView in, Rules rules = Rules::kDer, Problem* why = nullptr);
// The first TLV of `in` (more bytes may follow it).
std::optional<Tlv> read(ByteView in, Rules rules = Rules::kDer, Problem* why = nullptr);
// Every TLV of `in` in order; nothing unless `in` is exactly a concatenation of TLVs.
std::optional<std::vector<Tlv>> read_all(ByteView in, Rules rules = Rules::kDer,
                                         Problem* why = nullptr);
// Whether `in` is one or more TLVs whose headers, and those of everything nested in a
// constructed one, follow `rules` (primitive contents are not examined). Nesting deeper than
// 32 levels is refused, so hostile input cannot exhaust the stack.
bool well_formed(ByteView in, Rules rules = Rules::kDer);
// A list of tags without lengths or values (ISO/IEC 7816-4 §8.4.2 tag list; SGP.22
// GetProfilesInfo's tagList), read by the same rules as a TLV's tag.
std::optional<std::vector<std::uint32_t>> read_tags(ByteView list, Problem* why = nullptr);
// The first child with `tag`.
std::optional<Tlv> find(const std::vector<Tlv>& children, std::uint32_t tag);

// ---- reading with errors that name the element ----

// Malformed input. The message names the element being read and the problem, never a value.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Reads consecutive TLVs from a buffer it does not own (views point into it).
class Reader {
 public:
  explicit Reader(ByteView data, Rules rules = Rules::kDer) : data_(data), rules_(rules) {}

  bool at_end() const { return pos_ == data_.size(); }
  // The tag of the next element, if one can be read.
  std::optional<std::uint32_t> peek_tag() const;
  Tlv next(const char* what);
  // The next element, which must carry `tag`.
  Tlv next(std::uint32_t tag, const char* what);
  // The next element if it carries `tag`; nothing consumed otherwise.
  std::optional<Tlv> optional(std::uint32_t tag, const char* what);
  void expect_end(const char* what) const;

 private:
  ByteView data_;
  Rules rules_;
  std::size_t pos_ = 0;
};
inline Reader contents(const Tlv& tlv, Rules rules = Rules::kDer) {
  return Reader(tlv.value, rules);
}
// The one TLV that makes up all of `data` (no bytes after it), of any tag or of `tag`.
Tlv read_exact(ByteView data, const char* what, Rules rules = Rules::kDer);
Tlv single(ByteView data, std::uint32_t tag, const char* what, Rules rules = Rules::kDer);
// The TLVs `content` consists of, back to back.
std::vector<Tlv> children(ByteView content, const char* what = "TLV", Rules rules = Rules::kDer);
// The child with `tag`; Error "<what> is missing" if none.
Tlv need(const std::vector<Tlv>& children, std::uint32_t tag, const char* what);

// ---- writing (always DER: minimal tags and lengths) ----

void append_tag(Bytes& out, std::uint32_t tag);
void append_length(Bytes& out, std::size_t length);
void append(Bytes& out, std::uint32_t tag, ByteView value);
Bytes encode(std::uint32_t tag, ByteView value);
// A constructed TLV of the concatenated parts.
Bytes encode(std::uint32_t tag, std::initializer_list<ByteView> parts);
// Tag and length of a TLV whose value is `length` bytes.
Bytes header(std::uint32_t tag, std::size_t length);
Bytes cat(std::initializer_list<ByteView> parts);

// ---- X.690 universal types and values ----

inline constexpr std::uint32_t kBoolean = 0x01;
inline constexpr std::uint32_t kInteger = 0x02;
inline constexpr std::uint32_t kBitString = 0x03;
inline constexpr std::uint32_t kOctetString = 0x04;
inline constexpr std::uint32_t kNull = 0x05;
inline constexpr std::uint32_t kOid = 0x06;
inline constexpr std::uint32_t kUtf8String = 0x0C;
inline constexpr std::uint32_t kPrintableString = 0x13;
inline constexpr std::uint32_t kUtcTime = 0x17;
inline constexpr std::uint32_t kGeneralizedTime = 0x18;
inline constexpr std::uint32_t kSequence = 0x30;
inline constexpr std::uint32_t kSet = 0x31;
// Context-specific tags below 31: [n] constructed, [n] primitive.
constexpr std::uint32_t context(unsigned n) {
  return 0xA0 | n;
}
constexpr std::uint32_t context_primitive(unsigned n) {
  return 0x80 | n;
}

// Big-endian unsigned integers as values (counters and versions in the card image).
Bytes encode_uint(std::uint64_t v, std::size_t width);
std::optional<std::uint64_t> decode_uint(ByteView v);
// The content octets of a DER INTEGER (X.690 §8.3): minimal two's complement, so 127 is '7F',
// 128 '00 80' and -1 'FF'.
Bytes der_integer(std::int64_t v);
// A whole INTEGER TLV of the non-negative big-endian number (leading zeros dropped, a sign
// octet added when the top bit is set).
Bytes unsigned_integer_tlv(ByteView big_endian);
// Contents of a non-negative INTEGER with the sign octet removed; Error unless minimal DER.
ByteView unsigned_integer(const Tlv& tlv, const char* what);
// Contents of a BIT STRING that must hold whole bytes (no unused bits).
ByteView bit_string_bytes(const Tlv& tlv, const char* what);
// OBJECT IDENTIFIER contents (X.690 §8.19) <-> dotted text ("1.2.840.10045.3.1.7"). Error
// for malformed contents (a leading 0x80 in an arc is not DER), std::invalid_argument for
// malformed text.
std::string oid_to_dotted(ByteView contents, const char* what = "object identifier");
Bytes oid_from_dotted(std::string_view dotted);
// A whole OBJECT IDENTIFIER TLV.
Bytes oid(std::string_view dotted);

inline ByteView view(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

}  // namespace euiccsim::tlv
