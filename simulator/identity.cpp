#include "euiccsim/simulator/identity.hpp"

#include <botan/pem.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>

#include "euiccsim/crypto/certificate.hpp"

namespace euiccsim::sim {

namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw IssuerError("cannot read " + p.string());
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

[[noreturn]] void fail_errno(const std::string& what, const fs::path& p) {
  throw IssuerError(what + " " + p.string() + ": " + std::strerror(errno));
}

// A temporary file beside the target, fsynced, then renamed over it: a reader (or a crash)
// sees the old file or the new one, never half of one. Keys are 0600 from the moment they
// exist (fchmod too, since a leftover temporary file keeps its old mode through O_TRUNC).
void write_atomically(const fs::path& p, std::string_view data, bool secret) {
  auto tmp = p;
  tmp += ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
                  secret ? 0600 : 0644);
  if (fd < 0) fail_errno("cannot write", tmp);
  bool ok = !secret || ::fchmod(fd, 0600) == 0;
  for (std::size_t done = 0; ok && done < data.size();) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<std::size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  const int saved = errno;
  ::close(fd);
  if (!ok) {
    ::unlink(tmp.c_str());
    errno = saved;
    fail_errno("cannot write", tmp);
  }
  if (::rename(tmp.c_str(), p.c_str()) != 0) {
    const int e = errno;
    ::unlink(tmp.c_str());
    errno = e;
    fail_errno("cannot rename onto", p);
  }
}

void fsync_directory(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) fail_errno("cannot open directory", dir);
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) fail_errno("cannot fsync directory", dir);
}

std::string as_text(ByteView b) {
  return std::string(b.begin(), b.end());
}

std::string certificate_pem(ByteView der) {
  return Botan::PEM_Code::encode(der.data(), der.size(), "CERTIFICATE");
}

std::string hex_of(ByteView b) {
  return b.empty() ? std::string("(none)") : to_hex(b);
}

bool has_policy(ByteView cert, const char* role) {
  const auto policies = crypto::certificate_policies(cert);
  return std::find(policies.begin(), policies.end(), role) != policies.end();
}

const char* curve_text(crypto::Curve c) {
  return crypto::curve_name(c);
}

}  // namespace

CardIssuer card_issuer(const Issuer& issuer) {
  return CardIssuer{issuer.eum, {issuer.ci.certificate}};
}

Issuer make_test_issuer(crypto::Drbg& drbg, const std::string& eid_prefix) {
  auto ci = crypto::make_ci({}, drbg);
  crypto::EumOptions options;
  options.eid_prefix = eid_prefix;
  auto eum = crypto::make_eum(ci, options, drbg);
  return Issuer{std::move(ci), std::move(eum)};
}

// ---- Test PKI directories ----

const char* pki_curve_folder(crypto::Curve curve) {
  return curve == crypto::Curve::kNistP256 ? "nist" : "brainpool";
}

// "2.999.20": a first arc 0-2, then arcs of at most 18 digits (so they fit 64 bits); short
// enough for a one-byte DER length.
bool is_dotted_oid(std::string_view s) {
  if (s.size() < 3 || s.size() > 80 || s[0] < '0' || s[0] > '2' || s[1] != '.') return false;
  std::size_t run = 0, arc = 1;
  std::string second;
  for (char c : s.substr(2)) {
    if (c == '.') {
      if (run == 0) return false;
      run = 0;
      ++arc;
    } else if (c >= '0' && c <= '9' && run < 18) {
      ++run;
      if (arc == 1) second += c;
    } else {
      return false;
    }
  }
  // Under arcs 0 and 1 the second arc is below 40 (X.660).
  return run > 0 && (s[0] == '2' || std::stoull(second) < 40);
}

TestPki make_test_pki(crypto::Curve curve, const TestPkiOptions& options, crypto::Drbg& drbg) {
  crypto::CiOptions ci_options;
  ci_options.curve = curve;
  ci_options.common_name =
      curve == crypto::Curve::kNistP256 ? "euicc-sim Test CI NIST" : "euicc-sim Test CI BRP";
  auto ci = crypto::make_ci(ci_options, drbg);
  crypto::EumOptions eum_options;
  eum_options.eid_prefix = options.eum_prefix;
  auto eum = crypto::make_eum(ci, eum_options, drbg);
  crypto::ServerOptions server;
  server.registered_id = options.smdp_oid;
  server.dns_name = options.tls_name;
  auto dp_auth = crypto::make_dp_auth(ci, server, drbg);
  auto dp_pb = crypto::make_dp_pb(ci, server, drbg);
  auto dp_tls = crypto::make_dp_tls(ci, server, drbg);
  crypto::EimOptions eim_options;
  eim_options.registered_id = options.eim_oid;
  auto eim = crypto::make_eim(ci, eim_options, drbg);
  return TestPki{std::move(ci),    std::move(eum),    std::move(dp_auth),
                 std::move(dp_pb), std::move(dp_tls), std::move(eim)};
}

