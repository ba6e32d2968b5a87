// Profile downloads by the IPAe (applets/ipae/{profile_download_trigger,indirect_download,
// direct_download}.cpp): indirect through the in-process eIM relaying to the test SM-DP+
// (tools/smdp, the server side written apart from the card), with and without SGP.32's compact
// forms, which the eIM must rebuild byte for byte for the SM-DP+ to verify the card's
// signatures; direct over ES9+'s JSON binding to the same SM-DP+ behind a TLS server; then
// ImmediateEnable, the installation result to its receiver, every error path, and restarts in
// the middle of a download.
#include <catch.hpp>

#include "../support/hex_der.hpp"
#include "../support/ipae_rig.hpp"
#include "euiccsim/profiles/builder.hpp"
#include "euiccsim/profiles/package.hpp"
#include "smdp/es9plus_json.hpp"

using namespace euiccsim;
using test::HttpIn;
using test::HttpOut;
using test::IpaeRig;
using Wake = applets::ipae::Ipae::Wake;

namespace {

constexpr std::uint16_t kSmdpPort = 9443;
const std::string kSmdpAddress = "localhost:9443";
const std::string kPayload = "8999900000000000777";

Bytes package_for(const std::string& payload) {
  profiles::ProfileSpec spec;
  spec.iccid = Iccid::parse(payload + Iccid::luhn_digit(payload));
  spec.imsi = "001010000000777";
  spec.profile_type = "ipae download";
  auto k = from_hex("465B5CE8B199B49FAA5F0A2EE238A6BC");
  auto opc = from_hex("CD63CB71954A9F4E48A5994E37A02BAF");
  spec.k = SecureBytes(k.begin(), k.end());
  spec.opc = SecureBytes(opc.begin(), opc.end());
  return profiles::encode_package(profiles::build_profile(spec));
}

// The rig with an SM-DP+ at localhost:9443 offering the profile under "IOT1", reachable over
// HTTPS (ES9+ JSON) and by the eIM in process.
struct DownloadRig {
  IpaeRig rig;
  crypto::Drbg smdp_drbg = crypto::Drbg::from_seed(31, "smdp");
  std::unique_ptr<smdp::Server> server;
  std::vector<std::string> smdp_calls;
  std::function<std::optional<HttpOut>(const std::string& function)> smdp_fault;

  explicit DownloadRig(bool indirect, IpaeConfig config = {})
      : rig({}, true, indirect, std::move(config)) {
    smdp::ServerConfig c{kSmdpAddress,
                         rig.pki.dp_auth,
                         rig.pki.dp_pb,
                         {rig.pki.ci.certificate},
                         {'i', 'p', 'a', 'e'}};
    server = std::make_unique<smdp::Server>(c, smdp_drbg);
    smdp::ProfileOffer offer;
    offer.matching_id = "IOT1";
    offer.package = package_for(kPayload);
    server->add_profile(offer);
    rig.eim->smdp = server.get();
    rig.net.listen("localhost", kSmdpPort, {rig.pki.dp_tls.certificate, rig.pki.ci.certificate},
                   rig.pki.dp_tls.key, [this](const HttpIn& in) {
                     const std::string function = in.path.substr(in.path.rfind('/') + 1);
                     smdp_calls.push_back(function);
                     if (smdp_fault) {
                       if (auto f = smdp_fault(function)) return *f;
                     }
                     auto reply = smdp::answer_es9plus(*server, function,
                                                       std::string(in.body.begin(), in.body.end()));
                     HttpOut o;
                     o.status = reply.status;
                     o.content_type = "application/json";
                     o.body.assign(reply.body.begin(), reply.body.end());
                     return o;
                   });
  }
  bool installed() const {
    for (const auto& p : rig.state().profiles)
      if (p.iccid().str() == kPayload + Iccid::luhn_digit(kPayload)) return true;
    return false;
  }
  bool enabled() const {
    for (const auto& p : rig.state().profiles)
      if (p.iccid().str() == kPayload + Iccid::luhn_digit(kPayload)) return p.enabled;
    return false;
  }
};

// The error reason and errorResponse of a ProfileDownloadTriggerResult BF54 { 82, 30 { 80, 04 } }.
std::pair<long, Bytes> download_error(const Bytes& bf54) {
  auto top = tlv::read(bf54);
  auto kids = tlv::read_all(top->value);
  auto err = tlv::find(*kids, 0x30);
  REQUIRE(err);
  auto parts = tlv::read_all(err->value);
  auto reason = tlv::find(*parts, 0x80);
  auto rsp = tlv::find(*parts, 0x04);
  return {static_cast<long>(*tlv::decode_uint(reason->value)),
          rsp ? Bytes(rsp->value.begin(), rsp->value.end()) : Bytes{}};
}

}  // namespace

