// The terminal that plays the device (tools/terminal) with a real card: an IoT card whose IPAe
// reaches its eIM only through BIP, the terminal carrying the channels on an in-memory network
// to the test eIM behind TLS; then the terminal's faults (errors in every TERMINAL RESPONSE, no
// FETCH at all, links dropped early), and REFRESH carried out in both modes. The clock is
// manual: nothing sleeps.
#include <catch.hpp>

#include "../support/ipae_rig.hpp"
#include "euiccsim/simulator/bip_bearer.hpp"
#include "terminal/terminal.hpp"

using namespace euiccsim;
using test::HttpIn;
using test::HttpOut;
using Wake = applets::ipae::Ipae::Wake;

namespace {

const std::string kP1 = "8999900000000000001";
const std::string kP2 = "8999900000000000002";
constexpr std::uint16_t kPort = 8443;

const sim::TestPki& pki() {
  // The eIM's TLS certificate names 127.0.0.1: over BIP the IPAe knows its eIM by address.
  static const sim::TestPki p = [] {
    auto drbg = crypto::Drbg::from_seed(23, "bip-pki");
    sim::TestPkiOptions o;
    o.tls_name = "127.0.0.1";
    return sim::make_test_pki(crypto::Curve::kNistP256, o, drbg);
  }();
  return p;
}

struct Link final : terminal::CardLink {
  sim::Card* card = nullptr;
  Bytes transmit(const Bytes& a) override { return card->transmit(a); }
  Bytes reset() override { return card->reset(); }
};

struct Forward final : applets::ipae::BearerEvents {
  applets::ipae::Ipae* ipae = nullptr;
  void on_bearer_event(const applets::ipae::BearerEvent& e) override { ipae->on_bearer_event(e); }
};

struct BipRig {
  applets::ipae::ManualClock clock{test::ipae_epoch()};
  test::MemoryNetwork net;
  test::Recorder recorder;
  std::unique_ptr<CardSimulator> card;
  std::unique_ptr<test::TestEim> eim;
  Forward forward;
  std::unique_ptr<sim::BipBearer> bip;
  std::unique_ptr<applets::ipae::Ipae> ipae;
  Link link;
  std::vector<terminal::Exchange> log;
  std::unique_ptr<terminal::Terminal> term;

  explicit BipRig(terminal::TerminalOptions options = {}, bool start = true) {
    CardState state(*Eid::parse("89049032123451234512345678901235"));
    auto drbg = crypto::Drbg::from_seed(7, "bip-card");
    sim::CardIssuer issuer{pki().eum, {pki().ci.certificate}};
    sim::issue_identity(state, issuer, drbg);
    applets::isdp::preload(state, test::small_profile(kP1), {}, true);
    applets::isdp::preload(state, test::small_profile(kP2), {}, false);
    state.config.personality = personality::kIot;
    IpaeConfig config;
    config.tls_ca_certificates = {pki().ci.certificate};
    state.config.ipae = config;
    state.ipa_mode = kIpaModeIpae;
    CardSimulator::Options o;
    o.seed = 7;
    o.state = std::move(state);
    card = std::make_unique<CardSimulator>(std::move(o));
    card->select(aid::isd_r());
    eim::EimConfiguration c;
    c.eim_id = "eim-1";
    c.fqdn = "127.0.0.1:" + std::to_string(kPort);
    c.counter_value = 0;
    c.association_token = -1;
    c.certificate = pki().eim.certificate;
    c.supported_protocols = 1u;
    const Bytes rsp =
        card->es10(tlv::encode(0xBF57, tlv::encode(0xA0, eim::encode_eim_configuration(c))));
    REQUIRE(to_hex(rsp) == "BF5705A003840101");
    eim = std::make_unique<test::TestEim>("eim-1", pki().eim.key, card->eid().str(),
                                          card->card().state().identity.euicc_certificate);
    eim->set_token(1);
    eim->euicc_certificate = card->card().state().identity.euicc_certificate;
    eim->eum_certificate = card->card().state().identity.eum_certificate;
    eim->card_info2 = [this] { return card->card().es10(from_hex("BF2200")).data; };
    net.listen("127.0.0.1", kPort, {pki().dp_tls.certificate, pki().ci.certificate},
               pki().dp_tls.key, [this](const HttpIn& in) { return eim->handle(in); });
    bip = std::make_unique<sim::BipBearer>(card->card(), forward, [] {});
    ipae =
        std::make_unique<applets::ipae::Ipae>(card->card(), *bip, clock, crypto::Drbg::from_seed(5),
                                              applets::ipae::IpaeOptions{}, &recorder);
    forward.ipae = ipae.get();
    link.card = &card->card();
    options.log = [this](const terminal::Exchange& e) { log.push_back(e); };
    term = std::make_unique<terminal::Terminal>(link, net, options);
    net.attach(*term);
    if (start) term->start();
  }
  ~BipRig() {
    term.reset();
    ipae.reset();
    bip.reset();
  }

