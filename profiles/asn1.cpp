#include "euiccsim/profiles/asn1.hpp"

#include <cstdlib>

#include <asn_application.h>
#include <constr_SEQUENCE.h>

#include "euiccsim/crypto/tlv.hpp"

namespace euiccsim::asn1 {
namespace {

// Deep enough for every structure of the modules (the deepest is about a dozen levels), small
// enough that a nesting bomb ends long before the real stack does.
constexpr std::size_t kMaxDecoderStack = 64 * 1024;

// The byte size of a structure of `type`: asn1c keeps it in the type's specifics, whose layout
// depends on the kind of type; every constructed type the wrapper allocates starts its
// specifics with the structure size.
std::size_t struct_size(const Type& type) {
  if (type.specifics == nullptr) throw EncodeError(std::string("no size for ") + type.name);
  return static_cast<const asn_SEQUENCE_specifics_t*>(type.specifics)->struct_size;
}

std::string constraint_failure(const Type& type, const void* value) {
  char msg[256] = {0};
  size_t len = sizeof msg;
  if (asn_check_constraints(const_cast<Type*>(&type), value, msg, &len) == 0) return {};
  return msg;
}

int collect(const void* buffer, size_t size, void* out) {
  auto* bytes = static_cast<Bytes*>(out);
  auto* p = static_cast<const std::uint8_t*>(buffer);
  bytes->insert(bytes->end(), p, p + size);
  return 0;
}

}  // namespace

void Owned::reset() {
  if (value_ != nullptr) type_->free_struct(const_cast<Type*>(type_), value_, 0);
  value_ = nullptr;
}

Owned decode(const Type& type, ByteView der, std::size_t& consumed) {
  asn_codec_ctx_t ctx{kMaxDecoderStack};
  void* value = nullptr;
  asn_dec_rval_t rv = ber_decode(&ctx, const_cast<Type*>(&type), &value, der.data(), der.size());
  Owned owned(type, value);  // frees a partial structure too
  consumed = rv.consumed;
  if (rv.code == RC_WMORE)
    throw DecodeError(std::string(type.name) + ": truncated", rv.consumed);
  if (rv.code != RC_OK) throw DecodeError(std::string(type.name) + ": malformed", rv.consumed);
  // asn1c's decoder takes BER; every value this project decodes is specified as DER, so the
  // headers at every depth must also be DER (the one TLV codec's rules).
  if (!tlv::well_formed(der.first(rv.consumed)))
    throw DecodeError(std::string(type.name) + ": not DER", 0);
  if (auto why = constraint_failure(type, value); !why.empty())
    throw DecodeError(why, 0);
  return owned;
}

Bytes encode(const Type& type, const void* value) {
  if (auto why = constraint_failure(type, value); !why.empty()) throw EncodeError(why);
  Bytes out;
  asn_enc_rval_t rv = der_encode(const_cast<Type*>(&type), const_cast<void*>(value), collect, &out);
  if (rv.encoded < 0)
    throw EncodeError(std::string("cannot encode ") + (rv.failed_type ? rv.failed_type->name : type.name));
  return out;
}

Owned make(const Type& type) {
  void* p = std::calloc(1, struct_size(type));
  if (p == nullptr) throw std::bad_alloc();
  return Owned(type, p);
}

}  // namespace euiccsim::asn1
