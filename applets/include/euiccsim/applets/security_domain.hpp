// The File Control Information a GlobalPlatform security domain returns on SELECT
// (GlobalPlatform Card Specification v2.3.1 §11.9.3.1).
#pragma once

#include "euiccsim/crypto/bytes.hpp"

namespace euiccsim::applets {

// 6F { 84 AID, A5 { 73 security-domain management data, 9F65 max command data }, extra }
// `extra` is appended inside 6F after A5 (the ISD-R's E0 template).
Bytes security_domain_fci(ByteView aid, ByteView extra = {});

}  // namespace euiccsim::applets
