// The eUICC identifier (GSMA SGP.29): 32 decimal digits, "89" first, the last two digits
// check digits chosen so that the whole number modulo 97 equals 1 (as an IBAN).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "euiccsim/crypto/bytes.hpp"
#include "euiccsim/crypto/drbg.hpp"

namespace euiccsim {

class Eid {
 public:
  static constexpr std::size_t kDigits = 32;

  // Nothing unless `text` is 32 digits starting with 89 whose check digits are right.
  static std::optional<Eid> parse(std::string_view text);
  // Why `text` is not an EID, or empty if it is one.
  static std::string why_invalid(std::string_view text);
  // From 16 BCD bytes as GetEID returns them.
  static std::optional<Eid> from_bytes(ByteView bcd);
  // `prefix` (2..30 digits, starting 89) then random digits, then the check digits.
  static Eid generate(std::string_view prefix, crypto::Drbg& drbg);
  // The two check digits for the first 30 digits.
  static std::string check_digits(std::string_view first30);

  const std::string& str() const { return digits_; }
  Bytes bytes() const;  // 16 bytes, two digits per byte, first digit in the high nibble

  friend bool operator==(const Eid&, const Eid&) = default;

 private:
  explicit Eid(std::string digits) : digits_(std::move(digits)) {}
  std::string digits_;
};

}  // namespace euiccsim
