// Sequence-number freshness of a USIM (3GPP TS 33.102 Annex C): SQN = SEQ || IND with an IND of
// 5 bits, and an array of the highest SEQ accepted for each IND (the profile's sqnInit, 32 SEQ
// values of 6 bytes, is its starting point). An SQN is fresh when
//   C.2.1  SEQ > SEQ_MS(IND), the array entry for its IND;
//   C.2.2  SEQ - SEQ_MS <= delta, where SEQ_MS is the highest SEQ of the array (profile sqnDelta,
//          default 2^28), when SEQ is beyond it;
//   C.2.3  SEQ_MS - SEQ <= L (profile sqnAgeLimit, default 2^28), when it is not.
// The same scheme serves every algorithm, the test algorithm included (the format says its SQN
// options are ignored; TS 34.108's test USIM still resynchronises, so the defaults apply).
// sqnOptions is not interpreted. SQN_MS for AUTS is the highest SEQ of the array with the IND
// it was accepted under.
#pragma once

#include <cstdint>

#include "naa.hpp"

namespace euiccsim::applets::naa {

inline constexpr unsigned kIndBits = 5;

std::uint64_t sqn_value(ByteView six);  // big-endian 48 bits
Bytes sqn_bytes(std::uint64_t v);
bool sqn_fresh(const profiles::Naa& naa, std::uint64_t sqn);
std::uint64_t sqn_ms(const profiles::Naa& naa);
// Records SQN as accepted: its SEQ becomes the array entry of its IND.
void sqn_accept(profiles::Naa& naa, std::uint64_t sqn);

}  // namespace euiccsim::applets::naa
