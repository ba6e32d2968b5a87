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
#include <AuthenticateClientRequestEsipa.h>
#include <AuthenticateClientResponseEsipa.h>
#include <BoundProfilePackage.h>
#include <CancelSessionRequestEsipa.h>
#include <CancelSessionResponseEsipa.h>
#include <ConfigureImmediateProfileEnablingRequest.h>
#include <ConfigureImmediateProfileEnablingResponse.h>
#include <DisableEmergencyProfileRequest.h>
#include <DisableEmergencyProfileResponse.h>
#include <Eco.h>
#include <EimAcknowledgements.h>
#include <EimConfigurationData.h>
#include <EimIdInfo.h>
#include <EimPackageResult.h>
#include <EimPublicKeyData.h>
#include <EnableEmergencyProfileRequest.h>
#include <EnableEmergencyProfileResponse.h>
#include <EsipaMessageFromEimToIpa.h>
#include <EsipaMessageFromIpaToEim.h>
#include <EuiccPackageRequest.h>
#include <EuiccPackageResult.h>
#include <EuiccResultData.h>
#include <ExecuteFallbackMechanismRequest.h>
#include <ExecuteFallbackMechanismResponse.h>
#include <GetBoundProfilePackageRequestEsipa.h>
#include <GetBoundProfilePackageResponseEsipa.h>
#include <GetCertsRequest.h>
#include <GetCertsResponse.h>
#include <GetConnectivityParametersRequest.h>
#include <GetConnectivityParametersResponse.h>
#include <GetEimConfigurationDataRequest.h>
#include <GetEimConfigurationDataResponse.h>
#include <GetEimPackageRequest.h>
#include <GetEimPackageResponse.h>
#include <HandleNotificationEsipa.h>
#include <ISDRProprietaryApplicationTemplateIoT.h>
#include <ImmediateEnableRequest.h>
#include <ImmediateEnableResponse.h>
#include <InitiateAuthenticationRequestEsipa.h>
#include <InitiateAuthenticationResponseEsipa.h>
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
#include <ProvideEimPackageResult.h>
#include <ProvideEimPackageResultResponse.h>
#include <Psmo.h>
#include <ReturnFromFallbackRequest.h>
#include <ReturnFromFallbackResponse.h>
#include <TransferEimPackageRequest.h>
#include <TransferEimPackageResponse.h>

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

// ESipa (SGP.32 §6.3). Each message is spelt out from the ASN.1 text (tags worked by hand from
// X.680's automatic-tagging rules, ../shared/reference/ESIPA.md §1) and must decode both as its
// own type and as the ESipa CHOICE of its direction, then re-encode byte for byte.
namespace {

const std::string kChallenge = repeat("C1", 16);
const std::string kServerChallenge = repeat("C2", 16);
const std::string kSmdpTid = "0102030405060708";
const std::string kOtpk = "04" + repeat("AB", 64);

void from_ipa(const std::string& hex, EsipaMessageFromIpaToEim_PR expected) {
  INFO("EsipaMessageFromIpaToEim " << hex);
  auto m =
      decode_exact<EsipaMessageFromIpaToEim_t>(asn_DEF_EsipaMessageFromIpaToEim, from_hex(hex));
  CHECK(m->present == expected);
  CHECK(to_hex(asn1::encode(asn_DEF_EsipaMessageFromIpaToEim, m.get())) == hex);
}

void from_eim(const std::string& hex, EsipaMessageFromEimToIpa_PR expected) {
  INFO("EsipaMessageFromEimToIpa " << hex);
  auto m =
      decode_exact<EsipaMessageFromEimToIpa_t>(asn_DEF_EsipaMessageFromEimToIpa, from_hex(hex));
  CHECK(m->present == expected);
  CHECK(to_hex(asn1::encode(asn_DEF_EsipaMessageFromEimToIpa, m.get())) == hex);
}

// A NotificationMetadata BF2F { 80 seq, 81 event bits, 0C address, 5A ICCID }.
std::string notification_metadata(const std::string& seq, const std::string& event_bits) {
  return tlv("BF2F",
             tlv("80", seq) + tlv("81", event_bits) + tlv("0C", utf8(kSmdp)) + tlv("5A", kIccid));
}

// A ProfileInstallationResult: BF37 { BF27 { 80 tid, BF2F, 06 oid, A2 { A0 { 4F aid, 04 sima } } },
// 5F37 }.
std::string installation_result() {
  return tlv(
      "BF37",
      tlv("BF27", tlv("80", kSmdpTid) + notification_metadata("05", "0780") + tlv("06", kSmdpOid) +
                      tlv("A2", tlv("A0", tlv("4F", "A0000005591010FFFFFFFF8900001000") +
                                              tlv("04",
                                                  "300730A00530038001"
                                                  "00")))) +
          tlv("5F37", kSig));
}

// DeviceInfo inside ctxParams1 (CtxParamsForCommonAuthentication is automatically tagged:
// 80 matchingId, A1 deviceInfo { 80 tac, A1 capabilities, 82 imei }).
std::string ctx_params1() {
  return tlv("A0", tlv("80", utf8("MATCHING")) +
                       tlv("A1", tlv("80", "35290611") + tlv("A1", tlv("85", "0F0000")) +
                                     tlv("82", "3529061100000017")));
}

}  // namespace

