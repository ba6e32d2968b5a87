// euicc-sim eim: the test eIM of SGP.32 v1.2. Its offline half (docs/sgp32.md, "eIM and IPAd
// tooling"): EimConfigurationData files for AddInitialEim and the addEim/updateEim eCOs,
// signed eUICC packages (BF51) of PSMOs or eCOs, verification of what a card answers; the
// bytes go to a card with `euicc-sim ipa`. Its online half (docs/eim.md): `eim serve` speaks
// ESipa over HTTPS with per-EID queues in SQLite, filled by `eim queue` (or the admin API)
// and read by `eim status`.
#include <pthread.h>
#include <signal.h>

#include <chrono>
#include <ctime>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>

#include "common.hpp"
#include "eim/admin_api.hpp"
#include "eim/eim.hpp"
#include "eim/esipa_https.hpp"
#include "eim/euicc_package.hpp"
#include "eim_report.hpp"
#include "euiccsim/applets/eid.hpp"
#include "euiccsim/simulator/identity.hpp"
#include "smdp/https.hpp"
#include "tls/identity.hpp"

namespace euiccsim::tools {

namespace {

struct KeySource {
  std::string pki;
  std::string curve = "nist";
};

struct ConfigOptions {
  KeySource source;
  std::string cert;
  std::string eim_id;
  std::optional<std::string> fqdn;
  std::optional<std::string> id_type;
  std::optional<long> counter;
  bool want_token = false;
  std::optional<std::string> ci_pkid;
  bool key_only = false;
  std::vector<std::string> protocols;
  bool indirect = false;
  std::string out;
  bool hex = false;
};

struct PackageOptions {
  KeySource source;
  std::string key;
  std::string eim_id;
  long counter = 0;
  std::string eid;
  std::optional<long> association_token;
  std::optional<std::string> transaction_id;
  std::vector<std::string> psmos;
  std::vector<std::string> ecos;
  std::string out;
  bool hex = false;
};

struct VerifyOptions {
  std::string file;
  std::string card_cert;
  std::optional<long> association_token;
  bool json = false;
};

std::filesystem::path pki_file(const KeySource& s, const char* name) {
  return std::filesystem::path(s.pki) / s.curve / name;
}

Bytes hex_arg(const std::string& option, const std::string& value) {
  try {
    return from_hex(value);
  } catch (const HexError& e) {
    throw UsageError(option + ": " + e.what());
  }
}

void write_output(const std::string& out, bool hex, const Bytes& der, const std::string& what) {
  if (hex) {
    std::cout << to_hex(der) << '\n';
    return;
  }
  std::ofstream f(out, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(der.data()), static_cast<std::streamsize>(der.size()));
  if (!f.flush()) throw std::runtime_error("cannot write " + out);
  std::cout << "wrote " << out << " (" << der.size() << " bytes): " << what << '\n';
}

void check_output(const std::string& out, bool hex) {
  if (out.empty() == !hex) throw UsageError("give -o FILE or --hex (one of them)");
}

int run_config(const ConfigOptions& o) {
  check_output(o.out, o.hex);
  if (o.cert.empty() == o.source.pki.empty()) throw UsageError("give --pki DIR or --cert FILE");
  if (o.eim_id.empty() || o.eim_id.size() > 128) throw UsageError("--eim-id: 1 to 128 bytes");
  const auto cert_path =
      o.cert.empty() ? pki_file(o.source, "eim.der") : std::filesystem::path(o.cert);
  Bytes cert =
      o.cert.empty() ? sim::read_certificate_file(cert_path) : certificate_option("--cert", o.cert);
  eim::EimConfiguration c;
  c.eim_id = o.eim_id;
  c.fqdn = o.fqdn;
  if (o.id_type) c.id_type = *o.id_type == "oid" ? 1 : *o.id_type == "fqdn" ? 2 : 3;
  c.counter_value = o.counter;
  if (o.want_token) c.association_token = -1;
  if (o.ci_pkid) {
    c.euicc_ci_pkid = hex_arg("--ci-pkid", *o.ci_pkid);
    if (c.euicc_ci_pkid->empty()) throw UsageError("--ci-pkid: empty");
  }
  if (o.key_only) {
    try {
      c.public_key = crypto::PublicKey::from_certificate(cert).subject_public_key_info();
    } catch (const crypto::KeyError& e) {
      throw std::runtime_error(cert_path.string() + ": " + e.what());
    }
  } else {
    c.certificate = cert;
  }
  if (!o.protocols.empty()) {
    std::uint32_t mask = 0;
    for (const auto& p : o.protocols) {
      auto bit = eim::supported_protocol_bit(p);
      if (!bit) throw UsageError("--protocol '" + p + "': unknown");
      mask |= 1u << *bit;
    }
    c.supported_protocols = mask;
  }
  c.indirect_profile_download = o.indirect;
  Bytes der;
  try {
    der = eim::encode_eim_configuration(c);
  } catch (const eim::PackageError& e) {
    throw std::runtime_error(cert_path.string() + ": " + e.what());
  }
  write_output(o.out, o.hex, der,
               "EimConfigurationData for eIM '" + o.eim_id + "' with its " +
                   (o.key_only ? "public key" : "certificate"));
  return 0;
}

int run_package(const PackageOptions& o) {
  check_output(o.out, o.hex);
  if (o.key.empty() == o.source.pki.empty()) throw UsageError("give --pki DIR or --key PEM");
  if (o.eim_id.empty() || o.eim_id.size() > 128) throw UsageError("--eim-id: 1 to 128 bytes");
  if (!Eid::parse(o.eid)) throw UsageError("--eid '" + o.eid + "': " + Eid::why_invalid(o.eid));
  if (o.counter < 0) throw UsageError("--counter: 0 or more");
  if (!o.psmos.empty() && !o.ecos.empty())
    throw UsageError("a package holds PSMOs or eCOs, never both (--psmo and --eco given)");
  if (o.psmos.empty() && o.ecos.empty()) throw UsageError("give at least one --psmo or --eco");
  eim::PackageSpec spec;
  spec.eim_id = o.eim_id;
  spec.eid = o.eid;
  spec.counter_value = o.counter;
  if (o.transaction_id) {
    spec.transaction_id = hex_arg("--transaction-id", *o.transaction_id);
    if (spec.transaction_id->empty() || spec.transaction_id->size() > 16)
      throw UsageError("--transaction-id: 1 to 16 bytes");
  }
  const bool eco = !o.ecos.empty();
  for (const auto& text : eco ? o.ecos : o.psmos) {
    eim::Operation op;
    try {
      op = eim::parse_operation(text, eco);
    } catch (const eim::PackageError& e) {
      throw UsageError(std::string(eco ? "--eco" : "--psmo") + " '" + text + "': " + e.what());
    }
    if (!op.file.empty()) op.eim_configuration = read_der_or_hex(op.file);
    spec.operations.push_back(std::move(op));
  }
  const std::filesystem::path key_path =
      o.key.empty() ? pki_file(o.source, "eim.key.pem") : std::filesystem::path(o.key);
  const auto key = sim::read_private_key_file(key_path);
  Bytes der;
  try {
    der = eim::build_package(spec, key, o.association_token);
  } catch (const eim::PackageError& e) {
    throw std::runtime_error(e.what());
  }
  write_output(o.out, o.hex, der,
               "EuiccPackageRequest of " + std::to_string(spec.operations.size()) +
                   (eco ? " eCO(s)" : " PSMO(s)") + " for eIM '" + o.eim_id + "', counterValue " +
                   std::to_string(o.counter));
  return 0;
}

int run_verify(const VerifyOptions& o) {
  const Bytes der = read_der_or_hex(o.file);
  const auto key = [&] {
    try {
      return crypto::PublicKey::from_certificate(certificate_option("--card-cert", o.card_cert));
    } catch (const crypto::KeyError& e) {
      throw UsageError("--card-cert: " + o.card_cert + ": " + e.what());
    }
  }();
  eim::PackageResult r;
  try {
    r = eim::decode_package_result(der);
  } catch (const eim::PackageError& e) {
    throw std::runtime_error(o.file + ": " + e.what());
  }
  eim::verify_package_result(r, key, o.association_token);
  if (o.json) {
    std::cout << json::dump(package_result_json(r, true)) << '\n';
  } else {
    print_package_result(std::cout, r, true);
  }
  if (r.form == eim::PackageResult::Form::kUnsignedError) {
    std::cerr << "euicc-sim: an unsigned error (euiccPackageErrorUnsigned) carries no signature\n";
    return 1;
  }
  if (!r.verified) {
    std::cerr << "euicc-sim: the signature does not verify with " << o.card_cert
              << " and the association token given\n";
    return 1;
  }
  return 0;
}

// ---- the online eIM ----

struct ServeOptions {
  std::string listen = "127.0.0.1:8000";
  std::string tls_cert, tls_key;
  std::string db;
  KeySource source;
  std::string key;
  std::string eim_id;
  std::vector<std::string> extra_eims;  // ID=KEY.pem
  std::vector<std::string> smdp;        // [ADDRESS=]HOST:PORT
  std::string smdp_ca;
  bool smdp_insecure = false;
  std::string admin;
  bool v1_0 = false;
  bool auto_register = false;
  std::vector<std::string> ci_certs;
  std::string sync = "full";
  std::optional<std::uint64_t> seed;
  bool json = false;
};

struct QueueOptions {
  std::string db;
  std::string eid;
  std::string eim_id;
  std::vector<std::string> psmos, ecos;
  std::string download;
  bool indirect = false;
  std::string euicc_data;
  bool json = false;
};

struct StatusOptions {
  std::string db;
  std::string eid;
  bool json = false;
};

struct RegisterOptions {
  std::string db;
  std::string eid;
  std::string eim_id;
  std::optional<std::int64_t> counter;
  std::string token;
  std::string euicc_cert;
  bool json = false;
};

struct CancelOptions {
  std::string db;
  std::int64_t id = 0;
};

std::string utc_now() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms.count()));
  return buf;
}

