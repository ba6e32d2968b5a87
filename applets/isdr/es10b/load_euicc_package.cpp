// LoadEuiccPackage (SGP.32 v1.2 §5.9.1, procedure §2.11.1.1): EuiccPackageRequest BF51 { 30
// euiccPackageSigned { 80 eimId, 5A eid, 81 counterValue, 82 eimTransactionId opt, A0 psmoList |
// A1 ecoList }, 5F37 eimSignature } -> EuiccPackageResult BF51 { A0 signed result | A1 signed
// error | A2 unsigned error }.
//
// The order of the checks (docs/sgp32.md, "LoadEuiccPackage"):
//  1. not one EuiccPackageRequest: the unsigned error if the eimId can still be read, else
//     6A80 (an unsigned error without an eimId cannot be encoded);
//  2. an eimId no associated eIM has: the unsigned error;
//  3. a signature that does not verify with that eIM's key over DER(euiccPackageSigned) ‖ the
//     associationToken data object: the unsigned error, with the eIM's token;
//  from here the package is the eIM's own, and errors are signed:
//  4. an EID that is not this card's: invalidEid(3);
//  5. a counterValue not above the eIM's stored one: replayError(4); above the highest value
//     the card accepts (kMaxEimCounterValue): counterValueOutOfRange(6);
//  6. the Emergency Profile enabled: ecallActive(104);
//  7. more operations than the card executes in one package (kMaxOperations): sizeOverflow(15);
//  8. no room for another package result (kMaxPackageResults, or the card's memory, checked
//     again once the result is signed): undefinedError(127), nothing of the package done
//     (EuiccPackageErrorCode has no memory code; docs/sgp32.md, "Memory").
// Then the counter is stored and the operations run in order; the first that fails ends the
// package (its result is the last one reported, the operations after it do not run). The
// whole package is one change of the card image: the runtime persists it before the result
// leaves, so a card killed at any instant restarts with all of it or none of it. The signed
// result takes the next sequence number of the notifications and stays on the card until
// RemoveNotificationFromList removes it.
#include "../eim_configuration.hpp"
#include "../euicc_package_result.hpp"
#include "euiccsim/applets/isdp/profile_state.hpp"
#include "euiccsim/applets/isdr/es10.hpp"
#include "euiccsim/applets/rsp_asn1.hpp"
#include "euiccsim/crypto/tlv.hpp"

#include <AddEimResult.h>
#include <Eco.h>
#include <EimIdInfo.h>
#include <EuiccPackageErrorDataSigned.h>
#include <EuiccPackageErrorUnsigned.h>
#include <EuiccPackageRequest.h>
#include <EuiccPackageResult.h>
#include <EuiccPackageResultDataSigned.h>
#include <EuiccResultData.h>
#include <GetRatResponse.h>
#include <IotProfileInfoListResponse.h>
#include <ListEimResult.h>
#include <Psmo.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>

#include "euiccsim/crypto/ecdsa.hpp"

