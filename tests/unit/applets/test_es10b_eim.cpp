// The "iot" personality (SGP.32 v1.2) and its first ES10b functions: GetEUICCInfo2 in the IoT
// form, the E1 template of the ISD-R SELECT response, AddInitialEim (BF57),
// GetEimConfigurationData (BF55) and GetCerts (BF56). Requests are sent as an IPA sends them
// (STORE DATA, GET RESPONSE); every answer is decoded with our SGP.32 module and re-encoded
// byte for byte; every error leaves the card state as it was.
#include "../support/es10_card.hpp"
#include "../support/hex_der.hpp"

#include "euiccsim/applets/isdr/es10.hpp"
#include "euiccsim/applets/rsp_asn1.hpp"
#include "euiccsim/crypto/certificate.hpp"
#include "euiccsim/crypto/tlv.hpp"

#include <AddInitialEimOkEntry.h>
#include <AddInitialEimResponse.h>
#include <Certificate.h>
#include <EUICCInfo2.h>
#include <EimConfigurationData.h>
#include <EimPublicKeyData.h>
#include <GetCertsResponse.h>
#include <GetEimConfigurationDataResponse.h>
#include <IoTSpecificInfo.h>
#include <IotEUICCInfo2.h>
#include <SubjectPublicKeyInfo.h>
#include <TrustedPublicKeyDataTls.h>

#include <cstdio>
#include <string>
#include <string_view>

using namespace euiccsim;
using euiccsim::test::decode_exact;

namespace {

using test::len;
using test::repeat;
using test::utf8;
constexpr auto der = &test::hex_tlv;

// SubjectPublicKeyInfo content (after its '30'): id-ecPublicKey, prime256v1, a point.
const std::string kSpkiContent =
    der("30", der("06", "2A8648CE3D0201") + der("06", "2A8648CE3D030107")) +
    der("03", "0004" + repeat("11", 32) + repeat("22", 32));
const std::string kSpki = der("30", kSpkiContent);

// An EimConfigurationData with the mandatory fields. Components go in tag order (an
// extensible SEQUENCE skips a known tag met out of order): `before` holds 81/82, `token` the
// 84 value, `after` whatever follows A5 (A6, 87, 88, 89).
std::string eim(const std::string& id, const std::string& counter_hex = "00",
                const std::string& after = "", const std::string& before = "",
                const std::string& token = "") {
  return der("30", der("80", utf8(id)) + before + der("83", counter_hex) +
                       (token.empty() ? "" : der("84", token)) +
                       der("A5", der("A0", kSpkiContent)) + after);
}
Bytes add_request(const std::string& entries) {
  return from_hex(der("BF57", der("A0", entries)));
}

// AddInitialEim's answer, decoded.
asn1::Value<AddInitialEimResponse_t> add(CardSimulator& card, const Bytes& request) {
  return decode_exact<AddInitialEimResponse_t>(asn_DEF_AddInitialEimResponse,
                                               card.es10(request, 0, 120));
}
// Its error code; the card state must not have changed.
long add_error(CardSimulator& card, const Bytes& request) {
  const CardState before = card.card().state();
  auto rsp = add(card, request);
  CHECK(card.card().state() == before);
  REQUIRE(rsp->present == AddInitialEimResponse_PR_addInitialEimError);
  return rsp->choice.addInitialEimError;
}

std::uint16_t store_data_sw(CardSimulator& card, const std::string& request_hex) {
  const std::string apdu = "80E29100" + len(request_hex.size() / 2) + request_hex + "00";
  return card.transmit(apdu).sw;
}

const ProfileMetadata kNoMetadata{};

}  // namespace

