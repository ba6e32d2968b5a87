// GetEuiccConfiguredAddresses (SGP.22 v2.5 §5.7.3): EuiccConfiguredAddressesRequest BF3C {}
// -> BF3C { 80 defaultDpAddress (only when one is configured), 81 rootDsAddress }.
#include "euiccsim/applets/isdr/es10.hpp"
#include "euiccsim/applets/rsp_asn1.hpp"

#include <EuiccConfiguredAddressesRequest.h>
#include <EuiccConfiguredAddressesResponse.h>

namespace euiccsim::applets::es10a {

apdu::Response get_euicc_configured_addresses(isdr::Es10Call& call, ByteView request) {
  auto req = rsp::decode_request<EuiccConfiguredAddressesRequest_t>(
      asn_DEF_EuiccConfiguredAddressesRequest, request);
  // The function has no error code: a request it cannot read has no ASN.1 answer.
  if (!req) return apdu::Response::status(apdu::sw::kIncorrectData);

  const auto& state = call.ctx.state();
  auto rsp =
      rsp::make<EuiccConfiguredAddressesResponse_t>(asn_DEF_EuiccConfiguredAddressesResponse);
  // An empty address means "none configured" (SetDefaultDpAddress with an empty string clears
  // it), which the response expresses by leaving the OPTIONAL field out.
  if (!state.default_dp_address.empty()) {
    rsp->defaultDpAddress = asn1::new_string<UTF8String_t>(state.default_dp_address);
  }
  asn1::set_string(rsp->rootDsAddress, state.root_ds_address);
  return rsp::answer(asn_DEF_EuiccConfiguredAddressesResponse, rsp);
}

}  // namespace euiccsim::applets::es10a
