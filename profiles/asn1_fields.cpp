#include "euiccsim/profiles/asn1_fields.hpp"

#include <algorithm>

namespace euiccsim::asn1 {

void set_bits(BIT_STRING_t& dst, std::uint32_t mask) {
  unsigned highest = 0;  // one past the last set bit
  for (unsigned n = 0; n < 32; ++n) {
    if (mask & (1u << n)) highest = n + 1;
  }
  std::size_t size = (highest + 7) / 8;
  Bytes data(size, 0);
  for (unsigned n = 0; n < highest; ++n) {
    if (mask & (1u << n)) data[n / 8] |= static_cast<std::uint8_t>(0x80 >> (n % 8));
  }
  auto* buf = static_cast<std::uint8_t*>(std::malloc(size + 1));
  if (buf == nullptr) throw std::bad_alloc();
  std::copy(data.begin(), data.end(), buf);
  buf[size] = 0;  // asn1c keeps its strings terminated
  std::free(dst.buf);
  dst.buf = buf;
  dst.size = static_cast<int>(size);
  dst.bits_unused = static_cast<int>(size * 8 - highest);
}

BIT_STRING_t* new_bits(std::uint32_t mask) {
  auto* p = alloc<BIT_STRING_t>();
  set_bits(*p, mask);
  return p;
}

std::uint32_t bits_of(const BIT_STRING_t& src) {
  std::uint32_t mask = 0;
  std::size_t bits = src.size * 8 - static_cast<std::size_t>(src.bits_unused & 7);
  for (std::size_t n = 0; n < bits && n < 32; ++n) {
    if (src.buf[n / 8] & (0x80 >> (n % 8))) mask |= 1u << n;
  }
  return mask;
}

void set_integer(INTEGER_t& dst, long value) {
  if (asn_long2INTEGER(&dst, value) != 0) throw std::bad_alloc();
}

INTEGER_t* new_integer(long value) {
  auto* p = alloc<INTEGER_t>();
  set_integer(*p, value);
  return p;
}

std::optional<long> integer_of(const INTEGER_t& src) {
  long v = 0;
  if (asn_INTEGER2long(&src, &v) != 0) return std::nullopt;
  return v;
}

void set_oid(OBJECT_IDENTIFIER_t& dst, const std::string& dotted) {
  long arcs[32];
  int n = OBJECT_IDENTIFIER_parse_arcs(dotted.c_str(), static_cast<ssize_t>(dotted.size()), arcs,
                                       32, nullptr);
  if (n < 2 || n > 32) throw EncodeError("not an object identifier: " + dotted);
  if (OBJECT_IDENTIFIER_set_arcs(&dst, arcs, sizeof arcs[0], n) != 0)
    throw EncodeError("cannot encode object identifier " + dotted);
}

std::string oid_of(const OBJECT_IDENTIFIER_t& src) {
  unsigned long arcs[32];
  int n = OBJECT_IDENTIFIER_get_arcs(&src, arcs, sizeof arcs[0], 32);
  if (n <= 0 || n > 32) throw DecodeError("object identifier: malformed or too long", 0);
  std::string text;
  for (int i = 0; i < n; ++i) text += (i ? "." : "") + std::to_string(arcs[i]);
  return text;
}

Bytes encode_member(const Type& type, const void* value) {
  return encode(type, value);
}

}  // namespace euiccsim::asn1
