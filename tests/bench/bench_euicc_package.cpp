// Card-side cost of SGP.32 LoadEuiccPackage in-process: an iot card with one eIM takes N
// signed packages (each a single PSMO, enable and disable of its demo profile in turn, so every
// package changes profile state and signs a notification), through STORE DATA as an IPA sends
// them, its image saved to a temporary directory after each. Prints the median and p90 of the
// card's time per package and how it splits: crypto (the eIM signature's verification, the
// notifications' and the result's signatures), persistence (the image written and fsynced),
// and the rest (decoding, checks, execution, encoding). Never passes or fails on them.
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "eim/euicc_package.hpp"
#include "euiccsim/applets/isdp/profile_state.hpp"
#include "euiccsim/crypto/op_stats.hpp"
#include "euiccsim/crypto/tlv.hpp"
#include "euiccsim/profiles/builder.hpp"
#include "euiccsim/profiles/installer.hpp"
#include "euiccsim/profiles/package.hpp"
#include "euiccsim/simulator/card_image.hpp"
#include "euiccsim/simulator/card_simulator.hpp"
#include "euiccsim/simulator/identity.hpp"

namespace fs = std::filesystem;
using namespace euiccsim;
using Clock = std::chrono::steady_clock;
using Ms = std::chrono::duration<double, std::milli>;

namespace {

profiles::InstalledProfile demo_profile() {
  profiles::ProfileSpec spec;
  const std::string payload = "8999900000000000007";
  spec.iccid = Iccid::parse(payload + Iccid::luhn_digit(payload));
  spec.imsi = "001010000000007";
  auto k = from_hex("465B5CE8B199B49FAA5F0A2EE238A6BC");
  spec.k = SecureBytes(k.begin(), k.end());
  spec.opc = spec.k;
  return profiles::install_package(profiles::encode_package(profiles::build_profile(spec)));
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 200;
  std::string tmpl = (fs::temp_directory_path() / "bench-euicc-package-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) return 1;
  const fs::path image = fs::path(tmpl) / "card.image";

  auto drbg = crypto::Drbg::from_seed(3, "bench-euicc-package");
  CardState state(*Eid::parse("89049032123451234512345678901235"));
  sim::issue_identity(state, sim::make_test_issuer(drbg, "89049032"), drbg);
  state.config.personality = personality::kIot;
  ProfileMetadata notifying;
  notifying.profile_name = "demo";
  for (auto e : {NotificationEvent::kEnable, NotificationEvent::kDisable})
    notifying.notification_config.push_back({e, "smdp.example.com"});
  applets::isdp::preload(state, demo_profile(), notifying, false);
  const auto eim_key = crypto::PrivateKey::generate(crypto::Curve::kNistP256, drbg);
  EimConfig eim;
  eim.eim_id = "bench-eim";
  eim.association_token = 1;
  eim.public_key =
      EimKeyData{EimKeyData::Kind::kPublicKey, eim_key.public_key().subject_public_key_info()};
  state.eims.push_back(eim);
  state.last_association_token = 1;
  const std::string eid = state.eid.str();

  Clock::duration persist{0};
  CardSimulator::Options o;
  o.seed = 3;
  o.state = std::move(state);
  o.persist = [&](const CardState& s) {
    crypto::OpStats elsewhere;
    crypto::OpRecorder divert(elsewhere);
    const auto t = Clock::now();
    sim::save_image(image, s);
    persist += Clock::now() - t;
  };
  CardSimulator card(std::move(o));
  card.select(aid::isd_r());

  std::vector<double> total, crypto_ms, persist_ms;
  for (int i = 1; i <= n; ++i) {
    eim::PackageSpec spec;
    spec.eim_id = "bench-eim";
    spec.eid = eid;
    spec.counter_value = i;
    spec.operations = {eim::parse_operation(
        std::string(i % 2 == 1 ? "enable" : "disable") + " 89999000000000000007", false)};
    const Bytes request = eim::build_package(spec, eim_key, 1);
    crypto::OpStats ops;
    persist = Clock::duration::zero();
    const auto t = Clock::now();
    Bytes answer;
    {
      crypto::OpRecorder record(ops);
      answer = card.es10(request);
    }
    total.push_back(Ms(Clock::now() - t).count());
    crypto_ms.push_back(Ms(ops.total()).count());
    persist_ms.push_back(Ms(persist).count());
    // A signed result ('BF51 .. A0'), every time.
    if (answer.size() < 4 || answer[0] != 0xBF || answer[1] != 0x51) return 1;
    // Results and notifications are removed as an IPA would after delivery, so the image
    // stays the size of a card in use rather than growing with the run.
    std::vector<std::uint64_t> seqs;
    for (const auto& x : card.card().state().notifications) seqs.push_back(x.seq_number);
    for (const auto& x : card.card().state().package_results) seqs.push_back(x.seq_number);
    for (auto seq : seqs) {
      card.es10(
          tlv::encode(0xBF30, tlv::encode(0x80, tlv::der_integer(static_cast<std::int64_t>(seq)))));
    }
  }
  std::printf(
      "LoadEuiccPackage in-process, %d packages (one enable or disable PSMO each, P-256 eIM)\n", n);
  std::printf("  card time  p50 %.2f ms  p90 %.2f ms\n", percentile(total, 0.5),
              percentile(total, 0.9));
  std::printf("  crypto     p50 %.2f ms  (verify the eimSignature; sign the notification and the result)\n",
              percentile(crypto_ms, 0.5));
  std::printf("  persist    p50 %.2f ms  (sim::save_image with fsync, %s)\n",
              percentile(persist_ms, 0.5), image.parent_path().c_str());
  std::vector<double> rest;
  for (std::size_t i = 0; i < total.size(); ++i)
    rest.push_back(total[i] - crypto_ms[i] - persist_ms[i]);
  std::printf("  the rest   p50 %.2f ms  (decode, checks, execution, encoding)\n",
              percentile(rest, 0.5));
  fs::remove_all(tmpl);
  return 0;
}
