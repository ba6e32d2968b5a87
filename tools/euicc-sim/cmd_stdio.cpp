// euicc-sim stdio: a card behind lpac's stdio APDU backend (LPAC_APDU=stdio).
#include <iostream>

#include "common.hpp"
#include "euiccsim/simulator/euicc.hpp"
#include "euiccsim/simulator/host/stdio_backend.hpp"

namespace euiccsim::tools {

void add_stdio_command(CLI::App& app, GlobalOptions& global) {
  struct Opts {
    std::string card;
    std::string protocol = "t0";
    std::optional<std::uint64_t> seed;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand(
      "stdio", "Serve a card over lpac's stdio APDU protocol (JSON lines on stdin/stdout)");
  cmd->add_option("--card", o->card, "EID of the card (optional when there is only one)");
  cmd->add_option("--protocol", o->protocol, "Transmission protocol the card sees: t0 or t1")
      ->check(CLI::IsMember({"t0", "t1"}))
      ->capture_default_str();
  cmd->add_option("--seed", o->seed, "Seed the card's random generator");
  cmd->footer(
      "Reads one request per line, answers one line each; lines that are not APDU requests\n"
      "(lpac's own output) are copied to stderr. Ends at end of input.\n"
      "Example (bash coprocess):\n"
      "  coproc CARD { euicc-sim stdio; }\n"
      "  LPAC_APDU=stdio lpac chip info <&\"${CARD[0]}\" >&\"${CARD[1]}\"");
  cmd->callback([&global, o] {
    auto dir = global.state();
    const auto eid = choose_card(dir, o->card);
    auto drbg = o->seed ? crypto::Drbg::from_seed(*o->seed, "card") : crypto::Drbg::from_os();
    auto claimed = claim_card(dir, eid);
    auto card =
        sim::make_euicc(std::move(claimed.state), std::move(drbg), std::move(claimed.persist));
    card->set_trace(global.trace_bus());
    const auto protocol = o->protocol == "t1" ? sim::Protocol::kT1 : sim::Protocol::kT0;
    host::StdioBackend backend(*card, protocol);
    std::string line;
    while (std::getline(std::cin, line)) {
      if (line.empty()) continue;
      auto reply = backend.handle(line);
      if (reply) {
        std::cout << *reply << std::endl;
      } else {
        std::cerr << line << '\n';
      }
    }
  });
}

}  // namespace euiccsim::tools
