// The IPAe's poll cycle (applets/ipae): GetEimPackage and each answer, eUICC packages through
// LoadEuiccPackage with their results delivered, acknowledged and removed, IpaEuiccData,
// notifyStateChange, ProfileRollback on connectivity loss, the schedule and back-off, restarts
// (results re-delivered, never re-executed), and bad peers. The eIM is the in-process one of
// tests/unit/support/test_eim.hpp behind a TLS server on the memory network; time is a manual
// clock. Every request the IPAe sends is decoded by our ASN.1 module (the eIM refuses what
// does not decode), and every expected byte is spelt out here or checked with the card's
// certificate.
#include <catch.hpp>

#include <IpaEuiccDataResponse.h>

#include "../support/hex_der.hpp"
#include "../support/ipae_rig.hpp"
#include "euiccsim/crypto/certificate.hpp"

using namespace euiccsim;
using test::HttpIn;
using test::HttpOut;
using test::IpaeRig;
using Wake = applets::ipae::Ipae::Wake;

namespace {

const std::string kP1 = "8999900000000000011";
const std::string kP2 = "8999900000000000022";
constexpr auto der = &test::hex_tlv;

using Event = euiccsim::NotificationEvent;

ProfileMetadata meta(std::vector<Event> events = {Event::kEnable, Event::kDisable}) {
  ProfileMetadata m;
  m.service_provider_name = "Operator";
  m.profile_name = "Profile";
  m.profile_class = euiccsim::ProfileClass::kOperational;
  for (auto e : events) m.notification_config.push_back({e, "smdp.example.com"});
  return m;
}

std::vector<test::PreloadSpec> two_profiles() {
  return {{kP1, true, meta()}, {kP2, false, meta()}};
}

HttpOut status(int code) {
  HttpOut o;
  o.status = code;
  return o;
}

// Whether the profile of `payload` is the enabled one.
bool enabled(const IpaeRig& rig, const std::string& payload) {
  for (const auto& p : rig.state().profiles)
    if (p.iccid().swapped_bcd() == test::iccid_bytes(payload)) return p.enabled;
  FAIL("no profile " << payload);
  return false;
}

// A fault that answers every request of `function` (by tag) with `out`, once.
std::function<std::optional<HttpOut>(const HttpIn&)> answer_once(HttpOut out) {
  return [out](const HttpIn&) { return std::optional<HttpOut>(out); };
}

}  // namespace

TEST_CASE("no package: one GetEimPackage with the EID, the next poll an interval away") {
  IpaeRig rig;
  auto report = rig.poll();
  CHECK(report.ok);
  CHECK(report.eims == 1);
  CHECK(report.packages == 0);
  REQUIRE(rig.eim->received.size() == 1);
  // BF4F { 5A EID }: no state change to report on first contact.
  CHECK(to_hex(rig.eim->received[0].body) == "BF4F125A1089049032123451234512345678901235");
  CHECK(rig.eim->last_admin_protocol == "gsma/rsp/v2.1.0");
  CHECK(rig.eim->last_content_type == "application/x-gsma-rsp-asn1");
  auto ex = rig.exchanges("GetEimPackage");
  REQUIRE(ex.size() == 1);
  CHECK(ex[0].outcome == "eimPackageError noEimPackageAvailable(1)");
  CHECK(ex[0].url == "https://localhost:8443/gsma/rsp2/asn1");
  CHECK(ex[0].http_status == 200);
  // 3600 s +- 60 s from now, persisted.
  const auto& st = rig.state().ipae;
  CHECK(st.cycles == 1);
  CHECK(st.failed_cycles == 0);
  CHECK(st.last_error.empty());
  const auto delay = st.next_poll_ms - applets::ipae::unix_ms(rig.clock.now());
  CHECK(delay >= 3540000);
  CHECK(delay <= 3660000);
  CHECK(rig.saved.back().ipae == st);
  CHECK(rig.net.open_channels() == 0);  // the connection ends with the cycle

  SECTION("the schedule: nothing before it is due, a cycle when it is") {
    rig.clock.set(applets::ipae::from_unix_ms(st.next_poll_ms - 1));
    rig.ipae->tick();
    rig.settle();
    CHECK(rig.eim->received.size() == 1);
    rig.advance_to_wakeup();
    CHECK(rig.eim->received.size() == 2);
    CHECK(rig.recorder.cycles.size() == 2);
  }
}

