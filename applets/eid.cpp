#include "euiccsim/applets/eid.hpp"

#include <stdexcept>

namespace euiccsim {

namespace {
bool all_digits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

unsigned mod97(std::string_view digits) {
  unsigned r = 0;
  for (char c : digits) r = (r * 10 + static_cast<unsigned>(c - '0')) % 97;
  return r;
}
}  // namespace

std::string Eid::check_digits(std::string_view first30) {
  std::string n(first30);
  n += "00";
  unsigned c = 98 - mod97(n);
  std::string out(2, '0');
  out[0] = static_cast<char>('0' + c / 10);
  out[1] = static_cast<char>('0' + c % 10);
  return out;
}

std::string Eid::why_invalid(std::string_view text) {
  if (text.size() != kDigits) {
    return "EID must have 32 digits, not " + std::to_string(text.size());
  }
  if (!all_digits(text)) return "EID must contain only the digits 0-9";
  if (text.substr(0, 2) != "89") return "EID must start with 89";
  if (mod97(text) != 1) {
    return "EID check digits are wrong (expected " + check_digits(text.substr(0, 30)) + ")";
  }
  return {};
}

std::optional<Eid> Eid::parse(std::string_view text) {
  if (!why_invalid(text).empty()) return std::nullopt;
  return Eid(std::string(text));
}

std::optional<Eid> Eid::from_bytes(ByteView bcd) {
  if (bcd.size() != kDigits / 2) return std::nullopt;
  std::string digits;
  for (auto b : bcd) {
    int hi = b >> 4, lo = b & 0x0F;
    if (hi > 9 || lo > 9) return std::nullopt;
    digits.push_back(static_cast<char>('0' + hi));
    digits.push_back(static_cast<char>('0' + lo));
  }
  return parse(digits);
}

Eid Eid::generate(std::string_view prefix, crypto::Drbg& drbg) {
  if (prefix.size() < 2 || prefix.size() > 30 || !all_digits(prefix) ||
      prefix.substr(0, 2) != "89") {
    throw std::invalid_argument("EID prefix must be 2 to 30 digits starting with 89");
  }
  std::string d(prefix);
  while (d.size() < 30) d.push_back(static_cast<char>('0' + drbg.uniform(10)));
  d += check_digits(d);
  return Eid(std::move(d));
}

Bytes Eid::bytes() const {
  Bytes out(kDigits / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<std::uint8_t>(((digits_[2 * i] - '0') << 4) | (digits_[2 * i + 1] - '0'));
  }
  return out;
}

}  // namespace euiccsim
