// ISD-P life cycle through ES10c (SGP.22 v2.5 §5.7.16-5.7.19, §3.2, §3.3.3): EnableProfile,
// DisableProfile, DeleteProfile and eUICCMemoryReset sent as an LPA sends them, every result
// code, PPRs, the quirks, REFRESH, and the notifications each change leaves behind.
//
// Requests are written out as DER so the tests pin the wire format; every response is decoded
// with the card's own ASN.1 module and must re-encode to the same bytes (DER round trip).
#include <catch.hpp>

#include <DeleteProfileResponse.h>
#include <DisableProfileResponse.h>
#include <EnableProfileResponse.h>
#include <EuiccMemoryResetResponse.h>
#include <NotificationMetadata.h>
#include <PendingNotification.h>

#include <algorithm>

#include "euiccsim/applets/isdr/notifications.hpp"
#include "euiccsim/applets/rsp_asn1.hpp"
#include "euiccsim/crypto/ecdsa.hpp"
#include "unit/support/es10_card.hpp"

using namespace euiccsim;
using namespace euiccsim::test;
// asn1c declares C types of the same names at global scope.
using Event = euiccsim::NotificationEvent;
using Pending = euiccsim::PendingNotification;
using Class = euiccsim::ProfileClass;

namespace {

const std::string kP1 = "8999900000000000011";
const std::string kP2 = "8999900000000000022";
const std::string kP3 = "8999900000000000033";
const std::string kP4 = "8999900000000000044";
const std::string kUnknown = "8999900000000000099";

std::string iccid_hex(const std::string& payload) {
  return to_hex(iccid_bytes(payload));
}

ProfileMetadata meta(Class c = Class::kOperational, std::optional<std::uint8_t> pprs = std::nullopt,
                     std::vector<NotificationConfig> config = {}) {
  ProfileMetadata m;
  m.service_provider_name = "Operator";
  m.profile_name = "Profile";
  m.profile_class = c;
  m.pprs = pprs;
  m.notification_config = std::move(config);
  return m;
}

std::vector<NotificationConfig> notify_all(const std::string& address) {
  return {{Event::kEnable, address}, {Event::kDisable, address}, {Event::kDelete, address}};
}

// Each function's result code, from a request written as hex.
long enable(CardSimulator& card, const std::string& request_hex) {
  auto der = card.es10(from_hex(request_hex));
  return decode_exact<EnableProfileResponse_t>(asn_DEF_EnableProfileResponse, der)->enableResult;
}
long disable(CardSimulator& card, const std::string& request_hex) {
  auto der = card.es10(from_hex(request_hex));
  return decode_exact<DisableProfileResponse_t>(asn_DEF_DisableProfileResponse, der)->disableResult;
}
long remove(CardSimulator& card, const std::string& request_hex) {
  auto der = card.es10(from_hex(request_hex));
  return decode_exact<DeleteProfileResponse_t>(asn_DEF_DeleteProfileResponse, der)->deleteResult;
}
long reset(CardSimulator& card, const std::string& request_hex) {
  auto der = card.es10(from_hex(request_hex));
  return decode_exact<EuiccMemoryResetResponse_t>(asn_DEF_EuiccMemoryResetResponse, der)
      ->resetResult;
}

// EnableProfile / DisableProfile by ICCID or ISD-P AID: BF31/BF32 { A0 { 5A|4F }, 81 flag }.
std::string by_iccid(const std::string& tag, const std::string& payload, bool refresh) {
  return tag + "11" + "A00C5A0A" + iccid_hex(payload) + (refresh ? "8101FF" : "810100");
}
std::string by_aid(const std::string& tag, const Bytes& aid, bool refresh) {
  REQUIRE(aid.size() == 16);
  return tag + "17" + "A0124F10" + to_hex(aid) + (refresh ? "8101FF" : "810100");
}
// DeleteProfile: the CHOICE directly, BF33 { 5A } or BF33 { 4F }.
std::string delete_iccid(const std::string& payload) {
  return "BF330C5A0A" + iccid_hex(payload);
}
std::string delete_aid(const Bytes& aid) {
  return "BF33124F10" + to_hex(aid);
}

const Bytes& aid_of(CardSimulator& card, std::size_t index) {
  return card.card().state().profiles.at(index).isdp_aid;
}

std::vector<bool> enabled_flags(const CardState& state) {
  std::vector<bool> flags;
  for (const auto& p : state.profiles) flags.push_back(p.enabled);
  return flags;
}

bool has_aid(const CardState& state, const Bytes& aid) {
  return std::any_of(state.profiles.begin(), state.profiles.end(),
                     [&](const ProfileSlot& p) { return p.isdp_aid == aid; });
}

std::size_t enabled_count(const CardState& state) {
  return static_cast<std::size_t>(std::count_if(state.profiles.begin(), state.profiles.end(),
                                                [](const ProfileSlot& p) { return p.enabled; }));
}

// A pending notification as RetrieveNotificationsList will hand it out: an
// OtherSignedNotification whose metadata matches the list entry and whose signature verifies
// with the eUICC certificate's key.
void check_notification(const CardState& state, const Pending& n, std::uint64_t seq, Event event,
                        const std::string& address, const std::string& payload) {
  CHECK(n.seq_number == seq);
  CHECK(n.event == event);
  CHECK(n.address == address);
  CHECK(to_hex(n.iccid) == iccid_hex(payload));
  auto pending = decode_exact<PendingNotification_t>(asn_DEF_PendingNotification, n.der);
  REQUIRE(pending->present == PendingNotification_PR_otherSignedNotification);
  const auto& other = pending->choice.otherSignedNotification;
  auto tbs = asn1::encode_member(asn_DEF_NotificationMetadata, &other.tbsOtherNotification);
  CHECK(to_hex(tbs) == to_hex(applets::notifications::metadata_der(n)));
  CHECK(other.tbsOtherNotification.seqNumber == static_cast<long>(seq));
  CHECK(asn1::bits_of(other.tbsOtherNotification.profileManagementOperation) ==
        1u << static_cast<unsigned>(event));
  auto key = crypto::PublicKey::from_certificate(state.identity.euicc_certificate);
  CHECK(key.verify(tbs, asn1::bytes_of(other.euiccNotificationSignature)));
}

}  // namespace

