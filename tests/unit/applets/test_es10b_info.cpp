// ES10b functions outside notifications and download (SGP.22 v2.5 §5.7.7 GetEUICCChallenge,
// §5.7.8 GetEUICCInfo1/2, §5.7.14 CancelSession, §5.7.22 GetRAT), sent as an LPA sends them;
// every answer decoded with our ASN.1 module and re-encoded byte for byte.
#include "../support/es10_card.hpp"

#include "euiccsim/applets/isdr/es10.hpp"
#include "euiccsim/applets/rsp_asn1.hpp"
#include "euiccsim/crypto/certificate.hpp"
#include "euiccsim/crypto/tlv.hpp"

#include <CancelSessionResponse.h>
#include <EUICCInfo1.h>
#include <EUICCInfo2.h>
#include <GetEuiccChallengeResponse.h>
#include <GetRatResponse.h>
#include <OperatorId.h>
#include <ProfilePolicyAuthorisationRule.h>

using namespace euiccsim;
using euiccsim::test::decode_exact;

namespace {

template <class List>
std::vector<std::string> hex_list(const List& list) {
  std::vector<std::string> out;
  for (int i = 0; i < list.count; ++i) out.push_back(to_hex(asn1::bytes_of(*list.array[i])));
  return out;
}

std::string hex(ByteView b) {
  return to_hex(b);
}

const ProfileMetadata kNoMetadata{};

}  // namespace

TEST_CASE("GetEUICCInfo1: SVN and the CI PKIDs, which are the CI certificates' SKIs") {
  auto state = test::es10_state({});
  const Bytes ski = crypto::subject_key_identifier(state.identity.ci_certificates.at(0));
  REQUIRE(ski.size() == 20);
  // The card signs with a chain certified by that same CI.
  REQUIRE(crypto::authority_key_identifier(state.identity.eum_certificate) == ski);
  auto card = test::es10_card(std::move(state));

  for (std::size_t block : {std::size_t{120}, std::size_t{255}}) {
    auto r = card.es10(from_hex("BF2000"), 0, block);
    // BF20 { 82 svn, A9 { 04 SKI }, AA { 04 SKI } }
    CHECK(hex(r) == "BF20358203020500A9160414" + hex(ski) + "AA160414" + hex(ski));
    auto info = decode_exact<EUICCInfo1_t>(asn_DEF_EUICCInfo1, r);
    CHECK(hex(asn1::bytes_of(info->svn)) == "020500");
    CHECK(hex_list(info->euiccCiPKIdListForVerification.list) ==
          std::vector<std::string>{hex(ski)});
    CHECK(hex_list(info->euiccCiPKIdListForSigning.list) == std::vector<std::string>{hex(ski)});
  }
}

TEST_CASE("GetEUICCInfo1 with two trusted CIs lists both for verification, one for signing") {
  auto state = test::es10_state({});
  auto drbg = crypto::Drbg::from_seed(99, "second CI");
  state.identity.ci_certificates.push_back(sim::make_test_issuer(drbg).ci.certificate);
  state.config.svn = Version{2, 4, 1};
  const Bytes ski1 = crypto::subject_key_identifier(state.identity.ci_certificates[0]);
  const Bytes ski2 = crypto::subject_key_identifier(state.identity.ci_certificates[1]);
  REQUIRE(ski1 != ski2);
  auto card = test::es10_card(std::move(state));
  auto info = decode_exact<EUICCInfo1_t>(asn_DEF_EUICCInfo1, card.es10(from_hex("BF2000")));
  CHECK(hex(asn1::bytes_of(info->svn)) == "020401");
  CHECK(hex_list(info->euiccCiPKIdListForVerification.list) ==
        std::vector<std::string>{hex(ski1), hex(ski2)});
  CHECK(hex_list(info->euiccCiPKIdListForSigning.list) == std::vector<std::string>{hex(ski1)});
}

