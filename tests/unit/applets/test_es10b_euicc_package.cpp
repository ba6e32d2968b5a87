// LoadEuiccPackage (BF51) and ProfileRollback (BF58) on an iot card: packages are spelt out as
// hex DER and signed here with the eIM's key, independently of the card's encoders; every
// answer is decoded with our SGP.32 module and re-encoded byte for byte, and every signed
// answer is verified with the public key of the card's own certificate over the documented
// input (data ‖ associationToken data object).
#include "../support/es10_card.hpp"
#include "../support/hex_der.hpp"

#include "euiccsim/applets/isdr/es10.hpp"
#include "euiccsim/applets/rsp_asn1.hpp"
#include "euiccsim/crypto/drbg.hpp"
#include "euiccsim/crypto/ecdsa.hpp"
#include "euiccsim/crypto/tlv.hpp"

#include <AddEimResult.h>
#include <EimIdInfo.h>
#include <EuiccPackageErrorDataSigned.h>
#include <EuiccPackageErrorUnsigned.h>
#include <EuiccPackageResult.h>
#include <EuiccPackageResultDataSigned.h>
#include <EuiccResultData.h>
#include <IotProfileInfo.h>
#include <IotProfileInfoListResponse.h>
#include <IotRetrieveNotificationsListResponse.h>
#include <ListEimResult.h>
#include <ProfileRollbackResponse.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

using namespace euiccsim;
using euiccsim::test::decode_exact;

