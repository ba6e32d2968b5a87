// A small strict DER reader and writer for the SM-DP+ (private to tools/smdp).
//
// The SM-DP+ signs and verifies exact bytes (serverSigned1, euiccSigned1 as received, the
// BF23 fields, ...), so it walks messages as TLVs and keeps the byte ranges rather than
// re-encoding decoded values. Reading refuses BER that is not DER: indefinite or non-minimal
// lengths and non-minimal tags.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <vector>

#include "euiccsim/crypto/bytes.hpp"

namespace euiccsim::smdp::der {

class DerError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// Tags as their bytes read big-endian: 0x80, 0x5F37, 0xBF36. At most three bytes.
using Tag = std::uint32_t;

struct Tlv {
  Tag tag = 0;
  ByteView value;  // the contents
  ByteView whole;  // tag, length and contents
  std::size_t header_size() const { return whole.size() - value.size(); }
  ByteView header() const { return whole.first(header_size()); }
};

// The TLV at the start of `in` (it may be followed by more bytes).
Tlv read(ByteView in);
// The one TLV that `in` consists of: DerError if bytes follow it.
Tlv read_exact(ByteView in, const char* what);
// The TLVs `content` consists of, back to back, in order.
std::vector<Tlv> children(ByteView content);

// The TLV of `tag` in a list; nullptr if none.
const Tlv* find(const std::vector<Tlv>& list, Tag tag);
// The same, DerError naming `what` if absent.
const Tlv& need(const std::vector<Tlv>& list, Tag tag, const char* what);

void append_tag(Bytes& out, Tag tag);
void append_length(Bytes& out, std::size_t length);
// Tag and length of a TLV whose contents are `length` bytes.
Bytes header(Tag tag, std::size_t length);
Bytes tlv(Tag tag, ByteView value);
// Constructed TLV of the concatenated parts.
Bytes tlv(Tag tag, std::initializer_list<ByteView> parts);
Bytes cat(std::initializer_list<ByteView> parts);
inline ByteView view(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// OBJECT IDENTIFIER contents <-> dotted text. DerError for malformed contents or text.
std::string oid_to_dotted(ByteView contents);
Bytes oid_from_dotted(const std::string& dotted);

}  // namespace euiccsim::smdp::der
