#include "eim_configuration.hpp"

#include <Certificate.h>
#include <EimPublicKeyData.h>
#include <SubjectPublicKeyInfo.h>
#include <TrustedPublicKeyDataTls.h>

#include <algorithm>

#include "euiccsim/profiles/asn1.hpp"
#include "euiccsim/profiles/asn1_fields.hpp"

namespace euiccsim::applets::isdr {

namespace {

EimKeyData key_of(const EimPublicKeyData_t& k) {
  if (k.present == EimPublicKeyData_PR_eimCertificate) {
    return {EimKeyData::Kind::kCertificate,
            asn1::encode_member(asn_DEF_Certificate, &k.choice.eimCertificate)};
  }
  return {EimKeyData::Kind::kPublicKey,
          asn1::encode_member(asn_DEF_SubjectPublicKeyInfo, &k.choice.eimPublicKey)};
}

EimKeyData key_of(const TrustedPublicKeyDataTls_t& k) {
  if (k.present == TrustedPublicKeyDataTls_PR_trustedCertificateTls) {
    return {EimKeyData::Kind::kCertificate,
            asn1::encode_member(asn_DEF_Certificate, &k.choice.trustedCertificateTls)};
  }
  return {EimKeyData::Kind::kPublicKey,
          asn1::encode_member(asn_DEF_SubjectPublicKeyInfo, &k.choice.trustedEimPkTls)};
}

bool id_type_ok(const long* t) {
  return t == nullptr || (*t >= kEimIdTypeOid && *t <= kEimIdTypeProprietary);
}

bool counter_ok(const long* c) {
  return c == nullptr || (*c >= 0 && static_cast<std::uint64_t>(*c) <= kMaxEimCounterValue);
}

bool ci_known(const Bytes& pkid, const std::vector<Bytes>& signing_pkids) {
  return std::find(signing_pkids.begin(), signing_pkids.end(), pkid) != signing_pkids.end();
}

// The optional fields every form may carry, copied over what `e` holds.
void copy_optional(const EimConfigurationData_t& d, EimConfig& e) {
  if (d.eimIdType != nullptr) e.id_type = static_cast<std::uint8_t>(*d.eimIdType);
  if (d.counterValue != nullptr) e.counter_value = static_cast<std::uint64_t>(*d.counterValue);
  if (d.euiccCiPKId != nullptr) e.euicc_ci_pkid = asn1::bytes_of(*d.euiccCiPKId);
  if (d.eimFqdn != nullptr) e.fqdn = asn1::string_of(*d.eimFqdn);
  if (d.eimPublicKeyData != nullptr) e.public_key = key_of(*d.eimPublicKeyData);
  if (d.trustedPublicKeyDataTls != nullptr) e.tls_key = key_of(*d.trustedPublicKeyDataTls);
  if (d.eimSupportedProtocol != nullptr) {
    e.supported_protocols = asn1::bits_of(*d.eimSupportedProtocol);
  }
  if (d.indirectProfileDownload != nullptr) e.indirect_profile_download = true;
}

}  // namespace

std::variant<EimEntry, long> check_new_eim(const EimConfigurationData_t& d,
                                           const std::vector<Bytes>& signing_pkids) {
  EimEntry out;
  auto& e = out.config;
  e.eim_id = asn1::string_of(d.eimId);
  if (e.eim_id.empty() || e.eim_id.size() > 128 || d.counterValue == nullptr ||
      d.eimPublicKeyData == nullptr || !id_type_ok(d.eimIdType)) {
    return kEimCommandError;
  }
  if (!counter_ok(d.counterValue)) return kEimCounterValueOutOfRange;
  if (d.associationToken != nullptr) {
    if (*d.associationToken != -1) return kEimInvalidAssociationToken;
    out.wants_token = true;
  }
  if (d.euiccCiPKId != nullptr && !ci_known(asn1::bytes_of(*d.euiccCiPKId), signing_pkids)) {
    return kEimCiPKUnknown;
  }
  copy_optional(d, e);
  return out;
}

long apply_eim_update(const EimConfigurationData_t& d, const std::vector<Bytes>& signing_pkids,
                      EimConfig& eim) {
  if (!id_type_ok(d.eimIdType) || d.associationToken != nullptr) return kEimCommandError;
  if (!counter_ok(d.counterValue)) return kEimCounterValueOutOfRange;
  if (d.euiccCiPKId != nullptr && !ci_known(asn1::bytes_of(*d.euiccCiPKId), signing_pkids)) {
    return kEimCiPKUnknown;
  }
  copy_optional(d, eim);
  return 0;
}

}  // namespace euiccsim::applets::isdr