namespace {

using test::len;
using test::utf8;
constexpr auto der = &test::hex_tlv;

// DER INTEGER content of a non-negative value: minimal two's complement.
std::string int_hex(std::uint64_t v) {
  Bytes b;
  do {
    b.insert(b.begin(), static_cast<std::uint8_t>(v & 0xFF));
    v >>= 8;
  } while (v != 0);
  if ((b.front() & 0x80) != 0) b.insert(b.begin(), 0x00);
  return to_hex(b);
}

std::string token_do(std::optional<std::uint64_t> token) {
  return der("84", int_hex(token.value_or(0)));
}

struct Eim {
  std::string id;
  crypto::PrivateKey key;
  std::optional<std::uint64_t> token;  // as the card gave it
};

Eim make_eim(const std::string& id, crypto::Curve curve, std::uint64_t seed) {
  auto drbg = crypto::Drbg::from_seed(seed, "eim-key");
  return Eim{id, crypto::PrivateKey::generate(curve, drbg), std::nullopt};
}

// EimConfigurationData for `eim` with its bare public key ('A5 { A0 SPKI-content }').
std::string eim_config(const Eim& eim, std::uint64_t counter, bool want_token,
                       const std::string& tag = "30") {
  const Bytes spki = eim.key.public_key().subject_public_key_info();
  const std::string spki_content = to_hex(ByteView(spki).subspan(2));
  REQUIRE(spki.size() < 0x80);  // a one-byte length, so the content starts at offset 2
  return der(tag, der("80", utf8(eim.id)) + der("83", int_hex(counter)) +
                      (want_token ? der("84", "FF") : "") + der("A5", der("A0", spki_content)));
}

// The EID of the card under test (the test issuer gives it), set by Fixture.
std::string card_eid;

struct Package {
  std::string eid;  // hex; empty for the card's own
  std::uint64_t counter = 1;
  std::string transaction_id;  // hex, empty for none
  std::string operations;      // 'A0 {...}' or 'A1 {...}'
};

// BF51 signed by `signer` (which may differ from the eIM named, to forge).
Bytes request(const Eim& eim, const Package& p, const Eim* signer = nullptr) {
  const std::string signed_part =
      der("30", der("80", utf8(eim.id)) + der("5A", p.eid.empty() ? card_eid : p.eid) +
                    der("81", int_hex(p.counter)) +
                    (p.transaction_id.empty() ? "" : der("82", p.transaction_id)) + p.operations);
  const Eim& by = signer ? *signer : eim;
  const Bytes sig = by.key.sign(from_hex(signed_part + token_do(by.token)));
  return from_hex(der("BF51", signed_part + der("5F37", to_hex(sig))));
}

std::string psmos(const std::string& ops) {
  return der("A0", ops);
}
std::string ecos(const std::string& ops) {
  return der("A1", ops);
}
std::string iccid_hex(const std::string& payload) {
  return to_hex(test::iccid_bytes(payload));
}
std::string enable(const std::string& payload, bool rollback = false) {
  return der("A3", der("5A", iccid_hex(payload)) + (rollback ? "0500" : ""));
}
std::string disable(const std::string& payload) {
  return der("A4", der("5A", iccid_hex(payload)));
}
std::string remove(const std::string& payload) {
  return der("A5", der("5A", iccid_hex(payload)));
}

const std::string kP1 = "8999900000000000001";
const std::string kP2 = "8999900000000000002";

ProfileMetadata with_notifications() {
  ProfileMetadata m;
  m.service_provider_name = "SP";
  m.profile_name = "test";
  for (auto e : {euiccsim::NotificationEvent::kEnable, euiccsim::NotificationEvent::kDisable,
                 euiccsim::NotificationEvent::kDelete}) {
    m.notification_config.push_back({e, "smdp.example.com"});
  }
  return m;
}

// An iot card with P1 enabled and P2 disabled, and eIM `eim` added with a token.
using Tweak = std::function<void(CardState&)>;

CardState iot_state(const Tweak& tweak) {
  auto s = test::es10_iot_state(
      {{kP1, true, with_notifications()}, {kP2, false, with_notifications()}});
  if (tweak) tweak(s);
  return s;
}

struct Fixture {
  Eim eim1 = make_eim("eim-1", crypto::Curve::kNistP256, 1);
  CardSimulator card;
  explicit Fixture(const Tweak& tweak = {}) : card(test::es10_card(iot_state(tweak))) {
    const Bytes r = card.es10(from_hex(der("BF57", der("A0", eim_config(eim1, 0, true)))));
    REQUIRE(to_hex(r) == "BF5705A003840101");
    card_eid = to_hex(state().eid.bytes());
    eim1.token = 1;
  }
  const CardState& state() { return card.card().state(); }
  const ProfileSlot& slot(const std::string& payload) {
    for (const auto& p : state().profiles) {
      if (p.iccid().swapped_bcd() == test::iccid_bytes(payload)) return p;
    }
    FAIL("no profile " << payload);
    throw 0;
  }
};

asn1::Value<EuiccPackageResult_t> decode_result(const Bytes& r) {
  return decode_exact<EuiccPackageResult_t>(asn_DEF_EuiccPackageResult, r);
}

// The '30' data TLV and the signature of a signed answer ('BF51 { A0|A1 { 30, 5F37 } }').
std::pair<Bytes, Bytes> signed_parts(const Bytes& r) {
  auto top = tlv::read(r);
  REQUIRE(top);
  auto alt = tlv::read(top->value);
  REQUIRE(alt);
  auto kids = tlv::read_all(alt->value);
  REQUIRE(kids);
  REQUIRE(kids->size() == 2);
  REQUIRE((*kids)[0].tag == 0x30);
  REQUIRE((*kids)[1].tag == 0x5F37);
  return {Bytes((*kids)[0].bytes().begin(), (*kids)[0].bytes().end()),
          Bytes((*kids)[1].value.begin(), (*kids)[1].value.end())};
}

// Whether the card's signature over data ‖ token DO verifies with its certificate's key.
bool card_signed(const CardState& state, const Bytes& r, std::optional<std::uint64_t> token) {
  auto [data, sig] = signed_parts(r);
  Bytes input = data;
  const Bytes t = from_hex(token_do(token));
  input.insert(input.end(), t.begin(), t.end());
  return crypto::PublicKey::from_certificate(state.identity.euicc_certificate).verify(input, sig);
}

// The results of a signed result, as (alternative, integer value) pairs.
std::vector<std::pair<EuiccResultData_PR, long>> results(const EuiccPackageResult_t& r) {
  INFO("the answer: " << to_hex(asn1::encode(asn_DEF_EuiccPackageResult, &r)));
  REQUIRE(r.present == EuiccPackageResult_PR_euiccPackageResultSigned);
  std::vector<std::pair<EuiccResultData_PR, long>> out;
  const auto& list =
      r.choice.euiccPackageResultSigned.euiccPackageResultDataSigned.euiccResult.list;
  for (int i = 0; i < list.count; ++i) {
    out.emplace_back(list.array[i]->present, list.array[i]->choice.enableResult);
  }
  return out;
}

long signed_error_code(const Fixture&, const EuiccPackageResult_t& r) {
  REQUIRE(r.present == EuiccPackageResult_PR_euiccPackageErrorSigned);
  return r.choice.euiccPackageErrorSigned.euiccPackageErrorDataSigned.euiccPackageErrorCode;
}

std::uint16_t store_data_sw(CardSimulator& card, const Bytes& request) {
  const std::string apdu = "80E29100" + len(request.size()) + to_hex(request) + "00";
  return card.transmit(apdu).sw;
}

}  // namespace

