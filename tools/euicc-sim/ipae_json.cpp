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
  j.set("supported", s.config.ipae.has_value());
  j.set("active", s.ipae_active());
  if (const auto& c = s.config.ipae) {
    auto cfg = json::Value::object();
    cfg.set("poll_interval_s", c->poll_interval_s)
        .set("poll_jitter_s", c->poll_jitter_s)
        .set("backoff_min_s", c->backoff_min_s)
        .set("backoff_max_s", c->backoff_max_s)
        .set("rollback_after_failures", c->rollback_after_failures)
        .set("minimize_esipa_bytes", c->minimize_esipa_bytes)
        .set("tac", to_hex(c->tac))
        .set("terminal_conflict", c->terminal_conflict)
        .set("tls_ca_certificates", static_cast<std::uint64_t>(c->tls_ca_certificates.size()));
    if (!c->imei.empty()) cfg.set("imei", to_hex(c->imei));
    if (!c->rplmn.empty()) cfg.set("rplmn", to_hex(c->rplmn));
    j.set("configuration", std::move(cfg));
  }
  const auto& st = s.ipae;
  j.set("next_poll", iso_time(st.next_poll_ms))
      .set("last_cycle", st.last_cycle_ms ? iso_time(st.last_cycle_ms) : std::string("never"))
      .set("cycles", st.cycles)
      .set("packages", st.packages)
      .set("failed_cycles", st.failed_cycles);
  if (!st.last_error.empty()) j.set("last_error", st.last_error);
  if (const auto& f = st.in_flight) {
    auto in = json::Value::object();
    in.set("kind", in_flight_kind_name(f->kind)).set("eim_id", f->eim_id).set("step", f->step);
    if (!f->eim_transaction_id.empty()) in.set("eim_transaction_id", to_hex(f->eim_transaction_id));
    if (f->kind == IpaeState::InFlight::Kind::kDownload) in.set("indirect", f->indirect);
    j.set("in_flight", std::move(in));
  }
  if (const auto& w = st.rollback_watch) {
    j.set("rollback_watch", json::Value::object()
                                .set("eim_id", w->eim_id)
                                .set("seq_number", w->seq_number)
                                .set("failures", w->failures));
  }
  auto views = json::Value::array();
  for (const auto& v : st.eim_views) {
    auto e = json::Value::object();
    e.set("eim_id", v.eim_id).set("enabled_iccid", to_hex(v.enabled_iccid));
    if (v.cause) e.set("pending_cause", static_cast<int>(*v.cause));
    views.push(std::move(e));
  }
  j.set("eim_views", std::move(views));
  if (st.iot_device_capabilities)
    j.set("terminal_iot_capabilities", to_hex(*st.iot_device_capabilities));
  return j;
}

}  // namespace euiccsim::tools
