// Facts read from DER X.509 certificates: the identifiers, names and extensions GSMA chain
// validation looks at, and the signature check.
//
// A strict DER parser of our own reads them, not Botan's X509_Certificate: Botan 2 rejects
// times after the year 3100, and every SGP.22 eUICC certificate says notAfter 9999-12-31.
#pragma once

#include <chrono>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "euiccsim/crypto/bytes.hpp"
#include "euiccsim/crypto/ecdsa.hpp"

namespace euiccsim::crypto {

// A certificate that is not well-formed DER X.509, or lacks what was asked of it. The
// message names the part.
class CertificateError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The subjectKeyIdentifier extension's keyIdentifier (20 bytes in GSMA certificates);
// CertificateError if the extension is absent. CI SKIs are the PKIds of ES10 messages.
Bytes subject_key_identifier(ByteView cert_der);
// The authorityKeyIdentifier extension's keyIdentifier; empty if either is absent.
Bytes authority_key_identifier(ByteView cert_der);
// The first value of the subject DN's serialNumber attribute (2.5.4.5), empty if none. In an
// eUICC certificate it is the EID.
std::string subject_serial_number(ByteView cert_der);
// The first value of a subject DN attribute (dotted OID, e.g. "2.5.4.10" for O); empty if none.
std::string subject_attribute(ByteView cert_der, std::string_view oid);
// One line for humans, attributes in encoded order as `openssl x509 -subject` prints them:
// "CN=Test CI, OU=TESTCERT, O=RSPTEST, C=IT".
std::string subject_name(ByteView cert_der);
std::string issuer_name(ByteView cert_der);
// The certificatePolicies policy identifiers, dotted (GSMA role OIDs 2.23.146.1.2.1.x).
std::vector<std::string> certificate_policies(ByteView cert_der);
// The serialNumber values of directoryName permitted subtrees in nameConstraints: for an EUM
// certificate, the EID prefixes it may issue. Empty if there are none.
std::vector<std::string> permitted_serial_numbers(ByteView cert_der);

// The first registeredID of the subjectAltName extension, dotted; empty if there is none. In
// an SM-DP+ certificate it is the SM-DP+ OID (smdpOid), 2.999.10 in SGP.26.
std::string subject_alt_name_registered_id(ByteView cert_der);

// notBefore and notAfter, UTCTime or GeneralizedTime, in whole seconds: sys_seconds rather
// than system_clock's nanoseconds, which end in 2262 and so cannot hold an eUICC
// certificate's 9999-12-31. Only the DER forms (YYMMDDHHMMSSZ, YYYYMMDDHHMMSSZ) are accepted.
struct Validity {
  std::chrono::sys_seconds not_before;
  std::chrono::sys_seconds not_after;
};
Validity certificate_validity(ByteView cert_der);

struct CertificateExtension {
  std::string oid;  // dotted
  bool critical = false;
  Bytes value;  // the extension's own DER (contents of extnValue)
};
// All extensions in encoded order (so a validator can refuse unknown critical ones).
std::vector<CertificateExtension> certificate_extensions(ByteView cert_der);

// Whether `issuer` made the certificate's signature (ecdsa-with-SHA256 over the DER
// TBSCertificate). Only the signature: no names, dates or extensions are checked. False if
// the signature does not verify or is not a well-formed ECDSA-Sig-Value; CertificateError if
// the certificate is malformed or signed with another algorithm.
bool signed_by(ByteView cert_der, const PublicKey& issuer);

}  // namespace euiccsim::crypto
