// ES10c GetProfilesInfo (SGP.22 v2.5 §5.7.15) and SetNickname (§5.7.21) through STORE DATA:
// every search criterion, tagList (one- and multi-byte tags, unknown tags, broken lists), the
// refuse-iccid-search quirk, error codes, and nicknames at and beyond their limits.
//
// Requests and expected answers are written out as DER; every answer is also decoded with the
// card's ASN.1 module and must re-encode to the same bytes.
#include <catch.hpp>

#include <ProfileInfoListResponse.h>
#include <SetNicknameResponse.h>

#include "euiccsim/applets/rsp_asn1.hpp"
#include "euiccsim/crypto/tlv.hpp"
#include "unit/support/es10_card.hpp"

using namespace euiccsim;
using namespace euiccsim::test;
// asn1c declares C types of the same names at global scope.
using Class = euiccsim::ProfileClass;
using Event = euiccsim::NotificationEvent;

namespace {

const std::string kP1 = "8999900000000000011";
const std::string kP2 = "8999900000000000022";
const std::string kP3 = "8999900000000000033";
const std::string kUnknown = "8999900000000000099";

std::string iccid_hex(const std::string& payload) {
  return to_hex(iccid_bytes(payload));
}

std::string text_hex(const std::string& s) {
  return to_hex(Bytes(s.begin(), s.end()));
}

// A TLV in hex, its length worked out (the tests write tags and values by hand).
std::string tlv_hex(const std::string& tag_hex, const std::string& value_hex) {
  Bytes out = from_hex(tag_hex);
  tlv::append_length(out, value_hex.size() / 2);
  return to_hex(out) + value_hex;
}

// P1: enabled, every field set. P2: a test profile with the least metadata. P3: provisioning.
CardState three_profiles() {
  ProfileMetadata m1;
  m1.nickname = "Work";
  m1.service_provider_name = "Operator A";
  m1.profile_name = "Profile A";
  m1.icon_type = 1;  // png
  m1.icon = from_hex("89504E47");
  m1.profile_class = Class::kOperational;
  m1.notification_config = {{Event::kEnable, "a.example"}};
  m1.profile_owner = euiccsim::OperatorId{from_hex("00F110"), from_hex("01"), std::nullopt};
  m1.dp_proprietary_data = from_hex("3005800388370A");  // { dpOid [0] 2.999.10 }
  m1.pprs = kPpr2;
  // { { vendorOid [0] 2.999.10, vendorSpecificData [1] OCTET STRING AA } }
  m1.service_specific_data = from_hex("300C300A800388370AA1030401AA");
  ProfileMetadata m2;
  m2.service_provider_name = "Operator B";
  m2.profile_class = Class::kTest;
  ProfileMetadata m3;
  m3.service_provider_name = "Boot";
  m3.profile_name = "Bootstrap";
  m3.profile_class = Class::kProvisioning;
  return es10_state({{kP1, true, m1}, {kP2, false, m2}, {kP3, false, m3}});
}

std::string aid_hex(CardSimulator& card, std::size_t i) {
  return to_hex(card.card().state().profiles.at(i).isdp_aid);
}

// Each field of the three profiles' ProfileInfo as the card must encode it.
struct Fields {
  std::string iccid, aid, state, nickname, spn, name, icon_type, icon, klass, config, owner, dp,
      pprs, ssd;
  std::string all() const {
    return iccid + aid + state + nickname + spn + name + icon_type + icon + klass + config + owner +
           dp + pprs + ssd;
  }
};

Fields p1(CardSimulator& card) {
  return {tlv_hex("5A", iccid_hex(kP1)),
          tlv_hex("4F", aid_hex(card, 0)),
          "9F700101",
          tlv_hex("90", text_hex("Work")),
          tlv_hex("91", text_hex("Operator A")),
          tlv_hex("92", text_hex("Profile A")),
          "930101",
          "940489504E47",
          "950102",
          tlv_hex("B6", tlv_hex("30", "80020640" + tlv_hex("81", text_hex("a.example")))),
          "B708800300F110810101",
          "B805800388370A",
          "99020520",
          "BF220C300A800388370AA1030401AA"};
}
Fields p2(CardSimulator& card) {
  return {tlv_hex("5A", iccid_hex(kP2)),
          tlv_hex("4F", aid_hex(card, 1)),
          "9F700100",
          "",
          tlv_hex("91", text_hex("Operator B")),
          "9200",
          "",
          "",
          "950100",
          "",
          "",
          "",
          "",
          ""};
}
Fields p3(CardSimulator& card) {
  return {tlv_hex("5A", iccid_hex(kP3)),
          tlv_hex("4F", aid_hex(card, 2)),
          "9F700100",
          "",
          tlv_hex("91", text_hex("Boot")),
          tlv_hex("92", text_hex("Bootstrap")),
          "",
          "",
          "950101",
          "",
          "",
          "",
          "",
          ""};
}

// BF2D { A0 { E3 ... } } from the ProfileInfo contents.
std::string ok_list(const std::vector<std::string>& infos) {
  std::string inner;
  for (const auto& i : infos) inner += tlv_hex("E3", i);
  return tlv_hex("BF2D", tlv_hex("A0", inner));
}

// The answer to a GetProfilesInfo request, after the DER round trip.
std::string list(CardSimulator& card, const std::string& request_hex) {
  auto der = card.es10(from_hex(request_hex));
  std::size_t consumed = 0;
  auto v =
      asn1::decode_as<ProfileInfoListResponse_t>(asn_DEF_ProfileInfoListResponse, der, consumed);
  REQUIRE(consumed == der.size());
  CHECK(to_hex(asn1::encode(asn_DEF_ProfileInfoListResponse, v.get())) == to_hex(der));
  return to_hex(der);
}

long nickname(CardSimulator& card, const std::string& request_hex) {
  auto der = card.es10(from_hex(request_hex));
  std::size_t consumed = 0;
  auto v = asn1::decode_as<SetNicknameResponse_t>(asn_DEF_SetNicknameResponse, der, consumed);
  REQUIRE(consumed == der.size());
  CHECK(to_hex(asn1::encode(asn_DEF_SetNicknameResponse, v.get())) == to_hex(der));
  return v->setNicknameResult;
}

std::string set_nickname(const std::string& iccid_hex_value, const std::string& nickname_hex) {
  return tlv_hex("BF29", tlv_hex("5A", iccid_hex_value) + tlv_hex("90", nickname_hex));
}

const std::string kIncorrectInputValues = "BF2D03810101";
const std::string kUndefinedError = "BF2D0381017F";

}  // namespace

