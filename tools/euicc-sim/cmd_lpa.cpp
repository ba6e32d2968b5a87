// euicc-sim lpa: the LPA role for scripts (docs/download.md): a whole profile download
// against any ES9+ server (ours, osmo-smdpp), and delivery of pending notifications, to a card
// in a PC/SC reader or one of the state directory run in-process.
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <map>

#include "asn1_names.hpp"
#include "common.hpp"
#include "es10_link.hpp"
#include "lpa/download.hpp"
#include "smdp/https.hpp"

namespace euiccsim::tools {

namespace {

struct TlsOptions {
  std::string ca;
  bool insecure = false;
};

struct DownloadOptions {
  CardLinkOptions card;
  TlsOptions tls;
  std::string smdp;
  std::string matching_id;
  std::string activation_code;
  std::optional<std::string> confirmation_code;
  bool no_notify = false;
  std::optional<std::size_t> stop_after_pieces;
  bool json = false;
};

struct NotifyOptions {
  CardLinkOptions card;
  TlsOptions tls;
  bool json = false;
};

void add_tls_options(CLI::App* cmd, TlsOptions& o) {
  auto* ca = cmd->add_option("--ca", o.ca,
                             "Trust only these CA certificates (PEM) for the servers' TLS "
                             "(a test PKI's ci.pem); default: the system's");
  auto* insecure = cmd->add_flag("--insecure-tls", o.insecure,
                                 "Do not verify the servers' TLS certificates (test servers)");
  ca->excludes(insecure);
}

// ES9+ clients by notification address, made as they are needed, with the same TLS options.
class Servers {
 public:
  explicit Servers(const TlsOptions& tls) : tls_(tls) {}
  smdp::Es9Plus& at(const std::string& address) {
    auto it = clients_.find(address);
    if (it == clients_.end()) {
      smdp::TlsClientOptions t;
      t.ca_file = tls_.ca;
      t.insecure = tls_.insecure;
      auto post = smdp::https_post(address, t);
      it = clients_
               .emplace(address, std::make_unique<smdp::Es9PlusJsonClient>(
                                     [this, post](const std::string& path, const std::string& b) {
                                       auto start = std::chrono::steady_clock::now();
                                       auto r = post(path, b);
                                       es9_seconds += std::chrono::duration<double>(
                                                          std::chrono::steady_clock::now() - start)
                                                          .count();
                                       return r;
                                     }))
               .first;
    }
    return *it->second;
  }
  double es9_seconds = 0;

