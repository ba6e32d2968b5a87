// tools/smdp/https: ES9+ over real TLS on the loopback: the server side of `smdp serve` and
// the client of `lpa`, with certificates from the test PKI (TLS on NIST P-256 and on
// brainpoolP256r1), server authentication through a given CA, and the errors a user sees when
// it does not hold.
#include <catch.hpp>

#include <botan/pem.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "../support/temp_dir.hpp"
#include "euiccsim/crypto/test_pki.hpp"
#include "smdp/https.hpp"

using namespace euiccsim;
using namespace euiccsim::smdp;

namespace {

// An ES9+ peer that only counts and echoes, so this test is about transport.
struct Recorder final : Es9Plus {
  std::atomic<int> calls{0};
  InitiateAuthenticationResponse initiate_authentication(
      const InitiateAuthenticationRequest& r) override {
    ++calls;
    if (r.smdp_address == "refuse") throw Es9Error("8.8.1", "3.8", "not this SM-DP+");
    return {Bytes(16, 0xAB), from_hex("3000"), from_hex("5F3700"), from_hex("0400"),
            r.euicc_info1};
  }
  AuthenticateClientResponse authenticate_client(const AuthenticateClientRequest&) override {
    throw Es9Error("8.10.1", "3.9", "unknown");
  }
  GetBoundProfilePackageResponse get_bound_profile_package(
      const GetBoundProfilePackageRequest&) override {
    throw Es9Error("8.10.1", "3.9", "unknown");
  }
  void handle_notification(const HandleNotificationRequest&) override { ++calls; }
  void cancel_session(const CancelSessionRequest&) override {}
};

void write(const std::filesystem::path& p, const std::string& text) {
  std::ofstream(p) << text;
}

// A TLS identity of a fresh test PKI on `curve`, written as the files `pki init` writes.
struct TlsFiles {
  std::filesystem::path chain, key, ca;
};
TlsFiles tls_files(const std::filesystem::path& dir, crypto::Curve curve, std::uint64_t seed) {
  auto drbg = crypto::Drbg::from_seed(seed, "https-test");
  crypto::CiOptions ci_options;
  ci_options.curve = curve;
  auto ci = crypto::make_ci(ci_options, drbg);
  auto tls = crypto::make_dp_tls(ci, {}, drbg);  // subjectAltName dNSName localhost
  auto pem = [](const Bytes& der) {
    return Botan::PEM_Code::encode(der.data(), der.size(), "CERTIFICATE");
  };
  TlsFiles f{dir / "chain.pem", dir / "key.pem", dir / "ca.pem"};
  write(f.chain, pem(tls.certificate) + pem(ci.certificate));
  write(f.key, tls.key.pkcs8_pem());
  write(f.ca, pem(ci.certificate));
  return f;
}

struct Running {
  Recorder peer;
  std::vector<HttpsRequestLog> log;
  std::mutex mutex;
  std::unique_ptr<Es9PlusHttpsServer> server;
  std::thread thread;
  int port = 0;
  explicit Running(const TlsFiles& f, std::optional<std::size_t> max_request_bytes = {}) {
    server = std::make_unique<Es9PlusHttpsServer>(
        peer, f.chain.string(), f.key.string(), [this](const HttpsRequestLog& l) {
          std::lock_guard<std::mutex> lock(mutex);
          log.push_back(l);
        });
    if (max_request_bytes) server->set_max_request_bytes(*max_request_bytes);
    port = server->bind("127.0.0.1", 0);
    thread = std::thread([this] { server->run(); });
  }
  ~Running() {
    server->stop();
    thread.join();
  }
  std::string at() const { return "localhost:" + std::to_string(port); }
};

InitiateAuthenticationRequest request(const std::string& address = "localhost") {
  return {Bytes(16, 1), from_hex("BF20035A0100"), address};
}

}  // namespace

TEST_CASE("ES9+ over HTTPS, the server authenticated through the given CA") {
  test::TempDir dir;
  for (auto curve : {crypto::Curve::kNistP256, crypto::Curve::kBrainpoolP256r1}) {
    CAPTURE(static_cast<int>(curve));
    auto files = tls_files(dir.path, curve, 1 + static_cast<int>(curve));
    Running running(files);
    REQUIRE(running.port > 0);
    TlsClientOptions options;
    options.ca_file = files.ca.string();
    Es9PlusJsonClient client(https_post(running.at(), options));
    auto r = client.initiate_authentication(request());
    CHECK(to_hex(r.transaction_id) == "ABABABABABABABABABABABABABABABAB");
    CHECK(to_hex(r.server_certificate) == "BF20035A0100");  // the echo made the round trip
    // A Failed header crosses the wire as the server's codes.
    try {
      client.initiate_authentication(request("refuse"));
      FAIL("no exception");
    } catch (const Es9Error& e) {
      CHECK(e.subject_code == "8.8.1");
      CHECK(e.reason_code == "3.8");
    }
    client.handle_notification({from_hex("BF3700")});
    CHECK(running.peer.calls == 3);
    std::lock_guard<std::mutex> lock(running.mutex);
    REQUIRE(running.log.size() == 3);
    CHECK(running.log[0].path == "/gsma/rsp2/es9plus/initiateAuthentication");
    CHECK(running.log[0].http_status == 200);
    CHECK(running.log[0].outcome == "Executed-Success");
    CHECK(running.log[1].outcome == "Failed 8.8.1/3.8");
    CHECK(running.log[2].http_status == 204);
  }
}

