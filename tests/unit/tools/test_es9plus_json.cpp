// tools/smdp/es9plus_json: the JSON binding of ES9+ (SGP.22 §6.5) on both sides, without
// sockets. A whole download runs LPA -> JSON client -> answer_es9plus -> SM-DP+ with a real
// card; then what the server answers to bodies that are not ES9+ requests, and what the client
// makes of answers that are not successes.
#include <catch.hpp>

#include "../support/es10_card.hpp"
#include "euiccsim/profiles/builder.hpp"
#include "euiccsim/simulator/json.hpp"
#include "lpa/download.hpp"
#include "smdp/es9plus_json.hpp"
#include "smdp/server.hpp"

using namespace euiccsim;
using namespace euiccsim::smdp;

namespace {

struct World {
  crypto::Drbg drbg = crypto::Drbg::from_seed(5, "es9plus-json");
  sim::Issuer issuer;
  CardSimulator card;
  std::unique_ptr<Server> server;
  std::vector<std::string> paths;

  World() : issuer(make_issuer(drbg)), card(make_card(issuer, drbg)) {
    auto dp_auth = crypto::make_dp_auth(issuer.ci, {}, drbg);
    auto dp_pb = crypto::make_dp_pb(issuer.ci, {}, drbg);
    server = std::make_unique<Server>(
        ServerConfig{"smdp.example.com", dp_auth, dp_pb, {issuer.ci.certificate}}, drbg);
    profiles::ProfileSpec spec;
    spec.iccid = Iccid::parse(test::iccid_of("8999900000000000901"));
    spec.imsi = "001010000000901";
    auto k = from_hex("465B5CE8B199B49FAA5F0A2EE238A6BC");
    spec.k = SecureBytes(k.begin(), k.end());
    spec.opc = SecureBytes(k.begin(), k.end());
    ProfileOffer offer;
    offer.matching_id = "JSON-1";
    offer.package = profiles::encode_package(profiles::build_profile(spec));
    server->add_profile(std::move(offer));
  }
  static sim::Issuer make_issuer(crypto::Drbg& drbg) {
    auto ci = crypto::make_ci({}, drbg);
    crypto::EumOptions eum;
    eum.eid_prefix = "89049032";
    return sim::Issuer{ci, crypto::make_eum(ci, eum, drbg)};
  }
  static CardSimulator make_card(const sim::Issuer& issuer, crypto::Drbg& drbg) {
    CardState state(*Eid::parse("89049032123451234512345678901235"));
    sim::issue_identity(state, issuer, drbg);
    return test::es10_card(std::move(state));
  }
  // The client's POSTs answered by the server in process, as the HTTPS binding would.
  Es9PlusJsonClient client() {
    return Es9PlusJsonClient([this](const std::string& path, const std::string& body) {
      paths.push_back(path);
      REQUIRE(path.rfind(kEs9PlusPathPrefix, 0) == 0);
      return answer_es9plus(*server, path.substr(std::string(kEs9PlusPathPrefix).size()), body);
    });
  }
};

json::Value parsed(const HttpReply& r) {
  auto v = json::parse(r.body);
  REQUIRE(v);
  return *v;
}

std::string status_of(const json::Value& v, const char* key) {
  const json::Value& s = v.at("header").at("functionExecutionStatus");
  if (std::string(key) == "status") return s.at("status").get<std::string>();
  return s.at("statusCodeData").at(key).get<std::string>();
}

}  // namespace

TEST_CASE("A download and its notification go through the JSON binding") {
  World w;
  auto client = w.client();
  lpa::DownloadRequest request;
  request.smdp_address = "smdp.example.com";
  request.matching_id = "JSON-1";
  auto r = lpa::download([&](ByteView q) { return w.card.es10(q); }, client, request);
  REQUIRE(r.installed);
  CHECK(r.iccid == test::iccid_of("8999900000000000901"));
  CHECK(lpa::process_notifications([&](ByteView q) { return w.card.es10(q); }, client) == 1);
  CHECK(w.server->notifications().size() == 1);
  CHECK(w.paths == std::vector<std::string>{"/gsma/rsp2/es9plus/initiateAuthentication",
                                            "/gsma/rsp2/es9plus/authenticateClient",
                                            "/gsma/rsp2/es9plus/getBoundProfilePackage",
                                            "/gsma/rsp2/es9plus/handleNotification"});
}