TEST_CASE("an IPAe that is not active does not poll; activation starts it") {
  IpaeRig rig({}, /*active=*/false);
  rig.ipae->wake(Wake::kStartUp);
  rig.settle();
  CHECK(rig.eim->received.empty());
  CHECK_FALSE(rig.ipae->next_wakeup());
  // IpaeActivation over APDUs (the device's IPAd hands over), then the card wakes its IPAe.
  CHECK(to_hex(rig.card->es10(from_hex("BF420480020780"))) == "BF4203800100");
  rig.ipae->wake(Wake::kModeChange);
  rig.settle();
  CHECK(rig.eim->received.size() == 1);
}

TEST_CASE("an enable PSMO: executed once, result and notifications delivered, removed") {
  IpaeRig rig(two_profiles());
  rig.eim->queue_operations({"enable " + test::iccid_of(kP2)});
  auto report = rig.poll();
  CHECK(report.ok);
  CHECK(report.packages == 1);
  // The card did it.
  CHECK(enabled(rig, kP2));
  // GetEimPackage, ProvideEimPackageResult, GetEimPackage (noEimPackageAvailable).
  REQUIRE(rig.eim->received.size() == 3);
  CHECK(rig.eim->received[1].function == "ProvideEimPackageResult");
  REQUIRE(rig.eim->results.size() == 1);
  const auto& r = rig.eim->results[0];
  CHECK(r.form == eim::PackageResult::Form::kResult);
  CHECK(r.verified);
  CHECK(r.counter_value == 1);
  REQUIRE(r.results.size() == 1);
  CHECK(r.results[0].summary() == "enableResult ok(0)");
  // The disable of P1 and the enable of P2 travelled with it (ePRAndNotifications).
  CHECK(rig.eim->notifications.size() == 2);
  // Acknowledged: nothing left on the card.
  CHECK(rig.state().notifications.empty());
  CHECK(rig.state().package_results.empty());
  CHECK(rig.eim->queued() == 0);
  CHECK(rig.state().ipae.packages == 1);

  SECTION("the same from an IPAd over APDUs gives byte-identical results") {
    IpaeRig ipad(two_profiles(), /*active=*/false);
    const Bytes pkg = ipad.eim->queue_operations({"enable " + test::iccid_of(kP2)});
    const Bytes over_apdus = ipad.card->es10(pkg);
    // The IPAe's result, as it reached the eIM (the BF51 inside ePRAndNotifications).
    const Bytes& provided = rig.eim->received[1].body;
    const std::string hex = to_hex(provided);
    CHECK(hex.find(to_hex(over_apdus)) != std::string::npos);
  }
}

TEST_CASE("ProvideEimPackageResult: only acknowledged results are removed") {
  IpaeRig rig(two_profiles());
  rig.eim->acknowledge = false;
  rig.eim->queue_operations({"get-rat"});
  CHECK(rig.poll().ok);
  // emptyResponse: taken, nothing acknowledged, so the card keeps the result.
  CHECK(rig.state().package_results.size() == 1);
  rig.eim->acknowledge = true;
  CHECK(rig.poll().ok);
  CHECK(rig.state().package_results.empty());
  // Delivered twice, executed once.
  REQUIRE(rig.eim->results.size() == 2);
  CHECK(rig.eim->results[0].seq_number == rig.eim->results[1].seq_number);

  SECTION("an acknowledgement of something the IPAe did not send removes nothing") {
    rig.eim->queue_operations({"get-rat"});
    rig.eim->faults.push_back(nullptr);  // GetEimPackage: the eIM's own answer
    rig.eim->faults.push_back([](const HttpIn&) {
      HttpOut o;
      o.body = from_hex("BF5006BF5303800163");  // seq 99
      return std::optional<HttpOut>(o);
    });
    rig.eim->faults.push_back(answer_once(status(503)));
    CHECK_FALSE(rig.poll().ok);
    CHECK(rig.state().package_results.size() == 1);
    CHECK(rig.recorder.noted("acknowledged sequence number 99"));
  }
}