TEST_CASE("EnableProfile by ICCID and by AID switches the one enabled profile") {
  auto card =
      es10_card(es10_state({{kP1, true, meta()}, {kP2, false, meta()}, {kP3, false, meta()}}));
  // The response is BF31 { 80 enableResult } exactly.
  CHECK(to_hex(card.es10(from_hex(by_iccid("BF31", kP2, false)))) == "BF3103800100");
  CHECK(enabled_flags(card.card().state()) == std::vector<bool>{false, true, false});

  CHECK(enable(card, by_aid("BF31", aid_of(card, 2), false)) == 0);
  CHECK(enabled_flags(card.card().state()) == std::vector<bool>{false, false, true});
  CHECK(enabled_count(card.card().state()) == 1);

  // No profile enabled at all, then one again.
  CHECK(disable(card, by_iccid("BF32", kP3, false)) == 0);
  CHECK(enabled_count(card.card().state()) == 0);
  CHECK(enable(card, by_iccid("BF31", kP1, false)) == 0);
  CHECK(enabled_flags(card.card().state()) == std::vector<bool>{true, false, false});
}

TEST_CASE("Enable and Disable answer every result code, and change nothing when refusing") {
  auto state = es10_state({{kP1, true, meta(Class::kOperational, kPpr1)}, {kP2, false, meta()}});
  auto card = es10_card(state);
  auto before = card.card().state();

  SECTION("iccidOrAidNotFound") {
    CHECK(enable(card, by_iccid("BF31", kUnknown, true)) == 1);
    CHECK(disable(card, by_iccid("BF32", kUnknown, true)) == 1);
    Bytes other_aid = aid_of(card, 0);
    other_aid.back() ^= 0x01;
    CHECK(enable(card, by_aid("BF31", other_aid, false)) == 1);
    CHECK(disable(card, by_aid("BF32", other_aid, false)) == 1);
    // A shorter AID that prefixes a real one names nothing.
    Bytes prefix(aid_of(card, 0).begin(), aid_of(card, 0).begin() + 8);
    CHECK(enable(card, "BF310FA00A4F08" + to_hex(prefix) + "810100") == 1);
  }
  SECTION("profileNotInDisabledState / profileNotInEnabledState") {
    CHECK(enable(card, by_iccid("BF31", kP1, true)) == 2);
    CHECK(disable(card, by_iccid("BF32", kP2, true)) == 2);
  }
  SECTION("disallowedByPolicy: PPR1 forbids disabling, explicitly or by enabling another") {
    CHECK(disable(card, by_iccid("BF32", kP1, false)) == 3);
    CHECK(enable(card, by_iccid("BF31", kP2, false)) == 3);
  }
  SECTION("undefinedError for a request that is not a valid Enable/DisableProfileRequest") {
    CHECK(enable(card, "BF3100") == 127);
    CHECK(disable(card, "BF3200") == 127);
    // refreshFlag missing
    CHECK(enable(card, "BF310EA00C5A0A" + iccid_hex(kP2)) == 127);
    // an ICCID of 9 bytes
    CHECK(enable(card, "BF3110A00B5A09" + iccid_hex(kP2).substr(2) + "810100") == 127);
    // an AID of 17 bytes
    CHECK(enable(card, "BF3118A0134F11" + to_hex(aid_of(card, 1)) + "00810100") == 127);
    // an identifier of another kind inside A0
    CHECK(enable(card, "BF3108A003800101810100") == 127);
  }
  CHECK(card.card().state() == before);
  CHECK(card.card().refreshes() == 0);
}

