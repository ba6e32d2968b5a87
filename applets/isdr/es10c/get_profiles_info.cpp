// GetProfilesInfo (SGP.22 v2.5 §5.7.15): ProfileInfoListRequest BF2D { A0 searchCriteria opt,
// 5C tagList opt } -> BF2D { A0 { E3 ProfileInfo ... } } or BF2D { 81 error }.
//
// Decisions where the specification text was not at hand:
// - A search that matches nothing is not an error: the answer is an empty list (BF2D 02 A0 00),
//   as LPAs treat it (lpac lists nothing).
// - tagList names ProfileInfo fields by their BER tag, one to four bytes each (9F70 is two).
//   Tags this card does not know, or fields a Profile does not have, are left out rather than
//   refused: later versions add tags (SGP.32 9F7B, BF64...), and an LPA asking for them must
//   still get the rest. A tagList that ends inside a tag, or holds one the X.690 tag rules
//   refuse (tlv::read_tags), is incorrectInputValues; an empty one asks for no field, so each
//   Profile is an empty E3 00 (the LPA can still count them).
// - A request that does not decode as ProfileInfoListRequest at all is undefinedError(127),
//   including a search alternative this version does not define (asn1c refuses an unknown
//   CHOICE alternative) and a wrong-sized AID or ICCID; one that decodes but cannot be
//   honoured (the broken tagList above) is incorrectInputValues(1).
// - Without tagList every field the card holds is returned, optional ones only when present.
// - An iot card answers SGP.32's form (IotProfileInfo): the SGP.22 fields, then 9F7B
//   ecallIndication TRUE for the Emergency Profile, 9F26 fallbackAttribute TRUE for the
//   Fallback Profile (both left out when FALSE: fallbackAttribute is DEFAULT FALSE, and
//   ecallIndication is absent from a profile whose metadata had none), and 9F67
//   fallbackAllowed when the profile's metadata gave it. SGP.22 readers skip these tags (the
//   SGP.22 module is extensible; lpac walks the E3 children and ignores unknown ones). An
//   sgp22 card's answer is unchanged.
#include "euiccsim/applets/isdr/es10.hpp"

#include <DpProprietaryData.h>
#include <IotProfileInfo.h>
#include <IotProfileInfoListResponse.h>
#include <NotificationConfigurationInformation.h>
#include <OperatorId.h>
#include <ProfileInfo.h>
#include <ProfileInfoListRequest.h>
#include <ProfileInfoListResponse.h>
#include <VendorSpecificExtension.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <type_traits>
#include <vector>

#include "euiccsim/applets/rsp_asn1.hpp"
#include "euiccsim/crypto/tlv.hpp"

namespace euiccsim::applets::es10c {

namespace {

// ProfileInfo field tags as on the wire.
constexpr std::uint32_t kTagIccid = 0x5A, kTagIsdpAid = 0x4F, kTagState = 0x9F70,
                        kTagNickname = 0x90, kTagSpn = 0x91, kTagName = 0x92, kTagIconType = 0x93,
                        kTagIcon = 0x94, kTagClass = 0x95, kTagNotificationConfig = 0xB6,
                        kTagOwner = 0xB7, kTagDpData = 0xB8, kTagPprs = 0x99,
                        kTagServiceData = 0xBF22, kTagEcallIndication = 0x9F7B,
                        kTagFallbackAttribute = 0x9F26, kTagFallbackAllowed = 0x9F67;

// Which fields the LPA asked for: all of them without a tagList.
class Fields {
 public:
  Fields() = default;
  explicit Fields(std::vector<std::uint32_t> tags) : tags_(std::move(tags)) {}
  bool operator()(std::uint32_t tag) const {
    return !tags_ || std::find(tags_->begin(), tags_->end(), tag) != tags_->end();
  }

