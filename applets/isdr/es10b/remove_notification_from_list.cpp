// RemoveNotificationFromList (SGP.22 v2.5 §5.7.11): NotificationSentRequest BF30 { 80 seqNumber }
// -> BF30 { 80 deleteNotificationStatus: ok 0, nothingToDelete 1, undefinedError 127 }.
// The LPA calls it once a notification has been delivered (§3.5). On an iot card the IPA also
// removes eUICC package results with it, once the eIM acknowledged them (PROTOCOL.md §3.2, as onomondo-ipa does after an eIM acknowledgement: the
// sequence numbers of results and notifications are one series).
#include "euiccsim/applets/isdr/es10.hpp"
#include "euiccsim/applets/rsp_asn1.hpp"

#include <NotificationSentRequest.h>
#include <NotificationSentResponse.h>

#include <algorithm>

namespace euiccsim::applets::es10b {

namespace {

apdu::Response status(long code) {
  auto rsp = rsp::make<NotificationSentResponse_t>(asn_DEF_NotificationSentResponse);
  rsp->deleteNotificationStatus = code;
  return rsp::answer(asn_DEF_NotificationSentResponse, rsp);
}

}  // namespace

apdu::Response remove_notification_from_list(isdr::Es10Call& call, ByteView request) {
  auto req =
      rsp::decode_request<NotificationSentRequest_t>(asn_DEF_NotificationSentRequest, request);
  if (!req) return status(NotificationSentResponse__deleteNotificationStatus_undefinedError);

  // No notification ever has a negative number: such a request names nothing to delete.
  const long seq = req->seqNumber;
  const auto& pending = call.ctx.state().notifications;
  auto it = std::find_if(pending.begin(), pending.end(), [seq](const PendingNotification& n) {
    return seq >= 0 && n.seq_number == static_cast<std::uint64_t>(seq);
  });
  if (it == pending.end()) {
    const auto& results = call.ctx.state().package_results;
    auto rt = std::find_if(results.begin(), results.end(), [seq](const StoredPackageResult& r) {
      return seq >= 0 && r.seq_number == static_cast<std::uint64_t>(seq);
    });
    if (rt == results.end()) {
      return status(NotificationSentResponse__deleteNotificationStatus_nothingToDelete);
    }
    auto& stored = call.ctx.update_state().package_results;
    stored.erase(stored.begin() + (rt - results.begin()));
    return status(NotificationSentResponse__deleteNotificationStatus_ok);
  }

  // Only the notification goes: last_seq_number stays, so a number is never given twice.
  auto& notifications = call.ctx.update_state().notifications;
  notifications.erase(notifications.begin() + (it - pending.begin()));
  return status(NotificationSentResponse__deleteNotificationStatus_ok);
}

}  // namespace euiccsim::applets::es10b
