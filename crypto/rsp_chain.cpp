#include "euiccsim/crypto/rsp_chain.hpp"

#include <algorithm>
#include <utility>

#include "euiccsim/crypto/certificate.hpp"
#include "euiccsim/crypto/tlv.hpp"
#include "x509.hpp"

namespace euiccsim::crypto {

namespace {

constexpr std::string_view kIdEcPublicKey = "1.2.840.10045.2.1";

// KeyUsage bit numbers (RFC 5280 §4.2.1.3).
constexpr int kDigitalSignature = 0;
constexpr int kKeyCertSign = 5;

// Thrown inside the checks and turned into a ChainResult at the top: the first failure decides
// the error code, as the card reports only one.
struct Refusal {
  ChainFailure failure;
  std::string reason;
};

[[noreturn]] void refuse(ChainFailure failure, std::string reason) {
  throw Refusal{failure, std::move(reason)};
}

// Everything the checks read of one certificate, parsed once.
struct Cert {
  const char* label;  // "server certificate", "EUM certificate", ... for reasons
  ByteView der;
  x509::Parts parts;
};

Cert parse(const char* label, ByteView der_bytes) {
  try {
    return {label, der_bytes, x509::split(der_bytes)};
  } catch (const CertificateError& e) {
    refuse(ChainFailure::kInvalidCertificate, std::string(label) + ": " + e.what());
  }
}

// Runs a reader of certificate.hpp, whose CertificateError means a malformed extension.
template <typename F>
auto read(const Cert& c, F&& f) {
  try {
    return f(c.der);
  } catch (const CertificateError& e) {
    refuse(ChainFailure::kInvalidCertificate, std::string(c.label) + ": " + e.what());
  }
}

// The key, telling a curve we do not support (unsupportedCurve) from a key that is broken or
// not an EC key at all (invalidCertificate); PublicKey::from_certificate throws KeyError for
// both.
PublicKey subject_key(const Cert& c) {
  std::optional<std::string> curve_oid;
  try {
    tlv::Reader spki = tlv::contents(
        tlv::single(c.parts.subject_public_key_info, tlv::kSequence, "subjectPublicKeyInfo"));
    tlv::Reader alg = tlv::contents(spki.next(tlv::kSequence, "algorithm"));
    const std::string alg_oid =
        tlv::oid_to_dotted(alg.next(tlv::kOid, "algorithm").value, "algorithm");
    if (alg_oid != kIdEcPublicKey)
      refuse(ChainFailure::kInvalidCertificate,
             std::string(c.label) + ": the key is not an EC key (" + alg_oid + ")");
    if (alg.peek_tag() != tlv::kOid)  // explicit parameters: no named curve of ours
      refuse(ChainFailure::kUnsupportedCurve,
             std::string(c.label) + ": the key's curve is not named");
    curve_oid = tlv::oid_to_dotted(alg.next(tlv::kOid, "namedCurve").value, "namedCurve");
  } catch (const tlv::Error& e) {
    refuse(ChainFailure::kInvalidCertificate, std::string(c.label) + ": " + e.what());
  }
  if (!curve_from_oid(*curve_oid))
    refuse(ChainFailure::kUnsupportedCurve,
           std::string(c.label) + ": the key is on curve " + *curve_oid);
  try {
    return PublicKey::from_certificate(c.der);
  } catch (const KeyError& e) {
    refuse(ChainFailure::kInvalidCertificate, std::string(c.label) + ": " + e.what());
  }
}

// Attribute by attribute (type and text), so that the same name written with another string
// type (PrintableString / UTF8String) still links an issuer to its subject.
bool same_name(ByteView a, ByteView b) {
  const auto x = x509::name_attributes(a);
  const auto y = x509::name_attributes(b);
  return std::equal(x.begin(), x.end(), y.begin(), y.end(), [](const auto& l, const auto& r) {
    return l.oid == r.oid && x509::attribute_text(l.value) == x509::attribute_text(r.value);
  });
}

// The extensions these checks understand; any other marked critical makes the certificate
// unusable (RFC 5280 §4.2).
bool known_extension(std::string_view oid) {
  static constexpr std::string_view kKnown[] = {
      "2.5.29.14",  // subjectKeyIdentifier
      "2.5.29.15",  // keyUsage
      "2.5.29.17",  // subjectAltName
      "2.5.29.19",  // basicConstraints
      "2.5.29.30",  // nameConstraints
      "2.5.29.31",  // cRLDistributionPoints
      "2.5.29.32",  // certificatePolicies
      "2.5.29.35",  // authorityKeyIdentifier
      "2.5.29.37",  // extendedKeyUsage
  };
  return std::find(std::begin(kKnown), std::end(kKnown), oid) != std::end(kKnown);
}

struct Profile {
  bool ca = false;
  std::optional<std::uint16_t> key_usage;  // bit n of RFC 5280 at 0x8000 >> n
};

Profile read_profile(const Cert& c) {
  Profile p;
  try {
    for (const auto& e : c.parts.extensions) {
      if (e.critical && !known_extension(e.oid))
        refuse(ChainFailure::kInvalidCertificate,
               std::string(c.label) + ": unknown critical extension " + e.oid);
      if (e.oid == "2.5.29.19") {
        tlv::Reader bc = tlv::contents(tlv::single(e.value, tlv::kSequence, "basicConstraints"));
        if (auto ca = bc.optional(tlv::kBoolean, "basicConstraints cA")) {
          if (ca->value.size() != 1) throw tlv::Error("basicConstraints cA: malformed BOOLEAN");
          p.ca = ca->value[0] != 0;
        }
      } else if (e.oid == "2.5.29.15") {
        ByteView bits = tlv::single(e.value, tlv::kBitString, "keyUsage").value;
        if (bits.empty() || bits.size() > 3 || bits[0] > 7)
          throw tlv::Error("keyUsage: malformed BIT STRING");
        std::uint16_t mask = 0;
        if (bits.size() > 1) mask = static_cast<std::uint16_t>(bits[1] << 8);
        if (bits.size() > 2) mask = static_cast<std::uint16_t>(mask | bits[2]);
        p.key_usage = mask;
      }
    }
  } catch (const tlv::Error& e) {
    refuse(ChainFailure::kInvalidCertificate, std::string(c.label) + ": " + e.what());
  }
  return p;
}

bool has_usage(const Profile& p, int bit) {
  return p.key_usage && (*p.key_usage & (0x8000 >> bit)) != 0;
}

// Leaves sign (keyUsage digitalSignature, not a CA); CAs sign certificates. SGP.22's profiles
// make keyUsage mandatory and critical in every RSP certificate.
void check_profile(const Cert& c, bool want_ca) {
  const Profile p = read_profile(c);
  if (!p.key_usage)
    refuse(ChainFailure::kInvalidCertificate, std::string(c.label) + ": no keyUsage extension");
  if (want_ca) {
    if (!p.ca)
      refuse(ChainFailure::kInvalidCertificate, std::string(c.label) + ": not a CA certificate");
    if (!has_usage(p, kKeyCertSign))
      refuse(ChainFailure::kInvalidCertificate,
             std::string(c.label) + ": keyUsage lacks keyCertSign");
  } else {
    if (p.ca)
      refuse(ChainFailure::kInvalidCertificate,
             std::string(c.label) + ": a CA certificate cannot be an end entity");
    if (!has_usage(p, kDigitalSignature))
      refuse(ChainFailure::kInvalidCertificate,
             std::string(c.label) + ": keyUsage lacks digitalSignature");
  }
}

void check_role(const Cert& c, RspRole role) {
  const auto policies = read(c, [](ByteView d) { return certificate_policies(d); });
  if (std::find(policies.begin(), policies.end(), role_oid(role)) == policies.end())
    refuse(ChainFailure::kInvalidOid,
           std::string(c.label) + ": certificatePolicies lack " + role_oid(role));
}

// The issuer's subject names the certificate's issuer, its AKI is the issuer's SKI, and the
// issuer's key made the signature.
void check_issued_by(const Cert& c, const Cert& issuer, const Bytes& issuer_ski,
                     const PublicKey& issuer_key) {
  if (read(c, [](ByteView d) { return authority_key_identifier(d); }) != issuer_ski)
    refuse(ChainFailure::kInvalidCertificate,
           std::string(c.label) + ": authorityKeyIdentifier is not the " + issuer.label + "'s SKI");
  bool names_match = false;
  try {
    names_match = same_name(c.parts.issuer, issuer.parts.subject);
  } catch (const tlv::Error& e) {
    refuse(ChainFailure::kInvalidCertificate, std::string(c.label) + ": " + e.what());
  }
  if (!names_match)
    refuse(ChainFailure::kInvalidCertificate,
           std::string(c.label) + ": issuer is not the " + issuer.label + "'s subject");
  if (!read(c, [&issuer_key](ByteView d) { return signed_by(d, issuer_key); }))
    refuse(
        ChainFailure::kInvalidCertificate,
        std::string(c.label) + ": signature does not verify with the " + issuer.label + "'s key");
}

void check_time(const Cert& c, const ChainOptions& options) {
  if (!options.at_time) return;
  const Validity v = read(c, [](ByteView d) { return certificate_validity(d); });
  const auto t = std::chrono::floor<std::chrono::seconds>(*options.at_time);
  if (t < v.not_before)
    refuse(ChainFailure::kInvalidCertificate, std::string(c.label) + ": not yet valid");
  if (t > v.not_after)
    refuse(ChainFailure::kInvalidCertificate, std::string(c.label) + ": expired");
}

// The trusted CI whose SKI is `pkid`; kCiPkUnknown if none. Trusted certificates that cannot be
// read cannot be named either, so they are passed over.
std::pair<Cert, Bytes> find_ci(const std::vector<Bytes>& trusted, ByteView pkid) {
  for (const Bytes& der_bytes : trusted) {
    Bytes ski;
    try {
      ski = subject_key_identifier(der_bytes);
    } catch (const CertificateError&) {
      continue;
    }
    if (std::ranges::equal(ski, pkid)) return {parse("CI certificate", der_bytes), ski};
  }
  refuse(ChainFailure::kCiPkUnknown, "CI " + to_hex(pkid) + " is not trusted");
}

bool all_digits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

template <typename F>
ChainResult run(F&& checks) {
  ChainResult result;
  try {
    checks(result);
  } catch (Refusal& r) {
    ChainResult refused;
    refused.failure = r.failure;
    refused.reason = std::move(r.reason);
    return refused;
  }
  result.reason = "verified";
  return result;
}

}  // namespace

const char* role_oid(RspRole role) {
  switch (role) {
    case RspRole::kCi:
      return "2.23.146.1.2.1.0";
    case RspRole::kEuicc:
      return "2.23.146.1.2.1.1";
    case RspRole::kEum:
      return "2.23.146.1.2.1.2";
    case RspRole::kDpTls:
      return "2.23.146.1.2.1.3";
    case RspRole::kDpAuth:
      return "2.23.146.1.2.1.4";
    case RspRole::kDpPb:
      return "2.23.146.1.2.1.5";
    case RspRole::kDsTls:
      return "2.23.146.1.2.1.6";
    case RspRole::kDsAuth:
      return "2.23.146.1.2.1.7";
  }
  return "";
}

ChainResult verify_server_certificate(ByteView cert_der, RspRole role,
                                      const std::vector<Bytes>& trusted_ci_certs, ByteView ci_pkid,
                                      const ChainOptions& options) {
  return run([&](ChainResult& result) {
    const Cert leaf = parse("server certificate", cert_der);
    // SGP.22 checks the CI named by the request first (ciPKUnknown), then the certificate.
    Bytes pkid(ci_pkid.begin(), ci_pkid.end());
    if (pkid.empty()) pkid = read(leaf, [](ByteView d) { return authority_key_identifier(d); });
    if (pkid.empty())
      refuse(ChainFailure::kInvalidCertificate,
             "server certificate: no authorityKeyIdentifier to name its CI");
    const auto [ci, ci_ski] = find_ci(trusted_ci_certs, pkid);
    const PublicKey ci_key = subject_key(ci);
    PublicKey key = subject_key(leaf);
    check_issued_by(leaf, ci, ci_ski, ci_key);
    check_profile(leaf, false);
    check_time(ci, options);
    check_time(leaf, options);
    check_role(leaf, role);
    result.ci_pkid = ci_ski;
    result.registered_id = read(leaf, [](ByteView d) { return subject_alt_name_registered_id(d); });
    result.key = std::move(key);
  });
}

ChainResult verify_euicc_chain(ByteView euicc_cert_der, ByteView eum_cert_der,
                               const std::vector<Bytes>& trusted_ci_certs,
                               const ChainOptions& options) {
  return run([&](ChainResult& result) {
    const Cert euicc = parse("eUICC certificate", euicc_cert_der);
    const Cert eum = parse("EUM certificate", eum_cert_der);
    const Bytes pkid = read(eum, [](ByteView d) { return authority_key_identifier(d); });
    if (pkid.empty())
      refuse(ChainFailure::kInvalidCertificate,
             "EUM certificate: no authorityKeyIdentifier to name its CI");
    const auto [ci, ci_ski] = find_ci(trusted_ci_certs, pkid);
    const PublicKey ci_key = subject_key(ci);
    const PublicKey eum_key = subject_key(eum);
    PublicKey key = subject_key(euicc);

    check_issued_by(eum, ci, ci_ski, ci_key);
    check_profile(eum, true);
    const Bytes eum_ski = read(eum, [](ByteView d) { return subject_key_identifier(d); });
    check_issued_by(euicc, eum, eum_ski, eum_key);
    check_profile(euicc, false);
    for (const Cert* c : {&ci, &eum, &euicc}) check_time(*c, options);
    check_role(eum, RspRole::kEum);
    check_role(euicc, RspRole::kEuicc);

    const std::string eid = read(euicc, [](ByteView d) { return subject_serial_number(d); });
    if (eid.size() != 32 || !all_digits(eid))
      refuse(ChainFailure::kInvalidCertificate,
             "eUICC certificate: subject serialNumber is not a 32-digit EID");
    // GSMA's rule, not RFC 5280's: a permitted serialNumber is a prefix of the EIDs allowed.
    const auto prefixes = read(eum, [](ByteView d) { return permitted_serial_numbers(d); });
    if (std::none_of(prefixes.begin(), prefixes.end(),
                     [&eid](const std::string& p) { return eid.starts_with(p); }))
      refuse(ChainFailure::kInvalidCertificate,
             "eUICC certificate: EID " + eid + " is outside the EUM's nameConstraints");

    result.ci_pkid = ci_ski;
    result.eid = eid;
    result.registered_id =
        read(euicc, [](ByteView d) { return subject_alt_name_registered_id(d); });
    result.key = std::move(key);
  });
}

}  // namespace euiccsim::crypto
