// The smaller SGP.32 v1.2 functions of an iot card: GetConnectivityParameters (BF5F),
// eUICCMemoryReset in SGP.32's form (BF64), SetDefaultDpAddress in SGP.32's form (BF65),
// IpaeActivation (BF42) with EUICCInfo2's ipaMode, and the IoT fields of GetProfilesInfo
// (9F7B, 9F26, 9F67). Answers are checked byte for byte and decoded with the SGP.32 module;
// refused calls leave the card state as it was; an sgp22 card answers these tags 6A88.
#include <catch.hpp>

#include <algorithm>
#include <cstdio>

#include <GetConnectivityParametersResponse.h>
#include <IotEUICCInfo2.h>
#include <IotEuiccMemoryResetResponse.h>
#include <IotProfileInfoListResponse.h>
#include <IotSetDefaultDpAddressResponse.h>
#include <IpaeActivationResponse.h>
#include <ProfileInfoListResponse.h>

#include "../support/es10_card.hpp"
#include "../support/hex_der.hpp"
#include "euiccsim/applets/isdr/es10.hpp"
#include "euiccsim/applets/rsp_asn1.hpp"

using namespace euiccsim;
using test::decode_exact;
using Event = euiccsim::NotificationEvent;
using Class = euiccsim::ProfileClass;

namespace {

constexpr auto der = &test::hex_tlv;
using test::utf8;

const std::string kP1 = "8999900000000000011";
const std::string kP2 = "8999900000000000022";
const std::string kP3 = "8999900000000000033";
const std::string kP4 = "8999900000000000044";
const std::string kP5 = "8999900000000000055";

ProfileMetadata meta(Class c = Class::kOperational,
                     std::optional<std::uint8_t> pprs = std::nullopt) {
  ProfileMetadata m;
  m.service_provider_name = "Operator";
  m.profile_name = "Profile";
  m.profile_class = c;
  m.pprs = pprs;
  m.notification_config = {{Event::kDelete, "smdp-a.example.com"}};
  return m;
}

// A card that records every card image it would write.
struct Recorded {
  std::vector<CardState> saved;
  CardSimulator card;
  explicit Recorded(CardState state) : card(make(std::move(state), saved)) {
    card.select(aid::isd_r());
  }
  static CardSimulator make(CardState state, std::vector<CardState>& saved) {
    CardSimulator::Options o;
    o.seed = 7;
    o.state = std::move(state);
    o.persist = [&saved](const CardState& s) { saved.push_back(s); };
    return CardSimulator(std::move(o));
  }
  const CardState& state() { return card.card().state(); }
};

std::string es10_hex(CardSimulator& card, const std::string& request_hex) {
  return to_hex(card.es10(from_hex(request_hex)));
}

std::uint16_t store_data_sw(CardSimulator& card, const std::string& request_hex) {
  return card.transmit("80E29100" + test::len(request_hex.size() / 2) + request_hex + "00").sw;
}

// eUICCMemoryReset BF64 { 82 resetOptions } with the given option bits (0..6).
std::string reset_request(std::initializer_list<unsigned> bits) {
  unsigned byte = 0;
  for (unsigned b : bits) byte |= 0x80u >> b;
  if (byte == 0) return "BF6403820100";
  unsigned unused = 0;
  while ((byte & (1u << unused)) == 0) ++unused;
  char buf[16];
  std::snprintf(buf, sizeof buf, "8202%02X%02X", unused, byte);
  return der("BF64", buf);
}
// Its answer, checked to be one IotEuiccMemoryResetResponse.
std::string reset(CardSimulator& card, const std::string& request_hex) {
  const Bytes r = card.es10(from_hex(request_hex));
  decode_exact<IotEuiccMemoryResetResponse_t>(asn_DEF_IotEuiccMemoryResetResponse, r);
  return to_hex(r);
}

EimConfig eim(const std::string& id) {
  EimConfig e;
  e.eim_id = id;
  e.counter_value = 5;
  e.association_token = 1;
  return e;
}

}  // namespace

TEST_CASE("an sgp22 card answers the SGP.32 tags of this part 6A88") {
  auto card = test::es10_card(test::es10_state({}));
  for (const std::string req :
       {"BF59028000", "BF5A03800100", "BF5B03800100", "BF5C03800100", "BF5D03800100",
        "BF5E03800100", "BF5F00", "BF640482020204", "BF6503800141", "BF420480020780"}) {
    INFO(req);
    CHECK(store_data_sw(card, req) == 0x6A88);
  }
  CHECK(card.card().state() == test::es10_state({}));
}