TEST_CASE("initiateAuthentication answers with hex transactionId and base64 DER") {
  World w;
  auto challenge = w.card.es10(from_hex("BF2E00"));
  auto info1 = w.card.es10(from_hex("BF2000"));
  auto body = json::Value::object();
  body["euiccChallenge"] = base64_encode(ByteView(challenge).subspan(5));
  body["euiccInfo1"] = base64_encode(info1);
  body["smdpAddress"] = "smdp.example.com";
  auto reply = answer_es9plus(*w.server, "initiateAuthentication", json::dump(body));
  CHECK(reply.status == 200);
  auto v = parsed(reply);
  CHECK(status_of(v, "status") == "Executed-Success");
  const std::string tid = v.at("transactionId").get<std::string>();
  CHECK(tid.size() == 32);
  CHECK(tid.find_first_not_of("0123456789ABCDEF") == std::string::npos);
  CHECK(base64_decode(v.at("serverSigned1").get<std::string>()).front() == 0x30);
  auto sig = base64_decode(v.at("serverSignature1").get<std::string>());
  CHECK(to_hex(ByteView(sig).first(3)) == "5F3740");
  CHECK(base64_decode(v.at("euiccCiPKIdToBeUsed").get<std::string>()).front() == 0x04);

  // The same request for another SM-DP+ address: a Failed header with the server's codes.
  body = json::Value::object();
  body["euiccChallenge"] = base64_encode(ByteView(challenge).subspan(5));
  body["euiccInfo1"] = base64_encode(info1);
  body["smdpAddress"] = "other.example.com";
  v = parsed(answer_es9plus(*w.server, "initiateAuthentication", json::dump(body)));
  CHECK(status_of(v, "status") == "Failed");
  CHECK(status_of(v, "subjectCode") == "8.8.1");
  CHECK(status_of(v, "reasonCode") == "3.8");
}

TEST_CASE("Requests that are not ES9+ get status codes, not a crash") {
  World w;
  SECTION("unknown function") {
    auto r = answer_es9plus(*w.server, "frobnicate", "{}");
    CHECK(r.status == 404);
  }
  SECTION("not JSON") {
    auto v = parsed(answer_es9plus(*w.server, "initiateAuthentication", "{\"euiccChallenge\":"));
    CHECK(status_of(v, "status") == "Failed");
    CHECK(status_of(v, "subjectCode") == "1.3.1");
    CHECK(status_of(v, "reasonCode") == "2.1");
  }
  SECTION("a missing element") {
    auto v = parsed(answer_es9plus(*w.server, "initiateAuthentication",
                                   R"({"euiccChallenge":"AAAA","smdpAddress":"x"})"));
    CHECK(status_of(v, "reasonCode") == "2.2");
    CHECK(status_of(v, "message").find("euiccInfo1") != std::string::npos);
  }
  SECTION("an element that is not base64") {
    auto v =
        parsed(answer_es9plus(*w.server, "initiateAuthentication",
                              R"({"euiccChallenge":"*!","euiccInfo1":"AA==","smdpAddress":"x"})"));
    CHECK(status_of(v, "reasonCode") == "2.1");
  }
  SECTION("a transactionId that is not hex") {
    auto v =
        parsed(answer_es9plus(*w.server, "authenticateClient",
                              R"({"transactionId":"XYZ","authenticateServerResponse":"AA=="})"));
    CHECK(status_of(v, "reasonCode") == "2.1");
  }
  SECTION("an unknown transaction") {
    auto v = parsed(answer_es9plus(
        *w.server, "getBoundProfilePackage",
        R"({"transactionId":"00112233445566778899AABBCCDDEEFF","prepareDownloadResponse":"vyEA"})"));
    CHECK(status_of(v, "status") == "Failed");
    CHECK(status_of(v, "subjectCode") == "8.10.1");
    CHECK(status_of(v, "reasonCode") == "3.9");
  }
  SECTION("handleNotification answers 204 even for a notification it refuses") {
    auto r = answer_es9plus(*w.server, "handleNotification", R"({"pendingNotification":"vzcA"})");
    CHECK(r.status == 204);
    CHECK(r.body.empty());
  }
}

TEST_CASE("The client turns Failed headers into Es9Error and other answers into errors") {
  auto client_answering = [](int status, std::string body) {
    return Es9PlusJsonClient([status, body](const std::string&, const std::string&) {
      return HttpReply{status, body};
    });
  };
  InitiateAuthenticationRequest req{Bytes(16, 1), from_hex("BF2000"), "a"};
  auto failed = client_answering(
      200, R"({"header":{"functionExecutionStatus":{"status":"Failed","statusCodeData":)"
           R"({"subjectCode":"8.8.1","reasonCode":"3.8","message":"no"}}}})");
  try {
    failed.initiate_authentication(req);
    FAIL("no exception");
  } catch (const Es9Error& e) {
    CHECK(e.subject_code == "8.8.1");
    CHECK(e.reason_code == "3.8");
  }
  CHECK_THROWS_AS(client_answering(502, "<html>bad gateway</html>").initiate_authentication(req),
                  std::runtime_error);
  // Success, but a field missing or not base64.
  CHECK_THROWS_WITH(
      client_answering(
          200,
          R"({"header":{"functionExecutionStatus":{"status":"Executed-Success"}},"transactionId":"01"})")
          .initiate_authentication(req),
      Catch::Contains("serverSigned1"));
  // handleNotification: 204 without a body is success.
  CHECK_NOTHROW(client_answering(204, "").handle_notification({from_hex("BF3700")}));
}

TEST_CASE("base64 round trips and refuses what is not base64") {
  for (std::size_t n = 0; n < 40; ++n) {
    Bytes b(n);
    for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(i * 37 + 1);
    CHECK(base64_decode(base64_encode(b)) == b);
  }
  CHECK(base64_encode(from_hex("BF2E00")) == "vy4A");
  CHECK(base64_decode("vy4") == from_hex("BF2E"));  // unpadded input is read, as Botan reads it
  CHECK_THROWS_AS(base64_decode("v$4A"), std::invalid_argument);
}
