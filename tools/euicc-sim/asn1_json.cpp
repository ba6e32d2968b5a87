#include "asn1_json.hpp"

#include <cctype>

#include "asn1_names.hpp"
#include "euiccsim/crypto/tlv.hpp"

#include <ANY.h>
#include <BIT_STRING.h>
#include <BOOLEAN.h>
#include <GeneralizedTime.h>
#include <INTEGER.h>
#include <NULL.h>
#include <NativeEnumerated.h>
#include <NativeInteger.h>
#include <OBJECT_IDENTIFIER.h>
#include <OCTET_STRING.h>
#include <UTCTime.h>
#include <UTF8String.h>
#include <asn_SET_OF.h>
#include <constr_CHOICE.h>
#include <constr_SEQUENCE.h>
#include <constr_SET_OF.h>

namespace euiccsim::tools {

namespace {

enum class Kind {
  kSequence,
  kChoice,
  kList,
  kNativeInteger,
  kInteger,
  kEnumerated,
  kOctets,
  kText,
  kBits,
  kBoolean,
  kNull,
  kOid,
  kUnknown
};

Kind base_kind(const asn1::Type& t) {
  asn_struct_print_f* p = t.print_struct;
  if (p == SET_OF_print) return Kind::kList;  // SEQUENCE OF prints as SET OF
  if (p == SEQUENCE_print) return Kind::kSequence;
  if (p == CHOICE_print) return Kind::kChoice;
  if (p == asn_DEF_NativeInteger.print_struct) return Kind::kNativeInteger;
  if (p == asn_DEF_NativeEnumerated.print_struct) return Kind::kEnumerated;
  if (p == asn_DEF_INTEGER.print_struct) return Kind::kInteger;
  if (p == asn_DEF_OCTET_STRING.print_struct || p == asn_DEF_ANY.print_struct) return Kind::kOctets;
  if (p == asn_DEF_UTF8String.print_struct || p == asn_DEF_UTCTime.print_struct ||
      p == asn_DEF_GeneralizedTime.print_struct || p == OCTET_STRING_print_utf8)
    return Kind::kText;
  if (p == asn_DEF_BIT_STRING.print_struct) return Kind::kBits;
  if (p == asn_DEF_BOOLEAN.print_struct) return Kind::kBoolean;
  if (p == asn_DEF_NULL.print_struct) return Kind::kNull;
  if (p == asn_DEF_OBJECT_IDENTIFIER.print_struct) return Kind::kOid;
  return Kind::kUnknown;
}

int discard(const void*, size_t, void*) {
  return 0;
}

Kind kind_of(const asn1::Type& type) {
  Kind k = base_kind(type);
  if (k == Kind::kUnknown && type.print_struct != nullptr) {
    // asn1c 0.9.28 gives a type defined as another (TransactionId ::= OCTET STRING) functions
    // of its own, which copy the base type's into the descriptor on first use: one call of
    // one of them, with no value, makes the descriptor show its base.
    auto& t = const_cast<asn1::Type&>(type);
    t.print_struct(&t, nullptr, 0, discard, nullptr);
    k = base_kind(type);
  }
  return k;
}

bool is_integer(Kind k) {
  return k == Kind::kNativeInteger || k == Kind::kInteger || k == Kind::kEnumerated;
}

// Where the names table keeps a value's names: under the type's name for a named type
// ("ProfileState"), under asn1c's compound name for an inline one
// ("EnableProfileResponse__enableResult"). asn1c names an inline constructed type after its
// component, or "Member" for the item of an inline SEQUENCE OF, and gives an inline INTEGER
// the built-in descriptor (NativeInteger) itself.
std::string scope_of(const std::string& parent, const asn1::Type& t, const char* member) {
  const std::string name = t.name ? t.name : "";
  const bool inline_constructed =
      !name.empty() && (std::islower(static_cast<unsigned char>(name[0])) || name == "Member");
  if (inline_constructed && !parent.empty()) return parent + "__" + name;
  if (member != nullptr && *member != '\0' && !parent.empty()) {
    const std::string compound = parent + "__" + member;
    if (asn1::has_names(compound)) return compound;
  }
  return name;
}

const char* name_of(const asn1::Type& t, const std::string& scope, long v) {
  if (const auto* s = static_cast<const asn_INTEGER_specifics_t*>(t.specifics);
      s != nullptr && s->value2enum != nullptr) {
    for (int i = 0; i < s->map_count; ++i)
      if (s->value2enum[i].nat_value == v) return s->value2enum[i].enum_name;
  }
  return asn1::number_name(scope, v);
}

bool has_names(const asn1::Type& t, const std::string& scope) {
  const auto* s = static_cast<const asn_INTEGER_specifics_t*>(t.specifics);
  return (s != nullptr && s->map_count > 0) || asn1::has_names(scope);
}

std::optional<long> integer_value(Kind k, const asn1::Type& t, const void* v) {
  if (k == Kind::kInteger) {
    long out = 0;
    if (asn_INTEGER2long(static_cast<const INTEGER_t*>(v), &out) != 0) return std::nullopt;
    return out;
  }
  if (k == Kind::kNativeInteger) {
    const auto* s = static_cast<const asn_INTEGER_specifics_t*>(t.specifics);
    if (s != nullptr && s->field_unsigned)
      return static_cast<long>(*static_cast<const unsigned long*>(v));
  }
  return *static_cast<const long*>(v);
}

const void* member_value(const void* base, const asn_TYPE_member_t& m) {
  const char* p = static_cast<const char*>(base) + m.memb_offset;
  if (m.flags & ATF_POINTER) return *reinterpret_cast<const void* const*>(p);
  return p;
}

// The 1-based index of a CHOICE's present alternative, 0 for none.
int present_of(const asn1::Type& t, const void* v) {
  const auto* s = static_cast<const asn_CHOICE_specifics_t*>(t.specifics);
  const char* p = static_cast<const char*>(v) + s->pres_offset;
  switch (s->pres_size) {
    case sizeof(int):
      return *reinterpret_cast<const int*>(p);
    case sizeof(short):
      return *reinterpret_cast<const short*>(p);
    case sizeof(char):
      return *reinterpret_cast<const signed char*>(p);
    default:
      return 0;
  }
}

std::string text_of(const OCTET_STRING_t& s) {
  return std::string(reinterpret_cast<const char*>(s.buf), s.size);
}

json::Value convert(const asn1::Type& t, const void* v, const std::string& scope, int depth) {
  if (v == nullptr) return json::Value();
  if (depth > 32) return "...";  // answers nest a handful of levels; never loop
  const Kind k = kind_of(t);
  switch (k) {
    case Kind::kSequence: {
      auto out = json::Value::object();
      for (int i = 0; i < t.elements_count; ++i) {
        const auto& m = t.elements[i];
        const void* mv = member_value(v, m);
        if (mv == nullptr) continue;  // an absent OPTIONAL component
        out[m.name] = convert(*m.type, mv, scope_of(scope, *m.type, m.name), depth + 1);
      }
      return out;
    }
    case Kind::kChoice: {
      const int present = present_of(t, v);
      auto out = json::Value::object();
      if (present >= 1 && present <= t.elements_count) {
        const auto& m = t.elements[present - 1];
        out[m.name] =
            convert(*m.type, member_value(v, m), scope_of(scope, *m.type, m.name), depth + 1);
      }
      return out;
    }
    case Kind::kList: {
      auto out = json::Value::array();
      const auto* list = static_cast<const asn_anonymous_set_*>(v);
      const auto& item = *t.elements[0].type;
      const std::string item_scope = scope_of(scope, item, nullptr);
      for (int i = 0; i < list->count; ++i)
        out.push_back(convert(item, list->array[i], item_scope, depth + 1));
      return out;
    }
    case Kind::kNativeInteger:
    case Kind::kInteger:
    case Kind::kEnumerated: {
      auto n = integer_value(k, t, v);
      if (!n)
        return to_hex(ByteView(static_cast<const INTEGER_t*>(v)->buf,
                               static_cast<const INTEGER_t*>(v)->size));
      if (const char* name = name_of(t, scope, *n)) return name;
      return *n;
    }
    case Kind::kOctets: {
      const auto* s = static_cast<const OCTET_STRING_t*>(v);
      return to_hex(ByteView(s->buf, s->size));
    }
    case Kind::kText:
      return text_of(*static_cast<const OCTET_STRING_t*>(v));
    case Kind::kBits: {
      const auto* b = static_cast<const BIT_STRING_t*>(v);
      const std::size_t bits = b->size * 8 - static_cast<std::size_t>(b->bits_unused);
      if (!asn1::has_names(scope)) {
        auto out = json::Value::object();
        out["hex"] = to_hex(ByteView(b->buf, b->size));
        out["length"] = bits;
        return out;
      }
      auto out = json::Value::array();
      for (std::size_t i = 0; i < bits; ++i) {
        if (!(b->buf[i / 8] & (0x80u >> (i % 8)))) continue;
        const char* name = asn1::number_name(scope, static_cast<long>(i));
        out.push_back(name ? json::Value(name) : json::Value(i));
      }
      return out;
    }
    case Kind::kBoolean:
      return *static_cast<const BOOLEAN_t*>(v) != 0;
    case Kind::kNull:
      return json::Value();
    case Kind::kOid: {
      const auto* o = static_cast<const OBJECT_IDENTIFIER_t*>(v);
      try {
        return tlv::oid_to_dotted(ByteView(o->buf, o->size));
      } catch (const std::exception&) {
        return to_hex(ByteView(o->buf, o->size));
      }
    }
    case Kind::kUnknown:
      break;
  }
  return json::Value();
}

std::optional<Outcome> integer_outcome(const asn_TYPE_member_t& m, const void* v,
                                       const std::string& parent, bool error_alternative) {
  const Kind k = kind_of(*m.type);
  if (!is_integer(k) || v == nullptr) return std::nullopt;
  const std::string scope = scope_of(parent, *m.type, m.name);
  if (!has_names(*m.type, scope)) return std::nullopt;
  if (!error_alternative) {
    const char* zero = name_of(*m.type, scope, 0);
    if (zero == nullptr || std::string(zero) != "ok") return std::nullopt;
  }
  auto n = integer_value(k, *m.type, v);
  if (!n) return std::nullopt;
  const char* name = name_of(*m.type, scope, *n);
  return Outcome{m.name, name ? name : "", *n, !error_alternative && *n == 0};
}

}  // namespace

json::Value asn1_to_json(const asn1::Type& type, const void* value) {
  return convert(type, value, type.name ? type.name : "", 0);
}

std::optional<Outcome> asn1_outcome(const asn1::Type& type, const void* value) {
  if (value == nullptr) return std::nullopt;
  const std::string scope = type.name ? type.name : "";
  const Kind k = kind_of(type);
  if (k == Kind::kSequence) {
    for (int i = 0; i < type.elements_count; ++i) {
      const auto& m = type.elements[i];
      if (auto o = integer_outcome(m, member_value(value, m), scope, false)) return o;
    }
  } else if (k == Kind::kChoice) {
    const int present = present_of(type, value);
    if (present >= 1 && present <= type.elements_count) {
      const auto& m = type.elements[present - 1];
      return integer_outcome(m, member_value(value, m), scope, true);
    }
  }
  return std::nullopt;
}

}  // namespace euiccsim::tools
