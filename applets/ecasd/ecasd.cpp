#include "euiccsim/applets/ecasd.hpp"

#include <stdexcept>

#include "euiccsim/applets/security_domain.hpp"
#include "euiccsim/crypto/certificate.hpp"
#include "euiccsim/crypto/ecdsa.hpp"
#include "euiccsim/crypto/tlv.hpp"

namespace euiccsim::applets {

apdu::Response Ecasd::select(AppletContext&) {
  return apdu::Response::ok(security_domain_fci(aid_));
}

apdu::Response Ecasd::process(AppletContext& ctx, const apdu::Command& cmd) {
  constexpr std::uint8_t kGetData = 0xCA;
  if (cmd.ins != kGetData) return apdu::Response::status(apdu::sw::kInsNotSupported);
  if (cmd.has_data()) return apdu::Response::status(apdu::sw::kWrongLength);
  // GET DATA, P1-P2 = the tag asked for; only the EID (5A) is public.
  if (cmd.p1 != 0x00 || cmd.p2 != 0x5A) {
    return apdu::Response::status(apdu::sw::kReferencedDataNotFound);
  }
  return apdu::Response::ok(tlv::encode(0x5A, ctx.state().eid.bytes()));
}

}  // namespace euiccsim::applets

namespace euiccsim::applets::ecasd {

Bytes sign(const CardIdentity& identity, ByteView message) {
  if (identity.euicc_private_key.empty()) throw std::runtime_error("the card has no eUICC key");
  return crypto::PrivateKey::from_pkcs8(identity.euicc_private_key).sign(message);
}

const crypto::PrivateKey& KeyCache::key(const CardIdentity& identity) {
  if (identity.euicc_private_key.empty()) throw std::runtime_error("the card has no eUICC key");
  if (!key_ || pkcs8_ != identity.euicc_private_key) {
    key_.reset();
    pkcs8_.clear();
    key_ = crypto::PrivateKey::from_pkcs8(identity.euicc_private_key);
    pkcs8_ = identity.euicc_private_key;
  }
  return *key_;
}

Bytes sign(const CardIdentity& identity, ByteView message, KeyCache& cache) {
  return cache.key(identity).sign(message);
}

std::vector<Bytes> ci_pkids_for_verification(const CardIdentity& identity) {
  std::vector<Bytes> out;
  for (const auto& ci : identity.ci_certificates) {
    try {
      out.push_back(crypto::subject_key_identifier(ci));
    } catch (const crypto::CertificateError&) {
      // A CI without a key identifier cannot be named in ES10; it is skipped, not fatal.
    }
  }
  return out;
}

std::vector<Bytes> ci_pkids_for_signing(const CardIdentity& identity) {
  // The card signs with one key, certified through its EUM by the CI the EUM names.
  std::vector<Bytes> out;
  if (identity.eum_certificate.empty()) return out;
  try {
    auto aki = crypto::authority_key_identifier(identity.eum_certificate);
    if (!aki.empty()) out.push_back(aki);
  } catch (const crypto::CertificateError&) {
  }
  return out;
}

}  // namespace euiccsim::applets::ecasd