TEST_CASE("GetConnectivityParameters: parametersNotAvailable, undefinedError") {
  auto card = test::es10_card(test::es10_iot_state({{kP1, true, meta()}}));
  const Bytes r = card.es10(from_hex("BF5F00"));
  auto rsp = decode_exact<GetConnectivityParametersResponse_t>(
      asn_DEF_GetConnectivityParametersResponse, r);
  CHECK(rsp->present == GetConnectivityParametersResponse_PR_connectivityParametersError);
  CHECK(to_hex(r) == "BF5F03810101");
  // asn1c 0.9.28 gives the empty SEQUENCE no extension marker: anything inside is refused.
  CHECK(es10_hex(card, "BF5F03800100") == "BF5F0381017F");
  CHECK(es10_hex(card, "BF5F0101") == "BF5F0381017F");
}

TEST_CASE("SetDefaultDpAddress BF65 sets, clears and keeps the address; undefinedError") {
  Recorded r(test::es10_iot_state());
  CHECK(es10_hex(r.card, der("BF65", der("80", utf8("smdp.example.com")))) == "BF6503800100");
  CHECK(r.state().default_dp_address == "smdp.example.com");
  REQUIRE(r.saved.size() == 1);
  CHECK(r.saved.back() == r.state());
  // GetEuiccConfiguredAddresses reports it.
  CHECK(es10_hex(r.card, "BF3C00").find(utf8("smdp.example.com")) != std::string::npos);
  // Unchanged: not written again.
  CHECK(es10_hex(r.card, der("BF65", der("80", utf8("smdp.example.com")))) == "BF6503800100");
  CHECK(r.saved.size() == 1);
  for (const std::string bad : {"BF6500", "BF6503810141", "BF65038001FF"}) {
    INFO(bad);
    const Bytes answer = r.card.es10(from_hex(bad));
    decode_exact<IotSetDefaultDpAddressResponse_t>(asn_DEF_IotSetDefaultDpAddressResponse, answer);
    CHECK(to_hex(answer) == "BF650380017F");
  }
  CHECK(r.saved.size() == 1);
  // The empty string removes it.
  CHECK(es10_hex(r.card, "BF65028000") == "BF6503800100");
  CHECK(r.state().default_dp_address.empty());
  CHECK(r.saved.size() == 2);
}

TEST_CASE("set_default_dp_address_iot works on bytes, for the PSMO") {
  CardState state = test::es10_iot_state();
  auto drbg = crypto::Drbg::from_seed(1);
  applets::AppletContext ctx(state, drbg, 0);
  CHECK(to_hex(applets::es10a::set_default_dp_address_iot(
            ctx, from_hex(der("BF65", der("80", utf8("a.example")))))) == "BF6503800100");
  CHECK(state.default_dp_address == "a.example");
  CHECK(ctx.state_changed());
  CHECK(to_hex(applets::es10a::set_default_dp_address_iot(ctx, from_hex("BF3F00"))) ==
        "BF650380017F");
}

TEST_CASE("IpaeActivation without an IPAe: notSupported(1), ipaMode stays ipad") {
  Recorded r(test::es10_iot_state());
  CHECK(es10_hex(r.card, "BF420480020780") == "BF4203800101");
  CHECK(r.state().ipa_mode == kIpaModeIpad);
  CHECK(r.saved.empty());
  CHECK(es10_hex(r.card, "BF4203800100") == "BF4203800101");
  CHECK(store_data_sw(r.card, "BF4200") == 0x6A80);
}

