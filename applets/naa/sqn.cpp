#include "sqn.hpp"

namespace euiccsim::applets::naa {

namespace {

constexpr std::uint64_t kIndMask = (1u << kIndBits) - 1;
constexpr std::uint64_t kDefaultWindow = std::uint64_t{1} << 28;

std::uint64_t entry(const profiles::Naa& naa, std::size_t ind) {
  return ind < naa.sqn.size() && naa.sqn[ind].size() == 6 ? sqn_value(naa.sqn[ind]) : 0;
}

std::uint64_t limit(const Bytes& b) {
  return b.size() == 6 ? sqn_value(b) : kDefaultWindow;
}

}  // namespace

std::uint64_t sqn_value(ByteView six) {
  std::uint64_t v = 0;
  for (auto b : six) v = (v << 8) | b;
  return v;
}

Bytes sqn_bytes(std::uint64_t v) {
  Bytes out(6);
  for (std::size_t i = 6; i-- > 0; v >>= 8) out[i] = static_cast<std::uint8_t>(v & 0xFF);
  return out;
}

bool sqn_fresh(const profiles::Naa& naa, std::uint64_t sqn) {
  const std::uint64_t seq = sqn >> kIndBits;
  const std::size_t ind = static_cast<std::size_t>(sqn & kIndMask);
  if (seq <= entry(naa, ind)) return false;
  std::uint64_t highest = 0;
  for (std::size_t i = 0; i <= kIndMask; ++i) highest = std::max(highest, entry(naa, i));
  if (seq > highest) return seq - highest <= limit(naa.sqn_delta);
  return highest - seq <= limit(naa.sqn_age_limit);
}

std::uint64_t sqn_ms(const profiles::Naa& naa) {
  std::uint64_t best = 0;
  std::size_t best_ind = 0;
  for (std::size_t i = 0; i <= kIndMask; ++i) {
    if (entry(naa, i) > best) {
      best = entry(naa, i);
      best_ind = i;
    }
  }
  return (best << kIndBits) | best_ind;
}

void sqn_accept(profiles::Naa& naa, std::uint64_t sqn) {
  if (naa.sqn.size() < kIndMask + 1) naa.sqn.resize(kIndMask + 1, Bytes(6, 0));
  naa.sqn[static_cast<std::size_t>(sqn & kIndMask)] = sqn_bytes(sqn >> kIndBits);
}

}  // namespace euiccsim::applets::naa
