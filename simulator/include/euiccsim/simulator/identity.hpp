// Where a new card's identity comes from: an issuer (a CI and an EUM with their keys) signs
// the card's own eUICC certificate, whose subject serialNumber is the EID (SGP.22 §4.5.2.1).
#pragma once

#include <filesystem>

#include "euiccsim/applets/card_state.hpp"
#include "euiccsim/crypto/test_pki.hpp"

namespace euiccsim::sim {

struct Issuer {
  crypto::Issued ci;
  crypto::Issued eum;
};

// A throw-away test CI and EUM (NIST P-256) whose EUM may issue EIDs starting `eid_prefix`.
Issuer make_test_issuer(crypto::Drbg& drbg, const std::string& eid_prefix = "89");

// The state directory's issuer, in DIR/pki (ci.der, ci.key.pem, eum.der, eum.key.pem, keys
// mode 0600), generated on first use.
Issuer state_directory_issuer(const std::filesystem::path& dir, crypto::Drbg& drbg);

// Gives `state` a new eUICC key pair and certificate for its EID from `issuer`, trusting the
// issuer's CI.
void issue_identity(CardState& state, const Issuer& issuer, crypto::Drbg& drbg);

}  // namespace euiccsim::sim