TEST_CASE("IpaeActivation records the active IPA, which EUICCInfo2 reports") {
  auto with_ipae = test::es10_iot_state();
  with_ipae.config.ipae = IpaeConfig{};
  Recorded r(with_ipae);
  auto ipa_mode = [&] {
    auto info =
        decode_exact<IotEUICCInfo2_t>(asn_DEF_IotEUICCInfo2, r.card.es10(from_hex("BF2200")));
    REQUIRE(info->ipaMode != nullptr);
    return *info->ipaMode;
  };
  CHECK(ipa_mode() == IpaMode_ipad);
  // ipaeOption { activateIpae } = 80 02 07 80.
  const Bytes ok = r.card.es10(from_hex("BF420480020780"));
  decode_exact<IpaeActivationResponse_t>(asn_DEF_IpaeActivationResponse, ok);
  CHECK(to_hex(ok) == "BF4203800100");
  CHECK(r.state().ipa_mode == kIpaModeIpae);
  REQUIRE(r.saved.size() == 1);
  CHECK(r.saved.back() == r.state());
  CHECK(ipa_mode() == IpaMode_ipae);
  CHECK(to_hex(r.card.es10(from_hex("BF2200"))).find("900101B40B") != std::string::npos);
  // The same again writes nothing; the bit clear goes back to the IPAd.
  CHECK(es10_hex(r.card, "BF420480020780") == "BF4203800100");
  CHECK(r.saved.size() == 1);
  CHECK(es10_hex(r.card, "BF4203800100") == "BF4203800100");
  CHECK(r.state().ipa_mode == kIpaModeIpad);
  CHECK(ipa_mode() == IpaMode_ipad);
  CHECK(r.saved.size() == 2);
  // No error code in the response: a request that does not decode is 6A80.
  CHECK(store_data_sw(r.card, "BF4200") == 0x6A80);
  CHECK(store_data_sw(r.card, "BF420481020780") == 0x6A80);
  CHECK(r.saved.size() == 2);
}

TEST_CASE("eUICCMemoryReset BF64: each option, its results, and what survives") {
  auto state = test::es10_iot_state({{kP1, true, meta(Class::kOperational, kPpr1 | kPpr2)},
                                     {kP2, false, meta(Class::kTest)},
                                     {kP3, false, meta(Class::kTest)},
                                     {kP4, false, meta(Class::kProvisioning)}});
  state.profiles[1].preloaded = false;  // P2 field-loaded; P3 preloaded
  state.default_dp_address = "smdp.example.com";
  state.eims = {eim("eim-1"), eim("eim-2")};
  state.last_association_token = 2;
  state.rollback = RollbackContext{};
  state.rollback->enabled_aid = state.profiles[0].isdp_aid;
  state.immediate_enable = ImmediateEnableConfig{};
  state.immediate_enable->immediate_enable = true;
  state.package_results.push_back(StoredPackageResult{});
  state.package_results.back().seq_number = 3;
  state.package_results.back().der = from_hex("BF5100");
  state.notifications.push_back(PendingNotification{4, Event::kInstall, "x.example",
                                                    test::iccid_bytes(kP1), from_hex("3000")});
  state.last_seq_number = 4;
  Recorded r(state);
  const auto& s = r.state();
  const Bytes aid1 = s.profiles[0].isdp_aid;

  SECTION("bits 3 and 4: preloaded Test Profiles, Provisioning Profiles") {
    CHECK(reset(r.card, reset_request({3})) == "BF6403800100");
    REQUIRE(s.profiles.size() == 3);
    CHECK(s.profiles[2].metadata.profile_class == Class::kProvisioning);
    CHECK(s.profiles[1].metadata.profile_class == Class::kTest);
    CHECK(!s.profiles[1].preloaded);
    CHECK(reset(r.card, reset_request({3})) == "BF6403800101");
    CHECK(reset(r.card, reset_request({4})) == "BF6403800100");
    REQUIRE(s.profiles.size() == 2);
    CHECK(reset(r.card, reset_request({4})) == "BF6403800101");
    // Each deleted profile left its delete notification; the earlier one is still there.
    REQUIRE(s.notifications.size() == 3);
    CHECK(s.notifications[0] == state.notifications[0]);
    CHECK(s.notifications[1].event == Event::kDelete);
    CHECK(s.notifications[1].iccid == test::iccid_bytes(kP3));
    CHECK(s.notifications[2].iccid == test::iccid_bytes(kP4));
    CHECK(r.card.card().refreshes() == 0);
    CHECK(r.saved.back() == s);
  }
  SECTION("bit 5: the eIM configuration, and the rollback context with it") {
    CHECK(reset(r.card, reset_request({5})) == "BF6406800100810100");
    CHECK(s.eims.empty());
    CHECK(!s.rollback);
    CHECK(s.last_association_token == 2);  // tokens are never given twice
    CHECK(s.profiles.size() == 4);
    CHECK(s.immediate_enable);
    CHECK(s.package_results == state.package_results);
    const auto writes = r.saved.size();
    CHECK(reset(r.card, reset_request({5})) == "BF6406800101810101");
    CHECK(r.saved.size() == writes);
  }
  SECTION("bit 6: the immediate enable configuration") {
    CHECK(reset(r.card, reset_request({6})) == "BF6406800100820100");
    CHECK(!s.immediate_enable);
    CHECK(s.eims.size() == 2);
    const CardState after = s;
    CHECK(reset(r.card, reset_request({6})) == "BF6406800101820100");
    CHECK(s == after);
  }
  SECTION("everything at once") {
    CHECK(reset(r.card, reset_request({0, 1, 2, 3, 4, 5, 6})) == "BF6409800100810100820100");
    CHECK(s.profiles.empty());
    CHECK(s.default_dp_address.empty());
    CHECK(s.eims.empty());
    CHECK(!s.immediate_enable);
    CHECK(s.package_results == state.package_results);
    CHECK(s.notifications.size() == 5);  // the old one and four deletes
    CHECK(s.last_seq_number == 8);
    // The enabled profile went: REFRESH, as for BF34.
    CHECK(r.card.card().refreshes() == 1);
    CHECK(!r.card.card().active_profile());
    CHECK(r.saved.back() == s);
    CHECK(reset(r.card, reset_request({0, 1, 2, 3, 4, 5, 6})) == "BF6409800101810101820100");
  }
  SECTION("SGP.22's bits alone behave as BF34") {
    CHECK(reset(r.card, reset_request({0})) == "BF6403800100");
    CHECK(
        std::ranges::none_of(s.profiles, [&](const ProfileSlot& p) { return p.isdp_aid == aid1; }));
    CHECK(r.card.card().refreshes() == 1);
  }
  SECTION("BF34 still ignores bits 3 and 4 on an iot card") {
    CHECK(to_hex(r.card.es10(from_hex("BF340482020318"))) == "BF3403800101");
    CHECK(s == state);
  }
  SECTION("no option, and requests that do not decode: the card unchanged") {
    CHECK(reset(r.card, "BF6403820100") == "BF6403800101");
    CHECK(reset(r.card, "BF6400") == "BF640380017F");
    CHECK(reset(r.card, "BF6403800100") == "BF640380017F");
    CHECK(s == state);
    CHECK(r.saved.empty());
  }
}

