// The names the SGP.22 / SGP.32 modules give INTEGER values, which asn1c 0.9.28 does not keep
// for native integers. Generated at build time from the modules (asn1_names.py).
#pragma once

#include <string>
#include <vector>

namespace euiccsim::scenario {

struct NamedNumber {
  const char* key;  // "ProfileInfoListError", "EnableProfileResponse.enableResult"
  long value;
  const char* name;
};

const std::vector<NamedNumber>& asn1_named_numbers();
// The name of `value` under `key`; nullptr when the key names no numbers or not this one.
const char* asn1_number_name(const std::string& key, long value);
bool asn1_has_named_numbers(const std::string& key);

}  // namespace euiccsim::scenario
