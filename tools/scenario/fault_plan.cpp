#include "fault_plan.hpp"

#include <map>

#include "es10_functions.hpp"
#include "scenario.hpp"

namespace euiccsim::scenario {

namespace {

[[noreturn]] void fail(const std::filesystem::path& file, const YAML::Node& n,
                       const std::string& what) {
  throw ScenarioError(where(file, n) + ": " + what);
}

template <class T>
T as(const std::filesystem::path& file, const YAML::Node& n, const char* what) {
  try {
    return n.as<T>();
  } catch (const YAML::Exception&) {
    fail(file, n,
         std::string(what) + ": '" + (n.IsScalar() ? n.Scalar() : "...") + "' is not a number");
  }
}

// Request tags of the ES10 functions the table does not list (the download's pieces).
std::optional<std::uint32_t> download_tag(const std::string& name) {
  static const std::map<std::string, std::uint32_t> m{{"AuthenticateServer", 0xBF38},
                                                      {"PrepareDownload", 0xBF21},
                                                      {"LoadBoundProfilePackage", 0xBF36}};
  auto it = m.find(name);
  if (it == m.end()) return std::nullopt;
  return it->second;
}

}  // namespace

bool is_eim_fault(const YAML::Node& f) {
  if (f["peer"] && f["peer"].IsScalar() && f["peer"].Scalar() == "eim") return true;
  return f["at"] && f["at"].IsMap() && f["at"]["esipa"];
}

bool is_peer_fault(const YAML::Node& f) {
  if (is_eim_fault(f)) return false;
  if (f["peer"]) return true;
  return f["at"] && f["at"].IsMap() && f["at"]["es9"];
}

sim::CardFault card_fault_from(const YAML::Node& f, const std::filesystem::path& file) {
  static const std::map<std::string, sim::CardFault::Kind> kinds{
      {"power-loss", sim::CardFault::Kind::kPowerLoss},
      {"tear", sim::CardFault::Kind::kTear},
      {"reset", sim::CardFault::Kind::kReset},
      {"sw", sim::CardFault::Kind::kStatusWord},
      {"truncate", sim::CardFault::Kind::kTruncate},
      {"bit-flip", sim::CardFault::Kind::kBitFlip},
      {"delay", sim::CardFault::Kind::kDelay}};
  if (!f.IsMap() || !f["do"]) fail(file, f, "a fault is a mapping with 'do'");
  sim::CardFault out;
  auto it = kinds.find(f["do"].as<std::string>());
  if (it == kinds.end())
    fail(file, f["do"],
         "card fault 'do': power-loss, tear, reset, sw, truncate, bit-flip or delay");
  out.kind = it->second;
  if (const YAML::Node at = f["at"]) {
    if (at.IsMap()) {
      if (at["apdu"] && at["es10"]) fail(file, at, "at: 'apdu' or 'es10', not both");
      if (at["apdu"]) out.apdu = as<std::size_t>(file, at["apdu"], "apdu");
      if (at["es10"]) {
        const std::string name = at["es10"].as<std::string>();
        const auto* fn = tools::find_es10_function(name);
        if (fn && fn->tag) {
          out.es10_tag = fn->tag;
        } else if (auto t = download_tag(name)) {
          out.es10_tag = *t;
        } else {
          fail(file, at["es10"], "unknown ES10 function '" + name + "'");
        }
      }
      if (at["occurrence"]) out.occurrence = as<unsigned>(file, at["occurrence"], "occurrence");
    } else if (at.as<std::string>() == "every") {
      out.occurrence = 0;
    } else {
      out.apdu = as<std::size_t>(file, at, "at");
    }
  } else {
    fail(file, f, "a card fault needs 'at' (apdu, es10 or every)");
  }
  if (f["sw"]) {
    Bytes sw;
    try {
      sw = from_hex(f["sw"].as<std::string>());
    } catch (const HexError&) {
    }
    if (sw.size() != 2) fail(file, f["sw"], "sw: four hex digits");
    out.sw = static_cast<std::uint16_t>((sw[0] << 8) | sw[1]);
  }
  if (f["keep"]) out.keep = as<std::size_t>(file, f["keep"], "keep");
  if (f["bit"]) out.bit = as<std::size_t>(file, f["bit"], "bit");
  if (f["ms"]) out.delay = std::chrono::milliseconds(as<long>(file, f["ms"], "ms"));
  if (f["point"]) {
    const std::string p = f["point"].as<std::string>();
    if (p != "write" && p != "rename") fail(file, f["point"], "point: write or rename");
    out.tear =
        p == "rename" ? sim::CardFault::TearPoint::kRename : sim::CardFault::TearPoint::kWrite;
  }
  return out;
}

smdp::Es9Fault es9_fault_from(const YAML::Node& f, const std::filesystem::path& file) {
  static const std::map<std::string, smdp::Es9Fault::Kind> kinds{
      {"http-status", smdp::Es9Fault::Kind::kHttpStatus},
      {"drop-before", smdp::Es9Fault::Kind::kDropBefore},
      {"drop-after", smdp::Es9Fault::Kind::kDropAfter},
      {"failed", smdp::Es9Fault::Kind::kFailed},
      {"corrupt-signature", smdp::Es9Fault::Kind::kCorruptSignature},
      {"corrupt-mac", smdp::Es9Fault::Kind::kCorruptMac},
      {"delay", smdp::Es9Fault::Kind::kDelay}};
  if (!f.IsMap() || !f["do"]) fail(file, f, "a fault is a mapping with 'do'");
  smdp::Es9Fault out;
  auto it = kinds.find(f["do"].as<std::string>());
  if (it == kinds.end())
    fail(file, f["do"],
         "SM-DP+ fault 'do': http-status, drop-before, drop-after, failed, corrupt-signature, "
         "corrupt-mac or delay");
  out.kind = it->second;
  if (const YAML::Node at = f["at"]; at && at.IsMap()) {
    if (at["es9"]) {
      out.function = at["es9"].as<std::string>();
      static const std::vector<std::string> names{"initiateAuthentication", "authenticateClient",
                                                  "getBoundProfilePackage", "handleNotification",
                                                  "cancelSession"};
      if (std::find(names.begin(), names.end(), out.function) == names.end())
        fail(file, at["es9"],
             "es9: initiateAuthentication, authenticateClient, getBoundProfilePackage, "
             "handleNotification or cancelSession");
    }
    if (at["occurrence"]) out.occurrence = as<unsigned>(file, at["occurrence"], "occurrence");
  }
  if (f["status"]) out.http_status = as<int>(file, f["status"], "status");
  if (f["subject"]) out.subject = f["subject"].as<std::string>();
  if (f["reason"]) out.reason = f["reason"].as<std::string>();
  if (f["ms"]) out.delay = std::chrono::milliseconds(as<long>(file, f["ms"], "ms"));
  return out;
}

EsipaFault esipa_fault_from(const YAML::Node& f, const std::filesystem::path& file) {
  static const std::map<std::string, EsipaFault::Kind> kinds{
      {"http-status", EsipaFault::Kind::kHttpStatus},
      {"drop-before", EsipaFault::Kind::kDropBefore},
      {"drop-after", EsipaFault::Kind::kDropAfter},
      {"corrupt-signature", EsipaFault::Kind::kCorruptSignature},
      {"corrupt-mac", EsipaFault::Kind::kCorruptMac},
      {"delay", EsipaFault::Kind::kDelay}};
  if (!f.IsMap() || !f["do"]) fail(file, f, "a fault is a mapping with 'do'");
  EsipaFault out;
  auto it = kinds.find(f["do"].as<std::string>());
  if (it == kinds.end())
    fail(file, f["do"],
         "eIM fault 'do': http-status, drop-before, drop-after, corrupt-signature, corrupt-mac "
         "or delay");
  out.kind = it->second;
  if (const YAML::Node at = f["at"]; at && at.IsMap()) {
    if (at["esipa"]) {
      out.function = at["esipa"].as<std::string>();
      const auto& names = esipa_function_names();
      if (std::find(names.begin(), names.end(), out.function) == names.end()) {
        std::string all;
        for (const auto& n : names) all += (all.empty() ? "" : ", ") + n;
        fail(file, at["esipa"], "esipa: " + all);
      }
    }
    if (at["occurrence"]) out.occurrence = as<unsigned>(file, at["occurrence"], "occurrence");
  }
  if (f["status"]) out.http_status = as<int>(file, f["status"], "status");
  if (f["ms"]) out.delay = std::chrono::milliseconds(as<long>(file, f["ms"], "ms"));
  return out;
}

std::vector<sim::CardFault> FaultPlanFile::for_card(const std::string& eid) const {
  std::vector<sim::CardFault> out;
  for (const auto& e : card) {
    if (e.card.empty() || e.card == eid) out.push_back(e.fault);
  }
  return out;
}

FaultPlanFile load_fault_plan(const std::filesystem::path& file) {
  YAML::Node doc;
  try {
    doc = YAML::LoadFile(file.string());
  } catch (const YAML::BadFile&) {
    throw ScenarioError("cannot read " + file.string());
  } catch (const YAML::Exception& e) {
    throw ScenarioError(file.string() + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  if (!doc.IsMap() || !doc["format"] || !doc["faults"])
    throw ScenarioError(file.string() +
                        ": a fault plan is a mapping with 'format: 1' and 'faults:'");
  if (doc["format"].as<std::string>() != std::to_string(kFormatVersion))
    fail(file, doc["format"], "format " + doc["format"].as<std::string>() + " is not supported");
  if (!doc["faults"].IsSequence()) fail(file, doc["faults"], "faults: a list");
  FaultPlanFile plan;
  for (const auto& f : doc["faults"]) {
    if (is_eim_fault(f)) fail(file, f, "an eIM fault belongs in a scenario (serve runs no eIM)");
    if (is_peer_fault(f)) {
      plan.peer.push_back(es9_fault_from(f, file));
    } else {
      plan.card.push_back({f["card"] ? f["card"].as<std::string>() : "", card_fault_from(f, file)});
    }
  }
  return plan;
}

}  // namespace euiccsim::scenario
