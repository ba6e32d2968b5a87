// Walks asn1c's type descriptors (0.9.28 runtime) over a decoded structure. Primitive values
// are rendered through the runtime's own XER encoder, which already knows named numbers,
// escapes and bit strings, and only the outer element is stripped here; the descriptors'
// encoder functions tell constructed types and hex from text apart.
#include "asn1_json.hpp"

#include "asn1_names.hpp"

#include <ANY.h>
#include <BIT_STRING.h>
#include <BOOLEAN.h>
#include <INTEGER.h>
#include <NativeEnumerated.h>
#include <NativeInteger.h>
#include <OCTET_STRING.h>
#include <asn_SET_OF.h>
#include <constr_CHOICE.h>
#include <constr_SEQUENCE.h>
#include <constr_SEQUENCE_OF.h>
#include <constr_SET_OF.h>

#include <cctype>
#include <cstring>
#include <string>

namespace euiccsim::scenario {

namespace {

using json = nlohmann::json;

int collect(const void* buffer, size_t size, void* out) {
  static_cast<std::string*>(out)->append(static_cast<const char*>(buffer), size);
  return 0;
}

std::string xer_text(asn_TYPE_descriptor_t* td, const void* value) {
  std::string out;
  xer_encode(td, const_cast<void*>(value), XER_F_CANONICAL, collect, &out);
  return out;
}

std::string unescape(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out.push_back(s[i]);
      continue;
    }
    auto semi = s.find(';', i);
    if (semi == std::string_view::npos) {
      out.push_back(s[i]);
      continue;
    }
    auto entity = s.substr(i + 1, semi - i - 1);
    if (entity == "lt") {
      out.push_back('<');
    } else if (entity == "gt") {
      out.push_back('>');
    } else if (entity == "amp") {
      out.push_back('&');
    } else if (entity == "quot") {
      out.push_back('"');
    } else if (entity == "apos") {
      out.push_back('\'');
    } else if (!entity.empty() && entity[0] == '#') {
      // asn1c writes control characters as &#N; (decimal).
      unsigned long code = std::strtoul(std::string(entity.substr(1)).c_str(), nullptr, 10);
      out.push_back(static_cast<char>(code & 0xFF));
    } else {
      out.append(s.substr(i, semi - i + 1));
    }
    i = semi;
  }
  return out;
}

// The content of `<tag>content</tag>`, or "" for `<tag/>`.
std::string inner(const std::string& xer) {
  if (xer.size() >= 2 && xer.compare(xer.size() - 2, 2, "/>") == 0 &&
      xer.find('>') == xer.size() - 1)
    return "";
  auto open = xer.find('>');
  auto close = xer.rfind("</");
  if (open == std::string::npos || close == std::string::npos || close < open) return xer;
  return xer.substr(open + 1, close - open - 1);
}

bool is(const asn_TYPE_descriptor_t* td, xer_type_encoder_f* f) {
  return td->xer_encoder == f;
}

// INTEGER and ENUMERATED: the name the module gives the value, else the number. (asn1c's XER
// writes names for INTEGER_t but not for native integers.)
std::optional<json> integer(asn_TYPE_descriptor_t* td, const void* value,
                            const std::string& member) {
  long v = 0;
  if (is(td, NativeInteger_encode_xer) || is(td, NativeEnumerated_encode_xer)) {
    v = *static_cast<const long*>(value);
  } else if (is(td, INTEGER_encode_xer)) {
    if (asn_INTEGER2long(static_cast<const INTEGER_t*>(value), &v) != 0) return std::nullopt;
  } else {
    return std::nullopt;
  }
  auto specs = static_cast<const asn_INTEGER_specifics_t*>(td->specifics);
  if (specs && specs->map_count > 0) {
    if (const auto* e = INTEGER_map_value2enum(const_cast<asn_INTEGER_specifics_t*>(specs), v))
      return json(std::string(e->enum_name, e->enum_len));
  }
  // The module's own names (the one table, asn1_names.hpp): the member's, else the type's.
  // A member "Owner.member" is asn1c's compound scope "Owner__member".
  std::string scope = member;
  for (auto at = scope.find('.'); at != std::string::npos; at = scope.find('.', at + 2))
    scope.replace(at, 1, "__");
  for (const std::string& key : {scope, std::string(td->name ? td->name : "")}) {
    if (key.empty()) continue;
    if (const char* name = asn1::number_name(key, v)) return json(name);
  }
  return json(v);
}

