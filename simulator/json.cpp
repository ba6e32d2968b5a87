#include "euiccsim/simulator/json.hpp"

#include <cstdio>
#include <stdexcept>

namespace euiccsim::json {

std::string quote(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
  return out;
}

Value& Value::set(std::string key, Value v) {
  auto* o = std::get_if<Object>(&v_);
  if (!o) throw std::logic_error("json: set() on a non-object");
  o->emplace_back(std::move(key), std::move(v));
  return *this;
}

Value& Value::push(Value v) {
  auto* a = std::get_if<Array>(&v_);
  if (!a) throw std::logic_error("json: push() on a non-array");
  a->push_back(std::move(v));
  return *this;
}

std::string Value::dump(int indent) const {
  std::string out;
  dump_to(out, indent, 0);
  return out;
}

void Value::dump_to(std::string& out, int indent, int depth) const {
  auto newline = [&](int d) {
    if (indent <= 0) return;
    out.push_back('\n');
    out.append(static_cast<std::size_t>(indent * d), ' ');
  };
  if (std::holds_alternative<std::nullptr_t>(v_)) {
    out += "null";
  } else if (auto* b = std::get_if<bool>(&v_)) {
    out += *b ? "true" : "false";
  } else if (auto* i = std::get_if<std::int64_t>(&v_)) {
    out += std::to_string(*i);
  } else if (auto* s = std::get_if<std::string>(&v_)) {
    out += quote(*s);
  } else if (auto* a = std::get_if<Array>(&v_)) {
    if (a->empty()) {
      out += "[]";
      return;
    }
    out.push_back('[');
    for (std::size_t k = 0; k < a->size(); ++k) {
      if (k) out.push_back(',');
      newline(depth + 1);
      (*a)[k].dump_to(out, indent, depth + 1);
    }
    newline(depth);
    out.push_back(']');
  } else if (auto* o = std::get_if<Object>(&v_)) {
    if (o->empty()) {
      out += "{}";
      return;
    }
    out.push_back('{');
    for (std::size_t k = 0; k < o->size(); ++k) {
      if (k) out.push_back(',');
      newline(depth + 1);
      out += quote((*o)[k].first);
      out += indent > 0 ? ": " : ":";
      (*o)[k].second.dump_to(out, indent, depth + 1);
    }
    newline(depth);
    out.push_back('}');
  }
}

const Value* Value::get(std::string_view key) const {
  auto* o = std::get_if<Object>(&v_);
  if (!o) return nullptr;
  for (const auto& [k, v] : *o) {
    if (k == key) return &v;
  }
  return nullptr;
}

namespace {
class Parser {
 public:
  explicit Parser(std::string_view t) : t_(t) {}

  std::optional<Value> document() {
    auto v = value(0);
    ws();
    if (!v || pos_ != t_.size()) return std::nullopt;
    return v;
  }

 private:
  void ws() {
    while (pos_ < t_.size() &&
           (t_[pos_] == ' ' || t_[pos_] == '\t' || t_[pos_] == '\n' || t_[pos_] == '\r')) {
      ++pos_;
    }
  }
  bool eat(char c) {
    ws();
    if (pos_ < t_.size() && t_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool word(std::string_view w) {
    if (t_.substr(pos_, w.size()) != w) return false;
    pos_ += w.size();
    return true;
  }

  std::optional<Value> value(int depth) {
    if (depth > 64) return std::nullopt;
    ws();
    if (pos_ >= t_.size()) return std::nullopt;
    char c = t_[pos_];
    if (c == '{') return object(depth);
    if (c == '[') return array(depth);
    if (c == '"') {
      auto s = str();
      if (!s) return std::nullopt;
      return Value(std::move(*s));
    }
    if (word("null")) return Value(nullptr);
    if (word("true")) return Value(true);
    if (word("false")) return Value(false);
    return number();
  }

  std::optional<Value> number() {
    std::size_t start = pos_;
    if (pos_ < t_.size() && t_[pos_] == '-') ++pos_;
    std::size_t digits = pos_;
    while (pos_ < t_.size() && t_[pos_] >= '0' && t_[pos_] <= '9') ++pos_;
    if (pos_ == digits || pos_ - digits > 18) return std::nullopt;
    if (t_[digits] == '0' && pos_ - digits > 1) return std::nullopt;
    return Value(
        static_cast<std::int64_t>(std::stoll(std::string(t_.substr(start, pos_ - start)))));
  }

  std::optional<std::string> str() {
    if (!eat('"')) return std::nullopt;
    std::string out;
    while (pos_ < t_.size()) {
      char c = t_[pos_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) return std::nullopt;
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (pos_ >= t_.size()) return std::nullopt;
      char e = t_[pos_++];
      switch (e) {
        case '"':
          out.push_back('"');
          break;
        case '\\':
          out.push_back('\\');
          break;
        case '/':
          out.push_back('/');
          break;
        case 'b':
          out.push_back('\b');
          break;
        case 'f':
          out.push_back('\f');
          break;
        case 'n':
          out.push_back('\n');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case 't':
          out.push_back('\t');
          break;
        case 'u': {
          if (pos_ + 4 > t_.size()) return std::nullopt;
          unsigned cp = 0;
          for (int i = 0; i < 4; ++i) {
            char h = t_[pos_++];
            cp <<= 4;
            if (h >= '0' && h <= '9')
              cp |= static_cast<unsigned>(h - '0');
            else if (h >= 'a' && h <= 'f')
              cp |= static_cast<unsigned>(h - 'a' + 10);
            else if (h >= 'A' && h <= 'F')
              cp |= static_cast<unsigned>(h - 'A' + 10);
            else
              return std::nullopt;
          }
          // Our peers send ASCII; anything else is kept as UTF-8 of the BMP code point.
          if (cp < 0x80) {
            out.push_back(static_cast<char>(cp));
          } else if (cp < 0x800) {
            out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
          } else {
            out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
          }
          break;
        }
        default:
          return std::nullopt;
      }
    }
    return std::nullopt;
  }

  std::optional<Value> object(int depth) {
    eat('{');
    auto o = Value::object();
    if (eat('}')) return o;
    do {
      ws();
      auto k = str();
      if (!k || !eat(':')) return std::nullopt;
      auto v = value(depth + 1);
      if (!v) return std::nullopt;
      o.set(std::move(*k), std::move(*v));
    } while (eat(','));
    if (!eat('}')) return std::nullopt;
    return o;
  }

  std::optional<Value> array(int depth) {
    eat('[');
    auto a = Value::array();
    if (eat(']')) return a;
    do {
      auto v = value(depth + 1);
      if (!v) return std::nullopt;
      a.push(std::move(*v));
    } while (eat(','));
    if (!eat(']')) return std::nullopt;
    return a;
  }

  std::string_view t_;
  std::size_t pos_ = 0;
};
}  // namespace

std::optional<Value> Value::parse(std::string_view text) {
  return Parser(text).document();
}

}  // namespace euiccsim::json
