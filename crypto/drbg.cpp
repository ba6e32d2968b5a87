#include "euiccsim/crypto/drbg.hpp"

#include <botan/hash.h>
#include <botan/mac.h>
#include <botan/system_rng.h>

#include <limits>

#include "euiccsim/crypto/op_stats.hpp"

namespace euiccsim::crypto {

namespace {
std::unique_ptr<Botan::MessageAuthenticationCode> hmac_sha256() {
  return Botan::MessageAuthenticationCode::create_or_throw("HMAC(SHA-256)");
}
}  // namespace

Drbg::Drbg(std::unique_ptr<Botan::HMAC_DRBG> drbg, bool deterministic)
    : drbg_(std::move(drbg)), deterministic_(deterministic) {}
Drbg::Drbg(Drbg&&) noexcept = default;
Drbg& Drbg::operator=(Drbg&&) noexcept = default;
Drbg::~Drbg() = default;

Drbg Drbg::from_os() {
  auto drbg = std::make_unique<Botan::HMAC_DRBG>(hmac_sha256(), Botan::system_rng());
  drbg->reseed_from_rng(Botan::system_rng(), 256);
  return Drbg(std::move(drbg), false);
}

Drbg Drbg::from_seed(std::uint64_t seed, std::string_view personalization) {
  // Botan's HMAC_DRBG wants at least 32 bytes of seed material before it produces output,
  // and a user's small number is not that: hash it, with a domain label so the stream
  // cannot collide with other uses of SHA-256 of a counter.
  auto sha = Botan::HashFunction::create_or_throw("SHA-256");
  static constexpr std::string_view kLabel = "euicc-sim DRBG seed v1";
  sha->update(reinterpret_cast<const std::uint8_t*>(kLabel.data()), kLabel.size());
  std::uint8_t be[8];
  for (int i = 0; i < 8; ++i) be[i] = static_cast<std::uint8_t>(seed >> (56 - 8 * i));
  sha->update(be, sizeof be);
  sha->update(reinterpret_cast<const std::uint8_t*>(personalization.data()),
              personalization.size());
  SecureBytes material = sha->final();
  // Without an underlying RNG Botan never reseeds on its own, which keeps the stream fixed.
  auto drbg = std::make_unique<Botan::HMAC_DRBG>(hmac_sha256());
  drbg->initialize_with(material.data(), material.size());
  return Drbg(std::move(drbg), true);
}

void Drbg::fill(std::span<std::uint8_t> out) {
  OpScope op(Op::kRandom, out.size());
  drbg_->randomize(out.data(), out.size());
}

Bytes Drbg::bytes(std::size_t n) {
  Bytes out(n);
  fill(out);
  return out;
}

std::uint64_t Drbg::uniform(std::uint64_t bound) {
  if (bound == 0) throw std::invalid_argument("Drbg::uniform: bound must be positive");
  const std::uint64_t limit =
      std::numeric_limits<std::uint64_t>::max() - std::numeric_limits<std::uint64_t>::max() % bound;
  for (;;) {
    std::uint8_t b[8];
    fill(b);
    std::uint64_t v = 0;
    for (auto x : b) v = (v << 8) | x;
    if (v < limit) return v % bound;
  }
}

}  // namespace euiccsim::crypto
