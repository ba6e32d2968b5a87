// JSON for the command's --json output, `card show`, trace lines, lpac's stdio lines, ES9+ and
// profile specs: nlohmann::json (Debian's nlohmann-json3-dev), with keys in insertion order so
// output reads as written, and the few rules this project adds on top.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace euiccsim::json {

using Value = nlohmann::ordered_json;

// Compact on one line (indent < 1) or indented. Strings that are not UTF-8 (a nickname or a
// profile name from a card image can be any bytes) are written with U+FFFD in place of the
// bad bytes rather than failing the whole output.
std::string dump(const Value& v, int indent = 0);

// RFC 8259 text, or nothing on any error: trailing characters, comments, a member name given
// twice in one object, a number that is not an integer (no peer of ours sends one), or
// nesting deeper than 64 (inputs come from lpac, HTTP peers and users'
// files). `why`, when given, receives a one-line reason.
std::optional<Value> parse(std::string_view text, std::string* why = nullptr);

// The member `key` of an object, or nullptr (also when `v` is not an object).
const Value* member(const Value& v, std::string_view key);
inline const Value* member(const Value* v, std::string_view key) {
  return v ? member(*v, key) : nullptr;
}
// The string, or nullptr when `v` is absent or not a string.
inline const std::string* string_of(const Value* v) {
  return v ? v->get_ptr<const std::string*>() : nullptr;
}
// An integer that fits int64 (a JSON number without fraction or exponent), or nothing.
std::optional<std::int64_t> integer_of(const Value* v);
// The boolean, or nothing.
std::optional<bool> boolean_of(const Value* v);

}  // namespace euiccsim::json
