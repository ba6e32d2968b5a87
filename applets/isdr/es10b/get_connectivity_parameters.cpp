// GetConnectivityParameters (SGP.32 v1.2 §5.9.24): GetConnectivityParametersRequest BF5F {} ->
// BF5F { A0 { 81 httpParams opt } } or BF5F { 81 connectivityParametersError }.
//
// The parameters come from the enabled profile (PROTOCOL.md §3.8: the profile package's
// connectivityParameters, not verified); our installer does not keep them, so this card has
// none to give: parametersNotAvailable(1). A request that does not decode: undefinedError(127).
#include "euiccsim/applets/isdr/es10.hpp"
#include "euiccsim/applets/rsp_asn1.hpp"

#include <GetConnectivityParametersRequest.h>
#include <GetConnectivityParametersResponse.h>

namespace euiccsim::applets::es10b {

apdu::Response get_connectivity_parameters(isdr::Es10Call&, ByteView request) {
  auto req = rsp::decode_request<GetConnectivityParametersRequest_t>(
      asn_DEF_GetConnectivityParametersRequest, request);
  auto rsp =
      rsp::make<GetConnectivityParametersResponse_t>(asn_DEF_GetConnectivityParametersResponse);
  rsp->present = GetConnectivityParametersResponse_PR_connectivityParametersError;
  rsp->choice.connectivityParametersError =
      req ? GetConnectivityParametersResponse__connectivityParametersError_parametersNotAvailable
          : GetConnectivityParametersResponse__connectivityParametersError_undefinedError;
  return rsp::answer(asn_DEF_GetConnectivityParametersResponse, rsp);
}

}  // namespace euiccsim::applets::es10b
