// The test SM-DP+ over many download cycles: does its memory stay flat? Each cycle is a whole
// download into an in-memory card (tools/lpa between the card and tools/smdp), the install
// notification delivered, the profile deleted and its delete notification delivered, so the
// card ends every cycle as it began and only the server could grow. Prints the process's
// resident set size (VmRSS) and what the server holds, every tenth of the run.
//
//   bench_smdp_retention [CYCLES [MAX]]   MAX: each ServerConfig::Retention count (default:
//                                         the server's own defaults)
// Never pass/fail on numbers: docs/download.md records a run.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "../unit/support/es10_card.hpp"
#include "euiccsim/crypto/tlv.hpp"
#include "lpa/download.hpp"
#include "smdp/server.hpp"

using namespace euiccsim;

namespace {

long rss_kib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return -1;
}

Bytes package() {
  profiles::ProfileSpec spec;
  spec.iccid = Iccid::parse(test::iccid_of("8999900000000000901"));
  spec.imsi = "001010000000901";
  spec.profile_type = "retention bench";
  auto k = from_hex("465B5CE8B199B49FAA5F0A2EE238A6BC");
  auto opc = from_hex("CD63CB71954A9F4E48A5994E37A02BAF");
  spec.k = SecureBytes(k.begin(), k.end());
  spec.opc = SecureBytes(opc.begin(), opc.end());
  return profiles::encode_package(profiles::build_profile(spec));
}

}  // namespace

int main(int argc, char** argv) {
  const long cycles = argc > 1 ? std::atol(argv[1]) : 300;
  auto drbg = crypto::Drbg::from_seed(19, "retention");
  crypto::CiOptions ci_options;
  auto ci = crypto::make_ci(ci_options, drbg);
  crypto::EumOptions eum_options;
  eum_options.eid_prefix = "89049032";
  auto eum = crypto::make_eum(ci, eum_options, drbg);
  CardState state(*Eid::parse("89049032123451234512345678901235"));
  sim::issue_identity(state, sim::Issuer{ci, eum}, drbg);
  CardSimulator card = test::es10_card(std::move(state));

  smdp::ServerConfig config{"smdp.example.com",
                            crypto::make_dp_auth(ci, {}, drbg),
                            crypto::make_dp_pb(ci, {}, drbg),
                            {ci.certificate}};
  if (argc > 2) {
    const auto max = static_cast<std::size_t>(std::atol(argv[2]));
    config.retention.max_open = config.retention.max_finished = config.retention.max_notifications =
        max;
  }
  smdp::Server server(config, drbg);
  smdp::ProfileOffer offer;
  offer.matching_id = "BENCH";
  offer.package = package();
  server.add_profile(offer);
  const lpa::Es10 es10 = [&](ByteView request) { return card.es10(request); };
  lpa::DownloadRequest request;
  request.smdp_address = "smdp.example.com";
  request.matching_id = "BENCH";
  const Bytes remove =
      tlv::encode(0xBF33, tlv::encode(0x5A, test::iccid_bytes("8999900000000000901")));

  std::printf("smdp retention: %ld download cycles, counts at most %zu / %zu / %zu\n", cycles,
              config.retention.max_open, config.retention.max_finished,
              config.retention.max_notifications);
  std::printf("%8s %10s %6s %9s %14s\n", "cycle", "VmRSS KiB", "open", "finished", "notifications");
  auto report = [&](long cycle) {
    const auto held = server.held();
    std::printf("%8ld %10ld %6zu %9zu %14zu\n", cycle, rss_kib(), held.open, held.finished,
                held.notifications);
    std::fflush(stdout);
  };
  report(0);
  for (long i = 1; i <= cycles; ++i) {
    auto r = lpa::download(es10, server, request);
    if (!r.installed) {
      std::fprintf(stderr, "cycle %ld: download failed\n", i);
      return 1;
    }
    lpa::process_notifications(es10, server);
    if (to_hex(card.es10(remove)) != "BF3303800100") {
      std::fprintf(stderr, "cycle %ld: delete failed\n", i);
      return 1;
    }
    lpa::process_notifications(es10, server);
    if (cycles < 10 || i % (cycles / 10) == 0) report(i);
  }
  std::printf("notifications accepted in all: %llu\n",
              static_cast<unsigned long long>(server.notifications_accepted()));
  return 0;
}