TEST_CASE("eUICCMemoryReset BF64: catBusy and ecallActive refuse the whole reset") {
  auto state = test::es10_iot_state({{kP1, true, meta()}, {kP2, false, meta()}});
  state.eims = {eim("eim-1")};
  SECTION("cat-busy") {
    state.config.quirks.insert(quirk::kCatBusy);
    auto card = test::es10_card(state);
    CHECK(reset(card, reset_request({0, 5, 6})) == "BF6403800105");
    CHECK(card.card().state() == state);
  }
  SECTION("the Emergency Profile is enabled") {
    state.profiles[0].ecall_indication = true;
    auto card = test::es10_card(state);
    CHECK(reset(card, reset_request({0, 5, 6})) == "BF6403800168");
    CHECK(card.card().state() == state);
  }
}

TEST_CASE("GetProfilesInfo on an iot card adds 9F7B, 9F26 and 9F67; an sgp22 card does not") {
  auto state = test::es10_iot_state(
      {{kP1, true, meta()}, {kP2, false, meta()}, {kP3, false, meta()}, {kP5, false, meta()}});
  state.profiles[0].ecall_indication = true;
  state.profiles[1].fallback_attribute = true;
  state.profiles[1].fallback_allowed = true;
  state.profiles[2].fallback_allowed = false;
  auto card = test::es10_card(state);
  const auto iccid = [](const std::string& p) { return der("5A", to_hex(test::iccid_bytes(p))); };
  const std::string request = der("BF2D", der("5C", "5A9F7B9F269F67"));
  const Bytes r = card.es10(from_hex(request));
  decode_exact<IotProfileInfoListResponse_t>(asn_DEF_IotProfileInfoListResponse, r);
  CHECK(to_hex(r) ==
        der("BF2D", der("A0", der("E3", iccid(kP1) + "9F7B01FF") +
                                  der("E3", iccid(kP2) + "9F2601FF" + "9F6701FF") +
                                  der("E3", iccid(kP3) + "9F670100") + der("E3", iccid(kP5)))));
  // Without a tagList too, after the SGP.22 fields; and an SGP.22 reader still reads it.
  const Bytes all = card.es10(from_hex("BF2D00"));
  auto iot = decode_exact<IotProfileInfoListResponse_t>(asn_DEF_IotProfileInfoListResponse, all);
  REQUIRE(iot->choice.profileInfoListOk.list.count == 4);
  const auto* first = iot->choice.profileInfoListOk.list.array[0];
  REQUIRE(first->ecallIndication != nullptr);
  CHECK(*first->ecallIndication != 0);
  CHECK(first->fallbackAttribute == nullptr);
  CHECK(first->fallbackAllowed == nullptr);
  std::size_t consumed = 0;
  auto plain =
      asn1::decode_as<ProfileInfoListResponse_t>(asn_DEF_ProfileInfoListResponse, all, consumed);
  CHECK(consumed == all.size());
  CHECK(plain->choice.profileInfoListOk.list.count == 4);

  // The same profiles on an sgp22 card: no IoT field, even when asked for.
  auto sgp22_state = state;
  sgp22_state.config.personality = personality::kSgp22;
  auto sgp22 = test::es10_card(sgp22_state);
  CHECK(es10_hex(sgp22, request) ==
        der("BF2D", der("A0", der("E3", iccid(kP1)) + der("E3", iccid(kP2)) +
                                  der("E3", iccid(kP3)) + der("E3", iccid(kP5)))));
  CHECK(es10_hex(sgp22, "BF2D00").find("9F7B") == std::string::npos);
}

