// euicc-sim pki init: a test PKI on disk (docs/pki.md).
#include <sys/stat.h>

#include <iostream>

#include "common.hpp"
#include "euiccsim/crypto/certificate.hpp"
#include "euiccsim/simulator/identity.hpp"

namespace euiccsim::tools {

namespace {

struct PkiOptions {
  std::string dir;
  std::string curve = "both";
  std::optional<std::uint64_t> seed;
  sim::TestPkiOptions pki;
  bool force = false;
  bool json = false;
};

bool dns_name(std::string_view s) {
  return !s.empty() && s.size() <= 253 && s.front() != '.' && s.front() != '-' &&
         s.find("..") == std::string_view::npos &&
         s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") ==
             std::string_view::npos;
}

std::string mode_of(const std::filesystem::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return "?";
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(st.st_mode & 07777));
  return buf;
}

void check(const PkiOptions& o) {
  const auto& p = o.pki.eum_prefix;
  if (p.size() < 2 || p.size() > 30 || p.find_first_not_of("0123456789") != std::string::npos ||
      p.rfind("89", 0) != 0) {
    throw UsageError("--eum-prefix: must be 2 to 30 digits starting with 89");
  }
  if (!sim::is_dotted_oid(o.pki.smdp_oid))
    throw UsageError("--smdp-oid: not a dotted OID like 2.999.10");
  if (!sim::is_dotted_oid(o.pki.eim_oid))
    throw UsageError("--eim-oid: not a dotted OID like 2.999.20");
  if (!dns_name(o.pki.tls_name)) throw UsageError("--tls-name: not a DNS name");
}

void run_init(const PkiOptions& o) {
  check(o);
  const std::filesystem::path dir(o.dir);
  std::error_code ec;
  if (std::filesystem::exists(dir, ec)) {
    if (!std::filesystem::is_directory(dir, ec))
      throw std::runtime_error(o.dir + " exists and is not a directory");
    if (!o.force && !std::filesystem::is_empty(dir, ec)) {
      throw std::runtime_error(o.dir + " is not empty (--force writes the PKI over it)");
    }
  }
  std::vector<crypto::Curve> curves;
  if (o.curve != "brainpool") curves.push_back(crypto::Curve::kNistP256);
  if (o.curve != "nist") curves.push_back(crypto::Curve::kBrainpoolP256r1);

  auto out = json::Value::array();
  for (auto curve : curves) {
    const char* folder = sim::pki_curve_folder(curve);
    // One stream per curve, so a curve's files do not depend on which others were asked for.
    auto drbg = o.seed ? crypto::Drbg::from_seed(*o.seed, std::string("pki/") + folder)
                       : crypto::Drbg::from_os();
    const auto pki = sim::make_test_pki(curve, o.pki, drbg);
    const auto files = sim::write_test_pki(dir, curve, pki);
    auto list = json::Value::array();
    for (const auto& f : files) {
      const auto mode = mode_of(f.path);
      if (o.json) {
        list.push_back(json::Value{{"path", f.path.string()}, {"role", f.role}, {"mode", mode}});
      } else {
        std::cout << f.path.string() << "  " << f.role << (f.secret ? " (" + mode + ")" : "")
                  << '\n';
      }
    }
    if (o.json) {
      out.push_back(
          json::Value{{"curve", folder},
                      {"curve_name", crypto::curve_name(curve)},
                      {"ci_pkid", to_hex(crypto::subject_key_identifier(pki.ci.certificate))},
                      {"eum_prefix", o.pki.eum_prefix},
                      {"smdp_oid", o.pki.smdp_oid},
                      {"tls_name", o.pki.tls_name},
                      {"eim_oid", o.pki.eim_oid},
                      {"files", std::move(list)}});
    }
  }
  if (o.json) {
    std::cout << json::dump(json::Value{{"dir", o.dir}, {"curves", std::move(out)}}, 2) << '\n';
  }
}

}  // namespace

void add_pki_commands(CLI::App& app) {
  auto* pki = app.add_subcommand("pki", "Make a test PKI: CI, EUM, SM-DP+ and eIM certificates");
  pki->require_subcommand(1);
  pki->footer("Example:\n  euicc-sim pki init /tmp/pki\n  euicc-sim card new --pki /tmp/pki");
  auto o = std::make_shared<PkiOptions>();

  auto* init = pki->add_subcommand(
      "init",
      "Create a test PKI in DIR: per curve a CI, an EUM with nameConstraints, DPauth, DPpb, "
      "DP TLS and eIM certificates with their keys (layout: docs/pki.md)");
  init->add_option("dir", o->dir, "Directory to create (must be empty unless --force)")->required();
  init->add_option("--curve", o->curve, "Which curves: nist, brainpool or both")
      ->check(CLI::IsMember({"nist", "brainpool", "both"}))
      ->capture_default_str();
  init->add_option("--seed", o->seed, "Make the keys and certificates repeatable");
  init->add_option("--eum-prefix", o->pki.eum_prefix,
                   "EID prefix the EUM may issue (its nameConstraints), 2 to 30 digits")
      ->capture_default_str();
  init->add_option("--smdp-oid", o->pki.smdp_oid,
                   "SM-DP+ OID (subjectAltName registeredID of DPauth, DPpb, DP TLS)")
      ->capture_default_str();
  init->add_option("--tls-name", o->pki.tls_name, "DNS name of the DP TLS certificate")
      ->capture_default_str();
  init->add_option("--eim-oid", o->pki.eim_oid,
                   "subjectAltName registeredID of the eIM certificate")
      ->capture_default_str();
  init->add_flag("--force", o->force, "Write into a non-empty DIR, replacing the PKI files");
  init->add_flag("--json", o->json, "Print the files written as JSON");
  init->footer(
      "Writes DIR/nist/ and/or DIR/brainpool/: ci.der ci.pem ci.key.pem, dp-auth.der + key,\n"
      "dp-pb.der + key, dp-tls.der + key + dp-tls.chain.pem (leaf then CI), eim.der + key,\n"
      "eum.der + key. Keys are PKCS#8 PEM, mode 0600.\n"
      "Examples:\n"
      "  euicc-sim pki init /tmp/pki\n"
      "  euicc-sim pki init /tmp/pki --curve nist --eum-prefix 89049032 --seed 1\n"
      "  euicc-sim card new --pki /tmp/pki --curve nist");
  init->callback([o] { run_init(*o); });
}

}  // namespace euiccsim::tools
