// ECKA (BSI TR-03111 §4.3.1, plain ECDH): the shared secret of SGP.22's key agreement
// between the eUICC's and the SM-DP+'s one-time key pairs (otSK/otPK, generated with
// PrivateKey::generate on the curve of the DPpb certificate).
#pragma once

#include "euiccsim/crypto/bytes.hpp"
#include "euiccsim/crypto/ecdsa.hpp"

namespace euiccsim::crypto {

// ShS: the x-coordinate of own * other, 32 bytes big-endian. KeyError if the keys are on
// different curves.
SecureBytes ecka_shared_secret(const PrivateKey& own, const PublicKey& other);

}  // namespace euiccsim::crypto