TEST_CASE("A server the client cannot authenticate is refused, with a reason") {
  test::TempDir dir;
  std::filesystem::create_directories(dir.path / "a");
  std::filesystem::create_directories(dir.path / "b");
  auto served = tls_files(dir.path / "a", crypto::Curve::kNistP256, 11);
  auto other = tls_files(dir.path / "b", crypto::Curve::kNistP256, 12);
  Running running(served);
  TlsClientOptions wrong_ca;
  wrong_ca.ca_file = other.ca.string();
  Es9PlusJsonClient refused(https_post(running.at(), wrong_ca));
  CHECK_THROWS_WITH(refused.initiate_authentication(request()),
                    Catch::Contains("does not verify") && Catch::Contains("--ca"));
  // The name must match too: the certificate is for localhost, not 127.0.0.1.
  TlsClientOptions right_ca;
  right_ca.ca_file = served.ca.string();
  Es9PlusJsonClient by_ip(https_post("127.0.0.1:" + std::to_string(running.port), right_ca));
  CHECK_THROWS_WITH(by_ip.initiate_authentication(request()), Catch::Contains("does not verify"));
  // --insecure-tls: no check at all.
  TlsClientOptions insecure;
  insecure.insecure = true;
  Es9PlusJsonClient anyway(https_post("127.0.0.1:" + std::to_string(running.port), insecure));
  CHECK_NOTHROW(anyway.initiate_authentication(request()));
  CHECK(running.peer.calls == 1);
  // Nothing listening.
  const int port = running.port;
  running.server->stop();
  running.thread.join();
  running.thread = std::thread([] {});
  Es9PlusJsonClient nobody(https_post("localhost:" + std::to_string(port), right_ca));
  CHECK_THROWS_WITH(nobody.initiate_authentication(request()), Catch::Contains("cannot connect"));
}

TEST_CASE("Files that are not a TLS identity, and addresses, give one-line errors") {
  test::TempDir dir;
  Recorder peer;
  auto files = tls_files(dir.path, crypto::Curve::kNistP256, 3);
  CHECK_THROWS_WITH(Es9PlusHttpsServer(peer, (dir.path / "none.pem").string(), files.key.string(), {}),
                    Catch::Contains("cannot read"));
  CHECK_THROWS_WITH(Es9PlusHttpsServer(peer, files.key.string(), files.chain.string(), {}),
                    Catch::Contains("key.pem: not a PEM certificate chain"));
  CHECK(split_host_port("localhost:8443", 443) == std::make_pair(std::string("localhost"), 8443));
  CHECK(split_host_port("smdp.example.com", 443) ==
        std::make_pair(std::string("smdp.example.com"), 443));
  CHECK(split_host_port("[::1]:9", 443) == std::make_pair(std::string("::1"), 9));
  CHECK_THROWS_AS(split_host_port(":80", 443), std::invalid_argument);
  CHECK_THROWS_AS(split_host_port("host:x", 443), std::invalid_argument);
  CHECK_THROWS_AS(split_host_port("host:99999", 443), std::invalid_argument);
}

TEST_CASE("A request body over the limit is refused with 413, unread") {
  test::TempDir dir;
  auto files = tls_files(dir.path, crypto::Curve::kNistP256, 5);
  TlsClientOptions options;
  options.ca_file = files.ca.string();
  const std::string path = "/gsma/rsp2/es9plus/handleNotification";
  {
    Running running(files);  // the default limit
    auto post = https_post(running.at(), options);
    CHECK(post(path, std::string(kDefaultMaxRequestBytes + 1, 'x')).status == 413);
    // At the limit the body is read, and answered as the ES9+ error it is (not JSON).
    CHECK(post(path, std::string(kDefaultMaxRequestBytes, 'x')).status == 200);
    CHECK(running.peer.calls == 0);
  }
  {
    Running running(files, 2048);
    auto post = https_post(running.at(), options);
    CHECK(post(path, std::string(2049, 'x')).status == 413);
    Es9PlusJsonClient client(post);
    client.handle_notification({from_hex("BF3700")});  // a real request still passes
    CHECK(running.peer.calls == 1);
    std::lock_guard<std::mutex> lock(running.mutex);
    REQUIRE_FALSE(running.log.empty());
    CHECK(running.log.front().http_status == 413);  // and the refusal is logged
  }
}