TEST_CASE("a package enabling a profile: the card executes it and signs the result") {
  Fixture f;
  const auto seq_before = f.state().last_seq_number;
  Package p;
  p.counter = 5;
  p.transaction_id = "0102030405";
  p.operations = psmos(enable(kP2));
  const Bytes r = f.card.es10(request(f.eim1, p));
  auto rsp = decode_result(r);
  const auto& data = rsp->choice.euiccPackageResultSigned.euiccPackageResultDataSigned;
  CHECK(asn1::string_of(data.eimId) == "eim-1");
  CHECK(data.counterValue == 5);
  REQUIRE(data.eimTransactionId != nullptr);
  CHECK(to_hex(asn1::bytes_of(*data.eimTransactionId)) == "0102030405");
  CHECK(results(*rsp) ==
        std::vector<std::pair<EuiccResultData_PR, long>>{{EuiccResultData_PR_enableResult, 0}});
  // The disable of P1 and the enable of P2 were notified first; the result comes after.
  CHECK(static_cast<std::uint64_t>(data.seqNumber) == seq_before + 3);
  CHECK(f.state().last_seq_number == seq_before + 3);
  CHECK(card_signed(f.state(), r, 1));
  CHECK_FALSE(card_signed(f.state(), r, 2));  // the token is part of the input
  CHECK(f.slot(kP2).enabled);
  CHECK_FALSE(f.slot(kP1).enabled);
  CHECK(f.state().find_eim("eim-1")->counter_value == 5);
  REQUIRE(f.state().package_results.size() == 1);
  CHECK(f.state().package_results[0].der == r);
  CHECK(f.state().package_results[0].seq_number == seq_before + 3);

  SECTION("the same package again is a replay: signed replayError(4), nothing changes") {
    const CardState before = f.state();
    const Bytes again = f.card.es10(request(f.eim1, p));
    CHECK(signed_error_code(f, *decode_result(again)) == 4);
    CHECK(card_signed(f.state(), again, 1));
    CHECK(f.state() == before);
  }
  SECTION("a lower counter is a replay too") {
    p.counter = 4;
    p.operations = psmos(enable(kP1));
    CHECK(signed_error_code(f, *decode_result(f.card.es10(request(f.eim1, p)))) == 4);
  }
}

TEST_CASE("LoadEuiccPackage refuses, with the right form and code") {
  Fixture f;
  const CardState before = f.state();
  Package p;
  p.operations = psmos(enable(kP2));

  SECTION("another EID: signed invalidEid(3)") {
    p.eid = "89049032123451234512345678901299";
    const Bytes r = f.card.es10(request(f.eim1, p));
    auto rsp = decode_result(r);
    CHECK(signed_error_code(f, *rsp) == 3);
    const auto& data = rsp->choice.euiccPackageErrorSigned.euiccPackageErrorDataSigned;
    CHECK(asn1::string_of(data.eimId) == "eim-1");
    CHECK(data.counterValue == 1);
    CHECK(card_signed(f.state(), r, 1));
  }
  SECTION("a counter above 2^31-1: signed counterValueOutOfRange(6)") {
    p.counter = 0x80000000;
    CHECK(signed_error_code(f, *decode_result(f.card.es10(request(f.eim1, p)))) == 6);
  }
  SECTION("more than 32 operations: signed sizeOverflow(15)") {
    std::string many;
    for (int i = 0; i < 33; ++i) many += "A600";
    p.operations = psmos(many);
    CHECK(signed_error_code(f, *decode_result(f.card.es10(request(f.eim1, p)))) == 15);
  }
  SECTION("signed by another key: unsigned error with the eIM's id and token") {
    const Eim forger = make_eim("eim-1", crypto::Curve::kNistP256, 99);
    p.transaction_id = "AA";
    auto rsp = decode_result(f.card.es10(request(f.eim1, p, &forger)));
    REQUIRE(rsp->present == EuiccPackageResult_PR_euiccPackageErrorUnsigned);
    const auto& e = rsp->choice.euiccPackageErrorUnsigned;
    CHECK(asn1::string_of(e.eimId) == "eim-1");
    REQUIRE(e.eimTransactionId != nullptr);
    CHECK(to_hex(asn1::bytes_of(*e.eimTransactionId)) == "AA");
    REQUIRE(e.associationToken != nullptr);
    CHECK(*e.associationToken == 1);
  }
  SECTION("signed without the association token in the input: unsigned error") {
    Eim no_token = f.eim1;
    no_token.token.reset();
    auto rsp = decode_result(f.card.es10(request(f.eim1, p, &no_token)));
    CHECK(rsp->present == EuiccPackageResult_PR_euiccPackageErrorUnsigned);
  }
  SECTION("a signature byte changed: unsigned error") {
    Bytes req = request(f.eim1, p);
    req.back() ^= 0x01;
    CHECK(decode_result(f.card.es10(req))->present ==
          EuiccPackageResult_PR_euiccPackageErrorUnsigned);
  }
  SECTION("an eimId the card does not know: unsigned error without a token") {
    const Eim stranger = make_eim("eim-9", crypto::Curve::kNistP256, 9);
    const Bytes r = f.card.es10(request(stranger, p));
    CHECK(to_hex(r) == der("BF51", der("A2", der("80", utf8("eim-9")))));
  }
  SECTION("a package that does not decode but names its eIM: unsigned error") {
    const std::string broken = der("30", der("80", utf8("eim-1")) + der("82", "77") + "0500");
    const Bytes r = f.card.es10(from_hex(der("BF51", broken + der("5F37", "00"))));
    CHECK(to_hex(r) == der("BF51", der("A2", der("80", utf8("eim-1")) + der("82", "77"))));
  }
  SECTION("nothing to read an eimId from: 6A80") {
    CHECK(store_data_sw(f.card, from_hex("BF510430020500")) == 0x6A80);
  }
  CHECK(f.state() == before);
}

