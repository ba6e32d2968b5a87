// GSMA certificate-chain validation (SGP.22 v2.5 §4.5.2 certificate profiles, §5.7.13/§5.7.14
// checks): a CI -> SM-DP+ certificate (DPauth for AuthenticateServer, DPpb for
// PrepareDownload), and a CI -> EUM -> eUICC chain (what an SM-DP+ checks of a card).
//
// The rules are GSMA's, not RFC 5280's: the role is a certificatePolicies OID, the EUM's
// nameConstraints permit EIDs by serialNumber *prefix*, and no validity period is checked
// unless a time is given (a card has no clock).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "euiccsim/crypto/bytes.hpp"
#include "euiccsim/crypto/ecdsa.hpp"

namespace euiccsim::crypto {

// GSMA role OIDs (id-rspRole, 2.23.146.1.2.1.x) a chain is checked for.
enum class RspRole : std::uint8_t { kCi, kEuicc, kEum, kDpTls, kDpAuth, kDpPb, kDsTls, kDsAuth };
const char* role_oid(RspRole);

// Why a chain was refused, in the terms of SGP.22's AuthenticateErrorCode (the ES10b handler
// maps them one to one).
enum class ChainFailure : std::uint8_t {
  kInvalidCertificate,  // malformed, wrong issuer/AKI, bad signature by its issuer, expired,
                        // unknown critical extension, EID outside the EUM's nameConstraints
  kUnsupportedCurve,    // a key on a curve other than P-256 / brainpoolP256r1
  kInvalidOid,          // certificatePolicies lack the expected role OID
  kCiPkUnknown,         // the CI named is not among the trusted ones
};

struct ChainOptions {
  // When set, every certificate's notBefore <= time <= notAfter is checked too.
  std::optional<std::chrono::system_clock::time_point> at_time;
};

struct ChainResult {
  std::optional<ChainFailure> failure;  // empty: the chain verifies
  std::string reason;                   // one line, for logs and errors
  // Filled on success:
  Bytes ci_pkid;                 // the SKI of the CI the chain ends at
  std::optional<PublicKey> key;  // the leaf's public key
  // The leaf's subjectAltName registeredID, dotted (the SM-DP+ OID of SGP.22's smdpOid and
  // EuiccCancelSessionSigned); empty if it has none.
  std::string registered_id;
  std::string eid;  // verify_euicc_chain only: the eUICC certificate's serialNumber

  explicit operator bool() const { return !failure; }
};

// An SM-DP+ (or other server) certificate issued directly by a CI. `ci_pkid` is the
// euiccCiPKIdToBeUsed of the request (or, when empty, the leaf's AKI chooses): it must be
// the SKI of one of `trusted_ci_certs` (else kCiPkUnknown) and the leaf's AKI must equal it.
ChainResult verify_server_certificate(ByteView cert_der, RspRole role,
                                      const std::vector<Bytes>& trusted_ci_certs,
                                      ByteView ci_pkid, const ChainOptions& options = {});

// An eUICC certificate, its EUM certificate and a trusted CI: signatures, AKI/SKI links, the
// role OIDs, the EUM a CA with its nameConstraints admitting the EID (prefix match of the
// permitted serialNumber values, GSMA's rule), the EID 32 digits.
ChainResult verify_euicc_chain(ByteView euicc_cert_der, ByteView eum_cert_der,
                               const std::vector<Bytes>& trusted_ci_certs,
                               const ChainOptions& options = {});

}  // namespace euiccsim::crypto
