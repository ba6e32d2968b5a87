// ES10b notification functions (SGP.22 v2.5 §5.7.9 ListNotification, §5.7.10
// RetrieveNotificationsList, §5.7.11 RemoveNotificationFromList) on a card holding signed
// notifications made by the ISD-R's own notifications::notify and a BF37 installation result;
// every answer decoded with our ASN.1 module and re-encoded byte for byte.
#include "../support/es10_card.hpp"

#include "euiccsim/applets/isdr/es10.hpp"
#include "euiccsim/applets/isdr/notifications.hpp"
#include "euiccsim/applets/rsp_asn1.hpp"
#include "euiccsim/crypto/tlv.hpp"

#include <ListNotificationResponse.h>
#include <NotificationMetadata.h>
#include <NotificationSentResponse.h>
#include <PendingNotification.h>
#include <RetrieveNotificationsListResponse.h>

using namespace euiccsim;
using euiccsim::test::decode_exact;
using applets::notifications::metadata_der;
using Event = euiccsim::NotificationEvent;

namespace {

const std::string kPayload1 = "8999900000000000001";
const std::string kPayload2 = "8999900000000000002";

ProfileMetadata notifying_metadata() {
  ProfileMetadata m;
  m.service_provider_name = "Test SP";
  m.profile_name = "Notifying";
  m.notification_config = {{Event::kEnable, "smdp.example.com"},
                           {Event::kDisable, "smdp.example.com"},
                           {Event::kDelete, "ops.example.org"}};
  return m;
}

// A ProfileInstallationResult (BF37) as the download leaves it: its own notification metadata
// (install), signed by the eUICC. The signature here is filler; the ISD-R only relays it.
Bytes installation_result(std::uint64_t seq, const Bytes& iccid) {
  auto p = asn1::Value<PendingNotification_t>(asn1::make(asn_DEF_PendingNotification));
  p->present = PendingNotification_PR_profileInstallationResult;
  auto& pir = p->choice.profileInstallationResult;
  auto& data = pir.profileInstallationResultData;
  asn1::set_octets(data.transactionId, from_hex("0102030405060708"));
  data.notificationMetadata.seqNumber = static_cast<long>(seq);
  asn1::set_bits(data.notificationMetadata.profileManagementOperation, 1u);
  asn1::set_string(data.notificationMetadata.notificationAddress, "smdp.example.com");
  data.notificationMetadata.iccid = asn1::new_octets<Iccid_t>(iccid);
  asn1::set_oid(data.smdpOid, "2.999.10");
  data.finalResult.present = ProfileInstallationResultData__finalResult_PR_successResult;
  asn1::set_octets(data.finalResult.choice.successResult.aid,
                   from_hex("A0000005591010FFFFFFFF8900001000"));
  asn1::set_octets(data.finalResult.choice.successResult.simaResponse, from_hex("3000"));
  asn1::set_octets(pir.euiccSignPIR, Bytes(64, 0x5A));
  return asn1::encode(asn_DEF_PendingNotification, p.get());
}

// A card with, in sequence order: 1 install (BF37) of profile 1, 2 enable of profile 1,
// 3 disable of profile 2, 4 delete of profile 2, 5 enable of profile 2.
CardState notified_state() {
  auto state = test::es10_state(
      {{kPayload1, false, notifying_metadata()}, {kPayload2, true, notifying_metadata()}});
  euiccsim::PendingNotification install;
  install.seq_number = ++state.last_seq_number;
  install.event = Event::kInstall;
  install.address = "smdp.example.com";
  install.iccid = test::iccid_bytes(kPayload1);
  install.der = installation_result(install.seq_number, install.iccid);
  state.notifications.push_back(install);
  using applets::notifications::notify;
  REQUIRE(notify(state, state.profiles[0], Event::kEnable) == 2u);
  REQUIRE(notify(state, state.profiles[1], Event::kDisable) == 3u);
  REQUIRE(notify(state, state.profiles[1], Event::kDelete) == 4u);
  REQUIRE(notify(state, state.profiles[1], Event::kEnable) == 5u);
  return state;
}

// BF28 { A0 { metadata of `which`, in order } }.
Bytes list_answer(const CardState& state, const std::vector<std::uint64_t>& which) {
  Bytes items;
  for (auto seq : which) {
    for (const auto& n : state.notifications) {
      if (n.seq_number == seq) {
        auto der = metadata_der(n);
        items.insert(items.end(), der.begin(), der.end());
      }
    }
  }
  return tlv::encode(0xBF28, tlv::encode(0xA0, items));
}

// BF2B { A0 { stored PendingNotification DER of `which`, in order } }.
Bytes retrieve_answer(const CardState& state, const std::vector<std::uint64_t>& which) {
  Bytes items;
  for (auto seq : which) {
    for (const auto& n : state.notifications) {
      if (n.seq_number == seq) items.insert(items.end(), n.der.begin(), n.der.end());
    }
  }
  return tlv::encode(0xBF2B, tlv::encode(0xA0, items));
}

Bytes by_seq(std::uint64_t seq) {
  return tlv::encode(0xBF2B, tlv::encode(0xA0, tlv::encode(0x80, tlv::encode_uint(seq, 1))));
}

long remove_status(CardSimulator& card, const std::string& hex) {
  auto r = card.es10(from_hex(hex));
  return decode_exact<NotificationSentResponse_t>(asn_DEF_NotificationSentResponse, r)
      ->deleteNotificationStatus;
}

std::vector<std::uint64_t> pending_numbers(const CardState& state) {
  std::vector<std::uint64_t> out;
  for (const auto& n : state.notifications) out.push_back(n.seq_number);
  return out;
}

using Seqs = std::vector<std::uint64_t>;

}  // namespace