TEST_CASE("Enabling a Test or Provisioning profile overrides PPR1 of the enabled one") {
  // SGP.21 TPRO8 for Test Profiles; the Provisioning exception per SGP.22 §2.4.5.2 as read in
  // secondary sources (see applets/isdp/profile_state.cpp).
  auto card = es10_card(es10_state({{kP1, true, meta(Class::kOperational, kPpr1)},
                                    {kP2, false, meta(Class::kTest)},
                                    {kP3, false, meta(Class::kProvisioning)}}));
  CHECK(enable(card, by_iccid("BF31", kP2, false)) == 0);
  CHECK(enabled_flags(card.card().state()) == std::vector<bool>{false, true, false});
  CHECK(enable(card, by_iccid("BF31", kP1, false)) == 0);
  CHECK(enable(card, by_iccid("BF31", kP3, false)) == 0);
  CHECK(enabled_flags(card.card().state()) == std::vector<bool>{false, false, true});
  // Back on the PPR1 profile, only these classes may displace it.
  CHECK(enable(card, by_iccid("BF31", kP1, false)) == 0);
  CHECK(disable(card, by_iccid("BF32", kP1, false)) == 3);
}

TEST_CASE("DeleteProfile answers every result code") {
  auto card = es10_card(es10_state({{kP1, true, meta()},
                                    {kP2, false, meta(Class::kOperational, kPpr2)},
                                    {kP3, false, meta()},
                                    {kP4, false, meta(Class::kOperational, kPpr1)}}));
  auto before = card.card().state();
  CHECK(to_hex(card.es10(from_hex(delete_iccid(kUnknown)))) == "BF3303800101");
  CHECK(remove(card, delete_iccid(kP1)) == 2);  // enabled
  CHECK(remove(card, delete_aid(aid_of(card, 0))) == 2);
  CHECK(remove(card, delete_iccid(kP2)) == 3);  // PPR2
  CHECK(remove(card, "BF3300") == 127);
  CHECK(remove(card, "BF33035A0100") == 127);
  CHECK(remove(card, "BF3303800101") == 127);  // neither 4F nor 5A
  CHECK(card.card().state() == before);

  const Bytes aid3 = aid_of(card, 2);
  CHECK(remove(card, delete_aid(aid3)) == 0);
  CHECK(!has_aid(card.card().state(), aid3));
  CHECK(card.card().state().profiles.size() == 3);
  CHECK(remove(card, delete_aid(aid3)) == 1);
  // PPR1 does not stop deleting a disabled profile.
  CHECK(remove(card, delete_iccid(kP4)) == 0);
  CHECK(card.card().state().profiles.size() == 2);
  // The ISD-P AID is free again for the next profile.
  CHECK(card.card().state().next_isdp_aid() == aid3);
}

