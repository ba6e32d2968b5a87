// GetCerts (SGP.32 v1.2 §5.9.10): GetCertsRequest BF56 { 80 euiccCiPKId optional } -> BF56 {
// A0 { A5 EUM certificate, A6 eUICC certificate } } or BF56 { 81 getCertsError }.
//
// The request's PKID is '80' (docs/sgp32.md, finding 1). The card holds one certificate chain,
// so it answers it for the PKID of the CI that certified it, or when no PKID is given; another
// PKID is invalidCiPKId(1). A request that does not decode, or a card without an identity, is
// undefinedError(127).
#include "euiccsim/applets/ecasd.hpp"
#include "euiccsim/applets/isdr/es10.hpp"
#include "euiccsim/applets/rsp_asn1.hpp"

#include <Certificate.h>
#include <GetCertsRequest.h>
#include <GetCertsResponse.h>

#include <algorithm>

namespace euiccsim::applets::es10b {

namespace {

apdu::Response error(long code) {
  auto rsp = rsp::make<GetCertsResponse_t>(asn_DEF_GetCertsResponse);
  rsp->present = GetCertsResponse_PR_getCertsError;
  rsp->choice.getCertsError = code;
  return rsp::answer(asn_DEF_GetCertsResponse, rsp);
}

}  // namespace

apdu::Response get_certs(isdr::Es10Call& call, ByteView request) {
  auto req = rsp::decode_request<GetCertsRequest_t>(asn_DEF_GetCertsRequest, request);
  if (!req) return error(GetCertsResponse__getCertsError_undefinedError);
  const auto& identity = call.ctx.state().identity;
  if (identity.empty()) return error(GetCertsResponse__getCertsError_undefinedError);
  if (req->euiccCiPKId != nullptr) {
    const auto signing = ecasd::ci_pkids_for_signing(identity);
    if (std::find(signing.begin(), signing.end(), asn1::bytes_of(*req->euiccCiPKId)) ==
        signing.end()) {
      return error(GetCertsResponse__getCertsError_invalidCiPKId);
    }
  }
  auto rsp = rsp::make<GetCertsResponse_t>(asn_DEF_GetCertsResponse);
  rsp->present = GetCertsResponse_PR_certs;
  try {
    rsp::decode_into(asn_DEF_Certificate, &rsp->choice.certs.eumCertificate,
                     identity.eum_certificate);
    rsp::decode_into(asn_DEF_Certificate, &rsp->choice.certs.euiccCertificate,
                     identity.euicc_certificate);
  } catch (const asn1::DecodeError&) {
    return error(GetCertsResponse__getCertsError_undefinedError);
  }
  return rsp::answer(asn_DEF_GetCertsResponse, rsp);
}

}  // namespace euiccsim::applets::es10b
