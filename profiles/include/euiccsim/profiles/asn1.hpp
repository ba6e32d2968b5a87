// One RAII wrapper around asn1c for every module the card compiles (profile package here,
// SGP.22/SGP.32 in applets/): decode a DER value into an owned structure, encode one back.
// Nothing outside the conversion code touches asn1c's allocation rules.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <utility>

#include "euiccsim/crypto/bytes.hpp"

struct asn_TYPE_descriptor_s;

namespace euiccsim::asn1 {

using Type = asn_TYPE_descriptor_s;

// A value that is not valid DER for its type (truncated, wrong tag, broken constraint, ...).
class DecodeError : public std::runtime_error {
 public:
  DecodeError(const std::string& what, std::size_t offset)
      : std::runtime_error(what), offset_(offset) {}
  // How far into the input the decoder got before it gave up.
  std::size_t offset() const { return offset_; }

 private:
  std::size_t offset_;
};

class EncodeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Owns one structure of an asn1c type and frees it (and everything it points to) with that
// type's own free routine.
class Owned {
 public:
  Owned() = default;
  Owned(const Type& type, void* value) : type_(&type), value_(value) {}
  Owned(Owned&& o) noexcept
      : type_(std::exchange(o.type_, nullptr)), value_(std::exchange(o.value_, nullptr)) {}
  Owned& operator=(Owned&& o) noexcept {
    if (this != &o) {
      reset();
      type_ = std::exchange(o.type_, nullptr);
      value_ = std::exchange(o.value_, nullptr);
    }
    return *this;
  }
  Owned(const Owned&) = delete;
  Owned& operator=(const Owned&) = delete;
  ~Owned() { reset(); }

  void* get() const { return value_; }
  const Type* type() const { return type_; }
  explicit operator bool() const { return value_ != nullptr; }

 private:
  void reset();
  const Type* type_ = nullptr;
  void* value_ = nullptr;
};

// A typed view of an Owned structure.
template <class T>
class Value {
 public:
  Value() = default;
  explicit Value(Owned owned) : owned_(std::move(owned)) {}
  T* operator->() const { return static_cast<T*>(owned_.get()); }
  T& operator*() const { return *static_cast<T*>(owned_.get()); }
  T* get() const { return static_cast<T*>(owned_.get()); }
  explicit operator bool() const { return static_cast<bool>(owned_); }

 private:
  Owned owned_;
};

// Decodes the one value of `type` that starts at der[0]; `consumed` receives its length.
// Checks the type's constraints (sizes, ranges) too. Nesting is bounded, so hostile input
// cannot exhaust the stack.
Owned decode(const Type& type, ByteView der, std::size_t& consumed);

template <class T>
Value<T> decode_as(const Type& type, ByteView der, std::size_t& consumed) {
  return Value<T>(decode(type, der, consumed));
}

// DER encoding of `value`, after checking its constraints.
Bytes encode(const Type& type, const void* value);

// A zeroed structure of `type`'s size, owned; used to build values for encoding.
Owned make(const Type& type);

}  // namespace euiccsim::asn1
