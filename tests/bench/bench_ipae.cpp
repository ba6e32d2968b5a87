// N in-process IPAe cards polling one eIM over loopback HTTPS (the baseline for fleet-scale
// goals, docs/ipae.md): each card is an iot card with an IPAe whose eIM has queued K eUICC
// packages (a disable and an enable of its profile in turn, so each changes state and signs
// a notification). One IpaeRunner thread drives every card's IPAe, as `serve` does; the eIM is
// `eim serve`'s own stack in process (tools/eim: eim::Eim on its SQLite store in WAL mode with
// synchronous=FULL, behind EsipaHttpsServer, cpp-httplib over OpenSSL), so every package is
// signed, handed out, and every result verified and recorded as `eim serve` does. Prints
// packages and ESipa round trips per second, the round trips' p50/p99, and where the time
// went: the card's crypto, its image writes, TLS/HTTP/DER and the rest of the card side (the
// runner thread's CPU time less those two), the eIM's handling, and inside it SQLite. Never
// passes or fails on them.
//
//   bench_ipae [N cards = 100] [K packages per card = 2] [M cycles at once = 32, 0: all]
#include <httplib.h>
#include <stdlib.h>
#include <time.h>

#include <botan/pem.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include "eim/eim.hpp"
#include "eim/esipa_https.hpp"
#include "eim/euicc_package.hpp"
#include "euiccsim/applets/isdp/profile_state.hpp"
#include "euiccsim/crypto/op_stats.hpp"
#include "euiccsim/crypto/tlv.hpp"
#include "euiccsim/profiles/builder.hpp"
#include "euiccsim/profiles/installer.hpp"
#include "euiccsim/profiles/package.hpp"
#include "euiccsim/simulator/card_image.hpp"
#include "euiccsim/simulator/euicc.hpp"
#include "euiccsim/simulator/host/ipae_runner.hpp"
#include "euiccsim/simulator/identity.hpp"

namespace fs = std::filesystem;
using namespace euiccsim;
using Steady = std::chrono::steady_clock;
using Ms = std::chrono::duration<double, std::milli>;