TEST_CASE("A card without notifications lists and retrieves empty lists") {
  auto card = test::es10_card(test::es10_state({}));
  CHECK(to_hex(card.es10(from_hex("BF2800"))) == "BF2802A000");
  CHECK(to_hex(card.es10(from_hex("BF2B00"))) == "BF2B02A000");
  CHECK(to_hex(card.es10(from_hex("BF2B05A003800101"))) == "BF2B02A000");
  auto l = decode_exact<ListNotificationResponse_t>(asn_DEF_ListNotificationResponse,
                                                    card.es10(from_hex("BF2800")));
  REQUIRE(l->present == ListNotificationResponse_PR_notificationMetadataList);
  CHECK(l->choice.notificationMetadataList.list.count == 0);
  CHECK(remove_status(card, "BF3003800101") == 1);  // nothingToDelete
}

TEST_CASE("ListNotification gives every notification's metadata in sequence order") {
  const auto state = notified_state();
  auto card = test::es10_card(state);
  auto r = card.es10(from_hex("BF2800"));
  CHECK(to_hex(r) == to_hex(list_answer(state, {1, 2, 3, 4, 5})));
  // The first item by hand: BF2F { 80 01 01, 81 02 07 80 (install), 0C address, 5A iccid }.
  CHECK(to_hex(r).find("BF2F25800101810207800C10" + to_hex(Bytes{'s', 'm', 'd', 'p'})) !=
        std::string::npos);

  auto l = decode_exact<ListNotificationResponse_t>(asn_DEF_ListNotificationResponse, r);
  REQUIRE(l->present == ListNotificationResponse_PR_notificationMetadataList);
  const auto& list = l->choice.notificationMetadataList.list;
  REQUIRE(list.count == 5);
  const std::uint32_t events[] = {1u << 0, 1u << 1, 1u << 2, 1u << 3, 1u << 1};
  const char* addresses[] = {"smdp.example.com", "smdp.example.com", "smdp.example.com",
                             "ops.example.org", "smdp.example.com"};
  for (int i = 0; i < list.count; ++i) {
    const auto& m = *list.array[i];
    INFO(i);
    CHECK(m.seqNumber == i + 1);
    CHECK(asn1::bits_of(m.profileManagementOperation) == events[i]);
    CHECK(asn1::string_of(m.notificationAddress) == addresses[i]);
    REQUIRE(m.iccid != nullptr);
    CHECK(asn1::bytes_of(*m.iccid) == test::iccid_bytes(i < 2 ? kPayload1 : kPayload2));
  }
}

