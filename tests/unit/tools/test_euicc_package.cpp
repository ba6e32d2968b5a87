// tools/eim/euicc_package: the eIM's EuiccPackageRequest (BF51), EimConfigurationData and
// the reading and verification of EuiccPackageResults. Expected bytes are written by hand
// (hex_der) from SGP32Definitions.asn, and signature inputs are put together here from those
// pieces, so neither side shares code with the builder.
#include <catch.hpp>

#include <algorithm>

#include "../support/hex_der.hpp"
#include "eim/euicc_package.hpp"
#include "euiccsim/applets/rsp_asn1.hpp"
#include "euiccsim/crypto/test_pki.hpp"
#include "euiccsim/crypto/tlv.hpp"

#include <Eco.h>
#include <EuiccPackageRequest.h>
#include <Psmo.h>

using namespace euiccsim;
using test::utf8;
constexpr auto der = &test::hex_tlv;

namespace {

const std::string kEid = "89049032123451234512345678901235";
const std::string kIccid = "89999000000000000007";
// EF.ICCID form of kIccid: nibbles swapped per byte.
const std::string kIccidBcd = "98990900000000000070";

crypto::PrivateKey test_key(std::uint64_t seed) {
  auto drbg = crypto::Drbg::from_seed(seed, "test_euicc_package");
  return crypto::PrivateKey::generate(crypto::Curve::kNistP256, drbg);
}

eim::PackageSpec spec_of(std::vector<std::string> texts, bool eco = false) {
  eim::PackageSpec s;
  s.eim_id = "eim-1";
  s.eid = kEid;
  s.counter_value = 1;
  for (const auto& t : texts) s.operations.push_back(eim::parse_operation(t, eco));
  return s;
}

struct Split {
  Bytes signed_part;  // the 30 TLV
  Bytes signature;    // the 5F37 value
};
Split split(const Bytes& request) {
  auto top = tlv::read(request);
  REQUIRE(top);
  REQUIRE(top->tag == 0xBF51);
  REQUIRE(top->size == request.size());
  auto parts = tlv::read_all(top->value);
  REQUIRE(parts);
  REQUIRE(parts->size() == 2);
  REQUIRE((*parts)[0].tag == 0x30);
  REQUIRE((*parts)[1].tag == 0x5F37);
  return {Bytes((*parts)[0].bytes().begin(), (*parts)[0].bytes().end()),
          Bytes((*parts)[1].value.begin(), (*parts)[1].value.end())};
}

std::string signed_hex(const std::string& package) {
  return der("30", der("80", utf8("eim-1")) + der("5A", kEid) + der("81", "01") + package);
}

Bytes cat(const Bytes& a, const std::string& hex) {
  Bytes out = a;
  Bytes b = from_hex(hex);
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

}  // namespace

TEST_CASE("the associationToken data object is 84 L minimal-two's-complement, 84 01 00 without") {
  CHECK(to_hex(eim::association_token_do(std::nullopt)) == "840100");
  CHECK(to_hex(eim::association_token_do(0x80)) == "84020080");
  CHECK(to_hex(eim::association_token_do(5)) == "840105");
  CHECK(to_hex(eim::association_token_do(0x7F)) == "84017F");
  CHECK(to_hex(eim::association_token_do(0x1234)) == "84021234");
  CHECK(to_hex(eim::association_token_do(-1)) == "8401FF");
}

TEST_CASE("an enable PSMO is A3 { 5A ICCID } and A3 { 5A, 05 00 } with rollback, byte for byte") {
  const auto key = test_key(1);
  const Bytes plain = eim::build_package(spec_of({"enable " + kIccid}), key, std::nullopt);
  const auto p = split(plain);
  CHECK(to_hex(p.signed_part) == signed_hex(der("A0", der("A3", der("5A", kIccidBcd)))));
  CHECK(p.signature.size() == 64);

  for (const char* form : {" rollback", " --rollback"}) {
    const Bytes rb = eim::build_package(spec_of({"enable " + kIccid + form}), key, std::nullopt);
    CHECK(to_hex(split(rb).signed_part) ==
          signed_hex(der("A0", der("A3", der("5A", kIccidBcd) + "0500"))));
  }
}

TEST_CASE("eimSignature covers DER(euiccPackageSigned) || the token data object") {
  const auto key = test_key(2);
  const auto pub = key.public_key();
  const std::string expected =
      signed_hex(der("A0", der("A4", der("5A", kIccidBcd)) + der("A6", "")));

  SECTION("without a token: 84 01 00") {
    const auto p =
        split(eim::build_package(spec_of({"disable " + kIccid, "get-rat"}), key, std::nullopt));
    REQUIRE(to_hex(p.signed_part) == expected);
    CHECK(pub.verify(from_hex(expected + "840100"), p.signature));
    CHECK_FALSE(pub.verify(from_hex(expected), p.signature));
    CHECK_FALSE(pub.verify(from_hex(expected + "840101"), p.signature));
  }
  SECTION("token 0x80: 84 02 00 80") {
    const auto p = split(eim::build_package(spec_of({"disable " + kIccid, "get-rat"}), key, 0x80));
    CHECK(pub.verify(from_hex(expected + "84020080"), p.signature));
    CHECK_FALSE(pub.verify(from_hex(expected + "840180"), p.signature));
    CHECK_FALSE(pub.verify(from_hex(expected + "840100"), p.signature));
  }
  SECTION("another key does not verify it") {
    const auto p = split(eim::build_package(spec_of({"get-rat"}), key, std::nullopt));
    CHECK_FALSE(test_key(3).public_key().verify(cat(p.signed_part, "840100"), p.signature));
  }
}

TEST_CASE("every PSMO kind decodes back with asn1c to the fields given") {
  auto s =
      spec_of({"enable " + kIccid + " rollback", "disable " + kIccid, "delete " + kIccid,
               "list-profile-info", "list-profile-info iccid=" + kIccid + " tags=5A9F70", "get-rat",
               "configure-immediate-enable --flag --smdp-oid 2.999.10 "
               "smdp-address=smdp.example.com",
               "set-fallback-attribute " + kIccid, "unset-fallback-attribute",
               "set-default-dp-address dp.example.com"});
  s.transaction_id = from_hex("0102");
  s.counter_value = 300;
  const Bytes request = eim::build_package(s, test_key(4), 7);
  std::size_t consumed = 0;
  auto v = asn1::decode_as<EuiccPackageRequest_t>(asn_DEF_EuiccPackageRequest, request, consumed);
  REQUIRE(consumed == request.size());
  const auto& sp = v->euiccPackageSigned;
  CHECK(asn1::string_of(sp.eimId) == "eim-1");
  CHECK(to_hex(asn1::bytes_of(sp.eidValue)) == kEid);
  CHECK(sp.counterValue == 300);
  REQUIRE(sp.eimTransactionId != nullptr);
  CHECK(to_hex(asn1::bytes_of(*sp.eimTransactionId)) == "0102");
  REQUIRE(sp.euiccPackage.present == EuiccPackage_PR_psmoList);
  const auto& l = sp.euiccPackage.choice.psmoList.list;
  REQUIRE(l.count == 10);
  CHECK(l.array[0]->present == Psmo_PR_enable);
  CHECK(to_hex(asn1::bytes_of(l.array[0]->choice.enable.iccid)) == kIccidBcd);
  CHECK(l.array[0]->choice.enable.rollbackFlag != nullptr);
  CHECK(l.array[1]->present == Psmo_PR_disable);
  CHECK(l.array[2]->present == Psmo_PR_delete);
  CHECK(to_hex(asn1::bytes_of(l.array[2]->choice.delete_.iccid)) == kIccidBcd);
  CHECK(l.array[3]->present == Psmo_PR_listProfileInfo);
  CHECK(l.array[3]->choice.listProfileInfo.searchCriteria == nullptr);
  CHECK(l.array[3]->choice.listProfileInfo.tagList == nullptr);
  REQUIRE(l.array[4]->choice.listProfileInfo.searchCriteria != nullptr);
  CHECK(l.array[4]->choice.listProfileInfo.searchCriteria->present ==
        ProfileInfoListRequest__searchCriteria_PR_iccid);
  REQUIRE(l.array[4]->choice.listProfileInfo.tagList != nullptr);
  CHECK(to_hex(asn1::bytes_of(*l.array[4]->choice.listProfileInfo.tagList)) == "5A9F70");
  CHECK(l.array[5]->present == Psmo_PR_getRAT);
  REQUIRE(l.array[6]->present == Psmo_PR_configureImmediateEnable);
  const auto& c = l.array[6]->choice.configureImmediateEnable;
  CHECK(c.immediateEnableFlag != nullptr);
  REQUIRE(c.defaultSmdpOid != nullptr);
  CHECK(asn1::oid_of(*c.defaultSmdpOid) == "2.999.10");
  REQUIRE(c.defaultSmdpAddress != nullptr);
  CHECK(asn1::string_of(*c.defaultSmdpAddress) == "smdp.example.com");
  CHECK(l.array[7]->present == Psmo_PR_setFallbackAttribute);
  CHECK(l.array[8]->present == Psmo_PR_unsetFallbackAttribute);
  REQUIRE(l.array[9]->present == Psmo_PR_setDefaultDpAddress);
  CHECK(asn1::string_of(l.array[9]->choice.setDefaultDpAddress.defaultDpAddress) ==
        "dp.example.com");

  // The tags on the wire, as PROTOCOL.md §3.2 lists them.
  const auto p = split(request);
  auto signed_children = tlv::read_all(tlv::read(p.signed_part)->value);
  REQUIRE(signed_children);
  auto list = tlv::find(*signed_children, 0xA0);
  REQUIRE(list);
  auto ops = tlv::read_all(list->value);
  REQUIRE(ops);
  std::vector<std::uint32_t> tags;
  for (const auto& t : *ops) tags.push_back(t.tag);
  CHECK(tags == std::vector<std::uint32_t>{0xA3, 0xA4, 0xA5, 0xBF2D, 0xBF2D, 0xA6, 0xA7, 0xA8, 0xA9,
                                           0xBF65});
  CHECK(to_hex((*ops)[3].bytes()) == "BF2D00");
  CHECK(to_hex((*ops)[9].bytes()) == der("BF65", der("80", utf8("dp.example.com"))));
}

TEST_CASE("eCOs: A1 { A8 addEim, A9 { 80 id }, AA updateEim, AB }") {
  const auto key = test_key(5);
  eim::EimConfiguration c;
  c.eim_id = "eim-2";
  c.counter_value = 0;
  c.public_key = key.public_key().subject_public_key_info();
  const Bytes config = eim::encode_eim_configuration(c);
  auto s =
      spec_of({"add-eim eim-2.der", "delete-eim eim-3", "update-eim eim-2.der", "list-eim"}, true);
  s.operations[0].eim_configuration = config;
  s.operations[2].eim_configuration = config;
  const auto p = split(eim::build_package(s, key, std::nullopt));
  const std::string content = to_hex(config).substr(4);  // after '30 L' (short length)
  REQUIRE(config.size() < 0x80);
  CHECK(to_hex(p.signed_part) ==
        signed_hex(der("A1", der("A8", content) + der("A9", der("80", utf8("eim-3"))) +
                                 der("AA", content) + der("AB", ""))));
  CHECK(key.public_key().verify(cat(p.signed_part, "840100"), p.signature));
}

TEST_CASE("packages and operations are refused with a one-line reason") {
  const auto key = test_key(6);
  SECTION("PSMOs and eCOs together") {
    auto s = spec_of({"get-rat"});
    s.operations.push_back(eim::parse_operation("list-eim", true));
    CHECK_THROWS_WITH(eim::build_package(s, key, std::nullopt),
                      Catch::Contains("PSMOs or eCOs, never both"));
  }
  SECTION("a bad ICCID is named") {
    CHECK_THROWS_WITH(eim::parse_operation("enable 8999900000000000000", false),
                      Catch::Contains("'8999900000000000000'"));
    CHECK_THROWS_WITH(eim::parse_operation("disable 12345", false), Catch::Contains("'12345'"));
  }
  SECTION("unknown operations and options") {
    CHECK_THROWS_WITH(eim::parse_operation("frobnicate", false), Catch::Contains("unknown PSMO"));
    CHECK_THROWS_WITH(eim::parse_operation("enable", true), Catch::Contains("unknown eCO"));
    CHECK_THROWS_AS(eim::parse_operation("enable " + kIccid + " sideways", false),
                    eim::PackageError);
    CHECK_THROWS_AS(eim::parse_operation("list-profile-info iccid=" + kIccid + " class=1", false),
                    eim::PackageError);
  }
  SECTION("no operation, a bad EID") {
    CHECK_THROWS_AS(eim::build_package(spec_of({}), key, std::nullopt), eim::PackageError);
    auto s = spec_of({"get-rat"});
    s.eid = "89049032123451234512345678901234";
    CHECK_THROWS_WITH(eim::build_package(s, key, std::nullopt), Catch::Contains("EID"));
  }
}

TEST_CASE("EimConfigurationData: a certificate is A5 { A1 ... }, a key A5 { A0 ... }") {
  auto drbg = crypto::Drbg::from_seed(7, "eim config");
  const auto ci = crypto::make_ci({}, drbg);
  const auto eim_cert = crypto::make_eim(ci, {}, drbg);
  const std::string cert_hex = to_hex(eim_cert.certificate);
  auto cert_tlv = tlv::read(eim_cert.certificate);
  REQUIRE(cert_tlv);
  const std::string cert_content = to_hex(cert_tlv->value);
  const Bytes spki = eim_cert.key.public_key().subject_public_key_info();
  const std::string spki_content = to_hex(tlv::read(spki)->value);

  eim::EimConfiguration c;
  c.eim_id = "eim-1";
  c.counter_value = 0;
  c.association_token = -1;
  c.certificate = eim_cert.certificate;
  CHECK(to_hex(eim::encode_eim_configuration(c)) ==
        der("30", der("80", utf8("eim-1")) + der("83", "00") + der("84", "FF") +
                      der("A5", der("A1", cert_content))));

  c.certificate.clear();
  c.public_key = spki;
  c.association_token.reset();
  c.fqdn = "eim.example.com";
  c.id_type = 2;
  c.euicc_ci_pkid = from_hex("0102030405");
  c.supported_protocols = 1u << 0 | 1u << 2;
  c.indirect_profile_download = true;
  const Bytes key_form = eim::encode_eim_configuration(c);
  CHECK(to_hex(key_form) ==
        der("30", der("80", utf8("eim-1")) + der("81", utf8("eim.example.com")) + der("82", "02") +
                      der("83", "00") + der("A5", der("A0", spki_content)) + der("87", "05A0") +
                      der("88", "0102030405") + "8900"));
  CHECK(eim::eim_id_of_configuration(key_form) == "eim-1");

  c.public_key.clear();
  CHECK_THROWS_AS(eim::encode_eim_configuration(c), eim::PackageError);
  (void)cert_hex;
}

// ---- Results, built as a card would build them ----

namespace {

std::string result_data(const std::string& results, const std::string& tx = "") {
  return der("30", der("80", utf8("eim-1")) + der("81", "02") + (tx.empty() ? "" : der("82", tx)) +
                       der("83", "0B") + der("30", results));
}

Bytes signed_result(const std::string& alt, const std::string& data, const crypto::PrivateKey& k,
                    const std::string& token_do) {
  const Bytes sig = k.sign(from_hex(data + token_do));
  return from_hex(der("BF51", der(alt, data + der("5F37", to_hex(sig)))));
}

}  // namespace

TEST_CASE("a signed EuiccPackageResult is read and verified with the eUICC key and token") {
  const auto card = test_key(8);
  const std::string results =
      der("83", "00") + der("84", "02") + der("A8", der("84", "05")) + der("A8", der("02", "02")) +
      der("AB", der("A0", der("30", der("80", utf8("eim-1")) + der("82", "01")) +
                              der("30", der("80", utf8("eim-2"))))) +
      der("BF2D", der("A0", der("E3", der("5A", kIccidBcd) + der("9F70", "01")))) + der("A6", "") +
      der("02", "03") + der("BF65", der("80", "00"));
  const std::string data = result_data(results, "A1B2");
  const Bytes der_bytes = signed_result("A0", data, card, "840105");

  auto r = eim::decode_package_result(der_bytes);
  CHECK(r.form == eim::PackageResult::Form::kResult);
  CHECK(r.eim_id == "eim-1");
  CHECK(r.counter_value == 2);
  CHECK(to_hex(r.transaction_id) == "A1B2");
  CHECK(r.seq_number == 11);
  CHECK(to_hex(r.signed_data) == data);
  REQUIRE(r.results.size() == 9);
  CHECK(r.results[0].summary() == "enableResult ok(0)");
  CHECK(r.results[1].summary() == "disableResult profileNotInEnabledState(2)");
  CHECK(r.results[2].summary() == "addEimResult associationToken 5");
  CHECK(r.results[3].summary() == "addEimResult associatedEimAlreadyExists(2)");
  CHECK(r.results[4].summary() == "listEimResult [eim-1 (type 1), eim-2]");
  CHECK(r.results[5].summary() == "listProfileInfoResult [" + kIccid + " enabled]");
  CHECK(r.results[6].summary() == "getRATResult 0 rule(s)");
  CHECK(r.results[7].summary() == "processingTerminated interruption(3)");
  CHECK(r.results[8].summary() == "setDefaultDpAddressResult ok(0)");

  CHECK(eim::verify_package_result(r, card.public_key(), 5));
  CHECK(r.verified);
  SECTION("the wrong token does not verify") {
    CHECK_FALSE(eim::verify_package_result(r, card.public_key(), std::nullopt));
    CHECK_FALSE(r.verified);
    CHECK_FALSE(eim::verify_package_result(r, card.public_key(), 6));
  }
  SECTION("another key does not verify") {
    CHECK_FALSE(eim::verify_package_result(r, test_key(9).public_key(), 5));
  }
  SECTION("a changed byte of the data does not verify") {
    Bytes tampered = der_bytes;
    // The counterValue 02 inside the data, whose layout is fixed above.
    const Bytes counter{0x81, 0x01, 0x02};
    auto at = std::search(tampered.begin(), tampered.end(), counter.begin(), counter.end());
    REQUIRE(at != tampered.end());
    at[2] = 0x03;
    auto t = eim::decode_package_result(tampered);
    CHECK(t.counter_value == 3);
    CHECK_FALSE(eim::verify_package_result(t, card.public_key(), 5));
  }
}

TEST_CASE("without a token the eUICC signs with 84 01 00") {
  const auto card = test_key(10);
  const std::string data = result_data(der("85", "01"));
  auto r = eim::decode_package_result(signed_result("A0", data, card, "840100"));
  CHECK(r.results.at(0).summary() == "deleteResult iccidOrAidNotFound(1)");
  CHECK(eim::verify_package_result(r, card.public_key(), std::nullopt));
  CHECK(eim::verify_package_result(r, card.public_key(), 0));
  CHECK_FALSE(eim::verify_package_result(r, card.public_key(), 1));
}

TEST_CASE("a signed error is read and verified; an unsigned one is never verified") {
  const auto card = test_key(11);
  const std::string data = der("30", der("80", utf8("eim-1")) + der("81", "07") + der("02", "04"));
  auto r = eim::decode_package_result(signed_result("A1", data, card, "840103"));
  CHECK(r.form == eim::PackageResult::Form::kSignedError);
  CHECK(r.counter_value == 7);
  CHECK(r.error_code == 4);
  CHECK(r.error_name == "replayError");
  CHECK(eim::verify_package_result(r, card.public_key(), 3));
  CHECK_FALSE(eim::verify_package_result(r, card.public_key(), 4));

  auto u = eim::decode_package_result(from_hex(
      der("BF51", der("A2", der("80", utf8("eim-9")) + der("82", "01") + der("84", "03")))));
  CHECK(u.form == eim::PackageResult::Form::kUnsignedError);
  CHECK(u.eim_id == "eim-9");
  CHECK(u.association_token == 3);
  CHECK(u.signed_data.empty());
  CHECK_FALSE(eim::verify_package_result(u, card.public_key(), 3));
  CHECK_FALSE(u.verified);
  CHECK(std::string(eim::form_name(u.form)) == "euiccPackageErrorUnsigned");
}

TEST_CASE("what is not one EuiccPackageResult is refused") {
  CHECK_THROWS_AS(eim::decode_package_result(from_hex("BF5100")), eim::PackageError);
  CHECK_THROWS_AS(eim::decode_package_result(from_hex("BF2200")), eim::PackageError);
  CHECK_THROWS_AS(
      eim::decode_package_result(from_hex(der("BF51", der("A2", der("80", utf8("x")))) + "00")),
      eim::PackageError);
}