  // Turns until three in a row move nothing: network events, bearer events, proactive
  // commands fetched, envelopes sent.
  void settle() {
    int quiet = 0;
    for (int i = 0; i < 200000 && quiet < 3; ++i) {
      const auto before = term->stats();
      std::size_t n = net.pump();
      n += bip->pump();
      term->poll();
      n += bip->pump();
      const auto& after = term->stats();
      if (after.fetched != before.fetched || after.envelopes != before.envelopes) ++n;
      quiet = n == 0 ? quiet + 1 : 0;
    }
  }
  applets::ipae::CycleReport poll() {
    const auto before = recorder.cycles.size();
    ipae->wake(Wake::kTrigger);
    settle();
    REQUIRE(recorder.cycles.size() == before + 1);
    return recorder.cycles.back();
  }
  bool enabled(const std::string& payload) const {
    for (const auto& p : card->card().state().profiles) {
      if (p.iccid().swapped_bcd() == test::iccid_bytes(payload)) return p.enabled;
    }
    return false;
  }
  bool logged(const std::string& kind, const std::string& part) const {
    return std::any_of(log.begin(), log.end(), [&](const terminal::Exchange& e) {
      return e.kind == kind && e.text.find(part) != std::string::npos;
    });
  }
};

}  // namespace

TEST_CASE("An eUICC package over BIP: every ESipa byte through the terminal's channels") {
  BipRig rig;
  rig.eim->queue_operations({"enable " + test::iccid_of(kP2)});
  auto report = rig.poll();
  INFO(report.error);
  for (const auto& e : rig.log) UNSCOPED_INFO(e.kind + " " + e.text);
  CHECK(report.ok);
  CHECK(report.error.empty());
  CHECK(report.packages == 1);
  CHECK(rig.enabled(kP2));
  REQUIRE(rig.eim->results.size() == 1);
  CHECK(rig.eim->results[0].results[0].summary() == "enableResult ok(0)");
  // What the terminal saw: the event list, the channel to the eIM by address, data both ways.
  CHECK(rig.logged("COMMAND", "SET UP EVENT LIST #1: data available channel status"));
  CHECK(rig.logged("COMMAND", "OPEN CHANNEL #2 TCP 127.0.0.1:8443, buffer 1400, bearer 03"));
  CHECK(rig.logged("COMMAND", "send immediately"));
  CHECK(rig.logged("ENVELOPE", "data available, channel 1"));
  CHECK(rig.logged("COMMAND", "RECEIVE DATA"));
  CHECK(rig.term->stats().bytes_up > 0);
  CHECK(rig.term->stats().bytes_down > 0);
  // The cycle ended: the IPAe closed its connection, the card released the terminal's channel.
  CHECK(rig.logged("COMMAND", "CLOSE CHANNEL"));
  CHECK(rig.term->open_channels() == 0);
  CHECK(rig.bip->channels() == 0);
  CHECK_FALSE(rig.card->card().toolkit().busy());
  CHECK_FALSE(rig.card->card().toolkit().waiting());
}

TEST_CASE("A terminal that answers every BIP command with an error: the IPAe backs off") {
  terminal::TerminalOptions o;
  o.fault_result = 0x21;  // network currently unable to process command
  BipRig rig(o);
  rig.eim->queue_operations({"get-rat"});
  auto report = rig.poll();
  CHECK_FALSE(report.ok);
  CHECK(report.error.find("OPEN CHANNEL: network currently unable to process command (21)") !=
        std::string::npos);
  CHECK(rig.eim->received.empty());
  const auto& s = rig.card->card().state().ipae;
  CHECK(s.failed_cycles == 1);
  // The back-off bounds the retry: backoff_min (10 s) +- jitter, never sooner than half.
  const auto next = applets::ipae::from_unix_ms(s.next_poll_ms);
  CHECK(next >= rig.clock.now() + std::chrono::seconds(5));
  CHECK(next <= rig.clock.now() + std::chrono::seconds(15));
  CHECK(rig.bip->channels() == 0);
  CHECK(rig.term->open_channels() == 0);
  CHECK_FALSE(rig.card->card().toolkit().busy());
  // The next cycles fail the same way, each one further off, up to backoff_max.
  rig.clock.set(next);
  rig.ipae->tick();
  rig.settle();
  CHECK(rig.card->card().state().ipae.failed_cycles == 2);
}