std::unique_ptr<eim::Store> open_store(const std::string& path, bool full = true) {
  if (path.empty()) throw UsageError("give --db FILE (the eIM's SQLite database)");
  try {
    return eim::Store::open(path, full);
  } catch (const eim::StoreError& e) {
    throw std::runtime_error(e.what());
  }
}

// ES9+ clients of the relay, one per SM-DP+ and HTTP worker thread (an httplib client keeps
// one connection and is not shared between threads).
struct Relays {
  std::map<std::string, std::string> targets;  // smdpAddress (or "*") -> HOST:PORT
  smdp::TlsClientOptions tls;
  smdp::Es9Plus* get(const std::string& address) {
    auto it = targets.find(address);
    if (it == targets.end()) it = targets.find("*");
    const std::string target = it == targets.end() ? address : it->second;
    thread_local std::map<std::string, std::unique_ptr<smdp::Es9PlusJsonClient>> clients;
    auto& c = clients[target];
    if (!c) {
      try {
        c = std::make_unique<smdp::Es9PlusJsonClient>(smdp::https_post(target, tls));
      } catch (const std::exception&) {
        clients.erase(target);
        return nullptr;
      }
    }
    return c.get();
  }
};

int run_serve(const ServeOptions& o) {
  namespace fs = std::filesystem;
  std::pair<std::string, int> listen;
  try {
    listen = smdp::split_host_port(o.listen, 8000);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--listen: ") + e.what());
  }
  std::string tls_cert = o.tls_cert, tls_key = o.tls_key;
  if (tls_cert.empty() != tls_key.empty()) throw UsageError("give both --tls-cert and --tls-key");
  if (tls_cert.empty()) {
    // A `pki init` directory's TLS certificate (for localhost) serves a test eIM too.
    if (o.source.pki.empty()) throw UsageError("give --tls-cert and --tls-key (or --pki DIR)");
    tls_cert = (fs::path(o.source.pki) / "nist" / "dp-tls.chain.pem").string();
    tls_key = (fs::path(o.source.pki) / "nist" / "dp-tls.key.pem").string();
  }
  if (auto why = tls::check_identity(tls_cert, tls_key); !why.empty())
    throw UsageError("--tls-cert/--tls-key: " + why);
  if (o.sync != "full" && o.sync != "normal") throw UsageError("--sync: full or normal");

  eim::EimConfig config;
  if (o.eim_id.empty() || o.eim_id.size() > 128) throw UsageError("--eim-id: 1 to 128 bytes");
  if (o.key.empty() == o.source.pki.empty()) throw UsageError("give --pki DIR or --key PEM");
  const fs::path key_path = o.key.empty() ? pki_file(o.source, "eim.key.pem") : fs::path(o.key);
  config.identities.push_back({o.eim_id, sim::read_private_key_file(key_path)});
  for (const auto& e : o.extra_eims) {
    auto eq = e.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == e.size())
      throw UsageError("--eim '" + e + "': expected EIM_ID=KEY.pem");
    config.identities.push_back({e.substr(0, eq), sim::read_private_key_file(e.substr(eq + 1))});
  }
  Relays relays;
  for (const auto& m : o.smdp) {
    auto eq = m.find('=');
    if (eq == std::string::npos)
      relays.targets["*"] = m;
    else
      relays.targets[m.substr(0, eq)] = m.substr(eq + 1);
  }
  relays.tls.ca_file = o.smdp_ca;
  relays.tls.insecure = o.smdp_insecure;
  relays.tls.timeout_seconds = 10;
  config.relay = [&relays](const std::string& address) { return relays.get(address); };
  config.accept_v1_0 = o.v1_0;
  config.auto_register = o.auto_register;
  for (const auto& f : o.ci_certs)
    config.trusted_ci_certs.push_back(certificate_option("--ci-cert", f));
  config.seed = o.seed;

  auto store = open_store(o.db, o.sync == "full");
  eim::Eim eim(*store, std::move(config));

  std::mutex log_mutex;
  auto emit = [&](const json::Value& j, const std::string& text) {
    std::lock_guard<std::mutex> lock(log_mutex);
    if (o.json)
      std::cout << json::dump(j) << std::endl;
    else
      std::cout << text << std::endl;
  };
  auto log_request = [&](const eim::EsipaRequestLog& r) {
    char ms[32];
    std::snprintf(ms, sizeof ms, "%.1f", static_cast<double>(r.us) / 1000);
    auto j = json::Value::object();
    j["time"] = utc_now();
    j["remote"] = r.remote;
    j["eid"] = r.eid;
    j["function"] = r.function;
    j["http"] = r.http_status;
    j["outcome"] = r.outcome;
    j["ms"] = std::string(ms);
    j["requestBytes"] = static_cast<std::uint64_t>(r.request_bytes);
    j["responseBytes"] = static_cast<std::uint64_t>(r.response_bytes);
    emit(j, utc_now() + " " + r.remote + " " + (r.eid.empty() ? "-" : r.eid) + " " + r.function +
                " " + std::to_string(r.http_status) + " " + r.outcome + " " + ms + " ms");
  };

  // SIGINT/SIGTERM go to one thread that stops the servers; the HTTP workers start later
  // and inherit this mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  eim::EsipaHttpsServer https(eim, tls_cert, tls_key, log_request);
  const int port = https.bind(listen.first, listen.second);
  std::unique_ptr<eim::AdminServer> admin;
  int admin_port = 0;
  if (!o.admin.empty()) {
    std::pair<std::string, int> a;
    try {
      a = smdp::split_host_port(o.admin, 8080);
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("--admin: ") + e.what());
    }
    if (!eim::is_loopback(a.first))
      throw UsageError("--admin: a loopback address only, not " + a.first);
    admin = std::make_unique<eim::AdminServer>(eim, [&](const std::string& line) {
      auto j = json::Value::object();
      j["time"] = utc_now();
      j["admin"] = line;
      emit(j, utc_now() + " " + line);
    });
    admin_port = admin->bind(a.first, a.second);
  }
  {
    auto ids = json::Value::array();
    std::string names;
    for (const auto& i : eim.config().identities) {
      ids.push_back(i.eim_id);
      names += (names.empty() ? "" : ", ") + i.eim_id;
    }
    auto j = json::Value::object();
    j["event"] = "listening";
    j["port"] = port;
    j["url"] = "https://" + listen.first + ":" + std::to_string(port) + eim::kEsipaPath;
    j["db"] = o.db;
    j["eims"] = std::move(ids);
    j["v1.0"] = o.v1_0;
    if (admin) j["adminPort"] = admin_port;
    emit(j, "euicc-sim eIM (" + names + ") at https://" + listen.first + ":" +
                std::to_string(port) + eim::kEsipaPath + ", database " + o.db +
                (admin ? ", admin API http://" + o.admin.substr(0, o.admin.rfind(':')) + ":" +
                             std::to_string(admin_port) + "/eim/v1/"
                       : std::string()) +
                (o.v1_0 ? ", accepting SGP.32 v1.0 shapes" : ""));
  }
  std::thread admin_thread;
  if (admin) admin_thread = std::thread([&] { admin->run(); });
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    https.stop();
  });
  https.run();
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  if (admin) {
    admin->stop();
    admin_thread.join();
  }
  auto j = json::Value::object();
  j["event"] = "stopped";
  emit(j, "stopped");
  return 0;
}