TEST_CASE("ESipa GetEimPackage: BF4F { 5A, 80, 81, 82 } and the four answers") {
  const std::string request =
      tlv("BF4F", tlv("5A", kEid) + tlv("80", "") + tlv("81", "04") + tlv("82", "13F001"));
  auto req = decode_exact<GetEimPackageRequest_t>(asn_DEF_GetEimPackageRequest, from_hex(request));
  CHECK(to_hex(asn1::bytes_of(req->eidValue)) == kEid);
  CHECK(req->notifyStateChange != nullptr);
  REQUIRE(req->stateChangeCause != nullptr);
  CHECK(*req->stateChangeCause == StateChangeCause_reset);
  REQUIRE(req->rPLMN != nullptr);
  from_ipa(request, EsipaMessageFromIpaToEim_PR_getEimPackageRequest);
  from_ipa(tlv("BF4F", tlv("5A", kEid)), EsipaMessageFromIpaToEim_PR_getEimPackageRequest);

  SECTION("the request built field by field") {
    auto built = asn1::Value<GetEimPackageRequest_t>(asn1::make(asn_DEF_GetEimPackageRequest));
    asn1::set_octets(built->eidValue, from_hex(kEid));
    built->notifyStateChange = asn1::alloc<NULL_t>();
    built->stateChangeCause = asn1::alloc<StateChangeCause_t>();
    *built->stateChangeCause = StateChangeCause_reset;
    built->rPLMN = asn1::new_octets<OCTET_STRING_t>(from_hex("13F001"));
    CHECK(to_hex(asn1::encode(asn_DEF_GetEimPackageRequest, built.get())) == request);
  }

  // noEimPackageAvailable keeps INTEGER's own tag next to the tagged alternatives.
  auto none = decode_exact<GetEimPackageResponse_t>(asn_DEF_GetEimPackageResponse,
                                                    from_hex("BF4F03020101"));
  REQUIRE(none->present == GetEimPackageResponse_PR_eimPackageError);
  CHECK(none->choice.eimPackageError ==
        GetEimPackageResponse__eimPackageError_noEimPackageAvailable);
  from_eim("BF4F03020101", EsipaMessageFromEimToIpa_PR_getEimPackageResponse);
  from_eim("BF4F0302017F", EsipaMessageFromEimToIpa_PR_getEimPackageResponse);

  // A package is the eIM package itself, its tag replacing nothing: BF4F { BF51 ... }.
  const std::string euicc_package =
      tlv("BF4F", psmo_package(tlv("A3", tlv("5A", kIccid) + "0500")));
  auto pkg =
      decode_exact<GetEimPackageResponse_t>(asn_DEF_GetEimPackageResponse, from_hex(euicc_package));
  REQUIRE(pkg->present == GetEimPackageResponse_PR_euiccPackageRequest);
  CHECK(pkg->choice.euiccPackageRequest.euiccPackageSigned.counterValue == 5);
  from_eim(euicc_package, EsipaMessageFromEimToIpa_PR_getEimPackageResponse);

  const std::string data_request =
      tlv("BF4F", tlv("BF52", tlv("5C", "80BF20BF22A6") + tlv("83", kTid)));
  auto dr =
      decode_exact<GetEimPackageResponse_t>(asn_DEF_GetEimPackageResponse, from_hex(data_request));
  REQUIRE(dr->present == GetEimPackageResponse_PR_ipaEuiccDataRequest);
  from_eim(data_request, EsipaMessageFromEimToIpa_PR_getEimPackageResponse);

  const std::string trigger =
      tlv("BF4F",
          tlv("BF54", tlv("A0", tlv("80", utf8("1$smdp.example.com$MATCHING"))) + tlv("82", kTid)));
  auto tr = decode_exact<GetEimPackageResponse_t>(asn_DEF_GetEimPackageResponse, from_hex(trigger));
  REQUIRE(tr->present == GetEimPackageResponse_PR_profileDownloadTriggerRequest);
  from_eim(trigger, EsipaMessageFromEimToIpa_PR_getEimPackageResponse);
}

