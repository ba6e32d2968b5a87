#include "euiccsim/simulator/euicc.hpp"

#include "euiccsim/applets/ecasd.hpp"
#include "euiccsim/applets/isdr/isdr.hpp"

namespace euiccsim::sim {

std::unique_ptr<Card> make_euicc(CardState state, crypto::Drbg drbg, Card::Persist persist,
                                 CardOptions options) {
  auto isdr_aid = state.config.isdr_aid;
  auto ecasd_aid = state.config.ecasd_aid;
  auto card =
      std::make_unique<Card>(std::move(state), std::move(drbg), std::move(persist), options);
  card->install(std::make_unique<applets::IsdR>(std::move(isdr_aid)));
  card->install(std::make_unique<applets::Ecasd>(std::move(ecasd_aid)));
  return card;
}

}  // namespace euiccsim::sim