TEST_CASE("ListNotification filtered by profileManagementOperation") {
  const auto state = notified_state();
  auto card = test::es10_card(state);
  // The NotificationEvent bits: install 80, enable 40, disable 20, delete 10.
  CHECK(card.es10(from_hex("BF280481020780")) == list_answer(state, {1}));
  CHECK(card.es10(from_hex("BF280481020640")) == list_answer(state, {2, 5}));
  CHECK(card.es10(from_hex("BF280481020520")) == list_answer(state, {3}));
  CHECK(card.es10(from_hex("BF280481020410")) == list_answer(state, {4}));
  // More than one bit reads as "any of them"; none as "none".
  CHECK(card.es10(from_hex("BF280481020560")) == list_answer(state, {2, 3, 5}));
  CHECK(to_hex(card.es10(from_hex("BF2803810100"))) == "BF2802A000");
  // A component from a later version is skipped (EXTENSIBILITY IMPLIED): no filter.
  CHECK(card.es10(from_hex("BF280482020640")) == list_answer(state, {1, 2, 3, 4, 5}));
}

TEST_CASE("ListNotification keeps sequence order whatever the stored order") {
  auto state = notified_state();
  std::swap(state.notifications[0], state.notifications[4]);
  std::swap(state.notifications[1], state.notifications[2]);
  auto card = test::es10_card(state);
  CHECK(card.es10(from_hex("BF2800")) == list_answer(state, {1, 2, 3, 4, 5}));
  CHECK(card.es10(from_hex("BF2B00")) == retrieve_answer(state, {1, 2, 3, 4, 5}));
}

TEST_CASE("ListNotification answers undefinedError to requests it cannot read") {
  auto card = test::es10_card(notified_state());
  for (const char* hex : {"BF2803810500",    // the event's TLV cut short
                          "BF280481020840",  // eight unused bits: not a BIT STRING
                          "BF2804A1020640",  // constructed where a BIT STRING is expected
                          "BF28028101"}) {   // the event's length missing
    INFO(hex);
    auto r = card.es10(from_hex(hex));
    CHECK(to_hex(r) == "BF280381017F");
    auto l = decode_exact<ListNotificationResponse_t>(asn_DEF_ListNotificationResponse, r);
    REQUIRE(l->present == ListNotificationResponse_PR_listNotificationsResultError);
    CHECK(l->choice.listNotificationsResultError == 127);
  }
}

TEST_CASE("RetrieveNotificationsList relays the stored notifications as signed") {
  const auto state = notified_state();
  auto card = test::es10_card(state);
  const Bytes all = retrieve_answer(state, {1, 2, 3, 4, 5});
  REQUIRE(all.size() > 1024);  // two certificates a notification
  // As lpac (120-byte blocks) and onomondo (255) send it; the answer comes back in 61xx chains.
  CHECK(card.es10(from_hex("BF2B00"), 0, 120) == all);
  CHECK(card.es10(from_hex("BF2B00"), 0, 255) == all);
  auto first = card.transmit("80E2910003BF2B00");
  CHECK(first.sw == 0x6100);  // 256 or more bytes waiting
  CHECK(first.data.empty());
  Bytes collected;
  for (auto r = first; r.sw != 0x9000;) {
    REQUIRE(r.sw1() == 0x61);
    r = card.transmit("80C0000000");
    collected.insert(collected.end(), r.data.begin(), r.data.end());
  }
  CHECK(collected == all);

  auto rsp = decode_exact<RetrieveNotificationsListResponse_t>(
      asn_DEF_RetrieveNotificationsListResponse, all);
  REQUIRE(rsp->present == RetrieveNotificationsListResponse_PR_notificationList);
  const auto& list = rsp->choice.notificationList.list;
  REQUIRE(list.count == 5);
  // The install result is a BF37, the others OtherSignedNotification SEQUENCEs whose signed
  // part is their metadata.
  CHECK(list.array[0]->present == PendingNotification_PR_profileInstallationResult);
  CHECK(list.array[0]
            ->choice.profileInstallationResult.profileInstallationResultData.notificationMetadata
            .seqNumber == 1);
  for (int i = 1; i < 5; ++i) {
    INFO(i);
    REQUIRE(list.array[i]->present == PendingNotification_PR_otherSignedNotification);
    const auto& other = list.array[i]->choice.otherSignedNotification;
    CHECK(other.tbsOtherNotification.seqNumber == i + 1);
    CHECK(other.euiccNotificationSignature.size == 64);
    CHECK(asn1::encode_member(asn_DEF_NotificationMetadata, &other.tbsOtherNotification) ==
          metadata_der(state.notifications[static_cast<std::size_t>(i)]));
  }
  CHECK(to_hex(all).substr(0, 12) == "BF2B82" + to_hex(tlv::encode_uint(all.size() - 5, 2)) + "A0");
}

