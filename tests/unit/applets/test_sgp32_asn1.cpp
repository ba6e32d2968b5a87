// Our SGP.32 v1.2 ASN.1 module (applets/asn1/SGP32Definitions.asn) against hand-built
// encodings: each value is written out tag by tag as ../shared/reference/PROTOCOL.md §3 and
// docs/sgp32.md give the layout, then decoded and re-encoded byte for byte. A few values are
// also built field by field and encoded, so the encoder's tags are checked on their own.
#include "../support/es10_card.hpp"
#include "../support/hex_der.hpp"

#include "euiccsim/profiles/asn1_fields.hpp"

#include <AddInitialEimOkEntry.h>
#include <AddInitialEimRequest.h>
#include <AddInitialEimResponse.h>
#include <ConfigureImmediateProfileEnablingRequest.h>
#include <ConfigureImmediateProfileEnablingResponse.h>
#include <DisableEmergencyProfileRequest.h>
#include <DisableEmergencyProfileResponse.h>
#include <Eco.h>
#include <EimAcknowledgements.h>
#include <EimConfigurationData.h>
#include <EimIdInfo.h>
#include <EimPublicKeyData.h>
#include <EnableEmergencyProfileRequest.h>
#include <EnableEmergencyProfileResponse.h>
#include <EuiccPackageRequest.h>
#include <EuiccPackageResult.h>
#include <EuiccResultData.h>
#include <ExecuteFallbackMechanismRequest.h>
#include <ExecuteFallbackMechanismResponse.h>
#include <GetCertsRequest.h>
#include <GetCertsResponse.h>
#include <GetConnectivityParametersRequest.h>
#include <GetConnectivityParametersResponse.h>
#include <GetEimConfigurationDataRequest.h>
#include <GetEimConfigurationDataResponse.h>
#include <ISDRProprietaryApplicationTemplateIoT.h>
#include <ImmediateEnableRequest.h>
#include <ImmediateEnableResponse.h>
#include <IotEUICCInfo2.h>
#include <IotEuiccMemoryResetRequest.h>
#include <IotEuiccMemoryResetResponse.h>
#include <IotProfileInfo.h>
#include <IotProfileInfoListResponse.h>
#include <IotRetrieveNotificationsListRequest.h>
#include <IotRetrieveNotificationsListResponse.h>
#include <IotSetDefaultDpAddressRequest.h>
#include <IotSetDefaultDpAddressResponse.h>
#include <IotStoreMetadataRequest.h>
#include <IpaEuiccDataRequest.h>
#include <IpaEuiccDataResponse.h>
#include <IpaeActivationRequest.h>
#include <IpaeActivationResponse.h>
#include <ProfileDownloadTriggerRequest.h>
#include <ProfileDownloadTriggerResult.h>
#include <ProfileRollbackRequest.h>
#include <ProfileRollbackResponse.h>
#include <Psmo.h>
#include <ReturnFromFallbackRequest.h>
#include <ReturnFromFallbackResponse.h>

#include <Certificate.h>

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

using namespace euiccsim;
using euiccsim::test::decode_exact;

namespace {

using test::len;
using test::repeat;
using test::utf8;
constexpr auto tlv = &test::hex_tlv;

const std::string kEimId = "eim.example.com";
const std::string kEid = "89049032123451234512345678901235";
const std::string kIccid = "98001032547698103214";  // 89 00 01 23 45 67 89 01 23 41, swapped
const std::string kTid = "A1B2C3D4";
const std::string kSig = repeat("5A", 64);
const std::string kSki = repeat("C3", 20);
const std::string kSmdp = "smdp.example.com";
// OID 2.999.10 (the SGP.26 test SM-DP+): first two arcs 2*40+999 = 1079 = 0x88 0x37.
const std::string kSmdpOid = "88370A";

// SubjectPublicKeyInfo content (after its '30' tag): id-ecPublicKey, prime256v1, a point.
const std::string kSpkiContent =
    tlv("30", tlv("06", "2A8648CE3D0201") + tlv("06", "2A8648CE3D030107")) +
    tlv("03", "0004" + repeat("11", 32) + repeat("22", 32));

// Decodes `hex` as `type`, requires the whole input used, and re-encodes it to the same bytes.
void round_trip(const asn1::Type& type, const std::string& hex) {
  INFO(type.name << " " << hex);
  const Bytes der = from_hex(hex);
  std::size_t consumed = 0;
  auto value = asn1::decode(type, der, consumed);
  REQUIRE(consumed == der.size());
  CHECK(to_hex(asn1::encode(type, value.get())) == hex);
}

std::string psmo_package(const std::string& psmos) {
  return tlv("BF51", tlv("30", tlv("80", utf8(kEimId)) + tlv("5A", kEid) + tlv("81", "05") +
                                   tlv("82", kTid) + tlv("A0", psmos)) +
                         tlv("5F37", kSig));
}

std::string eco_package(const std::string& ecos) {
  return tlv("BF51", tlv("30", tlv("80", utf8(kEimId)) + tlv("5A", kEid) + tlv("81", "06") +
                                   tlv("A1", ecos)) +
                         tlv("5F37", kSig));
}

// Certificates from a throw-away test issuer (the card's EUM and eUICC certificates).
struct TestCerts {
  std::string eum, euicc;
};
const TestCerts& certs() {
  static const TestCerts c = [] {
    auto state = test::es10_state({});
    return TestCerts{to_hex(state.identity.eum_certificate),
                     to_hex(state.identity.euicc_certificate)};
  }();
  return c;
}

}  // namespace

