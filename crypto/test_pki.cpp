#include "euiccsim/crypto/test_pki.hpp"

#include <arpa/inet.h>
#include <botan/hash.h>

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <vector>

#include "euiccsim/crypto/certificate.hpp"
#include "euiccsim/crypto/tlv.hpp"
#include "x509.hpp"

// The certificates are DER written by hand rather than by Botan's X509_CA::make_cert, whose
// X509_Time refuses the eUICC profile's notAfter (9999, past Botan 2's year 3100 limit) and
// whose Name_Constraints extension cannot be encoded in Botan 2.

namespace euiccsim::crypto {

namespace {

constexpr const char* kEcdsaWithSha256 = "1.2.840.10045.4.3.2";
constexpr const char* kOrganisation = "2.5.4.10";
constexpr const char* kCommonName = "2.5.4.3";
constexpr const char* kSerialNumber = "2.5.4.5";

// RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050.
constexpr std::string_view kNotBefore = "250101000000Z";
constexpr std::string_view kNotAfterCa = "20601231235959Z";
constexpr std::string_view kNotAfterEuicc = "99991231235959Z";

// KeyUsage bits (RFC 5280 §4.2.1.3).
constexpr int kDigitalSignature = 0;
constexpr int kKeyCertSign = 5;
constexpr int kCrlSign = 6;

ByteView text_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

Bytes utf8_string(std::string_view s) {
  return tlv::encode(tlv::kUtf8String, text_bytes(s));
}
Bytes printable_string(std::string_view s) {
  return tlv::encode(tlv::kPrintableString, text_bytes(s));
}

struct Attr {
  const char* oid;
  Bytes value;  // whole TLV
};

// One attribute per RDN, in the given order.
Bytes name(std::initializer_list<Attr> attrs) {
  Bytes rdns;
  for (const Attr& a : attrs) {
    Bytes atv = tlv::encode(tlv::kSequence, tlv::cat({tlv::oid(a.oid), a.value}));
    Bytes rdn = tlv::encode(tlv::kSet, atv);
    rdns.insert(rdns.end(), rdn.begin(), rdn.end());
  }
  return tlv::encode(tlv::kSequence, rdns);
}

Bytes extension(const char* oid, bool critical, ByteView value) {
  static const Bytes kTrue = {tlv::kBoolean, 0x01, 0xFF};
  return tlv::encode(tlv::kSequence,
                     tlv::cat({tlv::oid(oid), critical ? ByteView(kTrue) : ByteView(),
                               tlv::encode(tlv::kOctetString, value)}));
}

Bytes key_usage(std::initializer_list<int> bits) {
  int last = 0;
  std::uint16_t mask = 0;
  for (int b : bits) {
    mask = static_cast<std::uint16_t>(mask | (0x8000 >> b));
    last = std::max(last, b);
  }
  // DER drops trailing zero bits: as many bytes as the last set bit needs.
  Bytes contents = {static_cast<std::uint8_t>(7 - last % 8), static_cast<std::uint8_t>(mask >> 8)};
  if (last >= 8) contents.push_back(static_cast<std::uint8_t>(mask));
  return extension("2.5.29.15", true, tlv::encode(tlv::kBitString, contents));
}

Bytes basic_constraints_ca(std::optional<int> path_len) {
  Bytes contents = {tlv::kBoolean, 0x01, 0xFF};
  if (path_len) {
    Bytes n = tlv::unsigned_integer_tlv(Bytes{static_cast<std::uint8_t>(*path_len)});
    contents.insert(contents.end(), n.begin(), n.end());
  }
  return extension("2.5.29.19", true, tlv::encode(tlv::kSequence, contents));
}

Bytes certificate_policies(const char* role) {
  Bytes info = tlv::encode(tlv::kSequence, tlv::oid(role));
  return extension("2.5.29.32", true, tlv::encode(tlv::kSequence, info));
}

// RFC 5280 method 1: SHA-1 of the subjectPublicKey bits (here the uncompressed point).
Bytes key_identifier(const PublicKey& key) {
  auto sha1 = Botan::HashFunction::create_or_throw("SHA-1");
  Bytes point = key.point();
  sha1->update(point.data(), point.size());
  auto digest = sha1->final();
  return Bytes(digest.begin(), digest.end());
}

Bytes subject_key_id(const Bytes& id) {
  return extension("2.5.29.14", false, tlv::encode(tlv::kOctetString, id));
}

Bytes authority_key_id(const Bytes& id) {
  return extension("2.5.29.35", false,
                   tlv::encode(tlv::kSequence, tlv::encode(tlv::context_primitive(0), id)));
}

Bytes name_constraints(const Bytes& permitted_name) {
  // GeneralSubtree { base directoryName [4] (explicit: Name is a CHOICE) }, minimum 0 omitted.
  Bytes subtree = tlv::encode(tlv::kSequence, tlv::encode(tlv::context(4), permitted_name));
  Bytes permitted = tlv::encode(tlv::context(0), subtree);
  return extension("2.5.29.30", true, tlv::encode(tlv::kSequence, permitted));
}

// Positive and exactly 16 content bytes: the top bit cleared (no sign octet needed) and the
// next one set (no leading zero to strip).
Bytes serial_number(Drbg& drbg) {
  Bytes s = drbg.bytes(16);
  s[0] = static_cast<std::uint8_t>((s[0] & 0x3F) | 0x40);
  return tlv::unsigned_integer_tlv(s);
}

struct ToBeSigned {
  Bytes serial;  // INTEGER TLV
  ByteView issuer;
  ByteView subject;
  std::string_view not_after;
  const PublicKey* subject_key;
  std::vector<Bytes> extensions;
};

Bytes issue(const ToBeSigned& in, const PrivateKey& signer) {
  const Bytes alg = tlv::encode(tlv::kSequence, tlv::oid(kEcdsaWithSha256));
  Bytes extensions;
  for (const Bytes& e : in.extensions) extensions.insert(extensions.end(), e.begin(), e.end());
  const Bytes validity = tlv::encode(
      tlv::kSequence, tlv::cat({tlv::encode(tlv::kUtcTime, text_bytes(kNotBefore)),
                                tlv::encode(tlv::kGeneralizedTime, text_bytes(in.not_after))}));
  const Bytes tbs = tlv::encode(
      tlv::kSequence,
      tlv::cat({tlv::encode(tlv::context(0), tlv::unsigned_integer_tlv(Bytes{2})),  // v3
                in.serial, alg, in.issuer, validity, in.subject,
                in.subject_key->subject_public_key_info(),
                tlv::encode(tlv::context(3), tlv::encode(tlv::kSequence, extensions))}));
  Bytes signature = signature_raw_to_der(signer.sign(tbs));
  signature.insert(signature.begin(), 0x00);  // BIT STRING: no unused bits
  return tlv::encode(tlv::kSequence, tlv::cat({tbs, alg, tlv::encode(tlv::kBitString, signature)}));
}

void check_key_matches(const Issued& issuer, const char* role) {
  if (PublicKey::from_certificate(issuer.certificate) != issuer.key.public_key())
    throw std::invalid_argument(std::string(role) + " key does not match its certificate");
}

bool all_digits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// GeneralName choices (RFC 5280 §4.2.1.6), IMPLICIT: dNSName [2] IA5String, iPAddress [7]
// OCTET STRING, registeredID [8] OBJECT IDENTIFIER. A name that is an IP literal becomes an
// iPAddress: TLS clients (Botan 2.19, OpenSSL) match an address against those, not against
// dNSName (an IPAe reaching its eIM over BIP knows it by address).
Bytes subject_alt_name(std::string_view dns_name, std::string_view registered_id) {
  Bytes names;
  if (!dns_name.empty()) {
    const std::string text(dns_name);
    std::uint8_t ip[16];
    Bytes name;
    if (::inet_pton(AF_INET, text.c_str(), ip) == 1) {
      name = tlv::encode(tlv::context_primitive(7), Bytes(ip, ip + 4));
    } else if (::inet_pton(AF_INET6, text.c_str(), ip) == 1) {
      name = tlv::encode(tlv::context_primitive(7), Bytes(ip, ip + 16));
    } else {
      name = tlv::encode(tlv::context_primitive(2), text_bytes(dns_name));
    }
    names.insert(names.end(), name.begin(), name.end());
  }
  if (!registered_id.empty()) {
    Bytes oid = tlv::oid(registered_id);
    oid[0] = tlv::context_primitive(8);
    names.insert(names.end(), oid.begin(), oid.end());
  }
  return extension("2.5.29.17", false, tlv::encode(tlv::kSequence, names));
}

enum class ServerRole { kAuth, kPb, kTls };

// SGP.26's test SM-DP+ certificates (CERT_S_SM_DPauth/DPpb_ECDSA_*.der, read with openssl)
// hold, in this order: AKI = the CI's SKI, SKI, subjectAltName registeredID 2.999.10, keyUsage
// digitalSignature (critical), certificatePolicies id-rspRole-dp-auth / -dp-pb (critical), and
// CRL distribution points; subject "O=ACME, CN=TEST SM-DP+", 10-year validity. Its TLS
// certificate (CERT_S_SM_DP_TLS_NIST.der) has keyUsage digitalSignature and extendedKeyUsage
// serverAuth + clientAuth (both critical), certificatePolicies id-rspRole-dp-tls NOT critical,
// SKI, AKI, and subjectAltName dNSName + registeredID. These follow that layout, without the
// CRL distribution points (there is no CRL to point at). The TLS policy stays non-critical as
// in SGP.26 so that TLS stacks which do not process policies still accept the certificate.
// A certificate the CI issues to a server: a new key on the CI's curve (drawn first, then the
// serial), subject {O, CN}, the extensions `extensions_for(aki, ski)` lists.
template <class ExtensionsFor>
Issued issue_by_ci(const Issued& ci, const std::string& organisation,
                   const std::string& common_name, Drbg& drbg, ExtensionsFor&& extensions_for) {
  check_key_matches(ci, "CI");
  PrivateKey key = PrivateKey::generate(ci.key.curve(), drbg);
  PublicKey pub = key.public_key();
  Bytes serial = serial_number(drbg);
  x509::Parts ci_parts = x509::split(ci.certificate);
  Bytes subject =
      name({{kOrganisation, utf8_string(organisation)}, {kCommonName, utf8_string(common_name)}});
  ToBeSigned tbs{
      .serial = serial,
      .issuer = ci_parts.subject,
      .subject = subject,
      .not_after = kNotAfterCa,
      .subject_key = &pub,
      .extensions = extensions_for(authority_key_id(subject_key_identifier(ci.certificate)),
                                   subject_key_id(key_identifier(pub)))};
  return {issue(tbs, ci.key), key};
}

Issued make_server(const Issued& ci, const ServerOptions& options, ServerRole role, Drbg& drbg) {
  return issue_by_ci(
      ci, options.organisation, options.common_name, drbg, [&](const Bytes& aki, const Bytes& ski) {
        std::vector<Bytes> extensions;
        if (role == ServerRole::kTls) {
          const Bytes server_auth = tlv::oid("1.3.6.1.5.5.7.3.1");
          const Bytes eku = extension("2.5.29.37", true, tlv::encode(tlv::kSequence, server_auth));
          const Bytes policy = tlv::encode(tlv::kSequence, tlv::oid(kRoleDpTls));
          extensions = {key_usage({kDigitalSignature}), eku,
                        extension("2.5.29.32", false, tlv::encode(tlv::kSequence, policy)), ski,
                        aki};
          if (!options.dns_name.empty() || !options.registered_id.empty())
            extensions.push_back(subject_alt_name(options.dns_name, options.registered_id));
        } else {
          extensions = {aki, ski};
          if (!options.registered_id.empty())
            extensions.push_back(subject_alt_name({}, options.registered_id));
          extensions.push_back(key_usage({kDigitalSignature}));
          extensions.push_back(
              certificate_policies(role == ServerRole::kAuth ? kRoleDpAuth : kRoleDpPb));
        }
        return extensions;
      });
}

}  // namespace

Issued make_ci(const CiOptions& options, Drbg& drbg) {
  PrivateKey key = PrivateKey::generate(options.curve, drbg);
  PublicKey pub = key.public_key();
  Bytes serial = serial_number(drbg);
  Bytes subject = name({{kOrganisation, utf8_string(options.organisation)},
                        {kCommonName, utf8_string(options.common_name)}});
  ToBeSigned tbs{
      .serial = serial,
      .issuer = subject,
      .subject = subject,
      .not_after = kNotAfterCa,
      .subject_key = &pub,
      .extensions = {subject_key_id(key_identifier(pub)), basic_constraints_ca(std::nullopt),
                     certificate_policies(kRoleCi), key_usage({kKeyCertSign, kCrlSign})}};
  return {issue(tbs, key), key};
}

Issued make_eum(const Issued& ci, const EumOptions& options, Drbg& drbg) {
  if (options.eid_prefix.empty() || options.eid_prefix.size() > 32 ||
      !all_digits(options.eid_prefix))
    throw std::invalid_argument("EUM EID prefix must be 1 to 32 decimal digits");
  check_key_matches(ci, "CI");
  PrivateKey key = PrivateKey::generate(ci.key.curve(), drbg);
  PublicKey pub = key.public_key();
  Bytes serial = serial_number(drbg);
  x509::Parts ci_parts = x509::split(ci.certificate);
  Bytes subject = name({{kOrganisation, utf8_string(options.organisation)},
                        {kCommonName, utf8_string(options.common_name)}});
  Bytes permitted = name({{kOrganisation, utf8_string(options.organisation)},
                          {kSerialNumber, printable_string(options.eid_prefix)}});
  ToBeSigned tbs{.serial = serial,
                 .issuer = ci_parts.subject,
                 .subject = subject,
                 .not_after = kNotAfterCa,
                 .subject_key = &pub,
                 .extensions = {authority_key_id(subject_key_identifier(ci.certificate)),
                                subject_key_id(key_identifier(pub)), key_usage({kKeyCertSign}),
                                certificate_policies(kRoleEum), basic_constraints_ca(0),
                                name_constraints(permitted)}};
  return {issue(tbs, ci.key), key};
}

Issued make_euicc(const Issued& eum, std::string_view eid, Drbg& drbg) {
  if (eid.size() != 32 || !all_digits(eid))
    throw std::invalid_argument("EID must be 32 decimal digits");
  std::vector<std::string> prefixes = permitted_serial_numbers(eum.certificate);
  if (!prefixes.empty() && std::none_of(prefixes.begin(), prefixes.end(), [eid](const auto& p) {
        return eid.substr(0, p.size()) == p;
      })) {
    throw std::invalid_argument("EID " + std::string(eid) +
                                " is outside the EUM's permitted prefixes (" + prefixes.front() +
                                (prefixes.size() > 1 ? ", ..." : "") + ")");
  }
  std::string organisation = subject_attribute(eum.certificate, kOrganisation);
  if (organisation.empty()) throw std::invalid_argument("EUM certificate subject has no O");
  check_key_matches(eum, "EUM");
  PrivateKey key = PrivateKey::generate(eum.key.curve(), drbg);
  PublicKey pub = key.public_key();
  Bytes serial = serial_number(drbg);
  x509::Parts eum_parts = x509::split(eum.certificate);
  Bytes subject =
      name({{kOrganisation, utf8_string(organisation)}, {kSerialNumber, printable_string(eid)}});
  ToBeSigned tbs{.serial = serial,
                 .issuer = eum_parts.subject,
                 .subject = subject,
                 .not_after = kNotAfterEuicc,
                 .subject_key = &pub,
                 .extensions = {authority_key_id(subject_key_identifier(eum.certificate)),
                                subject_key_id(key_identifier(pub)), key_usage({kDigitalSignature}),
                                certificate_policies(kRoleEuicc)}};
  return {issue(tbs, eum.key), key};
}

Issued make_dp_auth(const Issued& ci, const ServerOptions& options, Drbg& drbg) {
  return make_server(ci, options, ServerRole::kAuth, drbg);
}

Issued make_dp_pb(const Issued& ci, const ServerOptions& options, Drbg& drbg) {
  return make_server(ci, options, ServerRole::kPb, drbg);
}

Issued make_dp_tls(const Issued& ci, const ServerOptions& options, Drbg& drbg) {
  return make_server(ci, options, ServerRole::kTls, drbg);
}

Issued make_eim(const Issued& ci, const EimOptions& options, Drbg& drbg) {
  if (options.registered_id.empty())
    throw std::invalid_argument("eIM certificate: registered_id is empty");
  const Bytes san = subject_alt_name({}, options.registered_id);  // throws if malformed
  return issue_by_ci(ci, options.organisation, options.common_name, drbg,
                     [&](const Bytes& aki, const Bytes& ski) {
                       return std::vector<Bytes>{aki, ski, key_usage({kDigitalSignature}), san};
                     });
}

}  // namespace euiccsim::crypto