TEST_CASE("the operations run in order, and the first failure ends the package") {
  Fixture f;
  Package p;
  // P1 is enabled: deleting it fails (2); the disable after it never runs.
  p.operations = psmos(remove(kP1) + disable(kP1));
  auto rsp = decode_result(f.card.es10(request(f.eim1, p)));
  CHECK(results(*rsp) ==
        std::vector<std::pair<EuiccResultData_PR, long>>{{EuiccResultData_PR_deleteResult, 2}});
  CHECK(f.slot(kP1).enabled);
  // The package was accepted, so its counter is spent.
  CHECK(f.state().find_eim("eim-1")->counter_value == 1);

  p.counter = 2;
  p.operations = psmos(disable(kP1) + remove(kP1) + enable(kP2) + disable("8999900000000000099"));
  rsp = decode_result(f.card.es10(request(f.eim1, p)));
  CHECK(results(*rsp) ==
        std::vector<std::pair<EuiccResultData_PR, long>>{{EuiccResultData_PR_disableResult, 0},
                                                         {EuiccResultData_PR_deleteResult, 0},
                                                         {EuiccResultData_PR_enableResult, 0},
                                                         {EuiccResultData_PR_disableResult, 1}});
  CHECK(f.state().profiles.size() == 1);
  CHECK(f.slot(kP2).enabled);
}

TEST_CASE("the informational PSMOs and the profile attributes") {
  Fixture f;
  Package p;
  p.operations =
      psmos(der("BF2D", "") + "A600" +
            der("A7", "8000" + der("81", "2B0601") + der("82", utf8("smdp.example"))) +
            der("A8", der("5A", iccid_hex(kP2))) + der("BF65", der("80", utf8("dp.example"))));
  const Bytes r = f.card.es10(request(f.eim1, p));
  auto rsp = decode_result(r);
  auto res = results(*rsp);
  REQUIRE(res.size() == 5);
  CHECK(res[0].first == EuiccResultData_PR_listProfileInfoResult);
  CHECK(res[1].first == EuiccResultData_PR_getRATResult);
  CHECK(res[2] == std::pair{EuiccResultData_PR_configureImmediateEnableResult, 0L});
  CHECK(res[3] == std::pair{EuiccResultData_PR_setFallbackAttributeResult, 0L});
  CHECK(res[4].first == EuiccResultData_PR_setDefaultDpAddressResult);
  const auto& list =
      rsp->choice.euiccPackageResultSigned.euiccPackageResultDataSigned.euiccResult.list.array[0]
          ->choice.listProfileInfoResult;
  REQUIRE(list.present == IotProfileInfoListResponse_PR_profileInfoListOk);
  CHECK(list.choice.profileInfoListOk.list.count == 2);
  CHECK(f.state().immediate_enable ==
        ImmediateEnableConfig{true, from_hex("2B0601"), std::string("smdp.example")});
  CHECK(f.slot(kP2).fallback_attribute);
  CHECK(f.state().default_dp_address == "dp.example");

  SECTION("the attribute moves to the enabled profile, which then keeps it (3)") {
    p.counter = 2;
    p.operations = psmos(der("A8", der("5A", iccid_hex(kP1))) + "A900");
    auto second = decode_result(f.card.es10(request(f.eim1, p)));
    CHECK(results(*second) == std::vector<std::pair<EuiccResultData_PR, long>>{
                                  {EuiccResultData_PR_setFallbackAttributeResult, 0},
                                  {EuiccResultData_PR_unsetFallbackAttributeResult, 3}});
    CHECK(f.slot(kP1).fallback_attribute);
    CHECK_FALSE(f.slot(kP2).fallback_attribute);
  }
  SECTION("unset on a disabled Fallback Profile, then again: ok, noFallbackAttribute(2)") {
    p.counter = 2;
    p.operations = psmos("A900A900");
    CHECK(results(*decode_result(f.card.es10(request(f.eim1, p)))) ==
          std::vector<std::pair<EuiccResultData_PR, long>>{
              {EuiccResultData_PR_unsetFallbackAttributeResult, 0},
              {EuiccResultData_PR_unsetFallbackAttributeResult, 2}});
    CHECK_FALSE(f.slot(kP2).fallback_attribute);
  }
  SECTION("the Fallback Profile cannot be deleted: returnFallbackProfile(21)") {
    p.counter = 2;
    p.operations = psmos(remove(kP2));
    CHECK(results(*decode_result(f.card.es10(request(f.eim1, p)))) ==
          std::vector<std::pair<EuiccResultData_PR, long>>{{EuiccResultData_PR_deleteResult, 21}});
  }
}