namespace euiccsim::applets::es10b {

namespace {

// euicc-sim's bound on the operations of one package (sizeOverflow beyond).
constexpr int kMaxOperations = 32;

constexpr long kInvalidEid = 3;
constexpr long kReplayError = 4;
constexpr long kCounterValueOutOfRange = 6;
constexpr long kSizeOverflow = 15;
constexpr long kEcallActive = 104;
constexpr long kUndefinedError = 127;

// Result codes shared by several operations (EnableProfileResult ... numbering).
constexpr long kOk = 0;
constexpr long kIccidOrAidNotFound = 1;
constexpr long kRollbackNotAvailable = 20;
constexpr long kReturnFallbackProfile = 21;
constexpr long kFallbackNotAllowed = 2;
constexpr long kNoFallbackAttribute = 2;
constexpr long kFallbackProfileEnabled = 3;
constexpr long kEimNotFound = 1;
constexpr long kLastEimDeleted = 2;
constexpr long kAssociatedEimAlreadyExists = 2;
constexpr long kInsufficientMemory = 1;

Bytes unsigned_error(const std::string& eim_id, const std::optional<Bytes>& transaction_id,
                     const std::optional<std::uint64_t>& token) {
  auto rsp = rsp::make<EuiccPackageResult_t>(asn_DEF_EuiccPackageResult);
  rsp->present = EuiccPackageResult_PR_euiccPackageErrorUnsigned;
  auto& e = rsp->choice.euiccPackageErrorUnsigned;
  asn1::set_string(e.eimId, eim_id);
  if (transaction_id) e.eimTransactionId = asn1::new_octets<TransactionId_t>(*transaction_id);
  if (token) {
    e.associationToken = asn1::alloc<long>();
    *e.associationToken = static_cast<long>(*token);
  }
  return asn1::encode(asn_DEF_EuiccPackageResult, rsp.get());
}

// The eimId (and transaction id) of a request that does not decode, read from the raw TLVs
// so the IPA can still route the unsigned error to the eIM that sent it.
struct RawIds {
  std::string eim_id;
  std::optional<Bytes> transaction_id;
};
std::optional<RawIds> raw_ids(ByteView request) {
  auto top = tlv::read(request);
  if (!top || top->tag != 0xBF51) return std::nullopt;
  auto signed_part = tlv::read(top->value);
  if (!signed_part || signed_part->tag != 0x30) return std::nullopt;
  auto fields = tlv::read_all(signed_part->value);
  if (!fields) return std::nullopt;
  auto id = tlv::find(*fields, 0x80);
  if (!id || id->value.empty() || id->value.size() > 128) return std::nullopt;
  RawIds out{std::string(id->value.begin(), id->value.end()), std::nullopt};
  if (auto tx = tlv::find(*fields, 0x82); tx && !tx->value.empty() && tx->value.size() <= 16) {
    out.transaction_id = Bytes(tx->value.begin(), tx->value.end());
  }
  return out;
}

bool signature_verifies(const EimConfig& eim, ByteView signed_der, ByteView signature) {
  if (!eim.public_key) return false;
  try {
    const auto key = eim.public_key->kind == EimKeyData::Kind::kCertificate
                         ? crypto::PublicKey::from_certificate(eim.public_key->der)
                         : crypto::PublicKey::from_subject_public_key_info(eim.public_key->der);
    Bytes input(signed_der.begin(), signed_der.end());
    const Bytes token = isdr::association_token_do(eim.association_token);
    input.insert(input.end(), token.begin(), token.end());
    return key.verify(input, signature);
  } catch (const std::exception&) {
    // A stored key the card cannot use verifies nothing.
    return false;
  }
}

// What the package is answered under once its eIM is known.
struct Signer {
  std::string eim_id;
  long counter = 0;
  std::optional<Bytes> transaction_id;
  Bytes token_do;
};

Bytes signed_error(isdr::Es10Call& call, const Signer& s, long code) {
  auto data = rsp::make<EuiccPackageErrorDataSigned_t>(asn_DEF_EuiccPackageErrorDataSigned);
  asn1::set_string(data->eimId, s.eim_id);
  data->counterValue = s.counter;
  if (s.transaction_id) {
    data->eimTransactionId = asn1::new_octets<TransactionId_t>(*s.transaction_id);
  }
  data->euiccPackageErrorCode = code;
  const Bytes der = asn1::encode(asn_DEF_EuiccPackageErrorDataSigned, data.get());
  return isdr::sign_package_result(call, der, s.token_do, true);
}

// Runs the operations of one package on `state` and collects one result each.
class Executor {
 public:
  Executor(isdr::Es10Call& call, CardState& state, const Signer& signer)
      : call_(call), state_(state), signer_(signer) {}

  // Each returns whether the operation succeeded (processing goes on) and appends its result.
  bool run(const Psmo_t& op, EuiccPackageResultDataSigned_t& out);
  bool run(const Eco_t& op, EuiccPackageResultDataSigned_t& out);

