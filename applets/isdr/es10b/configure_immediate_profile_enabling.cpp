// ConfigureImmediateProfileEnabling (SGP.32 v1.2 §5.9.17): ConfigureImmediateProfileEnablingRequest
// BF59 { 80 immediateEnableFlag NULL opt, 81 defaultSmdpOid opt, 82 defaultSmdpAddress opt } ->
// BF59 { 80 configImmediateEnableResult }.
//
// The request replaces the whole configuration (CardState::immediate_enable): the flag is set
// only when '80' is present; the OID is kept as its content octets, the address as given.
// Decisions where the specification text was not at hand:
// - associatedEimAlreadyExists(2): while an eIM is associated, that eIM alone configures
//   immediate enabling (the configureImmediateEnable PSMO of its signed packages), so the
//   IPA's unsigned ES10b call is refused, as AddInitialEim is once an eIM exists.
// - The address is the one ImmediateEnable's download is expected from; it is not the ES10a
//   default SM-DP+ address, which this function leaves alone.
// - insufficientMemory(1) never happens: the configuration has a fixed size.
// A request that does not decode is undefinedError(127). An unchanged configuration is not
// written again.
#include "euiccsim/applets/isdr/es10.hpp"
#include "euiccsim/applets/rsp_asn1.hpp"

#include <ConfigureImmediateProfileEnablingRequest.h>
#include <ConfigureImmediateProfileEnablingResponse.h>

namespace euiccsim::applets::es10b {

namespace {

apdu::Response result(long code) {
  auto rsp = rsp::make<ConfigureImmediateProfileEnablingResponse_t>(
      asn_DEF_ConfigureImmediateProfileEnablingResponse);
  rsp->configImmediateEnableResult = code;
  return rsp::answer(asn_DEF_ConfigureImmediateProfileEnablingResponse, rsp);
}

}  // namespace

apdu::Response configure_immediate_profile_enabling(isdr::Es10Call& call, ByteView request) {
  auto req = rsp::decode_request<ConfigureImmediateProfileEnablingRequest_t>(
      asn_DEF_ConfigureImmediateProfileEnablingRequest, request);
  if (!req) {
    return result(
        ConfigureImmediateProfileEnablingResponse__configImmediateEnableResult_undefinedError);
  }
  if (!call.ctx.state().eims.empty()) {
    return result(
        ConfigureImmediateProfileEnablingResponse__configImmediateEnableResult_associatedEimAlreadyExists);
  }
  ImmediateEnableConfig config;
  config.immediate_enable = req->immediateEnableFlag != nullptr;
  if (const auto* oid = req->defaultSmdpOid)
    config.default_smdp_oid.assign(oid->buf, oid->buf + oid->size);
  if (req->defaultSmdpAddress)
    config.default_smdp_address = asn1::string_of(*req->defaultSmdpAddress);
  if (call.ctx.state().immediate_enable != config) {
    call.ctx.update_state().immediate_enable = std::move(config);
  }
  return result(ConfigureImmediateProfileEnablingResponse__configImmediateEnableResult_ok);
}

}  // namespace euiccsim::applets::es10b
