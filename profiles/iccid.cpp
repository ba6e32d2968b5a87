#include "euiccsim/profiles/iccid.hpp"

namespace euiccsim {

char Iccid::luhn_digit(std::string_view payload) {
  unsigned sum = 0;
  bool dbl = true;  // the digit left of the check digit is doubled
  for (auto it = payload.rbegin(); it != payload.rend(); ++it) {
    unsigned d = static_cast<unsigned>(*it - '0');
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    dbl = !dbl;
  }
  return static_cast<char>('0' + (10 - sum % 10) % 10);
}

std::string Iccid::why_invalid(std::string_view digits) {
  if (digits.size() < 18 || digits.size() > 20) {
    return "ICCID must have 18 to 20 digits, not " + std::to_string(digits.size());
  }
  for (char c : digits) {
    if (c < '0' || c > '9') return "ICCID must contain only the digits 0-9";
  }
  if (digits.substr(0, 2) != "89") return "ICCID must start with 89";
  if (luhn_digit(digits.substr(0, digits.size() - 1)) != digits.back()) {
    return std::string("ICCID check digit is wrong (expected ") +
           luhn_digit(digits.substr(0, digits.size() - 1)) + ")";
  }
  return {};
}

std::optional<Iccid> Iccid::parse(std::string_view digits) {
  if (!why_invalid(digits).empty()) return std::nullopt;
  return Iccid(std::string(digits));
}

namespace {
std::optional<std::string> bcd_digits(ByteView bytes, bool swapped) {
  if (bytes.size() != 10) return std::nullopt;
  std::string out;
  bool padding = false;
  for (auto b : bytes) {
    int first = swapped ? (b & 0x0F) : (b >> 4);
    int second = swapped ? (b >> 4) : (b & 0x0F);
    for (int n : {first, second}) {
      if (n == 0xF) {
        padding = true;
      } else if (n > 9 || padding) {
        return std::nullopt;  // a digit after padding, or a non-BCD nibble
      } else {
        out.push_back(static_cast<char>('0' + n));
      }
    }
  }
  return out;
}

Bytes to_bcd(const std::string& digits, bool swapped) {
  Bytes out(10, 0xFF);
  for (std::size_t i = 0; i < digits.size(); ++i) {
    std::uint8_t d = static_cast<std::uint8_t>(digits[i] - '0');
    bool high = swapped ? (i % 2 == 1) : (i % 2 == 0);
    auto& b = out[i / 2];
    b = high ? static_cast<std::uint8_t>((b & 0x0F) | (d << 4))
             : static_cast<std::uint8_t>((b & 0xF0) | d);
  }
  return out;
}
}  // namespace

std::optional<Iccid> Iccid::from_swapped_bcd(ByteView bytes) {
  auto d = bcd_digits(bytes, true);
  return d ? parse(*d) : std::nullopt;
}

std::optional<Iccid> Iccid::from_plain_bcd(ByteView bytes) {
  auto d = bcd_digits(bytes, false);
  return d ? parse(*d) : std::nullopt;
}

Bytes Iccid::swapped_bcd() const {
  return to_bcd(digits_, true);
}
Bytes Iccid::plain_bcd() const {
  return to_bcd(digits_, false);
}

}  // namespace euiccsim
