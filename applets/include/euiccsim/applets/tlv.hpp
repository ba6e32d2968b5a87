// BER-TLV as the card meets it (ISO/IEC 7816-4 §5.2, X.690 DER subset): tags of one to three
// bytes, definite lengths of up to three length bytes. Used where a full ASN.1 decode would be
// premature: dispatching an ES10 request by its top-level tag, building FCI templates, and
// the card image.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "euiccsim/crypto/bytes.hpp"

namespace euiccsim::tlv {

struct Tlv {
  std::uint32_t tag = 0;  // as on the wire: 0x5A, 0xBF3E, 0x9F6E ...
  ByteView value;
  std::size_t size = 0;  // header plus value
  bool constructed() const;
  // The whole TLV, header included (it lies just before `value` in the same buffer).
  ByteView bytes() const { return ByteView(value.data() - (size - value.size()), size); }
};

// A tag and length alone, whether or not the value follows: a Bound Profile Package reaches
// the card as pieces that open a constructed TLV here and fill it in later calls.
struct Header {
  std::uint32_t tag = 0;
  std::size_t header_size = 0;  // tag and length bytes
  std::size_t length = 0;       // of the value
};
std::optional<Header> read_header(ByteView in);
// The first TLV of `in`, or nothing if `in` does not start with a well-formed one.
std::optional<Tlv> read(ByteView in);
// Every TLV of `in` in order; nothing unless `in` is exactly a concatenation of TLVs.
std::optional<std::vector<Tlv>> read_all(ByteView in);
// The first child with `tag` among `children`.
std::optional<Tlv> find(const std::vector<Tlv>& children, std::uint32_t tag);

void append(Bytes& out, std::uint32_t tag, ByteView value);
Bytes encode(std::uint32_t tag, ByteView value);
void append_length(Bytes& out, std::size_t length);

// Big-endian unsigned integers as values (counters and versions in the card image).
Bytes encode_uint(std::uint64_t v, std::size_t width);
// The content octets of a DER INTEGER (X.690 §8.3): minimal two's complement, so 127 is '7F',
// 128 '00 80' and -1 'FF'.
Bytes der_integer(std::int64_t v);
std::optional<std::uint64_t> decode_uint(ByteView v);

}  // namespace euiccsim::tlv
