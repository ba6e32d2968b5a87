// euicc-sim run: scenario files (docs/scenarios.md) and recorded traces, replayed against
// cards in this process, with Pass / Fail / Inconclusive verdicts, a human summary, JUnit XML
// and JSON lines.
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>

#include "common.hpp"
#include "scenario/runner.hpp"

namespace euiccsim::tools {

namespace {

namespace fs = std::filesystem;

struct RunCmdOptions {
  std::vector<std::string> paths;
  std::optional<std::uint64_t> seed;
  std::string junit;
  bool jsonl = false;
  bool verbose = false;
  std::string reference;
  std::string keep;
  std::string only;
  bool trace_sweeps = false;
};

bool is_scenario(const fs::path& p) {
  const auto ext = p.extension().string();
  return ext == ".yaml" || ext == ".yml";
}

int run(GlobalOptions& global, const RunCmdOptions& o) {
  if (o.paths.empty()) throw UsageError("give scenario files, directories or recordings to run");
  // Expand directories (their *.yaml and *.yml, recursively, in name order) first, so a wrong
  // path is a usage error before anything runs.
  std::vector<fs::path> files;
  for (const auto& p : o.paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<fs::path> found;
      for (const auto& e : fs::recursive_directory_iterator(p, ec)) {
        if (e.is_regular_file() && is_scenario(e.path())) found.push_back(e.path());
      }
      std::sort(found.begin(), found.end());
      if (found.empty()) throw UsageError(p + ": no *.yaml scenario in this directory");
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::is_regular_file(p, ec)) {
      files.emplace_back(p);
    } else {
      throw UsageError(p + ": no such file or directory");
    }
  }
  scenario::RunOptions ro;
  ro.seed = o.seed;
  ro.trace = global.trace_bus();
  ro.trace_sweeps = o.trace_sweeps;
  if (!o.reference.empty()) {
    ro.reference = fs::path(o.reference);
  } else if (const char* env = std::getenv("EUICCSIM_REFERENCE"); env && *env) {
    ro.reference = fs::path(env);
  }
  if (ro.reference && !fs::is_directory(*ro.reference)) ro.reference.reset();
  if (!o.keep.empty()) {
    fs::create_directories(o.keep);
    ro.work_dir = fs::path(o.keep);
  }
  scenario::Runner runner(ro);
  std::vector<scenario::CaseReport> reports;
  auto emit = [&](const scenario::CaseReport& c) {
    if (o.jsonl) std::cout << scenario::case_json(c).dump() << std::endl;
    reports.push_back(c);
  };
  for (const auto& f : files) {
    if (!is_scenario(f)) {
      emit(runner.run_recording(f));
      continue;
    }
    std::vector<scenario::Scenario> cases;
    try {
      cases = scenario::load_scenarios(f);
    } catch (const scenario::ScenarioError& e) {
      // A broken file is reported in its place; the others still run.
      scenario::CaseReport c;
      c.id = f.filename().string();
      c.file = f;
      c.verdict = scenario::Verdict::kInconclusive;
      c.reason = e.what();
      emit(c);
      continue;
    }
    for (const auto& sc : cases) {
      if (!o.only.empty() && sc.id.find(o.only) == std::string::npos) continue;
      for (auto& c : runner.run(sc)) emit(c);
    }
  }
  if (!o.junit.empty()) {
    std::ofstream out(o.junit, std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write " + o.junit);
    out << scenario::junit_xml(reports, "euicc-sim run");
  }
  (o.jsonl ? std::cerr : std::cout) << scenario::human_summary(reports, o.verbose) << std::flush;
  const bool bad = std::any_of(reports.begin(), reports.end(), [](const auto& c) {
    return c.verdict == scenario::Verdict::kFail || c.verdict == scenario::Verdict::kInconclusive;
  });
  return bad ? 1 : 0;
}

}  // namespace

void add_run_command(CLI::App& app, GlobalOptions& global) {
  auto o = std::make_shared<RunCmdOptions>();
  auto* cmd = app.add_subcommand(
      "run", "Run scenario files (YAML) or replay recorded traces against cards, with verdicts");
  cmd->add_option("paths", o->paths,
                  "Scenario files (*.yaml), directories of them, or recordings: GSMTAP-SIM "
                  "pcap/pcapng, scriptor scripts or logs, euicc-sim traces (jsonl, text), APDU "
                  "scripts")
      ->required();
  cmd->add_option("--seed", o->seed,
                  "Every random value of the cards, the SM-DP+ and the clock comes from N: the "
                  "same run gives the same bytes (and traces)");
  cmd->add_option("--junit", o->junit, "Write a JUnit XML report to FILE");
  cmd->add_flag("--jsonl", o->jsonl,
                "One JSON object per case on stdout (the summary goes to stderr)");
  cmd->add_flag("--verbose,-v", o->verbose,
                "Notes (faults, replay and sweep figures) for passing cases too");
  cmd->add_option("--reference", o->reference,
                  "The reference directory with TS.48 profiles (default: $EUICCSIM_REFERENCE); "
                  "cases that need it are skipped without it");
  cmd->add_option("--keep", o->keep, "Keep each case's cards (state directories) under DIR");
  cmd->add_option("--only", o->only, "Run only the cases whose id contains TEXT");
  cmd->add_flag("--trace-sweeps", o->trace_sweeps,
                "Trace every run of a tear sweep (by default only its reference run)");
  cmd->footer(
      "Verdicts: Pass, Fail (an expectation not met), Inconclusive (a setup step failed, or a\n"
      "step the case's cards cannot take), Skipped (not applicable here). Exit status: 0 when every\n"
      "case passed or was skipped, 1 when any failed or was inconclusive, 2 for a usage error.\n"
      "Traces: the global --trace (FILE, pcap:FILE, gsmtap[:HOST[:PORT]]), e.g. --trace "
      "pcap:run.pcapng.\n"
      "Format: docs/scenarios.md.\n"
      "Examples:\n"
      "  euicc-sim run tests/conformance/ --seed 1 --junit report.xml\n"
      "  euicc-sim run docs/examples/scenarios/lab-lifecycle.yaml -v\n"
      "  euicc-sim --trace pcap:a.pcapng run case.yaml --seed 7\n"
      "  euicc-sim run capture.pcapng          replay a SIMtrace2/Wireshark capture on a fresh "
      "card");
  cmd->callback([&global, o] {
    int rc = run(global, *o);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace euiccsim::tools