TEST_CASE("BF51 PSMO enable package: eimId 80, EID 5A, counter 81, transaction 82, psmoList A0") {
  const std::string hex = psmo_package(tlv("A3", tlv("5A", kIccid) + "0500"));
  // BF51 (131 bytes) { 30 (62) { 80 (15) eimId, 5A (16) EID, 81 01 05, 82 04 tid,
  //   A0 (16) { A3 (14) { 5A (10) ICCID, 05 00 } } }, 5F37 (64) }
  CHECK(hex.substr(0, 16) == "BF518183303E800F");
  CHECK(hex.substr(46, 4) == "5A10");
  CHECK(hex.substr(82, 22) == "8101058204A1B2C3D4A010");
  CHECK(hex.substr(104, 8) == "A30E5A0A");
  CHECK(hex.substr(132, 10) == "05005F3740");
  auto req = decode_exact<EuiccPackageRequest_t>(asn_DEF_EuiccPackageRequest, from_hex(hex));
  const auto& s = req->euiccPackageSigned;
  CHECK(asn1::string_of(s.eimId) == kEimId);
  CHECK(to_hex(asn1::bytes_of(s.eidValue)) == kEid);
  CHECK(s.counterValue == 5);
  REQUIRE(s.eimTransactionId != nullptr);
  CHECK(to_hex(asn1::bytes_of(*s.eimTransactionId)) == kTid);
  REQUIRE(s.euiccPackage.present == EuiccPackage_PR_psmoList);
  REQUIRE(s.euiccPackage.choice.psmoList.list.count == 1);
  const Psmo_t& psmo = *s.euiccPackage.choice.psmoList.list.array[0];
  REQUIRE(psmo.present == Psmo_PR_enable);
  CHECK(to_hex(asn1::bytes_of(psmo.choice.enable.iccid)) == kIccid);
  CHECK(psmo.choice.enable.rollbackFlag != nullptr);
  CHECK(to_hex(asn1::bytes_of(req->eimSignature)) == kSig);

  SECTION("the same package built field by field encodes to the same bytes") {
    auto built = asn1::Value<EuiccPackageRequest_t>(asn1::make(asn_DEF_EuiccPackageRequest));
    auto& b = built->euiccPackageSigned;
    asn1::set_string(b.eimId, kEimId);
    asn1::set_octets(b.eidValue, from_hex(kEid));
    b.counterValue = 5;
    b.eimTransactionId = asn1::new_octets<TransactionId_t>(from_hex(kTid));
    b.euiccPackage.present = EuiccPackage_PR_psmoList;
    auto* p = asn1::alloc<Psmo_t>();
    p->present = Psmo_PR_enable;
    asn1::set_octets(p->choice.enable.iccid, from_hex(kIccid));
    p->choice.enable.rollbackFlag = asn1::alloc<NULL_t>();
    asn1::append(b.euiccPackage.choice.psmoList.list, p);
    asn1::set_octets(built->eimSignature, from_hex(kSig));
    CHECK(to_hex(asn1::encode(asn_DEF_EuiccPackageRequest, built.get())) == hex);
  }

  SECTION("without rollbackFlag the enable is A3 { 5A } only") {
    round_trip(asn_DEF_EuiccPackageRequest, psmo_package(tlv("A3", tlv("5A", kIccid))));
  }
}

