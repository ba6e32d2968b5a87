#include "euiccsim/crypto/certificate.hpp"

#include <botan/asn1_obj.h>
#include <botan/ber_dec.h>

#include <algorithm>

#include "euiccsim/crypto/tlv.hpp"
#include "x509.hpp"

namespace euiccsim::crypto {

namespace x509 {

Parts split(ByteView cert_der) {
  try {
    Parts p;
    tlv::Tlv cert = tlv::single(cert_der, tlv::kSequence, "Certificate");
    tlv::Reader r = tlv::contents(cert);
    tlv::Tlv tbs = r.next(tlv::kSequence, "TBSCertificate");
    tlv::Tlv alg = r.next(tlv::kSequence, "signatureAlgorithm");
    tlv::Tlv sig = r.next(tlv::kBitString, "signatureValue");
    r.expect_end("Certificate");
    p.tbs = tbs.bytes();
    p.signature_algorithm = alg.bytes();
    p.signature = tlv::bit_string_bytes(sig, "signatureValue");

    tlv::Reader t = tlv::contents(tbs);
    if (auto v = t.optional(tlv::context(0), "version")) {
      tlv::Tlv number = tlv::single(v->value, tlv::kInteger, "version");
      if (number.value.size() != 1 || number.value[0] > 2)
        throw CertificateError("certificate: unknown version");
      p.version = number.value[0] + 1;
    }
    p.serial = t.next(tlv::kInteger, "serialNumber").value;
    tlv::Tlv inner_alg = t.next(tlv::kSequence, "TBSCertificate signature");
    // RFC 5280 §4.1.1.2: otherwise the algorithm the signer committed to is not the one used.
    if (!std::ranges::equal(inner_alg.bytes(), alg.bytes()))
      throw CertificateError(
          "certificate: signature algorithms inside and outside TBSCertificate differ");
    p.issuer = t.next(tlv::kSequence, "issuer").bytes();
    p.validity = t.next(tlv::kSequence, "validity").bytes();
    p.subject = t.next(tlv::kSequence, "subject").bytes();
    p.subject_public_key_info = t.next(tlv::kSequence, "subjectPublicKeyInfo").bytes();
    t.optional(tlv::context_primitive(1), "issuerUniqueID");
    t.optional(tlv::context_primitive(2), "subjectUniqueID");
    if (auto ext = t.optional(tlv::context(3), "extensions")) {
      if (p.version != 3)
        throw CertificateError("certificate: extensions in a version 1 or 2 certificate");
      tlv::Reader list = tlv::contents(tlv::single(ext->value, tlv::kSequence, "extensions"));
      while (!list.at_end()) {
        tlv::Reader x = tlv::contents(list.next(tlv::kSequence, "extension"));
        Extension e;
        e.oid = tlv::oid_to_dotted(x.next(tlv::kOid, "extnID").value, "extnID");
        if (auto critical = x.optional(tlv::kBoolean, "critical")) {
          if (critical->value.size() != 1) throw CertificateError("certificate: malformed BOOLEAN");
          e.critical = critical->value[0] != 0;
        }
        e.value = x.next(tlv::kOctetString, "extnValue").value;
        x.expect_end("extension");
        if (find(p, e.oid))
          throw CertificateError("certificate: extension " + e.oid + " appears twice");
        p.extensions.push_back(e);
      }
    }
    t.expect_end("TBSCertificate");
    return p;
  } catch (const tlv::Error& e) {
    throw CertificateError(std::string("certificate: ") + e.what());
  }
}

const Extension* find(const Parts& parts, std::string_view oid) {
  for (const auto& e : parts.extensions)
    if (e.oid == oid) return &e;
  return nullptr;
}

std::vector<Attribute> name_attributes(ByteView name_der) {
  std::vector<Attribute> out;
  tlv::Reader rdns = tlv::contents(tlv::single(name_der, tlv::kSequence, "Name"));
  while (!rdns.at_end()) {
    tlv::Reader rdn = tlv::contents(rdns.next(tlv::kSet, "RelativeDistinguishedName"));
    while (!rdn.at_end()) {
      tlv::Reader atv = tlv::contents(rdn.next(tlv::kSequence, "AttributeTypeAndValue"));
      Attribute a;
      a.oid = tlv::oid_to_dotted(atv.next(tlv::kOid, "attribute type").value, "attribute type");
      a.value = atv.next("attribute value");
      atv.expect_end("AttributeTypeAndValue");
      out.push_back(a);
    }
  }
  return out;
}

std::string attribute_text(const tlv::Tlv& value) {
  try {
    Botan::ASN1_String s;
    Botan::BER_Decoder(value.bytes().data(), value.bytes().size()).decode(s);
    return s.value();
  } catch (const std::exception&) {
    return "#" + to_hex(value.bytes());  // not a string type Botan knows (RFC 4514 form)
  }
}

}  // namespace x509

namespace {

// The certificate's parts, or CertificateError; `f` reads them, DER errors becoming
// CertificateError too.
template <typename F>
auto with_parts(ByteView cert_der, F&& f) {
  x509::Parts parts = x509::split(cert_der);
  try {
    return f(parts);
  } catch (const tlv::Error& e) {
    throw CertificateError(std::string("certificate: ") + e.what());
  }
}

constexpr std::string_view kSubjectKeyIdentifier = "2.5.29.14";
constexpr std::string_view kSubjectAltName = "2.5.29.17";
constexpr std::string_view kNameConstraints = "2.5.29.30";
constexpr std::string_view kCertificatePolicies = "2.5.29.32";
constexpr std::string_view kAuthorityKeyIdentifier = "2.5.29.35";
constexpr std::string_view kSerialNumber = "2.5.4.5";
constexpr std::string_view kEcdsaWithSha256 = "1.2.840.10045.4.3.2";

// RFC 5280 §4.1.2.5: UTCTime YYMMDDHHMMSSZ (years 1950-2049) or GeneralizedTime
// YYYYMMDDHHMMSSZ, seconds present, no fractions, always Zulu.
std::chrono::sys_seconds parse_time(const tlv::Tlv& t, const char* what) {
  auto fail = [what](const char* problem) {
    return CertificateError(std::string("certificate: ") + what + " " + problem);
  };
  const bool utc = t.tag == tlv::kUtcTime;
  if (!utc && t.tag != tlv::kGeneralizedTime) throw fail("is not a time");
  const std::size_t digits = utc ? 12 : 14;
  if (t.value.size() != digits + 1 || t.value.back() != 'Z') throw fail("is not in DER form");
  for (std::size_t i = 0; i < digits; ++i)
    if (t.value[i] < '0' || t.value[i] > '9') throw fail("has a non-digit");
  std::size_t pos = 0;
  auto two = [&t, &pos] {
    const int v = (t.value[pos] - '0') * 10 + (t.value[pos + 1] - '0');
    pos += 2;
    return v;
  };
  int year = two();
  if (utc)
    year += year < 50 ? 2000 : 1900;
  else
    year = year * 100 + two();
  const unsigned month = static_cast<unsigned>(two());
  const unsigned day = static_cast<unsigned>(two());
  const int hour = two(), minute = two(), second = two();
  const std::chrono::year_month_day date{std::chrono::year(year), std::chrono::month(month),
                                         std::chrono::day(day)};
  if (!date.ok() || hour > 23 || minute > 59 || second > 59) throw fail("is not a valid time");
  return std::chrono::sys_days(date) + std::chrono::hours(hour) + std::chrono::minutes(minute) +
         std::chrono::seconds(second);
}

const char* short_name(std::string_view oid) {
  static constexpr std::pair<std::string_view, const char*> kNames[] = {
      {"2.5.4.3", "CN"},
      {"2.5.4.4", "SN"},
      {"2.5.4.5", "serialNumber"},
      {"2.5.4.6", "C"},
      {"2.5.4.7", "L"},
      {"2.5.4.8", "ST"},
      {"2.5.4.9", "street"},
      {"2.5.4.10", "O"},
      {"2.5.4.11", "OU"},
      {"2.5.4.12", "title"},
      {"2.5.4.42", "GN"},
      {"2.5.4.97", "organizationIdentifier"},
      {"1.2.840.113549.1.9.1", "emailAddress"},
      {"0.9.2342.19200300.100.1.1", "UID"},
      {"0.9.2342.19200300.100.1.25", "DC"},
  };
  for (const auto& [o, name] : kNames)
    if (o == oid) return name;
  return nullptr;
}

std::string one_line(ByteView name_der) {
  std::string out;
  for (const auto& a : x509::name_attributes(name_der)) {
    if (!out.empty()) out += ", ";
    const char* name = short_name(a.oid);
    out += name ? name : a.oid;
    out += '=';
    for (char c : x509::attribute_text(a.value)) {
      if (c == ',' || c == '+' || c == '\\') out += '\\';
      out += c;
    }
  }
  return out;
}

std::string first_attribute(ByteView name_der, std::string_view oid) {
  for (const auto& a : x509::name_attributes(name_der))
    if (a.oid == oid) return x509::attribute_text(a.value);
  return {};
}

}  // namespace

Bytes subject_key_identifier(ByteView cert_der) {
  return with_parts(cert_der, [](const x509::Parts& p) {
    const x509::Extension* e = x509::find(p, kSubjectKeyIdentifier);
    if (!e) throw CertificateError("certificate has no subjectKeyIdentifier extension");
    ByteView id = tlv::single(e->value, tlv::kOctetString, "subjectKeyIdentifier").value;
    return Bytes(id.begin(), id.end());
  });
}

Bytes authority_key_identifier(ByteView cert_der) {
  return with_parts(cert_der, [](const x509::Parts& p) {
    const x509::Extension* e = x509::find(p, kAuthorityKeyIdentifier);
    if (!e) return Bytes{};
    tlv::Reader r = tlv::contents(tlv::single(e->value, tlv::kSequence, "authorityKeyIdentifier"));
    auto id = r.optional(tlv::context_primitive(0), "authorityKeyIdentifier keyIdentifier");
    return id ? Bytes(id->value.begin(), id->value.end()) : Bytes{};
  });
}

std::string subject_serial_number(ByteView cert_der) {
  return subject_attribute(cert_der, kSerialNumber);
}

std::string subject_attribute(ByteView cert_der, std::string_view oid) {
  return with_parts(cert_der,
                    [oid](const x509::Parts& p) { return first_attribute(p.subject, oid); });
}

std::string subject_name(ByteView cert_der) {
  return with_parts(cert_der, [](const x509::Parts& p) { return one_line(p.subject); });
}

std::string issuer_name(ByteView cert_der) {
  return with_parts(cert_der, [](const x509::Parts& p) { return one_line(p.issuer); });
}

std::vector<std::string> certificate_policies(ByteView cert_der) {
  return with_parts(cert_der, [](const x509::Parts& p) {
    std::vector<std::string> out;
    const x509::Extension* e = x509::find(p, kCertificatePolicies);
    if (!e) return out;
    tlv::Reader list = tlv::contents(tlv::single(e->value, tlv::kSequence, "certificatePolicies"));
    while (!list.at_end()) {
      tlv::Reader info = tlv::contents(list.next(tlv::kSequence, "PolicyInformation"));
      out.push_back(
          tlv::oid_to_dotted(info.next(tlv::kOid, "policyIdentifier").value, "policyIdentifier"));
    }
    return out;
  });
}

std::vector<std::string> permitted_serial_numbers(ByteView cert_der) {
  return with_parts(cert_der, [](const x509::Parts& p) {
    std::vector<std::string> out;
    const x509::Extension* e = x509::find(p, kNameConstraints);
    if (!e) return out;
    tlv::Reader nc = tlv::contents(tlv::single(e->value, tlv::kSequence, "nameConstraints"));
    auto permitted = nc.optional(tlv::context(0), "permittedSubtrees");
    if (!permitted) return out;
    tlv::Reader subtrees = tlv::contents(*permitted);
    while (!subtrees.at_end()) {
      tlv::Reader subtree = tlv::contents(subtrees.next(tlv::kSequence, "GeneralSubtree"));
      tlv::Tlv base = subtree.next("GeneralSubtree base");
      if (base.tag != tlv::context(4)) continue;  // only directoryName [4] carries a DN
      std::string serial = first_attribute(base.value, kSerialNumber);
      if (!serial.empty()) out.push_back(serial);
    }
    return out;
  });
}

std::string subject_alt_name_registered_id(ByteView cert_der) {
  return with_parts(cert_der, [](const x509::Parts& p) {
    const x509::Extension* e = x509::find(p, kSubjectAltName);
    if (!e) return std::string();
    tlv::Reader names = tlv::contents(tlv::single(e->value, tlv::kSequence, "subjectAltName"));
    while (!names.at_end()) {
      tlv::Tlv name = names.next("GeneralName");
      if (name.tag == tlv::context_primitive(8))
        return tlv::oid_to_dotted(name.value, "registeredID");
    }
    return std::string();
  });
}

Validity certificate_validity(ByteView cert_der) {
  return with_parts(cert_der, [](const x509::Parts& p) {
    tlv::Reader r = tlv::contents(tlv::single(p.validity, tlv::kSequence, "validity"));
    Validity v;
    v.not_before = parse_time(r.next("notBefore"), "notBefore");
    v.not_after = parse_time(r.next("notAfter"), "notAfter");
    r.expect_end("validity");
    return v;
  });
}

std::vector<CertificateExtension> certificate_extensions(ByteView cert_der) {
  return with_parts(cert_der, [](const x509::Parts& p) {
    std::vector<CertificateExtension> out;
    for (const auto& e : p.extensions)
      out.push_back({e.oid, e.critical, Bytes(e.value.begin(), e.value.end())});
    return out;
  });
}

bool signed_by(ByteView cert_der, const PublicKey& issuer) {
  return with_parts(cert_der, [&issuer](const x509::Parts& p) {
    tlv::Reader alg =
        tlv::contents(tlv::single(p.signature_algorithm, tlv::kSequence, "signatureAlgorithm"));
    std::string oid =
        tlv::oid_to_dotted(alg.next(tlv::kOid, "signatureAlgorithm").value, "signatureAlgorithm");
    if (oid != kEcdsaWithSha256)
      throw CertificateError("certificate is signed with " + oid + ", not ecdsa-with-SHA256");
    // RFC 5758 says the parameters are absent; a NULL changes nothing about the check.
    alg.optional(tlv::kNull, "signatureAlgorithm parameters");
    alg.expect_end("signatureAlgorithm");
    Bytes raw;
    try {
      raw = signature_der_to_raw(p.signature);
    } catch (const KeyError&) {
      return false;
    }
    return issuer.verify(p.tbs, raw);
  });
}

}  // namespace euiccsim::crypto
