// Runs scenario cases (scenario.hpp) against cards in this process: a fresh state directory
// per case, cards made as the case asks, the test SM-DP+ as a peer, faults injected where the
// case names them, and a verdict per case (docs/scenarios.md "Verdicts").
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "euiccsim/simulator/trace.hpp"
#include "scenario.hpp"

namespace euiccsim::scenario {

enum class Verdict { kPass, kFail, kInconclusive, kSkipped };
const char* verdict_name(Verdict v);  // "Pass", "Fail", "Inconclusive", "Skipped"

struct StepReport {
  std::size_t index = 0;  // 1-based; cleanup steps continue the numbering
  int line = 0;
  std::string label;  // "es10 enable 89999000000000000007"
  bool cleanup = false;
  Verdict verdict = Verdict::kPass;
  std::string expected;  // for a failure: the expectation, as written
  std::string got;       // and what came back
  std::string message;   // anything else (an exception)
  double ms = 0;
};

struct CaseReport {
  std::string id;
  std::string title;
  std::string procedure;
  std::string requirement;
  std::map<std::string, std::string> gsma;
  std::filesystem::path file;
  int line = 0;
  Verdict verdict = Verdict::kPass;
  std::string reason;  // one line: the failing step, the expectation, the answer
  std::vector<StepReport> steps;
  std::vector<std::string> notes;  // faults that struck, replay figures, sweep figures
  double seconds = 0;
};

struct RunOptions {
  // Every random value of the cards, the SM-DP+ and the clock comes from it; by default they
  // come from the operating system and the clock is the real one.
  std::optional<std::uint64_t> seed;
  std::shared_ptr<sim::TraceBus> trace;  // may be null
  // ../shared/reference (TS.48 profiles); cases that need it are Skipped without it.
  std::optional<std::filesystem::path> reference;
  // Where the cases' state directories go (a temporary directory by default); kept when set.
  std::optional<std::filesystem::path> work_dir;
  // Trace the tear sweep's iterations too (by default only its reference run is traced).
  bool trace_sweeps = false;
};

class Runner {
 public:
  explicit Runner(RunOptions options);
  ~Runner();
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  // The cases of one scenario document; a matrix gives one report per value.
  std::vector<CaseReport> run(const Scenario& scenario);
  // A recording replayed on a fresh card (no scenario file): `run FILE.pcapng`.
  CaseReport run_recording(const std::filesystem::path& file);

  struct Impl;  // the cases run on it (runner.cpp)

 private:
  std::unique_ptr<Impl> impl_;
};

// One line per case and a total, for people: "FAIL TC_x: step 3 (line 12, es10 enable ...):
// expected result ok, got profileNotInDisabledState".
std::string human_summary(const std::vector<CaseReport>& cases, bool verbose);
// JUnit XML (the dialect Jenkins, GitLab and GitHub reporters read): a failure per Fail, an
// error per Inconclusive, skipped per Skipped.
std::string junit_xml(const std::vector<CaseReport>& cases, const std::string& suite);
// One JSON object per case.
nlohmann::json case_json(const CaseReport& c);

}  // namespace euiccsim::scenario
