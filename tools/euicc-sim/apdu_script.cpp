#include "apdu_script.hpp"

#include <sstream>

namespace euiccsim::tools {

namespace {
std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

}  // namespace

ResponsePattern ResponsePattern::parse(std::string_view text) {
  ResponsePattern p;
  p.text_ = std::string(trim(text));
  for (char c : text) {
    if (c == ' ' || c == '\t') continue;
    if (c == '*') {
      if (p.star_) throw std::invalid_argument("at most one '*' in an expected response");
      p.star_ = true;
      continue;
    }
    int v = c == '.' ? -1 : hex_digit(c);
    if (c != '.' && v < 0)
      throw std::invalid_argument(std::string("'") + c + "' in an expected response");
    (p.star_ ? p.after_ : p.before_).push_back(v);
  }
  if (p.before_.size() % 2 || p.after_.size() % 2) {
    throw std::invalid_argument("an expected response needs whole bytes (pairs of digits)");
  }
  const auto tail = p.star_ ? p.after_.size() : p.before_.size();
  if (tail < 4) throw std::invalid_argument("an expected response ends with a status word");
  return p;
}

bool ResponsePattern::match_run(const std::vector<int>& digits, ByteView bytes) {
  if (digits.size() != bytes.size() * 2) return false;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    const int actual = i % 2 ? (bytes[i / 2] & 0x0F) : (bytes[i / 2] >> 4);
    if (digits[i] >= 0 && digits[i] != actual) return false;
  }
  return true;
}

bool ResponsePattern::matches(ByteView r) const {
  if (!star_) return match_run(before_, r);
  const std::size_t head = before_.size() / 2, tail = after_.size() / 2;
  if (r.size() < head + tail) return false;
  return match_run(before_, r.first(head)) && match_run(after_, r.last(tail));
}

std::vector<ScriptStep> parse_script(std::string_view text) {
  std::vector<ScriptStep> steps;
  std::istringstream in{std::string(text)};
  std::string raw;
  for (std::size_t number = 1; std::getline(in, raw); ++number) {
    std::string_view line = raw;
    if (auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    line = trim(line);
    if (line.empty()) continue;
    ScriptStep step;
    step.line = number;
    std::string_view command = line;
    if (auto arrow = line.find("->"); arrow != std::string_view::npos) {
      command = trim(line.substr(0, arrow));
      try {
        step.expect = ResponsePattern::parse(line.substr(arrow + 2));
      } catch (const std::invalid_argument& e) {
        throw ScriptError(number, e.what());
      }
    }
    if (command == "reset") {
      step.kind = ScriptStep::Kind::kReset;
      if (step.expect) throw ScriptError(number, "'reset' takes no expected response");
    } else {
      try {
        step.command = from_hex(command);
      } catch (const HexError& e) {
        throw ScriptError(number, e.what());
      }
      if (step.command.size() < 4) throw ScriptError(number, "an APDU has at least 4 bytes");
    }
    steps.push_back(std::move(step));
  }
  return steps;
}

}  // namespace euiccsim::tools
