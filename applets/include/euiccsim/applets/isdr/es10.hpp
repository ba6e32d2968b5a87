// ES10 functions, one file each under applets/isdr/es10{a,b,c}/, named after SGP.22.
#pragma once

#include "euiccsim/applets/applet.hpp"

namespace euiccsim::applets::es10c {

// GetEID, SGP.22 §5.7.20: BF3E { 5C 01 5A } -> BF3E { 5A 10 EID }.
inline constexpr std::uint32_t kGetEidTag = 0xBF3E;
apdu::Response get_eid(AppletContext& ctx, ByteView request);

}  // namespace euiccsim::applets::es10c