TEST_CASE("ESipa ProvideEimPackageResult: BF50 { 5A, BF51 | 30 { BF51, A0 } | BF52 | BF54 | A0 }") {
  const std::string result =
      tlv("BF51", tlv("A0", tlv("30", tlv("80", utf8(kEimId)) + tlv("81", "05") + tlv("83", "07") +
                                          tlv("30", tlv("83", "00"))) +
                                tlv("5F37", kSig)));
  // An other-signed notification: 30 { BF2F, 5F37, 30 eUICC cert, 30 EUM cert }.
  const std::string other = tlv(
      "30", notification_metadata("06", "0640") + tlv("5F37", kSig) + certs().euicc + certs().eum);

  const std::string plain = tlv("BF50", tlv("5A", kEid) + result);
  auto p =
      decode_exact<ProvideEimPackageResult_t>(asn_DEF_ProvideEimPackageResult, from_hex(plain));
  REQUIRE(p->eidValue != nullptr);
  CHECK(p->eimPackageResult.present == EimPackageResult_PR_euiccPackageResult);
  from_ipa(plain, EsipaMessageFromIpaToEim_PR_provideEimPackageResult);

  // The result with the notifications its PSMOs created: '30' { BF51, A0 { ... } }.
  const std::string with_notifications =
      tlv("BF50", tlv("5A", kEid) + tlv("30", result + tlv("A0", other + installation_result())));
  auto wn = decode_exact<ProvideEimPackageResult_t>(asn_DEF_ProvideEimPackageResult,
                                                    from_hex(with_notifications));
  REQUIRE(wn->eimPackageResult.present == EimPackageResult_PR_ePRAndNotifications);
  const auto& epr = wn->eimPackageResult.choice.ePRAndNotifications;
  CHECK(epr.euiccPackageResult.present == EuiccPackageResult_PR_euiccPackageResultSigned);
  REQUIRE(epr.notificationList.list.count == 2);
  CHECK(epr.notificationList.list.array[0]->present ==
        IotPendingNotification_PR_otherSignedNotification);
  CHECK(epr.notificationList.list.array[1]->present ==
        IotPendingNotification_PR_profileInstallationResult);
  from_ipa(with_notifications, EsipaMessageFromIpaToEim_PR_provideEimPackageResult);

  // The answer to an IpaEuiccDataRequest; the eID is optional.
  const std::string data =
      tlv("BF50", tlv("BF52", tlv("A0", tlv("81", utf8(kSmdp)) + tlv("87", kTid))));
  from_ipa(data, EsipaMessageFromIpaToEim_PR_provideEimPackageResult);

  // A direct download's result: BF54 { 82 tid, BF37 }.
  const std::string download =
      tlv("BF50", tlv("5A", kEid) + tlv("BF54", tlv("82", kTid) + installation_result()));
  auto dl =
      decode_exact<ProvideEimPackageResult_t>(asn_DEF_ProvideEimPackageResult, from_hex(download));
  REQUIRE(dl->eimPackageResult.present == EimPackageResult_PR_profileDownloadTriggerResult);
  CHECK(
      dl->eimPackageResult.choice.profileDownloadTriggerResult.profileDownloadTriggerResultData
          .present ==
      ProfileDownloadTriggerResult__profileDownloadTriggerResultData_PR_profileInstallationResult);
  from_ipa(download, EsipaMessageFromIpaToEim_PR_provideEimPackageResult);

  // A package the IPA could not use: A0 { 80 tid, 02 code } (implicit [0] on the SEQUENCE).
  const std::string error = tlv("BF50", tlv("5A", kEid) + tlv("A0", tlv("80", kTid) + "020101"));
  auto e =
      decode_exact<ProvideEimPackageResult_t>(asn_DEF_ProvideEimPackageResult, from_hex(error));
  REQUIRE(e->eimPackageResult.present == EimPackageResult_PR_eimPackageResultResponseError);
  CHECK(e->eimPackageResult.choice.eimPackageResultResponseError.eimPackageResultErrorCode ==
        EimPackageResultErrorCode_invalidPackageFormat);
  from_ipa(error, EsipaMessageFromIpaToEim_PR_provideEimPackageResult);

  SECTION("built field by field") {
    auto built =
        asn1::Value<ProvideEimPackageResult_t>(asn1::make(asn_DEF_ProvideEimPackageResult));
    built->eidValue = asn1::new_octets<Octet16_t>(from_hex(kEid));
    built->eimPackageResult.present = EimPackageResult_PR_eimPackageResultResponseError;
    auto& err = built->eimPackageResult.choice.eimPackageResultResponseError;
    err.eimTransactionId = asn1::new_octets<TransactionId_t>(from_hex(kTid));
    err.eimPackageResultErrorCode = EimPackageResultErrorCode_invalidPackageFormat;
    CHECK(to_hex(asn1::encode(asn_DEF_ProvideEimPackageResult, built.get())) == error);
  }
}

