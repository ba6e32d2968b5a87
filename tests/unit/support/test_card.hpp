// Helpers for unit tests of the card runtime: a probe applet whose answers the test
// controls, and a card assembled around it.
#pragma once

#include <catch.hpp>

#include <functional>
#include <memory>

#include "euiccsim/simulator/card.hpp"

namespace euiccsim::test {

inline Eid test_eid() {
  return *Eid::parse("89049032123451234512345678901235");
}

// Answers every command with `reply(cmd)`; STORE DATA chains are echoed back whole, after
// counting them.
class ProbeApplet : public applets::Applet {
 public:
  explicit ProbeApplet(Bytes aid, bool multi = true) : aid_(std::move(aid)), multi_(multi) {}
  const Bytes& aid() const override { return aid_; }
  std::string name() const override { return "probe"; }
  apdu::Response select(applets::AppletContext&) override {
    return apdu::Response::ok(Bytes{0x6F, 0x02, 0x84, 0x00});
  }
  apdu::Response process(applets::AppletContext& ctx, const apdu::Command& cmd) override {
    ++commands;
    if (on_process) return on_process(ctx, cmd);
    // INS 01: answer P1*256+P2 bytes 00 01 02 ...
    Bytes d(static_cast<std::size_t>(cmd.p1) * 256 + cmd.p2);
    for (std::size_t i = 0; i < d.size(); ++i) d[i] = static_cast<std::uint8_t>(i);
    return apdu::Response::ok(d);
  }
  bool takes_store_data() const override { return true; }
  apdu::Response store_data(applets::AppletContext&, const Bytes& data) override {
    ++chains;
    last_chain = data;
    return apdu::Response::ok(data);
  }
  bool multi_selectable() const override { return multi_; }

  std::function<apdu::Response(applets::AppletContext&, const apdu::Command&)> on_process;
  int commands = 0;
  int chains = 0;
  Bytes last_chain;

 private:
  Bytes aid_;
  bool multi_;
};

struct TestCard {
  explicit TestCard(sim::Protocol protocol = sim::Protocol::kT1, sim::Card::Persist persist = {},
                    sim::CardOptions options = {})
      : card(CardState(test_eid()), crypto::Drbg::from_seed(1), std::move(persist), options) {
    auto a = std::make_unique<ProbeApplet>(from_hex("A000000001020304"));
    auto b = std::make_unique<ProbeApplet>(from_hex("A000000001020305"));
    auto c = std::make_unique<ProbeApplet>(from_hex("A0000000099999"), false);
    probe = a.get();
    probe2 = b.get();
    single = c.get();
    card.install(std::move(a));
    card.install(std::move(b));
    card.install(std::move(c));
    card.power_on();
    card.set_protocol(protocol);
  }
  // The whole R-APDU as hex.
  std::string send(const std::string& hex) { return to_hex(card.transmit(from_hex(hex))); }

  sim::Card card;
  ProbeApplet* probe;
  ProbeApplet* probe2;
  ProbeApplet* single;
};

// The last four hex digits of an R-APDU.
inline std::string sw_of(const std::string& r) {
  return r.substr(r.size() - 4);
}

}  // namespace euiccsim::test
