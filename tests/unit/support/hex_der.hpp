// Hand-written DER as hex text, for tests that spell out the bytes a peer sends: tags written
// literally, definite lengths computed. Independent of the card's encoders on purpose.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

#include "euiccsim/crypto/bytes.hpp"

namespace euiccsim::test {

// The DER length octets of `n` bytes, as hex.
inline std::string len(std::size_t n) {
  char buf[8];
  if (n < 0x80) {
    std::snprintf(buf, sizeof buf, "%02X", static_cast<unsigned>(n));
  } else if (n < 0x100) {
    std::snprintf(buf, sizeof buf, "81%02X", static_cast<unsigned>(n));
  } else {
    std::snprintf(buf, sizeof buf, "82%04X", static_cast<unsigned>(n));
  }
  return buf;
}
// TAG (hex) + length + value (hex).
inline std::string hex_tlv(const std::string& tag, const std::string& value_hex) {
  return tag + len(value_hex.size() / 2) + value_hex;
}
inline std::string utf8(std::string_view s) { return to_hex(Bytes(s.begin(), s.end())); }
inline std::string repeat(const std::string& byte_hex, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += byte_hex;
  return out;
}

}  // namespace euiccsim::test