TEST_CASE("ESipa ProvideEimPackageResultResponse: BF53 acknowledgements, '30 00', '02'") {
  const std::string acks = tlv("BF50", tlv("BF53",
                                           "800107"
                                           "800108"));
  CHECK(acks == "BF5009BF5306800107800108");
  auto ack = decode_exact<ProvideEimPackageResultResponse_t>(
      asn_DEF_ProvideEimPackageResultResponse, from_hex(acks));
  REQUIRE(ack->present == ProvideEimPackageResultResponse_PR_eimAcknowledgements);
  REQUIRE(ack->choice.eimAcknowledgements.list.count == 2);
  CHECK(*ack->choice.eimAcknowledgements.list.array[1] == 8);
  from_eim(acks, EsipaMessageFromEimToIpa_PR_provideEimPackageResultResponse);
  // ESIPA.md §1: emptyResponse is BF50 02 30 00.
  auto empty = decode_exact<ProvideEimPackageResultResponse_t>(
      asn_DEF_ProvideEimPackageResultResponse, from_hex("BF50023000"));
  CHECK(empty->present == ProvideEimPackageResultResponse_PR_emptyResponse);
  from_eim("BF50023000", EsipaMessageFromEimToIpa_PR_provideEimPackageResultResponse);
  auto error = decode_exact<ProvideEimPackageResultResponse_t>(
      asn_DEF_ProvideEimPackageResultResponse, from_hex("BF5003020102"));
  REQUIRE(error->present == ProvideEimPackageResultResponse_PR_provideEimPackageResultError);
  CHECK(error->choice.provideEimPackageResultError ==
        ProvideEimPackageResultResponse__provideEimPackageResultError_eidNotFound);
  from_eim("BF5003BF5300", EsipaMessageFromEimToIpa_PR_provideEimPackageResultResponse);
}

TEST_CASE("ESipa HandleNotification: BF3D { A0 { notification } } or BF3D { BF50 }") {
  // pendingNotification [0] is explicit around the untagged CHOICE.
  const std::string pir = tlv("BF3D", tlv("A0", installation_result()));
  auto h = decode_exact<HandleNotificationEsipa_t>(asn_DEF_HandleNotificationEsipa, from_hex(pir));
  REQUIRE(h->present == HandleNotificationEsipa_PR_pendingNotification);
  CHECK(h->choice.pendingNotification.present ==
        IotPendingNotification_PR_profileInstallationResult);
  from_ipa(pir, EsipaMessageFromIpaToEim_PR_handleNotificationEsipa);

  const std::string other =
      tlv("BF3D", tlv("A0", tlv("30", notification_metadata("09", "0520") + tlv("5F37", kSig) +
                                          certs().euicc + certs().eum)));
  from_ipa(other, EsipaMessageFromIpaToEim_PR_handleNotificationEsipa);
  // Compact forms (A0 / A1 inside the explicit A0).
  from_ipa(
      tlv("BF3D", tlv("A0", tlv("A1", notification_metadata("09", "0520") + tlv("5F37", kSig)))),
      EsipaMessageFromIpaToEim_PR_handleNotificationEsipa);

  const std::string provide = tlv(
      "BF3D", tlv("BF50", tlv("5A", kEid) + tlv("BF54", tlv("82", kTid) + installation_result())));
  auto hp =
      decode_exact<HandleNotificationEsipa_t>(asn_DEF_HandleNotificationEsipa, from_hex(provide));
  CHECK(hp->present == HandleNotificationEsipa_PR_provideEimPackageResult);
  from_ipa(provide, EsipaMessageFromIpaToEim_PR_handleNotificationEsipa);
}

