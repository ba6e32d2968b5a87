#include "euiccsim/crypto/ecka.hpp"

#include <botan/ecdh.h>
#include <botan/pubkey.h>
#include <botan/system_rng.h>

#include "euiccsim/crypto/op_stats.hpp"

namespace euiccsim::crypto {

SecureBytes ecka_shared_secret(const PrivateKey& own, const PublicKey& other) {
  OpScope op(Op::kEcka);
  if (own.curve() != other.curve()) {
    throw KeyError(std::string("ECKA between keys on different curves (") + curve_name(own.curve()) +
                   ", " + curve_name(other.curve()) + ")");
  }
  // The random generator only blinds the scalar multiplication; it does not affect ShS.
  Botan::System_RNG rng;
  const auto& ecdsa = own.botan();
  Botan::ECDH_PrivateKey ecdh(rng, ecdsa.domain(), ecdsa.private_value());
  // "Raw": ShS itself, no KDF (SGP.22 applies its own X9.63 KDF with sharedInfo afterwards).
  Botan::PK_Key_Agreement agreement(ecdh, rng, "Raw");
  const Bytes point = other.point();
  auto shared = agreement.derive_key(0, point.data(), point.size()).bits_of();
  return SecureBytes(shared.begin(), shared.end());
}

}  // namespace euiccsim::crypto