std::vector<PkiFile> write_test_pki(const fs::path& dir, crypto::Curve curve, const TestPki& pki) {
  const fs::path folder = dir / pki_curve_folder(curve);
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec) throw IssuerError("cannot create " + folder.string() + ": " + ec.message());
  std::vector<PkiFile> written;
  auto put = [&](const char* name, const std::string& role, std::string_view data, bool secret) {
    write_atomically(folder / name, data, secret);
    written.push_back({folder / name, role, secret});
  };
  auto cert_and_key = [&](const char* stem, const std::string& role, const crypto::Issued& i) {
    put((std::string(stem) + ".der").c_str(), role + "-certificate", as_text(i.certificate), false);
    put((std::string(stem) + ".key.pem").c_str(), role + "-key", i.key.pkcs8_pem(), true);
  };
  put("ci.der", "ci-certificate", as_text(pki.ci.certificate), false);
  // PEM for TLS clients (curl --cacert, an LPA's trust store).
  put("ci.pem", "ci-certificate-pem", certificate_pem(pki.ci.certificate), false);
  put("ci.key.pem", "ci-key", pki.ci.key.pkcs8_pem(), true);
  cert_and_key("dp-auth", "dp-auth", pki.dp_auth);
  cert_and_key("dp-pb", "dp-pb", pki.dp_pb);
  cert_and_key("dp-tls", "dp-tls", pki.dp_tls);
  // What an HTTPS server loads as its certificate chain: the leaf, then the CI.
  put("dp-tls.chain.pem", "dp-tls-chain",
      certificate_pem(pki.dp_tls.certificate) + certificate_pem(pki.ci.certificate), false);
  cert_and_key("eim", "eim", pki.eim);
  put("eum.der", "eum-certificate", as_text(pki.eum.certificate), false);
  // The EUM key last: its presence marks a complete PKI for readers that look for it.
  put("eum.key.pem", "eum-key", pki.eum.key.pkcs8_pem(), true);
  fsync_directory(folder);
  return written;
}

// ---- Reading issuers ----

Bytes read_certificate_file(const fs::path& path) {
  const std::string text = slurp(path);
  Bytes der;
  if (auto begin = text.find("-----BEGIN CERTIFICATE-----"); begin != std::string::npos) {
    try {
      auto decoded = Botan::PEM_Code::decode_check_label(text.substr(begin), "CERTIFICATE");
      der.assign(decoded.begin(), decoded.end());
    } catch (const std::exception&) {
      throw IssuerError(path.string() + ": malformed PEM certificate");
    }
  } else if (text.find("-----BEGIN") != std::string::npos) {
    throw IssuerError(path.string() + ": a PEM file without a CERTIFICATE block");
  } else {
    der.assign(text.begin(), text.end());
  }
  try {
    (void)crypto::subject_name(der);
  } catch (const crypto::CertificateError& e) {
    throw IssuerError(path.string() + ": not a DER or PEM X.509 certificate (" + e.what() + ")");
  }
  return der;
}

crypto::PrivateKey read_private_key_file(const fs::path& path) {
  try {
    return crypto::PrivateKey::from_pem(slurp(path));
  } catch (const crypto::KeyError& e) {
    throw IssuerError(path.string() + ": " + e.what());
  }
}

