// euicc-sim eim: the eIM's offline half of SGP.32 v1.2 (docs/sgp32.md, "eIM and IPAd
// tooling"): EimConfigurationData files for AddInitialEim and the addEim/updateEim eCOs,
// signed eUICC packages (BF51) of PSMOs or eCOs, and verification of what a card answers.
// The bytes go to a card with `euicc-sim ipa`.
#include <fstream>
#include <iostream>

#include "common.hpp"
#include "eim/euicc_package.hpp"
#include "eim_report.hpp"
#include "euiccsim/applets/eid.hpp"
#include "euiccsim/simulator/identity.hpp"

namespace euiccsim::tools {

namespace {

struct KeySource {
  std::string pki;
  std::string curve = "nist";
};

struct ConfigOptions {
  KeySource source;
  std::string cert;
  std::string eim_id;
  std::optional<std::string> fqdn;
  std::optional<std::string> id_type;
  std::optional<long> counter;
  bool want_token = false;
  std::optional<std::string> ci_pkid;
  bool key_only = false;
  std::vector<std::string> protocols;
  bool indirect = false;
  std::string out;
  bool hex = false;
};

struct PackageOptions {
  KeySource source;
  std::string key;
  std::string eim_id;
  long counter = 0;
  std::string eid;
  std::optional<long> association_token;
  std::optional<std::string> transaction_id;
  std::vector<std::string> psmos;
  std::vector<std::string> ecos;
  std::string out;
  bool hex = false;
};

struct VerifyOptions {
  std::string file;
  std::string card_cert;
  std::optional<long> association_token;
  bool json = false;
};

std::filesystem::path pki_file(const KeySource& s, const char* name) {
  return std::filesystem::path(s.pki) / s.curve / name;
}

Bytes hex_arg(const std::string& option, const std::string& value) {
  try {
    return from_hex(value);
  } catch (const HexError& e) {
    throw UsageError(option + ": " + e.what());
  }
}

void write_output(const std::string& out, bool hex, const Bytes& der, const std::string& what) {
  if (hex) {
    std::cout << to_hex(der) << '\n';
    return;
  }
  std::ofstream f(out, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(der.data()), static_cast<std::streamsize>(der.size()));
  if (!f.flush()) throw std::runtime_error("cannot write " + out);
  std::cout << "wrote " << out << " (" << der.size() << " bytes): " << what << '\n';
}

void check_output(const std::string& out, bool hex) {
  if (out.empty() == !hex) throw UsageError("give -o FILE or --hex (one of them)");
}

int run_config(const ConfigOptions& o) {
  check_output(o.out, o.hex);
  if (o.cert.empty() == o.source.pki.empty()) throw UsageError("give --pki DIR or --cert FILE");
  if (o.eim_id.empty() || o.eim_id.size() > 128) throw UsageError("--eim-id: 1 to 128 bytes");
  const auto cert_path =
      o.cert.empty() ? pki_file(o.source, "eim.der") : std::filesystem::path(o.cert);
  Bytes cert = sim::read_certificate_file(cert_path);
  eim::EimConfiguration c;
  c.eim_id = o.eim_id;
  c.fqdn = o.fqdn;
  if (o.id_type) c.id_type = *o.id_type == "oid" ? 1 : *o.id_type == "fqdn" ? 2 : 3;
  c.counter_value = o.counter;
  if (o.want_token) c.association_token = -1;
  if (o.ci_pkid) {
    c.euicc_ci_pkid = hex_arg("--ci-pkid", *o.ci_pkid);
    if (c.euicc_ci_pkid->empty()) throw UsageError("--ci-pkid: empty");
  }
  if (o.key_only) {
    try {
      c.public_key = crypto::PublicKey::from_certificate(cert).subject_public_key_info();
    } catch (const crypto::KeyError& e) {
      throw std::runtime_error(cert_path.string() + ": " + e.what());
    }
  } else {
    c.certificate = cert;
  }
  if (!o.protocols.empty()) {
    std::uint32_t mask = 0;
    for (const auto& p : o.protocols) {
      auto bit = eim::supported_protocol_bit(p);
      if (!bit) throw UsageError("--protocol '" + p + "': unknown");
      mask |= 1u << *bit;
    }
    c.supported_protocols = mask;
  }
  c.indirect_profile_download = o.indirect;
  Bytes der;
  try {
    der = eim::encode_eim_configuration(c);
  } catch (const eim::PackageError& e) {
    throw std::runtime_error(cert_path.string() + ": " + e.what());
  }
  write_output(o.out, o.hex, der,
               "EimConfigurationData for eIM '" + o.eim_id + "' with its " +
                   (o.key_only ? "public key" : "certificate"));
  return 0;
}

int run_package(const PackageOptions& o) {
  check_output(o.out, o.hex);
  if (o.key.empty() == o.source.pki.empty()) throw UsageError("give --pki DIR or --key PEM");
  if (o.eim_id.empty() || o.eim_id.size() > 128) throw UsageError("--eim-id: 1 to 128 bytes");
  if (!Eid::parse(o.eid)) throw UsageError("--eid '" + o.eid + "': " + Eid::why_invalid(o.eid));
  if (o.counter < 0) throw UsageError("--counter: 0 or more");
  if (!o.psmos.empty() && !o.ecos.empty())
    throw UsageError("a package holds PSMOs or eCOs, never both (--psmo and --eco given)");
  if (o.psmos.empty() && o.ecos.empty()) throw UsageError("give at least one --psmo or --eco");
  eim::PackageSpec spec;
  spec.eim_id = o.eim_id;
  spec.eid = o.eid;
  spec.counter_value = o.counter;
  if (o.transaction_id) {
    spec.transaction_id = hex_arg("--transaction-id", *o.transaction_id);
    if (spec.transaction_id->empty() || spec.transaction_id->size() > 16)
      throw UsageError("--transaction-id: 1 to 16 bytes");
  }
  const bool eco = !o.ecos.empty();
  for (const auto& text : eco ? o.ecos : o.psmos) {
    eim::Operation op;
    try {
      op = eim::parse_operation(text, eco);
    } catch (const eim::PackageError& e) {
      throw UsageError(std::string(eco ? "--eco" : "--psmo") + " '" + text + "': " + e.what());
    }
    if (!op.file.empty()) op.eim_configuration = read_der_or_hex(op.file);
    spec.operations.push_back(std::move(op));
  }
  const std::filesystem::path key_path =
      o.key.empty() ? pki_file(o.source, "eim.key.pem") : std::filesystem::path(o.key);
  const auto key = sim::read_private_key_file(key_path);
  Bytes der;
  try {
    der = eim::build_package(spec, key, o.association_token);
  } catch (const eim::PackageError& e) {
    throw std::runtime_error(e.what());
  }
  write_output(o.out, o.hex, der,
               "EuiccPackageRequest of " + std::to_string(spec.operations.size()) +
                   (eco ? " eCO(s)" : " PSMO(s)") + " for eIM '" + o.eim_id + "', counterValue " +
                   std::to_string(o.counter));
  return 0;
}

int run_verify(const VerifyOptions& o) {
  const Bytes der = read_der_or_hex(o.file);
  const auto key = [&] {
    try {
      return crypto::PublicKey::from_certificate(sim::read_certificate_file(o.card_cert));
    } catch (const crypto::KeyError& e) {
      throw std::runtime_error(o.card_cert + ": " + e.what());
    }
  }();
  eim::PackageResult r;
  try {
    r = eim::decode_package_result(der);
  } catch (const eim::PackageError& e) {
    throw std::runtime_error(o.file + ": " + e.what());
  }
  eim::verify_package_result(r, key, o.association_token);
  if (o.json) {
    std::cout << json::dump(package_result_json(r, true)) << '\n';
  } else {
    print_package_result(std::cout, r, true);
  }
  if (r.form == eim::PackageResult::Form::kUnsignedError) {
    std::cerr << "euicc-sim: an unsigned error (euiccPackageErrorUnsigned) carries no signature\n";
    return 1;
  }
  if (!r.verified) {
    std::cerr << "euicc-sim: the signature does not verify with " << o.card_cert
              << " and the association token given\n";
    return 1;
  }
  return 0;
}

void add_key_source(CLI::App* cmd, KeySource& s, const char* file) {
  cmd->add_option("--pki", s.pki,
                  std::string("Test PKI of `euicc-sim pki init DIR`: uses DIR/CURVE/") + file);
  cmd->add_option("--curve", s.curve, "Which curve of --pki: nist or brainpool")
      ->check(CLI::IsMember({"nist", "brainpool"}))
      ->capture_default_str();
}

}  // namespace

void add_eim_commands(CLI::App& app) {
  auto* eim = app.add_subcommand(
      "eim",
      "The eIM's offline tools (SGP.32): EimConfigurationData, signed eUICC packages, "
      "result verification");
  eim->require_subcommand(1);

  auto c = std::make_shared<ConfigOptions>();
  auto* config =
      eim->add_subcommand("config",
                          "Write an EimConfigurationData (DER) for `ipa add-initial-eim` or an "
                          "add-eim/update-eim eCO");
  add_key_source(config, c->source, "eim.der");
  config->add_option("--cert", c->cert, "The eIM certificate (DER or PEM) instead of --pki");
  config->add_option("--eim-id", c->eim_id, "eimId (1 to 128 bytes)")->required();
  config->add_option("--fqdn", c->fqdn, "eimFqdn");
  config->add_option("--id-type", c->id_type, "eimIdType")
      ->check(CLI::IsMember({"oid", "fqdn", "proprietary"}));
  config->add_option("--counter", c->counter, "counterValue: the eIM's starting counter");
  config->add_flag("--want-token", c->want_token,
                   "associationToken -1: ask the eUICC to give this eIM a token");
  config->add_option("--ci-pkid", c->ci_pkid, "euiccCiPKId (hex SKI of a CI)");
  config->add_flag("--key-only", c->key_only,
                   "eimPublicKeyData as the bare public key (A5 { A0 SPKI }) instead of the "
                   "certificate (A5 { A1 ... })");
  config->add_option("--protocol", c->protocols,
                     "eimSupportedProtocol bit (repeatable): retrieve-https, retrieve-coaps, "
                     "inject-https, inject-coaps, proprietary");
  config->add_flag("--indirect-download", c->indirect, "indirectProfileDownload");
  config->add_option("-o,--output", c->out, "Write the DER here");
  config->add_flag("--hex", c->hex, "Print the DER as hex instead of writing a file");
  config->footer(
      "Examples:\n"
      "  euicc-sim eim config --pki /tmp/pki --eim-id eim-1 --counter 0 --want-token -o eim-1.der\n"
      "  euicc-sim eim config --cert eim.pem --eim-id eim-2 --counter 5 --key-only --hex");
  config->callback([c] { std::exit(run_config(*c)); });

  auto p = std::make_shared<PackageOptions>();
  auto* package = eim->add_subcommand(
      "package", "Write a signed eUICC package (EuiccPackageRequest, BF51) of PSMOs or eCOs");
  add_key_source(package, p->source, "eim.key.pem");
  package->add_option("--key", p->key, "The eIM private key (PEM) instead of --pki");
  package->add_option("--eim-id", p->eim_id, "eimId")->required();
  package->add_option("--counter", p->counter, "counterValue (above the card's last one)")
      ->required();
  package->add_option("--eid", p->eid, "EID of the target eUICC (32 digits)")->required();
  package->add_option("--association-token", p->association_token,
                      "The token the eUICC gave this eIM (signed as 84 L V; without it 84 01 00)");
  package->add_option("--transaction-id", p->transaction_id, "eimTransactionId (hex, 1-16 bytes)");
  package->add_option("--psmo", p->psmos, "One PSMO, its words quoted (repeatable, in order)")
      ->allow_extra_args(false);
  package->add_option("--eco", p->ecos, "One eCO, its words quoted (repeatable, in order)")
      ->allow_extra_args(false);
  package->add_option("-o,--output", p->out, "Write the DER here");
  package->add_flag("--hex", p->hex, "Print the DER as hex instead of writing a file");
  package->footer(
      std::string("Operations, each one quoted argument of --psmo or --eco:\n") +
      eim::operation_syntax() +
      "A package holds PSMOs or eCOs, never both. The signature (5F37, raw r||s) covers\n"
      "DER(euiccPackageSigned) || 84 L associationToken.\n"
      "Examples:\n"
      "  euicc-sim eim package --pki /tmp/pki --eim-id eim-1 --counter 1 --eid EID \\\n"
      "      --association-token 1 -o pkg.der \\\n"
      "      --psmo 'disable 89999000000000000007' --psmo 'enable 89001990000000000012 rollback' "
      "\\\n"
      "      --psmo 'list-profile-info'\n"
      "  euicc-sim eim package --key eim.key.pem --eim-id eim-1 --counter 2 --eid EID --hex \\\n"
      "      --eco 'add-eim eim-2.der' --eco 'list-eim'");
  package->callback([p] { std::exit(run_package(*p)); });

  auto v = std::make_shared<VerifyOptions>();
  auto* verify = eim->add_subcommand(
      "verify-result", "Read an EuiccPackageResult (BF51) and verify the eUICC's signature");
  verify->add_option("file", v->file, "The result: DER, or hex text")->required();
  verify
      ->add_option("--card-cert", v->card_cert,
                   "The eUICC certificate (DER or PEM; `ipa certs -o DIR` writes euicc.der)")
      ->required();
  verify->add_option("--association-token", v->association_token,
                     "The token the eUICC gave this eIM (without it: 84 01 00)");
  verify->add_flag("--json", v->json, "One JSON object");
  verify->footer(
      "Exit status 0 only for a signed result or signed error whose signature verifies; 1\n"
      "otherwise (an unsigned error is printed, then exits 1).\n"
      "Example:\n"
      "  euicc-sim eim verify-result result.der --card-cert certs/euicc.der --association-token 1");
  verify->callback([v] { std::exit(run_verify(*v)); });
}

}  // namespace euiccsim::tools
