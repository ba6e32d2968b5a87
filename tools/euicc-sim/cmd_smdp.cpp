// euicc-sim smdp serve: the test SM-DP+ over HTTPS (docs/download.md). It offers the profile
// packages of a directory by matching ID (the file name), binds each for the card that asks,
// and logs every request; it is a test peer with real checks, not a production server.
#include <pthread.h>
#include <signal.h>

#include <chrono>
#include <ctime>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>

#include "common.hpp"
#include "euiccsim/crypto/certificate.hpp"
#include "euiccsim/profiles/builder.hpp"
#include "profile_spec.hpp"
#include "smdp/es9plus_forward.hpp"
#include "smdp/https.hpp"
#include "smdp/server.hpp"
#include "tls/identity.hpp"

namespace euiccsim::tools {

namespace {

struct SmdpOptions {
  std::string pki;
  std::string curve;
  std::string profiles;
  std::string listen = "127.0.0.1:8443";
  std::string address;
  std::string dp_auth_cert, dp_auth_key, dp_pb_cert, dp_pb_key;
  std::vector<std::string> ci_certs;
  std::string tls_cert, tls_key;
  std::vector<std::string> confirmation_codes;  // ID=CODE
  std::vector<std::string> ppk;                 // ID or *
  std::string default_profile;
  std::optional<std::uint64_t> seed;
  std::size_t max_request_bytes = smdp::kDefaultMaxRequestBytes;
  bool json = false;
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

std::string slurp_text(const std::string& path) {
  Bytes b = read_file(path);
  return std::string(b.begin(), b.end());
}

crypto::Issued load_issued(const std::string& cert, const std::string& key, const char* what) {
  Bytes der = read_file(cert);
  std::optional<crypto::PrivateKey> k;
  try {
    k = crypto::PrivateKey::from_pem(slurp_text(key));
  } catch (const crypto::KeyError& e) {
    throw UsageError(std::string(what) + ": " + key + ": " + e.what());
  }
  try {
    if (crypto::PublicKey::from_certificate(der).point() != k->public_point())
      throw UsageError(std::string(what) + ": " + key + " is not the key of " + cert);
  } catch (const crypto::KeyError& e) {
    throw UsageError(cert + ": " + e.what());
  } catch (const crypto::CertificateError& e) {
    throw UsageError(cert + ": " + e.what());
  }
  return crypto::Issued{std::move(der), std::move(*k)};
}

// The PKI folder of `curve` ("nist", "brainpool"), or the only one there is.
std::filesystem::path pki_folder(const SmdpOptions& o) {
  namespace fs = std::filesystem;
  fs::path root(o.pki);
  if (!o.curve.empty()) {
    if (o.curve != "nist" && o.curve != "brainpool") throw UsageError("--curve: nist or brainpool");
    if (!fs::is_directory(root / o.curve))
      throw UsageError("--pki: " + (root / o.curve).string() +
                       " does not exist (pki init --curve " + o.curve + ")");
    return root / o.curve;
  }
  for (const char* c : {"nist", "brainpool"}) {
    if (fs::exists(root / c / "dp-auth.der")) return root / c;
  }
  throw UsageError("--pki: " + o.pki + " holds no nist/ or brainpool/ made by `pki init`");
}

std::map<std::string, std::string> pairs(const std::vector<std::string>& items, const char* opt) {
  std::map<std::string, std::string> out;
  for (const auto& s : items) {
    auto eq = s.find('=');
    if (eq == std::string::npos || eq == 0)
      throw UsageError(std::string(opt) + ": '" + s + "' is not MATCHING_ID=VALUE");
    out[s.substr(0, eq)] = s.substr(eq + 1);
  }
  return out;
}

// The packages of `dir`: NAME.der as it is, NAME.json through the profile builder; the
// matching ID is NAME.
std::vector<smdp::ProfileOffer> load_offers(const SmdpOptions& o) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(o.profiles, ec))
    throw UsageError("--profiles: " + o.profiles + " is not a directory");
  auto codes = pairs(o.confirmation_codes, "--confirmation-code");
  std::vector<smdp::ProfileOffer> offers;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(o.profiles)) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& path : files) {
    const auto ext = path.extension().string();
    if (ext != ".der" && ext != ".json") continue;
    smdp::ProfileOffer offer;
    offer.matching_id = path.stem().string();
    try {
      if (ext == ".der") {
        offer.package = read_file(path.string());
      } else {
        offer.package = profiles::encode_package(
            profiles::build_profile(parse_profile_spec(slurp_text(path.string()))));
      }
    } catch (const std::invalid_argument& e) {
      throw UsageError(path.string() + ": " + e.what());
    }
    if (auto it = codes.find(offer.matching_id); it != codes.end()) {
      offer.confirmation_code = it->second;
      codes.erase(it);
    }
    offer.ppk = std::find(o.ppk.begin(), o.ppk.end(), offer.matching_id) != o.ppk.end() ||
                std::find(o.ppk.begin(), o.ppk.end(), "*") != o.ppk.end();
    offers.push_back(std::move(offer));
  }
  if (offers.empty())
    throw UsageError("--profiles: " + o.profiles + " holds no .der or .json profile package");
  if (!codes.empty())
    throw UsageError("--confirmation-code: no profile '" + codes.begin()->first + "' in " +
                     o.profiles);
  for (const auto& id : o.ppk) {
    if (id != "*" && std::none_of(offers.begin(), offers.end(),
                                  [&](const auto& f) { return f.matching_id == id; }))
      throw UsageError("--ppk: no profile '" + id + "' in " + o.profiles);
  }
  return offers;
}