TEST_CASE("an iot card answers GetEUICCInfo2 in the IoT form: ipaMode 90, iotSpecificInfo B4") {
  auto state = test::es10_iot_state();
  const Bytes ski = crypto::subject_key_identifier(state.identity.ci_certificates.at(0));
  auto card = test::es10_card(std::move(state));
  const Bytes r = card.es10(from_hex("BF2200"));
  auto info = decode_exact<IotEUICCInfo2_t>(asn_DEF_IotEUICCInfo2, r);
  CHECK(to_hex(asn1::bytes_of(info->svn)) == "020500");
  CHECK(to_hex(asn1::bytes_of(info->profileVersion)) == "020301");
  REQUIRE(info->euiccCiPKIdListForSigning.list.count == 1);
  CHECK(asn1::bytes_of(*info->euiccCiPKIdListForSigning.list.array[0]) == ski);
  REQUIRE(info->ipaMode != nullptr);
  CHECK(*info->ipaMode == IpaMode_ipad);  // no IPAe on this card yet
  REQUIRE(info->iotSpecificInfo != nullptr);
  REQUIRE(info->iotSpecificInfo->iotVersion.list.count == 1);
  CHECK(to_hex(asn1::bytes_of(*info->iotSpecificInfo->iotVersion.list.array[0])) == "010200");
  CHECK(info->iotSpecificInfo->ecallSupported != nullptr);
  CHECK(info->iotSpecificInfo->fallbackSupported != nullptr);
  // It ends '90 01 00' 'B4 0B A0 05 04 03 01 02 00 81 00 82 00'.
  CHECK(to_hex(r).ends_with("900100B40BA005040301020081008200"));
  // An SGP.22 reader still understands it (the IoT fields are extensions to it).
  std::size_t consumed = 0;
  auto plain = asn1::decode_as<EUICCInfo2_t>(asn_DEF_EUICCInfo2, r, consumed);
  CHECK(consumed == r.size());
  CHECK(to_hex(asn1::bytes_of(plain->svn)) == "020500");
}

TEST_CASE("an SGP.22 card keeps SGP.22's EUICCInfo2, with no IoT fields") {
  auto card = test::es10_card(test::es10_state({}));
  const Bytes r = card.es10(from_hex("BF2200"));
  auto info = decode_exact<IotEUICCInfo2_t>(asn_DEF_IotEUICCInfo2, r);
  CHECK(info->ipaMode == nullptr);
  CHECK(info->iotSpecificInfo == nullptr);
}

TEST_CASE("SELECT ISD-R on an iot card adds E1 { 80 euiccConfiguration } after E0") {
  auto fci_children = [](CardSimulator& card) {
    auto fci = card.select(aid::isd_r());
    auto top = tlv::read(fci);
    REQUIRE(top);
    auto kids = tlv::read_all(top->value);
    REQUIRE(kids);
    std::vector<std::string> out;
    for (const auto& k : *kids) out.push_back(to_hex(k.bytes()));
    return out;
  };
  SECTION("no profile enabled: no bit set") {
    auto card = test::es10_card(test::es10_iot_state());
    auto kids = fci_children(card);
    REQUIRE(kids.size() == 4);
    CHECK(kids[2] == "E0058203020500");
    CHECK(kids[3] == "E103800100");
  }
  SECTION("a profile enabled: enabledProfile (bit 1)") {
    auto card = test::es10_card(test::es10_iot_state({{"8999900000000000001", true, kNoMetadata}}));
    auto kids = fci_children(card);
    REQUIRE(kids.size() == 4);
    CHECK(kids[3] == "E10480020640");
  }
  SECTION("a card made with an IPAe: ipaeSupported (bit 0), whatever the active IPA") {
    auto state = test::es10_iot_state();
    state.config.ipae = IpaeConfig{};
    auto card = test::es10_card(state);
    auto kids = fci_children(card);
    REQUIRE(kids.size() == 4);
    CHECK(kids[3] == "E10480020780");
    auto enabled = test::es10_iot_state({{"8999900000000000001", true, kNoMetadata}});
    enabled.config.ipae = IpaeConfig{};
    auto card2 = test::es10_card(enabled);
    CHECK(fci_children(card2)[3] == "E104800206C0");
  }
  SECTION("an SGP.22 card has no E1") {
    auto card = test::es10_card(test::es10_state({}));
    auto kids = fci_children(card);
    CHECK(kids.size() == 3);
  }
}

