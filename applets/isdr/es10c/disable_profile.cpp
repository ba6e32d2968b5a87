// DisableProfile (SGP.22 v2.5 §5.7.17, procedure §3.2.2): DisableProfileRequest BF32 { A0 {
// 4F aid | 5A iccid }, 81 refreshFlag } -> BF32 { 80 disableResult }.
//
// The rules (PPR1, notifications) live in isdp::disable. Here: a request that does not decode
// is undefinedError(127); an identifier naming no Profile is iccidOrAidNotFound, as is any
// ICCID under the enable-by-aid-only quirk. With refreshFlag set, a successful disable asks the
// runtime for a REFRESH, so the terminal loses the Profile at once; without it the Profile
// stays active until the next reset.
#include <DisableProfileRequest.h>
#include <DisableProfileResponse.h>

#include "euiccsim/applets/rsp_asn1.hpp"
#include "profile_identifier.hpp"

namespace euiccsim::applets::es10c {

namespace {

isdp::Result run(isdr::Es10Call& call, ByteView request) {
  auto req = rsp::decode_request<DisableProfileRequest_t>(asn_DEF_DisableProfileRequest, request);
  if (!req) return isdp::Result::kUndefinedError;
  const auto& id = req->profileIdentifier;
  const bool iccid = id.present == DisableProfileRequest__profileIdentifier_PR_iccid;
  if (!iccid && id.present != DisableProfileRequest__profileIdentifier_PR_isdpAid) return isdp::Result::kUndefinedError;
  const auto& value = iccid ? id.choice.iccid : id.choice.isdpAid;
  return change_profile(call, {iccid, ByteView(value.buf, value.size)}, req->refreshFlag != 0,
                        isdp::disable);
}

}  // namespace

apdu::Response disable_profile(isdr::Es10Call& call, ByteView request) {
  auto result = run(call, request);
  auto rsp = rsp::make<DisableProfileResponse_t>(asn_DEF_DisableProfileResponse);
  rsp->disableResult = static_cast<long>(result);
  return rsp::answer(asn_DEF_DisableProfileResponse, rsp);
}

}  // namespace euiccsim::applets::es10c
