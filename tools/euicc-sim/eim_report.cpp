#include "eim_report.hpp"

#include <cctype>

#include "common.hpp"

namespace euiccsim::tools {

namespace {

const char* signature_state(const eim::PackageResult& r, bool checked) {
  if (r.form == eim::PackageResult::Form::kUnsignedError) return "unsigned";
  if (!checked) return "not checked";
  return r.verified ? "verified" : "NOT verified";
}

}  // namespace

json::Value package_result_json(const eim::PackageResult& r, bool checked) {
  auto j = json::Value::object();
  j.set("form", eim::form_name(r.form)).set("eimId", r.eim_id);
  if (r.counter_value) j.set("counterValue", static_cast<std::int64_t>(*r.counter_value));
  if (!r.transaction_id.empty()) j.set("eimTransactionId", to_hex(r.transaction_id));
  if (r.seq_number) j.set("seqNumber", static_cast<std::int64_t>(*r.seq_number));
  if (r.error_code) {
    j.set("errorCode", static_cast<std::int64_t>(*r.error_code));
    j.set("error", eim::named(r.error_name, *r.error_code));
  }
  if (r.association_token)
    j.set("associationToken", static_cast<std::int64_t>(*r.association_token));
  if (r.form == eim::PackageResult::Form::kResult) {
    auto list = json::Value::array();
    for (const auto& item : r.results) {
      auto e = json::Value::object();
      e.set("name", item.name);
      if (item.code) {
        e.set("code", static_cast<std::int64_t>(*item.code));
        if (!item.code_name.empty()) e.set("codeName", item.code_name);
      }
      if (item.association_token)
        e.set("associationToken", static_cast<std::int64_t>(*item.association_token));
      if (item.rules) e.set("rules", static_cast<std::uint64_t>(*item.rules));
      if (item.name == "listEimResult" && !item.code) {
        auto eims = json::Value::array();
        for (const auto& eim : item.eims) {
          auto x = json::Value::object();
          x.set("eimId", eim.id);
          if (eim.type) x.set("eimIdType", static_cast<std::int64_t>(*eim.type));
          eims.push(std::move(x));
        }
        e.set("eims", std::move(eims));
      }
      if (item.name == "listProfileInfoResult" && !item.code) {
        auto profiles = json::Value::array();
        for (const auto& p : item.profiles) {
          auto x = json::Value::object();
          if (!p.iccid.empty()) x.set("iccid", p.iccid);
          if (!p.isdp_aid.empty()) x.set("isdpAid", to_hex(p.isdp_aid));
          if (p.state) x.set("profileState", static_cast<std::int64_t>(*p.state));
          if (!p.name.empty()) x.set("profileName", p.name);
          profiles.push(std::move(x));
        }
        e.set("profiles", std::move(profiles));
      }
      e.set("summary", item.summary());
      list.push(std::move(e));
    }
    j.set("results", std::move(list));
  }
  j.set("signature", signature_state(r, checked));
  j.set("verified", r.verified);
  return j;
}

void print_package_result(std::ostream& out, const eim::PackageResult& r, bool checked) {
  out << eim::form_name(r.form) << " from eIM '" << r.eim_id << "'";
  if (r.counter_value) out << ", counterValue " << *r.counter_value;
  if (!r.transaction_id.empty()) out << ", eimTransactionId " << to_hex(r.transaction_id);
  if (r.seq_number) out << ", seqNumber " << *r.seq_number;
  out << '\n';
  if (r.error_code) out << "  error " << eim::named(r.error_name, *r.error_code) << '\n';
  if (r.association_token) out << "  associationToken " << *r.association_token << '\n';
  for (const auto& item : r.results) out << "  " << item.summary() << '\n';
  out << "  signature: " << signature_state(r, checked) << '\n';
}

Bytes read_der_or_hex(const std::string& path) {
  Bytes raw = read_file(path);
  std::string digits;
  for (std::uint8_t c : raw) {
    if (!std::isspace(c)) digits += static_cast<char>(c);
  }
  // No DER value we read is all hex-digit characters: BF51's BF, A0's A0 and most lengths
  // are not ASCII, so text of hex digits is hex.
  if (!digits.empty() && digits.size() % 2 == 0 &&
      digits.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos) {
    return from_hex(digits);
  }
  return raw;
}

}  // namespace euiccsim::tools