TEST_CASE("GetProfilesInfo without criteria lists every profile with every field it has") {
  auto card = es10_card(three_profiles());
  const auto all = ok_list({p1(card).all(), p2(card).all(), p3(card).all()});
  CHECK(list(card, "BF2D00") == all);
  // Every known tag listed explicitly is the same as no list, whatever the order.
  CHECK(list(card, "BF2D125C105A4F9F70909192939495B6B7B899BF22") == all);
  CHECK(list(card, "BF2D125C10BF2299B8B7B695949392919F704F5A90") == all);
}

TEST_CASE("GetProfilesInfo search criteria: ISD-P AID, ICCID, profile class") {
  auto card = es10_card(three_profiles());
  auto f1 = p1(card), f2 = p2(card), f3 = p3(card);
  SECTION("isdpAid") {
    CHECK(list(card, "BF2D14A0124F10" + aid_hex(card, 1)) == ok_list({f2.all()}));
    CHECK(list(card, "BF2D14A0124F10" + aid_hex(card, 0)) == ok_list({f1.all()}));
    std::string other = aid_hex(card, 2);
    other.replace(other.size() - 2, 2, "77");
    CHECK(list(card, "BF2D14A0124F10" + other) == "BF2D02A000");
    // A prefix of an AID names no ISD-P.
    CHECK(list(card, "BF2D0CA00A4F08" + aid_hex(card, 0).substr(0, 16)) == "BF2D02A000");
  }
  SECTION("iccid") {
    CHECK(list(card, "BF2D0EA00C5A0A" + iccid_hex(kP3)) == ok_list({f3.all()}));
    CHECK(list(card, "BF2D0EA00C5A0A" + iccid_hex(kUnknown)) == "BF2D02A000");
  }
  SECTION("profileClass") {
    CHECK(list(card, "BF2D05A003950100") == ok_list({f2.all()}));
    CHECK(list(card, "BF2D05A003950101") == ok_list({f3.all()}));
    CHECK(list(card, "BF2D05A003950102") == ok_list({f1.all()}));
    CHECK(list(card, "BF2D05A003950103") == "BF2D02A000");
    CHECK(list(card, "BF2D05A0039501FF") == "BF2D02A000");  // -1
  }
  SECTION("criteria and tagList together") {
    CHECK(list(card, "BF2D08A0039501005C015A") == ok_list({f2.iccid}));
    CHECK(list(card, "BF2D18A0124F10" + aid_hex(card, 0) + "5C029F70") == ok_list({f1.state}));
  }
}

