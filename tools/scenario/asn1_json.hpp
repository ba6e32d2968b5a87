// A decoded ASN.1 value (SGP.22 / SGP.32 modules, asn1c) as JSON, so that a scenario checks
// fields by name: SEQUENCE and SET as objects keyed by component name, CHOICE as an object
// with its one alternative, SEQUENCE OF as arrays, INTEGER and ENUMERATED as numbers or, when
// the value has a name in the module, that name ("ok", "iccidOrAidNotFound"), BOOLEAN as
// true/false, NULL as null, OCTET STRING (and ANY) as upper-case hex, BIT STRING as a string
// of binary digits, character strings and OBJECT IDENTIFIERs as text.
#pragma once

#include <nlohmann/json.hpp>

#include "euiccsim/crypto/bytes.hpp"
#include "euiccsim/profiles/asn1.hpp"

namespace euiccsim::scenario {

// Decodes exactly one DER value of `type`; asn1::DecodeError when `der` is not that.
nlohmann::json asn1_to_json(const asn1::Type& type, ByteView der);

}  // namespace euiccsim::scenario