TEST_CASE("an SGP.22 card answers the SGP.32 functions as unknown (6A88), an iot card does not") {
  auto sgp22 = test::es10_card(test::es10_state({}));
  for (const std::string req : {"BF5500", "BF5600", "BF5702A000"}) {
    INFO(req);
    CHECK(store_data_sw(sgp22, req) == 0x6A88);
  }
  auto iot = test::es10_card(test::es10_iot_state());
  CHECK(store_data_sw(iot, "BF5500") == 0x9000);
  CHECK(store_data_sw(iot, "BF5600") != 0x6A88);
  CHECK(store_data_sw(iot, "BF7F00") == 0x6A88);  // still no such function
}

TEST_CASE("AddInitialEim stores the eIMs, gives tokens when asked, and persists") {
  std::vector<CardState> saved;
  CardSimulator::Options o;
  o.seed = 7;
  o.state = test::es10_iot_state();
  o.persist = [&](const CardState& s) { saved.push_back(s); };
  CardSimulator card(std::move(o));
  card.select(aid::isd_r());
  const std::string cert = to_hex(card.card().state().identity.eum_certificate);
  const Bytes ci_pkid =
      crypto::subject_key_identifier(card.card().state().identity.ci_certificates.at(0));

  // The certificate's own '30' is replaced by A1: its length bytes follow as they were.
  const std::string cert_choice = "A1" + cert.substr(2);
  const std::string eim1 =
      der("30", der("80", utf8("eim-1")) + der("83", "05") + der("84", "FF") +
                    der("A5", der("A0", kSpkiContent)) + der("A6", cert_choice) +
                    der("87", "0520") + der("88", to_hex(ci_pkid)) + der("89", ""));
  const std::string eim2 =
      der("30", der("80", utf8("eim-2")) + der("81", utf8("eim2.example.com")) + der("82", "02") +
                    der("83", "00") + der("A5", cert_choice));

  auto rsp = add(card, add_request(eim1 + eim2));
  REQUIRE(rsp->present == AddInitialEimResponse_PR_addInitialEimOk);
  const auto& entries = rsp->choice.addInitialEimOk.list;
  REQUIRE(entries.count == 2);
  CHECK(entries.array[0]->present == AddInitialEimOkEntry_PR_associationToken);
  CHECK(entries.array[0]->choice.associationToken == 1);
  CHECK(entries.array[1]->present == AddInitialEimOkEntry_PR_addOk);

  const auto& state = card.card().state();
  REQUIRE(state.eims.size() == 2);
  CHECK(state.last_association_token == 1);
  const EimConfig& e1 = state.eims[0];
  CHECK(e1.eim_id == "eim-1");
  CHECK(e1.counter_value == 5);
  CHECK(e1.association_token == std::optional<std::uint64_t>(1));
  REQUIRE(e1.public_key);
  CHECK(e1.public_key->kind == EimKeyData::Kind::kPublicKey);
  CHECK(to_hex(e1.public_key->der) == kSpki);
  REQUIRE(e1.tls_key);
  CHECK(e1.tls_key->kind == EimKeyData::Kind::kCertificate);
  CHECK(to_hex(e1.tls_key->der) == cert);
  CHECK(e1.supported_protocols == std::optional<std::uint32_t>(1u << 2));  // eimInjectHttps
  CHECK(e1.euicc_ci_pkid == ci_pkid);
  CHECK(e1.indirect_profile_download);
  CHECK_FALSE(e1.fqdn);
  const EimConfig& e2 = state.eims[1];
  CHECK(e2.fqdn == std::optional<std::string>("eim2.example.com"));
  CHECK(e2.id_type == std::optional<std::uint8_t>(kEimIdTypeFqdn));
  CHECK_FALSE(e2.association_token);
  CHECK(e2.public_key->kind == EimKeyData::Kind::kCertificate);
  CHECK_FALSE(e2.indirect_profile_download);
  // The change reached the image before the answer left the card.
  REQUIRE(!saved.empty());
  CHECK(saved.back() == state);

  SECTION("GetEimConfigurationData: all eIMs, the fields as given, the key choice kept") {
    const Bytes r = card.es10(from_hex("BF5500"));
    auto all =
        decode_exact<GetEimConfigurationDataResponse_t>(asn_DEF_GetEimConfigurationDataResponse, r);
    REQUIRE(all->eimConfigurationDataList.list.count == 2);
    // Entry by entry the same bytes the eIMs were added with.
    // The token the card gave replaces the -1 that asked for it.
    std::string expected = der("BF55", der("A0", eim1 + eim2));
    expected.replace(expected.find("8401FF"), 6, "840101");
    CHECK(to_hex(r) == expected);
    const auto& d = *all->eimConfigurationDataList.list.array[0];
    REQUIRE(d.associationToken != nullptr);
    CHECK(*d.associationToken == 1);
    REQUIRE(d.eimPublicKeyData != nullptr);
    CHECK(d.eimPublicKeyData->present == EimPublicKeyData_PR_eimPublicKey);
    REQUIRE(d.trustedPublicKeyDataTls != nullptr);
    CHECK(d.trustedPublicKeyDataTls->present == TrustedPublicKeyDataTls_PR_trustedCertificateTls);
    CHECK(d.indirectProfileDownload != nullptr);
  }
  SECTION("GetEimConfigurationData: search by eimId, and an unknown eimId gives an empty list") {
    auto one = decode_exact<GetEimConfigurationDataResponse_t>(
        asn_DEF_GetEimConfigurationDataResponse,
        card.es10(from_hex(der("BF55", der("A0", der("80", utf8("eim-2")))))));
    REQUIRE(one->eimConfigurationDataList.list.count == 1);
    CHECK(asn1::string_of(one->eimConfigurationDataList.list.array[0]->eimId) == "eim-2");
    const Bytes none = card.es10(from_hex(der("BF55", der("A0", der("80", utf8("eim-9"))))));
    CHECK(to_hex(none) == "BF5502A000");
  }
  SECTION("a second AddInitialEim: associatedEimAlreadyExists, nothing changed") {
    const auto count = saved.size();
    CHECK(add_error(card, add_request(eim("eim-3"))) ==
          AddInitialEimResponse__addInitialEimError_associatedEimAlreadyExists);
    CHECK(saved.size() == count);
  }
}

