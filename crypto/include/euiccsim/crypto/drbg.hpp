// The card's only source of randomness: an HMAC-DRBG (SHA-256, NIST SP 800-90A).
//
// Seeded from the operating system by default, or from a user's number so that two runs
// produce identical bytes (challenges, transaction ids, ephemeral keys, EIDs).
#pragma once

#include <botan/hmac_drbg.h>

#include <cstdint>
#include <memory>
#include <string_view>

#include "euiccsim/crypto/bytes.hpp"

namespace euiccsim::crypto {

class Drbg {
 public:
  // Entropy from the operating system; reseeds itself from it periodically.
  static Drbg from_os();
  // Deterministic: the same (seed, personalization) always yields the same stream.
  // The personalization string separates streams, e.g. one per card.
  static Drbg from_seed(std::uint64_t seed, std::string_view personalization = {});

  Drbg(Drbg&&) noexcept;
  Drbg& operator=(Drbg&&) noexcept;
  ~Drbg();

  void fill(std::span<std::uint8_t> out);
  Bytes bytes(std::size_t n);
  // Uniform in [0, bound), bound > 0, by rejection sampling (no modulo bias).
  std::uint64_t uniform(std::uint64_t bound);
  bool deterministic() const { return deterministic_; }

  // For Botan APIs that want a RandomNumberGenerator (key generation, RFC 6979 is separate).
  Botan::RandomNumberGenerator& rng() { return *drbg_; }

 private:
  Drbg(std::unique_ptr<Botan::HMAC_DRBG> drbg, bool deterministic);
  std::unique_ptr<Botan::HMAC_DRBG> drbg_;
  bool deterministic_;
};

}  // namespace euiccsim::crypto
