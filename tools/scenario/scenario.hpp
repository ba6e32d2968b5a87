// Scenario files (docs/scenarios.md): a YAML stream of test cases, each a mapping
//
//   format: 1                                the version of this format (required)
//   id: TC_ES10c.EnableProfile_Nominal       required, unique in a run
//   title / procedure / requirement / gsma   what it tests and what it cites
//   applicability: {reference: true, ...}   when it applies (otherwise Skipped)
//   matrix: {profile: {reference: "*"}}      one case per value
//   cards: [...]  peers: {smdp: ..., eim: ...}  faults: [...]
//   steps: [...]  cleanup: [...]
//
// Loading checks the structure (known keys, required keys, types) and reports the first
// problem as "FILE:LINE: what is wrong"; the values that depend on the run (variables
// ${...}, files) are resolved when the case runs.
#pragma once

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace euiccsim::scenario {

inline constexpr int kFormatVersion = 1;

class ScenarioError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Step {
  std::string kind;    // "apdu", "es10", "download", ... (the step's one action key)
  YAML::Node node;     // the whole step mapping
  int line = 0;        // 1-based line in the file
  bool setup = false;  // an initial-conditions step: its failure makes the case Inconclusive
};

struct Scenario {
  std::filesystem::path file;
  int line = 0;  // where the document starts
  YAML::Node node;
  std::string id;
  std::string title;
  std::string procedure;                    // "SGP.22 §3.2.1 Enable Profile"
  std::string requirement;                  // "SGP.22 v2.5 §5.7.16"
  std::map<std::string, std::string> gsma;  // {"sgp23": "...", "sgp33": "..."} where public
  std::vector<Step> steps;
  std::vector<Step> cleanup;
  // Values of the matrix variables for this case (empty: no matrix).
  std::map<std::string, std::string> matrix;
};

// The step kinds, in the order docs/scenarios.md lists them.
const std::vector<std::string>& step_kinds();

// Every case of a file (a YAML stream: one case per document). ScenarioError "FILE:LINE: ...".
std::vector<Scenario> load_scenarios(const std::filesystem::path& file);
std::vector<Scenario> parse_scenarios(const std::string& text, const std::filesystem::path& file);

// A YAML value as JSON: plain scalars that look like booleans, null or integers (up to 18
// digits) become those, everything else (quoted scalars, ICCIDs, hex) stays text.
nlohmann::json to_json(const YAML::Node& node);

// "FILE:LINE" of a node.
std::string where(const std::filesystem::path& file, const YAML::Node& node);

}  // namespace euiccsim::scenario
