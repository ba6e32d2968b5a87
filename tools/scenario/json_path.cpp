#include "json_path.hpp"

#include <algorithm>
#include <cctype>
#include <regex>

namespace euiccsim::scenario {

namespace {

using json = nlohmann::json;

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_hex(const std::string& s) {
  return !s.empty() && s.size() % 2 == 0 && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isxdigit(static_cast<unsigned char>(c));
  });
}

// The text a value compares as when the other side is a string: "5" for 5, "true" for true.
std::string text_of(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

bool same(const json& actual, const json& expected) {
  if (actual == expected) return true;
  if (actual.is_number() && expected.is_number())
    return actual.get<double>() == expected.get<double>();
  if (actual.is_string() || expected.is_string()) {
    if (actual.is_structured() || expected.is_structured()) return false;
    std::string a = text_of(actual), e = text_of(expected);
    if (a == e) return true;
    // Hex is hex whatever its case.
    if (is_hex(a) && is_hex(e)) {
      std::transform(a.begin(), a.end(), a.begin(), ::toupper);
      std::transform(e.begin(), e.end(), e.begin(), ::toupper);
      return a == e;
    }
  }
  return false;
}

// One step of a dotted path: name, name[N], name[key=value], or a bare index.
std::optional<json> step(const json& v, std::string_view part) {
  std::string_view name = part;
  std::string_view selector;
  if (auto open = part.find('['); open != std::string_view::npos) {
    if (part.back() != ']') throw PathError("'" + std::string(part) + "': '[' without ']'");
    name = part.substr(0, open);
    selector = part.substr(open + 1, part.size() - open - 2);
  }
  const json* cur = &v;
  if (!name.empty()) {
    if (cur->is_object()) {
      auto it = cur->find(std::string(name));
      if (it == cur->end()) return std::nullopt;
      cur = &*it;
    } else if (cur->is_array() && all_digits(name)) {
      const auto i = std::stoul(std::string(name));
      if (i >= cur->size()) return std::nullopt;
      cur = &(*cur)[i];
    } else {
      return std::nullopt;
    }
  }
  if (selector.empty()) return *cur;
  if (!cur->is_array()) return std::nullopt;
  if (all_digits(selector)) {
    const auto i = std::stoul(std::string(selector));
    if (i >= cur->size()) return std::nullopt;
    return (*cur)[i];
  }
  auto eq = selector.find('=');
  if (eq == std::string_view::npos || eq == 0)
    throw PathError("'[" + std::string(selector) + "]': an index or key=value");
  const std::string key(selector.substr(0, eq));
  const json want = std::string(selector.substr(eq + 1));
  for (const auto& e : *cur) {
    if (e.is_object() && e.contains(key) && same(e[key], want)) return e;
  }
  return std::nullopt;
}

}  // namespace

std::string show(const json& v, bool bare) {
  if (bare && v.is_string()) return v.get<std::string>();
  std::string s = v.dump();
  if (s.size() > 200) s = s.substr(0, 197) + "...";
  return s;
}

std::optional<json> json_at(const json& root, std::string_view path) {
  if (path.empty() || path == ".") return root;
  if (path.front() == '/') {
    try {
      json::json_pointer p{std::string(path)};
      if (!root.contains(p)) return std::nullopt;
      return root.at(p);
    } catch (const json::exception& e) {
      throw PathError("'" + std::string(path) + "': " + e.what());
    }
  }
  std::optional<json> cur = root;
  std::size_t start = 0;
  int depth = 0;
  for (std::size_t i = 0; i <= path.size(); ++i) {
    const char c = i < path.size() ? path[i] : '.';
    if (c == '[') ++depth;
    if (c == ']') --depth;
    if (c != '.' || depth > 0) continue;
    auto part = path.substr(start, i - start);
    if (part.empty()) throw PathError("'" + std::string(path) + "': an empty part");
    cur = step(*cur, part);
    if (!cur) return std::nullopt;
    start = i + 1;
  }
  return cur;
}

std::string check_value(const std::optional<json>& actual, const json& expected) {
  static const std::vector<std::string> operators{"equals", "not",      "one_of", "exists",
                                                  "count",  "contains", "matches"};
  const bool ops =
      expected.is_object() && !expected.empty() &&
      std::all_of(expected.items().begin(), expected.items().end(), [](const auto& kv) {
        return std::find(operators.begin(), operators.end(), kv.key()) != operators.end();
      });
  if (!ops) {
    if (!actual) return "is absent, not " + show(expected);
    if (same(*actual, expected)) return "";
    return "is " + show(*actual) + ", not " + show(expected);
  }
  for (const auto& [op, want] : expected.items()) {
    if (op == "exists") {
      const bool should = want.is_boolean() ? want.get<bool>() : true;
      if (should && !actual) return "is absent";
      if (!should && actual) return "is present (" + show(*actual) + ")";
      continue;
    }
    if (!actual) return "is absent";
    if (op == "equals") {
      if (!same(*actual, want)) return "is " + show(*actual) + ", not " + show(want);
    } else if (op == "not") {
      if (same(*actual, want)) return "is " + show(*actual);
    } else if (op == "one_of") {
      if (!want.is_array()) throw PathError("one_of: a list");
      if (std::none_of(want.begin(), want.end(), [&](const json& w) { return same(*actual, w); }))
        return "is " + show(*actual) + ", not one of " + show(want);
    } else if (op == "count") {
      if (!actual->is_array() && !actual->is_object())
        return "is " + show(*actual) + ", not a list";
      if (!same(json(actual->size()), want))
        return "has " + std::to_string(actual->size()) + " element(s), not " + show(want, true);
    } else if (op == "contains") {
      bool found = false;
      if (actual->is_array()) {
        for (const auto& e : *actual) {
          if (same(e, want) ||
              (want.is_object() && e.is_object() &&
               std::all_of(want.items().begin(), want.items().end(), [&](const auto& kv) {
                 return e.contains(kv.key()) && same(e[kv.key()], kv.value());
               }))) {
            found = true;
            break;
          }
        }
      } else if (actual->is_string()) {
        found = actual->get<std::string>().find(text_of(want)) != std::string::npos;
      }
      if (!found) return show(*actual) + " does not contain " + show(want);
    } else if (op == "matches") {
      try {
        if (!std::regex_search(text_of(*actual), std::regex(text_of(want))))
          return show(*actual) + " does not match /" + text_of(want) + "/";
      } catch (const std::regex_error& e) {
        throw PathError("matches: '" + text_of(want) + "' is not a regular expression");
      }
    }
  }
  return "";
}

}  // namespace euiccsim::scenario
