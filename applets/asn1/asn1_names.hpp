// The names of the named numbers (INTEGER, ENUMERATED) and named bits (BIT STRING) of our
// ASN.1 modules (SGP.22 RSPDefinitions, SGP.32, the profile package), from one table generated
// at build time from the modules (named_numbers.py): every result code a tool prints by name
// comes from here.
#pragma once

#include <string>
#include <string_view>

namespace euiccsim::asn1 {

// The name of `value` in `scope`: a type name ("DownloadErrorCode", "ErrorReason") or asn1c's
// compound name of an inline type ("EnableProfileResponse__enableResult"); for a BIT STRING
// the value is the bit number. nullptr if the scope does not name it.
const char* number_name(std::string_view scope, long value);
// Whether `scope` has named numbers at all.
bool has_names(std::string_view scope);

// "name(value)", or the bare number when it has no name: how the tools print a result code.
inline std::string named(std::string_view scope, long value) {
  const char* n = number_name(scope, value);
  return n ? std::string(n) + "(" + std::to_string(value) + ")" : std::to_string(value);
}

}  // namespace euiccsim::asn1
