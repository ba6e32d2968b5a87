// eUICCMemoryReset in SGP.32's form (SGP.32 v1.2 §5.9.5): IotEuiccMemoryResetRequest BF64 {
// 82 resetOptions BIT STRING } -> BF64 { 80 resetResult, 81 resetEimResult opt,
// 82 resetImmediateEnableConfigResult opt }.
//
// Bits 0-2 are SGP.22's (es10c/euicc_memory_reset.cpp); bits 3 deletePreLoadedTestProfiles and
// 4 deleteProvisioningProfiles widen which profiles go. All five go through isdp::memory_reset
// (delete notifications, PPRs overridden, the Test Profile fallback). Then:
//  - bit 5 resetEimConfigData forgets every associated eIM (and with them their counters and
//    the ProfileRollback context their packages left): resetEimResult ok, or nothingToDelete(1)
//    when no eIM was associated. The association-token counter is kept, so a token is never
//    given twice;
//  - bit 6 resetImmediateEnableConfig forgets ConfigureImmediateProfileEnabling's
//    configuration: resetImmediateEnableConfigResult ok (the result has no "nothing to
//    delete").
// resetResult is ok when any option had something to do, nothingToDelete(1) when none had
// (then the card is unchanged); '81' and '82' are present exactly when bits 5 and 6 were set.
// Decisions where the specification text was not at hand:
//  - catBusy(5) under the cat-busy quirk and ecallActive(104) while the Emergency Profile is
//    enabled refuse the whole reset before anything is looked at, and answer resetResult only;
//  - pending notifications and stored eUICC package results survive, as SGP.22's reset keeps
//    notifications (the delete notifications are new ones);
//  - a request that does not decode answers resetResult undefinedError(127) alone.
// As for BF34, deleting the enabled profile asks for a REFRESH.
#include "euiccsim/applets/isdp/profile_state.hpp"
#include "euiccsim/applets/isdr/es10.hpp"

#include <IotEuiccMemoryResetRequest.h>
#include <IotEuiccMemoryResetResponse.h>

#include <optional>

#include "euiccsim/applets/rsp_asn1.hpp"

namespace euiccsim::applets::es10c {

namespace {

constexpr std::uint32_t kProfileOptions = isdp::kSgp22ResetOptions |
                                          isdp::kDeletePreLoadedTestProfiles |
                                          isdp::kDeleteProvisioningProfiles;
constexpr std::uint32_t kResetEimConfigData = 1u << 5;
constexpr std::uint32_t kResetImmediateEnableConfig = 1u << 6;

using Response = asn1::Value<IotEuiccMemoryResetResponse_t>;

Response reset_result(long code) {
  auto rsp = rsp::make<IotEuiccMemoryResetResponse_t>(asn_DEF_IotEuiccMemoryResetResponse);
  rsp->resetResult = code;
  return rsp;
}

long* new_long(long value) {
  auto* p = asn1::alloc<long>();
  *p = value;
  return p;
}

std::optional<Bytes> enabled_aid(const CardState& state) {
  const auto* slot = state.enabled_profile();
  return slot != nullptr ? std::optional<Bytes>(slot->isdp_aid) : std::nullopt;
}

Response run(isdr::Es10Call& call, ByteView request) {
  auto req = rsp::decode_request<IotEuiccMemoryResetRequest_t>(asn_DEF_IotEuiccMemoryResetRequest,
                                                               request);
  if (!req) return reset_result(IotEuiccMemoryResetResponse__resetResult_undefinedError);
  const auto& state = call.ctx.state();
  if (state.config.has_quirk(quirk::kCatBusy)) {
    return reset_result(IotEuiccMemoryResetResponse__resetResult_catBusy);
  }
  for (const auto& p : state.profiles) {
    if (p.ecall_indication && p.enabled) {
      return reset_result(IotEuiccMemoryResetResponse__resetResult_ecallActive);
    }
  }
  const auto options = asn1::bits_of(req->resetOptions);
  const auto before = enabled_aid(state);
  auto& next = call.ctx.update_state();
  bool done = false;
  if ((options & kProfileOptions) != 0) {
    switch (isdp::memory_reset(next, options & kProfileOptions)) {
      case isdp::Result::kOk:
        done = true;
        break;
      case isdp::Result::kNothingToDelete:
        break;
      default:  // nothing else is possible once catBusy is ruled out
        call.ctx.roll_back();
        return reset_result(IotEuiccMemoryResetResponse__resetResult_undefinedError);
    }
  }
  auto rsp = reset_result(IotEuiccMemoryResetResponse__resetResult_ok);
  if ((options & kResetEimConfigData) != 0) {
    const bool any = !next.eims.empty();
    next.eims.clear();
    next.rollback.reset();
    done = done || any;
    rsp->resetEimResult =
        new_long(any ? IotEuiccMemoryResetResponse__resetEimResult_ok
                     : IotEuiccMemoryResetResponse__resetEimResult_nothingToDelete);
  }
  if ((options & kResetImmediateEnableConfig) != 0) {
    done = done || next.immediate_enable.has_value();
    next.immediate_enable.reset();
    rsp->resetImmediateEnableConfigResult =
        new_long(IotEuiccMemoryResetResponse__resetImmediateEnableConfigResult_ok);
  }
  if (!done) {
    // Nothing was there to reset: the card image stays as it was.
    call.ctx.roll_back();
    rsp->resetResult = IotEuiccMemoryResetResponse__resetResult_nothingToDelete;
  } else if (before && enabled_aid(call.ctx.state()) != before) {
    call.ctx.request_refresh();
  }
  return rsp;
}

}  // namespace

apdu::Response iot_euicc_memory_reset(isdr::Es10Call& call, ByteView request) {
  return rsp::answer(asn_DEF_IotEuiccMemoryResetResponse, run(call, request));
}

}  // namespace euiccsim::applets::es10c