TEST_CASE("indirect download: relayed by the eIM, the result as HandleNotification") {
  DownloadRig d(/*indirect=*/true);
  d.rig.eim->queue_download("1$" + kSmdpAddress + "$IOT1", {0xD1});
  auto report = d.rig.poll();
  INFO(report.error);
  CHECK(report.ok);
  CHECK(d.installed());
  CHECK_FALSE(d.enabled());  // no immediate enable configured
  for (const auto& f : {"InitiateAuthentication", "AuthenticateClient", "GetBoundProfilePackage",
                        "HandleNotification"})
    CHECK(d.rig.eim->count(f) == 1);
  CHECK(d.rig.eim->bad_requests.empty());
  CHECK_FALSE(d.rig.eim->compact_seen);
  REQUIRE(d.rig.eim->notifications.size() == 1);
  CHECK(d.rig.eim->notifications[0][0] == 0xBF);  // BF37
  CHECK(d.rig.eim->queued() == 0);
  CHECK(d.rig.state().notifications.empty());
  CHECK_FALSE(d.rig.state().ipae.in_flight);
  CHECK(d.smdp_calls.empty());  // the IPAe never spoke to the SM-DP+ itself
  // InitiateAuthentication carried the eIM's transaction id and the SM-DP+ address.
  auto ia = d.rig.eim->received[1].body;
  CHECK(to_hex(ia).find("8201D1") != std::string::npos);
  CHECK(to_hex(ia).find(test::utf8(kSmdpAddress)) != std::string::npos);
}

TEST_CASE("indirect download with minimizeEsipaBytes: compact forms the eIM rebuilds") {
  IpaeConfig cfg;
  cfg.minimize_esipa_bytes = true;
  DownloadRig d(/*indirect=*/true, cfg);
  d.rig.eim->queue_download("1$" + kSmdpAddress + "$IOT1", {0xD2});
  auto report = d.rig.poll();
  INFO(report.error);
  CHECK(report.ok);
  CHECK(d.rig.eim->compact_seen);
  CHECK(d.installed());
  // AuthenticateClient carried BF38 { A2 { A0 { 84 ... } ... } }: no certificates.
  for (const auto& r : d.rig.eim->received) {
    if (r.function != "AuthenticateClient") continue;
    auto top = tlv::read(r.body);
    auto bf38 = tlv::find(*tlv::read_all(top->value), 0xBF38);
    REQUIRE(bf38);
    CHECK(bf38->value[0] == 0xA2);
    CHECK(bf38->size < 300);
  }
}

TEST_CASE("direct download: ES9+ to the SM-DP+, its notification there, the result to the eIM") {
  DownloadRig d(/*indirect=*/false);
  d.rig.eim->queue_download("1$" + kSmdpAddress + "$IOT1", {0xD3});
  auto report = d.rig.poll();
  INFO(report.error);
  CHECK(report.ok);
  CHECK(d.installed());
  CHECK(d.smdp_calls == std::vector<std::string>{"initiateAuthentication", "authenticateClient",
                                                 "getBoundProfilePackage", "handleNotification"});
  CHECK(d.server->notifications().size() == 1);
  REQUIRE(d.rig.eim->download_results.size() == 1);
  // BF54 { 82 D3, BF37 ... }
  CHECK(to_hex(d.rig.eim->download_results[0]).find("8201D3BF37") != std::string::npos);
  CHECK(d.rig.eim->count("InitiateAuthentication") == 0);
  CHECK(d.rig.eim->queued() == 0);
  CHECK(d.rig.state().notifications.empty());
  auto ex = d.rig.exchanges("ES9+ initiateAuthentication");
  REQUIRE(ex.size() == 1);
  CHECK(ex[0].url == "https://localhost:9443/gsma/rsp2/es9plus/initiateAuthentication");
}