TEST_CASE("GetProfilesInfo tagList selects fields, multi-byte tags included") {
  auto card = es10_card(three_profiles());
  auto f1 = p1(card), f2 = p2(card), f3 = p3(card);
  CHECK(list(card, "BF2D035C015A") == ok_list({f1.iccid, f2.iccid, f3.iccid}));
  // 9F70 is one two-byte tag, not 9F and 70.
  CHECK(list(card, "BF2D045C029F70") == ok_list({f1.state, f2.state, f3.state}));
  CHECK(list(card, "BF2D055C039F705A") ==
        ok_list({f1.iccid + f1.state, f2.iccid + f2.state, f3.iccid + f3.state}));
  CHECK(list(card, "BF2D045C02BF22") == ok_list({f1.ssd, "", ""}));
  // Fields a profile does not have are left out of its ProfileInfo.
  CHECK(list(card, "BF2D055C039093B6") ==
        ok_list({f1.nickname + f1.icon_type + f1.config, "", ""}));
  CHECK(list(card, "BF2D065C04B7B89995") ==
        ok_list({f1.klass + f1.owner + f1.dp + f1.pprs, f2.klass, f3.klass}));
  CHECK(list(card, "BF2D055C03914F94") ==
        ok_list({f1.aid + f1.spn + f1.icon, f2.aid + f2.spn, f3.aid + f3.spn}));
  CHECK(list(card, "BF2D035C0192") == ok_list({f1.name, f2.name, f3.name}));
  // An empty list asks for nothing: one empty ProfileInfo per profile.
  CHECK(list(card, "BF2D025C00") == "BF2D08A006E300E300E300");
  // Tags this card does not know (SGP.32's 9F7B and BF64, a three-byte tag) are skipped.
  CHECK(list(card, "BF2D0B5C099F7B5ABF64DF81029F") == kIncorrectInputValues);
  CHECK(list(card, "BF2D0A5C089F7B5ABF64DF8102") == ok_list({f1.iccid, f2.iccid, f3.iccid}));
}

TEST_CASE("GetProfilesInfo error codes") {
  auto card = es10_card(three_profiles());
  SECTION("undefinedError: a search alternative this version does not define") {
    // asn1c does not skip an unknown CHOICE alternative: the request does not decode.
    CHECK(list(card, "BF2D05A003960101") == kUndefinedError);
  }
  SECTION("incorrectInputValues: a tagList that ends inside a tag") {
    CHECK(list(card, "BF2D035C019F") == kIncorrectInputValues);
    CHECK(list(card, "BF2D045C025A9F") == kIncorrectInputValues);
    CHECK(list(card, "BF2D045C029F81") == kIncorrectInputValues);
    CHECK(list(card, "BF2D035C01BF") == kIncorrectInputValues);
    // A tag longer than four bytes.
    CHECK(list(card, "BF2D075C059F81818101") == kIncorrectInputValues);
  }
  SECTION("undefinedError: requests that are no ProfileInfoListRequest") {
    CHECK(list(card, "BF2D035C055A") == kUndefinedError);    // tagList longer than its request
    CHECK(list(card, "BF2D03A00100") == kUndefinedError);    // criteria not a TLV of its own
    CHECK(list(card, "BF2D04A0025A00") == kUndefinedError);  // an empty ICCID
    CHECK(list(card, "BF2D0DA00B5A09" + iccid_hex(kP1).substr(2)) == kUndefinedError);
    CHECK(list(card, "BF2D035C0301") == kUndefinedError);  // tagList longer than itself
    CHECK(list(card, "BF2D065C81035A9F70") == kUndefinedError);  // a BER length inside: not DER
  }
  SECTION("the refuse-iccid-search quirk") {
    auto state = three_profiles();
    state.config.quirks.insert(quirk::kRefuseIccidSearch);
    auto quirky = es10_card(state);
    CHECK(list(quirky, "BF2D0EA00C5A0A" + iccid_hex(kP1)) == kIncorrectInputValues);
    CHECK(list(quirky, "BF2D0EA00C5A0A" + iccid_hex(kUnknown)) == kIncorrectInputValues);
    CHECK(list(quirky, "BF2D14A0124F10" + aid_hex(quirky, 0)) == ok_list({p1(quirky).all()}));
    CHECK(list(quirky, "BF2D035C015A") ==
          ok_list({p1(quirky).iccid, p2(quirky).iccid, p3(quirky).iccid}));
  }
}

