#include "common.hpp"

#include <iterator>

#include "euiccsim/profiles/builder.hpp"
#include "euiccsim/profiles/installer.hpp"

#include <iostream>

#include "euiccsim/simulator/card_image.hpp"
#include "euiccsim/simulator/trace_gsmtap.hpp"
#include "serve_status.hpp"

namespace euiccsim::tools {

sim::StateDirectory GlobalOptions::state() const {
  return sim::StateDirectory(state_dir.empty() ? sim::StateDirectory::default_path()
                                               : std::filesystem::path(state_dir));
}

std::shared_ptr<sim::TraceBus> GlobalOptions::trace_bus() {
  if (trace_file.empty()) return nullptr;
  // GSMTAP: "gsmtap", "gsmtap:HOST", "gsmtap:HOST:PORT" (UDP, Wireshark's port 4729 by
  // default) or "pcap:FILE" (pcapng); ",apdu-only" leaves out the ATR datagrams.
  std::string spec = trace_file;
  sim::GsmtapOptions gsmtap;
  const bool gsmtap_form = spec == "gsmtap" || spec.rfind("gsmtap:", 0) == 0 ||
                           spec.rfind("gsmtap,", 0) == 0 || spec.rfind("pcap:", 0) == 0;
  if (gsmtap_form) {
    const std::string suffix = ",apdu-only";
    if (spec.size() > suffix.size() &&
        spec.compare(spec.size() - suffix.size(), suffix.size(), suffix) == 0) {
      gsmtap.apdu_only = true;
      spec.resize(spec.size() - suffix.size());
    }
    auto bus = std::make_shared<sim::TraceBus>();
    bus->set_secrets(trace_secrets);
    if (spec.rfind("pcap:", 0) == 0) {
      if (spec.size() == 5) throw UsageError("--trace pcap:FILE: name the file");
      bus->add(std::make_shared<sim::PcapngSink>(spec.substr(5), gsmtap));
      return bus;
    }
    std::string host = "127.0.0.1";
    std::uint16_t port = sim::kGsmtapPort;
    if (spec.size() > 7) {
      const std::string rest = spec.substr(7);
      auto colon = rest.rfind(':');
      if (colon != std::string::npos && rest.find(':') == colon) {
        host = rest.substr(0, colon);
        const std::string p = rest.substr(colon + 1);
        if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos ||
            std::stoul(p) > 65535)
          throw UsageError("--trace gsmtap:HOST:PORT: bad port '" + p + "'");
        port = static_cast<std::uint16_t>(std::stoul(p));
      } else {
        host = rest;
      }
      if (host.empty()) host = "127.0.0.1";
    }
    bus->add(std::make_shared<sim::GsmtapUdpSink>(host, port, gsmtap));
    return bus;
  }
  std::ostream* out = &std::cerr;
  if (trace_file != "-") {
    trace_stream_ = std::make_unique<std::ofstream>(trace_file, std::ios::app);
    if (!*trace_stream_) throw UsageError("--trace: cannot open " + trace_file);
    out = trace_stream_.get();
  }
  auto bus = std::make_shared<sim::TraceBus>();
  bus->set_secrets(trace_secrets);
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

std::string busy_card_message(const sim::StateDirectory& dir, const std::string& eid,
                              const sim::CardBusy& busy) {
  std::string line = busy.what();
  const auto served = read_serve_status(dir.path());
  auto slot = served.slots.find(eid);
  if (busy.pid != 0 && served.pid == busy.pid && slot != served.slots.end() &&
      slot->second.reader.empty()) {
    line += "; it serves the card's IPAe without a reader (`ipae poll` reaches it)";
  } else if (busy.pid != 0 && served.pid == busy.pid && slot != served.slots.end()) {
    line += "; reach it through PC/SC with --reader '" + slot->second.reader + "'";
    if (!served.pcscd_socket.empty()) line += " (PCSCLITE_CSOCK_NAME=" + served.pcscd_socket + ")";
  } else {
    line += "; try again when it ends";
  }
  return line;
}

sim::ClaimedCard claim_card(const sim::StateDirectory& dir, const std::string& eid) {
  try {
    return dir.claim(eid);
  } catch (const sim::CardBusy& e) {
    throw std::runtime_error(busy_card_message(dir, eid, e));
  }
}

json::Value card_json(const CardState& s, const std::filesystem::path& image) {
  const auto& c = s.config;
  auto config = json::Value::object();
  config["personality"] = c.personality;
  config["isd_r_aid"] = to_hex(c.isdr_aid);
  config["ecasd_aid"] = to_hex(c.ecasd_aid);
  config["svn"] = c.svn.str();
  config["profile_version"] = c.profile_version.str();
  config["firmware_version"] = c.firmware_version.str();
  config["pp_version"] = c.pp_version.str();
  config["sas_accreditation_number"] = c.sas_accreditation_number;
  config["memory_capacity"] = c.memory_capacity;
  config["free_memory"] = s.free_memory();
  config["protocols"] = c.offers_t1 ? "t0,t1" : "t0";
  auto quirks = json::Value::array();
  for (const auto& q : c.quirks) quirks.push_back(q);
  config["quirks"] = std::move(quirks);
  auto o = json::Value::object();
  o["eid"] = s.eid.str();
  o["image"] = image.string();
  o["image_version"] = static_cast<int>(sim::kImageVersion);
  o["config"] = std::move(config);
  // Certificates are public; the private key is never printed.
  auto identity = json::Value::object();
  if (!s.identity.empty()) {
    identity["euicc_certificate"] = to_hex(s.identity.euicc_certificate);
    identity["eum_certificate"] = to_hex(s.identity.eum_certificate);
    auto cis = json::Value::array();
    for (const auto& ci : s.identity.ci_certificates) cis.push_back(to_hex(ci));
    identity["ci_certificates"] = std::move(cis);
  }
  o["identity"] = std::move(identity);
  auto addresses = json::Value::object();
  if (!s.default_dp_address.empty()) addresses["default_dp_address"] = s.default_dp_address;
  addresses["root_ds_address"] = s.root_ds_address;
  o["configured_addresses"] = std::move(addresses);
  auto profiles = json::Value::array();
  for (const auto& p : s.profiles) {
    const auto& m = p.metadata;
    auto j = json::Value::object();
    j["isdp_aid"] = to_hex(p.isdp_aid);
    j["iccid"] = p.profile.iccid.str();
    j["state"] = p.enabled ? "enabled" : "disabled";
    j["class"] = profile_class_name(m.profile_class);
    j["profile_name"] = m.profile_name;
    j["service_provider_name"] = m.service_provider_name;
    j["preloaded"] = p.preloaded;
    j["profile_type"] = p.profile.profile_type;
    j["occupied_memory"] = static_cast<std::uint64_t>(p.profile.occupied_memory());
    if (m.nickname) j["nickname"] = *m.nickname;
    if (m.pprs) {
      auto pprs = json::Value::array();
      if (*m.pprs & kPpr1) pprs.push_back("ppr1");
      if (*m.pprs & kPpr2) pprs.push_back("ppr2");
      j["profile_policy_rules"] = std::move(pprs);
    }
    if (auto imsi = p.profile.imsi()) j["imsi"] = *imsi;
    if (p.fallback_attribute) j["fallback_attribute"] = true;
    if (p.fallback_allowed) j["fallback_allowed"] = *p.fallback_allowed;
    if (p.ecall_indication) j["ecall_indication"] = true;
    profiles.push_back(std::move(j));
  }
  o["profiles"] = std::move(profiles);
  auto notifications = json::Value::array();
  for (const auto& n : s.notifications) {
    notifications.push_back(json::Value{{"seq_number", n.seq_number},
                                        {"event", notification_event_name(n.event)},
                                        {"address", n.address}});
  }
  o["notifications"] = std::move(notifications);
  o["last_seq_number"] = s.last_seq_number;
  if (c.is_iot() || !s.eims.empty()) {
    // Public configuration only: the keys are public too, but long; their kind is enough here.
    auto eims = json::Value::array();
    for (const auto& e : s.eims) {
      auto j = json::Value::object();
      j["eim_id"] = e.eim_id;
      j["counter_value"] = e.counter_value;
      if (e.fqdn) j["fqdn"] = *e.fqdn;
      if (e.id_type) j["id_type"] = static_cast<int>(*e.id_type);
      if (e.association_token) j["association_token"] = *e.association_token;
      if (e.public_key) {
        j["public_key"] =
            e.public_key->kind == EimKeyData::Kind::kCertificate ? "certificate" : "key";
      }
      if (e.tls_key) {
        j["tls_key"] = e.tls_key->kind == EimKeyData::Kind::kCertificate ? "certificate" : "key";
      }
      if (e.supported_protocols) j["supported_protocols"] = *e.supported_protocols;
      if (!e.euicc_ci_pkid.empty()) j["euicc_ci_pkid"] = to_hex(e.euicc_ci_pkid);
      j["indirect_profile_download"] = e.indirect_profile_download;
      eims.push_back(std::move(j));
    }
    o["eims"] = std::move(eims);
    // The rest of SGP.32's state: what an eIM's packages and the IPA's calls left behind.
    auto results = json::Value::array();
    for (const auto& r : s.package_results) {
      results.push_back(
          json::Value{{"seq_number", r.seq_number}, {"eim_id", r.eim_id}, {"der", to_hex(r.der)}});
    }
    o["package_results"] = std::move(results);
    if (s.rollback) {
      auto r = json::Value::object();
      r["enabled_isdp_aid"] = to_hex(s.rollback->enabled_aid);
      r["eim_id"] = s.rollback->eim_id;
      r["counter_value"] = s.rollback->counter_value;
      if (s.rollback->previous_aid) r["previous_isdp_aid"] = to_hex(*s.rollback->previous_aid);
      o["rollback"] = std::move(r);
    }
    if (s.immediate_enable) {
      auto ie = json::Value::object();
      ie["immediate_enable"] = s.immediate_enable->immediate_enable;
      if (s.immediate_enable->default_smdp_address) {
        ie["default_smdp_address"] = *s.immediate_enable->default_smdp_address;
      }
      o["immediate_enable"] = std::move(ie);
    }
    if (s.fallback_return_aid) o["fallback_return_isdp_aid"] = to_hex(*s.fallback_return_aid);
    if (s.emergency_return_aid) o["emergency_return_isdp_aid"] = to_hex(*s.emergency_return_aid);
    o["ipa_mode"] = s.ipa_mode == kIpaModeIpae ? "ipae" : "ipad";
    if (c.ipae || s.ipae != IpaeState{}) o["ipae"] = ipae_json(s);
  }
  return o;
}

Bytes read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError("cannot read " + path);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

Bytes certificate_option(const std::string& option, const std::string& path) {
  try {
    return sim::read_certificate_file(path);
  } catch (const std::exception& e) {
    throw UsageError(option + ": " + e.what());
  }
}

Bytes demo_package() {
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
  return profiles::encode_package(profiles::build_profile(spec));
}

profiles::InstalledProfile demo_profile() {
  return profiles::install_package(demo_package());
}

sim::Preload demo_preload() {
  auto profile = demo_profile();
  auto metadata = metadata_from_profile(profile);
  metadata.profile_name = "euicc-sim demo";
  metadata.profile_class = ProfileClass::kTest;
  return sim::Preload{std::move(profile), std::move(metadata), true};
}

ProfileMetadata metadata_from_profile(const profiles::InstalledProfile& profile) {
  ProfileMetadata m;
  m.profile_name = profile.profile_type.substr(0, 64);
  // EF.SPN (TS 31.102 §4.2.12): a display-condition byte, then the name in the GSM default
  // alphabet, 'FF'-padded; its printable ASCII subset is taken as is.
  if (const auto* usim = profile.naa(profiles::Naa::Kind::Usim)) {
    if (const auto* ef = profile.find({usim->adf_fid, 0x6F46}); ef && ef->content.size() > 1) {
      for (std::size_t i = 1; i < ef->content.size() && m.service_provider_name.size() < 32; ++i) {
        auto c = ef->content[i];
        if (c == 0xFF) break;
        if (c >= 0x20 && c < 0x7F) m.service_provider_name.push_back(static_cast<char>(c));
      }
    }
  }
  return m;
}

profiles::InstalledProfile profile_from_file(
    const std::string& path, const std::vector<profiles::InstalledProfile>& others) {
  Bytes der;
  try {
    der = read_file(path);
  } catch (const std::runtime_error& e) {
    throw UsageError(std::string("--preload: ") + e.what());
  }
  profiles::InstallOptions options;
  for (const auto& o : others) options.existing_iccids.push_back(o.iccid);
  try {
    return profiles::install_package(der, options);
  } catch (const profiles::InstallError& e) {
    throw UsageError("--preload " + path + ": " + e.describe());
  }
}

}  // namespace euiccsim::tools
