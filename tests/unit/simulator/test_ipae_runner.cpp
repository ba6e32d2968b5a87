// The host side of the IPAe: the socket Bearer (simulator/host/socket_bearer) and the runner
// that drives IPAes on one thread (simulator/host/ipae_runner), against an eIM behind a real
// HTTPS server on loopback (cpp-httplib over OpenSSL: another TLS stack than the card's
// Botan client). The runner waits on its sockets, never on a timer of the test.
#include <httplib.h>
#include <catch.hpp>

#include <botan/pem.h>

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <future>
#include <thread>

#include "../support/ipae_rig.hpp"
#include "../support/temp_dir.hpp"
#include "euiccsim/simulator/host/ipae_runner.hpp"

using namespace euiccsim;

namespace {

std::string pem(const Bytes& der) {
  return Botan::PEM_Code::encode(der.data(), der.size(), "CERTIFICATE");
}

// The eIM of the rig behind an OpenSSL HTTPS server on 127.0.0.1, any free port.
struct LoopbackEim {
  test::TempDir dir;
  std::unique_ptr<httplib::SSLServer> server;
  std::thread thread;
  int port = 0;
  std::mutex mu;

  explicit LoopbackEim(const sim::TestPki& pki,
                       std::function<test::HttpOut(const test::HttpIn&)> handle) {
    const auto cert = dir.path / "chain.pem";
    const auto key = dir.path / "key.pem";
    std::ofstream(cert) << pem(pki.dp_tls.certificate) << pem(pki.ci.certificate);
    std::ofstream(key) << pki.dp_tls.key.pkcs8_pem();
    server = std::make_unique<httplib::SSLServer>(cert.c_str(), key.c_str());
    REQUIRE(server->is_valid());
    server->Post("/gsma/rsp2/asn1", [this, handle](const httplib::Request& req,
                                                   httplib::Response& res) {
      std::lock_guard lock(mu);
      test::HttpIn in;
      in.method = "POST";
      in.path = req.path;
      for (const auto& [k, v] : req.headers) {
        std::string name = k;
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        in.headers[name] = v;
      }
      in.body.assign(req.body.begin(), req.body.end());
      auto out = handle(in);
      res.status = out.status;
      if (!out.body.empty())
        res.set_content(std::string(out.body.begin(), out.body.end()), out.content_type.c_str());
    });
    port = server->bind_to_any_port("127.0.0.1");
    REQUIRE(port > 0);
    thread = std::thread([this] { server->listen_after_bind(); });
  }
  ~LoopbackEim() {
    server->stop();
    thread.join();
  }
};

}  // namespace

TEST_CASE("the runner polls through real sockets and TLS: a package executed, logged") {
  // The card's eIM address needs the port first: find one, then make the rig with it.
  std::unique_ptr<test::IpaeRig> rig;
  test::TestEim* eim = nullptr;
  LoopbackEim server(test::ipae_pki(), [&](const test::HttpIn& in) { return eim->handle(in); });
  rig = std::make_unique<test::IpaeRig>(
      std::vector<test::PreloadSpec>{{"8999900000000000011", true, {}},
                                     {"8999900000000000022", false, {}}},
      true, false, IpaeConfig{}, static_cast<std::uint16_t>(server.port));
  eim = rig->eim.get();
  eim->queue_operations({"enable " + test::iccid_of("8999900000000000022")});

  applets::ipae::SystemClock clock;
  std::vector<std::string> lines;
  sim::host::IpaeRunner::Options o;
  o.log = [&](const std::string& eid, const std::string& line) {
    lines.push_back(eid + " " + line);
  };
  sim::host::IpaeRunner runner(clock, o);
  rig->ipae.reset();  // the runner drives the card's IPAe now
  runner.add(rig->card->card(), crypto::Drbg::from_seed(9));
  auto reports = runner.poll_all(std::chrono::seconds(60));
  REQUIRE(reports.size() == 1);
  INFO(reports[0].error);
  CHECK(reports[0].ok);
  CHECK(reports[0].packages == 1);
  REQUIRE(eim->results.size() == 1);
  CHECK(eim->results[0].verified);
  const std::string url = "https://localhost:" + std::to_string(server.port) + "/gsma/rsp2/asn1";
  REQUIRE(lines.size() >= 3);
  CHECK(lines[0].find("GetEimPackage " + url + " -> 200 euiccPackageRequest (") !=
        std::string::npos);
  CHECK(std::any_of(lines.begin(), lines.end(), [](const std::string& l) {
    return l.find("ProvideEimPackageResult") != std::string::npos &&
           l.find("eimAcknowledgements") != std::string::npos;
  }));
  CHECK(runner.bearer().channels() == 0);

  SECTION("run() on its own thread, a trigger from another, a stop pipe") {
    int stop[2];
    REQUIRE(::pipe(stop) == 0);
    std::thread loop([&] { runner.run(stop[0]); });
    std::promise<applets::ipae::CycleReport> done;
    // The start-up poll runs first; this trigger waits for the cycle after it.
    REQUIRE(runner.trigger(rig->card->eid().str(),
                           [&](const applets::ipae::CycleReport& r) { done.set_value(r); }));
    auto f = done.get_future();
    REQUIRE(f.wait_for(std::chrono::seconds(60)) == std::future_status::ready);
    CHECK(f.get().ok);
    CHECK_FALSE(runner.trigger("89000000000000000000000000000000", nullptr));
    REQUIRE(::write(stop[1], "x", 1) == 1);
    loop.join();
    ::close(stop[0]);
    ::close(stop[1]);
    CHECK(eim->count("GetEimPackage") >= 3);
  }
}

TEST_CASE("the socket bearer reports a refused connection as an event, not an exception") {
  sim::host::SocketBearer bearer;
  struct Sink final : applets::ipae::BearerEvents {
    std::vector<applets::ipae::BearerEvent> events;
    void on_bearer_event(const applets::ipae::BearerEvent& e) override { events.push_back(e); }
  } sink;
  auto port = bearer.port(sink);
  // Port 1 on loopback: nobody listens there.
  port->open(applets::ipae::ChannelKind::kStream, "127.0.0.1", 1);
  for (int i = 0; i < 50 && sink.events.empty(); ++i)
    bearer.run_once(std::chrono::milliseconds(100));
  REQUIRE(sink.events.size() == 1);
  CHECK(sink.events[0].kind == applets::ipae::BearerEvent::Kind::kFailed);
  CHECK(sink.events[0].error == "Connection refused");
  port->open(applets::ipae::ChannelKind::kStream, "no-such-host.invalid", 443);
  for (int i = 0; i < 50 && sink.events.size() < 2; ++i)
    bearer.run_once(std::chrono::milliseconds(100));
  REQUIRE(sink.events.size() == 2);
  CHECK(sink.events[1].error.rfind("cannot resolve no-such-host.invalid", 0) == 0);
}