TEST_CASE("RetrieveNotificationsList by seqNumber and by event") {
  auto state = notified_state();
  // A sequence number of 128 and more takes two content bytes (a positive INTEGER).
  state.last_seq_number = 127;
  REQUIRE(applets::notifications::notify(state, state.profiles[0], Event::kDisable) == 128u);
  auto card = test::es10_card(state);

  for (std::uint64_t seq = 1; seq <= 5; ++seq) {
    INFO(seq);
    CHECK(card.es10(by_seq(seq)) == retrieve_answer(state, {seq}));
  }
  CHECK(card.es10(from_hex("BF2B06A00480020080")) == retrieve_answer(state, {128}));
  // No notification of that number: an empty list (v2.5 has no "not found" error).
  CHECK(to_hex(card.es10(by_seq(6))) == "BF2B02A000");
  CHECK(to_hex(card.es10(from_hex("BF2B06A00480020100"))) == "BF2B02A000");
  CHECK(to_hex(card.es10(from_hex("BF2B05A0038001FF"))) == "BF2B02A000");  // -1

  CHECK(card.es10(from_hex("BF2B06A00481020780")) == retrieve_answer(state, {1}));
  CHECK(card.es10(from_hex("BF2B06A00481020640")) == retrieve_answer(state, {2, 5}));
  CHECK(card.es10(from_hex("BF2B06A00481020520"), 0, 255) == retrieve_answer(state, {3, 128}));
  CHECK(card.es10(from_hex("BF2B06A00481020410")) == retrieve_answer(state, {4}));
  CHECK(to_hex(card.es10(from_hex("BF2B05A003810100"))) == "BF2B02A000");

  auto one = decode_exact<RetrieveNotificationsListResponse_t>(
      asn_DEF_RetrieveNotificationsListResponse, card.es10(by_seq(4)));
  REQUIRE(one->choice.notificationList.list.count == 1);
  CHECK(asn1::string_of(
            one->choice.notificationList.list.array[0]
                ->choice.otherSignedNotification.tbsOtherNotification.notificationAddress) ==
        "ops.example.org");
}

TEST_CASE("RetrieveNotificationsList answers undefinedError to requests it cannot read") {
  auto card = test::es10_card(notified_state());
  for (const char* hex : {"BF2B05A003820101",  // a search criterion no version defines
                          "BF2B04A0020500",    // NULL inside searchCriteria
                          "BF2B02A000",        // an empty CHOICE
                          "BF2B05A003800501",  // seqNumber's TLV cut short
                          "BF2B0DA00B8009010000000000000000",  // seqNumber beyond 64 bits
                          "BF2B06A00481020840",                // a broken BIT STRING
                          "BF2B04A0028001"}) {                 // seqNumber's value cut off
    INFO(hex);
    auto r = card.es10(from_hex(hex));
    CHECK(to_hex(r) == "BF2B0381017F");
    auto e = decode_exact<RetrieveNotificationsListResponse_t>(
        asn_DEF_RetrieveNotificationsListResponse, r);
    REQUIRE(e->present == RetrieveNotificationsListResponse_PR_notificationsListResultError);
    CHECK(e->choice.notificationsListResultError == 127);
  }
}