int run_queue(const QueueOptions& o) {
  eim::QueueRequest r;
  r.eid = o.eid;
  r.eim_id = o.eim_id;
  const int kinds =
      (!o.psmos.empty()) + (!o.ecos.empty()) + (!o.download.empty()) + (!o.euicc_data.empty());
  if (kinds != 1) throw UsageError("give one of --psmo, --eco, --download, --euicc-data");
  if (o.indirect && o.download.empty()) throw UsageError("--indirect goes with --download");
  if (!o.psmos.empty() || !o.ecos.empty()) {
    r.kind = eim::ItemKind::kEuiccPackage;
    r.eco = !o.ecos.empty();
    for (const auto& text : r.eco ? o.ecos : o.psmos) {
      eim::Operation op;
      try {
        op = eim::parse_operation(text, r.eco);
      } catch (const eim::PackageError& e) {
        throw UsageError(std::string(r.eco ? "--eco" : "--psmo") + " '" + text + "': " + e.what());
      }
      r.operations.push_back(text);
      r.configurations.push_back(op.file.empty() ? Bytes{} : read_der_or_hex(op.file));
    }
  } else if (!o.download.empty()) {
    r.kind = eim::ItemKind::kProfileDownload;
    r.activation_code = o.download;
    r.indirect = o.indirect;
  } else {
    r.kind = eim::ItemKind::kIpaEuiccData;
    if (o.euicc_data == "all") {
      r.tag_list = eim::kAllEuiccDataTags;
    } else {
      r.tag_list = hex_arg("--euicc-data", o.euicc_data);
    }
  }
  auto store = open_store(o.db);
  eim::Eim eim(*store, {});
  std::int64_t id = 0;
  try {
    id = eim.enqueue(r);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  auto item = store->item(id);
  if (o.json) {
    auto j = json::Value::object();
    j["id"] = id;
    j["eid"] = item->eid;
    j["eimId"] = item->eim_id;
    j["kind"] = eim::kind_name(item->kind);
    j["state"] = eim::state_name(item->state);
    j["eimTransactionId"] = to_hex(item->transaction_id);
    std::cout << json::dump(j) << '\n';
  } else {
    std::cout << "queued #" << id << " " << eim::kind_name(item->kind) << " for " << item->eid
              << " (eIM '" << item->eim_id << "', eimTransactionId " << to_hex(item->transaction_id)
              << ")\n";
  }
  return 0;
}

void print_status(const json::Value& j) {
  auto str = [](const json::Value* v) {
    if (!v || v->is_null()) return std::string("-");
    if (json::string_of(v)) return *json::string_of(v);
    if (json::integer_of(v)) return std::to_string(*json::integer_of(v));
    if (json::boolean_of(v)) return std::string(*json::boolean_of(v) ? "yes" : "no");
    return v->dump();
  };
  std::cout << "card " << str(json::member(j, "eid")) << "\n";
  const json::Value* card = json::member(j, "card");
  std::cout << "  certificate: " << str(json::member(card, "certificate")) << ", polls "
            << str(json::member(card, "polls")) << ", state changes "
            << str(json::member(card, "stateChanges")) << "\n";
  for (const auto& a : *json::member(j, "associations"))
    std::cout << "  eIM " << str(json::member(a, "eimId")) << ": counter "
              << str(json::member(a, "counter")) << ", associationToken "
              << str(json::member(a, "associationToken"))
              << (json::boolean_of(json::member(a, "deleted")).value_or(false) ? " (deleted)" : "")
              << "\n";
  const json::Value* c = json::member(j, "counts");
  std::cout << "  queue: " << str(json::member(c, "queued")) << " queued, "
            << str(json::member(c, "sent")) << " sent, " << str(json::member(c, "done"))
            << " done, " << str(json::member(c, "replayed")) << " replayed, "
            << str(json::member(c, "failed")) << " failed, " << str(json::member(c, "cancelled"))
            << " cancelled; " << str(json::member(c, "delivered")) << " delivered, "
            << str(json::member(c, "answered")) << " answered, "
            << str(json::member(c, "resultsVerified")) << " results verified\n";
  for (const auto& it : *json::member(j, "queue"))
    std::cout << "  #" << str(json::member(it, "id")) << " " << str(json::member(it, "kind"))
              << " [" << str(json::member(it, "state")) << "] eIM "
              << str(json::member(it, "eimId")) << ", counter " << str(json::member(it, "counter"))
              << ", sent " << str(json::member(it, "sends")) << "x"
              << (str(json::member(it, "outcome")).empty()
                      ? ""
                      : ": " + str(json::member(it, "outcome")))
              << "\n";
  for (const auto& r : *json::member(j, "results"))
    std::cout << "  result " << str(json::member(r, "id")) << " (#"
              << str(json::member(r, "queueId")) << ") " << str(json::member(r, "summary")) << " ["
              << str(json::member(r, "verdict")) << "]"
              << (str(json::member(r, "deliveries")) != "1"
                      ? ", " + str(json::member(r, "deliveries")) + " deliveries"
                      : "")
              << "\n";
  for (const auto& n : *json::member(j, "notifications"))
    std::cout << "  notification seq " << str(json::member(n, "seqNumber")) << " "
              << str(json::member(n, "event")) << " " << str(json::member(n, "iccid")) << " ["
              << str(json::member(n, "verdict")) << "], forwarded "
              << str(json::member(n, "forwarded")) << "\n";
  for (const auto& d : *json::member(j, "downloads"))
    std::cout << "  download " << str(json::member(d, "smdpAddress")) << " "
              << str(json::member(d, "matchingId")) << " [" << str(json::member(d, "state")) << "] "
              << str(json::member(d, "outcome")) << "\n";
}

int run_status(const StatusOptions& o) {
  auto store = open_store(o.db);
  if (o.eid.empty()) {
    auto list = json::Value::array();
    for (const auto& e : store->eids()) {
      auto s = eim::card_status(*store, e);
      auto x = json::Value::object();
      x["eid"] = e;
      x["counts"] = *json::member(s, "counts");
      list.push_back(std::move(x));
    }
    if (o.json) {
      auto j = json::Value::object();
      j["cards"] = std::move(list);
      std::cout << json::dump(j) << '\n';
    } else {
      for (const auto& x : list) {
        const json::Value* c = json::member(x, "counts");
        std::cout << *json::string_of(json::member(x, "eid")) << ": "
                  << *json::integer_of(json::member(c, "queued")) << " queued, "
                  << *json::integer_of(json::member(c, "sent")) << " sent, "
                  << *json::integer_of(json::member(c, "done")) << " done, "
                  << *json::integer_of(json::member(c, "failed")) << " failed\n";
      }
    }
    return 0;
  }
  auto j = eim::card_status(*store, o.eid);
  const bool known = json::boolean_of(json::member(j, "known")).value_or(false);
  if (o.json) {
    std::cout << json::dump(j) << '\n';
  } else if (!known) {
    std::cout << "card " << o.eid << ": unknown to this eIM\n";
  } else {
    print_status(j);
  }
  return known ? 0 : 1;
}

int run_register(const RegisterOptions& o) {
  auto store = open_store(o.db);
  eim::Eim eim(*store, {});
  std::optional<std::optional<std::int64_t>> token;
  if (o.token == "none") {
    token = std::optional<std::int64_t>();
  } else if (!o.token.empty()) {
    if (o.token.find_first_not_of("0123456789") != std::string::npos || o.token.size() > 12)
      throw UsageError("--association-token: a number or 'none'");
    token = std::optional<std::int64_t>(std::stoll(o.token));
  }
  Bytes cert;
  if (!o.euicc_cert.empty()) {
    cert = certificate_option("--euicc-cert", o.euicc_cert);
    try {
      crypto::PublicKey::from_certificate(cert);
    } catch (const crypto::KeyError& e) {
      throw UsageError("--euicc-cert: " + o.euicc_cert + ": " + e.what());
    }
  }
  const std::string eim_id = o.eim_id.empty() ? eim.default_eim_id() : o.eim_id;
  try {
    eim.register_card(o.eid, eim_id, o.counter, token, cert);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  auto a = store->association(o.eid, eim_id);
  if (o.json) {
    auto j = json::Value::object();
    j["eid"] = o.eid;
    j["eimId"] = eim_id;
    if (a) {
      j["counter"] = a->counter;
      j["associationToken"] =
          a->association_token ? json::Value(*a->association_token) : json::Value();
    }
    j["certificate"] = !cert.empty();
    std::cout << json::dump(j) << '\n';
  } else {
    std::cout << "card " << o.eid;
    if (a)
      std::cout << ": eIM '" << eim_id << "' counter " << a->counter << ", associationToken "
                << (a->association_token ? std::to_string(*a->association_token) : "none");
    if (!cert.empty()) std::cout << (a ? ", " : ": ") << "certificate given";
    std::cout << '\n';
  }
  return 0;
}

int run_cancel(const CancelOptions& o) {
  auto store = open_store(o.db);
  auto item = store->item(o.id);
  if (!item) throw std::runtime_error("no queued item #" + std::to_string(o.id));
  eim::Eim eim(*store, {});
  if (!eim.cancel(o.id)) {
    std::cerr << "euicc-sim: #" << o.id << " is " << eim::state_name(item->state)
              << ": only a queued item can be cancelled\n";
    return 1;
  }
  std::cout << "cancelled #" << o.id << '\n';
  return 0;
}

void add_key_source(CLI::App* cmd, KeySource& s, const char* file) {
  cmd->add_option("--pki", s.pki,
                  std::string("Test PKI of `euicc-sim pki init DIR`: uses DIR/CURVE/") + file);
  cmd->add_option("--curve", s.curve, "Which curve of --pki: nist or brainpool")
      ->check(CLI::IsMember({"nist", "brainpool"}))
      ->capture_default_str();
}

}  // namespace

void add_eim_commands(CLI::App& app) {
  auto* eim = app.add_subcommand(
      "eim",
      "The test eIM (SGP.32): ESipa server with queues (serve, queue, status, register, cancel) "
      "and offline tools (config, package, verify-result)");
  eim->require_subcommand(1);
  eim->footer(
      "Examples:\n"
      "  euicc-sim eim serve --pki /tmp/pki --eim-id eim-1 --db /tmp/eim.db\n"
      "  euicc-sim eim queue --db /tmp/eim.db --eid EID --euicc-data all\n"
      "  euicc-sim eim status --db /tmp/eim.db --eid EID --json");

  auto c = std::make_shared<ConfigOptions>();
  auto* config =
      eim->add_subcommand("config",
                          "Write an EimConfigurationData (DER) for `ipa add-initial-eim` or an "
                          "add-eim/update-eim eCO");
  add_key_source(config, c->source, "eim.der");
  config->add_option("--cert", c->cert, "The eIM certificate (DER or PEM) instead of --pki");
  config->add_option("--eim-id", c->eim_id, "eimId (1 to 128 bytes)")->required();
  config->add_option("--fqdn", c->fqdn, "eimFqdn");
  config->add_option("--id-type", c->id_type, "eimIdType")
      ->check(CLI::IsMember({"oid", "fqdn", "proprietary"}));
  config->add_option("--counter", c->counter, "counterValue: the eIM's starting counter");
  config->add_flag("--want-token", c->want_token,
                   "associationToken -1: ask the eUICC to give this eIM a token");
  config->add_option("--ci-pkid", c->ci_pkid, "euiccCiPKId (hex SKI of a CI)");
  config->add_flag("--key-only", c->key_only,
                   "eimPublicKeyData as the bare public key (A5 { A0 SPKI }) instead of the "
                   "certificate (A5 { A1 ... })");
  config->add_option("--protocol", c->protocols,
                     "eimSupportedProtocol bit (repeatable): retrieve-https, retrieve-coaps, "
                     "inject-https, inject-coaps, proprietary");
  config->add_flag("--indirect-download", c->indirect, "indirectProfileDownload");
  config->add_option("-o,--output", c->out, "Write the DER here");
  config->add_flag("--hex", c->hex, "Print the DER as hex instead of writing a file");
  config->footer(
      "Examples:\n"
      "  euicc-sim eim config --pki /tmp/pki --eim-id eim-1 --counter 0 --want-token -o eim-1.der\n"
      "  euicc-sim eim config --cert eim.pem --eim-id eim-2 --counter 5 --key-only --hex");
  config->callback([c] { std::exit(run_config(*c)); });

  auto p = std::make_shared<PackageOptions>();
  auto* package = eim->add_subcommand(
      "package", "Write a signed eUICC package (EuiccPackageRequest, BF51) of PSMOs or eCOs");
  add_key_source(package, p->source, "eim.key.pem");
  package->add_option("--key", p->key, "The eIM private key (PEM) instead of --pki");
  package->add_option("--eim-id", p->eim_id, "eimId")->required();
  package->add_option("--counter", p->counter, "counterValue (above the card's last one)")
      ->required();
  package->add_option("--eid", p->eid, "EID of the target eUICC (32 digits)")->required();
  package->add_option("--association-token", p->association_token,
                      "The token the eUICC gave this eIM (signed as 84 L V; without it 84 01 00)");
  package->add_option("--transaction-id", p->transaction_id, "eimTransactionId (hex, 1-16 bytes)");
  package->add_option("--psmo", p->psmos, "One PSMO, its words quoted (repeatable, in order)")
      ->allow_extra_args(false);
  package->add_option("--eco", p->ecos, "One eCO, its words quoted (repeatable, in order)")
      ->allow_extra_args(false);
  package->add_option("-o,--output", p->out, "Write the DER here");
  package->add_flag("--hex", p->hex, "Print the DER as hex instead of writing a file");
  package->footer(
      std::string("Operations, each one quoted argument of --psmo or --eco:\n") +
      eim::operation_syntax() +
      "A package holds PSMOs or eCOs, never both. The signature (5F37, raw r||s) covers\n"
      "DER(euiccPackageSigned) || 84 L associationToken.\n"
      "Examples:\n"
      "  euicc-sim eim package --pki /tmp/pki --eim-id eim-1 --counter 1 --eid EID \\\n"
      "      --association-token 1 -o pkg.der \\\n"
      "      --psmo 'disable 89999000000000000007' --psmo 'enable 89001990000000000012 rollback' "
      "\\\n"
      "      --psmo 'list-profile-info'\n"
      "  euicc-sim eim package --key eim.key.pem --eim-id eim-1 --counter 2 --eid EID --hex \\\n"
      "      --eco 'add-eim eim-2.der' --eco 'list-eim'");
  package->callback([p] { std::exit(run_package(*p)); });

  auto v = std::make_shared<VerifyOptions>();
  auto* verify = eim->add_subcommand(
      "verify-result", "Read an EuiccPackageResult (BF51) and verify the eUICC's signature");
  verify->add_option("file", v->file, "The result: DER, or hex text")->required();
  verify
      ->add_option("--card-cert", v->card_cert,
                   "The eUICC certificate (DER or PEM; `ipa certs -o DIR` writes euicc.der)")
      ->required();
  verify->add_option("--association-token", v->association_token,
                     "The token the eUICC gave this eIM (without it: 84 01 00)");
  verify->add_flag("--json", v->json, "One JSON object");
  verify->footer(
      "Exit status 0 only for a signed result or signed error whose signature verifies; 1\n"
      "otherwise (an unsigned error is printed, then exits 1).\n"
      "Example:\n"
      "  euicc-sim eim verify-result result.der --card-cert certs/euicc.der --association-token 1");
  verify->callback([v] { std::exit(run_verify(*v)); });

  // ---- the online eIM ----
  auto so = std::make_shared<ServeOptions>();
  auto* serve = eim->add_subcommand(
      "serve", "Run the eIM: ESipa over HTTPS (ASN.1 binding), per-EID queues in SQLite");
  serve->add_option("--listen", so->listen, "HOST:PORT for ESipa (port 0: any free port)")
      ->capture_default_str();
  serve->add_option("--tls-cert", so->tls_cert,
                    "TLS certificate: PEM (then its issuers) or DER (default with --pki: "
                    "DIR/nist/dp-tls.chain.pem)");
  serve->add_option("--tls-key", so->tls_key, "TLS private key: PEM or DER");
  serve->add_option("--db", so->db, "The eIM's SQLite database (created if absent)")->required();
  add_key_source(serve, so->source, "eim.key.pem");
  serve->add_option("--key", so->key, "The eIM's signing key (PEM) instead of --pki");
  serve->add_option("--eim-id", so->eim_id, "eimId of the eIM (the default for queued packages)")
      ->required();
  serve->add_option("--eim", so->extra_eims,
                    "EIM_ID=KEY.pem: one more eIM identity this server signs for, e.g. one an "
                    "addEim eCO associates (repeatable)");
  serve->add_option("--smdp", so->smdp,
                    "[ADDRESS=]HOST:PORT: where indirect downloads for ADDRESS (or any, without "
                    "ADDRESS=) are relayed over ES9+; default: the address itself (repeatable)");
  serve->add_option("--smdp-ca", so->smdp_ca, "Trust only this CA (PEM) for SM-DP+ TLS");
  serve->add_flag("--smdp-insecure", so->smdp_insecure, "Do not verify SM-DP+ TLS certificates");
  serve->add_option("--admin", so->admin, "HOST:PORT of the JSON admin API (loopback only)");
  serve->add_flag("--accept-sgp32-v1.0", so->v1_0,
                  "Also read SGP.32 v1.0 ESipa shapes (onomondo-ipa), docs/eim.md");
  serve->add_flag("--auto-register", so->auto_register,
                  "Answer an unknown EID noEimPackageAvailable (and record it) instead of "
                  "eidNotFound(2)");
  serve->add_option("--ci-cert", so->ci_certs,
                    "A CI (DER/PEM) a certificate learnt from IpaEuiccData must chain to "
                    "(repeatable; without: taken as sent)");
  serve
      ->add_option("--sync", so->sync,
                   "SQLite synchronous mode: full (fsync each commit) or normal (WAL: survives a "
                   "killed process, not a power cut)")
      ->capture_default_str();
  serve->add_option("--seed", so->seed, "Repeatable eimTransactionIds");
  serve->add_flag("--json", so->json, "Log as JSON lines");
  serve->footer(
      "One log line per request: time, client, EID, ESipa function, HTTP status, outcome, ms.\n"
      "Stops on SIGINT/SIGTERM; everything is in --db, so a restart (even after SIGKILL) goes on\n"
      "where it stopped. States of a queued item: queued, sent, done, replayed, failed, cancelled\n"
      "(docs/eim.md).\n"
      "Example:\n"
      "  euicc-sim pki init /tmp/pki --curve both\n"
      "  euicc-sim eim serve --pki /tmp/pki --eim-id eim-1 --db /tmp/eim.db \\\n"
      "      --listen 127.0.0.1:8000 --admin 127.0.0.1:8080 --smdp-ca /tmp/pki/nist/ci.pem");
  serve->callback([so] { std::exit(run_serve(*so)); });

  auto qo = std::make_shared<QueueOptions>();
  auto* queue = eim->add_subcommand(
      "queue",
      "Queue an eIM package for a card: PSMOs, eCOs, a download, or an IpaEuiccData request");
  queue->add_option("--db", qo->db, "The eIM's database")->required();
  queue->add_option("--eid", qo->eid, "The card")->required();
  queue->add_option("--eim-id", qo->eim_id, "Which eIM signs it (default: the serving eIM's)");
  queue->add_option("--psmo", qo->psmos, "One PSMO, its words quoted (repeatable, in order)")
      ->allow_extra_args(false);
  queue->add_option("--eco", qo->ecos, "One eCO, its words quoted (repeatable, in order)")
      ->allow_extra_args(false);
  queue->add_option("--download", qo->download,
                    "A ProfileDownloadTrigger with this activation code (1$SMDP$MATCHING_ID)");
  queue->add_flag("--indirect", qo->indirect,
                  "The download is expected through the eIM (ESipa relay to the SM-DP+)");
  queue->add_option("--euicc-data", qo->euicc_data,
                    "An IpaEuiccDataRequest for these tags (hex, e.g. A6A5BF20), or 'all'");
  queue->add_flag("--json", qo->json, "One JSON object");
  queue->footer(
      std::string("Operations, each one quoted argument of --psmo or --eco:\n") +
      eim::operation_syntax() +
      "Works while `eim serve` runs on the same --db (SQLite serialises the writers).\n"
      "Examples:\n"
      "  euicc-sim eim queue --db /tmp/eim.db --eid EID --euicc-data all\n"
      "  euicc-sim eim queue --db /tmp/eim.db --eid EID --psmo 'enable 89001990000000000012 "
      "rollback'\n"
      "  euicc-sim eim queue --db /tmp/eim.db --eid EID --download '1$localhost:8443$TS48v1_A' "
      "--indirect");
  queue->callback([qo] { std::exit(run_queue(*qo)); });

  auto sto = std::make_shared<StatusOptions>();
  auto* status = eim->add_subcommand(
      "status", "What the eIM knows of a card: queue, results, notifications, downloads");
  status->add_option("--db", sto->db, "The eIM's database")->required();
  status->add_option("--eid", sto->eid, "The card (without: every card, one line each)");
  status->add_flag("--json", sto->json, "One JSON object");
  status->footer(
      "Exit status 1 for a card the eIM does not know.\n"
      "Example:\n"
      "  euicc-sim eim status --db /tmp/eim.db --eid 89049032123451234512345678901235 --json");
  status->callback([sto] { std::exit(run_status(*sto)); });

  auto ro = std::make_shared<RegisterOptions>();
  auto* reg = eim->add_subcommand(
      "register", "Tell the eIM a card's counter, association token or certificate");
  reg->add_option("--db", ro->db, "The eIM's database")->required();
  reg->add_option("--eid", ro->eid, "The card")->required();
  reg->add_option("--eim-id", ro->eim_id, "Which eIM's association (default: the serving eIM's)");
  reg->add_option("--counter", ro->counter,
                  "The card's counterValue for this eIM (the next package uses one more)");
  reg->add_option("--association-token", ro->token, "The token the card gave this eIM, or 'none'");
  reg->add_option("--euicc-cert", ro->euicc_cert,
                  "The card's eUICC certificate (DER or PEM) to verify its results with");
  reg->add_flag("--json", ro->json, "One JSON object");
  reg->footer(
      "Without this, a card's association starts at counter 0 with no token, and its certificate\n"
      "is learnt from the first IpaEuiccData that carries one.\n"
      "Example:\n"
      "  euicc-sim eim register --db /tmp/eim.db --eid EID --counter 0 --association-token 1 \\\n"
      "      --euicc-cert certs/euicc.der");
  reg->callback([ro] { std::exit(run_register(*ro)); });

  auto co = std::make_shared<CancelOptions>();
  auto* cancel = eim->add_subcommand("cancel", "Withdraw a queued item not yet handed out");
  cancel->add_option("--db", co->db, "The eIM's database")->required();
  cancel->add_option("id", co->id, "The item's number (eim queue printed it)")->required();
  cancel->footer("Example:\n  euicc-sim eim cancel --db /tmp/eim.db 12");
  cancel->callback([co] { std::exit(run_cancel(*co)); });
}

}  // namespace euiccsim::tools