 private:
  TlsOptions tls_;
  std::map<std::string, std::unique_ptr<smdp::Es9PlusJsonClient>> clients_;
};

json::Value outcomes_json(const std::vector<lpa::NotificationOutcome>& all) {
  auto a = json::Value::array();
  for (const auto& n : all) {
    auto j = json::Value::object();
    j["seqNumber"] = n.seq_number;
    j["event"] = n.event;
    j["address"] = n.address;
    j["delivered"] = n.delivered;
    if (!n.error.empty()) j["error"] = n.error;
    a.push_back(std::move(j));
  }
  return a;
}

void print_outcomes(const std::vector<lpa::NotificationOutcome>& all) {
  for (const auto& n : all) {
    std::cout << "notification " << n.seq_number << " (" << n.event << ") to " << n.address << ": "
              << (n.delivered ? "delivered" : "NOT delivered: " + n.error) << '\n';
  }
}

// LPA:1$SMDP$MATCHING_ID[$OID[$CC_FLAG]] (SGP.22 §4.1).
void parse_activation_code(const std::string& ac, std::string& smdp, std::string& matching) {
  if (ac.rfind("LPA:", 0) != 0 && ac.rfind("1$", 0) != 0)
    throw UsageError("--activation-code: expected LPA:1$SMDP$MATCHING_ID");
  std::string s = ac.rfind("LPA:", 0) == 0 ? ac.substr(4) : ac;
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    auto d = s.find('$', start);
    parts.push_back(s.substr(start, d - start));
    if (d == std::string::npos) break;
    start = d + 1;
  }
  if (parts.size() < 3 || parts[0] != "1" || parts[1].empty())
    throw UsageError("--activation-code: expected LPA:1$SMDP$MATCHING_ID");
  smdp = parts[1];
  matching = parts[2];
}

struct StopAfterPieces {};

int run_download(GlobalOptions& global, const DownloadOptions& o) {
  std::string smdp_address = o.smdp, matching = o.matching_id;
  if (!o.activation_code.empty()) {
    if (!o.smdp.empty() || !o.matching_id.empty())
      throw UsageError("--activation-code replaces --smdp and --matching-id");
    parse_activation_code(o.activation_code, smdp_address, matching);
  }
  if (smdp_address.empty()) throw UsageError("give --smdp HOST[:PORT] (or --activation-code)");
  try {
    smdp::split_host_port(smdp_address, 443);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--smdp: ") + e.what());
  }
  auto copts = channel_options(o.card);
  auto link = open_link(global, o.card);
  Es10Channel channel(*link, copts);
  double es10_seconds = 0;
  lpa::Es10 es10 = [&](ByteView request) {
    auto start = std::chrono::steady_clock::now();
    Bytes r = channel.call(request);
    es10_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return r;
  };
  Servers servers(o.tls);
  lpa::DownloadRequest request;
  request.smdp_address = smdp_address;
  request.matching_id = matching;
  request.confirmation_code = o.confirmation_code;

  lpa::Progress progress;
  int step_no = 0;
  const bool stderr_tty = ::isatty(2) != 0;
  progress.step = [&](lpa::Step s) {
    ++step_no;
    if (o.json) {
      auto j = json::Value::object();
      j["event"] = "step";
      j["step"] = lpa::step_name(s);
      std::cout << json::dump(j) << std::endl;
    } else {
      std::cerr << "[" << step_no << "/8] " << lpa::step_name(s) << std::endl;
    }
  };
  progress.segment = [&](std::size_t sent, std::size_t total) {
    if (o.json) {
      auto j = json::Value::object();
      j["event"] = "piece";
      j["sent"] = static_cast<std::uint64_t>(sent);
      j["total"] = static_cast<std::uint64_t>(total);
      std::cout << json::dump(j) << std::endl;
    } else if (stderr_tty) {
      std::cerr << "\r      piece " << sent << "/" << total << (sent == total ? "\n" : "")
                << std::flush;
    } else if (sent == total) {
      std::cerr << "      " << total << " pieces\n";
    }
    if (o.stop_after_pieces && sent == *o.stop_after_pieces && sent < total)
      throw StopAfterPieces{};
  };

  lpa::DownloadResult result;
  try {
    result = lpa::download(es10, servers.at(smdp_address), request, progress);
  } catch (const StopAfterPieces&) {
    if (!o.json) std::cerr << "\n";
    std::cerr << "euicc-sim: stopped after " << *o.stop_after_pieces
              << " piece(s) of the Bound Profile Package, as asked\n";
    return 1;  // the download did not complete: a failure like any other (README: exit status)
  } catch (const lpa::DownloadError& e) {
    if (o.json) {
      auto j = json::Value::object();
      j["event"] = "result";
      j["installed"] = false;
      j["step"] = e.step;
      j["error"] = e.what();
      std::cout << json::dump(j) << std::endl;
    }
    std::cerr << "euicc-sim: download failed at " << e.what() << '\n';
    return 1;
  }

  std::vector<lpa::NotificationOutcome> notified;
  if (!o.no_notify) {
    // The install notification (and any other for this SM-DP+) goes now, as an LPA does.
    notified = lpa::process_notifications(es10, [&](const std::string& to) -> smdp::Es9Plus* {
      return to == smdp_address ? &servers.at(to) : nullptr;
    });
    notified.erase(std::remove_if(notified.begin(), notified.end(),
                                  [](const auto& n) { return !n.delivered && n.error.empty(); }),
                   notified.end());
  }
  if (o.json) {
    auto j = json::Value::object();
    j["event"] = "result";
    j["installed"] = result.installed;
    j["transactionId"] = to_hex(result.transaction_id);
    j["pieces"] = static_cast<std::uint64_t>(result.segments);
    if (!result.iccid.empty()) j["iccid"] = result.iccid;
    if (result.installed) j["isdpAid"] = to_hex(result.isdp_aid);
    if (result.bpp_command_id) {
      j["bppCommandId"] = *result.bpp_command_id;
      if (const char* n = asn1::number_name("BppCommandId", *result.bpp_command_id))
        j["bppCommandIdName"] = n;
    }
    if (result.error_reason) {
      j["errorReason"] = *result.error_reason;
      if (const char* n = asn1::number_name("ErrorReason", *result.error_reason))
        j["errorReasonName"] = n;
    }
    j["profileInstallationResult"] = to_hex(result.profile_installation_result);
    // Time spent waiting for the card (ES10, transport included) and for the SM-DP+ (ES9+).
    j["es10Us"] = static_cast<std::int64_t>(es10_seconds * 1e6);
    j["es9Us"] = static_cast<std::int64_t>(servers.es9_seconds * 1e6);
    j["notifications"] = outcomes_json(notified);
    std::cout << json::dump(j) << std::endl;
  } else {
    if (result.installed) {
      std::cout << "installed ICCID " << result.iccid << " in ISD-P " << to_hex(result.isdp_aid)
                << " (" << result.segments << " pieces; card "
                << static_cast<int>(es10_seconds * 1000) << " ms, SM-DP+ "
                << static_cast<int>(servers.es9_seconds * 1000) << " ms)\n";
    } else {
      std::cout << "the card refused the package: bppCommandId "
                << (result.bpp_command_id ? asn1::named("BppCommandId", *result.bpp_command_id)
                                          : "none")
                << ", errorReason "
                << (result.error_reason ? asn1::named("ErrorReason", *result.error_reason) : "none")
                << '\n';
    }
    print_outcomes(notified);
  }
  for (const auto& n : notified) {
    if (!n.delivered) return 1;
  }
  return result.installed ? 0 : 1;
}

int run_notify(GlobalOptions& global, const NotifyOptions& o) {
  auto copts = channel_options(o.card);
  auto link = open_link(global, o.card);
  Es10Channel channel(*link, copts);
  lpa::Es10 es10 = [&](ByteView request) { return channel.call(request); };
  Servers servers(o.tls);
  std::vector<lpa::NotificationOutcome> all;
  try {
    all = lpa::process_notifications(es10, [&](const std::string& to) -> smdp::Es9Plus* {
      try {
        return &servers.at(to);
      } catch (const std::invalid_argument&) {
        return nullptr;  // not a host[:port]: nothing to send it to
      }
    });
  } catch (const lpa::DownloadError& e) {
    std::cerr << "euicc-sim: " << e.what() << '\n';
    return 1;
  }
  if (o.json) {
    auto j = json::Value::object();
    j["notifications"] = outcomes_json(all);
    std::cout << json::dump(j) << std::endl;
  } else {
    if (all.empty()) std::cout << "no pending notification\n";
    print_outcomes(all);
  }
  for (const auto& n : all) {
    if (!n.delivered) return 1;
  }
  return 0;
}

}  // namespace