TEST_CASE("A stored notification that no longer decodes is reported, not skipped") {
  auto state = notified_state();
  state.notifications[2].der = from_hex("3000");  // an OtherSignedNotification without content
  auto card = test::es10_card(state);
  CHECK(to_hex(card.es10(from_hex("BF2B00"))) == "BF2B0381017F");
  CHECK(to_hex(card.es10(by_seq(3))) == "BF2B0381017F");
  // The others are still delivered one by one, and the damaged one can be removed.
  CHECK(card.es10(by_seq(2)) == retrieve_answer(state, {2}));
  CHECK(remove_status(card, "BF3003800103") == 0);
  CHECK(card.es10(from_hex("BF2B00")) == retrieve_answer(state, {1, 2, 4, 5}));
}

TEST_CASE("RemoveNotificationFromList removes one notification; numbers are never reused") {
  const auto state = notified_state();
  auto card = test::es10_card(state);

  auto r = card.es10(from_hex("BF3003800102"));
  CHECK(to_hex(r) == "BF3003800100");  // ok
  CHECK(pending_numbers(card.card().state()) == Seqs{1, 3, 4, 5});
  CHECK(card.card().state().last_seq_number == 5u);
  CHECK(card.es10(from_hex("BF2800")) == list_answer(state, {1, 3, 4, 5}));
  CHECK(card.es10(from_hex("BF2B00")) == retrieve_answer(state, {1, 3, 4, 5}));
  CHECK(to_hex(card.es10(by_seq(2))) == "BF2B02A000");

  // A second time: nothing to delete; nor for a number never given or a negative one.
  CHECK(to_hex(card.es10(from_hex("BF3003800102"))) == "BF3003800101");
  CHECK(remove_status(card, "BF3003800106") == 1);
  CHECK(remove_status(card, "BF30038001FF") == 1);
  CHECK(pending_numbers(card.card().state()) == Seqs{1, 3, 4, 5});

  // Removing all of them leaves the counter where it was.
  for (const char* hex : {"BF3003800101", "BF3003800103", "BF3003800104", "BF3003800105"}) {
    CHECK(remove_status(card, hex) == 0);
  }
  CHECK(card.card().state().notifications.empty());
  CHECK(card.card().state().last_seq_number == 5u);
  CHECK(to_hex(card.es10(from_hex("BF2800"))) == "BF2802A000");

  // The next event gets number 6, and the removals survive a reset.
  auto next = card.card().state();
  REQUIRE(applets::notifications::notify(next, next.profiles[0], Event::kDisable) == 6u);
  card.reset();
  card.select(aid::isd_r());
  CHECK(to_hex(card.es10(from_hex("BF2800"))) == "BF2802A000");
}

TEST_CASE("RemoveNotificationFromList answers undefinedError to requests it cannot read") {
  const auto state = notified_state();
  auto card = test::es10_card(state);
  for (const char* hex : {"BF3000",                        // no seqNumber
                          "BF3003810101",                  // wrong tag
                          "BF3003800501",                  // cut short
                          "BF300B8009010000000000000000",  // beyond 64 bits
                          "BF3003A00101"}) {               // constructed
    INFO(hex);
    auto r = card.es10(from_hex(hex));
    CHECK(to_hex(r) == "BF300380017F");
    CHECK(remove_status(card, hex) == 127);
  }
  CHECK(pending_numbers(card.card().state()) == Seqs{1, 2, 3, 4, 5});
}

TEST_CASE("Only a removal changes the card image") {
  auto state = notified_state();
  auto drbg = crypto::Drbg::from_seed(3, "notifications");
  applets::isdr::Session session;
  auto run = [&](auto handler, const char* hex) {
    applets::AppletContext ctx(state, drbg, 0);
    applets::isdr::Es10Call call{ctx, session};
    auto r = handler(call, from_hex(hex));
    REQUIRE(r.sw == 0x9000);
    return ctx.state_changed();
  };
  CHECK_FALSE(run(applets::es10b::list_notification, "BF2800"));
  CHECK_FALSE(run(applets::es10b::retrieve_notifications_list, "BF2B00"));
  CHECK_FALSE(run(applets::es10b::remove_notification_from_list, "BF3003800109"));
  CHECK_FALSE(run(applets::es10b::remove_notification_from_list, "BF3000"));
  CHECK(run(applets::es10b::remove_notification_from_list, "BF3003800104"));
  CHECK(pending_numbers(state) == Seqs{1, 2, 3, 5});
}