TEST_CASE("eUICC package refusals reach the eIM: unsigned, signed, malformed, unknown") {
  IpaeRig rig(two_profiles());
  SECTION("a package signed with another key: the card's unsigned error (forged signature)") {
    auto drbg = crypto::Drbg::from_seed(77);
    auto forger = crypto::PrivateKey::generate(crypto::Curve::kNistP256, drbg);
    test::TestEim fake("eim-1", forger, rig.card->eid().str(),
                       rig.state().identity.euicc_certificate);
    fake.set_token(1);
    const Bytes pkg = fake.queue_operations({"disable " + test::iccid_of(kP1)});
    rig.eim->queue_raw(pkg, test::TestEim::Item::Kind::kEuiccPackage, {0x7E, 0x01});
    CHECK(rig.poll().ok);
    REQUIRE(rig.eim->results.size() == 1);
    CHECK(rig.eim->results[0].form == eim::PackageResult::Form::kUnsignedError);
    CHECK(enabled(rig, kP1));  // not executed
    CHECK_FALSE(rig.state().ipae.in_flight);
  }
  SECTION("a replay: the signed replayError") {
    rig.eim->queue_operations({"get-rat"});
    CHECK(rig.poll().ok);
    rig.eim->set_counter(0);  // the eIM signs counter 1 again
    rig.eim->queue_operations({"get-rat"});
    CHECK(rig.poll().ok);
    REQUIRE(rig.eim->results.size() == 2);
    CHECK(rig.eim->results[1].form == eim::PackageResult::Form::kSignedError);
    CHECK(rig.eim->results[1].error_name == "replayError");
    CHECK(rig.eim->results[1].verified);
  }
  SECTION("not an EuiccPackageRequest: eimPackageResultResponseError invalidPackageFormat") {
    rig.eim->queue_raw(from_hex("BF5103020101"), test::TestEim::Item::Kind::kRaw);
    CHECK(rig.poll().ok);
    REQUIRE(rig.eim->package_errors.size() == 1);
    CHECK(to_hex(rig.eim->package_errors[0]) == "A003020101");
  }
  SECTION("an unknown package: unknownPackage(2)") {
    rig.eim->queue_raw(from_hex("BF5303800101"), test::TestEim::Item::Kind::kRaw);
    CHECK(rig.poll().ok);
    REQUIRE(rig.eim->package_errors.size() == 1);
    CHECK(to_hex(rig.eim->package_errors[0]) == "A003020102");
  }
}

TEST_CASE("eimPackageError other than noEimPackageAvailable fails the cycle, naming it") {
  for (const auto& [code, name] :
       std::vector<std::pair<std::string, std::string>>{{"02", "eidNotFound(2)"},
                                                        {"03", "invalidEid(3)"},
                                                        {"04", "missingEid(4)"},
                                                        {"7F", "undefinedError(127)"},
                                                        {"09", "9"}}) {
    IpaeRig rig;
    rig.eim->faults.push_back([code = code](const HttpIn&) {
      HttpOut o;
      o.body = from_hex("BF4F030201" + code);
      return std::optional<HttpOut>(o);
    });
    auto report = rig.poll();
    CHECK_FALSE(report.ok);
    CHECK(report.error == "eim-1: GetEimPackage: eimPackageError " + name);
    CHECK(rig.state().ipae.failed_cycles == 1);
    CHECK(rig.state().ipae.last_error == report.error);
  }
}