void add_lpa_commands(CLI::App& app, GlobalOptions& global) {
  auto* lpa = app.add_subcommand("lpa",
                                 "The LPA role for scripts: download profiles, deliver "
                                 "notifications (ES10 to the card, ES9+ to the SM-DP+)");
  lpa->require_subcommand(1);
  lpa->footer(
      "Examples:\n"
      "  euicc-sim lpa download --card EID --activation-code 'LPA:1$localhost:8443$TS48v1_A' "
      "--ca /tmp/pki/nist/ci.pem\n"
      "  euicc-sim lpa notifications process --card EID --ca /tmp/pki/nist/ci.pem");

  auto d = std::make_shared<DownloadOptions>();
  auto* dl = lpa->add_subcommand("download",
                                 "Download a profile from an SM-DP+ into the card, then deliver "
                                 "its install notification");
  add_card_link_options(dl, d->card);
  add_tls_options(dl, d->tls);
  dl->add_option("--smdp", d->smdp, "The SM-DP+ address, HOST[:PORT]");
  dl->add_option("--matching-id", d->matching_id, "The matching ID of the activation code");
  dl->add_option("--activation-code", d->activation_code,
                 "LPA:1$SMDP$MATCHING_ID instead of --smdp and --matching-id");
  dl->add_option("--confirmation-code", d->confirmation_code,
                 "The confirmation code, when the SM-DP+ asks for one");
  dl->add_flag("--no-notify", d->no_notify, "Leave the install notification on the card");
  dl->add_option("--stop-after-pieces", d->stop_after_pieces,
                 "Test aid: leave after N pieces of the package, as an LPA that dies would "
                 "(exit status 1, saying so)");
  dl->add_flag("--json", d->json, "JSON lines: each step, each piece, then the result");
  dl->footer(
      "Progress goes to stderr; the result to stdout. Exit status: 0 installed (and notified), "
      "1 refused, not notified or stopped by --stop-after-pieces, 2 usage.\n"
      "Examples:\n"
      "  euicc-sim lpa download --reader 'euicc-sim 00 00' --smdp localhost:8443 "
      "--matching-id TS48v1_A --ca /tmp/pki/nist/ci.pem\n"
      "  euicc-sim lpa download --card EID --activation-code 'LPA:1$localhost:8443$TS48v1_A' "
      "--insecure-tls");
  dl->callback([&global, d] { std::exit(run_download(global, *d)); });

  auto n = std::make_shared<NotifyOptions>();
  auto* notifications = lpa->add_subcommand("notifications", "Pending notifications");
  notifications->require_subcommand(1);
  auto* process = notifications->add_subcommand(
      "process",
      "Deliver every pending notification to the SM-DP+ it names (ES9+ "
      "handleNotification), removing each delivered one from the card");
  add_card_link_options(process, n->card);
  add_tls_options(process, n->tls);
  process->add_flag("--json", n->json, "One JSON object: each notification and its fate");
  process->footer(
      "Exit status: 0 every pending notification delivered (or none pending), 1 one could not\n"
      "be delivered (it stays on the card), 2 usage.\n"
      "Example:\n"
      "  euicc-sim lpa notifications process --card EID --ca /tmp/pki/nist/ci.pem --json");
  notifications->footer(
      "Example:\n"
      "  euicc-sim lpa notifications process --reader 'euicc-sim 00 00' --insecure-tls");
  process->callback([&global, n] { std::exit(run_notify(global, *n)); });
}

}  // namespace euiccsim::tools
