#include "euiccsim/simulator/identity.hpp"

#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "euiccsim/crypto/certificate.hpp"
#include "euiccsim/simulator/card_image.hpp"

namespace euiccsim::sim {

namespace {

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw ImageError("cannot read " + p.string());
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void write(const std::filesystem::path& p, std::string_view data, bool secret) {
  auto tmp = p;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw ImageError("cannot write " + tmp.string());
    if (secret) ::chmod(tmp.c_str(), 0600);
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    if (!out.flush()) throw ImageError("cannot write " + tmp.string());
  }
  std::filesystem::rename(tmp, p);
}

std::string as_text(ByteView b) {
  return std::string(b.begin(), b.end());
}

}  // namespace

Issuer make_test_issuer(crypto::Drbg& drbg, const std::string& eid_prefix) {
  auto ci = crypto::make_ci({}, drbg);
  crypto::EumOptions options;
  options.eid_prefix = eid_prefix;
  auto eum = crypto::make_eum(ci, options, drbg);
  return Issuer{std::move(ci), std::move(eum)};
}

Issuer state_directory_issuer(const std::filesystem::path& dir, crypto::Drbg& drbg) {
  const auto pki = dir / "pki";
  const auto ci_cert = pki / "ci.der", ci_key = pki / "ci.key.pem";
  const auto eum_cert = pki / "eum.der", eum_key = pki / "eum.key.pem";
  if (!std::filesystem::exists(eum_key)) {
    std::filesystem::create_directories(pki);
    auto issuer = make_test_issuer(drbg);
    write(ci_cert, as_text(issuer.ci.certificate), false);
    write(ci_key, issuer.ci.key.pkcs8_pem(), true);
    write(eum_cert, as_text(issuer.eum.certificate), false);
    // The EUM key last: its presence marks a complete issuer.
    write(eum_key, issuer.eum.key.pkcs8_pem(), true);
    return issuer;
  }
  try {
    auto read_der = [](const std::filesystem::path& p) {
      auto s = slurp(p);
      return Bytes(s.begin(), s.end());
    };
    return Issuer{{read_der(ci_cert), crypto::PrivateKey::from_pem(slurp(ci_key))},
                  {read_der(eum_cert), crypto::PrivateKey::from_pem(slurp(eum_key))}};
  } catch (const crypto::KeyError& e) {
    throw ImageError(pki.string() + ": " + e.what());
  }
}

void issue_identity(CardState& state, const Issuer& issuer, crypto::Drbg& drbg) {
  auto euicc = crypto::make_euicc(issuer.eum, state.eid.str(), drbg);
  state.identity.euicc_private_key = euicc.key.pkcs8();
  state.identity.euicc_certificate = std::move(euicc.certificate);
  state.identity.eum_certificate = issuer.eum.certificate;
  state.identity.ci_certificates = {issuer.ci.certificate};
}

}  // namespace euiccsim::sim