namespace {
// extCardResource's free non-volatile memory (tag 82) in GetEUICCInfo2, as an LPA reads it.
std::uint64_t free_memory_reported(CardSimulator& card) {
  const Bytes info = card.es10(from_hex("BF2200"));
  auto top = tlv::read(info);
  REQUIRE(top);
  auto fields = tlv::read_all(top->value);
  REQUIRE(fields);
  auto ext = tlv::find(*fields, 0x84);  // extCardResource OCTET STRING [4]
  REQUIRE(ext);
  auto items = tlv::read_all(ext->value);
  REQUIRE(items);
  auto nvm = tlv::find(*items, 0x82);
  REQUIRE(nvm);
  return *tlv::decode_uint(nvm->value);
}

// ES10c EnableProfile / DeleteProfile of `payload` by ICCID, refreshFlag false: the result code.
std::string enable_by_iccid(CardSimulator& card, const std::string& payload) {
  Bytes body = tlv::encode(0xA0, tlv::encode(0x5A, test::iccid_bytes(payload)));
  tlv::append(body, 0x81, Bytes{0x00});
  return to_hex(card.es10(tlv::encode(0xBF31, body)));
}
std::string delete_by_iccid(CardSimulator& card, const std::string& payload) {
  return to_hex(card.es10(tlv::encode(0xBF33, tlv::encode(0x5A, test::iccid_bytes(payload)))));
}
}  // namespace

TEST_CASE("Notifications occupy the card's memory, and a full store refuses new ones") {
  // Profile 2 enabled, profile 1 disabled; both notify enable, disable and delete.
  auto state = test::es10_state(
      {{kPayload1, false, notifying_metadata()}, {kPayload2, true, notifying_metadata()}});
  const std::uint64_t capacity = state.config.memory_capacity;
  std::uint64_t profiles_size = 0;
  for (const auto& p : state.profiles) profiles_size += p.profile.occupied_memory();
  auto card = test::es10_card(std::move(state));
  const auto& s = card.card().state();
  CHECK(free_memory_reported(card) == capacity - profiles_size);

  // Enabling profile 1 disables profile 2: two notifications, each taking what it stores.
  CHECK(enable_by_iccid(card, kPayload1) == "BF3103800100");
  REQUIRE(s.notifications.size() == 2);
  const std::uint64_t kept = s.notifications[0].der.size() + s.notifications[0].address.size() +
                             s.notifications[0].iccid.size() + s.notifications[1].der.size() +
                             s.notifications[1].address.size() + s.notifications[1].iccid.size();
  CHECK(free_memory_reported(card) == capacity - profiles_size - kept);

  // The store filled up to kMaxNotifications (the LPA never delivers them).
  for (int i = 0; s.notifications.size() < kMaxNotifications; ++i) {
    REQUIRE(i < 200);
    const auto& other = i % 2 == 0 ? kPayload2 : kPayload1;
    REQUIRE(enable_by_iccid(card, other) == "BF3103800100");
  }
  const CardState full = s;
  // A change whose notification has no room does not happen: undefinedError(127), and every
  // notification, the sequence counter and the profiles' states stay as they were.
  const auto& disabled = s.profiles[0].enabled ? kPayload2 : kPayload1;
  CHECK(enable_by_iccid(card, disabled) == "BF310380017F");
  CHECK(delete_by_iccid(card, disabled) == "BF330380017F");
  CHECK(s == full);
  CHECK(s.notifications.size() == kMaxNotifications);

  // Once the LPA removed one (delivered), the next change goes through.
  const auto first = s.notifications.front().seq_number;
  REQUIRE(first < 0x80);
  CHECK(remove_status(
            card, to_hex(tlv::encode(0xBF30, tlv::encode(0x80, tlv::encode_uint(first, 1))))) == 0);
  CHECK(delete_by_iccid(card, disabled) == "BF3303800100");
  CHECK(s.notifications.size() == kMaxNotifications);
}