TEST_CASE("ESipa InitiateAuthentication: BF39 { 81, 83, BF20, 82 } -> BF39 { A0 { ... } | 81 }") {
  const std::string info1 =
      tlv("BF20", tlv("82", "020500") + tlv("A9", tlv("04", kSki)) + tlv("AA", tlv("04", kSki)));
  const std::string request =
      tlv("BF39", tlv("81", kChallenge) + tlv("83", utf8(kSmdp)) + info1 + tlv("82", kTid));
  auto req = decode_exact<InitiateAuthenticationRequestEsipa_t>(
      asn_DEF_InitiateAuthenticationRequestEsipa, from_hex(request));
  REQUIRE(req->smdpAddress != nullptr);
  REQUIRE(req->euiccInfo1 != nullptr);
  REQUIRE(req->eimTransactionId != nullptr);
  from_ipa(request, EsipaMessageFromIpaToEim_PR_initiateAuthenticationRequestEsipa);
  from_ipa(tlv("BF39", tlv("81", kChallenge)),
           EsipaMessageFromIpaToEim_PR_initiateAuthenticationRequestEsipa);

  // ServerSigned1 { 80 tid, 81 euiccChallenge, 83 address, 84 serverChallenge }.
  const std::string server_signed1 =
      tlv("30", tlv("80", kSmdpTid) + tlv("81", kChallenge) + tlv("83", utf8(kSmdp)) +
                    tlv("84", kServerChallenge));
  const std::string ok = tlv(
      "BF39", tlv("A0", tlv("80", kSmdpTid) + server_signed1 + tlv("5F37", kSig) + tlv("04", kSki) +
                            certs().eum + tlv("0C", utf8("MATCHING")) + tlv("A2", ctx_params1())));
  auto r = decode_exact<InitiateAuthenticationResponseEsipa_t>(
      asn_DEF_InitiateAuthenticationResponseEsipa, from_hex(ok));
  REQUIRE(r->present == InitiateAuthenticationResponseEsipa_PR_initiateAuthenticationOkEsipa);
  const auto& o = r->choice.initiateAuthenticationOkEsipa;
  REQUIRE(o.matchingId != nullptr);
  CHECK(asn1::string_of(*o.matchingId) == "MATCHING");
  REQUIRE(o.ctxParams1 != nullptr);
  from_eim(ok, EsipaMessageFromEimToIpa_PR_initiateAuthenticationResponseEsipa);

  auto err = decode_exact<InitiateAuthenticationResponseEsipa_t>(
      asn_DEF_InitiateAuthenticationResponseEsipa, from_hex("BF3903810134"));
  REQUIRE(err->present == InitiateAuthenticationResponseEsipa_PR_initiateAuthenticationErrorEsipa);
  CHECK(
      err->choice.initiateAuthenticationErrorEsipa ==
      InitiateAuthenticationResponseEsipa__initiateAuthenticationErrorEsipa_invalidEimTransactionId);
  from_eim("BF3903810134", EsipaMessageFromEimToIpa_PR_initiateAuthenticationResponseEsipa);
}