TEST_CASE("BF51 carries every PSMO with its v1.2 tag") {
  const std::string psmos = tlv("A3", tlv("5A", kIccid)) +                   // enable
                            tlv("A4", tlv("5A", kIccid)) +                   // disable
                            tlv("A5", tlv("5A", kIccid)) +                   // delete
                            tlv("BF2D", tlv("5C", "5A9F70")) +               // listProfileInfo
                            tlv("A6", "") +                                  // getRAT
                            tlv("A7", tlv("80", "") + tlv("81", kSmdpOid) +  // configure-
                                          tlv("82", utf8(kSmdp))) +          //   ImmediateEnable
                            tlv("A8", tlv("5A", kIccid)) +                   // setFallbackAttribute
                            tlv("A9", "") +                       // unsetFallbackAttribute
                            tlv("BF65", tlv("80", utf8(kSmdp)));  // setDefaultDpAddress
  auto req = decode_exact<EuiccPackageRequest_t>(asn_DEF_EuiccPackageRequest,
                                                 from_hex(psmo_package(psmos)));
  const auto& list = req->euiccPackageSigned.euiccPackage.choice.psmoList.list;
  REQUIRE(list.count == 9);
  const std::vector<Psmo_PR> expected = {Psmo_PR_enable,
                                         Psmo_PR_disable,
                                         Psmo_PR_delete,
                                         Psmo_PR_listProfileInfo,
                                         Psmo_PR_getRAT,
                                         Psmo_PR_configureImmediateEnable,
                                         Psmo_PR_setFallbackAttribute,
                                         Psmo_PR_unsetFallbackAttribute,
                                         Psmo_PR_setDefaultDpAddress};
  for (int i = 0; i < list.count; ++i)
    CHECK(list.array[i]->present == expected[static_cast<std::size_t>(i)]);
  CHECK(list.array[0]->choice.enable.rollbackFlag == nullptr);
  CHECK(to_hex(asn1::bytes_of(list.array[2]->choice.delete_.iccid)) == kIccid);
  const auto& cie = list.array[5]->choice.configureImmediateEnable;
  CHECK(cie.immediateEnableFlag != nullptr);
  REQUIRE(cie.defaultSmdpOid != nullptr);
  CHECK(asn1::oid_of(*cie.defaultSmdpOid) == "2.999.10");
  CHECK(asn1::string_of(list.array[8]->choice.setDefaultDpAddress.defaultDpAddress) == kSmdp);
}

TEST_CASE("BF51 eCO package: ecoList A1 with addEim A8, deleteEim A9, updateEim AA, listEim AB") {
  const std::string add_eim =
      tlv("A8", tlv("80", utf8("eim-2")) + tlv("81", utf8("eim2.example.com")) + tlv("82", "02") +
                    tlv("83", "00") +
                    tlv("A5", tlv("A0", kSpkiContent)) +  // eimPublicKeyData: key alternative
                    tlv("87", "0780") +                   // eimRetrieveHttps
                    tlv("88", kSki) + tlv("89", ""));
  const std::string ecos = add_eim + tlv("A9", tlv("80", utf8("eim-3"))) +
                           tlv("AA", tlv("80", utf8("eim-2")) + tlv("83", "0A")) + tlv("AB", "");
  const std::string hex = eco_package(ecos);
  auto req = decode_exact<EuiccPackageRequest_t>(asn_DEF_EuiccPackageRequest, from_hex(hex));
  const auto& pkg = req->euiccPackageSigned.euiccPackage;
  CHECK(req->euiccPackageSigned.eimTransactionId == nullptr);
  REQUIRE(pkg.present == EuiccPackage_PR_ecoList);
  REQUIRE(pkg.choice.ecoList.list.count == 4);
  const Eco_t& add = *pkg.choice.ecoList.list.array[0];
  REQUIRE(add.present == Eco_PR_addEim);
  const EimConfigurationData_t& cfg = add.choice.addEim;
  CHECK(asn1::string_of(cfg.eimId) == "eim-2");
  REQUIRE(cfg.eimFqdn != nullptr);
  CHECK(asn1::string_of(*cfg.eimFqdn) == "eim2.example.com");
  REQUIRE(cfg.eimIdType != nullptr);
  CHECK(*cfg.eimIdType == EimIdType_eimIdTypeFqdn);
  REQUIRE(cfg.counterValue != nullptr);
  CHECK(*cfg.counterValue == 0);
  CHECK(cfg.associationToken == nullptr);
  REQUIRE(cfg.eimPublicKeyData != nullptr);
  CHECK(cfg.eimPublicKeyData->present == EimPublicKeyData_PR_eimPublicKey);
  REQUIRE(cfg.eimSupportedProtocol != nullptr);
  CHECK(asn1::bits_of(*cfg.eimSupportedProtocol) == (1u << EimSupportedProtocol_eimRetrieveHttps));
  REQUIRE(cfg.euiccCiPKId != nullptr);
  CHECK(to_hex(asn1::bytes_of(*cfg.euiccCiPKId)) == kSki);
  CHECK(cfg.indirectProfileDownload != nullptr);
  CHECK(pkg.choice.ecoList.list.array[1]->present == Eco_PR_deleteEim);
  CHECK(asn1::string_of(pkg.choice.ecoList.list.array[1]->choice.deleteEim.eimId) == "eim-3");
  CHECK(pkg.choice.ecoList.list.array[2]->present == Eco_PR_updateEim);
  CHECK(pkg.choice.ecoList.list.array[3]->present == Eco_PR_listEim);
}

