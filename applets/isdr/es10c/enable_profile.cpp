// EnableProfile (SGP.22 v2.5 §5.7.16, procedure §3.2.1): EnableProfileRequest BF31 { A0 { 4F aid
// | 5A iccid }, 81 refreshFlag } -> BF31 { 80 enableResult }.
//
// The rules (PPR1, test and provisioning Profiles, notifications) live in isdp::enable. Here:
// a request that does not decode is undefinedError(127); an identifier naming no Profile is
// iccidOrAidNotFound, as is any ICCID under the enable-by-aid-only quirk. With refreshFlag set,
// a successful enable asks the runtime for a REFRESH, so the terminal sees the new Profile at
// once; without it the new Profile becomes active at the next reset.
#include <EnableProfileRequest.h>
#include <EnableProfileResponse.h>

#include "euiccsim/applets/rsp_asn1.hpp"
#include "profile_identifier.hpp"

namespace euiccsim::applets::es10c {

namespace {

isdp::Result run(isdr::Es10Call& call, ByteView request) {
  auto req = rsp::decode_request<EnableProfileRequest_t>(asn_DEF_EnableProfileRequest, request);
  if (!req) return isdp::Result::kUndefinedError;
  const auto& id = req->profileIdentifier;
  const bool iccid = id.present == EnableProfileRequest__profileIdentifier_PR_iccid;
  if (!iccid && id.present != EnableProfileRequest__profileIdentifier_PR_isdpAid) return isdp::Result::kUndefinedError;
  const auto& value = iccid ? id.choice.iccid : id.choice.isdpAid;
  return change_profile(call, {iccid, ByteView(value.buf, value.size)}, req->refreshFlag != 0,
                        isdp::enable);
}

}  // namespace

apdu::Response enable_profile(isdr::Es10Call& call, ByteView request) {
  auto result = run(call, request);
  auto rsp = rsp::make<EnableProfileResponse_t>(asn_DEF_EnableProfileResponse);
  rsp->enableResult = static_cast<long>(result);
  return rsp::answer(asn_DEF_EnableProfileResponse, rsp);
}

}  // namespace euiccsim::applets::es10c
