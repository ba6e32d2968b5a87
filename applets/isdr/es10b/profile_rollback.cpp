// ProfileRollback (SGP.32 v1.2 §5.9.16): ProfileRollbackRequest BF58 { 80 refreshFlag } ->
// BF58 { 02 cmdResult, BF51 eUICCPackageResult opt }.
//
// The IPA calls it when the profile an eIM enabled with rollbackFlag cannot reach the network:
// the profile that enable displaced is enabled again (or, if none was, the new one is
// disabled). Rules (docs/sgp32.md, "ProfileRollback"):
//  - rollbackNotAllowed(1) without a rollback context (no enable with rollbackFlag since, or a
//    later enable, rollback or memory reset ended it), when the profile that enable enabled is
//    no longer the enabled one, or when the profile to return to is gone;
//  - catBusy(5) under the cat-busy quirk;
//  - commandError(7) when the profile change itself is refused (a policy rule);
//  - undefinedError(127) when the change's notification or the signed result finds no room
//    (kMaxNotifications, kMaxPackageResults, memory); nothing changes then;
//  - ok(0): the answer carries a new signed EuiccPackageResult for the eIM whose package set
//    the context (its counterValue and eimTransactionId, the next sequence number, one
//    rollbackResult ok), which also stays on the card like any package result. If that eIM
//    has been deleted since, there is nobody to sign for, and the result is left out.
#include "../euicc_package_result.hpp"
#include "euiccsim/applets/isdp/profile_state.hpp"
#include "euiccsim/applets/isdr/es10.hpp"
#include "euiccsim/applets/rsp_asn1.hpp"
#include "euiccsim/crypto/tlv.hpp"

#include <EuiccPackageResultDataSigned.h>
#include <EuiccResultData.h>
#include <ProfileRollbackRequest.h>
#include <ProfileRollbackResponse.h>

#include <algorithm>

namespace euiccsim::applets::es10b {

namespace {

constexpr long kOk = ProfileRollbackResponse__cmdResult_ok;
constexpr long kRollbackNotAllowed = ProfileRollbackResponse__cmdResult_rollbackNotAllowed;
constexpr long kCatBusy = ProfileRollbackResponse__cmdResult_catBusy;
constexpr long kCommandError = ProfileRollbackResponse__cmdResult_commandError;
constexpr long kUndefinedError = ProfileRollbackResponse__cmdResult_undefinedError;

apdu::Response respond(long code, const Bytes& package_result = {}) {
  Bytes content = tlv::encode(0x02, tlv::encode_uint(static_cast<std::uint64_t>(code), 1));
  content.insert(content.end(), package_result.begin(), package_result.end());
  return apdu::Response::ok(tlv::encode(0xBF58, content));
}

// The rollback's signed result for the eIM of `context`, stored like a package result.
Bytes rollback_result(isdr::Es10Call& call, CardState& state, const RollbackContext& context) {
  const EimConfig* eim = state.find_eim(context.eim_id);
  if (eim == nullptr) return {};
  auto data = rsp::make<EuiccPackageResultDataSigned_t>(asn_DEF_EuiccPackageResultDataSigned);
  asn1::set_string(data->eimId, context.eim_id);
  data->counterValue = static_cast<long>(context.counter_value);
  if (!context.transaction_id.empty()) {
    data->eimTransactionId = asn1::new_octets<TransactionId_t>(context.transaction_id);
  }
  const std::uint64_t seq = ++state.last_seq_number;
  data->seqNumber = static_cast<long>(seq);
  auto* r = asn1::alloc<EuiccResultData_t>();
  asn1::append(data->euiccResult.list, r);
  r->present = EuiccResultData_PR_rollbackResult;
  r->choice.rollbackResult = RollbackProfileResult_ok;
  const Bytes der = asn1::encode(asn_DEF_EuiccPackageResultDataSigned, data.get());
  Bytes result = isdr::sign_package_result(
      call, der, isdr::association_token_do(eim->association_token), false);
  StoredPackageResult stored{seq, context.eim_id, result};
  if (!state.can_keep_package_result(stored.stored_size())) {
    throw std::runtime_error("no room for another package result");
  }
  state.package_results.push_back(std::move(stored));
  return result;
}

}  // namespace

apdu::Response profile_rollback(isdr::Es10Call& call, ByteView request) {
  auto req = rsp::decode_request<ProfileRollbackRequest_t>(asn_DEF_ProfileRollbackRequest, request);
  if (!req) return respond(kUndefinedError);
  const auto& state = call.ctx.state();
  if (!state.rollback) return respond(kRollbackNotAllowed);
  const RollbackContext context = *state.rollback;
  const ProfileSlot* enabled = state.enabled_profile();
  if (enabled == nullptr || enabled->isdp_aid != context.enabled_aid) {
    return respond(kRollbackNotAllowed);
  }
  if (context.previous_aid) {
    const auto& profiles = state.profiles;
    if (std::none_of(profiles.begin(), profiles.end(),
                     [&](const ProfileSlot& p) { return p.isdp_aid == *context.previous_aid; })) {
      return respond(kRollbackNotAllowed);
    }
  }
  if (state.config.has_quirk(quirk::kCatBusy)) return respond(kCatBusy);

  auto& next = call.ctx.update_state();
  try {
    const auto changed = context.previous_aid
                             ? isdp::enable(next, *next.find_by_aid(*context.previous_aid))
                             : isdp::disable(next, *next.find_by_aid(context.enabled_aid));
    if (changed != isdp::Result::kOk) {
      call.ctx.roll_back();
      return respond(changed == isdp::Result::kUndefinedError ? kUndefinedError : kCommandError);
    }
    next.rollback.reset();
    Bytes result = rollback_result(call, next, context);
    if (req->refreshFlag) call.ctx.request_refresh();
    return respond(kOk, result);
  } catch (const std::exception&) {
    call.ctx.roll_back();
    return respond(kUndefinedError);
  }
}

}  // namespace euiccsim::applets::es10b
