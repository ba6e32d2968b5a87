// A test PKI shaped like GSMA SGP.22 v2.5 §4.5.2's certificate profiles: a CI, an EUM it
// certifies, and eUICC certificates the EUM issues (X.509 v3, ecdsa-with-SHA256, named-curve
// keys, role OIDs in certificatePolicies).
//
// Everything comes from the Drbg: with a seeded one, the same calls give byte-identical
// certificates and keys (validity dates are fixed for the same reason; a card has no clock).
// Each make_* draws, in order, the new key's scalar and then the 16-byte serial number.
#pragma once

#include <string>
#include <string_view>

#include "euiccsim/crypto/bytes.hpp"
#include "euiccsim/crypto/drbg.hpp"
#include "euiccsim/crypto/ecdsa.hpp"

namespace euiccsim::crypto {

// GSMA role OIDs (SGP.22 RSPDefinitions, id-rspRole), placed in certificatePolicies.
inline constexpr const char* kRoleCi = "2.23.146.1.2.1.0";
inline constexpr const char* kRoleEuicc = "2.23.146.1.2.1.1";
inline constexpr const char* kRoleEum = "2.23.146.1.2.1.2";
inline constexpr const char* kRoleDpTls = "2.23.146.1.2.1.3";
inline constexpr const char* kRoleDpAuth = "2.23.146.1.2.1.4";
inline constexpr const char* kRoleDpPb = "2.23.146.1.2.1.5";

// A certificate and its private key.
struct Issued {
  Bytes certificate;  // DER
  PrivateKey key;
};

struct CiOptions {
  Curve curve = Curve::kNistP256;
  std::string organisation = "euicc-sim";
  std::string common_name = "euicc-sim Test CI";
};
// Self-signed, subject {O, CN}: basicConstraints CA (critical), keyUsage keyCertSign|cRLSign
// (critical), subjectKeyIdentifier, certificatePolicies id-rspRole-ci (critical, as in SGP.26).
// Valid 2025-01-01 to 2060-12-31.
Issued make_ci(const CiOptions&, Drbg&);

struct EumOptions {
  std::string organisation = "euicc-sim EUM";
  // EIDs this EUM may issue start with it (decimal digits, at most 32).
  std::string eid_prefix = "8900";
  std::string common_name = "euicc-sim Test EUM";
};
// Signed by the CI, on the CI's curve, subject {O, CN}: basicConstraints CA pathLen 0
// (critical), keyUsage keyCertSign (critical), AKI = the CI's SKI, SKI, certificatePolicies
// id-rspRole-eum (critical), nameConstraints (critical) permitting directoryName
// {O = organisation, serialNumber = eid_prefix}: GSMA's form, in which the permitted
// serialNumber is a prefix of the EIDs the EUM may issue. Valid 2025-01-01 to 2060-12-31.
// std::invalid_argument for a bad prefix or a CI key that does not match its certificate.
Issued make_eum(const Issued& ci, const EumOptions&, Drbg&);

// Signed by the EUM, a new key on the EUM's curve, subject {O = the EUM subject's O,
// serialNumber = eid}, issuer = the EUM's subject (its exact bytes): keyUsage digitalSignature
// (critical), AKI = the EUM's SKI, SKI, certificatePolicies id-rspRole-euicc (critical). Valid
// 2025-01-01 to 9999-12-31 (SGP.22's eUICC profile). `eum` may be any EUM, for example
// SGP.26's test EUM with its key. std::invalid_argument if the EID is not 32 decimal digits,
// falls outside the EUM's nameConstraints prefixes, or the EUM key does not match its
// certificate.
Issued make_euicc(const Issued& eum, std::string_view eid, Drbg&);

struct ServerOptions {
  std::string organisation = "euicc-sim";
  std::string common_name = "euicc-sim Test SM-DP+";
  // subjectAltName registeredID: the SM-DP+ OID (SGP.26 uses 2.999.10).
  std::string registered_id = "2.999.10";
  // subjectAltName dNSName, TLS certificates only.
  std::string dns_name = "localhost";
};

// Issued by the CI on the CI's curve, as SGP.26's test SM-DP+ certificates are: subject {O, CN},
// keyUsage digitalSignature (critical), AKI = the CI's SKI, SKI, certificatePolicies with the
// role (id-rspRole-dp-auth / -dp-pb / -dp-tls), subjectAltName registeredID; TLS adds
// extendedKeyUsage serverAuth and the dNSName. Valid 2025-01-01 to 2060-12-31. An empty
// registered_id or dns_name is left out; std::invalid_argument for a malformed registered_id
// or a CI key that does not match its certificate.
Issued make_dp_auth(const Issued& ci, const ServerOptions&, Drbg&);
Issued make_dp_pb(const Issued& ci, const ServerOptions&, Drbg&);
Issued make_dp_tls(const Issued& ci, const ServerOptions&, Drbg&);

struct EimOptions {
  std::string organisation = "euicc-sim";
  std::string common_name = "euicc-sim Test eIM";
  // subjectAltName registeredID: the eIM's OID (an example arc, as SGP.26's OIDs are).
  std::string registered_id = "2.999.20";
};

// The eIM's signing certificate (SGP.32), issued by the CI on the CI's curve. SGP.32 v1.2
// defines no GSMA role OID for it, so it has no certificatePolicies: subject {O, CN},
// AKI = the CI's SKI, SKI, keyUsage digitalSignature (critical), subjectAltName registeredID.
// Valid 2025-01-01 to 2060-12-31. std::invalid_argument for an empty or malformed
// registered_id or a CI key that does not match its certificate.
Issued make_eim(const Issued& ci, const EimOptions&, Drbg&);

}  // namespace euiccsim::crypto