TEST_CASE("GetEUICCInfo2 of the default personality, byte for byte") {
  auto state = test::es10_state({});
  const Bytes ski = crypto::subject_key_identifier(state.identity.ci_certificates.at(0));
  auto card = test::es10_card(std::move(state));
  auto r = card.es10(from_hex("BF2200"));
  // clang-format off
  const std::string expected = std::string("BF226C") +
      "8103020301" +                              // profileVersion 2.3.1
      "8203020500" +                              // svn 2.5.0
      "8303000100" +                              // euiccFirmwareVer 0.1.0
      "840D" + "810100" + "820400200000" + "83024000" +  // 0 apps, 2 MiB NVM, 16 KiB RAM
      "8504037B82D8" +                            // uiccCapability, DER-minimal (bits 1..20)
      "8603090200" +                              // ts102241Version 9.2.0
      "8703020301" +                              // globalplatformVersion 2.3.1
      "88020490" +                                // rspCapability: additionalProfile, test
      "A9160414" + hex(ski) +                     // CI PKIDs for verification
      "AA160414" + hex(ski) +                     // and for signing
      "8B0101" +                                  // euiccCategory basicEuicc
      "0403000000" +                              // ppVersion (universal tag 04)
      "0C00";                                     // sasAcreditationNumber (universal tag 0C)
  // clang-format on
  CHECK(hex(r) == expected);

  auto info = decode_exact<EUICCInfo2_t>(asn_DEF_EUICCInfo2, r);
  const CardConfig config;
  CHECK(hex(asn1::bytes_of(info->profileVersion)) == "020301");
  CHECK(hex(asn1::bytes_of(info->svn)) == "020500");
  CHECK(hex(asn1::bytes_of(info->euiccFirmwareVer)) == "000100");
  CHECK(asn1::bits_of(info->uiccCapability) == config.uicc_capability);
  CHECK(asn1::bits_of(info->rspCapability) == config.rsp_capability);
  REQUIRE(info->ts102241Version != nullptr);
  REQUIRE(info->globalplatformVersion != nullptr);
  REQUIRE(info->euiccCategory != nullptr);
  CHECK(*info->euiccCategory == 1);
  CHECK(info->forbiddenProfilePolicyRules == nullptr);
  CHECK(info->certificationDataObject == nullptr);
  CHECK(info->treProperties == nullptr);
  CHECK(info->additionalEuiccProfilePackageVersions == nullptr);
  CHECK(hex_list(info->euiccCiPKIdListForVerification.list) == std::vector<std::string>{hex(ski)});
}

TEST_CASE("GetEUICCInfo2 follows the personality: optional fields, widths, installed profiles") {
  auto state = test::es10_state(
      {{"8999900000000000001", true, kNoMetadata}, {"8999900000000000002", false, kNoMetadata}});
  auto& config = state.config;
  config.profile_version = Version{3, 3, 1};
  config.firmware_version = Version{1, 2, 3};
  config.ts102241_version.reset();
  config.globalplatform_version.reset();
  config.euicc_category.reset();
  config.forbidden_pprs = kPpr1 | kPpr2;
  config.pp_version = Version{1, 0, 0};
  config.sas_accreditation_number = "GI-BA-UP-0419";
  config.uicc_capability = 1u << 31;    // iotminimal alone: all four bytes, no unused bit
  config.rsp_capability = 0x3F;         // every v2.5 bit: additionalProfile..serviceSpecificData
  config.memory_capacity = 5ull << 30;  // more than four bytes can say
  config.volatile_memory = 100000;      // more than two bytes can say
  std::uint64_t applications = 0;
  for (const auto& slot : state.profiles) {
    applications += slot.profile.applets.size() + slot.profile.naas.size();
  }
  REQUIRE(applications > 0);
  REQUIRE(applications < 128);
  const std::uint64_t free_memory = state.free_memory();
  REQUIRE(free_memory < (5ull << 30));
  REQUIRE(free_memory > 0xFFFFFFFFull);
  auto card = test::es10_card(std::move(state));

  for (std::size_t block : {std::size_t{120}, std::size_t{255}}) {
    auto r = card.es10(from_hex("BF2200"), 0, block);
    auto info = decode_exact<EUICCInfo2_t>(asn_DEF_EUICCInfo2, r);
    CHECK(hex(asn1::bytes_of(info->profileVersion)) == "030301");
    CHECK(hex(asn1::bytes_of(info->euiccFirmwareVer)) == "010203");
    CHECK(info->ts102241Version == nullptr);
    CHECK(info->globalplatformVersion == nullptr);
    CHECK(info->euiccCategory == nullptr);
    REQUIRE(info->forbiddenProfilePolicyRules != nullptr);
    CHECK(asn1::bits_of(*info->forbiddenProfilePolicyRules) == (kPpr1 | kPpr2));
    CHECK(hex(asn1::bytes_of(info->ppVersion)) == "010000");
    CHECK(asn1::string_of(info->sasAcreditationNumber) == "GI-BA-UP-0419");
    CHECK(asn1::bits_of(info->uiccCapability) == (1u << 31));
    CHECK(asn1::bits_of(info->rspCapability) == 0x3Fu);

    // The DER of the BIT STRINGs and of the fields around them, as the wire shows them.
    const std::string h = hex(r);
    CHECK(h.find("85050000000001") != std::string::npos);
    CHECK(h.find("880202FC") != std::string::npos);
    CHECK(h.find("99020560") != std::string::npos);
    CHECK(h.find("04030100000C0D" + hex(Bytes{'G', 'I', '-'})) != std::string::npos);

    // extCardResource: 81 count, 82 free NVM (eight bytes here), 83 free RAM (four here).
    const Bytes ext_bytes = asn1::bytes_of(info->extCardResource);
    auto ext = tlv::read_all(ext_bytes);
    REQUIRE(ext);
    REQUIRE(ext->size() == 3);
    CHECK((*ext)[0].tag == 0x81);
    CHECK(tlv::decode_uint((*ext)[0].value) == applications);
    CHECK((*ext)[1].tag == 0x82);
    CHECK((*ext)[1].value.size() == 8);
    CHECK(tlv::decode_uint((*ext)[1].value) == free_memory);
    CHECK((*ext)[2].tag == 0x83);
    CHECK(hex((*ext)[2].value) == "000186A0");
  }
}