TEST_CASE("setFallbackAttribute: a profile that forbids fallback (2), an unknown one (1)") {
  Fixture f([](CardState& s) { s.profiles[0].fallback_allowed = false; });
  Package p;
  p.operations = psmos(der("A8", der("5A", iccid_hex(kP1))));
  CHECK(results(*decode_result(f.card.es10(request(f.eim1, p)))) ==
        std::vector<std::pair<EuiccResultData_PR, long>>{
            {EuiccResultData_PR_setFallbackAttributeResult, 2}});
  p.counter = 2;
  p.operations = psmos(der("A8", der("5A", iccid_hex("8999900000000000099"))));
  CHECK(results(*decode_result(f.card.es10(request(f.eim1, p)))) ==
        std::vector<std::pair<EuiccResultData_PR, long>>{
            {EuiccResultData_PR_setFallbackAttributeResult, 1}});
  CHECK_FALSE(f.slot(kP1).fallback_attribute);
}

TEST_CASE(
    "the enabled Emergency Profile refuses packages; the enabled Fallback Profile keeps its "
    "attribute") {
  SECTION("ecallActive(104), signed") {
    Fixture f([](CardState& s) { s.profiles[0].ecall_indication = true; });
    const CardState before = f.state();
    Package p;
    p.operations = psmos(disable(kP1));
    CHECK(signed_error_code(f, *decode_result(f.card.es10(request(f.eim1, p)))) == 104);
    CHECK(f.state() == before);
  }
  SECTION("fallbackProfileEnabled(3) for set and unset") {
    Fixture f([](CardState& s) { s.profiles[0].fallback_attribute = true; });
    Package p;
    p.operations = psmos(der("A8", der("5A", iccid_hex(kP2))));
    CHECK(results(*decode_result(f.card.es10(request(f.eim1, p)))) ==
          std::vector<std::pair<EuiccResultData_PR, long>>{
              {EuiccResultData_PR_setFallbackAttributeResult, 3}});
    p.counter = 2;
    p.operations = psmos("A900");
    CHECK(results(*decode_result(f.card.es10(request(f.eim1, p)))) ==
          std::vector<std::pair<EuiccResultData_PR, long>>{
              {EuiccResultData_PR_unsetFallbackAttributeResult, 3}});
    CHECK(f.slot(kP1).fallback_attribute);
  }
}

TEST_CASE("enable with rollbackFlag, then ProfileRollback") {
  Fixture f;
  Package p;
  p.counter = 3;
  p.transaction_id = "C0DE";
  p.operations = psmos(enable(kP2, true));
  CHECK(results(*decode_result(f.card.es10(request(f.eim1, p)))) ==
        std::vector<std::pair<EuiccResultData_PR, long>>{{EuiccResultData_PR_enableResult, 0}});
  REQUIRE(f.state().rollback);
  CHECK(f.state().rollback->enabled_aid == f.slot(kP2).isdp_aid);
  CHECK(f.state().rollback->previous_aid == f.slot(kP1).isdp_aid);

  SECTION("the displaced profile cannot be deleted meanwhile: rollbackNotAvailable(20)") {
    p.counter = 4;
    p.operations = psmos(remove(kP1));
    CHECK(results(*decode_result(f.card.es10(request(f.eim1, p)))) ==
          std::vector<std::pair<EuiccResultData_PR, long>>{{EuiccResultData_PR_deleteResult, 20}});
  }
  SECTION("ProfileRollback enables P1 again and answers a signed rollbackResult") {
    const auto seq_before = f.state().last_seq_number;
    const Bytes r = f.card.es10(from_hex("BF5803800100"));
    auto kids = tlv::read_all(tlv::read(r)->value);
    REQUIRE(kids);
    REQUIRE(kids->size() == 2);
    CHECK(to_hex((*kids)[0].bytes()) == "020100");
    const Bytes result((*kids)[1].bytes().begin(), (*kids)[1].bytes().end());
    auto rsp = decode_result(result);
    const auto& data = rsp->choice.euiccPackageResultSigned.euiccPackageResultDataSigned;
    CHECK(data.counterValue == 3);
    CHECK(to_hex(asn1::bytes_of(*data.eimTransactionId)) == "C0DE");
    CHECK(static_cast<std::uint64_t>(data.seqNumber) == seq_before + 3);
    CHECK(results(*rsp) ==
          std::vector<std::pair<EuiccResultData_PR, long>>{{EuiccResultData_PR_rollbackResult, 0}});
    CHECK(card_signed(f.state(), result, 1));
    CHECK(f.slot(kP1).enabled);
    CHECK_FALSE(f.state().rollback);
    CHECK(f.state().package_results.size() == 2);
    // Once only.
    CHECK(to_hex(f.card.es10(from_hex("BF5803800100"))) == "BF5803020101");
  }
  SECTION("after a later enable without rollbackFlag, there is nothing to roll back") {
    p.counter = 4;
    p.operations = psmos(enable(kP1));
    f.card.es10(request(f.eim1, p));
    CHECK(to_hex(f.card.es10(from_hex("BF5803800100"))) == "BF5803020101");
  }
  SECTION("with no profile enabled before, rollbackFlag answers rollbackNotAvailable(20)") {
    p.counter = 4;
    p.operations = psmos(disable(kP2) + enable(kP1, true));
    CHECK(results(*decode_result(f.card.es10(request(f.eim1, p)))) ==
          std::vector<std::pair<EuiccResultData_PR, long>>{{EuiccResultData_PR_disableResult, 0},
                                                           {EuiccResultData_PR_enableResult, 20}});
  }
  SECTION("a malformed request: undefinedError(127)") {
    CHECK(to_hex(f.card.es10(from_hex("BF5800"))) == "BF580302017F");
  }
}