TEST_CASE("eimPublicKeyData: a certificate is A5 { A1 ... }, the bare '30' form is refused") {
  const std::string cert = certs().eum;
  REQUIRE(cert.substr(0, 2) == "30");
  const std::string with_cert =
      tlv("30", tlv("80", utf8(kEimId)) + tlv("83", "00") + tlv("A5", "A1" + cert.substr(2)));
  auto cfg =
      decode_exact<EimConfigurationData_t>(asn_DEF_EimConfigurationData, from_hex(with_cert));
  REQUIRE(cfg->eimPublicKeyData != nullptr);
  CHECK(cfg->eimPublicKeyData->present == EimPublicKeyData_PR_eimCertificate);

  // PROTOCOL.md §3.2 described A5 { 30 ... }; by X.680 the alternative's tag replaces '30'.
  const std::string bare = tlv("30", tlv("80", utf8(kEimId)) + tlv("A5", cert));
  std::size_t consumed = 0;
  CHECK_THROWS_AS(asn1::decode(asn_DEF_EimConfigurationData, from_hex(bare), consumed),
                  asn1::DecodeError);
}

TEST_CASE("BF57 AddInitialEim: request A0 list of '30', response A0 { 84 | 05 } or 81") {
  const std::string eim1 =
      tlv("30", tlv("80", utf8(kEimId)) + tlv("83", "00") + tlv("A5", tlv("A0", kSpkiContent)));
  const std::string eim2 =
      tlv("30", tlv("80", utf8("eim-2")) + tlv("81", utf8("eim2.example.com")) + tlv("83", "05") +
                    tlv("84", "2A") + tlv("A5", tlv("A0", kSpkiContent)) + tlv("87", "0520"));
  const std::string request = tlv("BF57", tlv("A0", eim1 + eim2));
  auto req = decode_exact<AddInitialEimRequest_t>(asn_DEF_AddInitialEimRequest, from_hex(request));
  REQUIRE(req->eimConfigurationDataList.list.count == 2);
  const auto& second = *req->eimConfigurationDataList.list.array[1];
  REQUIRE(second.associationToken != nullptr);
  CHECK(*second.associationToken == 42);
  REQUIRE(second.eimSupportedProtocol != nullptr);
  CHECK(asn1::bits_of(*second.eimSupportedProtocol) == (1u << EimSupportedProtocol_eimInjectHttps));

  const std::string ok = tlv("BF57", tlv("A0", tlv("84", "01") + tlv("05", "")));
  auto rsp = decode_exact<AddInitialEimResponse_t>(asn_DEF_AddInitialEimResponse, from_hex(ok));
  REQUIRE(rsp->present == AddInitialEimResponse_PR_addInitialEimOk);
  REQUIRE(rsp->choice.addInitialEimOk.list.count == 2);
  CHECK(rsp->choice.addInitialEimOk.list.array[0]->present ==
        AddInitialEimOkEntry_PR_associationToken);
  CHECK(rsp->choice.addInitialEimOk.list.array[0]->choice.associationToken == 1);
  CHECK(rsp->choice.addInitialEimOk.list.array[1]->present == AddInitialEimOkEntry_PR_addOk);

  SECTION("built field by field") {
    auto built = asn1::Value<AddInitialEimResponse_t>(asn1::make(asn_DEF_AddInitialEimResponse));
    built->present = AddInitialEimResponse_PR_addInitialEimOk;
    auto* token = asn1::alloc<AddInitialEimOkEntry_t>();
    token->present = AddInitialEimOkEntry_PR_associationToken;
    token->choice.associationToken = 1;
    asn1::append(built->choice.addInitialEimOk.list, token);
    auto* added = asn1::alloc<AddInitialEimOkEntry_t>();
    added->present = AddInitialEimOkEntry_PR_addOk;
    asn1::append(built->choice.addInitialEimOk.list, added);
    CHECK(to_hex(asn1::encode(asn_DEF_AddInitialEimResponse, built.get())) == ok);
  }

  const std::string error = tlv("BF57", tlv("81", "02"));
  auto err = decode_exact<AddInitialEimResponse_t>(asn_DEF_AddInitialEimResponse, from_hex(error));
  REQUIRE(err->present == AddInitialEimResponse_PR_addInitialEimError);
  CHECK(err->choice.addInitialEimError ==
        AddInitialEimResponse__addInitialEimError_associatedEimAlreadyExists);
}