TEST_CASE("ESipa AuthenticateClient: BF3B { 80, BF38 full or compact } -> A0 okDP | A1 okDS | 82") {
  const std::string info2 = tlv(
      "BF22", tlv("81", "020300") + tlv("82", "020500") + tlv("83", "010000") +
                  tlv("84", "8101008202FFFF") + tlv("85", "00") + tlv("88", "00") +
                  tlv("A9", tlv("04", kSki)) + tlv("AA", tlv("04", kSki)) + tlv("04", "010000") +
                  tlv("0C", "") + tlv("90", "01") + tlv("B4", tlv("A0", tlv("04", "010200"))));
  const std::string euicc_signed1 =
      tlv("30", tlv("80", kSmdpTid) + tlv("83", utf8(kSmdp)) + tlv("84", kServerChallenge) + info2 +
                    ctx_params1());
  // The full answer: A0 { 30 euiccSigned1, 5F37, 30 eUICC cert, 30 EUM cert }.
  const std::string full =
      tlv("BF3B", tlv("80", kSmdpTid) + tlv("BF38", tlv("A0", euicc_signed1 + tlv("5F37", kSig) +
                                                                  certs().euicc + certs().eum)));
  auto f = decode_exact<AuthenticateClientRequestEsipa_t>(asn_DEF_AuthenticateClientRequestEsipa,
                                                          from_hex(full));
  REQUIRE(f->authenticateServerResponse.present ==
          IotAuthenticateServerResponse_PR_authenticateResponseOk);
  const auto& signed1 = f->authenticateServerResponse.choice.authenticateResponseOk.euiccSigned1;
  REQUIRE(signed1.euiccInfo2.ipaMode != nullptr);
  CHECK(*signed1.euiccInfo2.ipaMode == IpaMode_ipae);
  from_ipa(full, EsipaMessageFromIpaToEim_PR_authenticateClientRequestEsipa);

  // Compact: A2 { A0 { 84 extCardResource, A2 { ctxParams1 } }, 5F37 } without certificates,
  // or with them as A1 / A2 (implicit, the certificate's '30' replaced).
  const std::string compact = tlv(
      "BF3B",
      tlv("80", kSmdpTid) +
          tlv("BF38", tlv("A2", tlv("A0", tlv("84", "8101008202FFFF") + tlv("A2", ctx_params1())) +
                                    tlv("5F37", kSig))));
  auto c = decode_exact<AuthenticateClientRequestEsipa_t>(asn_DEF_AuthenticateClientRequestEsipa,
                                                          from_hex(compact));
  REQUIRE(c->authenticateServerResponse.present ==
          IotAuthenticateServerResponse_PR_compactAuthenticateResponseOk);
  const auto& co = c->authenticateServerResponse.choice.compactAuthenticateResponseOk;
  CHECK(co.signedData.present == CompactAuthenticateResponseOk__signedData_PR_compactEuiccSigned1);
  CHECK(co.euiccCertificate == nullptr);
  from_ipa(compact, EsipaMessageFromIpaToEim_PR_authenticateClientRequestEsipa);
  from_ipa(
      tlv("BF3B", tlv("80", kSmdpTid) + tlv("BF38", tlv("A2", euicc_signed1 + tlv("5F37", kSig) +
                                                                  "A1" + certs().euicc.substr(2) +
                                                                  "A2" + certs().eum.substr(2)))),
      EsipaMessageFromIpaToEim_PR_authenticateClientRequestEsipa);
  // The eUICC's error form passes through: A1 { 80 tid, 02 code }.
  from_ipa(
      tlv("BF3B", tlv("80", kSmdpTid) + tlv("BF38", tlv("A1", tlv("80", kSmdpTid) + "020106"))),
      EsipaMessageFromIpaToEim_PR_authenticateClientRequestEsipa);

  // okDP: A0 { 80, BF25 metadata, 30 smdpSigned2 { 80, 01 }, 5F37, 30 certificate, 04 hashCc }.
  const std::string ok_dp =
      tlv("BF3B", tlv("A0", tlv("80", kSmdpTid) +
                                tlv("BF25", tlv("5A", kIccid) + tlv("91", utf8("Op")) +
                                                tlv("92", utf8("IoT"))) +
                                tlv("30", tlv("80", kSmdpTid) + tlv("01", "FF")) +
                                tlv("5F37", kSig) + certs().eum + tlv("04", repeat("CC", 32))));
  auto dp = decode_exact<AuthenticateClientResponseEsipa_t>(asn_DEF_AuthenticateClientResponseEsipa,
                                                            from_hex(ok_dp));
  REQUIRE(dp->present == AuthenticateClientResponseEsipa_PR_authenticateClientOkDPEsipa);
  CHECK(dp->choice.authenticateClientOkDPEsipa.profileMetaData != nullptr);
  CHECK(dp->choice.authenticateClientOkDPEsipa.hashCc != nullptr);
  from_eim(ok_dp, EsipaMessageFromEimToIpa_PR_authenticateClientResponseEsipa);
  // okDS: A1 { 80, BF54 trigger }.
  const std::string ok_ds =
      tlv("BF3B", tlv("A1", tlv("80", kSmdpTid) +
                                tlv("BF54", tlv("A0", tlv("80", utf8("1$smdp.example.com$X"))))));
  auto ds = decode_exact<AuthenticateClientResponseEsipa_t>(asn_DEF_AuthenticateClientResponseEsipa,
                                                            from_hex(ok_ds));
  REQUIRE(ds->present == AuthenticateClientResponseEsipa_PR_authenticateClientOkDSEsipa);
  from_eim(ok_ds, EsipaMessageFromEimToIpa_PR_authenticateClientResponseEsipa);
  auto err = decode_exact<AuthenticateClientResponseEsipa_t>(
      asn_DEF_AuthenticateClientResponseEsipa, from_hex("BF3B03820108"));
  REQUIRE(err->present == AuthenticateClientResponseEsipa_PR_authenticateClientErrorEsipa);
  CHECK(err->choice.authenticateClientErrorEsipa ==
        AuthenticateClientResponseEsipa__authenticateClientErrorEsipa_noEligibleProfile);
}

