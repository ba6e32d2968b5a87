// The scenario runner. One Case per scenario document (and matrix value): its own state
// directory, cards, SM-DP+ and variables; steps run in order until one fails, then the
// clean-up steps. Every step produces a JSON result; its expectations are paths into it
// (docs/scenarios.md), so a failure names the step, the path, what was expected and what came
// back.
#include "runner.hpp"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "asn1_json.hpp"
#include "common.hpp"
#include "eim/euicc_package.hpp"
#include "eim_peer.hpp"
#include "es10_functions.hpp"
#include "es10_link.hpp"
#include "euiccsim/crypto/tlv.hpp"
#include "euiccsim/crypto/certificate.hpp"
#include "euiccsim/profiles/builder.hpp"
#include "euiccsim/profiles/installer.hpp"
#include "euiccsim/simulator/card_image.hpp"
#include "euiccsim/simulator/euicc.hpp"
#include "euiccsim/simulator/faults.hpp"
#include "euiccsim/simulator/host/ipae_runner.hpp"
#include "euiccsim/simulator/identity.hpp"
#include "fault_plan.hpp"
#include "ipa/poll.hpp"
#include "json_path.hpp"
#include "lpa/download.hpp"
#include "profile_spec.hpp"
#include "replay.hpp"
#include "smdp/es9plus_forward.hpp"
#include "smdp/faults.hpp"
#include "smdp/https.hpp"
#include "smdp/server.hpp"

#include <AuthenticateServerResponse.h>
#include <EuiccPackageResult.h>
#include <PrepareDownloadResponse.h>
#include <ProfileInstallationResult.h>

namespace euiccsim::scenario {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

// ---- outcomes of a step --------------------------------------------------------------------

// The step cannot run as written (a setup problem, a bad argument): Inconclusive.
class Inconclusive : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
// The case does not apply here (no reference profiles): Skipped.
class NotApplicable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
// An expectation was not met: Fail.
struct Mismatch {
  std::string expected;
  std::string got;
};

std::string hex_sw(std::uint16_t sw) {
  char b[8];
  std::snprintf(b, sizeof b, "%04X", sw);
  return b;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), ::tolower);
  return s;
}

// A deterministic clock for seeded runs: it starts on a day of 2025 the seed picks and moves
// 1 ms per reading, plus any delay a fault injects.
class VirtualClock {
 public:
  explicit VirtualClock(std::uint64_t seed) {
    auto drbg = crypto::Drbg::from_seed(seed, "clock");
    now_ = std::chrono::system_clock::time_point(std::chrono::seconds(1735689600)) +  // 2025-01-01
           std::chrono::seconds(drbg.uniform(365 * 86400));
  }
  std::chrono::system_clock::time_point read() {
    std::lock_guard lock(mu_);
    now_ += std::chrono::milliseconds(1);
    return now_;
  }
  void advance(std::chrono::milliseconds d) {
    std::lock_guard lock(mu_);
    now_ += d;
  }

 private:
  std::mutex mu_;
  std::chrono::system_clock::time_point now_;
};

struct EimRt {
  std::string ref;  // how the scenario names this configuration (`ref:`, else its id)
  std::string id;
  std::string curve = "nist";
  Bytes config;  // DER EimConfigurationData
  bool added = true;
};

struct CardRt {
  std::string name;
  std::string personality = personality::kSgp22;
  std::string curve = "nist";
  fs::path image;
  sim::Protocol protocol = sim::Protocol::kT0;
  tools::Es10ChannelOptions link;
  std::vector<sim::CardFault> plan;
  // The injector the card's Persist writes through; replaced when the plan changes.
  std::shared_ptr<std::shared_ptr<sim::FaultInjector>> injector =
      std::make_shared<std::shared_ptr<sim::FaultInjector>>();
  std::unique_ptr<sim::Card> card;
  std::vector<EimRt> eims;
  // Made with an IPAe (`ipae:`); IpaeActivation is sent at setup unless `active: false`.
  bool ipae = false;
  bool ipae_active = false;

  sim::FaultInjector& faults() { return **injector; }
};

class CardLink final : public tools::Link {
 public:
  explicit CardLink(sim::Card& card) : card_(card) {}
  Bytes transmit(const Bytes& apdu) override { return card_.transmit(apdu); }
  Bytes reset() override { return card_.reset(); }

 private:
  sim::Card& card_;
};

// The SM-DP+ peer: the server, the fault layer and the LPA's client of it.
struct SmdpRt {
  smdp::Es9Plus* target = nullptr;
  std::unique_ptr<smdp::Es9PlusForward> forward;
  std::unique_ptr<crypto::Drbg> drbg;
  std::unique_ptr<smdp::Server> server;
  std::unique_ptr<smdp::Es9FaultyPost> faulty;
  std::unique_ptr<smdp::Es9PlusJsonClient> client;
  std::unique_ptr<smdp::Es9PlusHttpsServer> https;
  std::thread https_thread;
  std::string address;
  std::vector<smdp::Es9Fault> plan;
  ~SmdpRt() {
    if (https) {
      https->stop();
      if (https_thread.joinable()) https_thread.join();
    }
  }
};

// card_json as nlohmann JSON, without the image path (which differs between runs).
json state_json(const CardState& s, const fs::path& image) {
  auto j = json::parse(tools::card_json(s, image).dump());
  j.erase("image");
  return j;
}

std::string first_difference(const json& a, const json& b, const std::string& at = "") {
  if (a.type() != b.type()) return (at.empty() ? "/" : at) + ": " + show(a) + " vs " + show(b);
  if (a.is_object()) {
    std::set<std::string> keys;
    for (const auto& kv : a.items()) keys.insert(kv.key());
    for (const auto& kv : b.items()) keys.insert(kv.key());
    for (const auto& k : keys) {
      if (!a.contains(k)) return at + "/" + k + ": absent vs " + show(b[k]);
      if (!b.contains(k)) return at + "/" + k + ": " + show(a[k]) + " vs absent";
      auto d = first_difference(a[k], b[k], at + "/" + k);
      if (!d.empty()) return d;
    }
    return "";
  }
  if (a.is_array()) {
    if (a.size() != b.size())
      return (at.empty() ? "/" : at) + ": " + std::to_string(a.size()) + " vs " +
             std::to_string(b.size()) + " element(s)";
    for (std::size_t i = 0; i < a.size(); ++i) {
      auto d = first_difference(a[i], b[i], at + "/" + std::to_string(i));
      if (!d.empty()) return d;
    }
    return "";
  }
  return a == b ? "" : (at.empty() ? "/" : at) + ": " + show(a) + " vs " + show(b);
}

}  // namespace

// ---- the runner ------------------------------------------------------------------------------

struct Runner::Impl {
  RunOptions o;
  std::unique_ptr<VirtualClock> clock;
  std::map<std::string, sim::TestPki> pki_cache;  // seeded runs: one PKI per curve
  fs::path temp_root;

  explicit Impl(RunOptions options) : o(std::move(options)) {
    if (o.seed) {
      clock = std::make_unique<VirtualClock>(*o.seed);
      if (o.trace) o.trace->set_clock([c = clock.get()] { return c->read(); });
    }
  }

  void wait(std::chrono::milliseconds d) {
    // Never a real sleep: a seeded run's clock moves, an unseeded run just notes it.
    if (clock) clock->advance(d);
  }

  const sim::TestPki& pki(const std::string& curve) {
    auto it = pki_cache.find(curve);
    if (it != pki_cache.end()) return it->second;
    auto drbg = o.seed ? crypto::Drbg::from_seed(*o.seed, "pki-" + curve) : crypto::Drbg::from_os();
    sim::TestPkiOptions po;
    po.eum_prefix = "89";
    auto p = sim::make_test_pki(
        curve == "brainpool" ? crypto::Curve::kBrainpoolP256r1 : crypto::Curve::kNistP256, po,
        drbg);
    return pki_cache.emplace(curve, std::move(p)).first->second;
  }

  crypto::Drbg drbg(const std::string& label) {
    return o.seed ? crypto::Drbg::from_seed(*o.seed, label) : crypto::Drbg::from_os();
  }

