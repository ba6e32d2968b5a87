// The IPAe part of `card show` and `ipae status --json`, in the tools library: card_json
// (common.cpp) embeds it, and the scenario runner's state checks read card_json.
#include <ctime>

#include "common.hpp"

namespace euiccsim::tools {

std::string iso_time(std::int64_t unix_ms) {
  if (unix_ms <= 0) return "at once";
  std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

const char* in_flight_kind_name(IpaeState::InFlight::Kind k) {
  switch (k) {
    case IpaeState::InFlight::Kind::kEuiccPackage:
      return "euiccPackage";
    case IpaeState::InFlight::Kind::kIpaEuiccData:
      return "ipaEuiccData";
    case IpaeState::InFlight::Kind::kDownload:
      return "download";
  }
  return "?";
}

json::Value ipae_json(const CardState& s) {
  auto j = json::Value::object();
  j["supported"] = s.config.ipae.has_value();
  j["active"] = s.ipae_active();
  if (const auto& c = s.config.ipae) {
    auto cfg = json::Value::object();
    cfg["poll_interval_s"] = c->poll_interval_s;
    cfg["poll_jitter_s"] = c->poll_jitter_s;
    cfg["backoff_min_s"] = c->backoff_min_s;
    cfg["backoff_max_s"] = c->backoff_max_s;
    cfg["rollback_after_failures"] = c->rollback_after_failures;
    cfg["minimize_esipa_bytes"] = c->minimize_esipa_bytes;
    cfg["tac"] = to_hex(c->tac);
    cfg["terminal_conflict"] = c->terminal_conflict;
    cfg["tls_ca_certificates"] = static_cast<std::uint64_t>(c->tls_ca_certificates.size());
    if (!c->imei.empty()) cfg["imei"] = to_hex(c->imei);
    if (!c->rplmn.empty()) cfg["rplmn"] = to_hex(c->rplmn);
    j["configuration"] = std::move(cfg);
  }
  const auto& st = s.ipae;
  j["next_poll"] = iso_time(st.next_poll_ms);
  j["last_cycle"] = st.last_cycle_ms ? iso_time(st.last_cycle_ms) : std::string("never");
  j["cycles"] = st.cycles;
  j["packages"] = st.packages;
  j["failed_cycles"] = st.failed_cycles;
  if (!st.last_error.empty()) j["last_error"] = st.last_error;
  if (const auto& f = st.in_flight) {
    auto in = json::Value::object();
    in["kind"] = in_flight_kind_name(f->kind);
    in["eim_id"] = f->eim_id;
    in["step"] = f->step;
    if (!f->eim_transaction_id.empty()) in["eim_transaction_id"] = to_hex(f->eim_transaction_id);
    if (f->kind == IpaeState::InFlight::Kind::kDownload) in["indirect"] = f->indirect;
    j["in_flight"] = std::move(in);
  }
  if (const auto& w = st.rollback_watch) {
    j["rollback_watch"] = json::Value{
        {"eim_id", w->eim_id}, {"seq_number", w->seq_number}, {"failures", w->failures}};
  }
  auto views = json::Value::array();
  for (const auto& v : st.eim_views) {
    auto e = json::Value::object();
    e["eim_id"] = v.eim_id;
    e["enabled_iccid"] = to_hex(v.enabled_iccid);
    if (v.cause) e["pending_cause"] = static_cast<int>(*v.cause);
    views.push_back(std::move(e));
  }
  j["eim_views"] = std::move(views);
  if (st.iot_device_capabilities)
    j["terminal_iot_capabilities"] = to_hex(*st.iot_device_capabilities);
  return j;
}

}  // namespace euiccsim::tools