TEST_CASE("bad peers: one line each, a bounded back-off, never a crash or a lost result") {
  IpaeRig rig(two_profiles());
  auto error_for = [&](std::function<std::optional<HttpOut>(const HttpIn&)> fault) {
    rig.eim->faults.push_back(std::move(fault));
    auto r = rig.poll();
    CHECK_FALSE(r.ok);
    return r.error;
  };
  CHECK(error_for(answer_once(status(500))) == "eim-1: GetEimPackage: HTTP 500");
  CHECK(error_for(answer_once(status(404))) == "eim-1: GetEimPackage: HTTP 404");
  HttpOut garbage;
  garbage.body = from_hex("DEADBEEF");
  CHECK(error_for(answer_once(garbage)) ==
        "eim-1: GetEimPackage: the answer is not one DER value (4 bytes)");
  HttpOut truncated;
  truncated.body = from_hex("BF4F0302");
  CHECK(error_for(answer_once(truncated)) ==
        "eim-1: GetEimPackage: the answer is not one DER value (4 bytes)");
  HttpOut wrong_tag;
  wrong_tag.body = from_hex("BF50023000");
  CHECK(error_for(answer_once(wrong_tag)) == "eim-1: GetEimPackage: the answer is emptyResponse");
  HttpOut empty;
  CHECK(error_for(answer_once(empty)) == "eim-1: GetEimPackage: the answer is empty answer");
  HttpOut wrong_type;
  wrong_type.body = from_hex("BF4F03020101");
  wrong_type.content_type = "text/html";
  CHECK(error_for(answer_once(wrong_type)) ==
        "eim-1: GetEimPackage: HTTP 200 with Content-Type 'text/html'");
  HttpOut cut;
  cut.body = from_hex("BF4F03020101");
  cut.cut_body_at = 3;
  CHECK(error_for(answer_once(cut)) ==
        "eim-1: GetEimPackage: connection closed inside the HTTP body");
  // Each failed cycle doubles the delay from 10 s, bounded by 3600 s.
  CHECK(rig.state().ipae.failed_cycles == 8);
  const auto delay = rig.state().ipae.next_poll_ms - applets::ipae::unix_ms(rig.clock.now());
  CHECK(delay >= 1280000 - 60000);
  CHECK(delay <= 1280000 + 60000);

  SECTION("a timeout, on the manual clock") {
    rig.eim->faults.push_back(answer_once([] {
      HttpOut o;
      o.no_answer = true;
      return o;
    }()));
    rig.ipae->wake(Wake::kTrigger);
    rig.settle();
    CHECK(rig.ipae->cycle_running());
    rig.advance_to_wakeup();  // 30 s later
    CHECK_FALSE(rig.ipae->cycle_running());
    CHECK(rig.recorder.cycles.back().error ==
          "eim-1: GetEimPackage: no answer from localhost:8443 within 30 s");
  }
  SECTION("a TLS server the card does not trust") {
    const auto& other = [] {
      auto drbg = crypto::Drbg::from_seed(5, "other-pki");
      return sim::make_test_pki(crypto::Curve::kNistP256, {}, drbg);
    }();
    rig.net.listen("localhost", IpaeRig::kEimPort, {other.dp_tls.certificate, other.ci.certificate},
                   other.dp_tls.key, [&](const HttpIn& in) { return rig.eim->handle(in); });
    auto r = rig.poll();
    CHECK_FALSE(r.ok);
    CHECK(r.error.rfind("eim-1: GetEimPackage: TLS: certificate of localhost refused", 0) == 0);
  }
  SECTION("no eIM listening") {
    rig.net.refuse("localhost", IpaeRig::kEimPort);
    auto r = rig.poll();
    CHECK(r.error == "eim-1: GetEimPackage: cannot connect to localhost:8443: connection refused");
  }
  SECTION("a result whose delivery fails stays on the card and goes next time") {
    rig.eim->queue_operations({"disable " + test::iccid_of(kP1)});
    rig.eim->faults.push_back(nullptr);
    rig.eim->faults.push_back(answer_once(status(503)));
    CHECK_FALSE(rig.poll().ok);
    CHECK(rig.state().package_results.size() == 1);
    CHECK(rig.poll().ok);
    CHECK(rig.state().package_results.empty());
    REQUIRE(rig.eim->results.size() == 1);
    CHECK(rig.eim->results[0].results[0].summary() == "disableResult ok(0)");
    CHECK(rig.state().ipae.failed_cycles == 0);
  }
}

