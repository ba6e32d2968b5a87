// A small JSON value for the command's --json output, `card show`, and trace lines.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace euiccsim::json {

class Value {
 public:
  using Array = std::vector<Value>;
  // Keys keep their insertion order, so output reads as written.
  using Object = std::vector<std::pair<std::string, Value>>;

  Value() : v_(nullptr) {}
  Value(std::nullptr_t) : v_(nullptr) {}
  Value(bool b) : v_(b) {}
  Value(int i) : v_(static_cast<std::int64_t>(i)) {}
  Value(unsigned i) : v_(static_cast<std::int64_t>(i)) {}
  Value(std::int64_t i) : v_(i) {}
  Value(std::uint64_t i) : v_(static_cast<std::int64_t>(i)) {}
  Value(const char* s) : v_(std::string(s)) {}
  Value(std::string s) : v_(std::move(s)) {}
  Value(std::string_view s) : v_(std::string(s)) {}
  Value(Array a) : v_(std::move(a)) {}
  Value(Object o) : v_(std::move(o)) {}

  static Value object() { return Value(Object{}); }
  static Value array() { return Value(Array{}); }

  // For objects: appends (key, value). For arrays: use push().
  Value& set(std::string key, Value v);
  Value& push(Value v);

  // Compact on one line when indent is 0.
  std::string dump(int indent = 0) const;

  bool is_null() const { return std::holds_alternative<std::nullptr_t>(v_); }
  // The member `key` of an object, or nullptr (also when this is not an object).
  const Value* get(std::string_view key) const;
  // The string, or nullptr when this is not a string.
  const std::string* string() const { return std::get_if<std::string>(&v_); }
  const std::int64_t* integer() const { return std::get_if<std::int64_t>(&v_); }
  const bool* boolean() const { return std::get_if<bool>(&v_); }
  // The elements or members, or nullptr when this is not an array / an object.
  const Array* elements() const { return std::get_if<Array>(&v_); }
  const Object* members() const { return std::get_if<Object>(&v_); }

  // Strict RFC 8259 text (numbers: integers only, which is all our peers send); nothing on
  // any error, including trailing characters or nesting deeper than 64.
  static std::optional<Value> parse(std::string_view text);

 private:
  void dump_to(std::string& out, int indent, int depth) const;
  std::variant<std::nullptr_t, bool, std::int64_t, std::string, Array, Object> v_;
};

std::string quote(std::string_view s);

}  // namespace euiccsim::json