TEST_CASE("ESipa GetBoundProfilePackage: BF3A { 80, BF21 } -> BF3A { A0 { 80, BF36 } | 81 }") {
  const std::string full =
      tlv("BF3A", tlv("80", kSmdpTid) +
                      tlv("BF21", tlv("A0", tlv("30", tlv("80", kSmdpTid) + tlv("5F49", kOtpk)) +
                                                tlv("5F37", kSig))));
  auto f = decode_exact<GetBoundProfilePackageRequestEsipa_t>(
      asn_DEF_GetBoundProfilePackageRequestEsipa, from_hex(full));
  CHECK(f->prepareDownloadResponse.present == IotPrepareDownloadResponse_PR_downloadResponseOk);
  from_ipa(full, EsipaMessageFromIpaToEim_PR_getBoundProfilePackageRequestEsipa);
  // Compact: A2 { 30 { 5F49, 04 hashCc }, 5F37 }.
  const std::string compact =
      tlv("BF3A",
          tlv("80", kSmdpTid) +
              tlv("BF21", tlv("A2", tlv("30", tlv("5F49", kOtpk) + tlv("04", repeat("CC", 32))) +
                                        tlv("5F37", kSig))));
  auto c = decode_exact<GetBoundProfilePackageRequestEsipa_t>(
      asn_DEF_GetBoundProfilePackageRequestEsipa, from_hex(compact));
  REQUIRE(c->prepareDownloadResponse.present ==
          IotPrepareDownloadResponse_PR_compactDownloadResponseOk);
  CHECK(c->prepareDownloadResponse.choice.compactDownloadResponseOk.compactEuiccSigned2.hashCc !=
        nullptr);
  from_ipa(compact, EsipaMessageFromIpaToEim_PR_getBoundProfilePackageRequestEsipa);
  // The eUICC's error passes through: A1 { 80 tid, 02 code }.
  from_ipa(
      tlv("BF3A", tlv("80", kSmdpTid) + tlv("BF21", tlv("A1", tlv("80", kSmdpTid) + "020102"))),
      EsipaMessageFromIpaToEim_PR_getBoundProfilePackageRequestEsipa);

  // A Bound Profile Package: BF36 { BF23 { 82 01 01, 80 tid, A6 { 80 88, 81 10, 84 hostId },
  // 5F49, 5F37 }, A0 { 87 }, A1 { 88, 88 }, A2 { 87 }, A3 { 86, 86 } }.
  const std::string bpp =
      tlv("BF36", tlv("BF23", tlv("82", "01") + tlv("80", kSmdpTid) +
                                  tlv("A6", tlv("80", "88") + tlv("81", "10") + tlv("84", "0102")) +
                                  tlv("5F49", kOtpk) + tlv("5F37", kSig)) +
                      tlv("A0", tlv("87", repeat("01", 20))) +
                      tlv("A1", tlv("88", repeat("02", 30)) + tlv("88", repeat("03", 30))) +
                      tlv("A2", tlv("87", repeat("04", 20))) +
                      tlv("A3", tlv("86", repeat("05", 200)) + tlv("86", repeat("06", 40))));
  decode_exact<BoundProfilePackage_t>(asn_DEF_BoundProfilePackage, from_hex(bpp));
  const std::string ok = tlv("BF3A", tlv("A0", tlv("80", kSmdpTid) + bpp));
  auto r = decode_exact<GetBoundProfilePackageResponseEsipa_t>(
      asn_DEF_GetBoundProfilePackageResponseEsipa, from_hex(ok));
  REQUIRE(r->present == GetBoundProfilePackageResponseEsipa_PR_getBoundProfilePackageOkEsipa);
  const auto& b = r->choice.getBoundProfilePackageOkEsipa.boundProfilePackage;
  CHECK(b.sequenceOf88.list.count == 2);
  CHECK(b.secondSequenceOf87 != nullptr);
  CHECK(b.sequenceOf86.list.count == 2);
  from_eim(ok, EsipaMessageFromEimToIpa_PR_getBoundProfilePackageResponseEsipa);
  auto err = decode_exact<GetBoundProfilePackageResponseEsipa_t>(
      asn_DEF_GetBoundProfilePackageResponseEsipa, from_hex("BF3A0381015F"));
  CHECK(err->choice.getBoundProfilePackageErrorEsipa ==
        GetBoundProfilePackageResponseEsipa__getBoundProfilePackageErrorEsipa_invalidTransactionId);
  from_eim("BF3A0381015F", EsipaMessageFromEimToIpa_PR_getBoundProfilePackageResponseEsipa);
}