TEST_CASE("eCOs: add a second eIM, take packages from it, delete eIMs down to the last") {
  Fixture f;
  Eim eim2 = make_eim("eim-2", crypto::Curve::kBrainpoolP256r1, 2);
  Package p;
  p.operations = ecos(eim_config(eim2, 10, true, "A8") + "AB00");
  auto rsp = decode_result(f.card.es10(request(f.eim1, p)));
  const auto& list =
      rsp->choice.euiccPackageResultSigned.euiccPackageResultDataSigned.euiccResult.list;
  REQUIRE(list.count == 2);
  REQUIRE(list.array[0]->present == EuiccResultData_PR_addEimResult);
  REQUIRE(list.array[0]->choice.addEimResult.present == AddEimResult_PR_associationToken);
  CHECK(list.array[0]->choice.addEimResult.choice.associationToken == 2);
  eim2.token = 2;
  REQUIRE(list.array[1]->present == EuiccResultData_PR_listEimResult);
  const auto& ids = list.array[1]->choice.listEimResult.choice.eimIdList.list;
  REQUIRE(ids.count == 2);
  CHECK(asn1::string_of(ids.array[0]->eimId) == "eim-1");
  CHECK(asn1::string_of(ids.array[1]->eimId) == "eim-2");

  // A brainpool eIM's package, with its own counter.
  Package q;
  q.counter = 11;
  q.operations = psmos(enable(kP2));
  const Bytes r2 = f.card.es10(request(eim2, q));
  CHECK(results(*decode_result(r2)) ==
        std::vector<std::pair<EuiccResultData_PR, long>>{{EuiccResultData_PR_enableResult, 0}});
  CHECK(card_signed(f.state(), r2, 2));

  SECTION("adding it twice: associatedEimAlreadyExists(2); a bad counter: 6") {
    p.counter = 2;
    p.operations = ecos(eim_config(eim2, 10, false, "A8"));
    auto again = decode_result(f.card.es10(request(f.eim1, p)));
    const auto& l =
        again->choice.euiccPackageResultSigned.euiccPackageResultDataSigned.euiccResult.list;
    REQUIRE(l.count == 1);
    CHECK(l.array[0]->choice.addEimResult.present == AddEimResult_PR_addEimResultCode);
    CHECK(l.array[0]->choice.addEimResult.choice.addEimResultCode == 2);
  }
  SECTION("updateEim sets the counter; an unknown eIM: eimNotFound(1)") {
    q.counter = 12;
    q.operations = ecos(der("AA", der("80", utf8("eim-2")) + der("83", int_hex(100))) +
                        der("AA", der("80", utf8("eim-7")) + der("83", "01")));
    CHECK(results(*decode_result(f.card.es10(request(eim2, q)))) ==
          std::vector<std::pair<EuiccResultData_PR, long>>{
              {EuiccResultData_PR_updateEimResult, 0}, {EuiccResultData_PR_updateEimResult, 1}});
    CHECK(f.state().find_eim("eim-2")->counter_value == 100);
    q.counter = 50;
    q.operations = "AB00";
    q.operations = ecos(q.operations);
    CHECK(signed_error_code(f, *decode_result(f.card.es10(request(eim2, q)))) == 4);
  }
  SECTION("eim-2 deletes eim-1, whose packages are then unknown; then itself, the last one") {
    q.counter = 12;
    q.operations = ecos(der("A9", der("80", utf8("eim-1"))) + der("A9", der("80", utf8("eim-1"))));
    CHECK(results(*decode_result(f.card.es10(request(eim2, q)))) ==
          std::vector<std::pair<EuiccResultData_PR, long>>{
              {EuiccResultData_PR_deleteEimResult, 0}, {EuiccResultData_PR_deleteEimResult, 1}});
    p.counter = 2;
    p.operations = psmos("A600");
    CHECK(decode_result(f.card.es10(request(f.eim1, p)))->present ==
          EuiccPackageResult_PR_euiccPackageErrorUnsigned);

    q.counter = 13;
    q.operations = ecos(der("A9", der("80", utf8("eim-2"))) + "AB00");
    const Bytes last = f.card.es10(request(eim2, q));
    auto lr = decode_result(last);
    auto res = results(*lr);
    REQUIRE(res.size() == 2);
    CHECK(res[0] == std::pair{EuiccResultData_PR_deleteEimResult, 2L});
    CHECK(res[1].first == EuiccResultData_PR_listEimResult);
    CHECK(f.state().eims.empty());
    // Signed with the token the eIM had when the package arrived.
    CHECK(card_signed(f.state(), last, 2));
    // With no eIM left, AddInitialEim is open again.
    const Bytes r = f.card.es10(from_hex(der("BF57", der("A0", eim_config(f.eim1, 0, true)))));
    CHECK(to_hex(r) == "BF5705A003840103");
  }
}