TEST_CASE("a restart after the package ran: the result is delivered again, not re-executed") {
  IpaeRig rig(two_profiles());
  rig.eim->queue_operations({"enable " + test::iccid_of(kP2)});
  rig.eim->faults.push_back(nullptr);
  rig.eim->faults.push_back(answer_once([] {
    HttpOut o;
    o.no_answer = true;  // the eIM never hears the result: the card is killed meanwhile
    return o;
  }()));
  rig.ipae->wake(Wake::kTrigger);
  rig.settle();
  REQUIRE(rig.state().package_results.size() == 1);
  const auto counter = rig.state().find_eim("eim-1")->counter_value;
  rig.restart();
  rig.ipae->wake(Wake::kStartUp);
  rig.settle();
  REQUIRE(rig.recorder.cycles.back().ok);
  // The stored result went first; the eIM took the package off its queue on it, so it was
  // not sent again.
  CHECK(rig.eim->count("GetEimPackage") == 2);
  REQUIRE(rig.eim->results.size() == 1);
  CHECK(rig.eim->results[0].results[0].summary() == "enableResult ok(0)");
  CHECK(rig.state().find_eim("eim-1")->counter_value == counter);
  CHECK(rig.state().package_results.empty());

  SECTION("an eIM that sends the package again meets the card's replay check") {
    rig.eim->set_counter(0);
    rig.eim->queue_operations({"enable " + test::iccid_of(kP2)});
    CHECK(rig.poll().ok);
    REQUIRE(rig.eim->results.size() == 2);
    CHECK(rig.eim->results[1].error_name == "replayError");
  }
}

TEST_CASE("a signed error in flight survives a restart and is delivered then") {
  IpaeRig rig(two_profiles());
  rig.eim->queue_operations({"get-rat"});
  CHECK(rig.poll().ok);
  rig.eim->set_counter(0);
  rig.eim->queue_operations({"get-rat"});  // a replay: the card keeps no such error
  rig.eim->faults.push_back(nullptr);
  rig.eim->faults.push_back(answer_once(status(502)));
  CHECK_FALSE(rig.poll().ok);
  REQUIRE(rig.state().ipae.in_flight);
  CHECK(rig.state().ipae.in_flight->kind == IpaeState::InFlight::Kind::kEuiccPackage);
  rig.restart();
  rig.ipae->wake(Wake::kStartUp);
  rig.settle();
  CHECK(rig.recorder.cycles.back().ok);
  CHECK_FALSE(rig.state().ipae.in_flight);
  REQUIRE(rig.eim->results.size() == 2);
  CHECK(rig.eim->results[1].error_name == "replayError");
  CHECK(rig.recorder.noted("resuming the eUICC package in flight"));
}

