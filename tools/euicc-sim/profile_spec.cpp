#include "profile_spec.hpp"

#include <algorithm>
#include <initializer_list>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "euiccsim/simulator/json.hpp"

namespace euiccsim::tools {
namespace {

using profiles::ProfileSpec;

[[noreturn]] void bad(const std::string& field, const std::string& why) {
  throw std::invalid_argument(field + ": " + why);
}

bool is_object(const json::Value& v) {
  return v.is_object();
}
bool is_array(const json::Value& v) {
  return v.is_array();
}

// An object's member names, in order.
std::vector<std::string> names_of(const json::Value& object) {
  std::vector<std::string> names;
  for (const auto& [name, value] : object.items()) names.push_back(name);
  return names;
}

const json::Value& elements_of(const json::Value& array) {
  return array;
}

std::string join(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}

void expect_object(const json::Value& v, const std::string& field) {
  if (!is_object(v)) bad(field, "an object expected");
}

// Refuses names outside `known` and names given twice.
void check_names(const json::Value& object, const std::string& prefix,
                 std::initializer_list<std::string_view> known) {
  std::set<std::string> seen;
  for (const auto& name : names_of(object)) {
    if (std::find(known.begin(), known.end(), name) == known.end())
      bad(join(prefix, name), "unknown field");
    if (!seen.insert(name).second)
      bad(join(prefix, name), "given twice");  // json::parse refuses it too
  }
}

std::optional<std::string> text(const json::Value& object, const std::string& prefix,
                                const char* name) {
  const json::Value* v = json::member(object, name);
  if (v == nullptr) return std::nullopt;
  const std::string* s = json::string_of(v);
  if (s == nullptr) bad(join(prefix, name), "a string expected");
  return *s;
}

std::string required_text(const json::Value& object, const std::string& prefix, const char* name) {
  auto s = text(object, prefix, name);
  if (!s) bad(join(prefix, name), "missing");
  return *s;
}

std::optional<bool> flag(const json::Value& object, const char* name) {
  const json::Value* v = json::member(object, name);
  if (v == nullptr) return std::nullopt;
  auto b = json::boolean_of(v);
  if (!b) bad(name, "true or false expected");
  return *b;
}

std::optional<std::int64_t> number(const json::Value& object, const char* name, std::int64_t min,
                                   std::int64_t max) {
  const json::Value* v = json::member(object, name);
  if (v == nullptr) return std::nullopt;
  auto n = json::integer_of(v);
  if (!n || *n < min || *n > max)
    bad(name,
        "an integer from " + std::to_string(min) + " to " + std::to_string(max) + " expected");
  return *n;
}

Bytes hex(const std::string& field, const std::string& s) {
  try {
    return from_hex(s);
  } catch (const HexError& e) {
    bad(field, std::string("not hex: ") + e.what());
  }
}

void read_retries(const json::Value& doc, const char* name, std::uint8_t& out) {
  if (auto n = number(doc, name, 1, 15)) out = static_cast<std::uint8_t>(*n);
}

profiles::IsimSpec read_isim(const json::Value& v) {
  expect_object(v, "isim");
  check_names(v, "isim", {"impi", "impu", "domain"});
  profiles::IsimSpec isim;
  isim.impi = required_text(v, "isim", "impi");
  isim.domain = required_text(v, "isim", "domain");
  // One public identity as a string, several as an array of strings.
  const json::Value* impu = json::member(v, "impu");
  if (impu == nullptr) bad("isim.impu", "missing");
  if (const std::string* one = json::string_of(impu)) {
    isim.impu.push_back(*one);
  } else if (is_array(*impu)) {
    auto elements = elements_of(*impu);
    for (std::size_t i = 0; i < elements.size(); ++i) {
      const std::string* s = json::string_of(&elements[i]);
      if (s == nullptr) bad("isim.impu[" + std::to_string(i) + "]", "a string expected");
      isim.impu.push_back(*s);
    }
  } else {
    bad("isim.impu", "a string or an array of strings expected");
  }
  return isim;
}

std::vector<profiles::FileOverride> read_files(const json::Value& v) {
  if (!is_array(v)) bad("files", "an array expected");
  std::vector<profiles::FileOverride> files;
  auto elements = elements_of(v);
  for (std::size_t i = 0; i < elements.size(); ++i) {
    const std::string prefix = "files[" + std::to_string(i) + "]";
    expect_object(elements[i], prefix);
    check_names(elements[i], prefix, {"path", "content"});
    profiles::FileOverride f;
    f.path = required_text(elements[i], prefix, "path");
    f.content = hex(prefix + ".content", required_text(elements[i], prefix, "content"));
    files.push_back(std::move(f));
  }
  return files;
}

}  // namespace

ProfileSpec parse_profile_spec(std::string_view json_text) {
  std::string why;
  auto doc = json::parse(json_text, &why);
  if (!doc) throw std::invalid_argument("profile spec: not valid JSON (" + why + ")");
  if (!is_object(*doc)) throw std::invalid_argument("profile spec: a JSON object expected");
  check_names(*doc, "",
              {"iccid",       "imsi", "profileType", "spn",         "profileName", "profileClass",
               "algorithm",   "k",    "opc",         "pin1",        "pin2",        "puk1",
               "puk2",        "adm1", "pin1Retries", "pin2Retries", "puk1Retries", "puk2Retries",
               "adm1Retries", "isim", "telecom",     "gsmAccess",   "df5gs",       "dfSaip",
               "mncLength",   "files", "algorithmOptions", "keccakIterations", "sqnDelta",
               "sqnAgeLimit"});
  ProfileSpec spec;

  const std::string iccid = required_text(*doc, "", "iccid");
  spec.iccid = Iccid::parse(iccid);
  if (!spec.iccid) bad("iccid", Iccid::why_invalid(iccid));
  spec.imsi = required_text(*doc, "", "imsi");
  // Checked here where the builder's field names differ from the JSON ones.
  if (auto s = text(*doc, "", "profileType")) {
    if (s->empty() || s->size() > 100) bad("profileType", "1 to 100 bytes expected");
    spec.profile_type = *s;
  }
  if (auto s = text(*doc, "", "spn")) spec.spn = *s;
  if (auto s = text(*doc, "", "profileName")) {
    if (s->size() > 64) bad("profileName", "longer than 64 bytes");
    spec.profile_name = *s;
  }
  if (auto s = text(*doc, "", "profileClass")) {
    if (*s == "test")
      spec.profile_class = profiles::ProfileClass::Test;
    else if (*s == "provisioning")
      spec.profile_class = profiles::ProfileClass::Provisioning;
    else if (*s == "operational")
      spec.profile_class = profiles::ProfileClass::Operational;
    else
      bad("profileClass", "'" + *s + "' is not test, provisioning or operational");
  }
  if (auto s = text(*doc, "", "algorithm")) {
    using Algorithm = profiles::AkaParameterPe::Algorithm;
    if (*s == "milenage")
      spec.algorithm = Algorithm::Milenage;
    else if (*s == "tuak")
      spec.algorithm = Algorithm::Tuak;
    else if (*s == "usim-test-algorithm")
      spec.algorithm = Algorithm::TestAlgorithm;
    else
      bad("algorithm", "'" + *s + "' is not milenage, tuak or usim-test-algorithm");
  }
  const Bytes k = hex("k", required_text(*doc, "", "k"));
  spec.k = SecureBytes(k.begin(), k.end());
  if (auto s = text(*doc, "", "opc")) {
    const Bytes opc = hex("opc", *s);
    spec.opc = SecureBytes(opc.begin(), opc.end());
  }
  // Checked here too, so that errors name the JSON fields.
  if (auto s = text(*doc, "", "algorithmOptions")) {
    const Bytes b = hex("algorithmOptions", *s);
    if (b.size() != 1) bad("algorithmOptions", "one byte expected");
    spec.algorithm_options = b[0];
    const unsigned res = b[0] & 0x07, mac = (b[0] >> 3) & 0x07;
    if (spec.algorithm == profiles::AkaParameterPe::Algorithm::Tuak ? (res > 3 || mac > 2)
        : spec.algorithm == profiles::AkaParameterPe::Algorithm::TestAlgorithm
            ? (res > 2 || (b[0] & 0xF8) != 0)
            : false)
      bad("algorithmOptions", "names output lengths the algorithm does not have (docs/naa.md)");
  }
  if (auto n = number(*doc, "keccakIterations", 1, 255))
    spec.keccak_iterations = static_cast<std::uint8_t>(*n);
  for (const char* name : {"sqnDelta", "sqnAgeLimit"}) {
    auto s = text(*doc, "", name);
    if (!s) continue;
    Bytes b = hex(name, *s);
    if (b.size() != 6 || b[0] > 0x07) bad(name, "6 bytes of at most 07FFFFFFFFFF expected");
    (std::string_view(name) == "sqnDelta" ? spec.sqn_delta : spec.sqn_age_limit) = std::move(b);
  }
  if (auto s = text(*doc, "", "pin1")) spec.pin1 = *s;
  if (auto s = text(*doc, "", "pin2")) spec.pin2 = *s;
  if (auto s = text(*doc, "", "puk1")) spec.puk1 = *s;
  if (auto s = text(*doc, "", "puk2")) spec.puk2 = *s;
  if (auto s = text(*doc, "", "adm1")) spec.adm1 = *s;
  read_retries(*doc, "pin1Retries", spec.pin1_retries);
  read_retries(*doc, "pin2Retries", spec.pin2_retries);
  read_retries(*doc, "puk1Retries", spec.puk1_retries);
  read_retries(*doc, "puk2Retries", spec.puk2_retries);
  read_retries(*doc, "adm1Retries", spec.adm1_retries);
  if (const json::Value* v = json::member(*doc, "isim")) spec.isim = read_isim(*v);
  spec.telecom = flag(*doc, "telecom").value_or(false);
  spec.gsm_access = flag(*doc, "gsmAccess").value_or(false);
  spec.df_5gs = flag(*doc, "df5gs").value_or(false);
  spec.df_saip = flag(*doc, "dfSaip").value_or(false);
  if (auto n = number(*doc, "mncLength", 2, 3)) spec.mnc_length = static_cast<int>(*n);
  if (const json::Value* v = json::member(*doc, "files")) spec.files = read_files(*v);

  // The remaining checks are the builder's, under the same names as the JSON fields.
  profiles::build_profile(spec);
  return spec;
}

}  // namespace euiccsim::tools
