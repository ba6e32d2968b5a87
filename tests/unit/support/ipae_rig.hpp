// An IoT card with an IPAe, its eIM and the network between them, all in process, for the
// IPAe's unit tests: a test PKI, a card issued from it with an IPAe (active) and an eIM
// associated at the factory (AddInitialEim), the in-process eIM behind a TLS server on the
// memory network, a manual clock, and helpers to run a poll cycle to its end and to restart
// the card from the image it last saved (the SIGKILL of the integration tests, in process).
#pragma once

#include <catch.hpp>

#include "es10_card.hpp"
#include "euiccsim/applets/ipae/ipae.hpp"
#include "euiccsim/simulator/identity.hpp"
#include "memory_network.hpp"
#include "test_eim.hpp"

namespace euiccsim::test {

inline const sim::TestPki& ipae_pki() {
  static const sim::TestPki p = [] {
    auto drbg = crypto::Drbg::from_seed(21, "ipae-pki");
    return sim::make_test_pki(crypto::Curve::kNistP256, {}, drbg);
  }();
  return p;
}

inline applets::ipae::TimePoint ipae_epoch() {
  return applets::ipae::from_unix_ms(1767225600000);  // 2026-01-01
}

struct Recorder final : applets::ipae::IpaeObserver {
  std::vector<applets::ipae::ExchangeRecord> exchanges;
  std::vector<std::string> notes;
  std::vector<applets::ipae::CycleReport> cycles;
  void exchange(const applets::ipae::ExchangeRecord& r) override { exchanges.push_back(r); }
  void note(const std::string& line) override { notes.push_back(line); }
  void cycle_ended(const applets::ipae::CycleReport& r) override { cycles.push_back(r); }
  bool noted(const std::string& part) const {
    return std::any_of(notes.begin(), notes.end(),
                       [&](const std::string& n) { return n.find(part) != std::string::npos; });
  }
};

// The EimConfigurationData of a test eIM at localhost:port (DER), with an association token
// asked for, retrieval over HTTPS, and `extra_hex` appended inside (e.g. an A6 or 89 field).
inline Bytes eim_configuration(const std::string& eim_id, std::uint16_t port,
                               const Bytes& certificate, bool indirect = false) {
  eim::EimConfiguration c;
  c.eim_id = eim_id;
  c.fqdn = "localhost:" + std::to_string(port);
  c.counter_value = 0;
  c.association_token = -1;
  c.certificate = certificate;
  c.supported_protocols = 1u;  // eimRetrieveHttps
  c.indirect_profile_download = indirect;
  return eim::encode_eim_configuration(c);
}

struct IpaeRig {
  const sim::TestPki& pki = ipae_pki();
  applets::ipae::ManualClock clock{ipae_epoch()};
  MemoryNetwork net;
  Recorder recorder;
  std::vector<CardState> saved;
  std::unique_ptr<CardSimulator> card;
  std::unique_ptr<applets::ipae::Ipae> ipae;
  std::unique_ptr<TestEim> eim;
  std::uint64_t ipae_seed = 5;
  applets::ipae::IpaeOptions options;

  static constexpr std::uint16_t kEimPort = 8443;

  // `profiles` preloaded; the IPAe active unless told otherwise.
  std::uint16_t eim_port = kEimPort;

  explicit IpaeRig(const std::vector<PreloadSpec>& profiles = {}, bool active = true,
                   bool indirect = false, IpaeConfig config = {}, std::uint16_t port = kEimPort)
      : eim_port(port) {
    CardState state(*Eid::parse("89049032123451234512345678901235"));
    auto drbg = crypto::Drbg::from_seed(7, "ipae-card");
    sim::CardIssuer issuer{pki.eum, {pki.ci.certificate}};
    sim::issue_identity(state, issuer, drbg);
    for (const auto& p : profiles) {
      applets::isdp::preload(state, small_profile(p.iccid_payload), p.metadata, p.enabled);
    }
    state.config.personality = personality::kIot;
    config.tls_ca_certificates = {pki.ci.certificate};
    state.config.ipae = config;
    state.ipa_mode = active ? kIpaModeIpae : kIpaModeIpad;
    start_card(std::move(state));
    // The factory's AddInitialEim, over APDUs as a factory IPAd would send it.
    const Bytes cfg = eim_configuration("eim-1", eim_port, pki.eim.certificate, indirect);
    Bytes list = cfg;
    const Bytes rsp = card->es10(tlv::encode(0xBF57, tlv::encode(0xA0, list)));
    REQUIRE(to_hex(rsp) == "BF5705A003840101");  // associationToken 1
    eim = std::make_unique<TestEim>("eim-1", pki.eim.key, card->eid().str(),
                                    card->card().state().identity.euicc_certificate);
    eim->set_token(1);
    eim->euicc_certificate = card->card().state().identity.euicc_certificate;
    eim->eum_certificate = card->card().state().identity.eum_certificate;
    eim->card_info2 = [this] { return card->card().es10(from_hex("BF2200")).data; };
    net.listen("localhost", eim_port, {pki.dp_tls.certificate, pki.ci.certificate}, pki.dp_tls.key,
               [this](const HttpIn& in) { return eim->handle(in); });
    start_ipae();
  }

  void start_card(CardState state) {
    CardSimulator::Options o;
    o.seed = 7;
    o.state = std::move(state);
    o.persist = [this](const CardState& s) { saved.push_back(s); };
    card = std::make_unique<CardSimulator>(std::move(o));
    card->select(aid::isd_r());
  }
  void start_ipae() {
    ipae = std::make_unique<applets::ipae::Ipae>(
        card->card(), net, clock, crypto::Drbg::from_seed(ipae_seed++), options, &recorder);
    net.attach(*ipae);
  }
  const CardState& state() const { return card->card().state(); }

  // Delivers network events until none is left (the IPAe then waits on time only).
  void settle() {
    for (int i = 0; i < 1000000 && net.pump() > 0; ++i) {
    }
  }
  // One cycle, triggered now; returns its report.
  applets::ipae::CycleReport poll() {
    const auto before = recorder.cycles.size();
    ipae->wake(applets::ipae::Ipae::Wake::kTrigger);
    settle();
    REQUIRE(recorder.cycles.size() == before + 1);
    return recorder.cycles.back();
  }
  // Moves the clock to the next wake-up and ticks (timeouts, the schedule).
  void advance_to_wakeup() {
    auto at = ipae->next_wakeup();
    REQUIRE(at);
    if (*at > clock.now()) clock.set(*at);
    ipae->tick();
    settle();
  }
  // The card killed and started again from the image it last wrote, with a new IPAe.
  void restart() {
    REQUIRE(!saved.empty());
    CardState last = saved.back();
    ipae.reset();
    start_card(std::move(last));
    start_ipae();
  }
  // Exchanges of one function, in order.
  std::vector<applets::ipae::ExchangeRecord> exchanges(const std::string& function) const {
    std::vector<applets::ipae::ExchangeRecord> out;
    for (const auto& e : recorder.exchanges)
      if (e.function == function) out.push_back(e);
    return out;
  }
};

}  // namespace euiccsim::test