TEST_CASE("IpaEuiccData: every member asked for, from the card's own answers") {
  IpaeRig rig(two_profiles());
  // A pending notification is delivered first (HandleNotification), before any package.
  CHECK(to_hex(rig.card->es10(from_hex(
            der("BF32", der("A0", der("5A", to_hex(test::iccid_bytes(kP1)))) + "8101FF")))) ==
        "BF3203800100");
  REQUIRE(rig.state().notifications.size() == 1);
  CHECK(rig.poll().ok);
  CHECK(rig.eim->count("HandleNotification") == 1);
  CHECK(rig.state().notifications.empty());
  // A package whose result and notification the eIM takes without acknowledging: both stay
  // on the card, and IpaEuiccData reports them.
  rig.eim->acknowledge = false;
  rig.eim->queue_operations({"enable " + test::iccid_of(kP2)});
  rig.eim->queue_ipa_euicc_data("81A0A2BF20BF2283848384A5A6A8A9", {0x11, 0x22});
  CHECK(rig.poll().ok);
  REQUIRE(rig.eim->data_responses.size() == 1);
  const Bytes& rsp = rig.eim->data_responses[0];
  auto decoded = test::decode_exact<IpaEuiccDataResponse_t>(asn_DEF_IpaEuiccDataResponse, rsp);
  REQUIRE(decoded->present == IpaEuiccDataResponse_PR_ipaEuiccData);
  const auto& d = decoded->choice.ipaEuiccData;
  REQUIRE(d.notificationsList);
  CHECK(d.notificationsList->list.count == 1);  // the enable's
  REQUIRE(d.euiccPackageResultList);
  CHECK(d.euiccPackageResultList->list.count == 1);
  CHECK(d.euiccInfo1);
  REQUIRE(d.euiccInfo2);
  REQUIRE(d.euiccInfo2->ipaMode);
  CHECK(*d.euiccInfo2->ipaMode == IpaMode_ipae);
  REQUIRE(d.rootSmdsAddress);
  CHECK(asn1::string_of(*d.rootSmdsAddress) == "lpa.ds.gsma.com");
  CHECK(d.defaultSmdpAddress == nullptr);  // none configured
  REQUIRE(d.associationToken);
  CHECK(*d.associationToken == 1);
  REQUIRE(d.eumCertificate);
  CHECK(asn1::encode(asn_DEF_Certificate, d.eumCertificate) ==
        rig.state().identity.eum_certificate);
  CHECK(asn1::encode(asn_DEF_Certificate, d.euiccCertificate) ==
        rig.state().identity.euicc_certificate);
  REQUIRE(d.eimTransactionId);
  CHECK(to_hex(asn1::bytes_of(*d.eimTransactionId)) == "1122");
  REQUIRE(d.ipaCapabilities);
  // directRspServerCommunication, indirectRspServerCommunication, eimCtxParams1Generation.
  CHECK(asn1::bits_of(d.ipaCapabilities->ipaFeatures) == 0b1011);
  CHECK(asn1::bits_of(*d.ipaCapabilities->ipaSupportedProtocols) == 1);
  REQUIRE(d.deviceInfo);
  CHECK(to_hex(asn1::bytes_of(d.deviceInfo->tac)) == "35290611");
  CHECK_FALSE(rig.state().ipae.in_flight);
  // Acknowledged next time, with the stored result: then removed.
  rig.eim->acknowledge = true;
  CHECK(rig.poll().ok);
  CHECK(rig.state().notifications.empty());
  CHECK(rig.state().package_results.empty());

  SECTION("a tag that is no IpaEuiccData member: incorrectTagList") {
    for (const std::string tags : {"5A", "BF2D", "81BF", "87"}) {
      rig.eim->queue_ipa_euicc_data(tags, {0x33});
      CHECK(rig.poll().ok);
      CHECK(to_hex(rig.eim->data_responses.back()) ==
            "BF5208A10680013302"
            "0101");
    }
  }
  SECTION("a CI identifier: found when a prefix of the card's, else euiccCiPKIdNotFound") {
    const Bytes ski = crypto::subject_key_identifier(rig.pki.ci.certificate);
    rig.eim->queue_ipa_euicc_data("A6", {0x44}, der("04", to_hex(ski).substr(0, 8)));
    CHECK(rig.poll().ok);
    auto ok = test::decode_exact<IpaEuiccDataResponse_t>(asn_DEF_IpaEuiccDataResponse,
                                                         rig.eim->data_responses.back());
    CHECK(ok->present == IpaEuiccDataResponse_PR_ipaEuiccData);
    rig.eim->queue_ipa_euicc_data("A6", {0x45}, der("04", "C0FFEE"));
    CHECK(rig.poll().ok);
    CHECK(to_hex(rig.eim->data_responses.back()) ==
          "BF5208A10680014502"
          "0105");
  }
  SECTION("the Emergency Profile enabled: ecallActive") {
    rig.restart();
    CardState s = rig.state();
    s.emergency_return_aid = s.profiles[1].isdp_aid;
    rig.start_card(s);
    rig.start_ipae();
    rig.eim->queue_ipa_euicc_data("BF20", {0x55});
    CHECK(rig.poll().ok);
    CHECK(to_hex(rig.eim->data_responses.back()) ==
          "BF5208A10680015502"
          "0168");
  }
}