TEST_CASE("Quirks: cat-busy refuses state changes, enable-by-aid-only refuses ICCIDs") {
  SECTION("cat-busy") {
    auto state = es10_state({{kP1, true, meta()}, {kP2, false, meta()}, {kP3, false, meta()}});
    state.config.quirks.insert(quirk::kCatBusy);
    state.default_dp_address = "smdp.example.com";
    auto card = es10_card(state);
    CHECK(enable(card, by_iccid("BF31", kP2, true)) == 5);
    CHECK(disable(card, by_iccid("BF32", kP1, true)) == 5);
    CHECK(reset(card, "BF3404820205E0") == 5);
    CHECK(card.card().state() == state);
    CHECK(card.card().refreshes() == 0);
    // DeleteProfile has no catBusy: a disabled profile goes anyway. Lookup failures and
    // malformed requests keep their own codes.
    CHECK(enable(card, by_iccid("BF31", kUnknown, false)) == 1);
    CHECK(enable(card, "BF3100") == 127);
    CHECK(remove(card, delete_iccid(kP3)) == 0);
  }
  SECTION("enable-by-aid-only") {
    auto state = es10_state({{kP1, true, meta()}, {kP2, false, meta()}});
    state.config.quirks.insert(quirk::kEnableByAidOnly);
    auto card = es10_card(state);
    CHECK(enable(card, by_iccid("BF31", kP2, false)) == 1);
    CHECK(disable(card, by_iccid("BF32", kP1, false)) == 1);
    CHECK(remove(card, delete_iccid(kP2)) == 1);
    CHECK(card.card().state() == state);
    CHECK(enable(card, by_aid("BF31", aid_of(card, 1), false)) == 0);
    CHECK(disable(card, by_aid("BF32", aid_of(card, 1), false)) == 0);
    CHECK(remove(card, delete_aid(aid_of(card, 1))) == 0);
    CHECK(card.card().state().profiles.size() == 1);
  }
}

TEST_CASE("refreshFlag: the terminal sees the change at once, otherwise at the next reset") {
  auto card = es10_card(es10_state({{kP1, true, meta()}, {kP2, false, meta()}}));
  const Bytes aid1 = aid_of(card, 0), aid2 = aid_of(card, 1);
  REQUIRE(card.card().active_profile() == aid1);
  REQUIRE(card.card().refreshes() == 0);

  SECTION("with refreshFlag") {
    CHECK(enable(card, by_iccid("BF31", kP2, true)) == 0);
    CHECK(card.card().refreshes() == 1);
    CHECK(card.card().active_profile() == aid2);
    // The ISD-R session on the asking channel survives the REFRESH.
    CHECK(disable(card, by_aid("BF32", aid2, true)) == 0);
    CHECK(card.card().refreshes() == 2);
    CHECK(!card.card().active_profile().has_value());
    // A refused request asks for nothing.
    CHECK(disable(card, by_aid("BF32", aid2, true)) == 2);
    CHECK(enable(card, by_iccid("BF31", kUnknown, true)) == 1);
    CHECK(card.card().refreshes() == 2);
  }
  SECTION("without refreshFlag") {
    CHECK(enable(card, by_iccid("BF31", kP2, false)) == 0);
    CHECK(card.card().refreshes() == 0);
    CHECK(card.card().active_profile() == aid1);
    CHECK(card.card().state().enabled_profile()->isdp_aid == aid2);
    card.reset();
    CHECK(card.card().active_profile() == aid2);
    CHECK(card.card().refreshes() == 0);
    card.select(aid::isd_r());
    CHECK(disable(card, by_iccid("BF32", kP2, false)) == 0);
    CHECK(card.card().active_profile() == aid2);
    card.reset();
    CHECK(!card.card().active_profile().has_value());
  }
}

