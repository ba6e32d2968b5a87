// Reading and filling the fields of asn1c structures: the few primitive types every module uses
// (OCTET STRING, UTF8String, BIT STRING with named bits, INTEGER, OBJECT IDENTIFIER) and the
// allocation rules asn1c's free routines expect (calloc'd members, ASN_SEQUENCE_ADD lists).
// Include after the generated headers of the types used.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <new>
#include <optional>
#include <string>

#include "euiccsim/crypto/bytes.hpp"
#include "euiccsim/profiles/asn1.hpp"

#include <BIT_STRING.h>
#include <INTEGER.h>
#include <OBJECT_IDENTIFIER.h>
#include <OCTET_STRING.h>
#include <asn_SEQUENCE_OF.h>

namespace euiccsim::asn1 {

// A zeroed member for an OPTIONAL field or a list item; asn1c frees it with free().
template <class T>
T* alloc() {
  void* p = std::calloc(1, sizeof(T));
  if (p == nullptr) throw std::bad_alloc();
  return static_cast<T*>(p);
}

inline Bytes bytes_of(const OCTET_STRING_t& s) {
  return Bytes(s.buf, s.buf + s.size);
}
inline std::string string_of(const OCTET_STRING_t& s) {
  return std::string(reinterpret_cast<const char*>(s.buf), s.size);
}
inline void set_octets(OCTET_STRING_t& dst, ByteView src) {
  if (OCTET_STRING_fromBuf(&dst, reinterpret_cast<const char*>(src.data()),
                           static_cast<int>(src.size())) != 0)
    throw std::bad_alloc();
}
inline void set_string(OCTET_STRING_t& dst, std::string_view src) {
  if (OCTET_STRING_fromBuf(&dst, src.data(), static_cast<int>(src.size())) != 0)
    throw std::bad_alloc();
}
template <class T = OCTET_STRING_t>
T* new_octets(ByteView src) {
  auto* p = alloc<T>();
  set_octets(*p, src);
  return p;
}
template <class T = OCTET_STRING_t>
T* new_string(std::string_view src) {
  auto* p = alloc<T>();
  set_string(*p, src);
  return p;
}

// Named-bit BIT STRINGs as masks, bit n of the ASN.1 list = 1u << n. DER (X.690 §11.2.2)
// drops trailing zero bits: '07 80' for {install}, '00' alone for no bit at all.
void set_bits(BIT_STRING_t& dst, std::uint32_t mask);
BIT_STRING_t* new_bits(std::uint32_t mask);
// Bits 0..31 of `src`; later bits are ignored.
std::uint32_t bits_of(const BIT_STRING_t& src);

void set_integer(INTEGER_t& dst, long value);
INTEGER_t* new_integer(long value);
// Nothing if it does not fit a long.
std::optional<long> integer_of(const INTEGER_t& src);

// Dotted text <-> OBJECT IDENTIFIER.
void set_oid(OBJECT_IDENTIFIER_t& dst, const std::string& dotted);
std::string oid_of(const OBJECT_IDENTIFIER_t& src);

// Appends an allocated item to a SEQUENCE OF / SET OF list, which then owns it.
template <class List, class Item>
void append(List& list, Item* item) {
  if (ASN_SEQUENCE_ADD(&list, item) != 0) throw std::bad_alloc();
}

// The DER of `value` of `type` (a member encoded alone, e.g. to store or sign it).
Bytes encode_member(const Type& type, const void* value);

}  // namespace euiccsim::asn1
