// A decoded ES10 answer as JSON for scripts (`es10 --json`), shaped after the JSON encoding
// rules of X.697 (JER) with one difference: a named number (a result code, a profile state)
// is written by its name, as XER and the specifications write it, so a script compares
// "profileNotInDisabledState" rather than 2. The number is never lost: the answer's result
// code is also given as {"field", "name", "value"} (Outcome).
#pragma once

#include <optional>
#include <string>

#include "euiccsim/profiles/asn1.hpp"
#include "euiccsim/simulator/json.hpp"

namespace euiccsim::tools {

// SEQUENCE and SET: an object of the present components; CHOICE: {"alternative": value};
// SEQUENCE OF: an array; INTEGER: its name if it has one, else the number; OCTET STRING: hex;
// character strings and times: text; BIT STRING: the names of the bits set (a bit without a
// name by its number), or {"hex", "length"} for a type without named bits; BOOLEAN,
// NULL: true/false, null; OBJECT IDENTIFIER: dotted text.
json::Value asn1_to_json(const asn1::Type& type, const void* value);

// The outcome an ES10 answer reports: the result code of a response SEQUENCE (its first
// INTEGER component whose value 0 is named "ok"), or the error alternative of a response
// CHOICE (an alternative that is a named INTEGER). Nothing when the answer has no result
// code (GetEID, EUICCInfo2, ...).
struct Outcome {
  std::string field;  // ASN.1 identifier: "enableResult", "profileInfoListError"
  std::string name;   // the value's name, or "" when the value has none
  long value = 0;
  bool ok = false;
};
std::optional<Outcome> asn1_outcome(const asn1::Type& type, const void* value);

}  // namespace euiccsim::tools