TEST_CASE("AddInitialEim: every error code, the card unchanged") {
  auto card = test::es10_card(test::es10_iot_state());
  SECTION("undefinedError(127): not an AddInitialEimRequest") {
    CHECK(add_error(card, from_hex("BF5703A00130")) ==
          AddInitialEimResponse__addInitialEimError_undefinedError);
  }
  SECTION("commandError(7)") {
    const std::string no_counter =
        der("30", der("80", utf8("eim-1")) + der("A5", der("A0", kSpkiContent)));
    const std::string no_key = der("30", der("80", utf8("eim-1")) + der("83", "00"));
    for (const auto& entries : {std::string(), no_counter, no_key, eim("a") + eim("a"),
                                eim("eim-1", "00", "", der("82", "04"))}) {
      INFO(entries);
      CHECK(add_error(card, add_request(entries)) ==
            AddInitialEimResponse__addInitialEimError_commandError);
    }
  }
  SECTION("insufficientMemory(1): more eIMs than the card holds") {
    std::string entries;
    for (std::size_t i = 0; i <= kMaxEims; ++i) entries += eim("eim-" + std::to_string(i));
    CHECK(add_error(card, add_request(entries)) ==
          AddInitialEimResponse__addInitialEimError_insufficientMemory);
    // As many as it holds are accepted.
    entries.clear();
    for (std::size_t i = 0; i < kMaxEims; ++i) entries += eim("eim-" + std::to_string(i));
    auto ok = add(card, add_request(entries));
    CHECK(ok->present == AddInitialEimResponse_PR_addInitialEimOk);
    CHECK(card.card().state().eims.size() == kMaxEims);
  }
  SECTION("counterValueOutOfRange(6): negative, or beyond the card's bound") {
    for (const std::string counter : {"FF", "0080000000"}) {
      INFO(counter);
      CHECK(add_error(card, add_request(eim("eim-1", counter))) ==
            AddInitialEimResponse__addInitialEimError_counterValueOutOfRange);
    }
    auto ok = add(card, add_request(eim("eim-1", "7FFFFFFF")));
    REQUIRE(ok->present == AddInitialEimResponse_PR_addInitialEimOk);
    CHECK(card.card().state().eims.at(0).counter_value == 0x7FFFFFFF);
  }
  SECTION("invalidAssociationToken(5): a token value other than -1") {
    for (const std::string token : {"00", "05", "FE"}) {
      INFO(token);
      CHECK(add_error(card, add_request(eim("eim-1", "00", "", "", token))) ==
            AddInitialEimResponse__addInitialEimError_invalidAssociationToken);
    }
  }
  SECTION("ciPKUnknown(3): a CI the card's chain is not certified by") {
    CHECK(add_error(card, add_request(eim("eim-1", "00", der("88", repeat("C3", 20))))) ==
          AddInitialEimResponse__addInitialEimError_ciPKUnknown);
  }
  SECTION("an error in the second entry stores not even the first") {
    CHECK(add_error(card, add_request(eim("eim-1") + eim("eim-2", "FF"))) ==
          AddInitialEimResponse__addInitialEimError_counterValueOutOfRange);
    CHECK(card.card().state().eims.empty());
    CHECK(card.card().state().last_association_token == 0);
  }
}

