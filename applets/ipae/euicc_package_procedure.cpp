// eUICC Package download and execution (SGP.32 v1.2 §3.3.1, steps as osmocom's
// TC_proc_euicc_pkg_dwnld_exec numbers them): the EuiccPackageRequest of a GetEimPackage
// answer goes to the card as it arrived (ES10b LoadEuiccPackage, the card checking signature,
// EID, counter and size and executing the PSMOs or eCOs), then
// ProvideEimPackageResult carries the card's EuiccPackageResult with the notifications the
// card holds (ePRAndNotifications), and RemoveNotificationFromList removes what the eIM
// acknowledged (provide_eim_package_result.cpp).
//
// The card's answer, in this order:
//  1. a status word (the request is not even an EuiccPackageRequest with a readable eimId,
//     6A80): the eIM gets eimPackageResultResponseError invalidPackageFormat(1);
//  2. a signed result (A0): the card keeps it until it is removed, so a restart delivers it
//     again from the card (deliver_stored_results); an enable with rollbackFlag that the card
//     now holds a rollback context for arms the rollback watch (profile_rollback.cpp);
//  3. a signed or unsigned error (A1, A2): the card keeps nothing, so the IPAe keeps it as
//     its package in flight until the eIM took it.
// Other eIMs learn of a profile change at their next GetEimPackage (cause otherEim).
#include "euiccsim/crypto/tlv.hpp"
#include "ipae_impl.hpp"

namespace euiccsim::applets::ipae {

namespace {
constexpr long kInvalidPackageFormat = 1;
}

void Ipae::Impl::euicc_package(Bytes request) {
  phase = "LoadEuiccPackage for " + eim().id;
  // The eimTransactionId, for an error the card cannot give: BF51 { 30 { ..., 82 tid } }.
  Bytes tid;
  if (auto body = esipa::value_of(request, 0xBF51)) {
    if (auto s = tlv::read(*body); s && s->tag == 0x30) {
      tid = esipa::transaction_id_of(s->bytes(), 0x30, 0x82);
    }
  }
  const ProfilesView before = profiles_view();
  const auto answer = es10_raw(request);
  if (answer.sw != apdu::sw::kOk || answer.data.empty()) {
    note(eim().id + ": the card refused the eUICC package as malformed");
    refuse_package(tid, kInvalidPackageFormat);
    return;
  }
  const Bytes& result = answer.data;
  auto body = esipa::value_of(result, 0xBF51);
  auto forms = body ? tlv::read_all(*body) : std::nullopt;
  if (!forms || forms->size() != 1)
    throw CardFault("LoadEuiccPackage answered no EuiccPackageResult");
  const std::uint32_t form = forms->front().tag;
  const std::string eim_id = eim().id;
  note(eim_id + ": eUICC package " +
       (form == 0xA0   ? "executed"
        : form == 0xA1 ? "refused (signed error)"
                       : "refused (unsigned error)"));

  if (form == 0xA0) {
    const auto seq = esipa::seq_number_of(result);
    const auto view = card.view();
    // An enable with rollbackFlag of this package: the card holds the context for it.
    if (seq && view.rollback && view.rollback->eim_id == eim_id) {
      const auto counter_of_package = [&]() -> std::optional<std::uint64_t> {
        auto b = esipa::value_of(request, 0xBF51);
        auto s = b ? esipa::child(*b, 0x30) : std::nullopt;
        auto c = s ? esipa::child(*s, 0x81) : std::nullopt;
        return c ? esipa::uint_of(*c) : std::nullopt;
      }();
      if (counter_of_package && *counter_of_package == view.rollback->counter_value) {
        save([&](IpaeState& s) { s.rollback_watch = IpaeState::RollbackWatch{eim_id, *seq, 0}; });
      }
    }
  }
  const ProfilesView after = profiles_view();
  if (after.digest != before.digest) mark_change(cause::kOtherEim, eim_id);

  std::vector<std::uint64_t> sent;
  auto notifications = pending_notifications(sent);
  Bytes eim_result;
  if (notifications.empty()) {
    eim_result = result;
  } else {
    Bytes list;
    for (const auto& n : notifications) list.insert(list.end(), n.begin(), n.end());
    eim_result = tlv::encode(0x30, esipa::concat({result, tlv::encode(0xA0, list)}));
  }
  if (form == 0xA0) {
    if (auto seq = esipa::seq_number_of(result)) sent.push_back(*seq);
  } else {
    IpaeState::InFlight in;
    in.kind = IpaeState::InFlight::Kind::kEuiccPackage;
    in.eim_id = eim_id;
    in.eim_transaction_id = tid;
    in.result = result;
    save([&](IpaeState& s) { s.in_flight = in; });
  }
  provide_result(std::move(eim_result), std::move(sent),
                 [this, eim_id, form](std::vector<std::uint64_t>) {
                   if (form != 0xA0) save([](IpaeState& s) { s.in_flight.reset(); });
                   eim_informed(eim_id);
                   package_done();
                 });
}

}  // namespace euiccsim::applets::ipae
