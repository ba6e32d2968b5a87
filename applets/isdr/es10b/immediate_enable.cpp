// ImmediateEnable (SGP.32 v1.2 §5.9.15): ImmediateEnableRequest BF5A { 80 refreshFlag } ->
// BF5A { 80 immediateEnableResult }.
//
// Enables the profile the last download installed, without the eIM's enable package, when
// ConfigureImmediateProfileEnabling allowed it. Checks, in this order:
//  - a request that does not decode: undefinedError(127);
//  - no configuration, or one without immediateEnableFlag: immediateEnableNotAvailable(1);
//  - no profile installed by a download since the last card reset (isdr::Session, volatile
//    like the download itself), or that profile deleted or enabled since: noSessionContext(4);
//  - then isdp::enable: catBusy(5) under the cat-busy quirk. ImmediateEnable has no
//    disallowedByPolicy: an enabled profile whose PPR1 forbids disabling it still holds, and
//    the card answers undefinedError(127) (our decision: the immediate path must not bypass a
//    rule the eIM's own enable package would meet).
// The download is not compared with the configured defaultSmdpOid / defaultSmdpAddress: no
// text we read says the card must, and the IPA chose the SM-DP+ it downloaded from.
// The enable queues the same notifications as EnableProfile. Once it succeeds the session
// forgets the profile, so a second ImmediateEnable is noSessionContext.
#include "euiccsim/applets/isdr/es10.hpp"
#include "euiccsim/applets/rsp_asn1.hpp"

#include <ImmediateEnableRequest.h>
#include <ImmediateEnableResponse.h>

#include "profile_switch.hpp"

namespace euiccsim::applets::es10b {

namespace {

long run(isdr::Es10Call& call, ByteView request) {
  auto req = rsp::decode_request<ImmediateEnableRequest_t>(asn_DEF_ImmediateEnableRequest, request);
  if (!req) return ImmediateEnableResponse__immediateEnableResult_undefinedError;
  const auto& state = call.ctx.state();
  if (!state.immediate_enable || !state.immediate_enable->immediate_enable) {
    return ImmediateEnableResponse__immediateEnableResult_immediateEnableNotAvailable;
  }
  const auto& installed = call.session.last_installed_aid;
  const auto index = installed ? profile_index(state, *installed) : std::nullopt;
  if (!index || state.profiles[*index].enabled) {
    return ImmediateEnableResponse__immediateEnableResult_noSessionContext;
  }
  auto result = switch_profiles(call, req->refreshFlag != 0,
                                [&](CardState& s) { return isdp::enable(s, s.profiles[*index]); });
  switch (result) {
    case isdp::Result::kOk:
      call.session.last_installed_aid.reset();
      return ImmediateEnableResponse__immediateEnableResult_ok;
    case isdp::Result::kCatBusy:
      return ImmediateEnableResponse__immediateEnableResult_catBusy;
    default:
      return ImmediateEnableResponse__immediateEnableResult_undefinedError;
  }
}

}  // namespace

apdu::Response immediate_enable(isdr::Es10Call& call, ByteView request) {
  auto rsp = rsp::make<ImmediateEnableResponse_t>(asn_DEF_ImmediateEnableResponse);
  rsp->immediateEnableResult = run(call, request);
  return rsp::answer(asn_DEF_ImmediateEnableResponse, rsp);
}

}  // namespace euiccsim::applets::es10b