TEST_CASE("GetEimConfigurationData with no eIM, and a malformed request") {
  auto card = test::es10_card(test::es10_iot_state());
  CHECK(to_hex(card.es10(from_hex("BF5500"))) == "BF5502A000");
  // No error alternative exists: a request that does not decode is 6A80.
  CHECK(store_data_sw(card, "BF5503A00130") == 0x6A80);
}

TEST_CASE("GetCerts: the EUM and eUICC certificates for the card's CI, invalidCiPKId otherwise") {
  auto state = test::es10_iot_state();
  const Bytes ski = crypto::subject_key_identifier(state.identity.ci_certificates.at(0));
  const std::string eum = to_hex(state.identity.eum_certificate);
  const std::string euicc = to_hex(state.identity.euicc_certificate);
  auto card = test::es10_card(std::move(state));
  const std::string expected =
      der("BF56", der("A0", "A5" + eum.substr(2) + "A6" + euicc.substr(2)));

  for (const std::string& request : {std::string("BF5600"), der("BF56", der("80", to_hex(ski)))}) {
    INFO(request);
    const Bytes r = card.es10(from_hex(request), 0, 120);
    CHECK(to_hex(r) == expected);
    auto rsp = decode_exact<GetCertsResponse_t>(asn_DEF_GetCertsResponse, r);
    REQUIRE(rsp->present == GetCertsResponse_PR_certs);
    CHECK(to_hex(asn1::encode(asn_DEF_Certificate, &rsp->choice.certs.eumCertificate)) == eum);
    CHECK(to_hex(asn1::encode(asn_DEF_Certificate, &rsp->choice.certs.euiccCertificate)) == euicc);
  }

  auto unknown = decode_exact<GetCertsResponse_t>(
      asn_DEF_GetCertsResponse, card.es10(from_hex(der("BF56", der("80", repeat("C3", 20))))));
  REQUIRE(unknown->present == GetCertsResponse_PR_getCertsError);
  CHECK(unknown->choice.getCertsError == GetCertsResponse__getCertsError_invalidCiPKId);
  CHECK(to_hex(card.es10(from_hex(der("BF56", der("80", repeat("C3", 20)))))) == "BF5603810101");

  auto malformed = decode_exact<GetCertsResponse_t>(asn_DEF_GetCertsResponse,
                                                    card.es10(from_hex("BF5603800230")));
  REQUIRE(malformed->present == GetCertsResponse_PR_getCertsError);
  CHECK(malformed->choice.getCertsError == GetCertsResponse__getCertsError_undefinedError);
}

TEST_CASE("GetCerts on a card without an identity is undefinedError") {
  CardState state(*Eid::parse("89049032123451234512345678901235"));
  state.config.personality = personality::kIot;
  auto card = test::es10_card(std::move(state));
  CHECK(to_hex(card.es10(from_hex("BF5600"))) == "BF560381017F");
}