TEST_CASE("notifyStateChange: a change the eIM did not make is announced with its cause") {
  IpaeRig rig(two_profiles());
  CHECK(rig.poll().ok);  // first contact: the eIM learns the state
  CHECK_FALSE(rig.eim->state_changes.back());
  CHECK(rig.poll().ok);
  CHECK_FALSE(rig.eim->state_changes.back());
  // A local enable over APDUs (ES10c, refreshFlag false).
  CHECK(to_hex(rig.card->es10(from_hex(
            der("BF31", der("A0", der("5A", to_hex(test::iccid_bytes(kP2)))) + "810100")))) ==
        "BF3103800100");
  CHECK(rig.poll().ok);
  REQUIRE(rig.eim->state_changes.back());
  CHECK(*rig.eim->state_changes.back() == 127);  // undefined
  const Bytes& req = rig.eim->received.back().body;
  CHECK(to_hex(req).find("80008101"
                         "7F") != std::string::npos);
  CHECK(rig.poll().ok);
  CHECK_FALSE(rig.eim->state_changes.back());  // told once

  SECTION("the eIM's own package is no news to it") {
    rig.eim->queue_operations({"enable " + test::iccid_of(kP1)});
    CHECK(rig.poll().ok);
    CHECK(rig.poll().ok);
    CHECK_FALSE(rig.eim->state_changes.back());
  }
}

TEST_CASE("ProfileRollback when the eIM cannot be reached after an enable with rollbackFlag") {
  IpaeRig rig(two_profiles());
  rig.eim->queue_operations({"enable " + test::iccid_of(kP2) + " rollback"});
  rig.eim->faults.push_back(nullptr);
  rig.eim->faults.push_back(answer_once(status(503)));  // the result cannot be delivered
  CHECK_FALSE(rig.poll().ok);
  REQUIRE(rig.state().ipae.rollback_watch);
  CHECK(rig.state().ipae.rollback_watch->failures == 1);
  CHECK(enabled(rig, kP2));
  // The new profile has no connectivity: the eIM is unreachable.
  rig.net.refuse("localhost", IpaeRig::kEimPort);
  CHECK_FALSE(rig.poll().ok);
  CHECK(rig.state().ipae.rollback_watch->failures == 2);
  CHECK_FALSE(rig.poll().ok);
  // The third failure: ProfileRollback, the previous profile back.
  CHECK_FALSE(rig.state().ipae.rollback_watch);
  CHECK(enabled(rig, kP1));
  CHECK(rig.recorder.noted("ProfileRollback: cmdResult 0 (ok)"));
  REQUIRE(rig.state().package_results.size() == 2);
  // Connectivity is back: both results reach the eIM, verified.
  rig.net.listen("localhost", IpaeRig::kEimPort,
                 {rig.pki.dp_tls.certificate, rig.pki.ci.certificate}, rig.pki.dp_tls.key,
                 [&](const HttpIn& in) { return rig.eim->handle(in); });
  CHECK(rig.poll().ok);
  REQUIRE(rig.eim->results.size() == 2);
  CHECK(rig.eim->results[0].results[0].summary() == "enableResult ok(0)");
  CHECK(rig.eim->results[1].results[0].summary() == "rollbackResult ok(0)");
  CHECK(rig.eim->results[1].verified);
  CHECK(rig.state().package_results.empty());

  SECTION("an acknowledged enable disarms the watch") {
    rig.eim->queue_operations({"enable " + test::iccid_of(kP2) + " rollback"});
    CHECK(rig.poll().ok);
    CHECK_FALSE(rig.state().ipae.rollback_watch);
  }
}

