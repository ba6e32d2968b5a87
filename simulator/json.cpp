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

}  // namespace euiccsim::json
