// SetDefaultDpAddress (SGP.22 v2.5 §5.7.4): SetDefaultDpAddressRequest BF3F { 80 address }
// -> BF3F { 80 setDefaultDpAddressResult: ok 0 / undefinedError 127 }.
#include "euiccsim/applets/isdr/es10.hpp"
#include "euiccsim/applets/rsp_asn1.hpp"

#include <SetDefaultDpAddressRequest.h>
#include <SetDefaultDpAddressResponse.h>

namespace euiccsim::applets::es10a {

namespace {

apdu::Response result(long code) {
  auto rsp = rsp::make<SetDefaultDpAddressResponse_t>(asn_DEF_SetDefaultDpAddressResponse);
  rsp->setDefaultDpAddressResult = code;
  return rsp::answer(asn_DEF_SetDefaultDpAddressResponse, rsp);
}

}  // namespace

apdu::Response set_default_dp_address(isdr::Es10Call& call, ByteView request) {
  auto req = rsp::decode_request<SetDefaultDpAddressRequest_t>(asn_DEF_SetDefaultDpAddressRequest,
                                                               request);
  // Anything that is not one SetDefaultDpAddressRequest (missing or wrongly tagged address,
  // truncated content, invalid UTF-8) is the function's catch-all error.
  if (!req) return result(SetDefaultDpAddressResponse__setDefaultDpAddressResult_undefinedError);

  // The empty string is how an LPA removes the address (§5.7.4): stored as empty, it is then
  // left out of GetEuiccConfiguredAddresses. The card image is only rewritten on a change.
  auto address = asn1::string_of(req->defaultDpAddress);
  if (address != call.ctx.state().default_dp_address) {
    call.ctx.update_state().default_dp_address = std::move(address);
  }
  return result(SetDefaultDpAddressResponse__setDefaultDpAddressResult_ok);
}

}  // namespace euiccsim::applets::es10a