  std::vector<std::string> reference_profiles() {
    std::vector<std::string> out;
    if (!o.reference) return out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(*o.reference / "profiles", ec)) {
      if (e.path().extension() == ".der") out.push_back(e.path().stem().string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  fs::path work_root() {
    if (o.work_dir) return *o.work_dir;
    if (temp_root.empty()) {
      std::string tmpl = (fs::temp_directory_path() / "euicc-sim-run-XXXXXX").string();
      if (!::mkdtemp(tmpl.data())) throw std::runtime_error("cannot create a temporary directory");
      temp_root = tmpl;
    }
    return temp_root;
  }

  ~Impl() {
    if (!temp_root.empty()) {
      std::error_code ec;
      fs::remove_all(temp_root, ec);
    }
  }
};

namespace {

// ---- one case --------------------------------------------------------------------------------

class Case {
 public:
  Case(Runner::Impl& impl, const Scenario& sc, std::map<std::string, std::string> matrix)
      : impl_(impl), sc_(sc), matrix_(std::move(matrix)) {
    report_.id = sc.id;
    if (!matrix_.empty()) {
      std::string suffix;
      for (const auto& [k, v] : matrix_) suffix += (suffix.empty() ? "" : ",") + k + "=" + v;
      report_.id += "[" + suffix + "]";
    }
    vars_ = matrix_;
    report_.title = subst(sc.title);
    report_.procedure = sc.procedure;
    report_.requirement = sc.requirement;
    report_.gsma = sc.gsma;
    report_.file = sc.file;
    report_.line = sc.line;
  }

  ~Case() {
    cards_.clear();
    eim_.reset();
    smdp_.reset();
    if (!impl_.o.work_dir && !work_.empty()) {
      std::error_code ec;
      fs::remove_all(work_, ec);
    }
  }

  CaseReport run() {
    const auto start = std::chrono::steady_clock::now();
    try {
      applicability();
      setup();
    } catch (const NotApplicable& e) {
      report_.verdict = Verdict::kSkipped;
      report_.reason = e.what();
      return finish(start);
    } catch (const std::exception& e) {
      report_.verdict = Verdict::kInconclusive;
      report_.reason = std::string("setup: ") + e.what();
      return finish(start);
    }
    std::size_t index = 0;
    for (const auto& step : sc_.steps) {
      StepReport r = run_step(step, ++index, false);
      report_.steps.push_back(r);
      if (r.verdict == Verdict::kPass) continue;
      report_.verdict =
          (step.setup && r.verdict == Verdict::kFail) ? Verdict::kInconclusive : r.verdict;
      report_.reason = "step " + std::to_string(r.index) + " (line " + std::to_string(r.line) +
                       ", " + r.label + "): " +
                       (r.expected.empty() ? r.message
                                           : "expected " + r.expected + ", got " + r.got +
                                                 (r.message.empty() ? "" : " (" + r.message + ")"));
      break;
    }
    for (const auto& step : sc_.cleanup) {
      StepReport r = run_step(step, ++index, true);
      if (r.verdict != Verdict::kPass)
        report_.notes.push_back(
            "clean-up step " + std::to_string(r.index) + " (" + r.label +
            "): " + (r.expected.empty() ? r.message : "expected " + r.expected + ", got " + r.got));
      report_.steps.push_back(std::move(r));
    }
    return finish(start);
  }

 private:
  CaseReport finish(std::chrono::steady_clock::time_point start) {
    for (auto& [name, rt] : cards_) {
      if (!rt.injector || !*rt.injector) continue;
      for (const auto& f : rt.faults().fired()) {
        report_.notes.push_back("card " + name + ": APDU " + std::to_string(f.apdu) + ": " +
                                f.note);
      }
    }
    if (smdp_ && smdp_->faulty) {
      for (const auto& f : smdp_->faulty->fired()) report_.notes.push_back("SM-DP+: " + f);
    }
    if (eim_) {
      for (const auto& f : eim_->fired()) report_.notes.push_back("eIM: " + f);
    }
    report_.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return std::move(report_);
  }

  // ---- values ----

  std::string subst(const std::string& in) const {
    std::string out;
    std::size_t i = 0;
    while (i < in.size()) {
      auto open = in.find("${", i);
      if (open == std::string::npos) {
        out.append(in, i, std::string::npos);
        break;
      }
      auto close = in.find('}', open);
      if (close == std::string::npos) throw Inconclusive("'" + in + "': '${' without '}'");
      out.append(in, i, open - i);
      const std::string name = in.substr(open + 2, close - open - 2);
      auto it = vars_.find(name);
      if (it == vars_.end()) throw Inconclusive("unknown variable ${" + name + "}");
      out += it->second;
      i = close + 1;
    }
    return out;
  }

  std::string str(const YAML::Node& n) const {
    if (!n || n.IsNull()) return "";
    if (!n.IsScalar())
      throw Inconclusive("line " + std::to_string(n.Mark().line + 1) + ": expected a single value");
    return subst(n.Scalar());
  }

  json value(const YAML::Node& n) const {
    json j = to_json(n);
    substitute(j);
    return j;
  }

  void substitute(json& j) const {
    if (j.is_string()) {
      j = subst(j.get<std::string>());
    } else if (j.is_structured()) {
      for (auto& e : j) substitute(e);
    }
  }

  std::vector<std::string> words(const YAML::Node& n) const {
    std::vector<std::string> out;
    if (!n) return out;
    if (n.IsSequence()) {
      for (const auto& w : n) out.push_back(str(w));
      return out;
    }
    std::istringstream in(str(n));
    std::string w;
    while (in >> w) out.push_back(w);
    return out;
  }

  fs::path path_of(const std::string& p) const {
    fs::path f(p);
    return f.is_absolute() ? f : sc_.file.parent_path() / f;
  }

  // ---- setup ----

  void applicability() {
    const YAML::Node a = sc_.node["applicability"];
    bool needs_reference = a && a["reference"] && a["reference"].as<bool>();
    if (const YAML::Node m = sc_.node["matrix"]) {
      for (const auto& kv : m) {
        if (kv.second.IsMap() && kv.second["reference"]) needs_reference = true;
      }
    }
    if (needs_reference && impl_.reference_profiles().empty())
      throw NotApplicable(
          "needs the TS.48 reference profiles (../shared/reference/profiles); not found");
  }

  Bytes package_of(const YAML::Node& p) {
    if (p["demo"]) return tools::demo_package();
    if (p["builder"]) {
      json spec = value(p["builder"]);
      try {
        return profiles::encode_package(
            profiles::build_profile(tools::parse_profile_spec(spec.dump())));
      } catch (const std::exception& e) {
        throw Inconclusive(where(sc_.file, p["builder"]) + ": builder: " + e.what());
      }
    }
    if (p["spec"]) {
      Bytes text = tools::read_file(path_of(str(p["spec"])).string());
      try {
        return profiles::encode_package(profiles::build_profile(
            tools::parse_profile_spec(std::string(text.begin(), text.end()))));
      } catch (const std::exception& e) {
        throw Inconclusive(str(p["spec"]) + ": " + e.what());
      }
    }
    if (p["file"]) return tools::read_file(path_of(str(p["file"])).string());
    const std::string name = str(p["reference"]);
    if (!impl_.o.reference)
      throw NotApplicable("needs the TS.48 reference profile " + name +
                          " (../shared/reference); not found");
    const fs::path f = *impl_.o.reference / "profiles" / (name + ".der");
    if (!fs::exists(f)) throw NotApplicable("no reference profile " + f.string());
    return tools::read_file(f.string());
  }

  // The scenario's `peers: NAME:` mapping, or an undefined node (false) when it has none. (A
  // default-constructed YAML::Node is a defined null, which tests true.)
  YAML::Node peer_spec(const char* name) const {
    const YAML::Node& root = sc_.node;
    const YAML::Node peers = root["peers"];
    if (!peers || !peers.IsMap()) return root["\x01none"];
    return peers[name];
  }

  void setup() {
    work_ = impl_.work_root() / (sanitize(report_.id) + "-" + std::to_string(::getpid()) + "-" +
                                 std::to_string(counter()));
    fs::create_directories(work_ / "cards");
    // Which CIs exist in this case: every card trusts all of them, so the SM-DP+ may sit on
    // either curve.
    std::set<std::string> curves;
    if (const YAML::Node cards = sc_.node["cards"]) {
      for (const auto& c : cards) curves.insert(c["curve"] ? c["curve"].as<std::string>() : "nist");
    }
    if (const YAML::Node sm = peer_spec("smdp")) {
      curves.insert(sm["curve"] ? sm["curve"].as<std::string>() : "nist");
    }
    // The eIM first: a card's eIM configuration may name ${eim.address} (an IPAe polls it).
    if (const YAML::Node e = peer_spec("eim")) {
      eim_spec_ = e;
      make_eim();
    }
    if (const YAML::Node cards = sc_.node["cards"]) {
      for (const auto& c : cards) make_card(c, curves);
    }
    if (const YAML::Node sm = peer_spec("smdp")) {
      smdp_spec_ = sm;
      smdp_ = make_smdp(true);
      vars_["smdp.address"] = smdp_->address;
    }
    if (const YAML::Node f = sc_.node["faults"]) arm_faults(f);
    // eIMs named in the scenario are added to their card with AddInitialEim, as an IPA would.
    for (auto& name : card_order_) {
      auto& rt = cards_.at(name);
      std::vector<std::string> configs;
      for (const auto& e : rt.eims) {
        if (e.added) configs.push_back(to_hex(e.config));
      }
      if (configs.empty()) continue;
      json r = es10_call(rt, "add-initial-eim", configs);
      if (r.value("result", std::string()) != "ok")
        throw Inconclusive("card " + name + ": AddInitialEim answered " +
                           show(r.value("answer", json())) + " " + r.value("error", std::string()));
    }
    for (auto& name : card_order_) {
      auto& rt = cards_.at(name);
      if (!rt.ipae_active) continue;
      json r = es10_call(rt, "ipae-activation", {"on"});
      if (r.value("result", std::string()) != "ok")
        throw Inconclusive("card " + name + ": IpaeActivation answered " +
                           show(r.value("answer", json())) + " " + r.value("error", std::string()));
    }
    if (eim_) register_with_eim();
  }

  // The eIM peer: its identity signs with the case PKI's eIM key of its curve (the key the
  // cards' eIM configurations carry); it relays indirect downloads to the scenario's SM-DP+.
  void make_eim() {
    const YAML::Node e = eim_spec_;
    EimPeerOptions po;
    po.eim_id = e["id"] ? str(e["id"]) : "eim-1";
    const std::string curve = e["curve"] ? str(e["curve"]) : "nist";
    po.key = impl_.pki(curve).eim.key;
    po.auto_register = e["auto_register"] && e["auto_register"].as<bool>();
    po.accept_v1_0 = e["accept_sgp32_v1_0"] && e["accept_sgp32_v1_0"].as<bool>();
    const std::string transport = e["transport"] ? str(e["transport"]) : "direct";
    if (transport != "direct" && transport != "https")
      throw Inconclusive(where(sc_.file, e["transport"]) + ": eIM transport: direct or https");
    if (transport == "https") {
      const fs::path dir = work_ / "eim-pki";
      sim::write_test_pki(
          dir, curve == "brainpool" ? crypto::Curve::kBrainpoolP256r1 : crypto::Curve::kNistP256,
          impl_.pki(curve));
      po.https = true;
      po.tls_dir = dir / (curve == "brainpool" ? "brainpool" : "nist");
    }
    po.relay = [this](const std::string& address) -> smdp::Es9Plus* {
      return smdp_ && address == smdp_->address ? smdp_->client.get() : nullptr;
    };
    if (impl_.clock) {
      po.now_ms = [c = impl_.clock.get()] {
        return std::chrono::duration_cast<std::chrono::milliseconds>(c->read().time_since_epoch())
            .count();
      };
    } else {
      po.now_ms = [] {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
      };
    }
    if (impl_.o.seed) po.seed = *impl_.o.seed;
    if (trace_enabled_) po.faults.trace = impl_.o.trace;
    po.faults.wait = [this](std::chrono::milliseconds d) { impl_.wait(d); };
    if (const YAML::Node f = e["faults"]) {
      for (const auto& x : f) po.faults.plan.push_back(esipa_fault(x));
    }
    eim_ = std::make_unique<EimPeer>(work_ / "eim.db", std::move(po));
    vars_["eim.address"] = eim_->address();
    vars_["eim.id"] = eim_->eim_id();
  }

  // What the factory tells the eIM of each card that holds its configuration: the EID, the
  // counter and association token the card stored, the eUICC certificate (the eIM verifies
  // results with it). `register: false` leaves the eIM to learn them (IpaEuiccData).
  void register_with_eim() {
    if (eim_spec_["register"] && !eim_spec_["register"].as<bool>()) return;
    for (const auto& name : card_order_) {
      auto& rt = cards_.at(name);
      const CardState st = sim::load_image(rt.image);
      const EimConfig* c = st.find_eim(eim_->eim_id());
      if (!c) continue;
      std::optional<std::int64_t> token;
      if (c->association_token) token = static_cast<std::int64_t>(*c->association_token);
      eim_->eim().register_card(st.eid.str(), eim_->eim_id(),
                                static_cast<std::int64_t>(c->counter_value), token,
                                st.identity.euicc_certificate);
    }
  }

  static std::string sanitize(const std::string& s) {
    std::string out;
    for (char c : s)
      out.push_back(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' ? c : '_');
    return out.substr(0, 80);
  }
  static unsigned counter() {
    static std::atomic<unsigned> n{0};
    return ++n;
  }

  void make_card(const YAML::Node& c, const std::set<std::string>& curves) {
    CardRt rt;
    rt.name = c["name"].as<std::string>();
    if (c["personality"]) rt.personality = str(c["personality"]);
    if (c["curve"]) rt.curve = str(c["curve"]);
    if (c["protocol"] && str(c["protocol"]) == "t1") rt.protocol = sim::Protocol::kT1;
    if (const YAML::Node l = c["link"]) {
      if (l["block_size"]) rt.link.block_size = l["block_size"].as<std::size_t>();
      if (l["get_response_cla"])
        rt.link.get_response_cla = str(l["get_response_cla"]) == "00" ? 0x00 : 0x80;
      if (l["basic_channel"]) rt.link.basic_channel = l["basic_channel"].as<bool>();
    }
    sim::NewCard nc;
    nc.config.personality = rt.personality;
    if (c["eid"]) {
      const std::string eid = str(c["eid"]);
      nc.eid = Eid::parse(eid);
      if (!nc.eid) throw Inconclusive("card " + rt.name + ": " + Eid::why_invalid(eid));
    }
    if (const YAML::Node q = c["quirks"]) {
      for (const auto& x : q) nc.config.quirks.insert(str(x));
    }
    if (const YAML::Node ip = c["ipae"]; ip && (ip.IsMap() || ip.as<bool>())) {
      IpaeConfig ic;
      rt.ipae = true;
      rt.ipae_active = !ip.IsMap() || !ip["active"] || ip["active"].as<bool>();
      if (ip.IsMap() && ip["interval"]) ic.poll_interval_s = ip["interval"].as<std::uint32_t>();
      if (ip.IsMap() && ip["minimize"]) ic.minimize_esipa_bytes = ip["minimize"].as<bool>();
      nc.config.ipae = ic;
    }
    const auto& own = impl_.pki(rt.curve);
    sim::CardIssuer issuer = sim::card_issuer(sim::Issuer{own.ci, own.eum});
    for (const auto& other : curves) {
      if (other != rt.curve) issuer.trusted_cis.push_back(impl_.pki(other).ci.certificate);
    }
    nc.issuer = issuer;
    if (const YAML::Node ps = c["profiles"]) {
      std::vector<profiles::InstalledProfile> installed;
      for (const auto& p : ps) {
        profiles::InstallOptions io;
        for (const auto& i : installed) io.existing_iccids.push_back(i.iccid);
        profiles::InstalledProfile profile;
        try {
          profile = profiles::install_package(package_of(p), io);
        } catch (const profiles::InstallError& e) {
          throw Inconclusive(where(sc_.file, p) + ": " + e.describe());
        }
        sim::Preload pre{profile, tools::metadata_from_profile(profile), false};
        if (p["demo"]) pre = tools::demo_preload();
        pre.enabled = p["enabled"] && p["enabled"].as<bool>();
        if (p["name"]) pre.metadata.profile_name = str(p["name"]);
        if (p["spn"]) pre.metadata.service_provider_name = str(p["spn"]);
        if (p["class"]) {
          auto cls = parse_profile_class(str(p["class"]));
          if (!cls)
            throw Inconclusive(where(sc_.file, p["class"]) +
                               ": class: test, provisioning or operational");
          pre.metadata.profile_class = *cls;
        }
        if (p["notify"]) {
          for (auto e : {NotificationEvent::kEnable, NotificationEvent::kDisable,
                         NotificationEvent::kDelete})
            pre.metadata.notification_config.push_back({e, str(p["notify"])});
        }
        if (p["ppr"]) {
          const std::string v = str(p["ppr"]);
          pre.metadata.pprs =
              static_cast<std::uint8_t>((v.find("ppr1") != std::string::npos ? kPpr1 : 0) |
                                        (v.find("ppr2") != std::string::npos ? kPpr2 : 0));
        }
        installed.push_back(pre.profile);
        nc.profiles.push_back(std::move(pre));
      }
    } else {
      nc.profiles.push_back(tools::demo_preload());
    }
    sim::StateDirectory dir(work_ / "cards");
    auto id_drbg = impl_.drbg("identity:" + report_.id + ":" + rt.name);
    CardState state = dir.create(nc, id_drbg);
    rt.image = dir.image_path(state.eid.str());
    if (const YAML::Node es = c["eims"]) {
      for (const auto& e : es) {
        EimRt eim;
        eim.id = str(e["id"]);
        eim.ref = e["ref"] ? str(e["ref"]) : eim.id;
        if (e["curve"]) eim.curve = str(e["curve"]);
        eim.added = !e["add"] || e["add"].as<bool>();
        eim::EimConfiguration config;
        config.eim_id = eim.id;
        if (e["fqdn"]) config.fqdn = str(e["fqdn"]);
        // "none" leaves counterValue out (a card answers commandError).
        if (!e["counter"]) {
          config.counter_value = 0;
        } else if (str(e["counter"]) != "none") {
          config.counter_value = std::stol(str(e["counter"]));
        }
        // true asks the card for a token (-1); a number is sent as it is (a card refuses it).
        if (const YAML::Node t = e["association_token"]) {
          const std::string v = str(t);
          if (v == "true") {
            config.association_token = -1;
          } else if (v != "false") {
            config.association_token = std::stol(v);
          }
        }
        if (e["id_type"]) config.id_type = e["id_type"].as<long>();
        if (e["ci_pkid"]) config.euicc_ci_pkid = from_hex(str(e["ci_pkid"]));
        const auto& cert = impl_.pki(eim.curve).eim.certificate;
        if (e["key_only"] && e["key_only"].as<bool>()) {
          config.public_key = crypto::PublicKey::from_certificate(cert).subject_public_key_info();
        } else {
          config.certificate = cert;
        }
        config.indirect_profile_download =
            e["indirect_download"] && e["indirect_download"].as<bool>();
        if (const YAML::Node pr = e["protocols"]) {
          std::uint32_t bits = 0;
          for (const auto& p : pr) {
            auto bit = eim::supported_protocol_bit(str(p));
            if (!bit)
              throw Inconclusive(where(sc_.file, p) + ": unknown eIM protocol '" + str(p) + "'");
            bits |= 1u << *bit;
          }
          config.supported_protocols = bits;
        }
        eim.config = eim::encode_eim_configuration(config);
        vars_["eim." + eim.ref + ".config"] = to_hex(eim.config);
        rt.eims.push_back(std::move(eim));
      }
    }
    vars_[rt.name + ".eid"] = state.eid.str();
    start_card(rt, std::move(state), "card:" + report_.id + ":" + rt.name);
    card_order_.push_back(rt.name);
    cards_.emplace(rt.name, std::move(rt));
  }

  // The card runtime over `state`, its image written through the current fault injector.
  void start_card(CardRt& rt, CardState state, const std::string& drbg_label,
                  std::optional<std::uint64_t> seed = std::nullopt) {
    rt.card.reset();
    auto drbg = seed ? crypto::Drbg::from_seed(*seed, drbg_label) : impl_.drbg(drbg_label);
    rebuild_injector(rt);
    rt.card = sim::make_euicc(
        std::move(state), std::move(drbg),
        [slot = rt.injector, image = rt.image](const CardState& s) { (*slot)->save(image, s); });
    rt.card->set_filter(*rt.injector);
    if (trace_enabled_) rt.card->set_trace(impl_.o.trace);
    rt.card->power_on();
    rt.card->set_protocol(rt.protocol);
  }

  void rebuild_injector(CardRt& rt) {
    sim::FaultInjector::Hooks hooks;
    hooks.reload = [image = rt.image] { return sim::load_image(image); };
    hooks.wait = [this](std::chrono::milliseconds d) { impl_.wait(d); };
    *rt.injector = std::make_shared<sim::FaultInjector>(rt.plan, hooks);
    if (rt.card) rt.card->set_filter(*rt.injector);
  }

  std::unique_ptr<SmdpRt> make_smdp(bool traced, std::optional<std::uint64_t> seed = std::nullopt) {
    const YAML::Node sm = smdp_spec_;
    auto rt = std::make_unique<SmdpRt>();
    const std::string curve = sm["curve"] ? str(sm["curve"]) : "nist";
    const auto& pki = impl_.pki(curve);
    const std::string transport = sm["transport"] ? str(sm["transport"]) : "direct";
    rt->drbg =
        std::make_unique<crypto::Drbg>(seed ? crypto::Drbg::from_seed(*seed, "smdp:" + report_.id)
                                            : impl_.drbg("smdp:" + report_.id));
    std::vector<Bytes> cis;
    for (const auto& [c, p] : impl_.pki_cache) cis.push_back(p.ci.certificate);
    smdp::ServerConfig config{sm["address"] ? str(sm["address"]) : "smdp.example.com", pki.dp_auth,
                              pki.dp_pb, cis};
    smdp::Es9Post inner;
    if (transport == "https") {
      const fs::path dir = work_ / "pki";
      sim::write_test_pki(
          dir, curve == "brainpool" ? crypto::Curve::kBrainpoolP256r1 : crypto::Curve::kNistP256,
          pki);
      const fs::path folder = dir / (curve == "brainpool" ? "brainpool" : "nist");
      // Bound before the server exists: the address names the port the system chose.
      rt->forward = std::make_unique<smdp::Es9PlusForward>(&rt->target);
      rt->https = std::make_unique<smdp::Es9PlusHttpsServer>(
          *rt->forward, (folder / "dp-tls.chain.pem").string(),
          (folder / "dp-tls.key.pem").string(), nullptr);
      const int port = rt->https->bind("127.0.0.1", 0);
      config.address = "localhost:" + std::to_string(port);
      rt->server = std::make_unique<smdp::Server>(config, *rt->drbg);
      rt->target = rt->server.get();
      rt->https_thread = std::thread([h = rt->https.get()] { h->run(); });
      smdp::TlsClientOptions tls;
      tls.ca_file = (folder / "ci.pem").string();
      inner = smdp::https_post(config.address, tls);
    } else {
      rt->server = std::make_unique<smdp::Server>(config, *rt->drbg);
      inner = smdp::in_process_post(*rt->server);
    }
    rt->address = config.address;
    if (const YAML::Node ps = sm["profiles"]) {
      for (const auto& p : ps) {
        smdp::ProfileOffer offer;
        offer.matching_id = p["matching_id"] ? str(p["matching_id"]) : "";
        offer.package = package_of(p);
        if (p["confirmation_code"]) offer.confirmation_code = str(p["confirmation_code"]);
        // DER appended to StoreMetadata (SGP.32's 9F7B ecallIndication, 9F67 fallbackAllowed).
        if (p["extra_metadata"]) offer.extra_metadata = from_hex(str(p["extra_metadata"]));
        offer.ppk = p["ppk"] && p["ppk"].as<bool>();
        if (p["name"]) offer.profile_name = str(p["name"]);
        if (p["class"]) {
          auto cls = parse_profile_class(str(p["class"]));
          if (!cls)
            throw Inconclusive(where(sc_.file, p["class"]) +
                               ": class: test, provisioning or operational");
          offer.profile_class = static_cast<std::uint8_t>(*cls);
        }
        try {
          rt->server->add_profile(std::move(offer));
        } catch (const std::invalid_argument& e) {
          throw Inconclusive(where(sc_.file, p) + ": " + e.what());
        }
      }
    }
    if (const YAML::Node f = sm["faults"]; f && rt->plan.empty()) {
      for (const auto& x : f) rt->plan.push_back(es9_fault(x));
    }
    rebuild_client(*rt, traced);
    return rt;
  }

  void rebuild_client(SmdpRt& rt, bool traced) {
    smdp::Es9FaultyPost::Options fo;
    fo.plan = rt.plan;
    if (traced && trace_enabled_) fo.trace = impl_.o.trace;
    fo.wait = [this](std::chrono::milliseconds d) { impl_.wait(d); };
    smdp::Es9Post inner =
        rt.https ? smdp::https_post(rt.address,
                                    [&] {
                                      smdp::TlsClientOptions tls;
                                      const std::string curve =
                                          smdp_spec_["curve"] ? str(smdp_spec_["curve"]) : "nist";
                                      tls.ca_file =
                                          (work_ / "pki" /
                                           (curve == "brainpool" ? "brainpool" : "nist") / "ci.pem")
                                              .string();
                                      return tls;
                                    }())
                 : smdp::in_process_post(*rt.server);
    rt.faulty = std::make_unique<smdp::Es9FaultyPost>(inner, fo);
    rt.client = std::make_unique<smdp::Es9PlusJsonClient>(rt.faulty->post());
  }

  // ---- faults ----

  sim::CardFault card_fault(const YAML::Node& f) {
    try {
      return card_fault_from(f, sc_.file);
    } catch (const ScenarioError& e) {
      throw Inconclusive(e.what());
    }
  }

  EsipaFault esipa_fault(const YAML::Node& f) {
    try {
      return esipa_fault_from(f, sc_.file);
    } catch (const ScenarioError& e) {
      throw Inconclusive(e.what());
    }
  }

  smdp::Es9Fault es9_fault(const YAML::Node& f) {
    try {
      return es9_fault_from(f, sc_.file);
    } catch (const ScenarioError& e) {
      throw Inconclusive(e.what());
    }
  }

  void arm_faults(const YAML::Node& list) {
    std::map<std::string, std::vector<sim::CardFault>> per_card;
    std::vector<smdp::Es9Fault> peer;
    std::vector<EsipaFault> to_eim;
    bool peer_named = false, eim_named = false;
    for (const auto& f : list) {
      if (is_eim_fault(f)) {
        to_eim.push_back(esipa_fault(f));
        eim_named = true;
        continue;
      }
      const bool to_peer = is_peer_fault(f);
      if (to_peer) {
        peer.push_back(es9_fault(f));
        peer_named = true;
        continue;
      }
      auto fault = card_fault(f);
      if (f["card"]) {
        const std::string name = str(f["card"]);
        if (!cards_.count(name))
          throw Inconclusive(where(sc_.file, f["card"]) + ": no card '" + name + "'");
        per_card[name].push_back(fault);
      } else {
        for (const auto& n : card_order_) per_card[n].push_back(fault);
      }
    }
    for (auto& [name, rt] : cards_) {
      rt.plan = per_card[name];
      rebuild_injector(rt);
    }
    if (smdp_ && (peer_named || list.size() == 0)) {
      smdp_->plan = peer;
      rebuild_client(*smdp_, true);
    }
    if (eim_named && !eim_) throw Inconclusive("an eIM fault, but the scenario has no eIM peer");
    if (eim_ && (eim_named || list.size() == 0)) eim_->set_faults(to_eim);
  }

  // ---- steps ----

  CardRt& card_named(const std::string& name) {
    auto it = cards_.find(name);
    if (it == cards_.end()) throw Inconclusive("no card '" + name + "' in this scenario");
    return it->second;
  }

  CardRt& card_for(const Step& s) {
    // A check may name its card inside its mapping too.
    std::optional<std::string> named;
    if (s.node["card"]) {
      named = str(s.node["card"]);
    } else if (s.kind == "check" && s.node["check"].IsMap() && s.node["check"]["card"]) {
      named = str(s.node["check"]["card"]);
    }
    if (named) {
      const std::string name = *named;
      auto it = cards_.find(name);
      if (it == cards_.end()) throw Inconclusive("no card '" + name + "' in this scenario");
      return it->second;
    }
    if (card_order_.empty()) throw Inconclusive("the scenario has no card");
    if (card_order_.size() > 1)
      throw Inconclusive("name the card ('card:'): the scenario has " +
                         std::to_string(card_order_.size()));
    return cards_.at(card_order_.front());
  }

  std::string label_of(const Step& s) {
    std::string l = s.kind;
    if (s.node["name"]) return l + " '" + s.node["name"].as<std::string>() + "'";
    const YAML::Node v = s.node[s.kind];
    if (v.IsScalar()) {
      l += " " + v.Scalar();
    } else if (s.kind == "download" && v["matching_id"]) {
      l += " " + v["matching_id"].Scalar();
    } else if (s.kind == "euicc_package") {
      for (const char* k : {"psmo", "eco"}) {
        if (!v[k]) continue;
        for (const auto& op : v[k])
          l += " [" + (op.IsScalar() ? op.Scalar() : std::string("...")) + "]";
      }
    } else if (s.kind == "eim_queue" && v.IsMap()) {
      for (const char* k : {"psmo", "eco"}) {
        if (!v[k]) continue;
        for (const auto& op : v[k])
          l += " [" + (op.IsScalar() ? op.Scalar() : std::string("...")) + "]";
      }
      if (v["download"]) l += " download";
      if (v["euicc_data"]) l += " euicc_data";
    } else if (s.kind == "replay" && v["file"]) {
      l += " " + v["file"].Scalar();
    }
    if (s.node["args"]) {
      if (s.node["args"].IsSequence()) {
        for (const auto& a : s.node["args"]) l += " " + (a.IsScalar() ? a.Scalar() : "...");
      } else {
        l += " " + s.node["args"].Scalar();
      }
    }
    if (s.node["card"]) l += " (card " + s.node["card"].Scalar() + ")";
    if (l.size() > 120) l = l.substr(0, 117) + "...";
    return l;
  }

  StepReport run_step(const Step& s, std::size_t index, bool cleanup) {
    StepReport r;
    r.index = index;
    r.line = s.line;
    r.cleanup = cleanup;
    const auto start = std::chrono::steady_clock::now();
    try {
      r.label = label_of(s);
      std::map<std::string, std::size_t> fired_before;
      for (auto& [n, rt] : cards_) fired_before[n] = rt.faults().fired().size();
      json result = execute(s);
      // A power loss the plan caused: the card restarts from its image, as a terminal would
      // power it up again.
      for (auto& [n, rt] : cards_) {
        if (rt.faults().fired().size() != fired_before[n] && !rt.card->powered()) {
          rt.card->power_on();
          rt.card->set_protocol(rt.protocol);
        }
      }
      if (auto m = verify(s, result)) {
        r.verdict = Verdict::kFail;
        r.expected = m->expected;
        r.got = m->got;
      } else {
        save(s, result);
      }
    } catch (const Inconclusive& e) {
      r.verdict = Verdict::kInconclusive;
      r.message = e.what();
    } catch (const NotApplicable& e) {
      r.verdict = Verdict::kSkipped;
      r.message = e.what();
    } catch (const std::exception& e) {
      r.verdict = Verdict::kInconclusive;
      r.message = e.what();
    }
    r.ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    return r;
  }

  json execute(const Step& s) {
    const YAML::Node v = s.node[s.kind];
    if (s.kind == "apdu") return do_apdu(card_for(s), str(v));
    if (s.kind == "es10") {
      CardRt& rt = card_for(s);
      return es10_call(rt, str(v), words(s.node["args"]));
    }
    if (s.kind == "download") return do_download(card_for(s), v);
    if (s.kind == "notifications") return do_notifications(card_for(s), str(v));
    if (s.kind == "power") return do_power(card_for(s), str(v));
    if (s.kind == "check") return do_check(s, v);
    if (s.kind == "euicc_package") return do_package(card_for(s), v);
    if (s.kind == "eim_queue") return do_eim_queue(card_for(s), v);
    if (s.kind == "ipa_poll") return do_ipa_poll(card_for(s), v);
    if (s.kind == "ipae_wait") return do_ipae_wait(card_for(s), v);
    if (s.kind == "eim") return do_eim(v);
    if (s.kind == "replay") return do_replay(card_for(s), v);
    if (s.kind == "tear_sweep") return do_sweep(s, v);
    if (s.kind == "faults") {
      arm_faults(v);
      return json::object();
    }
    if (s.kind == "set") {
      for (const auto& kv : v) vars_[kv.first.as<std::string>()] = str(kv.second);
      return json::object();
    }
    throw Inconclusive("step kind '" + s.kind + "' is not implemented");
  }

  // ---- expectations ----

  // The default expectation of a step without `expect`.
  json default_expect(const std::string& kind) {
    if (kind == "es10") return {{"result", "ok"}};
    if (kind == "download") return {{"installed", true}};
    if (kind == "euicc_package")
      return {{"form", "euiccPackageResultSigned"}, {"verified", true}, {"result", "ok"}};
    if (kind == "replay") return {{"matched", "all"}};
    if (kind == "tear_sweep") return {{"inconsistent", 0}};
    if (kind == "apdu") return {{"mute", false}};
    if (kind == "eim_queue") return {{"state", "done"}};
    if (kind == "ipa_poll") return {{"ok", true}};
    if (kind == "ipae_wait") return {{"seen", true}};
    return json::object();
  }

  std::optional<Mismatch> verify(const Step& s, const json& result) {
    if (s.kind == "check") {
      if (result.contains("failure")) return Mismatch{result["expected"], result["failure"]};
      return std::nullopt;
    }
    json expect = s.node["expect"] ? value(s.node["expect"]) : default_expect(s.kind);
    if (s.kind == "apdu" && expect.is_string()) expect = json{{"response", expect}};
    if (!expect.is_object())
      throw Inconclusive("expect: a mapping (or, for apdu, a response pattern)");
    for (const auto& [key, want] : expect.items()) {
      if (key == "fields") {
        if (!want.is_object()) throw Inconclusive("expect.fields: a mapping of PATH: VALUE");
        for (const auto& [path, w] : want.items()) {
          auto got = json_at(result, path);
          auto why = check_value(got, w);
          if (!why.empty())
            return Mismatch{path + " = " + show(w), got ? show(*got) : "nothing (absent)"};
        }
        continue;
      }
      if (key == "response" || key == "sw") {
        const std::string have = result.value(key, std::string());
        const std::string pattern = want.is_string() ? want.get<std::string>() : want.dump();
        if (key == "response" && lower(pattern) == "mute") {
          if (!have.empty()) return Mismatch{"no answer (mute)", have};
          continue;
        }
        bool ok = false;
        try {
          ok = HexPattern::parse(pattern).matches(from_hex(have));
        } catch (const std::exception& e) {
          throw Inconclusive("expect." + key + ": " + e.what());
        }
        if (!ok)
          return Mismatch{key + " " + pattern,
                          have.empty()
                              ? (result.contains("error") ? result["error"].get<std::string>()
                                                          : std::string("no answer (mute)"))
                              : have + extra(result)};
        continue;
      }
      if (key == "matched" && want == "all") {
        if (result.value("matched", 0) != result.value("compared", 0) ||
            result.value("compared", 0) == 0)
          return Mismatch{"every exchange to match",
                          std::to_string(result.value("matched", 0)) + " of " +
                              std::to_string(result.value("compared", 0)) + " matched" +
                              (result.contains("first_mismatch")
                                   ? "; first difference: " + show(result["first_mismatch"])
                                   : "")};
        continue;
      }
      if (s.kind == "euicc_package" && key == "result") {
        if (!result.contains("results") || result["results"].empty())
          return Mismatch{"result " + show(want, true),
                          "no results (" + result.value("form", std::string("?")) +
                              (result.contains("error") ? " " + show(result["error"], true) : "") +
                              ")"};
        for (const auto& item : result["results"]) {
          if (!item.contains("result")) continue;
          if (!check_value(item["result"], want).empty())
            return Mismatch{"every result " + show(want, true),
                            item.value("name", std::string()) + " " + show(item["result"], true)};
        }
        continue;
      }
      if (s.kind == "euicc_package" && key == "results") {
        json got = json::array();
        for (const auto& item : result.value("results", json::array()))
          got.push_back(item.value("result", json(item.value("name", ""))));
        if (!check_value(got, want).empty()) return Mismatch{"results " + show(want), show(got)};
        continue;
      }
      auto got = json_at(result, key);
      auto why = check_value(got, want);
      if (!why.empty())
        return Mismatch{key + " " + show(want, true),
                        (got ? show(*got, true) : "nothing (absent)") + extra(result)};
    }
    return std::nullopt;
  }

  // What else helps a reader of a failure: the raw answer or the error.
  static std::string extra(const json& r) {
    std::string s;
    if (r.contains("error") && r["error"].is_string()) s += "; " + r["error"].get<std::string>();
    if (r.contains("response") && r["response"].is_string() &&
        !r["response"].get<std::string>().empty())
      s += "; answer " + r["response"].get<std::string>();
    return s.empty() ? "" : " (" + s.substr(2) + ")";
  }

  void save(const Step& s, const json& result) {
    const YAML::Node sv = s.node["save"];
    if (!sv) return;
    for (const auto& kv : sv) {
      const std::string var = kv.first.as<std::string>();
      const std::string path = str(kv.second);
      auto v = json_at(result, path);
      if (!v) throw Inconclusive("save " + var + ": nothing at " + path);
      vars_[var] = show(*v, true);
    }
  }

  // ---- the step kinds ----

  json do_apdu(CardRt& rt, const std::string& hex) {
    Bytes cmd;
    try {
      cmd = from_hex(hex);
    } catch (const HexError& e) {
      throw Inconclusive(std::string("apdu: ") + e.what());
    }
    const Bytes rsp = rt.card->transmit(cmd);
    json r{{"command", to_hex(cmd)}, {"response", to_hex(rsp)}, {"mute", rsp.empty()}};
    if (rsp.size() >= 2) {
      r["sw"] = to_hex(ByteView(rsp).last(2));
      r["data"] = to_hex(ByteView(rsp).first(rsp.size() - 2));
    }
    return r;
  }

 public:
  json es10_call(CardRt& rt, const std::string& name, const std::vector<std::string>& args) {
    const auto* fn = tools::find_es10_function(name);
    if (!fn) throw Inconclusive("unknown ES10 function '" + name + "'");
    Bytes request;
    try {
      request = tools::build_es10_request(fn->name, args);
    } catch (const std::exception& e) {
      throw Inconclusive(std::string(fn->name) + ": " + e.what());
    }
    json r{{"function", fn->spec[0] ? fn->spec : fn->name}, {"request", to_hex(request)}};
    CardLink link(*rt.card);
    Bytes answer;
    try {
      tools::Es10Channel channel(link, rt.link);
      answer = channel.call(request);
      r["sw"] = "9000";
    } catch (const tools::Es10StatusError& e) {
      r["sw"] = hex_sw(e.sw);
      r["error"] = e.what();
      return r;
    } catch (const std::runtime_error& e) {
      r["error"] = e.what();
      r["mute"] = true;
      return r;
    }
    r["response"] = to_hex(answer);
    const asn1::Type* type =
        rt.personality == personality::kIot ? tools::iot_response(*fn) : fn->response;
    if (type && !answer.empty()) {
      try {
        r["answer"] = asn1_to_json(*type, answer);
      } catch (const std::exception& e) {
        r["error"] = std::string("the answer does not decode as ") + type->name + ": " + e.what();
        return r;
      }
      r["result"] = "ok";
      for (const char* p : fn->result) {
        if (auto v = json_at(r["answer"], p)) {
          r["result"] = *v;
          break;
        }
      }
    } else if (answer.empty()) {
      r["result"] = "ok";
    }
    return r;
  }

 private:
  json do_download(CardRt& rt, const YAML::Node& v) {
    if (!smdp_) throw Inconclusive("download: the scenario has no SM-DP+ (peers: smdp)");
    lpa::DownloadRequest req;
    req.smdp_address = smdp_->address;
    if (v.IsScalar()) {
      req.matching_id = str(v);
    } else {
      if (v["matching_id"]) req.matching_id = str(v["matching_id"]);
      if (v["confirmation_code"]) req.confirmation_code = str(v["confirmation_code"]);
      if (v["smdp"]) req.smdp_address = str(v["smdp"]);
      if (v["tac"]) req.tac = from_hex(str(v["tac"]));
    }
    json r{{"matching_id", req.matching_id}};
    CardLink link(*rt.card);
    Bytes last_request, last_answer;
    std::optional<tools::Es10Channel> channel;
    try {
      channel.emplace(link, rt.link);
    } catch (const std::exception& e) {
      r["installed"] = false;
      r["failed_step"] = "SELECT ISD-R";
      r["error"] = e.what();
      return r;
    }
    const lpa::Es10 es10 = [&](ByteView q) {
      last_request.assign(q.begin(), q.end());
      last_answer.clear();
      last_answer = channel->call(q);
      return last_answer;
    };
    try {
      auto res = lpa::download(es10, *smdp_->client, req);
      r["installed"] = res.installed;
      r["transaction_id"] = to_hex(res.transaction_id);
      r["segments"] = res.segments;
      if (!res.iccid.empty()) r["iccid"] = res.iccid;
      if (!res.isdp_aid.empty()) r["isdp_aid"] = to_hex(res.isdp_aid);
      if (!res.profile_installation_result.empty()) {
        try {
          r["answer"] =
              asn1_to_json(asn_DEF_ProfileInstallationResult, res.profile_installation_result);
          if (auto e =
                  json_at(r["answer"], "profileInstallationResultData.finalResult.errorResult")) {
            r["bpp_command_id"] = (*e)["bppCommandId"];
            r["error_reason"] = (*e)["errorReason"];
          }
        } catch (const std::exception& e) {
          r["error"] = std::string("ProfileInstallationResult does not decode: ") + e.what();
        }
      }
    } catch (const lpa::DownloadError& e) {
      r["installed"] = false;
      r["failed_step"] = e.step;
      r["error"] = e.what();
      // The card's refusal, decoded, when the last ES10 call answered one.
      const asn1::Type* type = nullptr;
      if (!last_request.empty() && !last_answer.empty()) {
        if (last_request[0] == 0xBF && last_request[1] == 0x38)
          type = &asn_DEF_AuthenticateServerResponse;
        if (last_request[0] == 0xBF && last_request[1] == 0x21)
          type = &asn_DEF_PrepareDownloadResponse;
      }
      if (type) {
        try {
          r["answer"] = asn1_to_json(*type, last_answer);
          for (const char* p : {"authenticateResponseError.authenticateErrorCode",
                                "downloadResponseError.downloadErrorCode"}) {
            if (auto c = json_at(r["answer"], p)) r["card_error"] = *c;
          }
        } catch (const std::exception&) {
        }
      }
    }
    return r;
  }

  json do_notifications(CardRt& rt, const std::string& what) {
    if (what != "deliver")
      throw Inconclusive("notifications: 'deliver' (to the scenario's SM-DP+)");
    if (!smdp_) throw Inconclusive("notifications: the scenario has no SM-DP+ (peers: smdp)");
    CardLink link(*rt.card);
    tools::Es10Channel channel(link, rt.link);
    const lpa::Es10 es10 = [&](ByteView q) { return channel.call(q); };
    auto outcomes =
        lpa::process_notifications(es10, [&](const std::string& address) -> smdp::Es9Plus* {
          return address == smdp_->address ? smdp_->client.get() : nullptr;
        });
    json list = json::array();
    std::size_t delivered = 0;
    for (const auto& o : outcomes) {
      delivered += o.delivered ? 1 : 0;
      list.push_back({{"seq_number", o.seq_number},
                      {"event", o.event},
                      {"address", o.address},
                      {"delivered", o.delivered},
                      {"error", o.error}});
    }
    return {{"delivered", delivered},
            {"notifications", list},
            {"received", smdp_->server->notifications().size()}};
  }

  json do_power(CardRt& rt, const std::string& what) {
    if (what == "on") {
      rt.card->power_on();
      rt.card->set_protocol(rt.protocol);
    } else if (what == "off") {
      rt.card->power_off();
    } else if (what == "reset") {
      rt.card->reset();
      rt.card->set_protocol(rt.protocol);
    } else if (what == "cycle") {
      rt.card->power_off();
      rt.card->power_on();
      rt.card->set_protocol(rt.protocol);
    } else if (what == "restart") {
      // Pulled and put back: RAM is gone, the card comes up from its image on disk.
      rt.card->power_off();
      start_card(rt, sim::load_image(rt.image), "card:" + report_.id + ":" + rt.name + ":restart");
    } else {
      throw Inconclusive("power: on, off, reset, cycle or restart");
    }
    return {{"powered", rt.card->powered()}, {"atr", to_hex(rt.card->atr())}};
  }

  json do_check(const Step& s, const YAML::Node& v) {
    std::vector<YAML::Node> checks;
    if (v.IsSequence()) {
      for (const auto& c : v) checks.push_back(c);
    } else {
      checks.push_back(v);
    }
    json state;
    for (const auto& c : checks) {
      // Each check may name its card; otherwise the step's.
      CardRt& rt = c["card"] ? card_named(str(c["card"])) : card_for(s);
      const bool of_eim = c["eim"] && c["eim"].as<bool>();
      if (of_eim) {
        // `eim status --json` of the card: what the eIM peer knows and did.
        if (!eim_) throw Inconclusive("check eim: the scenario has no eIM peer (peers: eim)");
        state = eim_->status(sim::load_image(rt.image).eid.str());
      } else {
        state = state_json(sim::load_image(rt.image), rt.image);
      }
      const std::string path = str(c["path"]);
      json want = json::object();
      for (const auto& kv : c) {
        const auto key = kv.first.as<std::string>();
        if (key != "path" && key != "card" && key != "eim") want[key] = value(kv.second);
      }
      if (want.empty()) want["exists"] = true;
      auto got = json_at(state, path);
      auto why = check_value(got, want);
      if (!why.empty())
        return {{"failure", got ? show(*got) : "nothing (absent)"},
                {"expected", path + " " + show(want)}};
    }
    return {{"state", state}};
  }

  json do_package(CardRt& rt, const YAML::Node& v) {
    const std::string eim_id = str(v["eim"]);
    const EimRt* eim = nullptr;
    for (const auto& e : rt.eims) {
      if (e.id == eim_id) eim = &e;
    }
    // The signer: the named eIM's key, or another eIM's (sign_with) to provoke a refusal.
    std::string curve = eim ? eim->curve : "nist";
    if (v["sign_with"]) {
      const std::string other = str(v["sign_with"]);
      bool found = false;
      for (const auto& e : rt.eims) {
        if (e.id == other) {
          curve = e.curve;
          found = true;
        }
      }
      if (!found) curve = other;  // a curve name: that PKI's eIM key
      if (curve != "nist" && curve != "brainpool")
        throw Inconclusive("sign_with: an eIM of the card, nist or brainpool");
    }
    if (v["curve"]) curve = str(v["curve"]);
    const CardState state = sim::load_image(rt.image);
    const EimConfig* stored = state.find_eim(eim_id);
    eim::PackageSpec spec;
    spec.eim_id = eim_id;
    spec.eid = v["eid"] ? str(v["eid"]) : state.eid.str();
    if (v["counter"] && str(v["counter"]) != "auto") {
      spec.counter_value = std::stol(str(v["counter"]));
    } else {
      spec.counter_value = stored ? static_cast<long>(stored->counter_value) + 1 : 1;
    }
    std::optional<long> token;
    if (v["association_token"] && str(v["association_token"]) != "auto") {
      if (str(v["association_token"]) != "none") token = std::stol(str(v["association_token"]));
    } else if (stored && stored->association_token) {
      token = static_cast<long>(*stored->association_token);
    }
    if (v["transaction_id"]) spec.transaction_id = from_hex(str(v["transaction_id"]));
    const bool eco = static_cast<bool>(v["eco"]);
    if (eco == static_cast<bool>(v["psmo"]))
      throw Inconclusive("euicc_package: 'psmo' or 'eco', a list of operations");
    for (const auto& op : v[eco ? "eco" : "psmo"]) {
      eim::Operation o;
      try {
        o = eim::parse_operation(str(op), eco);
      } catch (const eim::PackageError& e) {
        throw Inconclusive(where(sc_.file, op) + ": " + e.what());
      }
      if (o.kind == eim::Operation::Kind::kAddEim || o.kind == eim::Operation::Kind::kUpdateEim) {
        // "eim:ID" names an eIM of the card's list (added or not); anything else is a file.
        if (o.file.rfind("eim:", 0) == 0) {
          const std::string id = o.file.substr(4);
          for (const auto& e : rt.eims) {
            if (e.ref == id) o.eim_configuration = e.config;
          }
          if (o.eim_configuration.empty())
            throw Inconclusive("no eIM '" + id + "' on card " + rt.name);
        } else {
          o.eim_configuration = tools::read_file(path_of(o.file).string());
        }
      }
      spec.operations.push_back(std::move(o));
    }
    Bytes package;
    try {
      package = eim::build_package(spec, impl_.pki(curve).eim.key, token);
    } catch (const eim::PackageError& e) {
      throw Inconclusive(std::string("euicc_package: ") + e.what());
    }
    json r = es10_call(rt, "load-package", {to_hex(package)});
    r["counter"] = spec.counter_value;
    if (!r.contains("response") || r["response"].get<std::string>().empty()) return r;
    try {
      auto pr = eim::decode_package_result(from_hex(r["response"].get<std::string>()));
      eim::verify_package_result(
          pr, crypto::PublicKey::from_certificate(state.identity.euicc_certificate), token);
      r["form"] = eim::form_name(pr.form);
      r["verified"] = pr.verified;
      if (pr.seq_number) r["seq_number"] = *pr.seq_number;
      if (pr.error_code)
        r["error"] = pr.error_name.empty() ? json(*pr.error_code) : json(pr.error_name);
      json items = json::array();
      for (const auto& it : pr.results) {
        json item{{"name", it.name}, {"summary", it.summary()}};
        if (it.code) item["result"] = it.code_name.empty() ? json(*it.code) : json(it.code_name);
        items.push_back(item);
      }
      r["results"] = items;
    } catch (const std::exception& e) {
      r["error"] = std::string("the result does not read: ") + e.what();
    }
    return r;
  }

  // ---- the eIM peer and the IPA ----

  EimPeer& need_eim(const char* what) {
    if (!eim_)
      throw Inconclusive(std::string(what) + ": the scenario has no eIM peer (peers: eim)");
    return *eim_;
  }

  // An eIM package queued for the card (as `eim queue` does), then, unless `poll: false`, the
  // IPA's poll cycle that delivers it; the result is the item as `eim status` shows it, the
  // results the eIM recorded for it, and the poll.
  json do_eim_queue(CardRt& rt, const YAML::Node& v) {
    EimPeer& peer = need_eim("eim_queue");
    const std::string eid = sim::load_image(rt.image).eid.str();
    eim::QueueRequest q;
    q.eid = v["eid"] ? str(v["eid"]) : eid;
    q.eim_id = v["eim"] ? str(v["eim"]) : "";
    int kinds = 0;
    for (const char* k : {"psmo", "eco", "download", "euicc_data"}) kinds += v[k] ? 1 : 0;
    if (kinds != 1)
      throw Inconclusive("eim_queue: one of psmo, eco (lists of operations), download, euicc_data");
    if (v["psmo"] || v["eco"]) {
      q.kind = eim::ItemKind::kEuiccPackage;
      q.eco = static_cast<bool>(v["eco"]);
      for (const auto& op : v[q.eco ? "eco" : "psmo"]) {
        const std::string text = str(op);
        q.operations.push_back(text);
        Bytes config;
        // add-eim / update-eim name a configuration: "eim:REF" of the card's eIM list, or a file.
        std::istringstream in(text);
        std::string verb, arg;
        in >> verb >> arg;
        if ((verb == "add-eim" || verb == "update-eim") && !arg.empty()) {
          if (arg.rfind("eim:", 0) == 0) {
            for (const auto& e : rt.eims) {
              if (e.ref == arg.substr(4)) config = e.config;
            }
            if (config.empty())
              throw Inconclusive("no eIM '" + arg.substr(4) + "' on card " + rt.name);
          } else {
            config = tools::read_file(path_of(arg).string());
          }
        }
        q.configurations.push_back(config);
      }
    } else if (v["download"]) {
      q.kind = eim::ItemKind::kProfileDownload;
      const YAML::Node d = v["download"];
      if (d.IsScalar()) {
        q.activation_code = str(d);
      } else {
        q.activation_code = str(d["activation_code"]);
        q.indirect = d["indirect"] && d["indirect"].as<bool>();
      }
    } else {
      q.kind = eim::ItemKind::kIpaEuiccData;
      const std::string tags = str(v["euicc_data"]);
      q.tag_list = tags == "all" ? eim::kAllEuiccDataTags : from_hex(tags);
    }
    std::int64_t id = 0;
    try {
      id = peer.eim().enqueue(q);
    } catch (const std::invalid_argument& e) {
      // The eIM refused to queue it: that is the answer (a test may expect it).
      return {{"queued", false}, {"error", e.what()}};
    }
    json r{{"queued", true}, {"id", id}};
    if (!v["poll"] || v["poll"].as<bool>()) r["poll"] = ipa_poll(rt, v);
    const json item = peer.item(id);
    if (item.is_object()) {
      for (const auto& [k, x] : item.items()) {
        if (k != "id") r[k] = x;
      }
    }
    json results = json::array();
    for (const auto& x : peer.status(q.eid).value("results", json::array())) {
      if (x.value("queueId", json()) == id) results.push_back(x);
    }
    r["results"] = results;
    if (!results.empty()) {
      r["verdict"] = results.back().value("verdict", json());
      r["summary"] = results.back().value("summary", json());
    }
    return r;
  }

  json do_ipa_poll(CardRt& rt, const YAML::Node& v) {
    need_eim("ipa_poll");
    return ipa_poll(rt, v.IsMap() ? v : YAML::Node(YAML::NodeType::Map));
  }

  // One poll cycle of the IPA in the device (tools/ipa) against the eIM peer.
  json ipa_poll(CardRt& rt, const YAML::Node& v) {
    ipa::PollOptions po;
    const CardState st = sim::load_image(rt.image);
    po.eid = st.eid.str();
    po.eim_id = eim_->eim_id();
    po.indirect = v["indirect"] && v["indirect"].as<bool>();
    po.immediate_enable = v["immediate_enable"] && v["immediate_enable"].as<bool>();
    if (v["notify_state_change"]) po.notify_state_change = v["notify_state_change"].as<bool>();
    if (v["state_change_cause"]) {
      po.notify_state_change = true;
      po.state_change_cause = v["state_change_cause"].as<long>();
    }
    if (v["max_packages"]) po.max_packages = v["max_packages"].as<std::size_t>();
    po.smdp_for = [this](const std::string& address) -> smdp::Es9Plus* {
      return smdp_ && address == smdp_->address ? smdp_->client.get() : nullptr;
    };
    CardLink link(*rt.card);
    std::optional<tools::Es10Channel> channel;
    try {
      channel.emplace(link, rt.link);
    } catch (const std::exception& e) {
      return {{"ok", false}, {"ended", std::string("SELECT ISD-R: ") + e.what()}};
    }
    const lpa::Es10 es10 = [&](ByteView q) { return channel->call(q); };
    ipa::PollResult res;
    try {
      res = ipa::poll(es10, eim_->post(), po);
    } catch (const std::invalid_argument& e) {
      throw Inconclusive(e.what());
    }
    json packages = json::array();
    for (const auto& p : res.packages) {
      json j{
          {"kind", p.kind},       {"summary", p.summary},         {"acknowledged", p.acknowledged},
          {"removed", p.removed}, {"package", to_hex(p.package)}, {"result", to_hex(p.result)}};
      if (!p.failed.empty()) j["failed"] = p.failed;
      if (p.download) {
        j["installed"] = p.download->installed;
        if (!p.download->iccid.empty()) j["iccid"] = p.download->iccid;
        if (p.download->error_reason) j["error_reason"] = *p.download->error_reason;
      }
      if (!p.download_error.empty()) j["download_error"] = p.download_error;
      packages.push_back(j);
    }
    json r{{"ok", res.ok},
           {"ended", res.ended},
           {"packages", packages},
           {"count", res.packages.size()}};
    if (res.eim_package_error) {
      const std::string n = ipa::eim_package_error_name(*res.eim_package_error);
      r["eim_package_error"] = n.empty() ? json(*res.eim_package_error) : json(n);
    }
    return r;
  }

  // `ipae_wait: {event, cycles, timeout}`: the card's own IPA runs poll cycles, as `euicc-sim
  // serve` would on its schedule, until one shows the event (cycle: any cycle ended; package:
  // a cycle carried out an eIM package; idle: a cycle ended well with none; failure: a cycle
  // failed) or `cycles` (default 1) have run. Its ESipa goes over the network to the eIM
  // peer's address as the card's eIM configuration names it (transport: https), the way a
  // device's modem would carry it.
  json do_ipae_wait(CardRt& rt, const YAML::Node& v) {
    if (!rt.ipae)
      throw Inconclusive("card " + rt.name + " has no IPAe ('ipae:' in its card entry)");
    const std::string event = str(v["event"]);
    const unsigned cycles = v["cycles"] ? v["cycles"].as<unsigned>() : 1;
    const auto limit = std::chrono::seconds(v["timeout"] ? v["timeout"].as<unsigned>() : 60);
    // A seeded run's IPAe reads the runner's virtual clock (its schedule repeats run for run).
    struct StepClock final : applets::ipae::Clock {
      VirtualClock* virt = nullptr;
      applets::ipae::TimePoint now() const override {
        return virt ? virt->read() : std::chrono::system_clock::now();
      }
    } clock;
    clock.virt = impl_.clock.get();
    sim::host::IpaeRunner::Options ro;
    // The eIM peer's TLS certificate comes from the case PKI of its curve: the IPAe trusts
    // that CI as `serve --ipae-ca` would make it.
    if (eim_) {
      const std::string curve = eim_spec_["curve"] ? str(eim_spec_["curve"]) : "nist";
      ro.ipae.extra_ca_certificates.push_back(impl_.pki(curve).ci.certificate);
    }
    json log = json::array();
    ro.log = [&log](const std::string&, const std::string& line) { log.push_back(line); };
    sim::host::IpaeRunner runner(clock, ro);
    runner.add(*rt.card, impl_.drbg("ipae:" + report_.id + ":" + rt.name));
    json list = json::array();
    bool seen = false;
    unsigned run = 0;
    while (run < cycles && !seen) {
      const auto r = runner.poll_all(limit).front();
      ++run;
      json c{{"ok", r.ok}, {"eims", r.eims}, {"packages", r.packages}, {"exchanges", r.exchanges}};
      if (!r.error.empty()) c["error"] = r.error;
      list.push_back(c);
      seen = event == "cycle" || (event == "package" && r.packages > 0) ||
             (event == "idle" && r.ok && r.packages == 0) || (event == "failure" && !r.ok);
    }
    return {{"event", event}, {"seen", seen}, {"count", run}, {"cycles", list}, {"log", log}};
  }

  // `eim: restart`: the eIM process ends (only its database survives) and starts again.
  json do_eim(const YAML::Node& v) {
    EimPeer& peer = need_eim("eim");
    if (str(v) != "restart") throw Inconclusive("eim: restart");
    peer.restart();
    return {{"address", peer.address()}};
  }

  json do_replay(CardRt& rt, const YAML::Node& v) {
    const std::string file = v.IsScalar() ? str(v) : str(v["file"]);
    RecordingFormat format = RecordingFormat::kAuto;
    if (!v.IsScalar() && v["format"]) {
      auto f = recording_format(str(v["format"]));
      if (!f) throw Inconclusive("replay format: auto, pcap, scriptor, jsonl, text or apdu");
      format = *f;
    }
    std::vector<Mask> masks;
    if (!v.IsScalar() && v["masks"]) {
      for (const auto& m : v["masks"]) masks.push_back(mask_of(m));
    }
    const std::string compare = !v.IsScalar() && v["compare"] ? str(v["compare"]) : "responses";
    if (compare != "responses" && compare != "sw" && compare != "none")
      throw Inconclusive("replay compare: responses, sw or none");
    if (compare == "sw") {
      Mask m;
      m.data = true;
      m.name = "compare: sw";
      masks.push_back(m);
    }
    const bool stop = !v.IsScalar() && v["stop_on_mismatch"] && v["stop_on_mismatch"].as<bool>();
    const bool compare_atr = !v.IsScalar() && v["compare_atr"] && v["compare_atr"].as<bool>();
    RecordingFormat detected = format;
    std::vector<Recorded> rec;
    try {
      rec = read_recording(path_of(file), format, &detected);
    } catch (const ReplayError& e) {
      throw Inconclusive(e.what());
    }
    std::size_t sent = 0, compared = 0, matched = 0, mismatched = 0, unchecked = 0;
    std::map<std::string, std::size_t> unsupported;  // INS -> count the card refused with 6D00/6E00
    json first = nullptr;
    json mismatches = json::array();
    for (std::size_t i = 0; i < rec.size(); ++i) {
      const auto& x = rec[i];
      std::string why;
      Bytes got;
      if (x.kind == Recorded::Kind::kApdu) {
        got = rt.card->transmit(x.command);
        ++sent;
        if (got.size() >= 2) {
          const std::uint16_t sw =
              static_cast<std::uint16_t>((got[got.size() - 2] << 8) | got.back());
          if ((sw == 0x6D00 || sw == 0x6E00) && x.command.size() >= 2)
            ++unsupported[to_hex(ByteView(x.command).subspan(1, 1))];
        }
        if (compare == "none") {
          ++unchecked;
          continue;
        }
        if (x.expect) {
          ++compared;
          if (!x.expect->matches(got))
            why = "answered " + to_hex(got) + ", expected " + x.expect->text();
        } else if (x.response) {
          ++compared;
          why = compare_response(x.command, *x.response, got, masks);
        } else {
          ++unchecked;
          continue;
        }
      } else {
        if (x.kind == Recorded::Kind::kPowerOff) {
          rt.card->power_off();
          continue;
        }
        got = x.kind == Recorded::Kind::kReset && rt.card->powered() ? rt.card->reset()
                                                                     : rt.card->power_on();
        rt.card->set_protocol(rt.protocol);
        if (!compare_atr || !x.response) continue;
        ++compared;
        if (got != *x.response)
          why = "ATR " + to_hex(got) + ", the recording " + to_hex(*x.response);
      }
      if (why.empty()) {
        ++matched;
        continue;
      }
      ++mismatched;
      json m{{"n", i + 1},
             {"where", x.where},
             {"command", to_hex(x.command)},
             {"got", to_hex(got)},
             {"why", why}};
      if (x.response) m["recorded"] = to_hex(*x.response);
      if (first.is_null()) first = m;
      if (mismatches.size() < 20) mismatches.push_back(m);
      if (stop) break;
    }
    json r{{"file", file},
           {"format", recording_format_name(detected)},
           {"exchanges", rec.size()},
           {"sent", sent},
           {"compared", compared},
           {"matched", matched},
           {"mismatched", mismatched},
           {"unchecked", unchecked},
           {"unsupported_ins", unsupported},
           {"mismatches", mismatches}};
    if (!first.is_null()) r["first_mismatch"] = first;
    report_.notes.push_back(
        "replay " + file + " (" + recording_format_name(detected) +
        "): " + std::to_string(rec.size()) + " exchanges, " + std::to_string(compared) +
        " compared, " + std::to_string(matched) + " matched" +
        (first.is_null() ? ""
                         : "; first difference at " + first["where"].get<std::string>() + ": " +
                               first["why"].get<std::string>()));
    return r;
  }

  Mask mask_of(const YAML::Node& m) {
    if (m.IsScalar()) {
      auto named = named_mask(str(m));
      if (!named) {
        std::string all;
        for (const auto& n : named_masks()) all += (all.empty() ? "" : ", ") + n;
        throw Inconclusive(where(sc_.file, m) + ": unknown mask '" + str(m) + "' (one of " + all +
                           ", or a mapping)");
      }
      return *named;
    }
    Mask out;
    out.name = m["name"] ? str(m["name"]) : "mask";
    try {
      if (m["command"]) out.command = HexPattern::parse(str(m["command"]));
      if (m["tags"]) {
        for (const auto& t : m["tags"]) out.tags.push_back(parse_tag_path(str(t)));
      }
    } catch (const std::invalid_argument& e) {
      throw Inconclusive(where(sc_.file, m) + ": " + e.what());
    }
    if (m["bytes"]) {
      for (const auto& b : m["bytes"]) {
        // "OFFSET:LENGTH" or "OFFSET:" (to the end)
        const std::string t = str(b);
        auto colon = t.find(':');
        if (colon == std::string::npos)
          throw Inconclusive(where(sc_.file, b) + ": bytes: OFFSET:LENGTH");
        const std::size_t off = std::stoul(t.substr(0, colon));
        const std::string len = t.substr(colon + 1);
        out.bytes.emplace_back(off, len.empty() ? std::size_t(-1) : std::stoul(len));
      }
    }
    out.sw = m["sw"] && m["sw"].as<bool>();
    out.data = m["data"] && m["data"].as<bool>();
    return out;
  }

  // ---- the tear sweep ----

  // Runs `action` (a step node: download or euicc_package) on `rt` as it is now.
  json run_action(CardRt& rt, const YAML::Node& action) {
    for (const auto& kv : action) {
      const std::string k = kv.first.as<std::string>();
      if (k == "download") return do_download(rt, kv.second);
      if (k == "euicc_package") return do_package(rt, kv.second);
      if (k == "es10") {
        std::vector<std::string> args = words(action["args"]);
        return es10_call(rt, str(kv.second), args);
      }
    }
    throw Inconclusive("tear_sweep over: a download, euicc_package or es10 step");
  }

  static bool action_succeeded(const std::string& kind, const json& r) {
    if (kind == "download") return r.value("installed", false);
    if (kind == "euicc_package")
      return r.value("form", std::string()) == "euiccPackageResultSigned";
    return r.value("result", json()) == "ok";
  }

  // What the card's own ES10 answers say of its state, beside its image: the profiles (ICCID
  // and state) and the pending notifications (sequence numbers).
  std::string es10_agrees(CardRt& rt, const json& image) {
    json profiles = es10_call(rt, "profiles", {"tags=5A9F70"});
    json listed = json::array();
    for (const auto& p :
         profiles.value("answer", json::object()).value("profileInfoListOk", json::array())) {
      listed.push_back(
          json{{"iccid", p.value("iccid", json())}, {"state", p.value("profileState", json())}});
    }
    json expected = json::array();
    for (const auto& p : image["profiles"]) {
      expected.push_back(json{{"state", p["state"] == "enabled" ? "enabled" : "disabled"}});
    }
    if (listed.size() != expected.size())
      return "GetProfilesInfo lists " + std::to_string(listed.size()) +
             " profile(s), the image holds " + std::to_string(expected.size());
    for (std::size_t i = 0; i < listed.size(); ++i) {
      const json st = listed[i]["state"];
      const std::string s =
          st.is_string() ? st.get<std::string>() : (st == 1 ? "enabled" : "disabled");
      if (s != expected[i]["state"])
        return "GetProfilesInfo: profile " + std::to_string(i) + " is " + s;
    }
    json notes = es10_call(rt, "notifications", {});
    const auto list =
        notes.value("answer", json::object()).value("notificationMetadataList", json::array());
    if (list.size() != image["notifications"].size())
      return "ListNotification lists " + std::to_string(list.size()) +
             " notification(s), the image holds " + std::to_string(image["notifications"].size());
    for (std::size_t i = 0; i < list.size(); ++i) {
      if (list[i].value("seqNumber", json()) != image["notifications"][i]["seq_number"])
        return "ListNotification: notification " + std::to_string(i) + " has seqNumber " +
               show(list[i].value("seqNumber", json()));
    }
    return "";
  }

  json do_sweep(const Step& s, const YAML::Node& v) {
    CardRt& rt = card_for(s);
    const YAML::Node action = v["over"];
    std::string kind;
    for (const auto& kv : action) kind = kv.first.as<std::string>();
    std::vector<sim::CardFault> kinds;
    std::vector<std::string> kind_names;
    const YAML::Node ks = v["kinds"];
    std::vector<std::string> wanted =
        ks ? words(ks) : std::vector<std::string>{"power-loss", "tear"};
    for (const auto& k : wanted) {
      sim::CardFault f;
      if (k == "power-loss") {
        f.kind = sim::CardFault::Kind::kPowerLoss;
      } else if (k == "tear") {
        f.kind = sim::CardFault::Kind::kTear;
      } else if (k == "tear-rename") {
        f.kind = sim::CardFault::Kind::kTear;
        f.tear = sim::CardFault::TearPoint::kRename;
      } else {
        throw Inconclusive("tear_sweep kinds: power-loss, tear, tear-rename");
      }
      kinds.push_back(f);
      kind_names.push_back(k);
    }
    // Redone after every point the operation did not take, it must succeed (off by default: the
    // state comparison already shows the card is as it was before).
    const bool retry = v["retry"] && v["retry"].as<bool>();
    // Iterations must repeat one another exactly: a seeded card and SM-DP+ whatever the run.
    const std::uint64_t seed = impl_.o.seed.value_or(0);
    const bool traced = trace_enabled_;
    trace_enabled_ = impl_.o.trace_sweeps && traced;
    struct Restore {
      bool& flag;
      bool value;
      ~Restore() { flag = value; }
    } restore{trace_enabled_, traced};

    const Bytes before_image = tools::read_file(rt.image.string());
    const json before = state_json(sim::load_image(rt.image), rt.image);
    const auto saved_plan = rt.plan;
    auto write_image = [&](const Bytes& b) {
      std::ofstream out(rt.image, std::ios::binary | std::ios::trunc);
      out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
    };
    const std::string label = "card:" + report_.id + ":" + rt.name + ":sweep";
    auto fresh = [&](std::vector<sim::CardFault> plan) {
      write_image(before_image);
      rt.plan = std::move(plan);
      start_card(rt, sim::load_image(rt.image), label, seed);
      if (smdp_) {
        auto plan9 = smdp_->plan;
        smdp_.reset();
        smdp_ = make_smdp(false, seed);
        smdp_->plan = plan9;
        rebuild_client(*smdp_, false);
      }
    };

    // The reference run: no fault; which APDUs save the image, and the state after each.
    const auto t0 = std::chrono::steady_clock::now();
    fresh({});
    std::vector<std::pair<std::size_t, json>> saves;  // APDU index, state after that save
    json reference;
    std::size_t apdus = 0;
    {
      // Which APDUs saved the image, and what it held then: read after every APDU of this
      // one run.
      Bytes last = before_image;
      struct Watcher final : sim::TransmitFilter {
        std::shared_ptr<sim::FaultInjector> inner;
        std::function<void()> after;
        Outcome transmit(ByteView c, const std::function<Bytes(ByteView)>& card) override {
          auto o = inner->transmit(c, card);
          after();
          return o;
        }
        std::optional<CardState> state_after_power_loss() override {
          return inner->state_after_power_loss();
        }
      };
      auto watcher = std::make_shared<Watcher>();
      watcher->inner = *rt.injector;
      watcher->after = [&] {
        const Bytes now = tools::read_file(rt.image.string());
        if (now != last) {
          last = now;
          saves.emplace_back(watcher->inner->apdus(), state_json(sim::decode_image(now), rt.image));
        }
      };
      rt.card->set_filter(watcher);
      reference = run_action(rt, action);
      apdus = (*rt.injector)->apdus();
      rt.card->set_filter(*rt.injector);
    }
    if (!action_succeeded(kind, reference))
      throw Inconclusive("tear_sweep: the action fails without any fault: " + show(reference));
    const json after = state_json(sim::load_image(rt.image), rt.image);
    const Bytes after_image = tools::read_file(rt.image.string());

    std::vector<std::size_t> points;
    if (v["apdus"]) {
      for (const auto& p : v["apdus"]) points.push_back(p.as<std::size_t>());
    } else {
      for (std::size_t i = 1; i <= apdus; ++i) points.push_back(i);
    }
    std::size_t runs = 0, inconsistent = 0, completed = 0, untouched = 0, retried = 0, no_write = 0;
    json failures = json::array();
    auto expected_at = [&](std::size_t i, bool torn_write) -> const json& {
      // The state after the last save made before (or, unless that save was torn, at) APDU i.
      const json* e = &before;
      for (const auto& [at, st] : saves) {
        if (at < i || (at == i && !torn_write)) e = &st;
      }
      return *e;
    };
    for (std::size_t k = 0; k < kinds.size(); ++k) {
      for (std::size_t i : points) {
        sim::CardFault f = kinds[k];
        f.apdu = i;
        fresh({f});
        ++runs;
        std::string what = kind_names[k] + " at APDU " + std::to_string(i);
        json outcome;
        try {
          outcome = run_action(rt, action);
        } catch (const std::exception& e) {
          outcome = {{"exception", e.what()}};
        }
        const auto fired = rt.faults().fired();
        bool torn = false;
        if (fired.empty()) {
          failures.push_back(what + ": the fault did not strike (the action took fewer APDUs)");
          ++inconsistent;
          continue;
        }
        torn = f.kind == sim::CardFault::Kind::kTear && !fired.front().no_write;
        no_write += fired.front().no_write ? 1 : 0;
        std::string why;
        json now;
        try {
          now = state_json(sim::load_image(rt.image), rt.image);
        } catch (const std::exception& e) {
          why = std::string("the image does not load after the restart: ") + e.what();
        }
        const json& want = expected_at(i, torn);
        if (why.empty()) {
          if (auto d = first_difference(now, want); !d.empty())
            why = "the restarted card's state is not the one expected (" +
                  std::string(&want == &before ? "unchanged" : "changed") + "): " + d;
        }
        if (why.empty()) {
          if (!rt.card->powered()) {
            rt.card->power_on();
            rt.card->set_protocol(rt.protocol);
          }
          try {
            why = es10_agrees(rt, now);
          } catch (const std::exception& e) {
            why = std::string("the restarted card does not answer: ") + e.what();
          }
        }
        const bool done = why.empty() && first_difference(now, after).empty();
        if (why.empty()) (done ? completed : untouched) += 1;
        if (why.empty() && !done && retry) {
          // The operation did not take: it must succeed when done again, to the same state.
          ++retried;
          rt.plan.clear();
          rebuild_injector(rt);
          if (smdp_) {
            auto plan9 = smdp_->plan;
            smdp_.reset();
            smdp_ = make_smdp(false, seed);
            smdp_->plan = plan9;
            rebuild_client(*smdp_, false);
          }
          json again = run_action(rt, action);
          if (!action_succeeded(kind, again)) {
            why = "done again after the restart, it fails: " + show(again);
          } else {
            json final_state = state_json(sim::load_image(rt.image), rt.image);
            // A retried download gets a new ISD-P and notification numbers may move on; the
            // profiles and their states must match the reference.
            if (final_state["profiles"].size() != after["profiles"].size())
              why = "done again after the restart, the card holds " +
                    std::to_string(final_state["profiles"].size()) + " profile(s), not " +
                    std::to_string(after["profiles"].size());
          }
        }
        if (!why.empty()) {
          ++inconsistent;
          if (failures.size() < 10) failures.push_back(what + ": " + why);
        }
      }
    }
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    // Leave the card as the action alone would have: the reference run's outcome.
    write_image(after_image);
    rt.plan = saved_plan;
    start_card(rt, sim::load_image(rt.image), "card:" + report_.id + ":" + rt.name);
    if (smdp_) {
      smdp_.reset();
      smdp_ = make_smdp(true);
    }
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.0f ms", ms);
    std::string save_points;
    for (const auto& [at, st] : saves)
      save_points += (save_points.empty() ? "" : ",") + std::to_string(at);
    report_.notes.push_back(
        "tear sweep over " + kind + ": " + std::to_string(apdus) + " APDUs, image saved at APDU " +
        (save_points.empty() ? "none" : save_points) + "; " + std::to_string(runs) +
        " faulted runs (" + std::to_string(completed) + " completed, " + std::to_string(untouched) +
        " left unchanged, " + std::to_string(retried) + " retried), " +
        std::to_string(inconsistent) + " inconsistent, " + buf);
    return {{"apdus", apdus},         {"runs", runs},
            {"saves", saves.size()},  {"completed", completed},
            {"unchanged", untouched}, {"retried", retried},
            {"no_write", no_write},   {"inconsistent", inconsistent},
            {"failures", failures},   {"ms", ms}};
  }

  Runner::Impl& impl_;
  const Scenario& sc_;
  std::map<std::string, std::string> matrix_;
  std::map<std::string, std::string> vars_;
  CaseReport report_;
  fs::path work_;
  std::map<std::string, CardRt> cards_;
  std::vector<std::string> card_order_;
  YAML::Node smdp_spec_;
  std::unique_ptr<SmdpRt> smdp_;
  YAML::Node eim_spec_;
  std::unique_ptr<EimPeer> eim_;
  bool trace_enabled_ = true;
};

}  // namespace

Runner::Runner(RunOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Runner::~Runner() = default;

std::vector<CaseReport> Runner::run(const Scenario& scenario) {
  // The matrix: one case per combination of its values, in the order written.
  std::vector<std::map<std::string, std::string>> combos{{}};
  if (const YAML::Node m = scenario.node["matrix"]) {
    for (const auto& kv : m) {
      const std::string name = kv.first.as<std::string>();
      std::vector<std::string> values;
      if (kv.second.IsSequence()) {
        for (const auto& x : kv.second) values.push_back(x.as<std::string>());
      } else if (kv.second.IsMap() && kv.second["reference"]) {
        values = impl_->reference_profiles();
        const std::string pick = kv.second["reference"].as<std::string>();
        if (pick != "*")
          values.erase(std::remove_if(
                           values.begin(), values.end(),
                           [&](const std::string& v) { return v.find(pick) == std::string::npos; }),
                       values.end());
      } else {
        throw ScenarioError(where(scenario.file, kv.second) + ": matrix " + name +
                            ": a list, or {reference: \"*\"}");
      }
      if (values.empty()) {
        // Nothing to expand (no reference profiles): the case is reported once, skipped.
        Case c(*impl_, scenario, {});
        return {c.run()};
      }
      std::vector<std::map<std::string, std::string>> next;
      for (const auto& base : combos) {
        for (const auto& v : values) {
          auto m2 = base;
          m2[name] = v;
          next.push_back(std::move(m2));
        }
      }
      combos = std::move(next);
    }
  }
  std::vector<CaseReport> out;
  for (const auto& m : combos) {
    Case c(*impl_, scenario, m);
    out.push_back(c.run());
  }
  return out;
}

CaseReport Runner::run_recording(const fs::path& file) {
  // A one-card case: a consumer card with the demo profile, the recording replayed on it.
  const std::string text = "format: 1\nid: " + json(file.filename().string()).dump() +
                           "\ntitle: " + json("replay of " + file.string()).dump() +
                           "\ncards:\n  - name: card\nsteps:\n  - replay:\n      file: " +
                           json(fs::absolute(file).string()).dump() + "\n";
  auto scenarios = parse_scenarios(text, file);
  auto reports = run(scenarios.front());
  return reports.front();
}

// ---- reports ---------------------------------------------------------------------------------

const char* verdict_name(Verdict v) {
  switch (v) {
    case Verdict::kPass:
      return "Pass";
    case Verdict::kFail:
      return "Fail";
    case Verdict::kInconclusive:
      return "Inconclusive";
    case Verdict::kSkipped:
      return "Skipped";
  }
  return "?";
}

std::string human_summary(const std::vector<CaseReport>& cases, bool verbose) {
  std::ostringstream out;
  std::size_t n[4] = {0, 0, 0, 0};
  for (const auto& c : cases) {
    ++n[static_cast<int>(c.verdict)];
    const char* tag = c.verdict == Verdict::kPass           ? "PASS"
                      : c.verdict == Verdict::kFail         ? "FAIL"
                      : c.verdict == Verdict::kInconclusive ? "INCONCLUSIVE"
                                                            : "SKIP";
    char ms[32];
    std::snprintf(ms, sizeof ms, "%.0f ms", c.seconds * 1000);
    out << tag << "  " << c.id << "  (" << c.steps.size() << " step"
        << (c.steps.size() == 1 ? "" : "s") << ", " << ms << ")\n";
    // A file that did not load has no case line; its reason names the file and line itself.
    if (!c.reason.empty() && c.line == 0) out << "      " << c.reason << '\n';
    if (!c.reason.empty() && c.line != 0)
      out << "      " << c.file.string() << ":" << c.line << ": " << c.reason << '\n';
    if (verbose || c.verdict != Verdict::kPass) {
      for (const auto& note : c.notes) out << "      note: " << note << '\n';
    }
  }
  out << n[0] << " passed, " << n[1] << " failed, " << n[2] << " inconclusive, " << n[3]
      << " skipped\n";
  return out.str();
}

namespace {
std::string xml(const std::string& s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '<':
        o += "&lt;";
        break;
      case '>':
        o += "&gt;";
        break;
      case '&':
        o += "&amp;";
        break;
      case '"':
        o += "&quot;";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') {
          o += ' ';
        } else {
          o += c;
        }
    }
  }
  return o;
}
}  // namespace

std::string junit_xml(const std::vector<CaseReport>& cases, const std::string& suite) {
  std::size_t failures = 0, errors = 0, skipped = 0;
  double total = 0;
  for (const auto& c : cases) {
    failures += c.verdict == Verdict::kFail;
    errors += c.verdict == Verdict::kInconclusive;
    skipped += c.verdict == Verdict::kSkipped;
    total += c.seconds;
  }
  std::ostringstream out;
  char t[32];
  std::snprintf(t, sizeof t, "%.3f", total);
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<testsuites tests=\"" << cases.size() << "\" failures=\"" << failures << "\" errors=\""
      << errors << "\" skipped=\"" << skipped << "\" time=\"" << t << "\">\n"
      << "  <testsuite name=\"" << xml(suite) << "\" tests=\"" << cases.size() << "\" failures=\""
      << failures << "\" errors=\"" << errors << "\" skipped=\"" << skipped << "\" time=\"" << t
      << "\">\n";
  for (const auto& c : cases) {
    std::snprintf(t, sizeof t, "%.3f", c.seconds);
    std::string classname = c.procedure.empty() ? c.file.stem().string() : c.procedure;
    out << "    <testcase classname=\"" << xml(classname) << "\" name=\"" << xml(c.id)
        << "\" file=\"" << xml(c.file.string()) << "\" line=\"" << c.line << "\" time=\"" << t
        << "\">\n";
    if (!c.requirement.empty() || !c.gsma.empty()) {
      out << "      <properties>\n";
      if (!c.requirement.empty())
        out << "        <property name=\"requirement\" value=\"" << xml(c.requirement) << "\"/>\n";
      for (const auto& [k, v] : c.gsma)
        out << "        <property name=\"" << xml(k) << "\" value=\"" << xml(v) << "\"/>\n";
      out << "      </properties>\n";
    }
    std::string detail;
    for (const auto& s : c.steps) {
      detail += "step " + std::to_string(s.index) + " (line " + std::to_string(s.line) + ") " +
                s.label + ": " + verdict_name(s.verdict);
      if (!s.expected.empty()) detail += ": expected " + s.expected + ", got " + s.got;
      if (!s.message.empty()) detail += ": " + s.message;
      detail += "\n";
    }
    for (const auto& note : c.notes) detail += "note: " + note + "\n";
    switch (c.verdict) {
      case Verdict::kFail:
        out << "      <failure message=\"" << xml(c.reason) << "\" type=\"Fail\">" << xml(detail)
            << "</failure>\n";
        break;
      case Verdict::kInconclusive:
        out << "      <error message=\"" << xml(c.reason) << "\" type=\"Inconclusive\">"
            << xml(detail) << "</error>\n";
        break;
      case Verdict::kSkipped:
        out << "      <skipped message=\"" << xml(c.reason) << "\"/>\n";
        break;
      case Verdict::kPass:
        if (!c.notes.empty()) out << "      <system-out>" << xml(detail) << "</system-out>\n";
        break;
    }
    out << "    </testcase>\n";
  }
  out << "  </testsuite>\n</testsuites>\n";
  return out.str();
}

nlohmann::json case_json(const CaseReport& c) {
  json steps = json::array();
  for (const auto& s : c.steps) {
    json j{{"step", s.index},
           {"line", s.line},
           {"action", s.label},
           {"verdict", verdict_name(s.verdict)},
           {"ms", s.ms}};
    if (s.cleanup) j["cleanup"] = true;
    if (!s.expected.empty()) j["expected"] = s.expected;
    if (!s.got.empty()) j["got"] = s.got;
    if (!s.message.empty()) j["message"] = s.message;
    steps.push_back(j);
  }
  json j{{"id", c.id},
         {"title", c.title},
         {"file", c.file.string()},
         {"line", c.line},
         {"verdict", verdict_name(c.verdict)},
         {"seconds", c.seconds},
         {"steps", steps}};
  if (!c.procedure.empty()) j["procedure"] = c.procedure;
  if (!c.requirement.empty()) j["requirement"] = c.requirement;
  if (!c.gsma.empty()) j["gsma"] = c.gsma;
  if (!c.reason.empty()) j["reason"] = c.reason;
  if (!c.notes.empty()) j["notes"] = c.notes;
  return j;
}

}  // namespace euiccsim::scenario