// What the server said about the call this thread is answering (ServerEvent), for the
// request's log line.
thread_local std::optional<smdp::ServerEvent> t_last_event;

int run(const SmdpOptions& o) {
  namespace fs = std::filesystem;
  std::vector<Bytes> trusted_ci_certs;
  std::string tls_cert = o.tls_cert, tls_key = o.tls_key;
  std::string auth_cert = o.dp_auth_cert, auth_key = o.dp_auth_key;
  std::string pb_cert = o.dp_pb_cert, pb_key = o.dp_pb_key;
  if (!o.pki.empty()) {
    fs::path dir = pki_folder(o);
    auto def = [&](std::string& v, const char* file) {
      if (v.empty()) v = (dir / file).string();
    };
    def(auth_cert, "dp-auth.der");
    def(auth_key, "dp-auth.key.pem");
    def(pb_cert, "dp-pb.der");
    def(pb_key, "dp-pb.key.pem");
    // TLS does not follow the RSP curve: most clients (lpac through curl, OpenSSL 3.0's
    // defaults) offer no brainpool group, so the NIST TLS certificate serves when there is one.
    fs::path tls_dir =
        fs::exists(fs::path(o.pki) / "nist" / "dp-tls.chain.pem") ? fs::path(o.pki) / "nist" : dir;
    if (tls_cert.empty()) tls_cert = (tls_dir / "dp-tls.chain.pem").string();
    if (tls_key.empty()) tls_key = (tls_dir / "dp-tls.key.pem").string();
    for (const char* c : {"nist", "brainpool"}) {
      auto ci = fs::path(o.pki) / c / "ci.der";
      if (fs::exists(ci)) trusted_ci_certs.push_back(read_file(ci.string()));
    }
  } else if (auth_cert.empty() || pb_cert.empty() || tls_cert.empty() || o.ci_certs.empty()) {
    throw UsageError(
        "without --pki, give --dp-auth-cert/-key, --dp-pb-cert/-key, --tls-cert/-key and "
        "--ci-cert");
  }
  for (const auto& f : o.ci_certs) trusted_ci_certs.push_back(read_file(f));
  if (auto why = tls::check_identity(tls_cert, tls_key); !why.empty())
    throw UsageError("--tls-cert/--tls-key: " + why);
  crypto::Issued dp_auth = load_issued(auth_cert, auth_key, "--dp-auth-key");
  crypto::Issued dp_pb = load_issued(pb_cert, pb_key, "--dp-pb-key");

  std::pair<std::string, int> listen;
  try {
    listen = smdp::split_host_port(o.listen, 8443);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--listen: ") + e.what());
  }
  auto offers = load_offers(o);

  crypto::Drbg drbg = o.seed ? crypto::Drbg::from_seed(*o.seed, "smdp") : crypto::Drbg::from_os();
  std::mutex log_mutex;
  auto emit = [&](const json::Value& j, const std::string& text) {
    std::lock_guard<std::mutex> lock(log_mutex);
    if (o.json) {
      std::cout << json::dump(j) << std::endl;
    } else {
      std::cout << text << std::endl;
    }
  };

  // Bind first: the address a client must ask for may name the port the system chose.
  std::unique_ptr<smdp::Server> server;
  smdp::Es9Plus* es9 = nullptr;
  smdp::Es9PlusForward forward(&es9);

  auto log_request = [&](const smdp::HttpsRequestLog& r) {
    std::optional<smdp::ServerEvent> ev;
    ev.swap(t_last_event);
    auto j = json::Value::object();
    j["time"] = utc_now();
    j["remote"] = r.remote;
    j["path"] = r.path;
    j["http"] = r.http_status;
    std::string text =
        utc_now() + " " + r.remote + " " + r.path + " " + std::to_string(r.http_status);
    if (!r.outcome.empty()) {
      j["status"] = r.outcome;
      text += " " + r.outcome;
    }
    if (ev) {
      j["function"] = ev->function;
      if (!ev->transaction_id.empty()) {
        j["transactionId"] = to_hex(ev->transaction_id);
        text += " tid=" + to_hex(ev->transaction_id);
      }
      if (!ev->detail.empty()) {
        j["detail"] = ev->detail;
        text += " (" + ev->detail + ")";
      }
    }
    j["us"] = r.us;
    char ms[32];
    std::snprintf(ms, sizeof ms, " %.1f ms", static_cast<double>(r.us) / 1000);
    text += ms;
    emit(j, text);
  };

  // SIGINT/SIGTERM are taken by one thread that stops the server; every other thread (the
  // HTTP workers start later and inherit this mask) leaves them alone.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  smdp::Es9PlusHttpsServer https(forward, tls_cert, tls_key, log_request);
  https.set_max_request_bytes(o.max_request_bytes);
  const int port = https.bind(listen.first, listen.second);
  std::string address = o.address;
  if (address.empty()) {
    const auto& h = listen.first;
    const bool loopback_or_any = h == "127.0.0.1" || h == "0.0.0.0" || h == "::1" || h == "::";
    address = (loopback_or_any ? std::string("localhost") : h) +
              (port == 443 ? "" : ":" + std::to_string(port));
  }
  smdp::ServerConfig config{address, std::move(dp_auth), std::move(dp_pb),
                            std::move(trusted_ci_certs)};
  server = std::make_unique<smdp::Server>(config, drbg);
  server->on_event([](const smdp::ServerEvent& e) { t_last_event = e; });
  auto listing = json::Value::array();
  for (auto& offer : offers) {
    std::string id = offer.matching_id;
    bool cc = offer.confirmation_code.has_value();
    bool ppk = offer.ppk;
    Bytes package = offer.package;
    try {
      server->add_profile(std::move(offer));
      if (id == o.default_profile) {
        smdp::ProfileOffer d;
        d.matching_id = "";
        d.package = package;
        server->add_profile(std::move(d));
      }
    } catch (const std::invalid_argument& e) {
      throw UsageError(o.profiles + "/" + id + ": " + e.what());
    }
    auto p = json::Value::object();
    p["matchingId"] = id;
    p["confirmationCode"] = cc;
    p["ppk"] = ppk;
    listing.push_back(std::move(p));
  }
  if (!o.default_profile.empty() &&
      std::none_of(listing.begin(), listing.end(),
                   [&](const json::Value& p) { return p["matchingId"] == o.default_profile; }))
    throw UsageError("--default-profile: no profile '" + o.default_profile + "'");
  es9 = server.get();

  const std::string url = "https://" + listen.first + ":" + std::to_string(port);
  {
    auto j = json::Value::object();
    j["event"] = "listening";
    j["url"] = url;
    j["port"] = port;
    j["address"] = config.address;
    j["profiles"] = listing;
    std::string text = "euicc-sim SM-DP+ at " + url + ", smdpAddress " + config.address + ", " +
                       std::to_string(listing.size()) + " profile(s):";
    for (const auto& p : listing) text += " " + p["matchingId"].get<std::string>();
    emit(j, text);
  }

  std::thread waiter([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    https.stop();
  });
  https.run();
  // run() ended on its own (or through the waiter): wake the waiter if it still waits.
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  auto j = json::Value::object();
  j["event"] = "stopped";
  j["notifications"] = server->notifications_accepted();
  emit(j, "stopped; " + std::to_string(server->notifications_accepted()) +
              " notification(s) received");
  return 0;
}

}  // namespace