TEST_CASE("Notifications follow each profile's configuration, numbered and signed") {
  const std::string a1 = "smdp-a.example.com", a2 = "smdp-b.example.com";
  auto card = es10_card(
      es10_state({{kP1, true, meta(Class::kOperational, std::nullopt, notify_all(a1))},
                  {kP2, false, meta(Class::kOperational, std::nullopt, {{Event::kEnable, a2}})},
                  {kP3, false, meta()}}));
  const auto& state = card.card().state();
  REQUIRE(state.notifications.empty());

  // Enabling P2 disables P1 implicitly: P1's disable first, then P2's enable.
  CHECK(enable(card, by_iccid("BF31", kP2, false)) == 0);
  REQUIRE(state.notifications.size() == 2);
  check_notification(state, state.notifications[0], 1, Event::kDisable, a1, kP1);
  check_notification(state, state.notifications[1], 2, Event::kEnable, a2, kP2);

  // P2 asks for no disable notification; P3 for none at all.
  CHECK(enable(card, by_iccid("BF31", kP3, false)) == 0);
  CHECK(disable(card, by_iccid("BF32", kP3, false)) == 0);
  CHECK(remove(card, delete_iccid(kP3)) == 0);
  CHECK(state.notifications.size() == 2);

  // Refusals add nothing.
  CHECK(remove(card, delete_iccid(kUnknown)) == 1);
  CHECK(disable(card, by_iccid("BF32", kP1, false)) == 2);
  CHECK(state.notifications.size() == 2);

  CHECK(enable(card, by_iccid("BF31", kP1, false)) == 0);
  CHECK(disable(card, by_iccid("BF32", kP1, false)) == 0);
  CHECK(remove(card, delete_iccid(kP1)) == 0);
  REQUIRE(state.notifications.size() == 5);
  check_notification(state, state.notifications[2], 3, Event::kEnable, a1, kP1);
  check_notification(state, state.notifications[3], 4, Event::kDisable, a1, kP1);
  check_notification(state, state.notifications[4], 5, Event::kDelete, a1, kP1);
  CHECK(state.last_seq_number == 5);
}

TEST_CASE("eUICCMemoryReset deletes by class, overrides PPRs, spares provisioning and preloaded") {
  const std::string a1 = "smdp-a.example.com";
  auto state = es10_state({{kP1, true, meta(Class::kOperational, kPpr1 | kPpr2, notify_all(a1))},
                           {kP2, false, meta(Class::kTest, std::nullopt, notify_all(a1))},
                           {kP3, false, meta(Class::kTest)},
                           {kP4, false, meta(Class::kProvisioning)}});
  state.profiles[1].preloaded = false;  // P2 was downloaded in the field; P3 came preloaded
  state.default_dp_address = "smdp.example.com";
  // A notification still waiting for the LPA, with its number.
  state.notifications.push_back(
      Pending{7, Event::kInstall, a1, iccid_bytes(kP1), from_hex("3000")});
  state.last_seq_number = 7;
  auto card = es10_card(state);
  const Bytes aid1 = aid_of(card, 0);
  REQUIRE(card.card().active_profile() == aid1);

  SECTION("each option on its own") {
    // deleteOperationalProfiles: BIT STRING {0} = 82 02 07 80.
    CHECK(to_hex(card.es10(from_hex("BF340482020780"))) == "BF3403800100");
    const auto& s = card.card().state();
    REQUIRE(s.profiles.size() == 3);
    CHECK(!has_aid(s, aid1));
    CHECK(enabled_count(s) == 0);
    // The enabled profile is gone: the terminal is told at once.
    CHECK(card.card().refreshes() == 1);
    CHECK(!card.card().active_profile().has_value());
    // The pending notification stays; P1's delete notification joins it with the next number.
    REQUIRE(s.notifications.size() == 2);
    CHECK(s.notifications[0] == state.notifications[0]);
    check_notification(s, s.notifications[1], 8, Event::kDelete, a1, kP1);
    CHECK(reset(card, "BF340482020780") == 1);  // nothing operational left

    // deleteFieldLoadedTestProfiles: {1} = 82 02 06 40. P3 was preloaded, P4 is provisioning.
    CHECK(reset(card, "BF340482020640") == 0);
    REQUIRE(s.profiles.size() == 2);
    CHECK(s.profiles[0].iccid().str() == iccid_of(kP3));
    CHECK(s.profiles[1].iccid().str() == iccid_of(kP4));
    REQUIRE(s.notifications.size() == 3);
    check_notification(s, s.notifications[2], 9, Event::kDelete, a1, kP2);
    CHECK(reset(card, "BF340482020640") == 1);
    CHECK(card.card().refreshes() == 1);  // no enabled profile went this time

    // resetDefaultSmdpAddress: {2} = 82 02 05 20.
    CHECK(s.default_dp_address == "smdp.example.com");
    CHECK(reset(card, "BF340482020520") == 0);
    CHECK(s.default_dp_address.empty());
    CHECK(reset(card, "BF340482020520") == 1);
    CHECK(s.profiles.size() == 2);
    CHECK(s.last_seq_number == 9);
  }
  SECTION("all options at once") {
    CHECK(reset(card, "BF3404820205E0") == 0);
    const auto& s = card.card().state();
    REQUIRE(s.profiles.size() == 2);
    CHECK(s.profiles[0].metadata.profile_class == Class::kTest);
    CHECK(s.profiles[0].preloaded);
    CHECK(s.profiles[1].metadata.profile_class == Class::kProvisioning);
    CHECK(s.default_dp_address.empty());
    CHECK(s.notifications.size() == 3);
    CHECK(reset(card, "BF3404820205E0") == 1);
  }
  SECTION("nothing asked, malformed, and bits this version does not define") {
    CHECK(reset(card, "BF3403820100") == 1);    // no option bit at all
    CHECK(reset(card, "BF340482020408") == 1);  // bit 4 only (an SGP.32 option)
    CHECK(reset(card, "BF3400") == 127);
    CHECK(reset(card, "BF3403800100") == 127);  // resetOptions with the wrong tag
    CHECK(card.card().state() == state);
    CHECK(card.card().refreshes() == 0);
  }
}