 private:
  static EuiccResultData_t* result(EuiccPackageResultDataSigned_t& out, EuiccResultData_PR kind) {
    auto* r = asn1::alloc<EuiccResultData_t>();
    asn1::append(out.euiccResult.list, r);
    r->present = kind;
    return r;
  }
  static bool coded(EuiccPackageResultDataSigned_t& out, EuiccResultData_PR kind, long code,
                    bool ok_too = false) {
    auto* r = result(out, kind);
    // Every INTEGER alternative of EuiccResultData is a `long` at the same place.
    r->choice.enableResult = code;
    return code == kOk || ok_too;
  }
  ProfileSlot* slot(const Iccid_t& iccid) { return state_.find_by_iccid(asn1::bytes_of(iccid)); }
  // The Fallback Profile is the enabled one: its attribute may not move or go meanwhile.
  bool fallback_enabled() const {
    const ProfileSlot* on = state_.enabled_profile();
    return on != nullptr && on->fallback_attribute;
  }

  long enable(const PsmoEnable_t& op);
  long remove(const PsmoIccid_t& op);
  bool list_profile_info(const Psmo_t& op, EuiccPackageResultDataSigned_t& out);
  bool get_rat(EuiccPackageResultDataSigned_t& out);
  long add_eim(const EimConfigurationData_t& d, std::optional<long>& token);