TEST_CASE("ESipa CancelSession: BF41 { 80, A1 { response } } -> BF41 { A0 00 | 81 }") {
  // Both components untagged, so numbered; [1] replaces the response's own BF41 (implicit on
  // a tagged CHOICE). The eUICC's signed form is A0 { 30 { 80 tid, 81 oid, 82 reason }, 5F37 }.
  const std::string full =
      tlv("BF41", tlv("80", kSmdpTid) +
                      tlv("A1", tlv("A0", tlv("30", tlv("80", kSmdpTid) + tlv("81", kSmdpOid) +
                                                        tlv("82", "01")) +
                                              tlv("5F37", kSig))));
  auto f =
      decode_exact<CancelSessionRequestEsipa_t>(asn_DEF_CancelSessionRequestEsipa, from_hex(full));
  CHECK(f->cancelSessionResponse.present == IotCancelSessionResponse_PR_cancelSessionResponseOk);
  from_ipa(full, EsipaMessageFromIpaToEim_PR_cancelSessionRequestEsipa);
  // Compact: A2 { 30 { 80 reason }, 5F37 }.
  const std::string compact =
      tlv("BF41", tlv("80", kSmdpTid) +
                      tlv("A1", tlv("A2", tlv("30", tlv("80", "01")) + tlv("5F37", kSig))));
  auto c = decode_exact<CancelSessionRequestEsipa_t>(asn_DEF_CancelSessionRequestEsipa,
                                                     from_hex(compact));
  REQUIRE(c->cancelSessionResponse.present ==
          IotCancelSessionResponse_PR_compactCancelSessionResponseOk);
  REQUIRE(c->cancelSessionResponse.choice.compactCancelSessionResponseOk
              .compactEuiccCancelSessionSigned.reason != nullptr);
  CHECK(*c->cancelSessionResponse.choice.compactCancelSessionResponseOk
             .compactEuiccCancelSessionSigned.reason == CancelSessionReason_postponed);
  from_ipa(compact, EsipaMessageFromIpaToEim_PR_cancelSessionRequestEsipa);
  from_ipa(tlv("BF41", tlv("80", kSmdpTid) + tlv("A1", "810105")),
           EsipaMessageFromIpaToEim_PR_cancelSessionRequestEsipa);

  auto ok = decode_exact<CancelSessionResponseEsipa_t>(asn_DEF_CancelSessionResponseEsipa,
                                                       from_hex("BF4102A000"));
  CHECK(ok->present == CancelSessionResponseEsipa_PR_cancelSessionOk);
  from_eim("BF4102A000", EsipaMessageFromEimToIpa_PR_cancelSessionResponseEsipa);
  from_eim("BF4103810102", EsipaMessageFromEimToIpa_PR_cancelSessionResponseEsipa);
}

TEST_CASE("ESipa TransferEimPackage: BF4E request and response alternatives") {
  auto ack = decode_exact<TransferEimPackageRequest_t>(asn_DEF_TransferEimPackageRequest,
                                                       from_hex("BF4E07BF5304800201F4"));
  REQUIRE(ack->present == TransferEimPackageRequest_PR_eimAcknowledgements);
  CHECK(*ack->choice.eimAcknowledgements.list.array[0] == 500);
  from_eim("BF4E07BF5304800201F4", EsipaMessageFromEimToIpa_PR_transferEimPackageRequest);
  from_eim(tlv("BF4E", psmo_package(tlv("A6", ""))),
           EsipaMessageFromEimToIpa_PR_transferEimPackageRequest);

  auto received = decode_exact<TransferEimPackageResponse_t>(asn_DEF_TransferEimPackageResponse,
                                                             from_hex("BF4E020500"));
  CHECK(received->present == TransferEimPackageResponse_PR_eimPackageReceived);
  from_ipa("BF4E020500", EsipaMessageFromIpaToEim_PR_transferEimPackageResponse);
  from_ipa("BF4E03020102", EsipaMessageFromIpaToEim_PR_transferEimPackageResponse);
  from_ipa(tlv("BF4E", tlv("30", tlv("BF51", tlv("A2", tlv("80", utf8(kEimId)))) + "A000")),
           EsipaMessageFromIpaToEim_PR_transferEimPackageResponse);
}

TEST_CASE("ESipa messages that are not of their direction or are cut short do not decode") {
  std::size_t consumed = 0;
  // A GetEimPackageResponse is not a message from the IPA (its CHOICE has no such content).
  CHECK_THROWS_AS(
      asn1::decode(asn_DEF_EsipaMessageFromIpaToEim, from_hex("BF4F03020101"), consumed),
      asn1::DecodeError);
  // HandleNotification has no answer, so no eIM message carries BF3D.
  CHECK_THROWS_AS(asn1::decode(asn_DEF_EsipaMessageFromEimToIpa,
                               from_hex(tlv("BF3D", tlv("A0", installation_result()))), consumed),
                  asn1::DecodeError);
  // Truncated: the length says more than there is.
  CHECK_THROWS_AS(asn1::decode(asn_DEF_EsipaMessageFromEimToIpa, from_hex("BF4F030201"), consumed),
                  asn1::DecodeError);
}
