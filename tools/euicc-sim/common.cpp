#include "common.hpp"

#include <iterator>

#include "euiccsim/profiles/builder.hpp"
#include "euiccsim/profiles/installer.hpp"

#include <iostream>

#include "euiccsim/simulator/card_image.hpp"

namespace euiccsim::tools {

sim::StateDirectory GlobalOptions::state() const {
  return sim::StateDirectory(state_dir.empty() ? sim::StateDirectory::default_path()
                                               : std::filesystem::path(state_dir));
}

std::shared_ptr<sim::TraceBus> GlobalOptions::trace_bus() {
  if (trace_file.empty()) return nullptr;
  std::ostream* out = &std::cerr;
  if (trace_file != "-") {
    trace_stream_ = std::make_unique<std::ofstream>(trace_file, std::ios::app);
    if (!*trace_stream_) throw std::runtime_error("cannot open trace file " + trace_file);
    out = trace_stream_.get();
  }
  auto bus = std::make_shared<sim::TraceBus>();
  if (trace_format == "jsonl") {
    bus->add(std::make_shared<sim::JsonlTraceSink>(*out));
  } else {
    bus->add(std::make_shared<sim::TextTraceSink>(*out));
  }
  return bus;
}

std::string choose_card(const sim::StateDirectory& dir, const std::string& eid) {
  if (!eid.empty()) {
    if (auto why = Eid::why_invalid(eid); !why.empty()) throw UsageError("--card: " + why);
    if (!dir.contains(eid)) {
      throw std::runtime_error("no card " + eid + " in " + dir.path().string() +
                               " (see: euicc-sim card list)");
    }
    return eid;
  }
  auto cards = dir.list();
  if (cards.empty()) {
    throw std::runtime_error("no card in " + dir.path().string() +
                             " (create one with: euicc-sim card new)");
  }
  if (cards.size() > 1) {
    throw UsageError(std::to_string(cards.size()) + " cards in " + dir.path().string() +
                     "; choose one with --card EID");
  }
  return cards.front();
}

json::Value card_json(const CardState& s, const std::filesystem::path& image) {
  auto config = json::Value::object();
  config.set("personality", s.config.personality)
      .set("isd_r_aid", to_hex(s.config.isdr_aid))
      .set("ecasd_aid", to_hex(s.config.ecasd_aid))
      .set("svn", s.config.svn.str());
  auto o = json::Value::object();
  o.set("eid", s.eid.str())
      .set("image", image.string())
      .set("image_version", static_cast<int>(sim::kImageVersion))
      .set("config", std::move(config));
  auto profiles = json::Value::array();
  for (const auto& p : s.profiles) {
    auto j = json::Value::object();
    j.set("isdp_aid", to_hex(p.isdp_aid))
        .set("iccid", p.profile.iccid.str())
        .set("state", p.enabled ? "enabled" : "disabled")
        .set("profile_type", p.profile.profile_type)
        .set("occupied_memory", static_cast<std::uint64_t>(p.profile.occupied_memory()));
    if (auto imsi = p.profile.imsi()) j.set("imsi", *imsi);
    profiles.push(std::move(j));
  }
  o.set("profiles", std::move(profiles));
  return o;
}

Bytes read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

profiles::InstalledProfile demo_profile() {
  profiles::ProfileSpec spec;
  const std::string payload = "8999900000000000000";
  spec.iccid = Iccid::parse(payload + Iccid::luhn_digit(payload));
  spec.imsi = "001010000000001";
  spec.profile_type = "euicc-sim demo profile";
  spec.spn = "euicc-sim";
  spec.profile_name = "euicc-sim demo";
  // The 3GPP TS 35.208 test set 1 key and OPc: public, so nobody mistakes this for a secret.
  auto k = from_hex("465B5CE8B199B49FAA5F0A2EE238A6BC");
  auto opc = from_hex("CD63CB71954A9F4E48A5994E37A02BAF");
  spec.k = SecureBytes(k.begin(), k.end());
  spec.opc = SecureBytes(opc.begin(), opc.end());
  spec.telecom = true;
  spec.gsm_access = true;
  return profiles::install_package(profiles::encode_package(profiles::build_profile(spec)));
}

profiles::InstalledProfile profile_from_file(const std::string& path,
                                             const std::vector<profiles::InstalledProfile>& others) {
  Bytes der;
  try {
    der = read_file(path);
  } catch (const std::runtime_error& e) {
    throw UsageError(std::string("--profile: ") + e.what());
  }
  profiles::InstallOptions options;
  for (const auto& o : others) options.existing_iccids.push_back(o.iccid);
  try {
    return profiles::install_package(der, options);
  } catch (const profiles::InstallError& e) {
    throw UsageError("--profile " + path + ": " + e.describe());
  }
}

}  // namespace euiccsim::tools
