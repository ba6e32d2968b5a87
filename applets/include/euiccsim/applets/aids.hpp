// Application identifiers of the eUICC (GSMA SGP.02 Annex H, SGP.22 §2.2).
#pragma once

#include "euiccsim/crypto/bytes.hpp"

namespace euiccsim::aid {

inline Bytes isd_r() {
  return from_hex("A0000005591010FFFFFFFF8900000100");
}
inline Bytes ecasd() {
  return from_hex("A0000005591010FFFFFFFF8900000200");
}

}  // namespace euiccsim::aid
