// The ICCID (ITU-T E.118): up to 20 digits, "89" first, the last a Luhn check digit.
// On the card it is 10 bytes of BCD with the nibbles of each byte swapped and 'F' padding
// (EF.ICCID, SGP.22 ProfileInfo tag 5A); the profile package header carries it unswapped.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "euiccsim/crypto/bytes.hpp"

namespace euiccsim {

class Iccid {
 public:
  // 18 to 20 digits starting with 89 whose last digit is the Luhn check digit.
  static std::optional<Iccid> parse(std::string_view digits);
  static std::string why_invalid(std::string_view digits);
  static std::optional<Iccid> from_swapped_bcd(ByteView bytes);
  static std::optional<Iccid> from_plain_bcd(ByteView bytes);
  // The Luhn digit for `payload` (all digits but the check digit).
  static char luhn_digit(std::string_view payload);

  const std::string& str() const { return digits_; }
  Bytes swapped_bcd() const;  // 10 bytes
  Bytes plain_bcd() const;    // 10 bytes

  friend bool operator==(const Iccid&, const Iccid&) = default;

 private:
  explicit Iccid(std::string d) : digits_(std::move(d)) {}
  std::string digits_;
};

}  // namespace euiccsim