namespace {

// A CI certificate the card may trust: our key types, an SKI (its PKId), the CI role.
Bytes checked_ci(const fs::path& path, Bytes& ski) {
  Bytes ci = read_certificate_file(path);
  try {
    ski = crypto::subject_key_identifier(ci);
    (void)crypto::PublicKey::from_certificate(ci);
  } catch (const std::exception& e) {
    throw IssuerError(path.string() + ": cannot be a trusted CI (" + e.what() + ")");
  }
  if (!has_policy(ci, crypto::kRoleCi)) {
    throw IssuerError(path.string() + ": not a CI certificate (no id-rspRole-ci " +
                      crypto::kRoleCi + " policy)");
  }
  return ci;
}

bool trusts(const CardIssuer& issuer, const Bytes& ski) {
  return std::any_of(issuer.trusted_cis.begin(), issuer.trusted_cis.end(),
                     [&](const Bytes& c) { return crypto::subject_key_identifier(c) == ski; });
}

}  // namespace

CardIssuer load_card_issuer(const fs::path& eum_certificate, const fs::path& eum_key,
                            const std::vector<fs::path>& ci_files) {
  Bytes eum = read_certificate_file(eum_certificate);
  crypto::PrivateKey key = read_private_key_file(eum_key);
  std::optional<crypto::PublicKey> eum_pub;
  try {
    eum_pub = crypto::PublicKey::from_certificate(eum);
  } catch (const crypto::KeyError& e) {
    throw IssuerError(eum_certificate.string() + ": " + e.what());
  }
  if (!has_policy(eum, crypto::kRoleEum)) {
    throw IssuerError(eum_certificate.string() + ": not an EUM certificate (no id-rspRole-eum " +
                      crypto::kRoleEum + " policy)");
  }
  if (key.public_key() != *eum_pub) {
    throw IssuerError(eum_key.string() + " is not the key of the EUM certificate " +
                      eum_certificate.string());
  }
  const Bytes aki = crypto::authority_key_identifier(eum);
  CardIssuer out{crypto::Issued{eum, key}, {}};
  std::string seen;
  bool found = false;
  for (const auto& f : ci_files) {
    Bytes ski;
    Bytes ci = checked_ci(f, ski);
    if (trusts(out, ski)) continue;  // the same CI given twice
    // The EUM's issuer: named by its AKI (SGP.22 chains by key identifiers) and really its
    // signer; a CI that only carries the named identifier is refused, not trusted silently.
    const bool named = aki.empty() || ski == aki;
    const bool issued = named && crypto::signed_by(eum, crypto::PublicKey::from_certificate(ci));
    if (named && !issued && !aki.empty()) {
      throw IssuerError(f.string() + " has the key identifier the EUM names but did not sign it");
    }
    if (issued) {
      out.trusted_cis.insert(out.trusted_cis.begin(), std::move(ci));
      found = true;
    } else {
      seen += (seen.empty() ? "" : ", ") + f.filename().string() + " " + hex_of(ski);
      out.trusted_cis.push_back(std::move(ci));
    }
  }
  if (!found) {
    throw IssuerError("the EUM " + eum_certificate.filename().string() + " was issued by CI key " +
                      hex_of(aki) + ", which none of the given CI certificates has" +
                      (seen.empty() ? std::string() : " (" + seen + ")"));
  }
  return out;
}

void add_trusted_cis(CardIssuer& issuer, const std::vector<fs::path>& ci_files) {
  for (const auto& f : ci_files) {
    Bytes ski;
    Bytes ci = checked_ci(f, ski);
    if (!trusts(issuer, ski)) issuer.trusted_cis.push_back(std::move(ci));
  }
}

CardIssuer pki_directory_issuer(const fs::path& dir, crypto::Curve curve) {
  std::error_code ec;
  fs::path base = dir / pki_curve_folder(curve);
  // One curve's folder given directly, or the state directory's old flat layout.
  if (!fs::exists(base / "eum.der", ec) && fs::exists(dir / "eum.der", ec)) base = dir;
  if (!fs::exists(base / "eum.der", ec)) {
    throw IssuerError(dir.string() + ": no " + pki_curve_folder(curve) +
                      "/eum.der (make a test PKI with: euicc-sim pki init " + dir.string() + ")");
  }
  CardIssuer issuer = load_card_issuer(base / "eum.der", base / "eum.key.pem", {base / "ci.der"});
  if (issuer.eum.key.curve() != curve) {
    throw IssuerError((base / "eum.der").string() + " is a " + curve_text(issuer.eum.key.curve()) +
                      " EUM, not " + curve_text(curve));
  }
  return issuer;
}