TEST_CASE("BF55 GetEimConfigurationData: searchCriteria A0 { 80 }, answer A0 { '30' ... }") {
  auto all = decode_exact<GetEimConfigurationDataRequest_t>(asn_DEF_GetEimConfigurationDataRequest,
                                                            from_hex("BF5500"));
  CHECK(all->searchCriteria == nullptr);
  const std::string one = tlv("BF55", tlv("A0", tlv("80", utf8(kEimId))));
  auto req = decode_exact<GetEimConfigurationDataRequest_t>(asn_DEF_GetEimConfigurationDataRequest,
                                                            from_hex(one));
  REQUIRE(req->searchCriteria != nullptr);
  CHECK(asn1::string_of(req->searchCriteria->choice.eimId) == kEimId);

  const std::string response =
      tlv("BF55", tlv("A0", tlv("30", tlv("80", utf8(kEimId)) + tlv("81", utf8(kEimId)) +
                                          tlv("83", "07") + tlv("84", "01") +
                                          tlv("A5", tlv("A0", kSpkiContent)) + tlv("87", "0780")) +
                                tlv("30", tlv("80", utf8("eim-2")) + tlv("82", "03"))));
  auto rsp = decode_exact<GetEimConfigurationDataResponse_t>(
      asn_DEF_GetEimConfigurationDataResponse, from_hex(response));
  REQUIRE(rsp->eimConfigurationDataList.list.count == 2);
  CHECK(*rsp->eimConfigurationDataList.list.array[0]->counterValue == 7);
  CHECK(*rsp->eimConfigurationDataList.list.array[1]->eimIdType == EimIdType_eimIdTypeProprietary);
}

TEST_CASE("BF56 GetCerts: the CI PKID is '80' (automatic tag), certificates in A0 { A5, A6 }") {
  round_trip(asn_DEF_GetCertsRequest, "BF5600");
  const std::string with_pkid = tlv("BF56", tlv("80", kSki));
  auto req = decode_exact<GetCertsRequest_t>(asn_DEF_GetCertsRequest, from_hex(with_pkid));
  REQUIRE(req->euiccCiPKId != nullptr);
  CHECK(to_hex(asn1::bytes_of(*req->euiccCiPKId)) == kSki);

  // PROTOCOL.md §3.1 wrote '04'. The module is extensible, so an unknown '04' is skipped: the
  // request still decodes, as one without a PKID.
  std::size_t consumed = 0;
  auto lenient = asn1::decode_as<GetCertsRequest_t>(
      asn_DEF_GetCertsRequest, from_hex(tlv("BF56", tlv("04", kSki))), consumed);
  CHECK(lenient->euiccCiPKId == nullptr);

  // [5] / [6] Certificate are implicit: the certificate's own '30' becomes A5 / A6.
  const std::string response =
      tlv("BF56", tlv("A0", "A5" + certs().eum.substr(2) + "A6" + certs().euicc.substr(2)));
  auto rsp = decode_exact<GetCertsResponse_t>(asn_DEF_GetCertsResponse, from_hex(response));
  REQUIRE(rsp->present == GetCertsResponse_PR_certs);
  CHECK(to_hex(asn1::encode(asn_DEF_Certificate, &rsp->choice.certs.eumCertificate)) ==
        certs().eum);
  CHECK(to_hex(asn1::encode(asn_DEF_Certificate, &rsp->choice.certs.euiccCertificate)) ==
        certs().euicc);

  auto err = decode_exact<GetCertsResponse_t>(asn_DEF_GetCertsResponse, from_hex("BF5603810101"));
  REQUIRE(err->present == GetCertsResponse_PR_getCertsError);
  CHECK(err->choice.getCertsError == GetCertsResponse__getCertsError_invalidCiPKId);
}

