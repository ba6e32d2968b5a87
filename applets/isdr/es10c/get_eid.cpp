// GetEID (SGP.22 §5.7.20): GetEuiccDataRequest BF3E { 5C 01 5A } -> BF3E { 5A 10 EID }.
#include "euiccsim/applets/isdr/es10.hpp"
#include "euiccsim/applets/rsp_asn1.hpp"

#include <GetEuiccDataRequest.h>
#include <GetEuiccDataResponse.h>

namespace euiccsim::applets::es10c {

apdu::Response get_eid(isdr::Es10Call& call, ByteView request) {
  auto req = rsp::decode_request<GetEuiccDataRequest_t>(asn_DEF_GetEuiccDataRequest, request);
  // The function has no error code: a request it cannot read, or a tag list other than the
  // EID's, has no ASN.1 answer.
  if (!req || req->tagList.size != 1 || req->tagList.buf[0] != 0x5A) {
    return apdu::Response::status(apdu::sw::kIncorrectData);
  }
  auto rsp = rsp::make<GetEuiccDataResponse_t>(asn_DEF_GetEuiccDataResponse);
  asn1::set_octets(rsp->eidValue, call.ctx.state().eid.bytes());
  return rsp::answer(asn_DEF_GetEuiccDataResponse, rsp);
}

}  // namespace euiccsim::applets::es10c