TEST_CASE("GetEUICCInfo1/2 and GetRAT have no error code: malformed requests answer 6A80") {
  auto card = test::es10_card(test::es10_state({}));
  for (const char* apdu : {"80E2910006BF2003800100", "80E2910004BF200280", "80E2910006BF2203800100",
                           "80E2910004BF220130", "80E2910006BF4303800100", "80E2910005BF43028000",
                           "80E2910006BF2E03800100", "80E2910004BF2E0280"}) {
    INFO(apdu);
    CHECK(card.transmit(apdu).sw == 0x6A80);
  }
  CHECK(hex(card.es10(from_hex("BF2000"))).substr(0, 16) == "BF20358203020500");
}

TEST_CASE("GetEUICCChallenge: 16 fresh bytes from the card's DRBG each time") {
  auto card = test::es10_card(test::es10_state({}), 11);
  auto r1 = card.es10(from_hex("BF2E00"));
  auto r2 = card.es10(from_hex("BF2E00"), 0, 255);
  REQUIRE(r1.size() == 21);
  CHECK(hex(r1).substr(0, 10) == "BF2E128010");
  auto c1 = decode_exact<GetEuiccChallengeResponse_t>(asn_DEF_GetEuiccChallengeResponse, r1);
  auto c2 = decode_exact<GetEuiccChallengeResponse_t>(asn_DEF_GetEuiccChallengeResponse, r2);
  CHECK(c1->euiccChallenge.size == 16);
  CHECK(asn1::bytes_of(c1->euiccChallenge) != asn1::bytes_of(c2->euiccChallenge));
  CHECK(asn1::bytes_of(c1->euiccChallenge) != Bytes(16, 0));

  // The same seed gives the same challenge (replayable traces), another seed another one.
  auto same = test::es10_card(test::es10_state({}), 11);
  CHECK(same.es10(from_hex("BF2E00")) == r1);
  auto other = test::es10_card(test::es10_state({}), 12);
  CHECK(other.es10(from_hex("BF2E00")) != r1);
}

TEST_CASE("GetEUICCChallenge remembers the challenge in the volatile session only") {
  auto state = test::es10_state({});
  auto drbg = crypto::Drbg::from_seed(5, "challenge");
  applets::AppletContext ctx(state, drbg, 0);
  applets::isdr::Session session;
  applets::isdr::Es10Call call{ctx, session};

  auto r = applets::es10b::get_euicc_challenge(call, from_hex("BF2E00"));
  REQUIRE(r.sw == 0x9000);
  REQUIRE(session.euicc_challenge);
  CHECK(hex(r.data) == "BF2E128010" + hex(*session.euicc_challenge));
  // Nothing for the card image: a challenge does not survive a reset.
  CHECK_FALSE(ctx.state_changed());

  // A new challenge replaces the old; a request the card cannot read leaves it.
  auto first = *session.euicc_challenge;
  applets::es10b::get_euicc_challenge(call, from_hex("BF2E00"));
  CHECK(*session.euicc_challenge != first);
  auto second = *session.euicc_challenge;
  CHECK(applets::es10b::get_euicc_challenge(call, from_hex("BF2E03800100")).sw == 0x6A80);
  CHECK(*session.euicc_challenge == second);
}

TEST_CASE("GetRAT of a card without rules is the empty table") {
  auto card = test::es10_card(test::es10_state({}));
  auto r = card.es10(from_hex("BF4300"));
  CHECK(hex(r) == "BF4302A000");
  auto rat = decode_exact<GetRatResponse_t>(asn_DEF_GetRatResponse, r);
  CHECK(rat->rat.list.count == 0);
}