TEST_CASE(
    "BF51 result, signed: A0 { 30 { 80 81 82 83 30 {results} } 5F37 } with every result tag") {
  const std::string profile_info =
      tlv("E3", tlv("5A", kIccid) + tlv("9F70", "01") + tlv("9F7B", "00") + tlv("9F26", "FF") +
                    tlv("9F67", "FF"));
  const std::string results =
      tlv("83", "00") +                       // enableResult ok
      tlv("84", "02") +                       // disableResult
      tlv("85", "15") +                       // deleteResult returnFallbackProfile
      tlv("BF2D", tlv("A0", profile_info)) +  // listProfileInfoResult
      tlv("A6", "") +                         // getRATResult, empty table
      tlv("87", "00") +                       // configureImmediateEnableResult
      tlv("A8", tlv("84", "07")) +            // addEimResult: token 7
      tlv("A8", tlv("02", "02")) +            // addEimResult: code
      tlv("89", "02") +                       // deleteEimResult lastEimDeleted
      tlv("8A", "06") +                       // updateEimResult
      tlv("AB", tlv("A0", tlv("30", tlv("80", utf8(kEimId)) + tlv("82", "02")))) +  // listEim
      tlv("AB", tlv("81", "7F")) +   // listEimResult error
      tlv("8C", "00") +              // rollbackResult
      tlv("8D", "02") +              // setFallbackAttributeResult
      tlv("8E", "03") +              // unsetFallbackAttributeResult
      tlv("02", "01") +              // processingTerminated
      tlv("BF65", tlv("80", "00"));  // setDefaultDpAddressResult
  const std::string hex =
      tlv("BF51", tlv("A0", tlv("30", tlv("80", utf8(kEimId)) + tlv("81", "05") + tlv("82", kTid) +
                                          tlv("83", "07") + tlv("30", results)) +
                                tlv("5F37", kSig)));
  auto r = decode_exact<EuiccPackageResult_t>(asn_DEF_EuiccPackageResult, from_hex(hex));
  REQUIRE(r->present == EuiccPackageResult_PR_euiccPackageResultSigned);
  const auto& data = r->choice.euiccPackageResultSigned.euiccPackageResultDataSigned;
  CHECK(data.counterValue == 5);
  CHECK(data.seqNumber == 7);
  REQUIRE(data.euiccResult.list.count == 17);
  const std::vector<EuiccResultData_PR> expected = {
      EuiccResultData_PR_enableResult,
      EuiccResultData_PR_disableResult,
      EuiccResultData_PR_deleteResult,
      EuiccResultData_PR_listProfileInfoResult,
      EuiccResultData_PR_getRATResult,
      EuiccResultData_PR_configureImmediateEnableResult,
      EuiccResultData_PR_addEimResult,
      EuiccResultData_PR_addEimResult,
      EuiccResultData_PR_deleteEimResult,
      EuiccResultData_PR_updateEimResult,
      EuiccResultData_PR_listEimResult,
      EuiccResultData_PR_listEimResult,
      EuiccResultData_PR_rollbackResult,
      EuiccResultData_PR_setFallbackAttributeResult,
      EuiccResultData_PR_unsetFallbackAttributeResult,
      EuiccResultData_PR_processingTerminated,
      EuiccResultData_PR_setDefaultDpAddressResult};
  for (int i = 0; i < data.euiccResult.list.count; ++i)
    CHECK(data.euiccResult.list.array[i]->present == expected[static_cast<std::size_t>(i)]);
  const auto& list = data.euiccResult.list;
  CHECK(list.array[2]->choice.deleteResult == DeleteProfileResult_returnFallbackProfile);
  const auto& infos = list.array[3]->choice.listProfileInfoResult;
  REQUIRE(infos.present == IotProfileInfoListResponse_PR_profileInfoListOk);
  REQUIRE(infos.choice.profileInfoListOk.list.count == 1);
  const IotProfileInfo_t& info = *infos.choice.profileInfoListOk.list.array[0];
  REQUIRE(info.ecallIndication != nullptr);
  CHECK(*info.ecallIndication == 0);
  REQUIRE(info.fallbackAttribute != nullptr);
  CHECK(*info.fallbackAttribute != 0);
  REQUIRE(info.fallbackAllowed != nullptr);
  CHECK(list.array[6]->choice.addEimResult.present == AddEimResult_PR_associationToken);
  CHECK(list.array[6]->choice.addEimResult.choice.associationToken == 7);
  CHECK(list.array[7]->choice.addEimResult.present == AddEimResult_PR_addEimResultCode);
  CHECK(list.array[10]->choice.listEimResult.present == ListEimResult_PR_eimIdList);
  CHECK(list.array[11]->choice.listEimResult.present == ListEimResult_PR_listEimError);
  CHECK(list.array[15]->choice.processingTerminated ==
        EuiccResultData__processingTerminated_resultSizeOverflow);

  SECTION("a one-result answer built field by field") {
    const std::string one =
        tlv("BF51", tlv("A0", tlv("30", tlv("80", utf8(kEimId)) + tlv("81", "05") +
                                            tlv("83", "07") + tlv("30", tlv("83", "00"))) +
                                  tlv("5F37", kSig)));
    auto built = asn1::Value<EuiccPackageResult_t>(asn1::make(asn_DEF_EuiccPackageResult));
    built->present = EuiccPackageResult_PR_euiccPackageResultSigned;
    auto& d = built->choice.euiccPackageResultSigned.euiccPackageResultDataSigned;
    asn1::set_string(d.eimId, kEimId);
    d.counterValue = 5;
    d.seqNumber = 7;
    auto* item = asn1::alloc<EuiccResultData_t>();
    item->present = EuiccResultData_PR_enableResult;
    item->choice.enableResult = EnableProfileResult_ok;
    asn1::append(d.euiccResult.list, item);
    asn1::set_octets(built->choice.euiccPackageResultSigned.euiccSignEPR, from_hex(kSig));
    CHECK(to_hex(asn1::encode(asn_DEF_EuiccPackageResult, built.get())) == one);
  }
}