json primitive(asn_TYPE_descriptor_t* td, const void* value, const std::string& member) {
  if (auto n = integer(td, value, member)) return *n;
  const std::string content = inner(xer_text(td, value));
  if (is(td, OCTET_STRING_encode_xer) || is(td, ANY_encode_xer)) {
    std::string hex;
    for (char c : content) {
      if (std::isxdigit(static_cast<unsigned char>(c)))
        hex.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    }
    return hex;
  }
  if (is(td, BIT_STRING_encode_xer)) {
    std::string bits;
    for (char c : content) {
      if (c == '0' || c == '1') bits.push_back(c);
    }
    return bits;
  }
  if (is(td, OCTET_STRING_encode_xer_utf8)) return unescape(content);
  if (is(td, BOOLEAN_encode_xer)) return content == "<true/>";
  // A named value of INTEGER or ENUMERATED is written <name/>.
  if (content.size() > 3 && content.front() == '<' &&
      content.compare(content.size() - 2, 2, "/>") == 0)
    return content.substr(1, content.size() - 3);
  if (content.empty()) return nullptr;  // NULL
  const bool numeric =
      content.find_first_not_of("-0123456789") == std::string::npos && content != "-";
  if (numeric && content.size() < 19) return std::stoll(content);
  return unescape(content);  // OBJECT IDENTIFIER, times, large integers
}

// `member`: "Owner.member" when the value is a component of a SEQUENCE or CHOICE.
json walk(asn_TYPE_descriptor_t* td, const void* value, int depth, const std::string& member = {});

const void* member_value(const asn_TYPE_member_t& m, const void* base) {
  const char* p = static_cast<const char*>(base) + m.memb_offset;
  if (m.flags & ATF_POINTER) return *reinterpret_cast<const void* const*>(p);
  return p;
}

json walk(asn_TYPE_descriptor_t* td, const void* value, int depth, const std::string& member) {
  if (value == nullptr) return nullptr;
  (void)member;
  if (depth > 64) throw asn1::DecodeError("value nested too deeply", 0);
  if (is(td, SEQUENCE_encode_xer)) {  // no SET in the SGP modules
    json o = json::object();
    for (int i = 0; i < td->elements_count; ++i) {
      const auto& m = td->elements[i];
      const void* v = member_value(m, value);
      if (v == nullptr) continue;  // absent OPTIONAL
      o[m.name] = walk(m.type, v, depth + 1, std::string(td->name) + "." + m.name);
    }
    return o;
  }
  if (is(td, CHOICE_encode_xer)) {
    auto specs = static_cast<const asn_CHOICE_specifics_t*>(td->specifics);
    int present = 0;
    const char* base = static_cast<const char*>(value);
    switch (specs->pres_size) {
      case 1: {
        std::int8_t p;
        std::memcpy(&p, base + specs->pres_offset, 1);
        present = p;
        break;
      }
      case 2: {
        std::int16_t p;
        std::memcpy(&p, base + specs->pres_offset, 2);
        present = p;
        break;
      }
      default:
        std::memcpy(&present, base + specs->pres_offset, sizeof present);
    }
    if (present <= 0 || present > td->elements_count) return json::object();
    const auto& m = td->elements[present - 1];
    json o = json::object();
    o[m.name] =
        walk(m.type, member_value(m, value), depth + 1, std::string(td->name) + "." + m.name);
    return o;
  }
  if (is(td, SEQUENCE_OF_encode_xer) || is(td, SET_OF_encode_xer)) {
    const auto* list = static_cast<const asn_anonymous_set_*>(value);
    json a = json::array();
    asn_TYPE_descriptor_t* element = td->elements[0].type;
    for (int i = 0; i < list->count; ++i) a.push_back(walk(element, list->array[i], depth + 1));
    return a;
  }
  return primitive(td, value, member);
}

}  // namespace

json asn1_to_json(const asn1::Type& type, ByteView der) {
  std::size_t consumed = 0;
  auto value = asn1::decode(type, der, consumed);
  if (consumed != der.size()) throw asn1::DecodeError("trailing bytes after the value", consumed);
  auto* td = const_cast<asn_TYPE_descriptor_t*>(&type);
  // asn1c 0.9.28 fills the descriptors of derived types (X ::= Y) with Y's functions the first
  // time one of them runs; encoding once makes every descriptor below this value final.
  xer_text(td, value.get());
  return walk(td, value.get(), 0);
}

}  // namespace euiccsim::scenario
