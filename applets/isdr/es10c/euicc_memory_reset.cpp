// eUICCMemoryReset (SGP.22 v2.5 §5.7.19, procedure §3.3.3): EuiccMemoryResetRequest BF34 {
// 82 resetOptions BIT STRING } -> BF34 { 80 resetResult }.
//
// The rules (which Profiles go, PPRs overridden, delete notifications, nothingToDelete) live in
// isdp::memory_reset. Here: a request that does not decode is undefinedError(127); option bits
// this version does not define are ignored (SGP.32 adds bits 3..6 to the same string). When
// the reset deletes the Enabled Profile the ISD-R asks for a REFRESH: the function has no
// refreshFlag, and the terminal must not keep running a Profile that no longer exists.
#include "euiccsim/applets/isdp/profile_state.hpp"
#include "euiccsim/applets/isdr/es10.hpp"

#include <EuiccMemoryResetRequest.h>
#include <EuiccMemoryResetResponse.h>

#include <optional>

#include "euiccsim/applets/rsp_asn1.hpp"

namespace euiccsim::applets::es10c {

namespace {

std::optional<Bytes> enabled_aid(const CardState& state) {
  const auto* slot = state.enabled_profile();
  return slot != nullptr ? std::optional<Bytes>(slot->isdp_aid) : std::nullopt;
}

isdp::Result run(isdr::Es10Call& call, ByteView request) {
  auto req =
      rsp::decode_request<EuiccMemoryResetRequest_t>(asn_DEF_EuiccMemoryResetRequest, request);
  if (!req) return isdp::Result::kUndefinedError;
  // Bits 3.. are SGP.32's (BF64 on an iot card; SGP.32 v1.0 gave them other meanings here).
  const auto options = asn1::bits_of(req->resetOptions) & isdp::kSgp22ResetOptions;
  const auto before = enabled_aid(call.ctx.state());
  auto result = isdp::memory_reset(call.ctx.update_state(), options);
  // isdp::memory_reset changed nothing: do not let the runtime write an unchanged card image.
  if (result != isdp::Result::kOk) {
    call.ctx.roll_back();
  } else if (before && enabled_aid(call.ctx.state()) != before) {
    call.ctx.request_refresh();
  }
  return result;
}

}  // namespace

apdu::Response euicc_memory_reset(isdr::Es10Call& call, ByteView request) {
  auto result = run(call, request);
  auto rsp = rsp::make<EuiccMemoryResetResponse_t>(asn_DEF_EuiccMemoryResetResponse);
  rsp->resetResult = static_cast<long>(result);
  return rsp::answer(asn_DEF_EuiccMemoryResetResponse, rsp);
}

}  // namespace euiccsim::applets::es10c