namespace {

const std::string kPayload = "8999900000000000011";

profiles::InstalledProfile profile() {
  profiles::ProfileSpec spec;
  spec.iccid = Iccid::parse(kPayload + Iccid::luhn_digit(kPayload));
  spec.imsi = "001010000000011";
  auto k = from_hex("465B5CE8B199B49FAA5F0A2EE238A6BC");
  spec.k = SecureBytes(k.begin(), k.end());
  spec.opc = spec.k;
  return profiles::install_package(profiles::encode_package(profiles::build_profile(spec)));
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

double thread_cpu_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

std::string pem(const Bytes& der) {
  return Botan::PEM_Code::encode(der.data(), der.size(), "CERTIFICATE");
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 100;
  const int k = argc > 2 ? std::atoi(argv[2]) : 2;
  const int m = argc > 3 ? std::atoi(argv[3]) : 32;
  std::string tmpl = (fs::temp_directory_path() / "bench-ipae-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) return 1;
  const fs::path dir(tmpl);

  auto pki_drbg = crypto::Drbg::from_seed(5, "bench-ipae-pki");
  const auto pki = sim::make_test_pki(crypto::Curve::kNistP256, {}, pki_drbg);
  std::ofstream(dir / "chain.pem") << pem(pki.dp_tls.certificate) << pem(pki.ci.certificate);
  std::ofstream(dir / "key.pem") << pki.dp_tls.key.pkcs8_pem();

  // The eIM, as `eim serve` runs it.
  auto store = eim::Store::open((dir / "eim.db").string(), true);
  eim::EimConfig eo;
  eo.identities.push_back({"eim-1", pki.eim.key});
  eo.trusted_ci_certs = {pki.ci.certificate};
  eo.seed = 3;
  eim::Eim eim_server(*store, std::move(eo));
  std::mutex eim_mu;
  std::int64_t eim_us = 0, eim_requests = 0, eim_errors = 0;
  eim::EsipaHttpsServer server(eim_server, (dir / "chain.pem").string(), (dir / "key.pem").string(),
                               [&](const eim::EsipaRequestLog& l) {
                                 std::lock_guard lock(eim_mu);
                                 eim_us += l.us;
                                 ++eim_requests;
                                 if (l.http_status != 200) ++eim_errors;
                               });
  const int port = server.bind("127.0.0.1", 0);
  std::thread server_thread([&] { server.run(); });

  // The cards, each with its eIM associated at the factory and its packages queued.
  std::chrono::nanoseconds persist{0};
  double persist_cpu = 0;
  std::vector<std::unique_ptr<sim::Card>> cards;
  const auto made = Steady::now();
  const auto installed = profile();
  auto eim_cfg = [&] {
    eim::EimConfiguration c;
    c.eim_id = "eim-1";
    c.fqdn = "localhost:" + std::to_string(port);
    c.counter_value = 0;
    c.association_token = -1;
    c.certificate = pki.eim.certificate;
    c.supported_protocols = 1;
    return eim::encode_eim_configuration(c);
  }();
  for (int i = 0; i < n; ++i) {
    auto drbg = crypto::Drbg::from_seed(static_cast<std::uint64_t>(i), "bench-ipae-card");
    CardState state(Eid::generate("89049032", drbg));
    sim::issue_identity(state, sim::CardIssuer{pki.eum, {pki.ci.certificate}}, drbg);
    applets::isdp::preload(state, installed, ProfileMetadata{}, true);
    state.config.personality = personality::kIot;
    IpaeConfig cfg;
    cfg.tls_ca_certificates = {pki.ci.certificate};
    state.config.ipae = cfg;
    state.ipa_mode = kIpaModeIpae;
    const fs::path image = dir / (state.eid.str() + ".card");
    auto card = sim::make_euicc(std::move(state), std::move(drbg),
                                [&persist, &persist_cpu, image](const CardState& s) {
                                  const auto t = Steady::now();
                                  const double c = thread_cpu_ms();
                                  sim::save_image(image, s);
                                  persist += Steady::now() - t;
                                  persist_cpu += thread_cpu_ms() - c;
                                });
    card->es10(tlv::encode(0xBF57, tlv::encode(0xA0, eim_cfg)));  // associationToken 1
    eim_server.register_card(card->id(), "eim-1", 0, std::optional<std::int64_t>(1),
                             card->state().identity.euicc_certificate);
    for (int p = 0; p < k; ++p) {
      eim::QueueRequest q;
      q.eid = card->id();
      q.operations = {(p % 2 == 0 ? "disable " : "enable ") + kPayload +
                      Iccid::luhn_digit(kPayload)};
      eim_server.enqueue(q);
    }
    cards.push_back(std::move(card));
  }
  std::printf(
      "bench_ipae: %d cards made in %.0f ms; %d packages each; %d cycles at once; eIM at "
      "127.0.0.1:%d\n",
      n, Ms(Steady::now() - made).count(), k, m, port);

  persist = {};
  persist_cpu = 0;
  applets::ipae::SystemClock clock;
  std::vector<double> rtt;
  sim::host::IpaeRunner::Options o;
  o.max_concurrent_cycles = static_cast<unsigned>(std::max(m, 0));
  o.exchange = [&](const std::string&, const applets::ipae::ExchangeRecord& r) {
    rtt.push_back(static_cast<double>(r.duration.count()));
  };
  sim::host::IpaeRunner runner(clock, o);
  for (auto& c : cards) runner.add(*c, crypto::Drbg::from_seed(7));
  crypto::OpStats crypto_stats;
  const auto sqlite0 = eim::sqlite_time();
  const double cpu0 = thread_cpu_ms();
  const auto start = Steady::now();
  std::vector<applets::ipae::CycleReport> reports;
  {
    crypto::OpRecorder record(crypto_stats);
    reports = runner.poll_all(std::chrono::seconds(1800));
  }
  const double wall = Ms(Steady::now() - start).count();
  const double cpu = thread_cpu_ms() - cpu0;
  const double sqlite_ms = Ms(eim::sqlite_time() - sqlite0).count();
  server.stop();
  server_thread.join();

  unsigned ok = 0, packages = 0, exchanges = 0;
  for (const auto& r : reports) {
    ok += r.ok ? 1 : 0;
    packages += r.packages;
    exchanges += r.exchanges;
  }
  std::int64_t verified = 0, done = 0;
  for (const auto& c : cards) {
    const auto st = eim_server.status(c->id());
    verified += *json::integer_of(json::member(json::member(st, "counts"), "resultsVerified"));
    done += *json::integer_of(json::member(json::member(st, "counts"), "done"));
  }
  const double crypto_ms = Ms(crypto_stats.total()).count();
  const double persist_ms = Ms(persist).count();
  std::printf("  cycles ok            %u of %d\n", ok, n);
  std::printf(
      "  packages             %u (%lld done and %lld results verified by the eIM), %.1f "
      "per second\n",
      packages, static_cast<long long>(done), static_cast<long long>(verified),
      packages / (wall / 1000));
  std::printf("  ESipa round trips    %u, %.1f per second; p50 %.1f ms, p99 %.1f ms\n", exchanges,
              exchanges / (wall / 1000), percentile(rtt, 0.5), percentile(rtt, 0.99));
  std::printf("  wall time            %.0f ms\n", wall);
  std::printf("  card crypto          %.0f ms (runner thread)\n", crypto_ms);
  std::printf("  card image writes    %.0f ms wall (fsync included), %.0f ms CPU\n", persist_ms,
              persist_cpu);
  std::printf("  TLS/HTTP/DER + rest  %.0f ms (runner thread CPU less crypto and image writes)\n",
              std::max(0.0, cpu - crypto_ms - persist_cpu));
  std::printf(
      "  eIM handling         %.0f ms over %lld requests (%lld not 200), request in to "
      "answer out, summed over its HTTP threads\n",
      static_cast<double>(eim_us) / 1000, static_cast<long long>(eim_requests),
      static_cast<long long>(eim_errors));
  std::printf("  eIM SQLite           %.0f ms of it (statements, BEGIN/COMMIT, WAL fsync)\n",
              sqlite_ms);
  std::error_code ec;
  fs::remove_all(dir, ec);
  return ok == static_cast<unsigned>(n) ? 0 : 1;
}
