// GetEUICCInfo1 and GetEUICCInfo2 (SGP.22 v2.5 §5.7.8): BF20 {} -> EUICCInfo1 BF20, and
// BF22 {} -> EUICCInfo2 BF22, both built from the card's personality (CardConfig) and the
// CI keys the ECASD holds (§4.5.2: the PKIDs are the CI certificates' subject key ids).
#include "euiccsim/applets/ecasd.hpp"
#include "euiccsim/applets/isdr/es10.hpp"
#include "euiccsim/applets/rsp_asn1.hpp"
#include "euiccsim/crypto/tlv.hpp"

#include <EUICCInfo1.h>
#include <EUICCInfo2.h>
#include <GetEuiccInfo1Request.h>
#include <GetEuiccInfo2Request.h>
#include <IoTSpecificInfo.h>
#include <IotEUICCInfo2.h>

namespace euiccsim::applets::es10b {

namespace {

template <class List>
void add_pkids(List& list, const std::vector<Bytes>& pkids) {
  for (const auto& id : pkids) asn1::append(list, asn1::new_octets<SubjectKeyIdentifier_t>(id));
}

// `v` big-endian in 1, 2, 4 or 8 bytes, the narrowest that holds it but never fewer than
// `min_width`: real cards give fixed-width fields here (free memory '82 04 ...', volatile
// '83 02 ...' in the sample of PROTOCOL.md §2.2), and LPAs may read a fixed width.
Bytes unsigned_bytes(std::uint64_t v, std::size_t min_width) {
  std::size_t width = min_width;
  while (width < 8 && (v >> (8 * width)) != 0) width *= 2;
  return tlv::encode_uint(v, width);
}

// ETSI TS 102 226 §8.2.1.7.2 extended card resource information.
Bytes ext_card_resource(const CardState& state) {
  // '81' number of installed applications. What the card hosts on behalf of profiles: every
  // application instance a profile installed (security domains, applications, RFM instances)
  // plus its NAAs (USIM, ISIM, CSIM). The card's own ISD-R, ECASD and the ISD-Ps are platform,
  // not installed applications, so they are not counted.
  std::uint64_t applications = 0;
  for (const auto& slot : state.profiles) {
    applications += slot.profile.applets.size() + slot.profile.naas.size();
  }
  Bytes out;
  tlv::append(out, 0x81, unsigned_bytes(applications, 1));
  // '82' free non-volatile memory, '83' free volatile memory, in bytes.
  tlv::append(out, 0x82, unsigned_bytes(state.free_memory(), 4));
  tlv::append(out, 0x83, unsigned_bytes(state.config.volatile_memory, 2));
  return out;
}

}  // namespace

apdu::Response get_euicc_info1(isdr::Es10Call& call, ByteView request) {
  auto req = rsp::decode_request<GetEuiccInfo1Request_t>(asn_DEF_GetEuiccInfo1Request, request);
  // No error code exists for this function: an unreadable request has no ASN.1 answer.
  if (!req) return apdu::Response::status(apdu::sw::kIncorrectData);

  const auto& state = call.ctx.state();
  auto rsp = rsp::make<EUICCInfo1_t>(asn_DEF_EUICCInfo1);
  asn1::set_octets(rsp->svn, state.config.svn.bytes());
  add_pkids(rsp->euiccCiPKIdListForVerification.list,
            ecasd::ci_pkids_for_verification(state.identity));
  add_pkids(rsp->euiccCiPKIdListForSigning.list, ecasd::ci_pkids_for_signing(state.identity));
  return rsp::answer(asn_DEF_EUICCInfo1, rsp);
}

namespace {

// The fields SGP.22's EUICCInfo2 and SGP.32's IotEUICCInfo2 share (same names and tags).
template <class Info>
void fill_info2(Info& rsp, const CardState& state) {
  const auto& config = state.config;
  asn1::set_octets(rsp.profileVersion, config.profile_version.bytes());
  asn1::set_octets(rsp.svn, config.svn.bytes());
  asn1::set_octets(rsp.euiccFirmwareVer, config.firmware_version.bytes());
  asn1::set_octets(rsp.extCardResource, ext_card_resource(state));
  asn1::set_bits(rsp.uiccCapability, config.uicc_capability);
  if (config.ts102241_version) {
    rsp.ts102241Version = asn1::new_octets<VersionType_t>(config.ts102241_version->bytes());
  }
  if (config.globalplatform_version) {
    rsp.globalplatformVersion =
        asn1::new_octets<VersionType_t>(config.globalplatform_version->bytes());
  }
  asn1::set_bits(rsp.rspCapability, config.rsp_capability);
  add_pkids(rsp.euiccCiPKIdListForVerification.list,
            ecasd::ci_pkids_for_verification(state.identity));
  add_pkids(rsp.euiccCiPKIdListForSigning.list, ecasd::ci_pkids_for_signing(state.identity));
  if (config.euicc_category) {
    rsp.euiccCategory = asn1::alloc<long>();
    *rsp.euiccCategory = *config.euicc_category;
  }
  if (config.forbidden_pprs) {
    rsp.forbiddenProfilePolicyRules = asn1::new_bits(*config.forbidden_pprs);
  }
  // Mandatory even for a card with no certified protection profile and no SAS accreditation:
  // 0.0.0 and an empty string then.
  asn1::set_octets(rsp.ppVersion, config.pp_version.bytes());
  asn1::set_string(rsp.sasAcreditationNumber, config.sas_accreditation_number);
  // certificationDataObject, treProperties, treProductReference and
  // additionalEuiccProfilePackageVersions describe certifications and hardware a simulator
  // does not have: left out.
}

// The SGP.32 versions an iot card supports (IoTSpecificInfo.iotVersion).
const Version kIotVersion{1, 2, 0};

}  // namespace

Bytes euicc_info2(const CardState& state) {
  if (state.config.is_iot()) {
    auto rsp = rsp::make<IotEUICCInfo2_t>(asn_DEF_IotEUICCInfo2);
    fill_info2(*rsp, state);
    // SGP.32 §5.9.2: the active IPA, as IpaeActivation (BF42) last set it (IPAd until then).
    rsp->ipaMode = asn1::alloc<IpaMode_t>();
    *rsp->ipaMode = state.ipa_mode == kIpaModeIpae ? IpaMode_ipae : IpaMode_ipad;
    // ecallSupported and fallbackSupported: the card has the Emergency Profile functions
    // (BF5B/BF5C, ecallIndication kept from StoreMetadata) and the Fallback Mechanism (BF5D/
    // BF5E, the attribute set and unset by the eIM's PSMOs).
    rsp->iotSpecificInfo = asn1::alloc<IoTSpecificInfo_t>();
    asn1::append(rsp->iotSpecificInfo->iotVersion.list,
                 asn1::new_octets<VersionType_t>(kIotVersion.bytes()));
    rsp->iotSpecificInfo->ecallSupported = asn1::alloc<NULL_t>();
    rsp->iotSpecificInfo->fallbackSupported = asn1::alloc<NULL_t>();
    return asn1::encode(asn_DEF_IotEUICCInfo2, rsp.get());
  }
  auto rsp = rsp::make<EUICCInfo2_t>(asn_DEF_EUICCInfo2);
  fill_info2(*rsp, state);
  return asn1::encode(asn_DEF_EUICCInfo2, rsp.get());
}

apdu::Response get_euicc_info2(isdr::Es10Call& call, ByteView request) {
  auto req = rsp::decode_request<GetEuiccInfo2Request_t>(asn_DEF_GetEuiccInfo2Request, request);
  if (!req) return apdu::Response::status(apdu::sw::kIncorrectData);
  return apdu::Response::ok(euicc_info2(call.ctx.state()));
}

}  // namespace euiccsim::applets::es10b
