// ListNotification (SGP.22 v2.5 §5.7.9): ListNotificationRequest BF28 { 81 event OPTIONAL }
// -> BF28 { A0 SEQUENCE OF NotificationMetadata (BF2F) } or { 81 undefinedError 127 }.
#include "euiccsim/applets/isdr/es10.hpp"
#include "euiccsim/applets/isdr/notifications.hpp"
#include "euiccsim/applets/rsp_asn1.hpp"

#include <ListNotificationRequest.h>
#include <ListNotificationResponse.h>
#include <NotificationMetadata.h>

#include <algorithm>
#include <cstring>

namespace euiccsim::applets::es10b {

namespace {

apdu::Response error() {
  auto rsp = rsp::make<ListNotificationResponse_t>(asn_DEF_ListNotificationResponse);
  rsp->present = ListNotificationResponse_PR_listNotificationsResultError;
  rsp->choice.listNotificationsResultError =
      ListNotificationResponse__listNotificationsResultError_undefinedError;
  return rsp::answer(asn_DEF_ListNotificationResponse, rsp);
}

// The decoded NotificationMetadata of `n`, moved into a calloc'd structure a SEQUENCE OF can
// own. Built from notifications::metadata_der, the encoding notify() signs, so that the list
// and the signed notification cannot disagree. Nothing if it cannot be built (a damaged card
// image, e.g. an ICCID of the wrong size).
NotificationMetadata_t* metadata_item(const PendingNotification& n) {
  try {
    const Bytes der = notifications::metadata_der(n);
    std::size_t consumed = 0;
    auto decoded =
        asn1::decode_as<NotificationMetadata_t>(asn_DEF_NotificationMetadata, der, consumed);
    auto* item = asn1::alloc<NotificationMetadata_t>();
    // Take the members over; the emptied shell is then freed by `decoded`.
    std::memcpy(item, decoded.get(), sizeof *item);
    std::memset(decoded.get(), 0, sizeof *item);
    return item;
  } catch (const asn1::DecodeError&) {
    return nullptr;
  } catch (const asn1::EncodeError&) {
    return nullptr;
  }
}

}  // namespace

apdu::Response list_notification(isdr::Es10Call& call, ByteView request) {
  auto req =
      rsp::decode_request<ListNotificationRequest_t>(asn_DEF_ListNotificationRequest, request);
  if (!req) return error();

  // The filter is a NotificationEvent BIT STRING, in practice with one bit set (as in every
  // notification's own metadata). Read as a mask it selects that event; a request with several
  // bits gets "any of these" and one with none gets "none", rather than an error, since the
  // type allows both and no error code names them.
  std::optional<std::uint32_t> filter;
  if (req->profileManagementOperation) filter = asn1::bits_of(*req->profileManagementOperation);

  std::vector<const PendingNotification*> selected;
  for (const auto& n : call.ctx.state().notifications) {
    if (filter && (*filter & (1u << static_cast<unsigned>(n.event))) == 0) continue;
    selected.push_back(&n);
  }
  // In the order the events happened, which is the order of their sequence numbers.
  std::stable_sort(selected.begin(), selected.end(),
                   [](auto* a, auto* b) { return a->seq_number < b->seq_number; });

  auto rsp = rsp::make<ListNotificationResponse_t>(asn_DEF_ListNotificationResponse);
  rsp->present = ListNotificationResponse_PR_notificationMetadataList;
  for (const auto* n : selected) {
    auto* item = metadata_item(*n);
    if (item == nullptr) return error();
    asn1::append(rsp->choice.notificationMetadataList.list, item);
  }
  return rsp::answer(asn_DEF_ListNotificationResponse, rsp);
}

}  // namespace euiccsim::applets::es10b