TEST_CASE("A test profile enabled then deleted by a test memory reset") {
  auto state = es10_state({{kP1, false, meta()}, {kP2, true, meta(Class::kTest)}});
  state.profiles[1].preloaded = false;
  auto card = es10_card(state);
  // Deleting an enabled profile is refused, except through memory reset (SGP.21 PRO6).
  CHECK(remove(card, delete_iccid(kP2)) == 2);
  CHECK(reset(card, "BF340482020640") == 0);
  CHECK(card.card().state().profiles.size() == 1);
  CHECK(enabled_count(card.card().state()) == 0);
  CHECK(card.card().refreshes() == 1);
}

TEST_CASE("Disabling a Test profile enables again the profile its enabling displaced") {
  // SGP.21 TPRO10.
  auto card = es10_card(es10_state(
      {{kP1, true, meta(Class::kOperational, std::nullopt, notify_all("smdp.example.com"))},
       {kP2, false, meta(Class::kTest)},
       {kP3, false, meta()}}));
  CHECK(enable(card, by_iccid("BF31", kP2, false)) == 0);
  CHECK(card.card().state().test_fallback_aid == aid_of(card, 0));
  CHECK(disable(card, by_iccid("BF32", kP2, false)) == 0);
  CHECK(enabled_flags(card.card().state()) == std::vector<bool>{true, false, false});
  CHECK_FALSE(card.card().state().test_fallback_aid);
  // The operational profile's configuration asked for disable and enable notifications.
  const auto& n = card.card().state().notifications;
  REQUIRE(n.size() == 2);
  check_notification(card.card().state(), n[0], 1, Event::kDisable, "smdp.example.com", kP1);
  check_notification(card.card().state(), n[1], 2, Event::kEnable, "smdp.example.com", kP1);

  // Enabling an operational profile forgets the fall-back: disabling the Test profile later
  // leaves nothing enabled.
  CHECK(enable(card, by_iccid("BF31", kP2, false)) == 0);
  CHECK(enable(card, by_iccid("BF31", kP3, false)) == 0);
  CHECK_FALSE(card.card().state().test_fallback_aid);
  CHECK(enable(card, by_iccid("BF31", kP2, false)) == 0);
  CHECK(card.card().state().test_fallback_aid == aid_of(card, 2));
  // Deleting the recorded profile forgets it too.
  CHECK(remove(card, delete_iccid(kP3)) == 0);
  CHECK_FALSE(card.card().state().test_fallback_aid);
  CHECK(disable(card, by_iccid("BF32", kP2, false)) == 0);
  CHECK(enabled_count(card.card().state()) == 0);
}

TEST_CASE("A memory reset deleting the enabled Test profile falls back to the displaced one") {
  auto state = es10_state({{kP1, true, meta()}, {kP2, false, meta(Class::kTest)}});
  state.profiles[1].preloaded = false;
  auto card = es10_card(state);
  CHECK(enable(card, by_iccid("BF31", kP2, false)) == 0);
  // deleteFieldLoadedTestProfiles only.
  CHECK(reset(card, "BF340482020640") == 0);
  REQUIRE(card.card().state().profiles.size() == 1);
  CHECK(card.card().state().profiles[0].enabled);
  CHECK_FALSE(card.card().state().test_fallback_aid);
}