TEST_CASE("GetRAT lists every rule with its operators and flags") {
  auto state = test::es10_state({});
  RatRule r1;
  r1.ppr_ids = kPpr1;
  r1.allowed_operators = {euiccsim::OperatorId{from_hex("00F110"), from_hex("AB"), std::nullopt},
                          euiccsim::OperatorId{from_hex("EEEEEE"), std::nullopt, std::nullopt}};
  r1.consent_required = true;
  RatRule r2;
  r2.ppr_ids = kPpr2 | kPprUpdateControl;
  r2.allowed_operators = {euiccsim::OperatorId{from_hex("130041"), std::nullopt, from_hex("0102")}};
  state.config.rat = {r1, r2};
  auto card = test::es10_card(std::move(state));

  auto r = card.es10(from_hex("BF4300"));
  // clang-format off
  const std::string rule1 = std::string("301B") +
      "80020640" +                                            // pprIds: ppr1
      "A111" + "3008800300F1108101AB" + "30058003EEEEEE" +    // allowedOperators
      "82020780";                                             // pprFlags: consentRequired
  const std::string rule2 = std::string("3014") +
      "800205A0" +                                            // pprIds: pprUpdateControl, ppr2
      "A10B" + "3009800313004182020102" +                     // one operator, with gid2
      "820100";                                               // pprFlags: none
  // clang-format on
  CHECK(hex(r) == "BF4335A033" + rule1 + rule2);

  auto rat = decode_exact<GetRatResponse_t>(asn_DEF_GetRatResponse, r);
  REQUIRE(rat->rat.list.count == 2);
  const auto& a = *rat->rat.list.array[0];
  CHECK(asn1::bits_of(a.pprIds) == kPpr1);
  CHECK(asn1::bits_of(a.pprFlags) == 1u);
  REQUIRE(a.allowedOperators.list.count == 2);
  CHECK(hex(asn1::bytes_of(a.allowedOperators.list.array[0]->mccMnc)) == "00F110");
  REQUIRE(a.allowedOperators.list.array[0]->gid1 != nullptr);
  CHECK(hex(asn1::bytes_of(*a.allowedOperators.list.array[0]->gid1)) == "AB");
  CHECK(a.allowedOperators.list.array[1]->gid1 == nullptr);
  const auto& b = *rat->rat.list.array[1];
  CHECK(asn1::bits_of(b.pprIds) == (kPpr2 | kPprUpdateControl));
  CHECK(asn1::bits_of(b.pprFlags) == 0u);
  REQUIRE(b.allowedOperators.list.array[0]->gid2 != nullptr);
  CHECK(hex(asn1::bytes_of(*b.allowedOperators.list.array[0]->gid2)) == "0102");
}

TEST_CASE("CancelSession without a download session: invalidTransactionId, or undefinedError") {
  auto card = test::es10_card(test::es10_state({}));
  // lpac's layout: 80 transactionId, 81 reason.
  CHECK(hex(card.es10(from_hex("BF4109800401020304810100"))) == "BF4103810105");
  const Bytes sixteen = from_hex("BF411580100102030405060708091011121314151681017F");
  CHECK(hex(card.es10(sixteen, 0, 255)) == "BF4103810105");
  auto rsp = decode_exact<CancelSessionResponse_t>(asn_DEF_CancelSessionResponse,
                                                   card.es10(from_hex("BF4106800101810105")));
  REQUIRE(rsp->present == CancelSessionResponse_PR_cancelSessionResponseError);
  CHECK(rsp->choice.cancelSessionResponseError == 5);

  for (const char* malformed : {
           "BF4100",                                              // nothing
           "BF4103800101",                                        // no reason
           "BF4103810100",                                        // no transactionId
           "BF4106820101810100",                                  // wrong tag for transactionId
           "BF4106800501810100",                                  // transactionId TLV cut short
           "BF41058000810100",                                    // empty transactionId (1..16)
           "BF411680110102030405060708091011121314151617810100",  // 17-byte transactionId
       }) {
    const std::string h = malformed;
    INFO(h);
    auto r = card.es10(from_hex(h));
    CHECK(hex(r) == "BF410381017F");
    auto e = decode_exact<CancelSessionResponse_t>(asn_DEF_CancelSessionResponse, r);
    CHECK(e->choice.cancelSessionResponseError == 127);
  }
}

// CancelSession against a real download session: test_es10b_download.cpp.