CardIssuer state_directory_issuer(const fs::path& dir, crypto::Drbg& drbg, crypto::Curve curve) {
  const fs::path pki = dir / "pki";
  std::error_code ec;
  // Compatibility: state directories made before `pki init` existed hold one NIST CI and EUM
  // directly in pki/ (ci.der, ci.key.pem, eum.der, eum.key.pem). Their cards chain to that CI,
  // so it stays; pki_directory_issuer reads the flat layout.
  if (fs::exists(pki / "eum.key.pem", ec)) return pki_directory_issuer(pki, curve);
  if (!fs::exists(pki, ec)) {
    // Made whole in a temporary folder and renamed into place, so pki/ is either absent or
    // complete, even with two first runs at once (the loser's rename fails; it reads the
    // winner's PKI).
    fs::create_directories(dir, ec);
    if (ec) throw IssuerError("cannot create " + dir.string() + ": " + ec.message());
    const fs::path tmp = dir / (".pki.tmp." + std::to_string(::getpid()));
    fs::remove_all(tmp, ec);
    // A seeded card's PKI is repeatable: it is `pki init --seed S` for a seed drawn from it.
    std::optional<std::uint64_t> seed;
    if (drbg.deterministic()) seed = drbg.uniform(std::numeric_limits<std::uint64_t>::max());
    try {
      for (auto c : {crypto::Curve::kNistP256, crypto::Curve::kBrainpoolP256r1}) {
        const std::string personalization = std::string("pki/") + pki_curve_folder(c);
        auto d = seed ? crypto::Drbg::from_seed(*seed, personalization) : crypto::Drbg::from_os();
        write_test_pki(tmp, c, make_test_pki(c, TestPkiOptions{}, d));
      }
    } catch (...) {
      fs::remove_all(tmp, ec);
      throw;
    }
    if (::rename(tmp.c_str(), pki.c_str()) != 0) fs::remove_all(tmp, ec);
    fsync_directory(dir);
  }
  return pki_directory_issuer(pki, curve);
}

// ---- EIDs that fit an EUM ----

std::vector<std::string> permitted_eid_prefixes(const CardIssuer& issuer) {
  return crypto::permitted_serial_numbers(issuer.eum.certificate);
}

std::string why_eid_outside(const CardIssuer& issuer, std::string_view eid) {
  const auto prefixes = permitted_eid_prefixes(issuer);
  if (prefixes.empty()) return {};
  for (const auto& p : prefixes) {
    if (eid.substr(0, p.size()) == p) return {};
  }
  std::string list;
  for (const auto& p : prefixes) list += (list.empty() ? "" : ", ") + p;
  return "EID " + std::string(eid) + " is outside the EUM's permitted prefix " + list +
         " (its nameConstraints)";
}

std::string eid_prefix_for(const CardIssuer& issuer, const std::string& requested,
                           bool explicit_request) {
  const auto prefixes = permitted_eid_prefixes(issuer);
  if (prefixes.empty()) return requested;
  for (const auto& p : prefixes) {
    if (requested.rfind(p, 0) == 0) return requested;  // at least as specific as the EUM's
  }
  for (const auto& p : prefixes) {
    // The user's prefix is a start of the EUM's (or it was only the default): the EUM's one
    // satisfies both.
    if (explicit_request && p.rfind(requested, 0) != 0) continue;
    std::string prefix = p;
    if (prefix.size() < 2 && std::string_view("89").substr(0, prefix.size()) == prefix)
      prefix = "89";
    if (prefix.size() > 30 || prefix.rfind("89", 0) != 0) {
      throw IssuerError("the EUM's permitted prefix " + p +
                        " cannot start a generated EID (89 and 2 to 30 digits); give --eid");
    }
    return prefix;
  }
  throw IssuerError("--eid-prefix " + requested + " is outside the EUM's permitted prefix " +
                    prefixes.front() + " (its nameConstraints)");
}

void issue_identity(CardState& state, const Issuer& issuer, crypto::Drbg& drbg) {
  issue_identity(state, card_issuer(issuer), drbg);
}

void issue_identity(CardState& state, const CardIssuer& issuer, crypto::Drbg& drbg) {
  auto euicc = crypto::make_euicc(issuer.eum, state.eid.str(), drbg);
  state.identity.euicc_private_key = euicc.key.pkcs8();
  state.identity.euicc_certificate = std::move(euicc.certificate);
  state.identity.eum_certificate = issuer.eum.certificate;
  state.identity.ci_certificates = issuer.trusted_cis;
}

}  // namespace euiccsim::sim
