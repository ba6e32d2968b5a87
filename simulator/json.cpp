#include "euiccsim/simulator/json.hpp"

#include <limits>
#include <set>
#include <vector>

namespace euiccsim::json {

namespace {

constexpr int kMaxDepth = 64;

// Whether the brackets of `text` nest deeper than the limit; strings are skipped. nlohmann's
// parser does not recurse, but a value nested a million deep is still no input of ours.
bool too_deep(std::string_view text) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxDepth) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

}  // namespace

std::string dump(const Value& v, int indent) {
  return v.dump(indent > 0 ? indent : -1, ' ', false, Value::error_handler_t::replace);
}

std::optional<Value> parse(std::string_view text, std::string* why) {
  auto fail = [why](std::string reason) -> std::optional<Value> {
    if (why) *why = std::move(reason);
    return std::nullopt;
  };
  if (too_deep(text)) return fail("nested deeper than " + std::to_string(kMaxDepth));
  // nlohmann keeps the last of two equal names silently; a name given twice is refused.
  std::vector<std::set<std::string>> names;
  std::string duplicate;
  bool fraction = false;
  auto watch = [&](int, Value::parse_event_t event, Value& parsed) {
    if (event == Value::parse_event_t::value && parsed.is_number_float()) fraction = true;
    if (event == Value::parse_event_t::object_start) {
      names.emplace_back();
    } else if (event == Value::parse_event_t::object_end) {
      if (!names.empty()) names.pop_back();
    } else if (event == Value::parse_event_t::key && !names.empty()) {
      const auto* name = parsed.get_ptr<const std::string*>();
      if (name && !names.back().insert(*name).second && duplicate.empty()) duplicate = *name;
    }
    return true;
  };
  Value v;
  try {
    v = Value::parse(text, watch, /*allow_exceptions=*/true, /*ignore_comments=*/false);
  } catch (const Value::exception& e) {
    return fail(e.what());
  }
  if (!duplicate.empty()) return fail("the name '" + duplicate + "' is given twice");
  if (fraction) return fail("a number with a fraction or an exponent (integers only)");
  return v;
}

const Value* member(const Value& v, std::string_view key) {
  if (!v.is_object()) return nullptr;
  auto it = v.find(key);
  return it == v.end() ? nullptr : &*it;
}

std::optional<std::int64_t> integer_of(const Value* v) {
  if (v == nullptr) return std::nullopt;
  if (v->is_number_unsigned()) {
    const auto u = v->get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      return std::nullopt;
    return static_cast<std::int64_t>(u);
  }
  if (v->is_number_integer()) return v->get<std::int64_t>();
  return std::nullopt;
}

std::optional<bool> boolean_of(const Value* v) {
  if (v == nullptr || !v->is_boolean()) return std::nullopt;
  return v->get<bool>();
}

}  // namespace euiccsim::json