TEST_CASE(
    "BF51 result error forms: signed A1 { 30 { 80 81 82 02 } 5F37 }, unsigned A2 { 80 82 84 }") {
  const std::string signed_error =
      tlv("BF51", tlv("A1", tlv("30", tlv("80", utf8(kEimId)) + tlv("81", "05") + tlv("82", kTid) +
                                          tlv("02", "04")) +
                                tlv("5F37", kSig)));
  auto se = decode_exact<EuiccPackageResult_t>(asn_DEF_EuiccPackageResult, from_hex(signed_error));
  REQUIRE(se->present == EuiccPackageResult_PR_euiccPackageErrorSigned);
  CHECK(se->choice.euiccPackageErrorSigned.euiccPackageErrorDataSigned.euiccPackageErrorCode ==
        EuiccPackageErrorCode_replayError);

  const std::string unsigned_error =
      tlv("BF51", tlv("A2", tlv("80", utf8(kEimId)) + tlv("82", kTid) + tlv("84", "2A")));
  auto ue =
      decode_exact<EuiccPackageResult_t>(asn_DEF_EuiccPackageResult, from_hex(unsigned_error));
  REQUIRE(ue->present == EuiccPackageResult_PR_euiccPackageErrorUnsigned);
  REQUIRE(ue->choice.euiccPackageErrorUnsigned.associationToken != nullptr);
  CHECK(*ue->choice.euiccPackageErrorUnsigned.associationToken == 42);

  // ProfileRollback's answer carries a result as its own BF51 (tagged once, not BF51 BF51).
  const std::string rollback = tlv("BF58", tlv("02", "00") + unsigned_error);
  auto rb =
      decode_exact<ProfileRollbackResponse_t>(asn_DEF_ProfileRollbackResponse, from_hex(rollback));
  CHECK(rb->cmdResult == ProfileRollbackResponse__cmdResult_ok);
  REQUIRE(rb->eUICCPackageResult != nullptr);
  CHECK(rb->eUICCPackageResult->present == EuiccPackageResult_PR_euiccPackageErrorUnsigned);
}

TEST_CASE("BF2B IoT RetrieveNotificationsList: euiccPackageResults 82, result list A2") {
  auto req = decode_exact<IotRetrieveNotificationsListRequest_t>(
      asn_DEF_IotRetrieveNotificationsListRequest, from_hex("BF2B04A0028200"));
  REQUIRE(req->searchCriteria != nullptr);
  CHECK(req->searchCriteria->present ==
        IotRetrieveNotificationsListRequest__searchCriteria_PR_euiccPackageResults);
  round_trip(asn_DEF_IotRetrieveNotificationsListRequest, "BF2B05A003800107");

  const std::string result = tlv("BF51", tlv("A2", tlv("80", utf8(kEimId))));
  const std::string rsp = tlv("BF2B", tlv("A2", result + result));
  auto r = decode_exact<IotRetrieveNotificationsListResponse_t>(
      asn_DEF_IotRetrieveNotificationsListResponse, from_hex(rsp));
  REQUIRE(r->present == IotRetrieveNotificationsListResponse_PR_euiccPackageResultList);
  CHECK(r->choice.euiccPackageResultList.list.count == 2);
  round_trip(asn_DEF_IotRetrieveNotificationsListResponse, "BF2B0381017F");

  // A compact other-signed notification (A1) in the notification list (A0).
  const std::string metadata =
      tlv("BF2F", tlv("80", "03") + tlv("81", "0640") + tlv("0C", utf8(kSmdp)) + tlv("5A", kIccid));
  round_trip(asn_DEF_IotRetrieveNotificationsListResponse,
             tlv("BF2B", tlv("A0", tlv("A1", tlv("5A", kEid) + metadata + tlv("5F37", kSig)))));
  // A compact installation result (A0 { A0 { 80 02 01 A2 { A0 { 4F } } } 5F37 }).
  round_trip(asn_DEF_IotRetrieveNotificationsListResponse,
             tlv("BF2B",
                 tlv("A0", tlv("A0", tlv("A0", tlv("80", kTid) + tlv("02", "04") + tlv("01", "00") +
                                                   tlv("A2", tlv("A0", tlv("4F", "1000")))) +
                                         tlv("5F37", kSig)))));
}

