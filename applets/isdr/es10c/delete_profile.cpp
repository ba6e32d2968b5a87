// DeleteProfile (SGP.22 v2.5 §5.7.18, procedure §3.2.3): DeleteProfileRequest BF33 is the
// CHOICE itself, BF33 { 4F aid } or BF33 { 5A iccid } -> BF33 { 80 deleteResult }.
//
// The rules (Disabled only, PPR2, delete notification) live in isdp::remove. Here: a request
// that does not decode is undefinedError(127); an identifier naming no Profile is
// iccidOrAidNotFound, as is any ICCID under the enable-by-aid-only quirk (the quirk covers
// every ES10c function that takes a Profile identifier).
#include <DeleteProfileRequest.h>
#include <DeleteProfileResponse.h>

#include "euiccsim/applets/rsp_asn1.hpp"
#include "profile_identifier.hpp"

namespace euiccsim::applets::es10c {

namespace {

isdp::Result run(isdr::Es10Call& call, ByteView request) {
  auto req = rsp::decode_request<DeleteProfileRequest_t>(asn_DEF_DeleteProfileRequest, request);
  if (!req) return isdp::Result::kUndefinedError;
  const bool iccid = req->present == DeleteProfileRequest_PR_iccid;
  if (!iccid && req->present != DeleteProfileRequest_PR_isdpAid) return isdp::Result::kUndefinedError;
  const auto& value = iccid ? req->choice.iccid : req->choice.isdpAid;
  return change_profile(call, {iccid, ByteView(value.buf, value.size)}, false, isdp::remove);
}

}  // namespace

apdu::Response delete_profile(isdr::Es10Call& call, ByteView request) {
  auto result = run(call, request);
  auto rsp = rsp::make<DeleteProfileResponse_t>(asn_DEF_DeleteProfileResponse);
  rsp->deleteResult = static_cast<long>(result);
  return rsp::answer(asn_DEF_DeleteProfileResponse, rsp);
}

}  // namespace euiccsim::applets::es10c
