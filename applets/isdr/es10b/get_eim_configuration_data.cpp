// GetEimConfigurationData (SGP.32 v1.2 §5.9.18): GetEimConfigurationDataRequest BF55 { A0 { 80
// eimId } optional } -> BF55 { A0 { EimConfigurationData '30' ... } }: every associated eIM, or
// the one the search names (none if no eIM has that id). Each entry carries what the card
// stores for that eIM, the counter value being the current one. The response has no error
// alternative: a request that is not one GetEimConfigurationDataRequest is answered 6A80.
#include "euiccsim/applets/isdr/es10.hpp"
#include "euiccsim/applets/rsp_asn1.hpp"

#include <Certificate.h>
#include <EimConfigurationData.h>
#include <EimPublicKeyData.h>
#include <GetEimConfigurationDataRequest.h>
#include <GetEimConfigurationDataResponse.h>
#include <SubjectPublicKeyInfo.h>
#include <TrustedPublicKeyDataTls.h>

namespace euiccsim::applets::es10b {

namespace {

void fill(EimPublicKeyData_t& out, const EimKeyData& k) {
  if (k.kind == EimKeyData::Kind::kCertificate) {
    out.present = EimPublicKeyData_PR_eimCertificate;
    rsp::decode_into(asn_DEF_Certificate, &out.choice.eimCertificate, k.der);
  } else {
    out.present = EimPublicKeyData_PR_eimPublicKey;
    rsp::decode_into(asn_DEF_SubjectPublicKeyInfo, &out.choice.eimPublicKey, k.der);
  }
}

void fill(TrustedPublicKeyDataTls_t& out, const EimKeyData& k) {
  if (k.kind == EimKeyData::Kind::kCertificate) {
    out.present = TrustedPublicKeyDataTls_PR_trustedCertificateTls;
    rsp::decode_into(asn_DEF_Certificate, &out.choice.trustedCertificateTls, k.der);
  } else {
    out.present = TrustedPublicKeyDataTls_PR_trustedEimPkTls;
    rsp::decode_into(asn_DEF_SubjectPublicKeyInfo, &out.choice.trustedEimPkTls, k.der);
  }
}

// `d` is already in its list, which frees it (and what it points to) whatever happens here.
void fill(EimConfigurationData_t& d, const EimConfig& e) {
  asn1::set_string(d.eimId, e.eim_id);
  if (e.fqdn) d.eimFqdn = asn1::new_string<UTF8String_t>(*e.fqdn);
  if (e.id_type) {
    d.eimIdType = asn1::alloc<EimIdType_t>();
    *d.eimIdType = *e.id_type;
  }
  d.counterValue = asn1::alloc<long>();
  *d.counterValue = static_cast<long>(e.counter_value);
  if (e.association_token) {
    d.associationToken = asn1::alloc<long>();
    *d.associationToken = static_cast<long>(*e.association_token);
  }
  if (e.public_key) {
    d.eimPublicKeyData = asn1::alloc<EimPublicKeyData_t>();
    fill(*d.eimPublicKeyData, *e.public_key);
  }
  if (e.tls_key) {
    d.trustedPublicKeyDataTls = asn1::alloc<TrustedPublicKeyDataTls_t>();
    fill(*d.trustedPublicKeyDataTls, *e.tls_key);
  }
  if (e.supported_protocols) {
    d.eimSupportedProtocol = asn1::new_bits(*e.supported_protocols);
  }
  if (!e.euicc_ci_pkid.empty()) {
    d.euiccCiPKId = asn1::new_octets<SubjectKeyIdentifier_t>(e.euicc_ci_pkid);
  }
  if (e.indirect_profile_download) d.indirectProfileDownload = asn1::alloc<NULL_t>();
}

}  // namespace

apdu::Response get_eim_configuration_data(isdr::Es10Call& call, ByteView request) {
  auto req = rsp::decode_request<GetEimConfigurationDataRequest_t>(
      asn_DEF_GetEimConfigurationDataRequest, request);
  if (!req) return apdu::Response::status(apdu::sw::kIncorrectData);
  std::optional<std::string> wanted;
  // eimId is the criterion's only alternative (the decoder refuses unknown ones).
  if (req->searchCriteria != nullptr) wanted = asn1::string_of(req->searchCriteria->choice.eimId);
  auto rsp = rsp::make<GetEimConfigurationDataResponse_t>(asn_DEF_GetEimConfigurationDataResponse);
  try {
    for (const auto& eim : call.ctx.state().eims) {
      if (wanted && eim.eim_id != *wanted) continue;
      auto* d = asn1::alloc<EimConfigurationData_t>();
      asn1::append(rsp->eimConfigurationDataList.list, d);
      fill(*d, eim);
    }
  } catch (const asn1::DecodeError&) {
    // A stored key that no longer decodes: the card's own fault, never the client's.
    return apdu::Response::status(apdu::sw::kNoPreciseDiagnosis);
  }
  return rsp::answer(asn_DEF_GetEimConfigurationDataResponse, rsp);
}

}  // namespace euiccsim::applets::es10b