TEST_CASE("package results stay retrievable until RemoveNotificationFromList removes them") {
  Fixture f;
  Package p;
  p.operations = psmos("A600");
  const Bytes r1 = f.card.es10(request(f.eim1, p));
  p.counter = 2;
  const Bytes r2 = f.card.es10(request(f.eim1, p));
  const auto seq1 = f.state().package_results.at(0).seq_number;
  const auto seq2 = f.state().package_results.at(1).seq_number;

  const Bytes listed = f.card.es10(from_hex("BF2B04A0028200"));
  CHECK(to_hex(listed) == der("BF2B", der("A2", to_hex(r1) + to_hex(r2))));
  decode_exact<IotRetrieveNotificationsListResponse_t>(asn_DEF_IotRetrieveNotificationsListResponse,
                                                       listed);
  // The SGP.22 form still lists the notifications only.
  const Bytes notifications = f.card.es10(from_hex("BF2B00"));
  CHECK(tlv::read(tlv::read(notifications)->value)->tag == 0xA0);

  CHECK(to_hex(f.card.es10(from_hex(der("BF30", der("80", int_hex(seq1)))))) == "BF3003800100");
  CHECK(to_hex(f.card.es10(from_hex(der("BF30", der("80", int_hex(seq2)))))) == "BF3003800100");
  CHECK(to_hex(f.card.es10(from_hex(der("BF30", der("80", int_hex(seq2)))))) == "BF3003800101");
  CHECK(f.state().package_results.empty());
  CHECK(to_hex(f.card.es10(from_hex("BF2B04A0028200"))) == "BF2B02A200");
}

TEST_CASE("an SGP.22 card answers BF51 and BF58 as unknown functions (6A88)") {
  auto card = test::es10_card(test::es10_state({}));
  CHECK(store_data_sw(card, from_hex("BF510430020500")) == 0x6A88);
  CHECK(store_data_sw(card, from_hex("BF5803800100")) == 0x6A88);
}

TEST_CASE("every result code of enable, disable and delete PSMOs") {
  using R = std::vector<std::pair<EuiccResultData_PR, long>>;
  SECTION("iccidOrAidNotFound(1) for each") {
    Fixture f;
    const std::string nobody = "8999900000000000099";
    for (auto [op, kind] : {std::pair{enable(nobody), EuiccResultData_PR_enableResult},
                            std::pair{disable(nobody), EuiccResultData_PR_disableResult},
                            std::pair{remove(nobody), EuiccResultData_PR_deleteResult}}) {
      Package p;
      p.counter = f.state().find_eim("eim-1")->counter_value + 1;
      p.operations = psmos(op);
      CHECK(results(*decode_result(f.card.es10(request(f.eim1, p)))) == R{{kind, 1}});
    }
  }
  SECTION("disallowedByPolicy(3): PPR1 on the enabled profile, PPR2 on the one to delete") {
    Fixture f([](CardState& s) {
      s.profiles[0].metadata.pprs = kPpr1;
      s.profiles[1].metadata.pprs = kPpr2;
    });
    Package p;
    p.operations = psmos(enable(kP2));
    CHECK(results(*decode_result(f.card.es10(request(f.eim1, p)))) ==
          R{{EuiccResultData_PR_enableResult, 3}});
    p.counter = 2;
    p.operations = psmos(disable(kP1));
    CHECK(results(*decode_result(f.card.es10(request(f.eim1, p)))) ==
          R{{EuiccResultData_PR_disableResult, 3}});
    p.counter = 3;
    p.operations = psmos(remove(kP2));
    CHECK(results(*decode_result(f.card.es10(request(f.eim1, p)))) ==
          R{{EuiccResultData_PR_deleteResult, 3}});
    CHECK(f.slot(kP1).enabled);
  }
  SECTION("catBusy(5) under the cat-busy quirk; profileNotIn...State(2)") {
    Fixture f([](CardState& s) { s.config.quirks.insert(quirk::kCatBusy); });
    Package p;
    p.operations = psmos(enable(kP2));
    CHECK(results(*decode_result(f.card.es10(request(f.eim1, p)))) ==
          R{{EuiccResultData_PR_enableResult, 5}});
    p.counter = 2;
    p.operations = psmos(disable(kP1));
    CHECK(results(*decode_result(f.card.es10(request(f.eim1, p)))) ==
          R{{EuiccResultData_PR_disableResult, 5}});
  }
  SECTION("profileNotInDisabledState(2) for enable, profileNotInEnabledState(2) for disable") {
    Fixture f;
    Package p;
    p.operations = psmos(enable(kP1));
    CHECK(results(*decode_result(f.card.es10(request(f.eim1, p)))) ==
          R{{EuiccResultData_PR_enableResult, 2}});
    p.counter = 2;
    p.operations = psmos(disable(kP2));
    CHECK(results(*decode_result(f.card.es10(request(f.eim1, p)))) ==
          R{{EuiccResultData_PR_disableResult, 2}});
  }
}

