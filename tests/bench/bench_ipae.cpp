// N in-process IPAe cards polling one eIM over loopback HTTPS (the baseline for fleet-scale
// goals, docs/ipae.md): each card is an iot card with an IPAe whose eIM has queued K eUICC
// packages (a disable and an enable of its profile in turn, so each changes state and signs
// a notification). One IpaeRunner thread drives every card's IPAe, as `serve` does; the eIM is
// the test eIM of tests/unit/support behind cpp-httplib's OpenSSL server. Prints packages and
// ESipa round trips per second, the round trips' p50/p99, and where the time went: the card's
// crypto, its image writes, TLS/HTTP/DER and the rest of the card side (the runner thread's CPU
// time less those two), and the eIM's handling. Never passes or fails on them.
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

#include "../unit/support/test_eim.hpp"
#include "euiccsim/applets/isdp/profile_state.hpp"
#include "euiccsim/crypto/op_stats.hpp"
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

  // The eIM: one test eIM per card, routed by the EID of each request.
  std::mutex eim_mu;
  std::map<std::string, std::unique_ptr<test::TestEim>> eims;
  std::chrono::nanoseconds eim_time{0};
  httplib::SSLServer server((dir / "chain.pem").c_str(), (dir / "key.pem").c_str());
  server.Post("/gsma/rsp2/asn1", [&](const httplib::Request& req, httplib::Response& res) {
    const auto start = Steady::now();
    std::lock_guard lock(eim_mu);
    test::HttpIn in;
    in.method = "POST";
    in.path = req.path;
    in.body.assign(req.body.begin(), req.body.end());
    in.headers["x-admin-protocol"] = req.get_header_value("X-Admin-Protocol");
    in.headers["content-type"] = req.get_header_value("Content-Type");
    // BF4F / BF50 { 5A eid ... }: the EID is the first child.
    std::string eid;
    if (auto top = tlv::read(in.body)) {
      if (auto first = tlv::read(top->value); first && first->tag == 0x5A)
        eid = to_hex(first->value);
    }
    auto it = eims.find(eid);
    test::HttpOut out;
    if (it == eims.end()) {
      out.status = 400;
    } else {
      out = it->second->handle(in);
    }
    res.status = out.status;
    if (!out.body.empty())
      res.set_content(std::string(out.body.begin(), out.body.end()), out.content_type.c_str());
    eim_time += Steady::now() - start;
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  if (port <= 0) return 1;
  std::thread server_thread([&] { server.listen_after_bind(); });

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
    card->es10(tlv::encode(0xBF57, tlv::encode(0xA0, eim_cfg)));
    auto e = std::make_unique<test::TestEim>("eim-1", pki.eim.key, card->id(),
                                             card->state().identity.euicc_certificate);
    e->set_token(1);
    for (int p = 0; p < k; ++p) {
      e->queue_operations(
          {(p % 2 == 0 ? "disable " : "enable ") + kPayload + Iccid::luhn_digit(kPayload)});
    }
    eims[card->id()] = std::move(e);
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
  const double cpu0 = thread_cpu_ms();
  const auto start = Steady::now();
  std::vector<applets::ipae::CycleReport> reports;
  {
    crypto::OpRecorder record(crypto_stats);
    reports = runner.poll_all(std::chrono::seconds(1800));
  }
  const double wall = Ms(Steady::now() - start).count();
  const double cpu = thread_cpu_ms() - cpu0;
  server.stop();
  server_thread.join();

  unsigned ok = 0, packages = 0, exchanges = 0;
  for (const auto& r : reports) {
    ok += r.ok ? 1 : 0;
    packages += r.packages;
    exchanges += r.exchanges;
  }
  unsigned verified = 0;
  for (const auto& [eid, e] : eims)
    for (const auto& r : e->results) verified += r.verified ? 1 : 0;
  const double crypto_ms = Ms(crypto_stats.total()).count();
  const double persist_ms = Ms(persist).count();
  std::printf("  cycles ok            %u of %d\n", ok, n);
  std::printf("  packages             %u (%u results verified by the eIM), %.1f per second\n",
              packages, verified, packages / (wall / 1000));
  std::printf("  ESipa round trips    %u, %.1f per second; p50 %.1f ms, p99 %.1f ms\n", exchanges,
              exchanges / (wall / 1000), percentile(rtt, 0.5), percentile(rtt, 0.99));
  std::printf("  wall time            %.0f ms\n", wall);
  std::printf("  card crypto          %.0f ms (runner thread)\n", crypto_ms);
  std::printf("  card image writes    %.0f ms wall (fsync included), %.0f ms CPU\n", persist_ms,
              persist_cpu);
  std::printf("  TLS/HTTP/DER + rest  %.0f ms (runner thread CPU less crypto and image writes)\n",
              std::max(0.0, cpu - crypto_ms - persist_cpu));
  std::printf("  eIM handling         %.0f ms (the test eIM, serialised; its TLS is OpenSSL's)\n",
              Ms(eim_time).count());
  std::printf(
      "  eIM SQLite           n/a (the test eIM keeps no database; measured with eim serve)\n");
  std::error_code ec;
  fs::remove_all(dir, ec);
  return ok == static_cast<unsigned>(n) ? 0 : 1;
}
