// tools/eim/esipa_https: ESipa's HTTP binding on a real TLS socket on the loopback, with an
// httplib client written here: the path, the media type and X-Admin-Protocol it takes and
// answers (ESIPA.md §2.1, §6), "no response" as 200 with an empty body, openiotrsp's variant,
// and the status of each refusal; a TLS identity in DER as well as PEM.
#include <catch.hpp>

#include <botan/pem.h>
#include <httplib.h>

#include <fstream>
#include <mutex>
#include <thread>

#include "../support/eim_fixture.hpp"
#include "../support/hex_der.hpp"
#include "eim/esipa_https.hpp"
#include "euiccsim/crypto/test_pki.hpp"

using namespace euiccsim;
using test::EimFixture;
using test::kEimEid;
constexpr auto der = &test::hex_tlv;

namespace {

void write(const std::filesystem::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary) << text;
}

struct Tls {
  std::filesystem::path cert, key, ca;
};
// `der_files`: the certificate and key written as DER (one certificate, PKCS#8 key).
Tls tls_files(const std::filesystem::path& dir, bool der_files) {
  auto drbg = crypto::Drbg::from_seed(3, "esipa-https");
  auto ci = crypto::make_ci({}, drbg);
  auto tls = crypto::make_dp_tls(ci, {}, drbg);  // dNSName localhost
  auto pem = [](const Bytes& d) {
    return Botan::PEM_Code::encode(d.data(), d.size(), "CERTIFICATE");
  };
  Tls f{dir / "tls.crt", dir / "tls.key", dir / "ca.pem"};
  if (der_files) {
    write(f.cert, std::string(tls.certificate.begin(), tls.certificate.end()));
    auto k = tls.key.pkcs8();
    write(f.key, std::string(k.begin(), k.end()));
  } else {
    write(f.cert, pem(tls.certificate) + pem(ci.certificate));
    write(f.key, tls.key.pkcs8_pem());
  }
  write(f.ca, pem(ci.certificate));
  return f;
}

struct Running {
  Running(EimFixture& f, const Tls& tls) {
    server = std::make_unique<eim::EsipaHttpsServer>(*f.eim, tls.cert.string(), tls.key.string(),
                                                     [this](const eim::EsipaRequestLog& l) {
                                                       std::lock_guard<std::mutex> lock(mutex);
                                                       log.push_back(l);
                                                     });
    port = server->bind("127.0.0.1", 0);
    thread = std::thread([this] { server->run(); });
    client = std::make_unique<httplib::SSLClient>("localhost", port);
    client->set_ca_cert_path(tls.ca.c_str());
    client->set_keep_alive(true);
    client->enable_server_certificate_verification(true);
  }
  ~Running() {
    client.reset();  // close a kept-alive connection, so the worker does not wait it out
    server->stop();
    thread.join();
  }
  httplib::Result post(const std::string& path, const std::string& hex,
                       const std::string& type = eim::kEsipaMediaType,
                       const std::string& admin = "gsma/rsp/v2.1.0") {
    httplib::Headers h;
    if (!admin.empty()) h.emplace("X-Admin-Protocol", admin);
    Bytes body = from_hex(hex);
    return client->Post(path.c_str(), h, std::string(body.begin(), body.end()), type.c_str());
  }
  std::vector<eim::EsipaRequestLog> lines() {
    std::lock_guard<std::mutex> lock(mutex);
    return log;
  }
  std::unique_ptr<eim::EsipaHttpsServer> server;
  std::unique_ptr<httplib::SSLClient> client;
  std::thread thread;
  int port = 0;
  std::mutex mutex;
  std::vector<eim::EsipaRequestLog> log;
};

std::string hex_of(const std::string& s) {
  return to_hex(Bytes(s.begin(), s.end()));
}

}  // namespace

TEST_CASE("ESipa over HTTPS: POST /gsma/rsp2/asn1, its media type and admin protocol both ways") {
  for (bool der_files : {false, true}) {
    EimFixture f;
    f.eim->register_card(kEimEid, "eim-1", 0, std::optional<std::int64_t>(1), {});
    Running r(f, tls_files(f.dir.path, der_files));
    auto res = r.post(eim::kEsipaPath, der("BF4F", der("5A", kEimEid)));
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(hex_of(res->body) == "BF4F03020101");
    CHECK(res->get_header_value("Content-Type") == "application/x-gsma-rsp-asn1");
    CHECK(res->get_header_value("X-Admin-Protocol") == "gsma/rsp/v2.1.0");
    auto lines = r.lines();
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].eid == kEimEid);
    CHECK(lines[0].function == "GetEimPackage");
    CHECK(lines[0].http_status == 200);
    CHECK(lines[0].outcome == "noEimPackageAvailable(1)");
  }
}

