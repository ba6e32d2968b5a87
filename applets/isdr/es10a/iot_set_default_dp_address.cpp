// SetDefaultDpAddress in SGP.32's form (SGP.32 v1.2 §5.9.25): IotSetDefaultDpAddressRequest
// BF65 { 80 defaultDpAddress } -> BF65 { 80 setDefaultDpAddressResult: ok 0 / undefinedError
// 127 }. The same request and result travel inside an eIM package as the setDefaultDpAddress
// PSMO and its result, so the work is done on bytes (set_default_dp_address_iot) the PSMO
// can call too.
//
// It does what SGP.22's BF3F does (es10a/set_default_dp_address.cpp): the empty string removes
// the address; an unchanged address is not written again; a request that does not decode is
// undefinedError(127).
#include "euiccsim/applets/isdr/es10.hpp"
#include "euiccsim/applets/rsp_asn1.hpp"

#include <IotSetDefaultDpAddressRequest.h>
#include <IotSetDefaultDpAddressResponse.h>

namespace euiccsim::applets::es10a {

Bytes set_default_dp_address_iot(AppletContext& ctx, ByteView request) {
  auto req = rsp::decode_request<IotSetDefaultDpAddressRequest_t>(
      asn_DEF_IotSetDefaultDpAddressRequest, request);
  auto rsp = rsp::make<IotSetDefaultDpAddressResponse_t>(asn_DEF_IotSetDefaultDpAddressResponse);
  rsp->setDefaultDpAddressResult =
      IotSetDefaultDpAddressResponse__setDefaultDpAddressResult_undefinedError;
  if (req) {
    auto address = asn1::string_of(req->defaultDpAddress);
    if (address != ctx.state().default_dp_address) {
      ctx.update_state().default_dp_address = std::move(address);
    }
    rsp->setDefaultDpAddressResult = IotSetDefaultDpAddressResponse__setDefaultDpAddressResult_ok;
  }
  return asn1::encode(asn_DEF_IotSetDefaultDpAddressResponse, rsp.get());
}

apdu::Response iot_set_default_dp_address(isdr::Es10Call& call, ByteView request) {
  try {
    return apdu::Response::ok(set_default_dp_address_iot(call.ctx, request));
  } catch (const asn1::EncodeError&) {
    call.ctx.roll_back();
    return apdu::Response::status(apdu::sw::kNoPreciseDiagnosis);
  }
}

}  // namespace euiccsim::applets::es10a
