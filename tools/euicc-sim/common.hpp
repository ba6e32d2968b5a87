// What every subcommand of euicc-sim shares: where the cards live, how errors end the
// program, tracing options.
#pragma once

#include <CLI/CLI.hpp>

#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "euiccsim/applets/ipae/ipae.hpp"
#include "euiccsim/simulator/json.hpp"
#include "euiccsim/simulator/state_directory.hpp"
#include "euiccsim/simulator/trace.hpp"

namespace euiccsim::sim {
struct BipOptions;
}

namespace euiccsim::tools {

// A mistake in how the command was called: exit status 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct GlobalOptions {
  std::string state_dir;  // empty: the default
  // FILE ('-': stderr), pcap:FILE or gsmtap[:HOST[:PORT]]; ",apdu-only" may follow the
  // GSMTAP forms (docs/scenarios.md "Traces").
  std::string trace_file;
  std::string trace_format = "text";
  bool trace_secrets = false;  // keys appear in traces as they are

  sim::StateDirectory state() const;
  // The trace bus the options ask for, or nullptr.
  std::shared_ptr<sim::TraceBus> trace_bus();

 private:
  std::unique_ptr<std::ofstream> trace_stream_;
};

// The card `eid` names, or the only card of the directory when `eid` is empty.
std::string choose_card(const sim::StateDirectory& dir, const std::string& eid);

// The card `eid` of `dir`, claimed for this process for as long as the returned persist
// function lives (sim::StateDirectory::claim). A card another process runs is refused with
// std::runtime_error: one line naming that process and, when `serve` runs it, the PC/SC reader
// to reach it through instead.
sim::ClaimedCard claim_card(const sim::StateDirectory& dir, const std::string& eid);
// That line, for a refusal of `eid`.
std::string busy_card_message(const sim::StateDirectory& dir, const std::string& eid,
                              const sim::CardBusy& busy);

json::Value card_json(const CardState& state, const std::filesystem::path& image);

// The whole of a file named on the command line; UsageError "cannot read PATH" (exit status
// 2) when it cannot be read.
Bytes read_file(const std::string& path);
// A certificate file given to `option` (DER or PEM, sim::read_certificate_file); UsageError
// "OPTION: PATH: what is wrong" (exit status 2) when it cannot be read or is no certificate.
Bytes certificate_option(const std::string& option, const std::string& path);

// The profile every new card gets unless told otherwise: a test profile made by the builder
// (ICCID 89999000000000000007, IMSI 001010000000001), so a first run has something to list.
profiles::InstalledProfile demo_profile();
// The demo profile's package (DER), as an SM-DP+ would offer it.
Bytes demo_package();
// The demo profile as every new card carries it: enabled, class test (it uses a public test
// key), named "euicc-sim demo".
sim::Preload demo_preload();
// Metadata a factory takes from a package itself: serviceProviderName from EF.SPN, profileName
// from the header's profile type; class operational.
ProfileMetadata metadata_from_profile(const profiles::InstalledProfile& profile);
// Decodes and installs a profile package file for a new card; one-line error naming the file.
profiles::InstalledProfile profile_from_file(const std::string& path,
                                             const std::vector<profiles::InstalledProfile>& others);

void add_card_commands(CLI::App& app, GlobalOptions& global);
void add_apdu_command(CLI::App& app, GlobalOptions& global);
void add_es10_command(CLI::App& app, GlobalOptions& global);
void add_run_command(CLI::App& app, GlobalOptions& global);
void add_trace_commands(CLI::App& app);
void add_serve_command(CLI::App& app, GlobalOptions& global);
void add_pcscd_command(CLI::App& app);
void add_stdio_command(CLI::App& app, GlobalOptions& global);
void add_demo_command(CLI::App& app, GlobalOptions& global);
void add_profile_commands(CLI::App& app);
void add_pki_commands(CLI::App& app);
void add_smdp_commands(CLI::App& app);
void add_lpa_commands(CLI::App& app, GlobalOptions& global);
void add_eim_commands(CLI::App& app);
void add_ipa_commands(CLI::App& app, GlobalOptions& global);
void add_ipae_commands(CLI::App& app, GlobalOptions& global);
void add_terminal_command(CLI::App& app, GlobalOptions& global);
// How an IPAe on BIP opens its channels (`serve --bearer bip`, `terminal --card`).
struct BipCliOptions {
  unsigned buffer = 1400;
  std::string apn;
};
void add_bip_options(CLI::App* cmd, BipCliOptions& o);
// UsageError naming the option that is wrong.
sim::BipOptions bip_options(const BipCliOptions& o);
// The IPAe part of a card image, as `card show` and `ipae status --json` print it.
json::Value ipae_json(const CardState& state);
// "2026-01-01T00:00:00Z" (UTC, seconds), "at once" for 0.
std::string iso_time(std::int64_t unix_ms);
const char* in_flight_kind_name(IpaeState::InFlight::Kind kind);
// A poll cycle's report as `ipae poll --json` and serve's control socket give it, and the line
// that says it to a human.
json::Value cycle_report_json(const std::string& eid, const applets::ipae::CycleReport& report);
void print_cycle_report(const std::string& eid, const json::Value& report, std::ostream& out);
// An EimConfigurationData file of `eim config` (DER, or hex text); UsageError naming it.
Bytes read_eim_configuration_file(const std::string& path);
// fs (ls, cat, tree) and aka: the enabled profile's files and AUTHENTICATE over APDUs.
void add_fs_commands(CLI::App& app, GlobalOptions& global);
// The main job with a private pcscd: serve the cards until Ctrl-C.
int run_serve_private(GlobalOptions& global, bool json, std::optional<std::uint64_t> seed);
// A ready card and a short in-process tour of it (the main job where no pcscd can run).
int run_demo(GlobalOptions& global, bool json, std::optional<std::uint64_t> seed);

}  // namespace euiccsim::tools
