// euicc-sim ipae poll|status: the card's own IPA (docs/ipae.md). `poll` runs one poll cycle of
// a card's IPAe, in this process, or through the control socket of a `serve` that runs the
// card; `status` prints what the card image holds of its IPAe.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <ctime>
#include <iostream>

#include "common.hpp"
#include "euiccsim/applets/ipae/clock.hpp"
#include "euiccsim/crypto/tlv.hpp"
#include "euiccsim/simulator/euicc.hpp"
#include "euiccsim/simulator/host/ipae_runner.hpp"
#include "ipae_control.hpp"
#include "serve_status.hpp"

namespace euiccsim::tools {

namespace {

struct PollOptions {
  std::string card;
  bool json = false;
  std::vector<std::string> ca_files;
  unsigned timeout_s = 300;
  bool in_process = false;
};

int run_poll(GlobalOptions& global, const PollOptions& o) {
  auto dir = global.state();
  const std::string eid = choose_card(dir, o.card);
  // A serve that runs the card owns it: ask it (one writer per card).
  if (!o.in_process && read_serve_status(dir.path()).slots.count(eid)) {
    const auto reply = ipae_control_poll(dir.path(), eid, std::chrono::seconds(o.timeout_s));
    if (o.json) {
      std::cout << json::dump(reply) << std::endl;
    } else {
      print_cycle_report(eid, reply, std::cout);
    }
    return json::boolean_of(json::member(reply, "ok")).value_or(false) ? 0 : 1;
  }
  auto claimed = claim_card(dir, eid);
  auto& state = claimed.state;
  if (!state.config.ipae) {
    throw std::runtime_error("card " + eid + " has no IPAe (card new --personality iot --ipae)");
  }
  std::vector<Bytes> cas;
  for (const auto& f : o.ca_files) cas.push_back(certificate_option("--ca", f));
  auto card = sim::make_euicc(std::move(state), crypto::Drbg::from_os(), claimed.persist);
  if (auto bus = global.trace_bus()) card->set_trace(bus);
  applets::ipae::SystemClock clock;
  sim::host::IpaeRunner::Options ro;
  ro.ipae.extra_ca_certificates = cas;
  if (!o.json) {
    ro.log = [](const std::string& id, const std::string& line) {
      std::cout << id << " " << line << std::endl;
    };
  }
  sim::host::IpaeRunner runner(clock, ro);
  runner.add(*card, crypto::Drbg::from_os());
  const auto report = runner.poll_all(std::chrono::seconds(o.timeout_s)).front();
  const auto j = cycle_report_json(eid, report);
  if (o.json) {
    std::cout << json::dump(j) << std::endl;
  } else {
    print_cycle_report(eid, j, std::cout);
  }
  return report.ok ? 0 : 1;
}

}  // namespace

json::Value cycle_report_json(const std::string& eid, const applets::ipae::CycleReport& r) {
  auto j = json::Value::object();
  j["eid"] = eid;
  j["ok"] = r.ok;
  j["eims"] = r.eims;
  j["packages"] = r.packages;
  j["exchanges"] = r.exchanges;
  if (!r.ok) j["error"] = r.error;
  if (r.next_poll.time_since_epoch().count() != 0)
    j["next_poll"] = iso_time(applets::ipae::unix_ms(r.next_poll));
  return j;
}

void print_cycle_report(const std::string& eid, const json::Value& j, std::ostream& out) {
  auto text = [&](const char* k) {
    const auto* v = json::string_of(json::member(j, k));
    return v ? *v : std::string();
  };
  auto number = [&](const char* k) { return json::integer_of(json::member(j, k)).value_or(0); };
  if (json::boolean_of(json::member(j, "ok")).value_or(false)) {
    out << eid << " poll cycle ok: " << number("eims") << " eIM(s), " << number("packages")
        << " package(s), " << number("exchanges") << " exchange(s); next poll " << text("next_poll")
        << '\n';
  } else {
    out << eid << " poll cycle failed: " << text("error");
    if (!text("next_poll").empty()) out << "; next poll " << text("next_poll");
    out << '\n';
  }
}

Bytes read_eim_configuration_file(const std::string& path) {
  Bytes raw = read_file(path);
  // DER ('30' ...) as `eim config -o` writes it, or the hex of `eim config --hex`.
  if (!raw.empty() && raw[0] != 0x30) {
    std::string text(raw.begin(), raw.end());
    try {
      raw = from_hex(text.substr(0, text.find_last_not_of(" \r\n\t") + 1));
    } catch (const HexError&) {
      throw UsageError("--eim-config " + path + ": neither DER nor hex of an EimConfigurationData");
    }
  }
  auto t = tlv::read(raw);
  if (!t || t->tag != 0x30 || t->size != raw.size())
    throw UsageError("--eim-config " + path + ": not one EimConfigurationData ('30' ...)");
  return raw;
}

void add_ipae_commands(CLI::App& app, GlobalOptions& global) {
  auto* ipae = app.add_subcommand("ipae", "The card's own IPA (IPAe): poll its eIMs, show it");
  ipae->require_subcommand(1);
  ipae->footer(
      "A card made with `card new --personality iot --ipae` has an IPA inside: once\n"
      "IpaeActivation selects it, it polls its eIMs over ESipa (HTTPS), carries out their\n"
      "packages and reports the results. `serve` runs it on its schedule.\n"
      "Example:\n"
      "  euicc-sim ipae poll --card EID\n"
      "  euicc-sim ipae status --card EID --json");

  auto po = std::make_shared<PollOptions>();
  auto* poll = ipae->add_subcommand("poll", "Run one poll cycle of a card's IPAe now");
  poll->add_option("--card", po->card, "The card's EID (optional when there is only one card)");
  poll->add_option("--ca", po->ca_files,
                   "Also trust this CA certificate for the eIM's and SM-DP+'s TLS (DER or PEM; "
                   "repeatable)");
  poll->add_option("--timeout", po->timeout_s, "Give the cycle at most this many seconds")
      ->capture_default_str();
  poll->add_flag("--in-process", po->in_process,
                 "Run the cycle here even if a serve runs the card (it must not write it then)");
  poll->add_flag("--json", po->json,
                 "One JSON object: eid, ok, error, eims, packages, exchanges, "
                 "next_poll");
  poll->footer(
      "Prints one line per ESipa or ES9+ exchange, then the cycle's outcome. When `serve` runs\n"
      "the card, the cycle runs there (through serve's control socket) and only the outcome\n"
      "comes back. Exit status 0 when every eIM was reached and every package reported.\n"
      "Example:\n"
      "  euicc-sim ipae poll --card 89049032123451234512345678901235 --ca /tmp/pki/nist/ci.pem");
  poll->callback([&global, po] {
    const int rc = run_poll(global, *po);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });

  auto so = std::make_shared<PollOptions>();
  auto* status = ipae->add_subcommand("status", "What the card image holds of its IPAe");
  status->add_option("--card", so->card, "The card's EID (optional when there is only one card)");
  status->add_flag("--json", so->json, "The same as JSON");
  status->footer("Example:\n  euicc-sim ipae status --card EID");
  status->callback([&global, so] {
    auto dir = global.state();
    const std::string eid = choose_card(dir, so->card);
    const auto s = dir.load(eid);
    auto j = ipae_json(s);
    auto eims = json::Value::array();
    for (const auto& e : s.eims) {
      auto x = json::Value::object();
      x["eim_id"] = e.eim_id;
      if (e.fqdn) x["fqdn"] = *e.fqdn;
      eims.push_back(std::move(x));
    }
    j["eims"] = std::move(eims);
    if (so->json) {
      std::cout << j.dump(2) << '\n';
      return;
    }
    std::cout << "card " << eid << ": ";
    if (!s.config.ipae) {
      std::cout << "no IPAe (card new --personality iot --ipae)\n";
      return;
    }
    const auto& st = s.ipae;
    std::cout << (s.ipae_active() ? "IPAe active" : "IPAe present, not active (ipaMode ipad)")
              << "\n  next poll " << iso_time(st.next_poll_ms) << ", every "
              << s.config.ipae->poll_interval_s << " s\n  " << st.cycles << " cycle(s), "
              << st.packages << " package(s), " << st.failed_cycles << " failed in a row\n";
    if (!st.last_error.empty()) std::cout << "  last error: " << st.last_error << '\n';
    if (st.in_flight) {
      std::cout << "  in flight: " << in_flight_kind_name(st.in_flight->kind) << " of "
                << st.in_flight->eim_id << ", step " << int(st.in_flight->step) << '\n';
    }
    if (st.rollback_watch) {
      std::cout << "  rollback watch: " << st.rollback_watch->eim_id << ", "
                << st.rollback_watch->failures << " failure(s)\n";
    }
    for (const auto& e : s.eims) {
      std::cout << "  eIM " << e.eim_id << " at " << (e.fqdn ? *e.fqdn : "(no eimFqdn)") << '\n';
    }
  });
}

}  // namespace euiccsim::tools
