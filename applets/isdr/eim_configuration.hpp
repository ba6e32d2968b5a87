// What AddInitialEim (BF57) and the addEim / updateEim eCOs of LoadEuiccPackage (BF51) share:
// an EimConfigurationData read and checked into the EimConfig the card stores (SGP.32 v1.2
// §2.11.1.1.1, §5.9.4). The codes are the AddInitialEim / AddEimResult numbering, which
// UpdateEimResult reuses for the values they share.
#pragma once

#include <EimConfigurationData.h>

#include <variant>
#include <vector>

#include "euiccsim/applets/card_state.hpp"

namespace euiccsim::applets::isdr {

inline constexpr long kEimCiPKUnknown = 3;
inline constexpr long kEimInvalidAssociationToken = 5;
inline constexpr long kEimCounterValueOutOfRange = 6;
inline constexpr long kEimCommandError = 7;

// One entry checked and converted. An associationToken of -1 asks the eUICC for a token.
struct EimEntry {
  EimConfig config;
  bool wants_token = false;
};

// The checks of docs/sgp32.md ("AddInitialEim"), in that order: commandError for a missing
// counterValue or key, a bad eimId or eimIdType; counterValueOutOfRange; invalidAssociationToken
// for a token other than -1; ciPKUnknown for a CI the card's chain is not certified by.
std::variant<EimEntry, long> check_new_eim(const EimConfigurationData_t& d,
                                           const std::vector<Bytes>& signing_pkids);

// updateEim: the fields `d` gives replace `eim`'s (eimId names it and cannot change). The
// counter may be set to any value in range; an associationToken cannot be given (the eUICC
// gives tokens, and UpdateEimResult has no way to return one): commandError. Returns 0 (ok)
// with `eim` updated, or the code with `eim` untouched.
long apply_eim_update(const EimConfigurationData_t& d, const std::vector<Bytes>& signing_pkids,
                      EimConfig& eim);

}  // namespace euiccsim::applets::isdr
