// The main job of `euicc-sim` with no subcommand: make sure a card exists, power it up and
// walk through what a client would do first, so a new user sees a working card at once.
#include <iostream>

#include "common.hpp"
#include "euiccsim/crypto/tlv.hpp"
#include "euiccsim/simulator/card_simulator.hpp"
#include "euiccsim_version.h"

namespace euiccsim::tools {

int run_demo(GlobalOptions& global, bool as_json, std::optional<std::uint64_t> seed) {
  auto dir = global.state();
  bool created = false;
  if (dir.list().empty()) {
    auto drbg = seed ? crypto::Drbg::from_seed(*seed, "identity") : crypto::Drbg::from_os();
    sim::NewCard nc;
    nc.profiles.push_back(demo_preload());
    dir.create(nc, drbg);
    created = true;
  }
  const auto eid = dir.list().front();

  CardSimulator::Options opt;
  opt.seed = seed;
  opt.state_dir = dir.path();
  opt.eid = eid;
  opt.protocol = sim::Protocol::kT0;  // what lpac and onomondo-ipa negotiate
  opt.trace = global.trace_bus();
  auto card = [&] {
    try {
      return CardSimulator(opt);
    } catch (const sim::CardBusy& e) {
      throw std::runtime_error(busy_card_message(dir, eid, e));
    }
  }();

  auto steps = json::Value::array();
  auto step = [&](const std::string& what, const std::string& result) {
    if (as_json) {
      steps.push_back(json::Value{{"step", what}, {"result", result}});
    } else {
      std::cout << "  " << what << std::string(what.size() < 34 ? 34 - what.size() : 1, ' ')
                << result << '\n';
    }
  };
  if (!as_json) {
    std::cout << "euicc-sim " << EUICCSIM_VERSION
              << ": a virtual eUICC (ISD-R and ECASD of GSMA SGP.22)\n"
              << "state directory " << dir.path().string() << '\n'
              << "card " << eid << (created ? " (created now: first run)" : "") << "\n\n";
  }
  step("ATR (offers T=0 and T=1)", to_hex(card.atr()));
  auto tc = card.transmit("80AA00000AA9088100820101830107");
  step("TERMINAL CAPABILITY", apdu::sw_hex(tc.sw));
  auto open = card.transmit("0070000001");
  if (open.sw != apdu::sw::kOk || open.data.size() != 1)
    throw CardError("MANAGE CHANNEL failed", open.sw);
  const unsigned ch = open.data[0];
  step("MANAGE CHANNEL open", "channel " + std::to_string(ch));
  auto fci = card.select(aid::isd_r(), ch);
  step("SELECT ISD-R on channel " + std::to_string(ch), "FCI " + to_hex(fci));
  auto get_eid = card.es10(from_hex("BF3E035C015A"), ch);
  auto outer = tlv::read(get_eid);
  auto inner = outer ? tlv::read(outer->value) : std::nullopt;
  if (!inner || inner->tag != 0x5A)
    throw std::runtime_error("GetEID: malformed answer " + to_hex(get_eid));
  auto eid_read = Eid::from_bytes(inner->value);
  if (!eid_read || eid_read->str() != eid)
    throw std::runtime_error("GetEID: wrong EID " + to_hex(get_eid));
  step("ES10c GetEID (STORE DATA BF3E)", eid_read->str());
  card.select(aid::ecasd());
  auto gd = card.transmit("80CA005A12");
  step("SELECT ECASD, GET DATA 5A", to_hex(gd.data) + " " + apdu::sw_hex(gd.sw));
  auto close = card.transmit("007080" + to_hex(Bytes{static_cast<std::uint8_t>(ch)}) + "00");
  step("MANAGE CHANNEL close", apdu::sw_hex(close.sw));

  if (as_json) {
    auto o = json::Value::object();
    o["state_dir"] = dir.path().string();
    o["eid"] = eid;
    o["created"] = created;
    o["steps"] = std::move(steps);
    std::cout << json::dump(o, 2) << '\n';
  } else {
    std::cout << "\nThe card works. Next:\n"
              << "  euicc-sim card list                 the cards of the state directory\n"
              << "  euicc-sim apdu --help               send your own APDUs or scripts\n"
              << "  euicc-sim serve --private-pcscd     the card as a PC/SC reader (root)\n"
              << "Not emulated yet: profile download and installation,\n"
              << "ES10 functions other than GetEID, SGP.32 (see README.md).\n";
  }
  return 0;
}

void add_demo_command(CLI::App& app, GlobalOptions& global) {
  struct Opts {
    bool json = false;
    std::optional<std::uint64_t> seed;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("demo", "A short in-process tour of a card (no pcscd needed)");
  cmd->add_flag("--json", o->json, "Print the steps as JSON");
  cmd->add_option("--seed", o->seed, "Seed the card's random generator");
  cmd->footer("Creates a default card on first run.\nExample:\n  euicc-sim demo --json");
  cmd->callback([&global, o] { run_demo(global, o->json, o->seed); });
}

}  // namespace euiccsim::tools