  isdr::Es10Call& call_;
  CardState& state_;
  const Signer& signer_;
};

long Executor::enable(const PsmoEnable_t& op) {
  ProfileSlot* target = slot(op.iccid);
  if (target == nullptr) return kIccidOrAidNotFound;
  ProfileSlot* current = state_.enabled_profile();
  // Rollback goes back to the profile this enable displaces; with none enabled there is
  // nothing to go back to (our reading of rollbackNotAvailable, docs/sgp32.md).
  if (op.rollbackFlag != nullptr && current == nullptr) return kRollbackNotAvailable;
  std::optional<Bytes> previous;
  if (current != nullptr) previous = current->isdp_aid;
  const Bytes enabled_aid = target->isdp_aid;
  const auto r = isdp::enable(state_, *target);
  if (r != isdp::Result::kOk) return static_cast<long>(r);
  if (op.rollbackFlag != nullptr) {
    state_.rollback = RollbackContext{enabled_aid, previous, signer_.eim_id,
                                      static_cast<std::uint64_t>(signer_.counter),
                                      signer_.transaction_id.value_or(Bytes{})};
  } else {
    state_.rollback.reset();
  }
  return kOk;
}

long Executor::remove(const PsmoIccid_t& op) {
  ProfileSlot* target = slot(op.iccid);
  if (target == nullptr) return kIccidOrAidNotFound;
  // The profile a pending rollback returns to, and the Fallback Profile, must stay (our
  // reading of rollbackNotAvailable and returnFallbackProfile for delete, docs/sgp32.md).
  if (state_.rollback && state_.rollback->previous_aid == target->isdp_aid) {
    return kRollbackNotAvailable;
  }
  if (target->fallback_attribute) return kReturnFallbackProfile;
  return static_cast<long>(isdp::remove(state_, *target));
}

bool Executor::list_profile_info(const Psmo_t& op, EuiccPackageResultDataSigned_t& out) {
  // The answer GetProfilesInfo gives the same request, in the result's IoT form.
  const Bytes request =
      asn1::encode_member(asn_DEF_ProfileInfoListRequest, &op.choice.listProfileInfo);
  const auto answer = es10c::get_profiles_info(call_, request);
  auto* r = result(out, EuiccResultData_PR_listProfileInfoResult);
  auto& member = r->choice.listProfileInfoResult;
  // Decoded on its own first, so a failure leaves the member untouched for the error form.
  auto list = answer.sw == apdu::sw::kOk
                  ? rsp::decode_request<IotProfileInfoListResponse_t>(
                        asn_DEF_IotProfileInfoListResponse, answer.data)
                  : asn1::Value<IotProfileInfoListResponse_t>{};
  if (list) {
    // The member takes the decoded contents over; the emptied shell is freed by `list`.
    std::memcpy(&member, list.get(), sizeof member);
    std::memset(list.get(), 0, sizeof member);
    return member.present == IotProfileInfoListResponse_PR_profileInfoListOk;
  }
  member.present = IotProfileInfoListResponse_PR_profileInfoListError;
  member.choice.profileInfoListError =
      IotProfileInfoListResponse__profileInfoListError_undefinedError;
  return false;
}

bool Executor::get_rat(EuiccPackageResultDataSigned_t& out) {
  const auto answer = es10b::get_rat(call_, from_hex("BF4300"));
  auto* r = result(out, EuiccResultData_PR_getRATResult);
  if (answer.sw != apdu::sw::kOk) return false;
  auto rat = rsp::decode_request<GetRatResponse_t>(asn_DEF_GetRatResponse, answer.data);
  if (!rat) return false;
  rsp::decode_into(asn_DEF_RulesAuthorisationTable, &r->choice.getRATResult,
                   asn1::encode_member(asn_DEF_RulesAuthorisationTable, &rat->rat));
  return true;
}

long Executor::add_eim(const EimConfigurationData_t& d, std::optional<long>& token) {
  auto checked = isdr::check_new_eim(d, ecasd::ci_pkids_for_signing(state_.identity));
  if (const long* code = std::get_if<long>(&checked)) return *code;
  auto& entry = std::get<isdr::EimEntry>(checked);
  if (state_.find_eim(entry.config.eim_id) != nullptr) return kAssociatedEimAlreadyExists;
  if (state_.eims.size() >= kMaxEims) return kInsufficientMemory;
  if (entry.wants_token) {
    entry.config.association_token = ++state_.last_association_token;
    token = static_cast<long>(*entry.config.association_token);
  }
  state_.eims.push_back(std::move(entry.config));
  return kOk;
}

bool Executor::run(const Psmo_t& op, EuiccPackageResultDataSigned_t& out) {
  switch (op.present) {
    case Psmo_PR_enable:
      return coded(out, EuiccResultData_PR_enableResult, enable(op.choice.enable));
    case Psmo_PR_disable: {
      ProfileSlot* target = slot(op.choice.disable.iccid);
      const long code = target == nullptr ? kIccidOrAidNotFound
                                          : static_cast<long>(isdp::disable(state_, *target));
      return coded(out, EuiccResultData_PR_disableResult, code);
    }
    case Psmo_PR_delete:
      return coded(out, EuiccResultData_PR_deleteResult, remove(op.choice.delete_));
    case Psmo_PR_listProfileInfo:
      return list_profile_info(op, out);
    case Psmo_PR_getRAT:
      return get_rat(out);
    case Psmo_PR_configureImmediateEnable: {
      const auto& c = op.choice.configureImmediateEnable;
      ImmediateEnableConfig config;
      config.immediate_enable = c.immediateEnableFlag != nullptr;
      if (c.defaultSmdpOid != nullptr) {
        config.default_smdp_oid.assign(c.defaultSmdpOid->buf,
                                       c.defaultSmdpOid->buf + c.defaultSmdpOid->size);
      }
      if (c.defaultSmdpAddress != nullptr) {
        config.default_smdp_address = asn1::string_of(*c.defaultSmdpAddress);
      }
      state_.immediate_enable = std::move(config);
      return coded(out, EuiccResultData_PR_configureImmediateEnableResult, kOk);
    }
    case Psmo_PR_setFallbackAttribute: {
      ProfileSlot* target = slot(op.choice.setFallbackAttribute.iccid);
      long code = kOk;
      if (target == nullptr) {
        code = kIccidOrAidNotFound;
      } else if (target->fallback_allowed == false) {
        code = kFallbackNotAllowed;
      } else if (fallback_enabled()) {
        code = kFallbackProfileEnabled;
      } else {
        // One Fallback Profile at most: the attribute moves.
        for (auto& p : state_.profiles) p.fallback_attribute = false;
        target->fallback_attribute = true;
      }
      return coded(out, EuiccResultData_PR_setFallbackAttributeResult, code);
    }
    case Psmo_PR_unsetFallbackAttribute: {
      long code = kOk;
      auto has = std::find_if(state_.profiles.begin(), state_.profiles.end(),
                              [](const ProfileSlot& p) { return p.fallback_attribute; });
      if (fallback_enabled()) {
        code = kFallbackProfileEnabled;
      } else if (has == state_.profiles.end()) {
        code = kNoFallbackAttribute;
      } else {
        has->fallback_attribute = false;
      }
      return coded(out, EuiccResultData_PR_unsetFallbackAttributeResult, code);
    }
    case Psmo_PR_setDefaultDpAddress: {
      state_.default_dp_address = asn1::string_of(op.choice.setDefaultDpAddress.defaultDpAddress);
      auto* r = result(out, EuiccResultData_PR_setDefaultDpAddressResult);
      r->choice.setDefaultDpAddressResult.setDefaultDpAddressResult = kOk;
      return true;
    }
    default:
      // An operation of a later version, or one the decoder could not place.
      return coded(out, EuiccResultData_PR_processingTerminated,
                   EuiccResultData__processingTerminated_unknownOrDamagedCommand);
  }
}

bool Executor::run(const Eco_t& op, EuiccPackageResultDataSigned_t& out) {
  switch (op.present) {
    case Eco_PR_addEim: {
      std::optional<long> token;
      const long code = add_eim(op.choice.addEim, token);
      auto* r = result(out, EuiccResultData_PR_addEimResult);
      if (token) {
        r->choice.addEimResult.present = AddEimResult_PR_associationToken;
        r->choice.addEimResult.choice.associationToken = *token;
      } else {
        r->choice.addEimResult.present = AddEimResult_PR_addEimResultCode;
        r->choice.addEimResult.choice.addEimResultCode = code;
      }
      return code == kOk;
    }
    case Eco_PR_deleteEim: {
      const std::string id = asn1::string_of(op.choice.deleteEim.eimId);
      auto it = std::find_if(state_.eims.begin(), state_.eims.end(),
                             [&](const EimConfig& e) { return e.eim_id == id; });
      long code = kEimNotFound;
      if (it != state_.eims.end()) {
        state_.eims.erase(it);
        if (state_.rollback && state_.rollback->eim_id == id) state_.rollback.reset();
        // Deleting the last eIM is done, and said: the card is open to AddInitialEim again.
        code = state_.eims.empty() ? kLastEimDeleted : kOk;
      }
      return coded(out, EuiccResultData_PR_deleteEimResult, code, code == kLastEimDeleted);
    }
    case Eco_PR_updateEim: {
      const auto& d = op.choice.updateEim;
      EimConfig* eim = state_.find_eim(asn1::string_of(d.eimId));
      const long code = eim == nullptr ? kEimNotFound
                                       : isdr::apply_eim_update(
                                             d, ecasd::ci_pkids_for_signing(state_.identity), *eim);
      return coded(out, EuiccResultData_PR_updateEimResult, code);
    }
    case Eco_PR_listEim: {
      auto* r = result(out, EuiccResultData_PR_listEimResult);
      r->choice.listEimResult.present = ListEimResult_PR_eimIdList;
      for (const auto& e : state_.eims) {
        auto* info = asn1::alloc<EimIdInfo_t>();
        asn1::append(r->choice.listEimResult.choice.eimIdList.list, info);
        asn1::set_string(info->eimId, e.eim_id);
        if (e.id_type) {
          info->eimIdType = asn1::alloc<long>();
          *info->eimIdType = *e.id_type;
        }
      }
      return true;
    }
    default:
      return coded(out, EuiccResultData_PR_processingTerminated,
                   EuiccResultData__processingTerminated_unknownOrDamagedCommand);
  }
}

int operation_count(const EuiccPackage_t& p) {
  if (p.present == EuiccPackage_PR_psmoList) return p.choice.psmoList.list.count;
  if (p.present == EuiccPackage_PR_ecoList) return p.choice.ecoList.list.count;
  return 0;
}

Bytes execute(isdr::Es10Call& call, const EuiccPackageSigned_t& pkg, const Signer& signer,
              std::uint64_t counter) {
  auto data = rsp::make<EuiccPackageResultDataSigned_t>(asn_DEF_EuiccPackageResultDataSigned);
  asn1::set_string(data->eimId, signer.eim_id);
  data->counterValue = signer.counter;
  if (signer.transaction_id) {
    data->eimTransactionId = asn1::new_octets<TransactionId_t>(*signer.transaction_id);
  }
  auto& state = call.ctx.update_state();
  // Stored first: an updateEim of this eIM in the package may set it again.
  state.find_eim(signer.eim_id)->counter_value = counter;
  Executor run(call, state, signer);
  const auto& p = pkg.euiccPackage;
  if (p.present == EuiccPackage_PR_psmoList) {
    for (int i = 0; i < p.choice.psmoList.list.count; ++i) {
      if (!run.run(*p.choice.psmoList.list.array[i], *data)) break;
    }
  } else {
    for (int i = 0; i < p.choice.ecoList.list.count; ++i) {
      if (!run.run(*p.choice.ecoList.list.array[i], *data)) break;
    }
  }
  const std::uint64_t seq = ++state.last_seq_number;
  data->seqNumber = static_cast<long>(seq);
  const Bytes der = asn1::encode(asn_DEF_EuiccPackageResultDataSigned, data.get());
  Bytes result = isdr::sign_package_result(call, der, signer.token_do, false);
  StoredPackageResult stored{seq, signer.eim_id, result};
  if (!state.can_keep_package_result(stored.stored_size())) {
    // The result would not fit: undo the whole package, the eIM is told nothing happened.
    call.ctx.roll_back();
    return signed_error(call, signer, kUndefinedError);
  }
  state.package_results.push_back(std::move(stored));
  return result;
}

Bytes answer(isdr::Es10Call& call, ByteView request) {
  auto req = rsp::decode_request<EuiccPackageRequest_t>(asn_DEF_EuiccPackageRequest, request);
  if (!req) {
    auto ids = raw_ids(request);
    if (!ids) return {};
    return unsigned_error(ids->eim_id, ids->transaction_id, std::nullopt);
  }
  const auto& pkg = req->euiccPackageSigned;
  Signer signer;
  signer.eim_id = asn1::string_of(pkg.eimId);
  signer.counter = pkg.counterValue;
  if (pkg.eimTransactionId != nullptr) {
    signer.transaction_id = asn1::bytes_of(*pkg.eimTransactionId);
  }

  const auto& state = call.ctx.state();
  const EimConfig* eim = state.find_eim(signer.eim_id);
  if (eim == nullptr) return unsigned_error(signer.eim_id, signer.transaction_id, std::nullopt);
  // The signature covers the euiccPackageSigned bytes as the eIM sent them.
  const auto top = tlv::read(request);
  const auto signed_part = top ? tlv::read(top->value) : std::nullopt;
  if (!signed_part ||
      !signature_verifies(*eim, signed_part->bytes(), asn1::bytes_of(req->eimSignature))) {
    return unsigned_error(signer.eim_id, signer.transaction_id, eim->association_token);
  }
  signer.token_do = isdr::association_token_do(eim->association_token);

  if (asn1::bytes_of(pkg.eidValue) != state.eid.bytes()) {
    return signed_error(call, signer, kInvalidEid);
  }
  if (pkg.counterValue < 0 || static_cast<std::uint64_t>(pkg.counterValue) <= eim->counter_value) {
    return signed_error(call, signer, kReplayError);
  }
  if (static_cast<std::uint64_t>(pkg.counterValue) > kMaxEimCounterValue) {
    return signed_error(call, signer, kCounterValueOutOfRange);
  }
  // The Emergency Profile enabled stands for an eCall that may be in progress.
  if (const ProfileSlot* on = state.enabled_profile(); on != nullptr && on->ecall_indication) {
    return signed_error(call, signer, kEcallActive);
  }
  const int count = operation_count(pkg.euiccPackage);
  if (count > kMaxOperations) return signed_error(call, signer, kSizeOverflow);
  if (state.package_results.size() >= kMaxPackageResults) {
    return signed_error(call, signer, kUndefinedError);
  }
  return execute(call, pkg, signer, static_cast<std::uint64_t>(pkg.counterValue));
}

}  // namespace

apdu::Response load_euicc_package(isdr::Es10Call& call, ByteView request) {
  try {
    Bytes result = answer(call, request);
    if (result.empty()) return apdu::Response::status(apdu::sw::kIncorrectData);
    return apdu::Response::ok(std::move(result));
  } catch (const std::exception&) {
    // The card could not sign or encode (no identity, a damaged image): nothing of the
    // package may stay.
    call.ctx.roll_back();
    return apdu::Response::status(apdu::sw::kNoPreciseDiagnosis);
  }
}

}  // namespace euiccsim::applets::es10b