TEST_CASE("ImmediateEnable after the download when configured; eIMs hear it as cause 5") {
  DownloadRig d(/*indirect=*/true);
  CHECK(d.rig.poll().ok);  // the eIM learns the state first
  // ConfigureImmediateProfileEnabling needs no eIM... the eIM's PSMO sets it.
  d.rig.eim->queue_operations({"configure-immediate-enable flag"});
  d.rig.eim->queue_download("1$" + kSmdpAddress + "$IOT1", {0xD4});
  auto report = d.rig.poll();
  INFO(report.error);
  CHECK(report.ok);
  CHECK(d.enabled());
  CHECK(d.rig.recorder.noted("ImmediateEnable ok"));
  // The GetEimPackage after the download, in the same cycle, told the eIM: cause 5.
  const auto& changes = d.rig.eim->state_changes;
  CHECK(std::find(changes.begin(), changes.end(), std::optional<long>(5)) != changes.end());
  CHECK(d.rig.poll().ok);
  CHECK_FALSE(d.rig.eim->state_changes.back());  // once
}

TEST_CASE("download errors reach the eIM as ProfileDownloadTriggerResult errors") {
  SECTION("an unknown matching ID (the SM-DP+ refuses; its answer as errorResponse)") {
    DownloadRig d(false);
    d.rig.eim->queue_download("1$" + kSmdpAddress + "$NOPE", {0xE1});
    CHECK(d.rig.poll().ok);
    REQUIRE(d.rig.eim->download_results.size() == 1);
    auto [reason, rsp] = download_error(d.rig.eim->download_results[0]);
    CHECK(reason == 127);
    CHECK(std::string(rsp.begin(), rsp.end()).find("Failed") != std::string::npos);
    CHECK_FALSE(d.installed());
    CHECK(d.rig.eim->queued() == 0);
  }
  SECTION("a malformed activation code") {
    DownloadRig d(false);
    d.rig.eim->queue_download("LPA:1$" + kSmdpAddress, {0xE2});
    CHECK(d.rig.poll().ok);
    REQUIRE(d.rig.eim->download_results.size() == 1);
    CHECK(to_hex(d.rig.eim->download_results[0]) ==
          "BF54088201E230038001"
          "7F");
    CHECK(d.smdp_calls.empty());
  }
  SECTION("contactSmds: not supported") {
    DownloadRig d(false);
    // BF54 { A0 { A2 { } } (contactSmds, explicit [0]), 82 E3 }.
    d.rig.eim->queue_raw(from_hex("BF5407A002A2008201E3"), test::TestEim::Item::Kind::kDownload,
                         {0xE3});
    CHECK(d.rig.poll().ok);
    REQUIRE(d.rig.eim->download_results.size() == 1);
    CHECK(to_hex(d.rig.eim->download_results[0]) ==
          "BF54088201E330038001"
          "7F");
  }
  SECTION("the Emergency Profile enabled: ecallActive") {
    DownloadRig d(true);
    d.rig.restart();
    CardState s = d.rig.state();
    s.emergency_return_aid = from_hex("A0000005591010FFFFFFFF8900001000");
    d.rig.start_card(s);
    d.rig.start_ipae();
    d.rig.eim->queue_download("1$" + kSmdpAddress + "$IOT1", {0xE4});
    CHECK(d.rig.poll().ok);
    REQUIRE(d.rig.eim->download_results.size() == 1);
    CHECK(to_hex(d.rig.eim->download_results[0]) ==
          "BF54088201E430038001"
          "68");
  }
  SECTION("the eIM refuses InitiateAuthentication (its answer as errorResponse)") {
    DownloadRig d(true);
    d.rig.eim->queue_download("1$" + kSmdpAddress + "$IOT1", {0xE5});
    d.rig.eim->faults.push_back(nullptr);  // GetEimPackage
    d.rig.eim->faults.push_back([](const HttpIn&) {
      HttpOut o;
      o.body = from_hex("BF3903810132");  // smdpAddressMismatch
      return std::optional<HttpOut>(o);
    });
    CHECK(d.rig.poll().ok);
    REQUIRE(d.rig.eim->download_results.size() == 1);
    auto [reason, rsp] = download_error(d.rig.eim->download_results[0]);
    CHECK(reason == 127);
    CHECK(to_hex(rsp) == "BF3903810132");
  }
  SECTION("a package that is not a trigger: invalidPackageFormat") {
    DownloadRig d(true);
    // BF54 { 82 01, 00 }: a TLV that is none. The transaction id still reaches the eIM.
    d.rig.eim->queue_raw(from_hex("BF540482010100"), test::TestEim::Item::Kind::kRaw, {0x01});
    CHECK(d.rig.poll().ok);
    REQUIRE(d.rig.eim->package_errors.size() == 1);
    CHECK(to_hex(d.rig.eim->package_errors[0]) == "A006800101020101");
  }
}

