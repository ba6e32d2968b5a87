// Assembles an eUICC from its state: the card runtime with the ISD-R and the ECASD
// installed at the AIDs of the card's configuration.
#pragma once

#include <memory>

#include "euiccsim/simulator/card.hpp"

namespace euiccsim::sim {

std::unique_ptr<Card> make_euicc(CardState state, crypto::Drbg drbg, Card::Persist persist = {},
                                 CardOptions options = {});

}  // namespace euiccsim::sim