TEST_CASE("every result code of addEim and updateEim") {
  Fixture f;
  const Eim other = make_eim("eim-x", crypto::Curve::kNistP256, 5);
  const Bytes spki = other.key.public_key().subject_public_key_info();
  const std::string key = der("A5", der("A0", to_hex(ByteView(spki).subspan(2))));
  auto add_code = [&](const std::string& config) {
    Package p;
    p.counter = f.state().find_eim("eim-1")->counter_value + 1;
    p.operations = ecos(config);
    auto rsp = decode_result(f.card.es10(request(f.eim1, p)));
    const auto& l =
        rsp->choice.euiccPackageResultSigned.euiccPackageResultDataSigned.euiccResult.list;
    REQUIRE(l.count == 1);
    REQUIRE(l.array[0]->choice.addEimResult.present == AddEimResult_PR_addEimResultCode);
    return l.array[0]->choice.addEimResult.choice.addEimResultCode;
  };
  const std::string id = der("80", utf8("eim-x"));
  CHECK(add_code(der("A8", id + key)) == 7);                            // no counterValue
  CHECK(add_code(der("A8", id + der("83", "00"))) == 7);                // no key
  CHECK(add_code(der("A8", id + der("83", "0080000000") + key)) == 6);  // counter > 2^31-1
  CHECK(add_code(der("A8", id + der("83", "00") + der("84", "05") + key)) == 5);    // not -1
  CHECK(add_code(der("A8", id + der("83", "00") + key + der("88", "0102"))) == 3);  // unknown CI
  CHECK(add_code(der("A8", id + der("83", "00") + key)) == 0);                      // addOk
  CHECK(f.state().eims.size() == 2);
  for (int i = 2; i < 8; ++i) {
    CHECK(add_code(der("A8", der("80", utf8("eim-" + std::to_string(10 + i))) + der("83", "00") +
                                 key)) == 0);
  }
  CHECK(f.state().eims.size() == kMaxEims);
  CHECK(add_code(der("A8", der("80", utf8("eim-99")) + der("83", "00") + key)) == 1);  // full

  auto update_code = [&](const std::string& config) {
    Package p;
    p.counter = f.state().find_eim("eim-1")->counter_value + 1;
    p.operations = ecos(der("AA", config));
    auto res = results(*decode_result(f.card.es10(request(f.eim1, p))));
    REQUIRE(res.size() == 1);
    REQUIRE(res[0].first == EuiccResultData_PR_updateEimResult);
    return res[0].second;
  };
  const EimConfig before = *f.state().find_eim("eim-x");
  CHECK(update_code(id + der("88", "0102")) == 3);
  CHECK(update_code(id + der("83", "0080000000")) == 6);
  CHECK(update_code(id + der("84", "FF")) == 7);
  CHECK(update_code(id + der("82", "04")) == 7);
  CHECK(*f.state().find_eim("eim-x") == before);
  CHECK(update_code(id + der("81", utf8("eim.example.com")) + der("83", "09")) == 0);
  CHECK(f.state().find_eim("eim-x")->fqdn == std::optional<std::string>("eim.example.com"));
  CHECK(f.state().find_eim("eim-x")->counter_value == 9);
}

TEST_CASE("with no room for its result a package is refused undone: signed undefinedError(127)") {
  SECTION("kMaxPackageResults results are kept") {
    Fixture f([](CardState& s) {
      for (std::size_t i = 0; i < kMaxPackageResults; ++i) {
        s.package_results.push_back(
            StoredPackageResult{++s.last_seq_number, "eim-0", from_hex("BF5100")});
      }
    });
    const CardState before = f.state();
    Package p;
    p.counter = 2;
    p.operations = psmos(enable(kP2));
    const Bytes r = f.card.es10(request(f.eim1, p));
    CHECK(signed_error_code(f, *decode_result(r)) == 127);
    CHECK(card_signed(f.state(), r, 1));
    // Nothing ran: P1 still enabled, the counter not taken, every result still there.
    CHECK(f.state() == before);
    // The IPA removes one; the same package then runs.
    const auto oldest = f.state().package_results.front().seq_number;
    CHECK(to_hex(f.card.es10(from_hex(der("BF30", der("80", int_hex(oldest)))))) == "BF3003800100");
    CHECK(results(*decode_result(f.card.es10(request(f.eim1, p)))) ==
          std::vector<std::pair<EuiccResultData_PR, long>>{{EuiccResultData_PR_enableResult, 0}});
    CHECK(f.state().package_results.size() == kMaxPackageResults);
  }
  SECTION("the signed result does not fit in the card's memory") {
    Fixture f([](CardState& s) { s.config.memory_capacity = s.occupied_memory() + 40; });
    const CardState before = f.state();
    Package p;
    p.counter = 2;
    p.operations = psmos("A600");  // listProfileInfo: a result of a few hundred bytes
    const Bytes r = f.card.es10(request(f.eim1, p));
    CHECK(signed_error_code(f, *decode_result(r)) == 127);
    CHECK(f.state() == before);
  }
}