TEST_CASE("GetProfilesInfo follows later versions' extensions and the profiles' state") {
  auto card = es10_card(three_profiles());
  auto f1 = p1(card), f2 = p2(card), f3 = p3(card);
  // SGP.32 adds iotSpecificTagList '5D' to the request; a v2.5 card skips it.
  CHECK(list(card, "BF2D055C015A5D00") == ok_list({f1.iccid, f2.iccid, f3.iccid}));
  // profileState is the card's, whether or not the terminal has been refreshed yet.
  card.es10(from_hex("BF3111A00C5A0A" + iccid_hex(kP2) + "810100"));
  CHECK(list(card, "BF2D045C029F70") == ok_list({"9F700100", "9F700101", "9F700100"}));
  card.es10(from_hex("BF330C5A0A" + iccid_hex(kP3)));
  CHECK(list(card, "BF2D035C015A") == ok_list({f1.iccid, f2.iccid}));
}

TEST_CASE("SetNickname sets, replaces and clears a nickname") {
  auto card = es10_card(three_profiles());
  // SetNicknameRequest BF29 { 5A iccid, 90 nickname } -> BF29 { 80 result }.
  CHECK(to_hex(card.es10(from_hex("BF29125A0A" + iccid_hex(kP2) + "9004486F6D65"))) ==
        "BF2903800100");
  CHECK(list(card, "BF2D035C0190") == ok_list({p1(card).nickname, "9004486F6D65", ""}));
  CHECK(nickname(card, set_nickname(iccid_hex(kP1), text_hex("Travel"))) == 0);
  CHECK(list(card, "BF2D035C0190") ==
        ok_list({tlv_hex("90", text_hex("Travel")), "9004486F6D65", ""}));
  // An empty nickname removes it.
  CHECK(nickname(card, set_nickname(iccid_hex(kP1), "")) == 0);
  CHECK(list(card, "BF2D035C0190") == ok_list({"", "9004486F6D65", ""}));
  CHECK(card.card().state().profiles[0].metadata.nickname == std::nullopt);
}

TEST_CASE("SetNickname: iccidNotFound, the 64-byte limit, and malformed requests") {
  auto card = es10_card(three_profiles());
  const auto before = card.card().state();
  CHECK(nickname(card, set_nickname(iccid_hex(kUnknown), text_hex("x"))) == 1);

  // 64 bytes is the most; 65 is a constraint failure, in bytes as in characters.
  const std::string max(64, 'n');
  CHECK(nickname(card, set_nickname(iccid_hex(kP3), text_hex(max + "n"))) == 127);
  // 33 two-byte characters: 33 characters, but 66 bytes.
  std::string e_acute;
  for (int i = 0; i < 33; ++i) e_acute += "C3A9";
  CHECK(nickname(card, set_nickname(iccid_hex(kP3), e_acute)) == 127);
  CHECK(nickname(card, set_nickname(iccid_hex(kP3), "FF")) == 127);              // not UTF-8
  CHECK(nickname(card, tlv_hex("BF29", tlv_hex("5A", iccid_hex(kP3)))) == 127);  // no nickname
  CHECK(nickname(card, set_nickname(iccid_hex(kP3).substr(2), text_hex("x"))) == 127);
  CHECK(nickname(card, "BF2900") == 127);
  CHECK(card.card().state() == before);

  CHECK(nickname(card, set_nickname(iccid_hex(kP3), text_hex(max))) == 0);
  CHECK(nickname(card, set_nickname(iccid_hex(kP2), e_acute.substr(4))) == 0);  // 64 bytes
  CHECK(card.card().state().profiles[2].metadata.nickname == max);
  CHECK(list(card, "BF2D035C0190") == ok_list({p1(card).nickname, tlv_hex("90", e_acute.substr(4)),
                                               tlv_hex("90", text_hex(max))}));
}
