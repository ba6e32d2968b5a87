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
  j["form"] = eim::form_name(r.form);
  j["eimId"] = r.eim_id;
  if (r.counter_value) j["counterValue"] = static_cast<std::int64_t>(*r.counter_value);
  if (!r.transaction_id.empty()) j["eimTransactionId"] = to_hex(r.transaction_id);
  if (r.seq_number) j["seqNumber"] = static_cast<std::int64_t>(*r.seq_number);
  if (r.error_code) {
    j["errorCode"] = static_cast<std::int64_t>(*r.error_code);
    j["error"] = eim::named(r.error_name, *r.error_code);
  }
  if (r.association_token) j["associationToken"] = static_cast<std::int64_t>(*r.association_token);
  if (r.form == eim::PackageResult::Form::kResult) {
    auto list = json::Value::array();
    for (const auto& item : r.results) {
      auto e = json::Value::object();
      e["name"] = item.name;
      if (item.code) {
        e["code"] = static_cast<std::int64_t>(*item.code);
        if (!item.code_name.empty()) e["codeName"] = item.code_name;
      }
      if (item.association_token)
        e["associationToken"] = static_cast<std::int64_t>(*item.association_token);
      if (item.rules) e["rules"] = static_cast<std::uint64_t>(*item.rules);
      if (item.name == "listEimResult" && !item.code) {
        auto eims = json::Value::array();
        for (const auto& eim : item.eims) {
          auto x = json::Value::object();
          x["eimId"] = eim.id;
          if (eim.type) x["eimIdType"] = static_cast<std::int64_t>(*eim.type);
          eims.push_back(std::move(x));
        }
        e["eims"] = std::move(eims);
      }
      if (item.name == "listProfileInfoResult" && !item.code) {
        auto profiles = json::Value::array();
        for (const auto& p : item.profiles) {
          auto x = json::Value::object();
          if (!p.iccid.empty()) x["iccid"] = p.iccid;
          if (!p.isdp_aid.empty()) x["isdpAid"] = to_hex(p.isdp_aid);
          if (p.state) x["profileState"] = static_cast<std::int64_t>(*p.state);
          if (!p.name.empty()) x["profileName"] = p.name;
          profiles.push_back(std::move(x));
        }
        e["profiles"] = std::move(profiles);
      }
      e["summary"] = item.summary();
      list.push_back(std::move(e));
    }
    j["results"] = std::move(list);
  }
  j["signature"] = signature_state(r, checked);
  j["verified"] = r.verified;
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
