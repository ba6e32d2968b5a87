// APDU scripts for `euicc-sim apdu --script`: one command per line with an optional expected
// answer, so a lab can pin down a card's behaviour in a plain text file.
//
//   # comment
//   reset                                   warm reset of the card
//   00A4040010A0000005591010FFFFFFFF8900000100            send; any answer is fine
//   80E2910006BF3E035C015A -> 61 14         expect no data and SW 6114
//   80C0000014 -> BF3E 12 5A 10 89 * 9000   '.' matches any hex digit, '*' any run of bytes
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "euiccsim/crypto/bytes.hpp"

namespace euiccsim::tools {

class ScriptError : public std::runtime_error {
 public:
  ScriptError(std::size_t line, const std::string& what)
      : std::runtime_error("line " + std::to_string(line) + ": " + what), line(line) {}
  std::size_t line;
};

// An expected R-APDU (data then status word), hex with wildcards.
class ResponsePattern {
 public:
  static ResponsePattern parse(std::string_view text);  // throws std::invalid_argument
  bool matches(ByteView response) const;
  const std::string& text() const { return text_; }

 private:
  static bool match_run(const std::vector<int>& digits, ByteView bytes);
  // Hex digits 0..15, or -1 for any.
  std::vector<int> before_;  // digits before '*', or all of them without '*'
  std::vector<int> after_;
  bool star_ = false;
  std::string text_;
};

struct ScriptStep {
  enum class Kind { kApdu, kReset };
  Kind kind = Kind::kApdu;
  std::size_t line = 0;
  Bytes command;
  std::optional<ResponsePattern> expect;
};

std::vector<ScriptStep> parse_script(std::string_view text);

}  // namespace euiccsim::tools