TEST_CASE("TERMINAL CAPABILITY '84' is recorded; an IPAd declared while the IPAe is active") {
  auto state = test::es10_iot_state();
  state.config.ipae = IpaeConfig{};
  state.ipa_mode = kIpaModeIpae;
  auto terminal_capability = [](Recorded& r, const std::string& data) {
    return r.card.transmit(from_hex("80AA0000" + test::len(data.size() / 2) + data)).sw;
  };
  SECTION("ipad-wins (the default): the card returns to the IPAd, persisted") {
    Recorded r(state);
    // ttcn's IPAd: A9 { 83 01 07, 84 01 01 }.
    CHECK(terminal_capability(r, "A906830107840101") == 0x9000);
    REQUIRE(r.state().ipae.iot_device_capabilities);
    CHECK(to_hex(*r.state().ipae.iot_device_capabilities) == "01");
    CHECK(r.state().ipa_mode == kIpaModeIpad);
    REQUIRE(r.saved.size() == 1);
    CHECK(r.saved.back().ipa_mode == kIpaModeIpad);
    // IpaeActivation brings it back; the same declaration again is the conflict again.
    CHECK(es10_hex(r.card, "BF420480020780") == "BF4203800100");
    CHECK(r.state().ipa_mode == kIpaModeIpae);
    CHECK(terminal_capability(r, "A906830107840101") == 0x9000);
    CHECK(r.state().ipa_mode == kIpaModeIpad);
  }
  SECTION("ipae-stays: only recorded") {
    state.config.ipae->terminal_conflict = kIpaeConflictIpaeStays;
    Recorded r(state);
    CHECK(terminal_capability(r, "A906830107840101") == 0x9000);
    CHECK(r.state().ipa_mode == kIpaModeIpae);
    CHECK(to_hex(*r.state().ipae.iot_device_capabilities) == "01");
  }
  SECTION("a device without an IPAd ('84 01 00') or without '84' changes nothing else") {
    Recorded r(state);
    CHECK(terminal_capability(r, "A906830107840100") == 0x9000);
    CHECK(r.state().ipa_mode == kIpaModeIpae);
    CHECK(to_hex(*r.state().ipae.iot_device_capabilities) == "00");
    const auto saved = r.saved.size();
    CHECK(terminal_capability(r, "A903830107") == 0x9000);
    CHECK(r.saved.size() == saved);
  }
  SECTION("an SGP.22 card keeps nothing of it") {
    auto sgp22 = test::es10_state({});
    Recorded r(sgp22);
    CHECK(terminal_capability(r, "A906830107840101") == 0x9000);
    CHECK(r.saved.empty());
  }
}
