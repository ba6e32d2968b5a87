// Paths into JSON values and the expectations a scenario writes about them
// (docs/scenarios.md "Paths and expectations").
//
//   profiles[iccid=89999000000000000007].state     a member, an array element by field value
//   notifications[0].event   or   notifications.0.event
//   /profiles/0/state                              a JSON Pointer (RFC 6901) also works
//
// An expectation is a value (equal to it) or a mapping of operators: equals, not, one_of,
// exists, count, contains, matches (ECMAScript regex on the text form).
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace euiccsim::scenario {

class PathError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// The value at `path`, or nothing when the path leads nowhere. PathError for bad syntax.
std::optional<nlohmann::json> json_at(const nlohmann::json& root, std::string_view path);

// Empty when `actual` (absent: nothing) meets `expected`; otherwise one line saying how it
// does not ("is \"disabled\", not \"enabled\""). PathError for an unknown operator.
std::string check_value(const std::optional<nlohmann::json>& actual,
                        const nlohmann::json& expected);

// Compact one-line text of a value for messages (strings unquoted when `bare`).
std::string show(const nlohmann::json& v, bool bare = false);

}  // namespace euiccsim::scenario
