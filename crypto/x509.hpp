// An X.509 certificate taken apart into the views the rest of crypto/ reads. Private to crypto/.
//
// Ours rather than Botan's X509_Certificate: Botan 2 refuses any time after the year 3100, and
// SGP.22 eUICC certificates say notAfter 9999-12-31 (a card has no clock), so Botan cannot even
// load the certificate a card presents.
#pragma once

#include <string>
#include <vector>

#include "euiccsim/crypto/bytes.hpp"
#include "euiccsim/crypto/tlv.hpp"

namespace euiccsim::crypto::x509 {

struct Extension {
  std::string oid;  // dotted
  bool critical = false;
  ByteView value;  // the contents of extnValue (the extension's own DER)
};

// Views into the caller's buffer, which must outlive them.
struct Parts {
  ByteView tbs;                      // TBSCertificate, whole TLV: what the signature covers
  int version = 1;                   // 1, 2 or 3
  ByteView serial;                   // INTEGER contents
  ByteView signature_algorithm;      // outer AlgorithmIdentifier, whole TLV
  ByteView issuer;                   // Name, whole TLV
  ByteView validity;                 // Validity, whole TLV
  ByteView subject;                  // Name, whole TLV
  ByteView subject_public_key_info;  // whole TLV
  std::vector<Extension> extensions;
  ByteView signature;  // signatureValue BIT STRING bytes
};

// Throws CertificateError (certificate.hpp) naming the malformed part.
Parts split(ByteView cert_der);

const Extension* find(const Parts& parts, std::string_view oid);

// One attribute of a Name (RDNSequence), in encoded order.
struct Attribute {
  std::string oid;  // dotted
  tlv::Tlv value;   // the AttributeValue (usually a string type)
};
std::vector<Attribute> name_attributes(ByteView name_der);
// An attribute value as text: the string types as UTF-8; anything else as RFC 4514 "#hex".
std::string attribute_text(const tlv::Tlv& value);

}  // namespace euiccsim::crypto::x509
