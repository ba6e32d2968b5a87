// ISO/IEC 7816-4 command and response APDUs as small value types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "euiccsim/crypto/bytes.hpp"

namespace euiccsim::apdu {

// Status words the card produces (ISO/IEC 7816-4 §5.6, GlobalPlatform 2.3 §11).
namespace sw {
inline constexpr std::uint16_t kOk = 0x9000;
inline constexpr std::uint16_t kMemoryFailure = 0x6581;
inline constexpr std::uint16_t kWrongLength = 0x6700;
inline constexpr std::uint16_t kLogicalChannelNotSupported = 0x6881;
inline constexpr std::uint16_t kSecureMessagingNotSupported = 0x6882;
inline constexpr std::uint16_t kCommandChainingNotSupported = 0x6884;
inline constexpr std::uint16_t kConditionsNotSatisfied = 0x6985;
inline constexpr std::uint16_t kIncorrectData = 0x6A80;
inline constexpr std::uint16_t kFunctionNotSupported = 0x6A81;
inline constexpr std::uint16_t kNotFound = 0x6A82;
inline constexpr std::uint16_t kNotEnoughMemory = 0x6A84;
inline constexpr std::uint16_t kIncorrectP1P2 = 0x6A86;
inline constexpr std::uint16_t kReferencedDataNotFound = 0x6A88;
inline constexpr std::uint16_t kInsNotSupported = 0x6D00;
inline constexpr std::uint16_t kClaNotSupported = 0x6E00;
inline constexpr std::uint16_t kNoPreciseDiagnosis = 0x6F00;
}  // namespace sw

// The four cases of ISO/IEC 7816-3 §12.1 (data in: Lc; data out: Le).
enum class Case : std::uint8_t { k1 = 1, k2 = 2, k3 = 3, k4 = 4 };

struct Command {
  std::uint8_t cla = 0;
  std::uint8_t ins = 0;
  std::uint8_t p1 = 0;
  std::uint8_t p2 = 0;
  Bytes data;
  // Ne, the maximum number of bytes expected; absent for cases 1 and 3. A short Le of 00
  // means 256.
  std::optional<std::size_t> ne;
  Case apdu_case = Case::k1;
  bool extended = false;

  bool has_data() const { return apdu_case == Case::k3 || apdu_case == Case::k4; }
  Bytes encode() const;
};

enum class ParseError : std::uint8_t {
  kTooShort,        // fewer than 4 bytes
  kLengthMismatch,  // Lc disagrees with the bytes present
};

struct ParseResult {
  std::optional<Command> command;
  ParseError error = ParseError::kTooShort;
};

// Parses short and extended encodings. Extended ones are parsed (so the card can answer 6700
// knowingly) and flagged; the card does not process them.
ParseResult parse(ByteView raw);

struct Response {
  Bytes data;
  std::uint16_t sw = sw::kOk;

  static Response status(std::uint16_t s) { return Response{{}, s}; }
  static Response ok(Bytes d = {}) { return Response{std::move(d), sw::kOk}; }
  std::uint8_t sw1() const { return static_cast<std::uint8_t>(sw >> 8); }
  std::uint8_t sw2() const { return static_cast<std::uint8_t>(sw & 0xFF); }
  Bytes encode() const;
};

// The logical-channel and secure-messaging bits of a CLA byte (ISO/IEC 7816-4 §5.4.1).
struct ClassByte {
  bool valid = false;        // false for CLA 'FF' (reserved for PPS)
  bool proprietary = false;  // b8 set: GlobalPlatform / ETSI commands such as 80 E2
  unsigned channel = 0;      // 0..19
  bool chaining = false;     // b5: command chaining
  bool secure_messaging = false;
};
ClassByte decode_cla(std::uint8_t cla);
// Rewrites the channel bits of a CLA (for channels 0..3).
std::uint8_t with_channel(std::uint8_t cla, unsigned channel);

std::string sw_hex(std::uint16_t sw);

}  // namespace euiccsim::apdu
