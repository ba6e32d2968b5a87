// ECASD: the eUICC Controlling Authority Security Domain, holder of the card's identity
// (GSMA SGP.22 §2.4.3): the eUICC key pair, the eUICC and EUM certificates and the trusted CI
// keys. It answers SELECT and GET DATA for the EID (the probe SGP.02 tools such as pySim use
// to recognise an eUICC); the ISD-R asks it to sign.
#pragma once

#include <optional>

#include "euiccsim/applets/applet.hpp"
#include "euiccsim/crypto/ecdsa.hpp"

namespace euiccsim::applets {

class Ecasd final : public Applet {
 public:
  explicit Ecasd(Bytes aid) : aid_(std::move(aid)) {}
  const Bytes& aid() const override { return aid_; }
  std::string name() const override { return "ECASD"; }
  apdu::Response select(AppletContext& ctx) override;
  apdu::Response process(AppletContext& ctx, const apdu::Command& cmd) override;

 private:
  Bytes aid_;
};

}  // namespace euiccsim::applets

namespace euiccsim::applets::ecasd {

// Raw r||s ECDSA/SHA-256 signature of `message` with the eUICC private key (the 5F37 value).
// Throws std::runtime_error if the card has no identity.
Bytes sign(const CardIdentity& identity, ByteView message);

// The eUICC private key decoded from the card state, kept for the next signatures for as long
// as the state holds the same key: decoding it costs a scalar multiplication (its public
// point), as much as the signature. Volatile: it lives in the ISD-R's session, which every
// reset clears, and never reaches the card image.
class KeyCache {
 public:
  // The identity's key, decoded again only when it differs from the one cached.
  const crypto::PrivateKey& key(const CardIdentity& identity);

 private:
  SecureBytes pkcs8_;  // what key_ was decoded from
  std::optional<crypto::PrivateKey> key_;
};
// sign() with the key from `cache`: the same signature.
Bytes sign(const CardIdentity& identity, ByteView message, KeyCache& cache);
// The CI PKIDs (subject key identifiers) the card trusts: euiccCiPKIdListForVerification.
std::vector<Bytes> ci_pkids_for_verification(const CardIdentity& identity);
// The PKIDs of the CIs that certified the card's own chain: euiccCiPKIdListForSigning.
std::vector<Bytes> ci_pkids_for_signing(const CardIdentity& identity);

}  // namespace euiccsim::applets::ecasd
