#include "scenario.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <set>

namespace euiccsim::scenario {

namespace {

using Keys = std::vector<std::string>;

std::string list(const Keys& k) {
  std::string s;
  for (const auto& x : k) s += (s.empty() ? "" : ", ") + x;
  return s;
}

[[noreturn]] void fail(const std::filesystem::path& file, const YAML::Node& n,
                       const std::string& what) {
  throw ScenarioError(where(file, n) + ": " + what);
}

void check_keys(const std::filesystem::path& file, const YAML::Node& n, const std::string& what,
                const Keys& allowed, const Keys& required = {}) {
  if (!n.IsMap()) fail(file, n, what + " must be a mapping");
  for (const auto& kv : n) {
    const auto key = kv.first.as<std::string>();
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
      fail(file, kv.first, what + ": unknown key '" + key + "' (one of: " + list(allowed) + ")");
  }
  for (const auto& r : required) {
    if (!n[r]) fail(file, n, what + ": '" + r + "' is required");
  }
}

void need_scalar(const std::filesystem::path& file, const YAML::Node& n, const std::string& what) {
  if (n && !n.IsScalar()) fail(file, n, what + " must be a single value");
}

void need_list(const std::filesystem::path& file, const YAML::Node& n, const std::string& what) {
  if (n && !n.IsSequence()) fail(file, n, what + " must be a list");
}

const Keys kStepCommon{"name", "card", "expect", "save", "setup", "requirement", "note"};

// Keys a step of each kind may have besides its action key and the common ones.
const std::map<std::string, Keys>& step_extra_keys() {
  static const std::map<std::string, Keys> m{
      {"apdu", {}},       {"es10", {"args"}}, {"download", {}},      {"notifications", {}},
      {"power", {}},      {"check", {}},      {"euicc_package", {}}, {"replay", {}},
      {"tear_sweep", {}}, {"faults", {}},     {"set", {}},           {"eim_queue", {}},
      {"ipa_poll", {}},   {"eim", {}},        {"ipae_wait", {}},
  };
  return m;
}

const Keys kFaultKeys{"card", "peer", "at",    "do",     "sw",      "keep",
                      "bit",  "ms",   "point", "status", "subject", "reason"};

void check_fault(const std::filesystem::path& file, const YAML::Node& f) {
  check_keys(file, f, "fault", kFaultKeys, {"do"});
  need_scalar(file, f["do"], "do");
  if (f["at"]) {
    if (f["at"].IsScalar()) return;  // "every" / a number
    check_keys(file, f["at"], "fault 'at'", {"apdu", "es10", "es9", "esipa", "occurrence"});
  }
}

void check_profile_source(const std::filesystem::path& file, const YAML::Node& p,
                          const std::string& what, Keys extra) {
  const Keys sources{"demo", "builder", "spec", "file", "reference"};
  Keys allowed = sources;
  allowed.insert(allowed.end(), extra.begin(), extra.end());
  check_keys(file, p, what, allowed);
  int n = 0;
  for (const auto& s : sources) n += p[s] ? 1 : 0;
  if (n != 1) fail(file, p, what + ": exactly one of " + list(sources));
}

void check_card(const std::filesystem::path& file, const YAML::Node& c) {
  check_keys(
      file, c, "card",
      {"name", "personality", "curve", "eid", "profiles", "quirks", "eims", "protocol", "link",
       "ipae"},
      {"name"});
  need_scalar(file, c["name"], "card name");
  if (c["personality"] && c["personality"].as<std::string>() != "sgp22" &&
      c["personality"].as<std::string>() != "iot")
    fail(file, c["personality"], "personality: sgp22 or iot");
  if (c["curve"] && c["curve"].as<std::string>() != "nist" &&
      c["curve"].as<std::string>() != "brainpool")
    fail(file, c["curve"], "curve: nist or brainpool");
  if (c["protocol"] && c["protocol"].as<std::string>() != "t0" &&
      c["protocol"].as<std::string>() != "t1")
    fail(file, c["protocol"], "protocol: t0 or t1");
  need_list(file, c["profiles"], "profiles");
  if (c["profiles"]) {
    for (const auto& p : c["profiles"])
      check_profile_source(file, p, "preloaded profile",
                           {"enabled", "class", "name", "spn", "notify", "ppr"});
  }
  need_list(file, c["quirks"], "quirks");
  need_list(file, c["eims"], "eims");
  if (c["eims"]) {
    for (const auto& e : c["eims"])
      check_keys(file, e, "eIM",
                 {"id", "curve", "fqdn", "counter", "association_token", "key_only",
                  "indirect_download", "protocols", "add", "id_type", "ci_pkid", "ref"},
                 {"id"});
  }
  if (c["link"])
    check_keys(file, c["link"], "link", {"block_size", "get_response_cla", "basic_channel"});
  if (c["ipae"] && !c["ipae"].IsScalar())
    check_keys(file, c["ipae"], "ipae", {"active", "interval", "minimize"});
  if (c["ipae"] && (!c["personality"] || c["personality"].as<std::string>() != "iot"))
    fail(file, c["ipae"], "ipae: an IPAe needs personality: iot");
}

void check_step(const std::filesystem::path& file, const YAML::Node& s, Step& out) {
  if (!s.IsMap()) fail(file, s, "a step is a mapping with one action (" + list(step_kinds()) + ")");
  std::string kind;
  for (const auto& kv : s) {
    const auto key = kv.first.as<std::string>();
    if (step_extra_keys().count(key)) {
      if (!kind.empty())
        fail(file, kv.first, "a step has one action, not '" + kind + "' and '" + key + "'");
      kind = key;
    }
  }
  if (kind.empty()) fail(file, s, "a step needs one action: " + list(step_kinds()));
  Keys allowed = kStepCommon;
  allowed.push_back(kind);
  const auto& extra = step_extra_keys().at(kind);
  allowed.insert(allowed.end(), extra.begin(), extra.end());
  check_keys(file, s, "step '" + kind + "'", allowed);
  const YAML::Node v = s[kind];
  if (kind == "apdu" || kind == "es10" || kind == "power" || kind == "notifications")
    need_scalar(file, v, kind);
  if (kind == "download" && !v.IsScalar())
    check_keys(file, v, "download", {"matching_id", "confirmation_code", "smdp", "tac"});
  if (kind == "euicc_package")
    check_keys(file, v, "euicc_package",
               {"eim", "psmo", "eco", "counter", "association_token", "transaction_id", "eid",
                "sign_with", "curve"},
               {"eim"});
  if (kind == "replay" && !v.IsScalar())
    check_keys(file, v, "replay",
               {"file", "format", "compare", "masks", "stop_on_mismatch", "compare_atr"}, {"file"});
  if (kind == "eim_queue")
    check_keys(file, v, "eim_queue",
               {"psmo", "eco", "download", "euicc_data", "eim", "eid", "poll", "indirect",
                "immediate_enable", "notify_state_change", "state_change_cause", "max_packages"});
  if (kind == "ipa_poll" && !v.IsNull())
    check_keys(file, v, "ipa_poll",
               {"indirect", "immediate_enable", "notify_state_change", "state_change_cause",
                "max_packages"});
  if (kind == "eim") need_scalar(file, v, "eim");
  if (kind == "ipae_wait") {
    check_keys(file, v, "ipae_wait", {"event", "cycles", "timeout"}, {"event"});
    const auto e = v["event"].as<std::string>();
    if (e != "cycle" && e != "package" && e != "idle" && e != "failure")
      fail(file, v["event"], "ipae_wait event: cycle, package, idle or failure");
  }
  if (kind == "tear_sweep")
    check_keys(file, v, "tear_sweep", {"over", "kinds", "retry", "apdus"}, {"over"});
  if (kind == "faults") {
    need_list(file, v, "faults");
    for (const auto& f : v) check_fault(file, f);
  }
  if (kind == "check") {
    auto one = [&](const YAML::Node& c) {
      if (!c.IsMap() || !c["path"])
        fail(file, c, "check: a mapping with 'path' and an expectation");
    };
    if (v.IsSequence()) {
      for (const auto& c : v) one(c);
    } else {
      one(v);
    }
  }
  if (kind == "es10" && s["args"] && !s["args"].IsSequence() && !s["args"].IsScalar())
    fail(file, s["args"], "args: a list of words (or one string)");
  if (s["save"] && !s["save"].IsMap()) fail(file, s["save"], "save: a mapping of NAME: PATH");
  out.kind = kind;
  out.node = s;
  out.line = s.Mark().line + 1;
  out.setup = s["setup"] && s["setup"].as<bool>();
}

std::vector<Step> steps_of(const std::filesystem::path& file, const YAML::Node& n) {
  std::vector<Step> out;
  if (!n) return out;
  need_list(file, n, "steps");
  for (const auto& s : n) {
    Step step;
    check_step(file, s, step);
    out.push_back(std::move(step));
  }
  return out;
}

Scenario one(const std::filesystem::path& file, const YAML::Node& doc) {
  check_keys(file, doc, "a scenario",
             {"format", "id", "title", "description", "procedure", "requirement", "gsma",
              "applicability", "matrix", "cards", "peers", "faults", "steps", "cleanup"},
             {"format", "id", "steps"});
  int version = 0;
  try {
    version = doc["format"].as<int>();
  } catch (const YAML::Exception&) {
    fail(file, doc["format"], "format: a number");
  }
  if (version != kFormatVersion)
    fail(file, doc["format"],
         "format " + std::to_string(version) + " is not supported (this euicc-sim reads format " +
             std::to_string(kFormatVersion) + ")");
  Scenario s;
  s.file = file;
  s.node = doc;
  s.line = doc.Mark().line + 1;
  need_scalar(file, doc["id"], "id");
  s.id = doc["id"].as<std::string>();
  if (doc["title"]) s.title = doc["title"].as<std::string>();
  if (doc["procedure"]) s.procedure = doc["procedure"].as<std::string>();
  if (doc["requirement"]) s.requirement = doc["requirement"].as<std::string>();
  if (doc["gsma"]) {
    check_keys(file, doc["gsma"], "gsma", {"sgp23", "sgp33"});
    for (const auto& kv : doc["gsma"]) {
      if (!kv.second.IsNull()) s.gsma[kv.first.as<std::string>()] = kv.second.as<std::string>();
    }
  }
  if (doc["applicability"])
    check_keys(file, doc["applicability"], "applicability",
               {"personality", "curves", "reference", "features"});
  if (doc["matrix"] && !doc["matrix"].IsMap()) fail(file, doc["matrix"], "matrix: a mapping");
  need_list(file, doc["cards"], "cards");
  std::set<std::string> names;
  if (doc["cards"]) {
    for (const auto& c : doc["cards"]) {
      check_card(file, c);
      if (!names.insert(c["name"].as<std::string>()).second)
        fail(file, c["name"], "two cards named '" + c["name"].as<std::string>() + "'");
    }
  }
  if (doc["peers"]) {
    check_keys(file, doc["peers"], "peers", {"smdp", "eim"});
    if (auto sm = doc["peers"]["smdp"]) {
      check_keys(file, sm, "smdp", {"curve", "transport", "address", "profiles", "faults"});
      if (sm["transport"] && sm["transport"].as<std::string>() != "direct" &&
          sm["transport"].as<std::string>() != "https")
        fail(file, sm["transport"], "transport: direct or https");
      need_list(file, sm["profiles"], "profiles");
      if (sm["profiles"]) {
        for (const auto& p : sm["profiles"])
          check_profile_source(
              file, p, "offered profile",
              {"matching_id", "confirmation_code", "ppk", "class", "name", "extra_metadata"});
      }
      need_list(file, sm["faults"], "faults");
      if (sm["faults"]) {
        for (const auto& f : sm["faults"]) check_fault(file, f);
      }
    }
    if (auto e = doc["peers"]["eim"]) {
      check_keys(
          file, e, "eim",
          {"id", "curve", "transport", "auto_register", "register", "accept_sgp32_v1_0", "faults"});
      if (e["transport"] && e["transport"].as<std::string>() != "direct" &&
          e["transport"].as<std::string>() != "https")
        fail(file, e["transport"], "transport: direct or https");
      need_list(file, e["faults"], "faults");
      if (e["faults"]) {
        for (const auto& f : e["faults"]) check_fault(file, f);
      }
    }
  }
  need_list(file, doc["faults"], "faults");
  if (doc["faults"]) {
    for (const auto& f : doc["faults"]) check_fault(file, f);
  }
  s.steps = steps_of(file, doc["steps"]);
  s.cleanup = steps_of(file, doc["cleanup"]);
  return s;
}

}  // namespace

const std::vector<std::string>& step_kinds() {
  static const std::vector<std::string> k{"apdu",       "es10",   "download",      "notifications",
                                          "power",      "check",  "euicc_package", "replay",
                                          "tear_sweep", "faults", "set",           "eim_queue",
                                          "ipa_poll",   "eim",    "ipae_wait"};
  return k;
}

std::string where(const std::filesystem::path& file, const YAML::Node& node) {
  return file.string() + ":" + std::to_string(node.Mark().line + 1);
}

nlohmann::json to_json(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
    case YAML::NodeType::Sequence: {
      auto a = nlohmann::json::array();
      for (const auto& e : n) a.push_back(to_json(e));
      return a;
    }
    case YAML::NodeType::Map: {
      auto o = nlohmann::json::object();
      for (const auto& kv : n) o[kv.first.as<std::string>()] = to_json(kv.second);
      return o;
    }
    case YAML::NodeType::Scalar:
      break;
  }
  const std::string s = n.Scalar();
  if (n.Tag() == "!") return s;  // quoted: text, whatever it looks like
  if (s == "true" || s == "True" || s == "yes") return true;
  if (s == "false" || s == "False" || s == "no") return false;
  if (s == "~" || s == "null") return nullptr;
  const bool negative = !s.empty() && s[0] == '-';
  const std::string digits = negative ? s.substr(1) : s;
  if (!digits.empty() && digits.size() <= 18 &&
      digits.find_first_not_of("0123456789") == std::string::npos &&
      (digits.size() == 1 || digits[0] != '0'))
    return std::stoll(s);
  return s;
}

std::vector<Scenario> parse_scenarios(const std::string& text, const std::filesystem::path& file) {
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(text);
  } catch (const YAML::Exception& e) {
    throw ScenarioError(file.string() + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  std::vector<Scenario> out;
  std::set<std::string> ids;
  for (const auto& d : docs) {
    if (d.IsNull()) continue;
    try {
      out.push_back(one(file, d));
    } catch (const YAML::Exception& e) {
      throw ScenarioError(file.string() + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
    }
    if (!ids.insert(out.back().id).second)
      fail(file, d["id"], "a second case with id '" + out.back().id + "'");
  }
  if (out.empty()) throw ScenarioError(file.string() + ": no scenario in the file");
  return out;
}

std::vector<Scenario> load_scenarios(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw ScenarioError("cannot read " + file.string());
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return parse_scenarios(text, file);
}

}  // namespace euiccsim::scenario
