// RetrieveNotificationsList (SGP.22 v2.5 §5.7.10): RetrieveNotificationsListRequest BF2B
// { A0 searchCriteria { 80 seqNumber / 81 event } OPTIONAL } -> BF2B { A0 SEQUENCE OF
// PendingNotification } or { 81 notificationsListResultError: undefinedError 127 }.
//
// A search that matches nothing answers an empty list, not an error. v2.1 had a
// noResultAvailable(1) error for that case; v2.5 removed it and kept undefinedError alone
// (PROTOCOL.md §2, RSPDefinitions v2.5 against pySim's v2.1-era module), so "nothing found" is
// no longer a failure of the function. lpac, which asks for one seqNumber, reports an empty
// list as an error on its side, which is the outcome an LPA should see for an unknown number.
#include "euiccsim/applets/isdr/es10.hpp"
#include "euiccsim/applets/rsp_asn1.hpp"

#include <EuiccPackageResult.h>
#include <IotRetrieveNotificationsListRequest.h>
#include <IotRetrieveNotificationsListResponse.h>
#include <PendingNotification.h>
#include <RetrieveNotificationsListRequest.h>
#include <RetrieveNotificationsListResponse.h>

#include <algorithm>
#include <cstring>
#include <optional>

namespace euiccsim::applets::es10b {

namespace {

apdu::Response error() {
  auto rsp =
      rsp::make<RetrieveNotificationsListResponse_t>(asn_DEF_RetrieveNotificationsListResponse);
  rsp->present = RetrieveNotificationsListResponse_PR_notificationsListResultError;
  rsp->choice.notificationsListResultError =
      RetrieveNotificationsListResponse__notificationsListResultError_undefinedError;
  return rsp::answer(asn_DEF_RetrieveNotificationsListResponse, rsp);
}

// The notification exactly as signed when its event happened (its stored DER), decoded into a
// calloc'd structure the response list can own. Nothing if the stored DER does not decode as
// one PendingNotification (a damaged card image).
PendingNotification_t* pending_item(const PendingNotification& n) {
  try {
    std::size_t consumed = 0;
    auto decoded =
        asn1::decode_as<PendingNotification_t>(asn_DEF_PendingNotification, n.der, consumed);
    if (consumed != n.der.size()) return nullptr;
    auto* item = asn1::alloc<PendingNotification_t>();
    // Take the members over; the emptied shell is then freed by `decoded`.
    std::memcpy(item, decoded.get(), sizeof *item);
    std::memset(decoded.get(), 0, sizeof *item);
    return item;
  } catch (const asn1::DecodeError&) {
    return nullptr;
  }
}

// SGP.32 §5.9.11: an iot card's searchCriteria may ask for the stored eUICC package results
// ('A0 { 82 }'), answered as 'BF2B { A2 { BF51 ... } }', oldest first. Nothing when the
// request is not that form (the SGP.22 path answers it).
std::optional<apdu::Response> package_results(const CardState& state, ByteView request) {
  if (!state.config.is_iot()) return std::nullopt;
  auto req = rsp::decode_request<IotRetrieveNotificationsListRequest_t>(
      asn_DEF_IotRetrieveNotificationsListRequest, request);
  if (!req || req->searchCriteria == nullptr ||
      req->searchCriteria->present !=
          IotRetrieveNotificationsListRequest__searchCriteria_PR_euiccPackageResults) {
    return std::nullopt;
  }
  auto rsp = rsp::make<IotRetrieveNotificationsListResponse_t>(
      asn_DEF_IotRetrieveNotificationsListResponse);
  rsp->present = IotRetrieveNotificationsListResponse_PR_euiccPackageResultList;
  for (const auto& r : state.package_results) {
    auto* item = asn1::alloc<EuiccPackageResult_t>();
    asn1::append(rsp->choice.euiccPackageResultList.list, item);
    try {
      rsp::decode_into(asn_DEF_EuiccPackageResult, item, r.der);
    } catch (const asn1::DecodeError&) {
      return error();
    }
  }
  return rsp::answer(asn_DEF_IotRetrieveNotificationsListResponse, rsp);
}

}  // namespace

apdu::Response retrieve_notifications_list(isdr::Es10Call& call, ByteView request) {
  if (auto answer = package_results(call.ctx.state(), request)) return *answer;
  auto req = rsp::decode_request<RetrieveNotificationsListRequest_t>(
      asn_DEF_RetrieveNotificationsListRequest, request);
  if (!req) return error();

  constexpr auto kBySeqNumber = RetrieveNotificationsListRequest__searchCriteria_PR_seqNumber;
  constexpr auto kByEvent =
      RetrieveNotificationsListRequest__searchCriteria_PR_profileManagementOperation;
  const auto* criteria = req->searchCriteria;
  // A criterion of a later version's CHOICE that this card does not know selects nothing it
  // can name, so the request cannot be served (the decoder's constraint check normally refuses
  // it already).
  if (criteria != nullptr && criteria->present != kBySeqNumber && criteria->present != kByEvent) {
    return error();
  }
  // Which notifications the search criteria select; all of them without criteria.
  auto wanted = [criteria](const PendingNotification& n) {
    if (criteria == nullptr) return true;
    if (criteria->present == kBySeqNumber) {
      return criteria->choice.seqNumber >= 0 &&
             static_cast<std::uint64_t>(criteria->choice.seqNumber) == n.seq_number;
    }
    // As in ListNotification: the event bits read as a mask.
    return (asn1::bits_of(criteria->choice.profileManagementOperation) &
            (1u << static_cast<unsigned>(n.event))) != 0;
  };

  std::vector<const PendingNotification*> selected;
  for (const auto& n : call.ctx.state().notifications) {
    if (wanted(n)) selected.push_back(&n);
  }
  std::stable_sort(selected.begin(), selected.end(),
                   [](auto* a, auto* b) { return a->seq_number < b->seq_number; });

  auto rsp =
      rsp::make<RetrieveNotificationsListResponse_t>(asn_DEF_RetrieveNotificationsListResponse);
  rsp->present = RetrieveNotificationsListResponse_PR_notificationList;
  for (const auto* n : selected) {
    auto* item = pending_item(*n);
    if (item == nullptr) return error();
    asn1::append(rsp->choice.notificationList.list, item);
  }
  return rsp::answer(asn_DEF_RetrieveNotificationsListResponse, rsp);
}

}  // namespace euiccsim::applets::es10b
