// euicc-sim apdu: send APDUs, or a script of them, to a card of the state directory.
#include <fstream>
#include <iostream>
#include <sstream>

#include "apdu_script.hpp"
#include "common.hpp"
#include "es10_link.hpp"
#include "euiccsim/simulator/euicc.hpp"

namespace euiccsim::tools {

namespace {
struct ApduOptions {
  std::string card;
  std::string reader;
  std::vector<std::string> apdus;
  std::string script;
  std::string protocol = "t0";
  std::optional<std::uint64_t> seed;
  bool json = false;
};

std::string split_hex(ByteView r) {
  if (r.size() < 2) return "(mute)";
  auto data = to_hex(r.first(r.size() - 2));
  auto sw = to_hex(r.last(2));
  return data.empty() ? sw : data + " " + sw;
}

int run(GlobalOptions& global, const ApduOptions& o) {
  std::vector<ScriptStep> steps;
  if (!o.script.empty()) {
    std::ifstream in(o.script);
    if (!in) throw UsageError("--script: cannot read " + o.script);
    std::stringstream text;
    text << in.rdbuf();
    try {
      steps = parse_script(text.str());
    } catch (const ScriptError& e) {
      throw UsageError(o.script + ": " + e.what());
    }
  }
  for (std::size_t i = 0; i < o.apdus.size(); ++i) {
    ScriptStep s;
    s.line = i + 1;
    try {
      s.command = from_hex(o.apdus[i]);
    } catch (const HexError& e) {
      throw UsageError("APDU " + std::to_string(i + 1) + ": " + e.what());
    }
    if (s.command.size() < 4)
      throw UsageError("APDU " + std::to_string(i + 1) + ": fewer than 4 bytes");
    steps.push_back(std::move(s));
  }
  if (steps.empty()) throw UsageError("nothing to send: give APDUs as hex or --script FILE");

  // Through a reader (pcscd, T=0, shared with other clients such as a terminal), or the card
  // of the state directory in-process.
  std::unique_ptr<Link> reader;
  std::unique_ptr<sim::Card> card;
  const auto protocol = o.protocol == "t1" ? sim::Protocol::kT1 : sim::Protocol::kT0;
  if (!o.reader.empty()) {
    if (!o.card.empty()) throw UsageError("--reader and --card exclude each other");
    if (o.protocol != "t0") throw UsageError("--protocol: a reader is used with T=0");
    try {
      reader = open_pcsc_link(o.reader, true);
    } catch (const std::exception& e) {
      std::cerr << "euicc-sim: apdu: " << e.what() << '\n';
      return 1;
    }
  } else {
    auto dir = global.state();
    const auto eid = choose_card(dir, o.card);
    auto drbg = o.seed ? crypto::Drbg::from_seed(*o.seed, "card") : crypto::Drbg::from_os();
    auto claimed = claim_card(dir, eid);
    card = sim::make_euicc(std::move(claimed.state), std::move(drbg), std::move(claimed.persist));
    card->set_trace(global.trace_bus());
    card->power_on();
    card->set_protocol(protocol);
  }

  auto results = json::Value::array();
  int status = 0;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const auto& step = steps[i];
    Bytes response;
    try {
      if (step.kind == ScriptStep::Kind::kReset) {
        if (reader) {
          response = reader->reset();
        } else {
          response = card->reset();
          card->set_protocol(protocol);
        }
      } else {
        response = reader ? reader->transmit(step.command) : card->transmit(step.command);
      }
    } catch (const std::exception& e) {
      std::cerr << "euicc-sim: apdu: " << e.what() << '\n';
      return 1;
    }
    const bool ok = !step.expect || step.expect->matches(response);
    if (o.json) {
      auto r = json::Value::object();
      r["step"] = static_cast<std::uint64_t>(i + 1);
      r["line"] = static_cast<std::uint64_t>(step.line);
      if (step.kind == ScriptStep::Kind::kReset) {
        r["reset"] = true;
        r["atr"] = to_hex(response);
      } else {
        r["command"] = to_hex(step.command);
        r["data"] = to_hex(ByteView(response).first(response.size() - 2));
        r["sw"] = to_hex(ByteView(response).last(2));
      }
      if (step.expect) {
        r["expected"] = step.expect->text();
        r["ok"] = ok;
      }
      results.push_back(std::move(r));
    } else if (step.kind == ScriptStep::Kind::kReset) {
      std::cout << "[" << i + 1 << "] reset\n    ATR " << to_hex(response) << '\n';
    } else {
      std::cout << "[" << i + 1 << "] > " << to_hex(step.command) << "\n    < "
                << split_hex(response);
      if (step.expect) std::cout << (ok ? "  ok" : "  MISMATCH");
      std::cout << '\n';
    }
    if (!ok) {
      if (!o.json) {
        std::cout << "    expected " << step.expect->text();
        if (!o.script.empty()) std::cout << " (" << o.script << " line " << step.line << ")";
        std::cout << '\n';
      }
      status = 1;
      break;
    }
  }
  if (o.json) std::cout << json::dump(results, 2) << '\n';
  if (status) std::cerr << "euicc-sim: apdu: response did not match the expected one\n";
  return status;
}
}  // namespace

void add_apdu_command(CLI::App& app, GlobalOptions& global) {
  auto o = std::make_shared<ApduOptions>();
  auto* cmd = app.add_subcommand(
      "apdu", "Send APDUs to a card, in-process or through a PC/SC reader, and print the answers");
  cmd->add_option("apdus", o->apdus, "Command APDUs as hex (spaces allowed inside quotes)");
  cmd->add_option("--card", o->card, "EID of the card (optional when there is only one)");
  cmd->add_option("--reader", o->reader,
                  "Send through this PC/SC reader instead (T=0, shared: a terminal may be "
                  "connected too; 'reset' is a warm reset of the reader's card)");
  cmd->add_option("--script", o->script,
                  "Run a script: one APDU per line, optionally '-> expected response' "
                  "('.' any hex digit, '*' any bytes), 'reset', '#' comments; stops at the "
                  "first mismatch");
  cmd->add_option("--protocol", o->protocol, "Transmission protocol the card sees: t0 or t1")
      ->check(CLI::IsMember({"t0", "t1"}))
      ->capture_default_str();
  cmd->add_option("--seed", o->seed, "Seed the card's random generator (repeatable runs)");
  cmd->add_flag("--json", o->json, "Print the exchanges as JSON");
  cmd->footer(
      "State changes the APDUs make are saved to the card's image.\n"
      "Examples:\n"
      "  euicc-sim apdu 00A4040010A0000005591010FFFFFFFF8900000100 00C0000000\n"
      "  euicc-sim apdu --protocol t1 --script docs/examples/get_eid.apdu\n"
      "  euicc-sim apdu --reader 'euicc-sim 00 00' --script refresh.apdu\n"
      "Script line example:\n"
      "  80E2910006BF3E035C015A -> 61 14");
  cmd->callback([&global, o] {
    int rc = run(global, *o);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace euiccsim::tools
