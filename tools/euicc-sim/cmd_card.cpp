// euicc-sim card new|list|show|rm
#include <algorithm>
#include <iostream>
#include <map>

#include "common.hpp"
#include "euiccsim/crypto/certificate.hpp"
#include "euiccsim/crypto/tlv.hpp"
#include "euiccsim/simulator/card_image.hpp"
#include "euiccsim/simulator/euicc.hpp"
#include "euiccsim/simulator/identity.hpp"
#include "serve_status.hpp"

namespace euiccsim::tools {

namespace {
struct CardOptions {
  bool json = false;
  std::string eid;
  std::string eid_prefix = "8900";
  std::optional<std::uint64_t> seed;
  std::vector<std::string> preload_files;
  std::string enable;
  std::vector<std::string> profile_names, spns, classes, notify, pprs;
  bool no_profile = false;
  // Personality.
  std::string personality = personality::kSgp22;
  std::string isdr_aid, svn, firmware_version, profile_version, pp_version, category;
  std::optional<std::string> sas;
  std::optional<std::uint64_t> memory;
  std::vector<std::string> quirks;
  std::vector<std::string> forbidden_pprs;
  std::string protocols = "t0";
  // Issuer.
  std::string pki, curve = "nist", eum_cert, eum_key;
  std::vector<std::string> ci_certs;
  // IPAe (docs/ipae.md) and the factory's eIMs.
  bool ipae = false, ipae_active = false, ipae_minimize = false;
  std::vector<std::string> ipae_ca, eim_configs;
  std::optional<std::uint32_t> ipae_interval, ipae_jitter, ipae_backoff_min, ipae_backoff_max,
      ipae_rollback_after;
  std::string ipae_conflict, ipae_tac, ipae_imei, ipae_rplmn;
};

Bytes hex_option(const std::string& name, const std::string& value, std::size_t size) {
  Bytes b;
  try {
    b = from_hex(value);
  } catch (const HexError& e) {
    throw UsageError(name + ": " + e.what());
  }
  if (b.size() != size)
    throw UsageError(name + ": " + std::to_string(size) + " bytes of hex, not " +
                     std::to_string(b.size()));
  return b;
}

// The IpaeConfig of --ipae and its options; nothing without --ipae.
std::optional<IpaeConfig> ipae_config_from(const CardOptions& o) {
  const bool any = !o.ipae_ca.empty() || o.ipae_interval || o.ipae_jitter || o.ipae_backoff_min ||
                   o.ipae_backoff_max || o.ipae_rollback_after || o.ipae_minimize ||
                   !o.ipae_conflict.empty() || !o.ipae_tac.empty() || !o.ipae_imei.empty() ||
                   !o.ipae_rplmn.empty() || o.ipae_active;
  if (!o.ipae) {
    if (any) throw UsageError("the --ipae-* options describe an IPAe: give --ipae");
    return std::nullopt;
  }
  if (o.personality != personality::kIot)
    throw UsageError("--ipae: an IPAe needs --personality iot");
  IpaeConfig c;
  if (o.ipae_interval) c.poll_interval_s = *o.ipae_interval;
  if (o.ipae_jitter) c.poll_jitter_s = *o.ipae_jitter;
  if (o.ipae_backoff_min) c.backoff_min_s = *o.ipae_backoff_min;
  if (o.ipae_backoff_max) c.backoff_max_s = *o.ipae_backoff_max;
  if (c.backoff_max_s < c.backoff_min_s)
    throw UsageError("--ipae-backoff-max: not below --ipae-backoff-min");
  if (o.ipae_rollback_after) c.rollback_after_failures = *o.ipae_rollback_after;
  c.minimize_esipa_bytes = o.ipae_minimize;
  if (!o.ipae_conflict.empty()) c.terminal_conflict = o.ipae_conflict;
  if (!o.ipae_tac.empty()) c.tac = hex_option("--ipae-tac", o.ipae_tac, 4);
  if (!o.ipae_imei.empty()) c.imei = hex_option("--ipae-imei", o.ipae_imei, 8);
  if (!o.ipae_rplmn.empty()) c.rplmn = hex_option("--ipae-rplmn", o.ipae_rplmn, 3);
  for (const auto& f : o.ipae_ca) {
    try {
      c.tls_ca_certificates.push_back(sim::read_certificate_file(f));
    } catch (const std::exception& e) {
      throw UsageError(std::string("--ipae-ca: ") + e.what());
    }
  }
  return c;
}

// What the factory does through the card itself once it exists: AddInitialEim with the
// --eim-config files, IpaeActivation for --ipae-active. A refusal removes the card again.
void factory_steps(const CardOptions& o, const sim::StateDirectory& dir, CardState& state) {
  if (o.eim_configs.empty() && !o.ipae_active) return;
  const std::string eid = state.eid.str();
  // The card is claimed like any card a process runs; the claim (a flock, which conflicts
  // even within this process) is dropped before a refused card is removed.
  auto claimed = claim_card(dir, eid);
  auto card = sim::make_euicc(std::move(claimed.state), crypto::Drbg::from_os(), claimed.persist);
  auto refuse = [&](const std::string& why) {
    card.reset();
    claimed.persist = nullptr;
    dir.remove(eid);
    throw std::runtime_error(why + "; card " + eid + " not created");
  };
  if (!o.eim_configs.empty()) {
    Bytes list;
    for (const auto& f : o.eim_configs) {
      const Bytes cfg = read_eim_configuration_file(f);
      list.insert(list.end(), cfg.begin(), cfg.end());
    }
    const auto r = card->es10(tlv::encode(0xBF57, tlv::encode(0xA0, list)));
    auto top = tlv::read(r.data);
    auto kids = top && top->tag == 0xBF57 ? tlv::read_all(top->value) : std::nullopt;
    if (r.sw != apdu::sw::kOk || !kids || kids->size() != 1) {
      refuse("AddInitialEim answered status word " + to_hex(tlv::encode_uint(r.sw, 2)));
    } else if (kids->front().tag == 0x81) {
      static const std::map<long, const char*> names{
          {1, "insufficientMemory"},      {2, "associatedEimAlreadyExists"}, {3, "ciPKUnknown"},
          {5, "invalidAssociationToken"}, {6, "counterValueOutOfRange"},     {7, "commandError"},
          {127, "undefinedError"}};
      const long code = static_cast<long>(tlv::decode_uint(kids->front().value).value_or(0));
      auto it = names.find(code);
      refuse("AddInitialEim refused the eIM configuration: addInitialEimError " +
             std::string(it == names.end() ? "" : it->second) + "(" + std::to_string(code) + ")");
    }
  }
  if (o.ipae_active) {
    const auto r = card->es10(from_hex("BF420480020780"));
    if (to_hex(r.data) != "BF4203800100") refuse("IpaeActivation answered " + to_hex(r.data));
  }
  state = card->state();
}

// Who issues the new card: a PKI directory's EUM, a user's EUM, or the state directory's own
// test PKI; plus any further CIs to trust. IssuerError names the file or the mismatch.
sim::CardIssuer card_issuer_from(const CardOptions& o, const sim::StateDirectory& dir) {
  if (!o.pki.empty() && (!o.eum_cert.empty() || !o.eum_key.empty()))
    throw UsageError("--pki and --eum-cert/--eum-key exclude each other");
  if (o.eum_cert.empty() != o.eum_key.empty())
    throw UsageError("--eum-cert and --eum-key go together");
  if (!o.eum_cert.empty() && o.ci_certs.empty())
    throw UsageError(
        "--eum-cert needs --ci-cert: the CI that issued the EUM (and any more to trust)");
  const auto curve =
      o.curve == "brainpool" ? crypto::Curve::kBrainpoolP256r1 : crypto::Curve::kNistP256;
  const std::vector<std::filesystem::path> cis(o.ci_certs.begin(), o.ci_certs.end());
  if (!o.eum_cert.empty()) return sim::load_card_issuer(o.eum_cert, o.eum_key, cis);
  sim::CardIssuer issuer = [&] {
    if (!o.pki.empty()) return sim::pki_directory_issuer(o.pki, curve);
    // Its own stream: making the directory's PKI on first use leaves the card's EID what the
    // same --seed gave before.
    auto drbg = o.seed ? crypto::Drbg::from_seed(*o.seed, "state-pki") : crypto::Drbg::from_os();
    return sim::state_directory_issuer(dir.path(), drbg, curve);
  }();
  sim::add_trusted_cis(issuer, cis);
  return issuer;
}

Version version_option(const std::string& name, const std::string& value) {
  auto v = Version::parse(value);
  if (!v) throw UsageError(name + ": '" + value + "' is not a version like 2.5.0");
  return *v;
}

// --profile-name/--spn/--class: one value per --preload file, in the same order (or none).
const std::string* per_profile(const std::vector<std::string>& values, std::size_t i,
                               std::size_t count, const char* option) {
  if (values.empty()) return nullptr;
  if (values.size() != count) {
    throw UsageError(std::string(option) + ": give it once per --preload file (" +
                     std::to_string(count) + "), in the same order");
  }
  return &values[i];
}

CardConfig config_from(const CardOptions& o) {
  CardConfig c;
  c.personality = o.personality;
  if (!o.isdr_aid.empty()) {
    try {
      c.isdr_aid = from_hex(o.isdr_aid);
    } catch (const HexError& e) {
      throw UsageError(std::string("--isdr-aid: ") + e.what());
    }
    if (c.isdr_aid.size() < 5 || c.isdr_aid.size() > 16)
      throw UsageError("--isdr-aid: an AID has 5 to 16 bytes");
    if (c.isdr_aid == c.ecasd_aid) throw UsageError("--isdr-aid: that is the ECASD's AID");
  }
  if (!o.svn.empty()) c.svn = version_option("--svn", o.svn);
  if (!o.firmware_version.empty())
    c.firmware_version = version_option("--firmware-version", o.firmware_version);
  if (!o.profile_version.empty())
    c.profile_version = version_option("--profile-version", o.profile_version);
  if (!o.pp_version.empty()) c.pp_version = version_option("--pp-version", o.pp_version);
  if (o.sas) c.sas_accreditation_number = *o.sas;
  if (!o.category.empty()) {
    static const std::vector<std::string> names{"other", "basic", "medium", "contactless"};
    auto it = std::find(names.begin(), names.end(), o.category);
    if (it == names.end()) throw UsageError("--category: one of other, basic, medium, contactless");
    c.euicc_category = static_cast<std::uint8_t>(it - names.begin());
  }
  if (o.memory) c.memory_capacity = *o.memory;
  c.offers_t1 = o.protocols == "t0,t1";
  for (const auto& q : o.quirks) c.quirks.insert(q);
  if (!o.forbidden_pprs.empty()) {
    std::uint8_t mask = 0;
    for (const auto& p : o.forbidden_pprs) mask |= p == "ppr1" ? kPpr1 : kPpr2;
    c.forbidden_pprs = mask;
  }
  c.ipae = ipae_config_from(o);
  if (!o.eim_configs.empty() && o.personality != personality::kIot)
    throw UsageError("--eim-config: eIMs need --personality iot");
  return c;
}
}  // namespace

void add_card_commands(CLI::App& app, GlobalOptions& global) {
  auto* card = app.add_subcommand("card", "Create, list, inspect and remove cards");
  card->require_subcommand(1);
  card->footer(
      "Cards live in the state directory (--state), one image file per card, named by EID.\n"
      "Example:\n  euicc-sim card new --seed 7\n  euicc-sim card list\n  euicc-sim card show "
      "<EID>");
  auto opts = std::make_shared<CardOptions>();

  auto* add = card->add_subcommand("new", "Create a new card and write its image");
  add->add_option("--eid", opts->eid, "EID to give the card (32 digits, valid check digits)");
  add->add_option("--eid-prefix", opts->eid_prefix,
                  "Digits a generated EID starts with (2 to 30, starting 89)")
      ->capture_default_str();
  add->add_option("--seed", opts->seed, "Make the generated EID and keys repeatable");
  add->add_option("--preload,--profile", opts->preload_files,
                  "Install this profile package (DER, unprotected; repeatable) instead of the "
                  "built-in demo profile")
      ->group("Preloaded profiles (installed as a factory would)");
  add->add_option("--enable", opts->enable,
                  "ICCID of the preloaded profile to leave enabled ('none': all disabled; "
                  "default: the first)")
      ->group("Preloaded profiles (installed as a factory would)");
  add->add_option("--profile-name", opts->profile_names,
                  "profileName metadata, once per --preload (default: the package's profile "
                  "type)")
      ->group("Preloaded profiles (installed as a factory would)");
  add->add_option("--spn", opts->spns,
                  "serviceProviderName metadata, once per --preload (default: from EF.SPN)")
      ->group("Preloaded profiles (installed as a factory would)");
  add->add_option("--class", opts->classes,
                  "profileClass, once per --preload: test, provisioning or operational "
                  "(default operational)")
      ->group("Preloaded profiles (installed as a factory would)")
      ->check(CLI::IsMember({"test", "provisioning", "operational"}));
  add->add_option("--notify", opts->notify,
                  "Once per --preload: the FQDN its enable, disable and delete notifications go "
                  "to ('none': no notifications)")
      ->group("Preloaded profiles (installed as a factory would)");
  add->add_option("--ppr", opts->pprs,
                  "Once per --preload: its profile policy rules: none, ppr1, ppr2 or ppr1+ppr2")
      ->group("Preloaded profiles (installed as a factory would)")
      ->check(CLI::IsMember({"none", "ppr1", "ppr2", "ppr1+ppr2"}));
  add->add_flag("--no-profile", opts->no_profile, "A card with no profile installed")
      ->group("Preloaded profiles (installed as a factory would)");
  const char* personality = "Personality (what the card reports and how it behaves)";
  add->add_option("--personality", opts->personality,
                  "sgp22 (a consumer eUICC) or iot (an SGP.32 v1.2 IoT eUICC: IoT EUICCInfo2, "
                  "the E1 SELECT template, eIM functions)")
      ->check(CLI::IsMember(personality::all()))
      ->capture_default_str()
      ->group(personality);
  add->add_option("--isdr-aid", opts->isdr_aid,
                  "ISD-R AID in hex (default A0000005591010FFFFFFFF8900000100)")
      ->group(personality);
  add->add_option("--svn", opts->svn, "SGP.22 version (default 2.5.0)")->group(personality);
  add->add_option("--firmware-version", opts->firmware_version, "euiccFirmwareVer (default 0.1.0)")
      ->group(personality);
  add->add_option("--profile-version", opts->profile_version,
                  "Profile package version supported (default 2.3.1)")
      ->group(personality);
  add->add_option("--pp-version", opts->pp_version, "Protection profile version (default 0.0.0)")
      ->group(personality);
  add->add_option("--sas", opts->sas, "SAS accreditation number (default empty)")
      ->group(personality);
  add->add_option("--category", opts->category,
                  "euiccCategory: other, basic, medium or contactless (default basic)")
      ->group(personality);
  add->add_option("--memory", opts->memory,
                  "Non-volatile memory for profiles, bytes (default 2097152)")
      ->group(personality);
  add->add_option("--quirk", opts->quirks,
                  "Behave like some real cards (repeatable): enable-by-aid-only, "
                  "refuse-iccid-search, cat-busy")
      ->group(personality)
      ->check(CLI::IsMember(quirk::all()));
  add->add_option("--forbid-ppr", opts->forbidden_pprs,
                  "forbiddenProfilePolicyRules in EUICCInfo2 (repeatable): ppr1, ppr2")
      ->group(personality)
      ->check(CLI::IsMember({"ppr1", "ppr2"}));
  add->add_option("--protocols", opts->protocols,
                  "Transmission protocols the ATR offers: t0 (as real eUICCs; every PC/SC client "
                  "gets T=0) or t0,t1 (the first client that allows both settles pcscd on T=1 "
                  "until a reset, and T=0-only clients such as lpac are refused meanwhile)")
      ->check(CLI::IsMember({"t0", "t0,t1"}))
      ->capture_default_str()
      ->group(personality);
  const char* issuer_group = "Issuer (default: the state directory's own test PKI, pki/)";
  add->add_option("--pki", opts->pki,
                  "Issue from this test PKI's EUM (euicc-sim pki init DIR) and trust its CI")
      ->group(issuer_group);
  add->add_option("--curve", opts->curve,
                  "Which EUM of --pki (or of the state directory's PKI): nist or brainpool")
      ->check(CLI::IsMember({"nist", "brainpool"}))
      ->capture_default_str()
      ->group(issuer_group);
  add->add_option("--eum-cert", opts->eum_cert,
                  "Issue from this EUM certificate (DER or PEM), e.g. SGP.26's test EUM")
      ->group(issuer_group);
  add->add_option("--eum-key", opts->eum_key, "The EUM's private key (PEM, PKCS#8 or SEC1)")
      ->group(issuer_group);
  add->add_option("--ci-cert", opts->ci_certs,
                  "Trust this CI certificate (DER or PEM; repeatable). With --eum-cert, the "
                  "EUM's issuer must be one of them")
      ->group(issuer_group);
  const char* ipae_group = "IPAe (the card's own IPA, docs/ipae.md) and eIMs";
  add->add_flag("--ipae", opts->ipae,
                "Give the card an IPAe: E1 ipaeSupported, IpaeActivation answers ok (iot only)")
      ->group(ipae_group);
  add->add_flag("--ipae-active", opts->ipae_active,
                "Leave the factory with the IPAe selected (IpaeActivation run at the factory)")
      ->group(ipae_group);
  add->add_option("--eim-config", opts->eim_configs,
                  "AddInitialEim at the factory with this EimConfigurationData (a file of `eim "
                  "config`, DER or hex; repeatable)")
      ->group(ipae_group);
  add->add_option("--ipae-ca", opts->ipae_ca,
                  "Trust this CA for the eIM's and SM-DP+'s TLS (DER or PEM; repeatable)")
      ->group(ipae_group);
  add->add_option("--ipae-poll-interval", opts->ipae_interval, "Seconds between polls (3600)")
      ->group(ipae_group);
  add->add_option("--ipae-jitter", opts->ipae_jitter, "Polls move by up to this many seconds (60)")
      ->group(ipae_group);
  add->add_option("--ipae-backoff-min", opts->ipae_backoff_min,
                  "Seconds to the next poll after a failed one, doubled per failure (10)")
      ->group(ipae_group);
  add->add_option("--ipae-backoff-max", opts->ipae_backoff_max, "The back-off's bound (3600)")
      ->group(ipae_group);
  add->add_option("--ipae-rollback-after", opts->ipae_rollback_after,
                  "Failed attempts to reach the eIM after an enable with rollbackFlag before "
                  "ProfileRollback (3)")
      ->group(ipae_group);
  add->add_flag("--ipae-minimize-esipa-bytes", opts->ipae_minimize,
                "Announce minimizeEsipaBytes and relay the compact forms in indirect downloads")
      ->group(ipae_group);
  add->add_option("--ipae-terminal-conflict", opts->ipae_conflict,
                  "A TERMINAL CAPABILITY declaring an IPAd while the IPAe is active: ipad-wins "
                  "(back to the IPAd; default) or ipae-stays (only recorded)")
      ->check(CLI::IsMember({kIpaeConflictIpadWins, kIpaeConflictIpaeStays}))
      ->group(ipae_group);
  add->add_option("--ipae-tac", opts->ipae_tac, "The device's TAC, 8 hex digits (35290611)")
      ->group(ipae_group);
  add->add_option("--ipae-imei", opts->ipae_imei, "The device's IMEI, 16 hex digits (none)")
      ->group(ipae_group);
  add->add_option("--ipae-rplmn", opts->ipae_rplmn,
                  "rPLMN sent with GetEimPackage, 6 hex digits (TS 24.008; none)")
      ->group(ipae_group);
  add->add_flag("--json", opts->json, "Print the new card as JSON");
  add->footer(
      "Without --eid, a card issued from an EUM whose nameConstraints permit a prefix gets an\n"
      "EID starting with it (--eid-prefix may narrow it).\n"
      "Examples:\n"
      "  euicc-sim card new --eid-prefix 89049032 --seed 1\n"
      "  euicc-sim card new --pki /tmp/pki --curve brainpool\n"
      "  euicc-sim card new --eum-cert CERT_EUM_ECDSA_NIST.der --eum-key SK_EUM_ECDSA_NIST.pem \\\n"
      "                     --ci-cert CERT_CI_ECDSA_NIST.der\n"
      "  euicc-sim card new --preload ts48.der --class test --profile-name 'TS.48' \\\n"
      "                     --preload op.der --class operational --profile-name 'Operator' \\\n"
      "                     --enable 89000123456789012341\n"
      "  euicc-sim card new --isdr-aid A0000005591010FFFFFFFF8900050500 --quirk cat-busy\n"
      "  euicc-sim card new --protocols t0,t1           (an ATR offering T=1 too)\n"
      "  euicc-sim card new --personality iot --no-profile\n"
      "  euicc-sim card new --personality iot --ipae --ipae-active --eim-config eim-1.der \\\n"
      "                     --ipae-ca /tmp/pki/nist/ci.pem");
  add->callback([&global, opts, add] {
    sim::NewCard nc;
    if (!opts->eid.empty()) {
      if (auto why = Eid::why_invalid(opts->eid); !why.empty()) throw UsageError("--eid: " + why);
      nc.eid = Eid::parse(opts->eid);
    }
    nc.eid_prefix = opts->eid_prefix;
    if (nc.eid_prefix.size() < 2 || nc.eid_prefix.size() > 30 ||
        nc.eid_prefix.find_first_not_of("0123456789") != std::string::npos ||
        nc.eid_prefix.rfind("89", 0) != 0) {
      throw UsageError("--eid-prefix: must be 2 to 30 digits starting with 89");
    }
    nc.config = config_from(*opts);
    if (opts->no_profile && !opts->preload_files.empty())
      throw UsageError("--preload and --no-profile exclude each other");
    const auto count = opts->preload_files.size();
    std::vector<profiles::InstalledProfile> installed;
    for (std::size_t i = 0; i < count; ++i) {
      auto profile = profile_from_file(opts->preload_files[i], installed);
      sim::Preload p{profile, metadata_from_profile(profile), false};
      if (auto v = per_profile(opts->profile_names, i, count, "--profile-name"))
        p.metadata.profile_name = *v;
      if (auto v = per_profile(opts->spns, i, count, "--spn"))
        p.metadata.service_provider_name = *v;
      if (auto v = per_profile(opts->classes, i, count, "--class"))
        p.metadata.profile_class = *parse_profile_class(*v);
      if (auto v = per_profile(opts->notify, i, count, "--notify"); v && *v != "none") {
        for (auto e :
             {NotificationEvent::kEnable, NotificationEvent::kDisable, NotificationEvent::kDelete})
          p.metadata.notification_config.push_back({e, *v});
      }
      if (auto v = per_profile(opts->pprs, i, count, "--ppr"); v && *v != "none") {
        p.metadata.pprs =
            static_cast<std::uint8_t>((v->find("ppr1") != std::string::npos ? kPpr1 : 0) |
                                      (v->find("ppr2") != std::string::npos ? kPpr2 : 0));
      }
      installed.push_back(std::move(profile));
      nc.profiles.push_back(std::move(p));
    }
    if (count == 0) {
      if (!opts->profile_names.empty() || !opts->spns.empty() || !opts->classes.empty() ||
          !opts->notify.empty() || !opts->pprs.empty())
        throw UsageError(
            "--profile-name, --spn, --class, --notify and --ppr describe --preload files");
      if (!opts->no_profile) nc.profiles.push_back(demo_preload());
    }
    if (opts->enable.empty()) {
      if (!nc.profiles.empty()) nc.profiles.front().enabled = true;
    } else if (opts->enable != "none") {
      bool found = false;
      for (auto& p : nc.profiles) {
        if (p.profile.iccid.str() == opts->enable) p.enabled = found = true;
      }
      if (!found) throw UsageError("--enable: no preloaded profile has ICCID " + opts->enable);
    }
    auto dir = global.state();
    auto issuer = card_issuer_from(*opts, dir);
    if (nc.eid) {
      if (auto why = sim::why_eid_outside(issuer, nc.eid->str()); !why.empty())
        throw UsageError("--eid: " + why);
    } else {
      try {
        nc.eid_prefix = sim::eid_prefix_for(issuer, nc.eid_prefix, add->count("--eid-prefix") > 0);
      } catch (const sim::IssuerError& e) {
        throw UsageError(e.what());
      }
    }
    const std::string eum_name = crypto::subject_name(issuer.eum.certificate);
    const std::string ci_pkid = to_hex(crypto::subject_key_identifier(issuer.trusted_cis.front()));
    nc.issuer = std::move(issuer);
    auto drbg =
        opts->seed ? crypto::Drbg::from_seed(*opts->seed, "identity") : crypto::Drbg::from_os();
    auto state = dir.create(nc, drbg);
    factory_steps(*opts, dir, state);
    if (opts->json) {
      std::cout << json::dump(card_json(state, dir.image_path(state.eid.str())), 2) << '\n';
    } else {
      std::cout << "created card " << state.eid.str() << "\n  image "
                << dir.image_path(state.eid.str()).string() << '\n'
                << "  issued by EUM '" << eum_name << "', trusting CI " << ci_pkid
                << (state.identity.ci_certificates.size() > 1
                        ? " and " + std::to_string(state.identity.ci_certificates.size() - 1) +
                              " more"
                        : std::string())
                << '\n';
      for (const auto& p : state.profiles) {
        std::cout << "  profile " << p.profile.iccid.str() << " ("
                  << profile_class_name(p.metadata.profile_class) << ", "
                  << (p.enabled ? "enabled" : "disabled") << ") in ISD-P " << to_hex(p.isdp_aid)
                  << '\n';
      }
    }
  });

  auto* list = card->add_subcommand("list", "List the cards of the state directory");
  list->add_flag("--json", opts->json, "Print a JSON array");
  list->callback([&global, opts] {
    auto dir = global.state();
    auto out = json::Value::array();
    if (!opts->json && dir.list().empty()) {
      std::cout << "no cards in " << dir.path().string() << " (create one: euicc-sim card new)\n";
      return;
    }
    // Slots are known while `euicc-sim serve` runs on this directory.
    const auto served = read_serve_status(dir.path()).slots;
    for (const auto& eid : dir.list()) {
      try {
        auto s = dir.load(eid);
        auto slot = served.find(eid);
        if (opts->json) {
          auto j = card_json(s, dir.image_path(eid));
          if (slot != served.end()) {
            j["slot"] = slot->second.slot;
            j["endpoint"] = slot->second.endpoint;
            j["reader"] = slot->second.reader;
          }
          out.push_back(std::move(j));
        } else {
          std::cout << eid << "  " << s.config.personality << "  ";
          if (slot != served.end()) {
            std::cout << "slot " << slot->second.slot << " ('" << slot->second.reader << "')  ";
          }
          std::cout << dir.image_path(eid).string() << '\n';
        }
      } catch (const sim::ImageError& e) {
        // A damaged image is listed, not hidden: the user needs to see it.
        if (opts->json) {
          out.push_back(json::Value{{"eid", eid}, {"error", e.what()}});
        } else {
          std::cout << eid << "  unreadable: " << e.what() << '\n';
        }
      }
    }
    if (opts->json) std::cout << json::dump(out, 2) << '\n';
  });

  auto* show = card->add_subcommand("show", "Print a card's image as JSON");
  show->add_option("eid", opts->eid, "The card's EID (optional when there is only one card)");
  show->footer("Example:\n  euicc-sim card show 89001234567890123456789012345678");
  show->callback([&global, opts] {
    auto dir = global.state();
    auto eid = choose_card(dir, opts->eid);
    std::cout << json::dump(card_json(dir.load(eid), dir.image_path(eid)), 2) << '\n';
  });

  auto* rm = card->add_subcommand("rm", "Remove a card and its image");
  rm->add_option("eid", opts->eid, "The card's EID")->required();
  rm->callback([&global, opts] {
    if (auto why = Eid::why_invalid(opts->eid); !why.empty()) throw UsageError(why);
    auto dir = global.state();
    try {
      dir.remove(opts->eid);
    } catch (const sim::CardBusy& e) {
      throw std::runtime_error(busy_card_message(dir, opts->eid, e) + "; the card stays");
    }
    std::cout << "removed card " << opts->eid << '\n';
  });
}

}  // namespace euiccsim::tools