TEST_CASE("ESipa over HTTPS: other v2.x admin protocols and openiotrsp's path and media type") {
  EimFixture f;
  f.eim->register_card(kEimEid, "eim-1", 0, std::optional<std::int64_t>(1), {});
  Running r(f, tls_files(f.dir.path, false));
  auto v24 = r.post(eim::kEsipaPath, der("BF4F", der("5A", kEimEid)), eim::kEsipaMediaType,
                    "gsma/rsp/v2.4.0");
  REQUIRE(v24);
  CHECK(v24->status == 200);
  auto oirsp = r.post("/esipa", der("BF4F", der("5A", kEimEid)), eim::kOirspMediaType);
  REQUIRE(oirsp);
  CHECK(oirsp->status == 200);
  CHECK(hex_of(oirsp->body) == "BF4F03020101");
  CHECK(oirsp->get_header_value("Content-Type") == eim::kOirspMediaType);
}

TEST_CASE("ESipa over HTTPS: HandleNotification's missing response is 200 with no body") {
  EimFixture f;
  f.eim->register_card(kEimEid, "eim-1", 0, std::optional<std::int64_t>(1), {});
  f.queue_psmo({"enable " + test::iccid_of("8999900000000000002")});
  f.card.es10(*f.package_of(f.poll()));
  const Bytes list = f.notification_list();  // A0 { the enable notification }
  Running r(f, tls_files(f.dir.path, false));
  r.post(eim::kEsipaPath, der("BF4F", der("5A", kEimEid)));  // the IPA polls first
  auto res = r.post(eim::kEsipaPath, der("BF3D", to_hex(list)));
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->body.empty());
  CHECK(res->get_header_value("Content-Length") == "0");
  REQUIRE(f.store->notifications(kEimEid).size() == 1);
}

TEST_CASE("ESipa over HTTPS: refusals, each with its status and one log line") {
  EimFixture f;
  Running r(f, tls_files(f.dir.path, false));
  const std::string poll = der("BF4F", der("5A", kEimEid));
  auto type = r.post(eim::kEsipaPath, poll, "application/json");
  REQUIRE(type);
  CHECK(type->status == 415);
  auto admin = r.post(eim::kEsipaPath, poll, eim::kEsipaMediaType, "gsma/rsp/v3.0.0");
  REQUIRE(admin);
  CHECK(admin->status == 400);
  auto none = r.post(eim::kEsipaPath, poll, eim::kEsipaMediaType, "");
  REQUIRE(none);
  CHECK(none->status == 400);
  auto path = r.post("/gsma/rsp2/es9plus/initiateAuthentication", poll);
  REQUIRE(path);
  CHECK(path->status == 404);
  auto get = r.client->Get(eim::kEsipaPath);
  REQUIRE(get);
  CHECK(get->status == 405);
  auto garbage = r.post(eim::kEsipaPath,
                        "BF4F05"
                        "5A");  // truncated
  REQUIRE(garbage);
  CHECK(garbage->status == 400);
  auto lines = r.lines();
  REQUIRE(lines.size() == 6);
  CHECK(lines[0].outcome.find("Content-Type 'application/json'") == 0);
  CHECK(lines[1].outcome == "X-Admin-Protocol 'gsma/rsp/v3.0.0' is not gsma/rsp/v2.x.y");
  CHECK(lines[3].http_status == 404);
  CHECK(lines[4].http_status == 405);
  CHECK(lines[5].outcome == "not one BER-TLV (truncated or malformed)");
}

TEST_CASE("admin_protocol_accepted: any gsma/rsp/v2.x.y") {
  CHECK(eim::admin_protocol_accepted("gsma/rsp/v2.1.0"));
  CHECK(eim::admin_protocol_accepted("gsma/rsp/v2.4.12"));
  CHECK_FALSE(eim::admin_protocol_accepted("gsma/rsp/v1.0.0"));
  CHECK_FALSE(eim::admin_protocol_accepted("gsma/rsp/v2.1"));
  CHECK_FALSE(eim::admin_protocol_accepted(""));
}

TEST_CASE("a TLS key that is not the certificate's is refused in one line") {
  EimFixture f;
  auto tls = tls_files(f.dir.path, false);
  auto drbg = crypto::Drbg::from_seed(9, "other");
  write(f.dir.path / "other.key",
        crypto::PrivateKey::generate(crypto::Curve::kNistP256, drbg).pkcs8_pem());
  CHECK_THROWS_WITH(
      eim::EsipaHttpsServer(*f.eim, tls.cert.string(), (f.dir.path / "other.key").string(), {}),
      Catch::Contains("is not the key of"));
  CHECK_THROWS_WITH(
      eim::EsipaHttpsServer(*f.eim, (f.dir.path / "absent").string(), tls.key.string(), {}),
      Catch::Contains("cannot read"));
}
