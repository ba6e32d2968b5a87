// euicc-sim: a software eUICC. See README.md and `euicc-sim --help`.
#include <iostream>

#include "apdu_script.hpp"
#include "common.hpp"
#include "euiccsim/simulator/card_image.hpp"
#include "euiccsim/simulator/card_simulator.hpp"
#include "euiccsim_version.h"
#include "private_pcscd.hpp"

int main(int argc, char** argv) {
  using namespace euiccsim;
  using namespace euiccsim::tools;
  CLI::App app{
      "euicc-sim: a virtual eUICC (GSMA SGP.22 ISD-R and ECASD) that test tools, LPAs and IPAs\n"
      "can use instead of a physical test card.\n"
      "With no subcommand it creates a default card on first run and serves it as a PC/SC reader\n"
      "through a private pcscd (as root), or shows it working in-process (`euicc-sim demo`)."};
  app.set_version_flag("--version", EUICCSIM_VERSION);
  app.fallthrough();
  GlobalOptions global;
  bool json = false;
  std::optional<std::uint64_t> seed;
  app.add_option("--state", global.state_dir,
                 "State directory holding the card images (default: $XDG_DATA_HOME/euicc-sim, "
                 "else ~/.local/share/euicc-sim)");
  app.add_option("--trace", global.trace_file,
                 "Write every APDU to FILE ('-' for stderr), to a pcapng file (pcap:FILE) or as "
                 "GSMTAP over UDP (gsmtap[:HOST[:PORT]], default 127.0.0.1:4729); ',apdu-only' "
                 "after a GSMTAP form leaves out ATRs")
      ->type_name("FILE");
  app.add_option("--trace-format", global.trace_format, "Trace as human 'text' or 'jsonl'")
      ->check(CLI::IsMember({"text", "jsonl"}))
      ->capture_default_str();
  app.add_flag("--trace-secrets", global.trace_secrets,
               "Show secrets in traces (CK, IK, Kc of AUTHENTICATE; PIN and PUK values); by "
               "default they are masked");
  app.add_flag("--json", json, "Machine-readable output (default run)");
  app.add_option("--seed", seed, "Seed the card's random generator (default run)");
  app.footer(
      "Examples:\n"
      "  euicc-sim                          serve the default card (created on first run) as a\n"
      "                                     PC/SC reader through a private pcscd, until Ctrl-C\n"
      "  euicc-sim demo                     the same card, shown working in-process\n"
      "  euicc-sim card new --seed 1        a new card with a repeatable EID\n"
      "  euicc-sim apdu 00A4040010A0000005591010FFFFFFFF8900000100\n"
      "Exit status: 0 ok, 1 the card or a peer said no or the operation failed, 2 usage error.");
  add_card_commands(app, global);
  add_apdu_command(app, global);
  add_es10_command(app, global);
  add_run_command(app, global);
  add_trace_commands(app);
  add_serve_command(app, global);
  add_pcscd_command(app);
  add_stdio_command(app, global);
  add_demo_command(app, global);
  add_profile_commands(app);
  add_pki_commands(app);
  add_smdp_commands(app);
  add_lpa_commands(app, global);
  add_eim_commands(app);
  add_ipa_commands(app, global);
  add_ipae_commands(app, global);
  add_terminal_command(app, global);
  add_fs_commands(app, global);

  try {
    app.parse(argc, argv);
    if (app.get_subcommands().empty()) {
      if (auto why = PrivatePcscd::why_unavailable(); !why.empty()) {
        std::cerr << "euicc-sim: not serving over PC/SC (" << why << "); in-process demo instead\n";
        return run_demo(global, json, seed);
      }
      return run_serve_private(global, json, seed);
    }
    return 0;
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::RuntimeError& e) {
    return e.get_exit_code();
  } catch (const CLI::ParseError& e) {
    std::cerr << "euicc-sim: " << e.what() << " (see --help)\n";
    return 2;
  } catch (const UsageError& e) {
    std::cerr << "euicc-sim: " << e.what() << " (see --help)\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "euicc-sim: " << e.what() << '\n';
    return 1;
  }
}
