#include "euiccsim/applets/rsp_asn1.hpp"

#include <asn_application.h>

#include "euiccsim/crypto/tlv.hpp"

#include <string>

namespace euiccsim::applets::rsp {

void decode_into(const asn1::Type& type, void* member, ByteView der) {
  // The same bound on nesting as asn1::decode.
  asn_codec_ctx_t ctx{64 * 1024};
  void* target = member;
  asn_dec_rval_t rv =
      ber_decode(&ctx, const_cast<asn1::Type*>(&type), &target, der.data(), der.size());
  if (rv.code != RC_OK || rv.consumed != der.size()) {
    throw asn1::DecodeError(std::string(type.name) + ": malformed", rv.consumed);
  }
  if (!tlv::well_formed(der)) throw asn1::DecodeError(std::string(type.name) + ": not DER", 0);
  char msg[256] = {0};
  size_t len = sizeof msg;
  if (asn_check_constraints(const_cast<asn1::Type*>(&type), member, msg, &len) != 0) {
    throw asn1::DecodeError(msg, 0);
  }
}

}  // namespace euiccsim::applets::rsp
