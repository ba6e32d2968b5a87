// What the PIN commands (ETSI TS 102 221 §11.1.9-11.1.13) share: the PIN that P2 names and the
// presentation of a value against a PIN or PUK with its retry counter.
#pragma once

#include "naa.hpp"

namespace euiccsim::applets::naa {

// The PIN P2 names from the channel's current DF (a local one also from its current
// application): P2 b7..b6 zero and a reference number (6A86), a PIN the profile defines there
// (6A88). Index into the profile's pins.
struct AddressedPin {
  std::optional<std::size_t> index;
  std::uint16_t sw = apdu::sw::kOk;
};
AddressedPin addressed_pin(Call& call);

// A new PIN value (TS 102 221 §9.5.2): 4 to 8 digits '30'..'39', 'FF'-padded to 8 bytes. ADM
// keys are issuer-coded and not checked.
bool well_formed_pin(ByteView value);

// Compares `value` with PIN `index` (or, with `puk`, with the PUK of that index in the profile's
// puks): a match resets the retry counter and answers 9000; a mismatch counts down and answers
// 63Cx (63C0 when that blocks it); a blocked one answers 6983 without comparing. Counter changes
// go into the card state.
std::uint16_t present(Call& call, bool puk, std::size_t index, ByteView value);

}  // namespace euiccsim::applets::naa
