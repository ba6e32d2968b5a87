// HandleNotification (SGP.32 v1.2 ESipa §6.3.2, HandleNotificationEsipa BF3D { A0 {
// PendingNotification } }): delivering the card's pending notifications through the eIM.
// No response is defined for it, so any 200 or 204 (with or without a body) is the eIM taking
// the notification, which the card then removes (RemoveNotificationFromList).
//
// Our reading (docs/ipae.md): the IPAe's notification receiver is its eIM, the first one the
// card lists, whatever notificationAddress the notification names; the eIM forwards what is
// another server's. The one exception is the installation result of a direct download,
// which goes to the SM-DP+ that installed the profile (direct_download.cpp). Notifications
// that travel with a package result (ePRAndNotifications) are removed the same way, once
// acknowledged.
#include "euiccsim/crypto/tlv.hpp"
#include "ipae_impl.hpp"

namespace euiccsim::applets::ipae {

void Ipae::Impl::deliver_notifications() {
  if (eim_index != 0) {
    get_eim_package();
    return;
  }
  std::vector<std::uint64_t> seqs;
  auto all = pending_notifications(seqs);
  std::vector<std::pair<std::uint64_t, Bytes>> pending;
  for (std::size_t i = 0; i < all.size(); ++i) pending.emplace_back(seqs[i], std::move(all[i]));
  deliver_next_notification(std::move(pending));
}

void Ipae::Impl::deliver_next_notification(std::vector<std::pair<std::uint64_t, Bytes>> pending) {
  if (pending.empty()) {
    get_eim_package();
    return;
  }
  auto [seq, notification] = std::move(pending.front());
  pending.erase(pending.begin());
  phase = "HandleNotification with " + eim().id;
  send_esipa("HandleNotification", tlv::encode(0xBF3D, tlv::encode(0xA0, notification)),
             [this, seq = seq, rest = std::move(pending)](Reply r) mutable {
               if (!r.ok) {
                 eim_failed(r.error);
                 return;
               }
               remove_notifications({seq});
               deliver_next_notification(std::move(rest));
             });
}

}  // namespace euiccsim::applets::ipae
