// Byte strings and their hex form: the currency every layer of the card trades in.
#pragma once

#include <botan/secmem.h>

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace euiccsim {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;
// Key material: zeroised on release (Botan's allocator).
using SecureBytes = Botan::secure_vector<std::uint8_t>;

// Thrown when text that should be hex is not; the message names the offending position.
class HexError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// The value of a hex digit, or -1 for any other character.
int hex_digit(char c);
// Upper-case hex, no separators.
std::string to_hex(ByteView bytes);
// Accepts upper or lower case; ignores spaces, tabs and ':' between byte pairs.
Bytes from_hex(std::string_view text);

}  // namespace euiccsim