void add_smdp_commands(CLI::App& app) {
  auto o = std::make_shared<SmdpOptions>();
  auto* smdp = app.add_subcommand("smdp", "A test SM-DP+ (ES9+ over HTTPS)");
  smdp->require_subcommand(1);
  smdp->footer(
      "Example:\n"
      "  euicc-sim smdp serve --pki /tmp/pki --curve nist --profiles /tmp/profiles "
      "--listen 127.0.0.1:8443");
  auto* serve = smdp->add_subcommand(
      "serve", "Serve profile packages to LPAs over ES9+ (HTTPS, JSON), binding each for the card");
  serve->add_option("--pki", o->pki,
                    "A test PKI from `pki init`: DPauth, DPpb, TLS certificate and the CIs");
  serve->add_option("--curve", o->curve,
                    "The PKI's curve to serve with: nist or brainpool "
                    "(default: nist if present)");
  serve
      ->add_option("--profiles", o->profiles,
                   "Directory of profile packages: NAME.der (or a NAME.json builder spec) is "
                   "offered under matching ID NAME")
      ->required();
  serve->add_option("--listen", o->listen, "HOST:PORT to listen on (port 0: any free port)")
      ->capture_default_str();
  serve->add_option("--address", o->address,
                    "The SM-DP+ address LPAs must ask for (default: localhost:PORT for a "
                    "loopback listener, else HOST:PORT)");
  serve->add_option("--confirmation-code", o->confirmation_codes,
                    "MATCHING_ID=CODE: that profile needs the code (repeatable)");
  serve->add_option("--ppk", o->ppk,
                    "MATCHING_ID (or '*'): bind that profile with a random profile protection "
                    "key, ReplaceSessionKeys (repeatable)");
  serve->add_option("--default-profile", o->default_profile,
                    "MATCHING_ID also served to requests without a matching ID");
  serve->add_option("--dp-auth-cert", o->dp_auth_cert, "DPauth certificate (DER), e.g. SGP.26's");
  serve->add_option("--dp-auth-key", o->dp_auth_key, "DPauth key (PEM, SEC1 or PKCS#8)");
  serve->add_option("--dp-pb-cert", o->dp_pb_cert, "DPpb certificate (DER)");
  serve->add_option("--dp-pb-key", o->dp_pb_key, "DPpb key (PEM)");
  serve->add_option("--ci-cert", o->ci_certs, "A CI to trust for eUICC chains (DER; repeatable)");
  serve->add_option("--tls-cert", o->tls_cert,
                    "TLS certificate: PEM (then its issuers) or one DER certificate");
  serve->add_option("--tls-key", o->tls_key, "TLS key: PEM or DER (SEC1 or PKCS#8)");
  serve->add_option("--seed", o->seed, "Repeatable transaction ids, challenges and keys");
  serve
      ->add_option("--max-request-bytes", o->max_request_bytes,
                   "Refuse a request body longer than this with HTTP 413, unread")
      ->check(CLI::Range(std::size_t{1024}, std::size_t{64} << 20))
      ->capture_default_str();
  serve->add_flag("--json", o->json, "Log as JSON lines");
  serve->footer(
      "Every request is logged: time, client, path, HTTP status, ES9+ status, transaction, "
      "duration.\nStops on SIGINT/SIGTERM.\n"
      "Examples:\n"
      "  euicc-sim pki init /tmp/pki --curve nist\n"
      "  euicc-sim smdp serve --pki /tmp/pki --profiles docs/examples --listen 127.0.0.1:8443\n"
      "  euicc-sim lpa download --card EID --smdp localhost:8443 --matching-id test-profile "
      "--ca /tmp/pki/nist/ci.pem");
  serve->callback([o] { std::exit(run(*o)); });
}

}  // namespace euiccsim::tools