TEST_CASE("a download interrupted by a restart before the installation is reported failed") {
  DownloadRig d(true);
  d.rig.eim->queue_download("1$" + kSmdpAddress + "$IOT1", {0xF1});
  d.rig.eim->faults.push_back(nullptr);  // GetEimPackage
  d.rig.eim->faults.push_back(nullptr);  // InitiateAuthentication
  d.rig.eim->faults.push_back([](const HttpIn&) {
    HttpOut o;
    o.no_answer = true;  // AuthenticateClient: the card dies while waiting
    return std::optional<HttpOut>(o);
  });
  d.rig.ipae->wake(Wake::kTrigger);
  d.rig.settle();
  REQUIRE(d.rig.state().ipae.in_flight);
  CHECK(d.rig.state().ipae.in_flight->step == 1);
  d.rig.restart();
  d.rig.ipae->wake(Wake::kStartUp);
  d.rig.settle();
  CHECK(d.rig.recorder.cycles.back().ok);
  REQUIRE(d.rig.eim->download_results.size() == 1);
  CHECK(download_error(d.rig.eim->download_results[0]).first == 127);
  CHECK(d.rig.recorder.noted("interrupted before the profile was installed"));
  CHECK_FALSE(d.rig.state().ipae.in_flight);
  CHECK(d.rig.eim->queued() == 0);
}

TEST_CASE("a direct download whose notification could not go is delivered after a restart") {
  DownloadRig d(false);
  d.rig.eim->queue_download("1$" + kSmdpAddress + "$IOT1", {0xF2});
  d.smdp_fault = [](const std::string& function) -> std::optional<HttpOut> {
    if (function != "handleNotification") return std::nullopt;
    HttpOut o;
    o.no_answer = true;
    return o;
  };
  d.rig.ipae->wake(Wake::kTrigger);
  d.rig.settle();
  CHECK(d.installed());
  REQUIRE(d.rig.state().ipae.in_flight);
  CHECK(d.rig.state().ipae.in_flight->step == 2);
  d.rig.restart();
  d.smdp_fault = nullptr;
  d.rig.ipae->wake(Wake::kStartUp);
  d.rig.settle();
  CHECK(d.rig.recorder.cycles.back().ok);
  CHECK(d.server->notifications().size() == 1);
  REQUIRE(d.rig.eim->download_results.size() == 1);
  CHECK(to_hex(d.rig.eim->download_results[0]).find("8201F2BF37") != std::string::npos);
  CHECK(d.rig.state().notifications.empty());
  CHECK_FALSE(d.rig.state().ipae.in_flight);
}

TEST_CASE("a confirmation code the IPAe cannot give: the session cancelled on both sides") {
  SECTION("indirect: ESipa CancelSession with the card's signed answer") {
    DownloadRig d(true);
    smdp::ProfileOffer offer;
    offer.matching_id = "CC1";
    offer.package = package_for("8999900000000000888");
    offer.confirmation_code = "1234";
    d.server->add_profile(offer);
    d.rig.eim->queue_download("1$" + kSmdpAddress + "$CC1$$1", {0xC1});
    CHECK(d.rig.poll().ok);
    REQUIRE(d.rig.eim->cancels.size() == 1);
    // BF41 { 80 tid, A1 { A0 { 30 { 80 tid, 81 oid, 82 undefinedReason(127) }, 5F37 } } }
    CHECK(to_hex(d.rig.eim->cancels[0]).find("82017F") != std::string::npos);
    REQUIRE(d.rig.eim->download_results.size() == 1);
    CHECK(download_error(d.rig.eim->download_results[0]).first == 127);
    CHECK(d.rig.recorder.noted("wants a confirmation code and the eIM gave no hashCc"));
  }
  SECTION("direct: refused before anything is asked of the SM-DP+") {
    DownloadRig d(false);
    d.rig.eim->queue_download("1$" + kSmdpAddress + "$CC1$$1", {0xC2});
    CHECK(d.rig.poll().ok);
    CHECK(d.smdp_calls.empty());
    REQUIRE(d.rig.eim->download_results.size() == 1);
    CHECK(d.rig.recorder.noted("requires a confirmation code"));
  }
}