 private:
  std::optional<std::vector<std::uint32_t>> tags_;
};

// A structure decoded from DER the card image keeps (DpProprietaryData, VendorSpecificExtension),
// allocated as an OPTIONAL member the enclosing structure then owns; nothing if it does not
// decode, in which case the field is left out rather than failing the whole list.
template <class T>
T* decode_member(const asn1::Type& type, const Bytes& der) {
  auto decoded = rsp::decode_request<T>(type, der);
  if (!decoded) return nullptr;
  auto* member = asn1::alloc<T>();
  // Move the decoded members across; the wrapper then frees an empty shell.
  std::memcpy(member, decoded.get(), sizeof(T));
  std::memset(decoded.get(), 0, sizeof(T));
  return member;
}

template <class T>
T* new_long(long value) {
  auto* p = asn1::alloc<T>();
  *p = value;
  return p;
}

BOOLEAN_t* new_true() {
  auto* p = asn1::alloc<BOOLEAN_t>();
  *p = 1;
  return p;
}

// ProfileInfo_t or IotProfileInfo_t: the SGP.22 fields have the same names in both.
template <class Info>
void fill(Info& info, const ProfileSlot& slot, const Fields& want) {
  const auto& m = slot.metadata;
  if (want(kTagIccid)) info.iccid = asn1::new_octets<Iccid_t>(slot.iccid().swapped_bcd());
  if (want(kTagIsdpAid)) info.isdpAid = asn1::new_octets<OctetTo16_t>(slot.isdp_aid);
  if (want(kTagState)) {
    info.profileState =
        new_long<ProfileState_t>(slot.enabled ? ProfileState_enabled : ProfileState_disabled);
  }
  if (want(kTagNickname) && m.nickname) {
    info.profileNickname = asn1::new_string<UTF8String_t>(*m.nickname);
  }
  if (want(kTagSpn)) {
    info.serviceProviderName = asn1::new_string<UTF8String_t>(m.service_provider_name);
  }
  if (want(kTagName)) info.profileName = asn1::new_string<UTF8String_t>(m.profile_name);
  if (want(kTagIconType) && m.icon_type) info.iconType = new_long<IconType_t>(*m.icon_type);
  if (want(kTagIcon) && !m.icon.empty()) info.icon = asn1::new_octets(m.icon);
  if (want(kTagClass)) {
    info.profileClass = new_long<ProfileClass_t>(static_cast<long>(m.profile_class));
  }
  if (want(kTagNotificationConfig) && !m.notification_config.empty()) {
    info.notificationConfigurationInfo =
        asn1::alloc<std::remove_pointer_t<decltype(info.notificationConfigurationInfo)>>();
    for (const auto& c : m.notification_config) {
      auto* item = asn1::alloc<NotificationConfigurationInformation_t>();
      asn1::append(info.notificationConfigurationInfo->list, item);
      asn1::set_bits(item->profileManagementOperation, 1u << static_cast<unsigned>(c.event));
      asn1::set_string(item->notificationAddress, c.address);
    }
  }
  if (want(kTagOwner) && m.profile_owner) {
    info.profileOwner = asn1::alloc<OperatorId_t>();
    asn1::set_octets(info.profileOwner->mccMnc, m.profile_owner->mcc_mnc);
    if (m.profile_owner->gid1) info.profileOwner->gid1 = asn1::new_octets(*m.profile_owner->gid1);
    if (m.profile_owner->gid2) info.profileOwner->gid2 = asn1::new_octets(*m.profile_owner->gid2);
  }
  if (want(kTagDpData) && !m.dp_proprietary_data.empty()) {
    info.dpProprietaryData =
        decode_member<DpProprietaryData_t>(asn_DEF_DpProprietaryData, m.dp_proprietary_data);
  }
  if (want(kTagPprs) && m.pprs) info.profilePolicyRules = asn1::new_bits(*m.pprs);
  if (want(kTagServiceData) && !m.service_specific_data.empty()) {
    info.serviceSpecificDataStoredInEuicc = decode_member<VendorSpecificExtension_t>(
        asn_DEF_VendorSpecificExtension, m.service_specific_data);
  }
}

void fill_iot(IotProfileInfo_t& info, const ProfileSlot& slot, const Fields& want) {
  if (want(kTagEcallIndication) && slot.ecall_indication) info.ecallIndication = new_true();
  if (want(kTagFallbackAttribute) && slot.fallback_attribute) info.fallbackAttribute = new_true();
  if (want(kTagFallbackAllowed) && slot.fallback_allowed) {
    info.fallbackAllowed = asn1::alloc<BOOLEAN_t>();
    *info.fallbackAllowed = *slot.fallback_allowed ? 1 : 0;
  }
}

bool matches(const ProfileSlot& slot,
             const ProfileInfoListRequest::ProfileInfoListRequest__searchCriteria& c) {
  switch (c.present) {
    case ProfileInfoListRequest__searchCriteria_PR_isdpAid: {
      const auto& aid = c.choice.isdpAid;
      return std::equal(slot.isdp_aid.begin(), slot.isdp_aid.end(), aid.buf, aid.buf + aid.size);
    }
    case ProfileInfoListRequest__searchCriteria_PR_iccid: {
      const auto bcd = slot.iccid().swapped_bcd();
      const auto& iccid = c.choice.iccid;
      return std::equal(bcd.begin(), bcd.end(), iccid.buf, iccid.buf + iccid.size);
    }
    case ProfileInfoListRequest__searchCriteria_PR_profileClass:
      return c.choice.profileClass == static_cast<long>(slot.metadata.profile_class);
    default:
      return false;
  }
}

apdu::Response error(long code) {
  auto rsp = rsp::make<ProfileInfoListResponse_t>(asn_DEF_ProfileInfoListResponse);
  rsp->present = ProfileInfoListResponse_PR_profileInfoListError;
  rsp->choice.profileInfoListError = code;
  return rsp::answer(asn_DEF_ProfileInfoListResponse, rsp);
}

}  // namespace

apdu::Response get_profiles_info(isdr::Es10Call& call, ByteView request) {
  auto req = rsp::decode_request<ProfileInfoListRequest_t>(asn_DEF_ProfileInfoListRequest, request);
  if (!req) return error(ProfileInfoListError_undefinedError);
  const auto* criteria = req->searchCriteria;
  if (criteria != nullptr) {
    // An alternative a later version added, which this card cannot evaluate (asn1c 0.9.28
    // already refuses to decode one; this keeps the answer if a decoder lets it through).
    if (criteria->present == ProfileInfoListRequest__searchCriteria_PR_NOTHING) {
      return error(ProfileInfoListError_incorrectInputValues);
    }
    // Sizes asn1c 0.9.28 does not enforce for constrained types used by reference (their
    // descriptors inherit OCTET STRING's check): a value outside them does not decode.
    const auto& c = *criteria;
    if ((c.present == ProfileInfoListRequest__searchCriteria_PR_isdpAid &&
         (c.choice.isdpAid.size < 1 || c.choice.isdpAid.size > 16)) ||
        (c.present == ProfileInfoListRequest__searchCriteria_PR_iccid &&
         c.choice.iccid.size != 10)) {
      return error(ProfileInfoListError_undefinedError);
    }
    if (criteria->present == ProfileInfoListRequest__searchCriteria_PR_iccid &&
        call.ctx.state().config.has_quirk(quirk::kRefuseIccidSearch)) {
      return error(ProfileInfoListError_incorrectInputValues);
    }
  }
  Fields want;
  if (req->tagList != nullptr) {
    auto tags =
        tlv::read_tags(ByteView(req->tagList->buf, static_cast<std::size_t>(req->tagList->size)));
    if (!tags) return error(ProfileInfoListError_incorrectInputValues);
    want = Fields(std::move(*tags));
  }

  const auto& state = call.ctx.state();
  if (state.config.is_iot()) {
    auto rsp = rsp::make<IotProfileInfoListResponse_t>(asn_DEF_IotProfileInfoListResponse);
    rsp->present = IotProfileInfoListResponse_PR_profileInfoListOk;
    for (const auto& slot : state.profiles) {
      if (criteria != nullptr && !matches(slot, *criteria)) continue;
      auto* info = asn1::alloc<IotProfileInfo_t>();
      asn1::append(rsp->choice.profileInfoListOk.list, info);
      fill(*info, slot, want);
      fill_iot(*info, slot, want);
    }
    return rsp::answer(asn_DEF_IotProfileInfoListResponse, rsp);
  }
  auto rsp = rsp::make<ProfileInfoListResponse_t>(asn_DEF_ProfileInfoListResponse);
  rsp->present = ProfileInfoListResponse_PR_profileInfoListOk;
  for (const auto& slot : state.profiles) {
    if (criteria != nullptr && !matches(slot, *criteria)) continue;
    auto* info = asn1::alloc<ProfileInfo_t>();
    asn1::append(rsp->choice.profileInfoListOk.list, info);
    fill(*info, slot, want);
  }
  return rsp::answer(asn_DEF_ProfileInfoListResponse, rsp);
}

}  // namespace euiccsim::applets::es10c