TEST_CASE("the other SGP.32 ES10 functions round-trip with the tags of PROTOCOL.md §3.1") {
  struct Case {
    const asn1::Type& type;
    std::string hex;
  };
  const std::vector<Case> cases = {
      {asn_DEF_ProfileRollbackRequest, "BF58038001FF"},
      {asn_DEF_ProfileRollbackResponse, "BF5803020101"},
      {asn_DEF_ConfigureImmediateProfileEnablingRequest,
       tlv("BF59", tlv("80", "") + tlv("81", kSmdpOid) + tlv("82", utf8(kSmdp)))},
      {asn_DEF_ConfigureImmediateProfileEnablingRequest, "BF5900"},
      {asn_DEF_ConfigureImmediateProfileEnablingResponse, "BF5903800100"},
      {asn_DEF_ImmediateEnableRequest, "BF5A03800100"},
      {asn_DEF_ImmediateEnableResponse, "BF5A03800104"},
      {asn_DEF_EnableEmergencyProfileRequest, "BF5B038001FF"},
      {asn_DEF_EnableEmergencyProfileResponse, "BF5B03800108"},
      {asn_DEF_DisableEmergencyProfileRequest, "BF5C03800100"},
      {asn_DEF_DisableEmergencyProfileResponse, "BF5C03800102"},
      {asn_DEF_ExecuteFallbackMechanismRequest, "BF5D038001FF"},
      {asn_DEF_ExecuteFallbackMechanismResponse, "BF5D03800168"},  // ecallActive 104
      {asn_DEF_ReturnFromFallbackRequest, "BF5E03800100"},
      {asn_DEF_ReturnFromFallbackResponse, "BF5E03800106"},
      {asn_DEF_GetConnectivityParametersRequest, "BF5F00"},
      {asn_DEF_GetConnectivityParametersResponse, tlv("BF5F", tlv("A0", tlv("81", "0102030405")))},
      {asn_DEF_GetConnectivityParametersResponse, "BF5F03810101"},
      {asn_DEF_IotEuiccMemoryResetRequest, "BF64048202011E"},  // bits 3 4 5 6
      {asn_DEF_IotEuiccMemoryResetResponse, "BF6409800100810102820101"},
      {asn_DEF_IotEuiccMemoryResetResponse, "BF640380017F"},
      {asn_DEF_IotSetDefaultDpAddressRequest, tlv("BF65", tlv("80", utf8(kSmdp)))},
      {asn_DEF_IotSetDefaultDpAddressResponse, "BF6503800100"},
      {asn_DEF_IpaeActivationRequest, "BF420480020780"},
      {asn_DEF_IpaeActivationResponse, "BF4203800101"},
      {asn_DEF_ISDRProprietaryApplicationTemplateIoT, "E10480020780"},  // ipaeSupported
      {asn_DEF_EimAcknowledgements, "BF5306800107800108"},
      {asn_DEF_IpaEuiccDataRequest,
       tlv("BF52", tlv("5C", "BF20BF22A5A6") + tlv("04", kSki) + tlv("A1", tlv("80", "03")) +
                       tlv("A2", tlv("80", "07")) + tlv("83", kTid))},
      {asn_DEF_IpaEuiccDataResponse,
       tlv("BF52", tlv("A0", tlv("81", utf8(kSmdp)) + tlv("84", "07") + tlv("87", kTid) +
                                 tlv("A8", tlv("80", "0520") + tlv("81", "0780"))))},
      {asn_DEF_IpaEuiccDataResponse, tlv("BF52", tlv("A1", tlv("80", kTid) + tlv("02", "01")))},
      {asn_DEF_ProfileDownloadTriggerRequest,
       tlv("BF54",
           tlv("A0", tlv("80", utf8("LPA:1$smdp.example.com$MATCHING"))) + tlv("82", kTid))},
      {asn_DEF_ProfileDownloadTriggerRequest,
       tlv("BF54", tlv("A0", tlv("A2", tlv("80", utf8(kSmdp)))))},
      {asn_DEF_ProfileDownloadTriggerResult,
       tlv("BF54", tlv("82", kTid) + tlv("30", tlv("80", "68") + tlv("04", "BF3B03820101")))},
      {asn_DEF_IotStoreMetadataRequest,
       tlv("BF25", tlv("5A", kIccid) + tlv("91", utf8("Op")) + tlv("92", utf8("IoT")) +
                       tlv("9F7B", "FF") + tlv("9F67", "FF") + tlv("BF64", ""))},
  };
  for (const auto& c : cases) round_trip(c.type, c.hex);
}

TEST_CASE("IotEUICCInfo2: ipaMode 90 and iotSpecificInfo B4 { A0 { 04 }, 81, 82 }") {
  const std::string hex =
      tlv("BF22", tlv("81", "020300") + tlv("82", "020500") + tlv("83", "010000") +
                      tlv("84", "8101008202FFFF") + tlv("85", "00") + tlv("86", "090200") +
                      tlv("87", "020300") + tlv("88", "00") + tlv("A9", tlv("04", kSki)) +
                      tlv("AA", tlv("04", kSki)) + tlv("04", "010000") + tlv("0C", "") +
                      tlv("90", "01") +
                      tlv("B4", tlv("A0", tlv("04", "010200")) + tlv("81", "") + tlv("82", "")));
  auto info = decode_exact<IotEUICCInfo2_t>(asn_DEF_IotEUICCInfo2, from_hex(hex));
  REQUIRE(info->ipaMode != nullptr);
  CHECK(*info->ipaMode == IpaMode_ipae);
  REQUIRE(info->iotSpecificInfo != nullptr);
  REQUIRE(info->iotSpecificInfo->iotVersion.list.count == 1);
  CHECK(to_hex(asn1::bytes_of(*info->iotSpecificInfo->iotVersion.list.array[0])) == "010200");
  CHECK(info->iotSpecificInfo->ecallSupported != nullptr);
  CHECK(info->iotSpecificInfo->fallbackSupported != nullptr);
}