TEST_CASE("A terminal that never fetches: the exchange times out, nothing piles up") {
  terminal::TerminalOptions o;
  o.fault_never_fetch = true;
  BipRig rig(o);
  rig.ipae->wake(Wake::kTrigger);
  rig.settle();
  CHECK(rig.recorder.cycles.empty());  // waiting on the terminal
  const auto owner_commands = [&] { return rig.card->card().toolkit().waiting().has_value(); };
  CHECK(owner_commands());
  // The IPAe's exchange deadline passes: the cycle fails, the bearer withdraws its commands.
  auto at = rig.ipae->next_wakeup();
  REQUIRE(at);
  rig.clock.set(*at);
  rig.ipae->tick();
  rig.settle();
  REQUIRE(rig.recorder.cycles.size() == 1);
  CHECK_FALSE(rig.recorder.cycles[0].ok);
  INFO(rig.recorder.cycles[0].error);
  CHECK(rig.bip->channels() == 0);
  // Only SET UP EVENT LIST is left waiting (once per terminal session), however many cycles.
  for (int i = 0; i < 3; ++i) {
    rig.clock.set(applets::ipae::from_unix_ms(rig.card->card().state().ipae.next_poll_ms));
    rig.ipae->tick();
    rig.settle();
    auto w = rig.ipae->next_wakeup();
    REQUIRE(w);
    rig.clock.set(*w);
    rig.ipae->tick();
    rig.settle();
  }
  CHECK(rig.card->card().toolkit().waiting() == 15u);  // D0 0D ...: the event list
  CHECK(rig.card->card().state().ipae.failed_cycles >= 2);
}

TEST_CASE("A terminal that drops every link at once: the IPAe fails the cycle and retries") {
  terminal::TerminalOptions o;
  o.fault_drop_after = 0;
  BipRig rig(o);
  rig.eim->queue_operations({"get-rat"});
  auto report = rig.poll();
  CHECK_FALSE(report.ok);
  CHECK(rig.bip->channels() == 0);
  CHECK(rig.term->open_channels() == 0);
  CHECK(rig.logged("ENVELOPE", "channel status, channel 1"));
  CHECK(rig.card->card().state().ipae.failed_cycles == 1);
  CHECK(rig.eim->queued() == 1);  // the package is still the eIM's to hand out
}

TEST_CASE("REFRESH through the terminal: eUICC Profile State Change, and UICC Reset") {
  SECTION("the terminal answers and sends its profile again; the new profile is active") {
    BipRig rig;
    auto& card = rig.card->card();
    const Bytes second = card.state().profiles[1].isdp_aid;
    // An LPA on the same link: EnableProfile with refreshFlag on the basic channel.
    card.transmit(from_hex("00A4040010A0000005591010FFFFFFFF8900000100"));
    auto r = card.transmit(
        from_hex("80E2910014BF3111A00C5A0A" + to_hex(test::iccid_bytes(kP2)) + "8101FF00"));
    CHECK(to_hex(r) == "BF3103800100910B");
    rig.term->poll();
    CHECK(card.active_profile() == second);
    CHECK(rig.logged("COMMAND", "REFRESH #1 eUICC Profile State Change (09)"));
    CHECK(rig.logged("TERMINAL PROFILE", "after the REFRESH"));
    CHECK(rig.term->stats().refreshes == 1);
  }
  SECTION("a terminal without that mode: REFRESH UICC Reset, the card reset, the profile again") {
    terminal::TerminalOptions o;
    o.profile = from_hex("010080");
    BipRig rig(o);
    auto& card = rig.card->card();
    const Bytes second = card.state().profiles[1].isdp_aid;
    card.transmit(from_hex("00A4040010A0000005591010FFFFFFFF8900000100"));
    card.transmit(
        from_hex("80E2910014BF3111A00C5A0A" + to_hex(test::iccid_bytes(kP2)) + "8101FF00"));
    rig.term->poll();
    CHECK(card.active_profile() == second);
    CHECK(rig.logged("COMMAND", "REFRESH #1 UICC Reset (04)"));
    CHECK(rig.logged("RESET", "REFRESH UICC Reset"));
    CHECK(card.toolkit().terminal_present());  // TERMINAL PROFILE sent again after the reset
  }
}
