#include "euiccsim/applets/isdr/notifications.hpp"

#include "euiccsim/applets/ecasd.hpp"
#include "euiccsim/applets/rsp_asn1.hpp"

#include <NotificationMetadata.h>
#include <OtherSignedNotification.h>
#include <PendingNotification.h>

#include <cstring>

namespace euiccsim::applets::notifications {

namespace {

void fill_metadata(NotificationMetadata_t& m, const PendingNotification& n) {
  m.seqNumber = static_cast<long>(n.seq_number);
  asn1::set_bits(m.profileManagementOperation, 1u << static_cast<unsigned>(n.event));
  asn1::set_string(m.notificationAddress, n.address);
  if (!n.iccid.empty()) m.iccid = asn1::new_octets<Iccid_t>(n.iccid);
}

// A certificate stored in the card image, decoded into the module's Certificate type.
void set_certificate(Certificate_t& dst, const Bytes& der) {
  std::size_t consumed = 0;
  auto decoded = asn1::decode(asn_DEF_Certificate, der, consumed);
  // Move the decoded members into dst: the Owned wrapper then frees an empty shell.
  std::memcpy(&dst, decoded.get(), sizeof dst);
  std::memset(decoded.get(), 0, sizeof dst);
}

}  // namespace

std::optional<std::string> configured_address(const ProfileSlot& slot, NotificationEvent event) {
  for (const auto& c : slot.metadata.notification_config) {
    if (c.event == event) return c.address;
  }
  return std::nullopt;
}

Bytes metadata_der(const PendingNotification& n) {
  auto m = asn1::Value<NotificationMetadata_t>(asn1::make(asn_DEF_NotificationMetadata));
  fill_metadata(*m, n);
  return asn1::encode(asn_DEF_NotificationMetadata, m.get());
}

std::optional<std::uint64_t> notify(CardState& state, const ProfileSlot& slot,
                                    NotificationEvent event) {
  auto address = configured_address(slot, event);
  if (!address) return std::nullopt;
  if (state.notifications.size() >= kMaxNotifications) throw NoRoomForNotification();
  PendingNotification n;
  n.seq_number = state.last_seq_number + 1;
  n.event = event;
  n.address = *address;
  n.iccid = slot.profile.iccid.swapped_bcd();

  // OtherSignedNotification (SGP.22 §5.7.10): the eUICC signs the DER of
  // tbsOtherNotification, BF2F tag included.
  auto pending = asn1::Value<PendingNotification_t>(asn1::make(asn_DEF_PendingNotification));
  pending->present = PendingNotification_PR_otherSignedNotification;
  auto& other = pending->choice.otherSignedNotification;
  fill_metadata(other.tbsOtherNotification, n);
  auto signature = ecasd::sign(state.identity, metadata_der(n));
  asn1::set_octets(other.euiccNotificationSignature, signature);
  set_certificate(other.euiccCertificate, state.identity.euicc_certificate);
  set_certificate(other.eumCertificate, state.identity.eum_certificate);
  n.der = asn1::encode(asn_DEF_PendingNotification, pending.get());
  if (!state.can_keep_notification(n.stored_size())) throw NoRoomForNotification();

  state.last_seq_number = n.seq_number;
  state.notifications.push_back(std::move(n));
  return state.last_seq_number;
}

}  // namespace euiccsim::applets::notifications