TEST_CASE("two eIMs are polled in one cycle; a package of one is news to the other") {
  IpaeRig rig(two_profiles());
  // eim-2 added by eim-1's eCO, listening on another port.
  const std::uint16_t port2 = 9443;
  rig.eim->add_eim_configuration = test::eim_configuration("eim-2", port2, rig.pki.eim.certificate);
  rig.eim->queue_operations({"add-eim x"}, /*eco=*/true);
  CHECK(rig.poll().ok);
  REQUIRE(rig.state().eims.size() == 2);
  REQUIRE(rig.eim->results.back().results[0].association_token);
  test::TestEim eim2("eim-2", rig.pki.eim.key, rig.card->eid().str(),
                     rig.state().identity.euicc_certificate);
  eim2.set_token(*rig.eim->results.back().results[0].association_token);
  rig.net.listen("localhost", port2, {rig.pki.dp_tls.certificate, rig.pki.ci.certificate},
                 rig.pki.dp_tls.key, [&](const HttpIn& in) { return eim2.handle(in); });
  CHECK(rig.poll().ok);
  CHECK(eim2.count("GetEimPackage") == 1);
  eim2.queue_operations({"enable " + test::iccid_of(kP2)});
  auto r = rig.poll();
  CHECK(r.ok);
  CHECK(r.eims == 2);
  REQUIRE(eim2.results.size() == 1);
  CHECK(eim2.results[0].verified);
  // eim-1 was polled before eim-2 in that cycle; it hears of the change in the next.
  CHECK(rig.poll().ok);
  REQUIRE(rig.eim->state_changes.back());
  CHECK(*rig.eim->state_changes.back() == 0);  // otherEim
}

TEST_CASE("provideEimPackageResultError and other answers to a result fail the turn, keep it") {
  for (const auto& [body, words] : std::vector<std::pair<std::string, std::string>>{
           {"BF5003020102", "provideEimPackageResultError eidNotFound(2)"},
           {"BF5003020103", "provideEimPackageResultError invalidEid(3)"},
           {"BF5003020104", "provideEimPackageResultError missingEid(4)"},
           {"BF500302017F", "provideEimPackageResultError undefinedError(127)"},
           {"BF5003800101", "unexpected BF50 { 80 }"},
           {"BF4F03020101", "eimPackageError noEimPackageAvailable(1)"},
           {"BF5005BF53038001", "unexpected BF50"}}) {
    IpaeRig rig(two_profiles());
    rig.eim->queue_operations({"get-rat"});
    rig.eim->faults.push_back(nullptr);
    rig.eim->faults.push_back([body = body](const HttpIn&) {
      HttpOut o;
      o.body = from_hex(body);
      return std::optional<HttpOut>(o);
    });
    auto r = rig.poll();
    CHECK_FALSE(r.ok);
    CHECK(r.error == "eim-1: ProvideEimPackageResult: the answer is " + words);
    CHECK(rig.state().package_results.size() == 1);  // offered again next time
  }
}

TEST_CASE("ProfileRollback that the card refuses ends the watch without a change") {
  IpaeRig rig(two_profiles());
  rig.eim->queue_operations({"enable " + test::iccid_of(kP2) + " rollback"});
  rig.eim->faults.push_back(nullptr);
  rig.eim->faults.push_back(answer_once(status(503)));
  CHECK_FALSE(rig.poll().ok);
  // Meanwhile a local disable over APDUs ends what the rollback could undo.
  CHECK(to_hex(rig.card->es10(from_hex(
            der("BF32", der("A0", der("5A", to_hex(test::iccid_bytes(kP2)))) + "810100")))) ==
        "BF3203800100");
  rig.net.refuse("localhost", IpaeRig::kEimPort);
  CHECK_FALSE(rig.poll().ok);
  CHECK_FALSE(rig.poll().ok);
  CHECK_FALSE(rig.state().ipae.rollback_watch);
  CHECK(rig.recorder.noted("ProfileRollback: cmdResult 1"));
  CHECK_FALSE(enabled(rig, kP1));  // nothing was switched back
}
