// The SGP.22 ASN.1 module (applets/asn1, compiled by asn1c) as the ES10 handlers use it:
// decode a request strictly (one whole value of the function's type, nothing after it),
// build a response structure, answer its DER. Include after the generated headers needed.
#pragma once

#include "euiccsim/applets/apdu.hpp"
#include "euiccsim/profiles/asn1.hpp"
#include "euiccsim/profiles/asn1_fields.hpp"

namespace euiccsim::applets::rsp {

// The request decoded, or an empty value if `der` is not exactly one valid value of `type`
// (a handler then answers its function's error code).
template <class T>
asn1::Value<T> decode_request(const asn1::Type& type, ByteView der) {
  try {
    std::size_t consumed = 0;
    auto v = asn1::decode_as<T>(type, der, consumed);
    if (consumed != der.size()) return {};
    return v;
  } catch (const asn1::DecodeError&) {
    return {};
  }
}

template <class T>
asn1::Value<T> make(const asn1::Type& type) {
  return asn1::Value<T>(asn1::make(type));
}

// 9000 with the DER of `value`; 6F00 if it cannot be encoded (a bug, never a client's fault).
template <class T>
apdu::Response answer(const asn1::Type& type, const asn1::Value<T>& value) {
  try {
    return apdu::Response::ok(asn1::encode(type, value.get()));
  } catch (const asn1::EncodeError&) {
    return apdu::Response::status(apdu::sw::kNoPreciseDiagnosis);
  }
}

// Decodes `der`, exactly one value of `type`, into `member`: a zeroed structure embedded in a
// value under construction (a Certificate inside a response), which then owns what it points
// to. Throws asn1::DecodeError if `der` is not one valid value.
void decode_into(const asn1::Type& type, void* member, ByteView der);

}  // namespace euiccsim::applets::rsp
