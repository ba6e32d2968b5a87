// The JSON form of a profile spec (docs/profile-spec.md): what a lab writes to get a profile
// package with its own ICCID, IMSI, keys and PINs out of profiles::build_profile().
#pragma once

#include <string_view>

#include "euiccsim/profiles/builder.hpp"

namespace euiccsim::tools {

// Throws std::invalid_argument with one line that starts with the JSON field at fault
// ("imsi: ...", "isim.impu[1]: ...", "files[0].content: ..."); unknown fields are errors too.
// The spec returned is one build_profile() accepts.
profiles::ProfileSpec parse_profile_spec(std::string_view json_text);

}  // namespace euiccsim::tools
