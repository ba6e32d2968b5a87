// The IPAe's HTTPS client (applets/ipae/https_client): HTTP/1.1 framing with its bounds, the
// judgement of a server's certificate chain (pinned key, pinned certificate, CA with the host
// name), and whole requests over the in-process network's TLS server (Botan's server,
// separate from the client), with a manual clock for deadlines.
#include <catch.hpp>

#include "../support/memory_network.hpp"
#include "euiccsim/applets/ipae/clock.hpp"
#include "euiccsim/applets/ipae/https_client.hpp"
#include "euiccsim/simulator/identity.hpp"

using namespace euiccsim;
using namespace euiccsim::applets::ipae;

namespace {

Bytes bytes(const std::string& s) {
  return Bytes(s.begin(), s.end());
}

const sim::TestPki& pki() {
  static const sim::TestPki p = [] {
    auto drbg = crypto::Drbg::from_seed(11, "ipae-https");
    return sim::make_test_pki(crypto::Curve::kNistP256, {}, drbg);
  }();
  return p;
}
const sim::TestPki& other_pki() {
  static const sim::TestPki p = [] {
    auto drbg = crypto::Drbg::from_seed(12, "ipae-https-other");
    return sim::make_test_pki(crypto::Curve::kNistP256, {}, drbg);
  }();
  return p;
}

// 2026-01-01, inside the test PKI's validity.
TimePoint jan_2026() {
  return from_unix_ms(1767225600000);
}

struct Sink final : BearerEvents {
  HttpsClient* client = nullptr;
  void on_bearer_event(const BearerEvent& e) override { client->on_bearer_event(e); }
};

struct Rig {
  ManualClock clock{jan_2026()};
  test::MemoryNetwork net;
  crypto::Drbg drbg = crypto::Drbg::from_seed(3);
  HttpsClient client{net, clock, drbg.rng()};
  Sink sink;
  std::vector<test::HttpIn> seen;
  std::function<test::HttpOut(const test::HttpIn&)> answer = [](const test::HttpIn& in) {
    test::HttpOut o;
    o.body = in.body;  // echo
    return o;
  };
  Rig() {
    sink.client = &client;
    net.attach(sink);
    net.listen("localhost", 8443, {pki().dp_tls.certificate, pki().ci.certificate},
               pki().dp_tls.key, [this](const test::HttpIn& in) {
                 seen.push_back(in);
                 return answer(in);
               });
  }
  HttpRequest request(const std::string& body = "hello") {
    HttpRequest r;
    r.host = "localhost";
    r.port = 8443;
    r.path = "/gsma/rsp2/asn1";
    r.headers = {{"X-Admin-Protocol", "gsma/rsp/v2.1.0"}};
    r.body = bytes(body);
    r.trust.certificates = {pki().ci.certificate};
    return r;
  }
  std::optional<HttpResponse> run(HttpRequest r) {
    std::optional<HttpResponse> out;
    client.request(std::move(r), [&](HttpResponse rsp) { out = std::move(rsp); });
    while (net.pump() > 0) {
    }
    return out;
  }
};

}  // namespace

TEST_CASE("HttpResponseParser: Content-Length, chunked, 204, interim 100, close-delimited") {
  {
    HttpResponseParser p(100);
    REQUIRE(p.feed(bytes("HTTP/1.1 200 OK\r\nContent-Type: a/b\r\nContent-Length: 5\r\n\r\nhel")));
    CHECK_FALSE(p.complete());
    REQUIRE(p.feed(bytes("lo")));
    REQUIRE(p.complete());
    auto r = p.take();
    CHECK(r.status == 200);
    CHECK(r.headers["content-type"] == "a/b");
    CHECK(r.body == bytes("hello"));
  }
  {
    HttpResponseParser p(100);
    REQUIRE(p.feed(bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n")));
    REQUIRE(p.feed(bytes("2;ext=1\r\nde\r\n0\r\nTrailer: x\r\n\r\n")));
    REQUIRE(p.complete());
    CHECK(p.take().body == bytes("abcde"));
  }
  {
    HttpResponseParser p(100);
    REQUIRE(p.feed(bytes("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n")));
    REQUIRE(p.complete());
    auto r = p.take();
    CHECK(r.status == 204);
    CHECK(r.body.empty());
  }
  {
    HttpResponseParser p(100);
    REQUIRE(p.feed(bytes("HTTP/1.0 200 OK\r\n\r\nuntil")));
    CHECK_FALSE(p.complete());
    p.feed(bytes(" close"));
    p.end_of_stream();
    REQUIRE(p.complete());
    CHECK(p.take().body == bytes("until close"));
  }
}

TEST_CASE("HttpResponseParser refuses what is malformed or too large, naming it") {
  auto error_of = [](const std::string& text, std::size_t max = 100) {
    HttpResponseParser p(max);
    p.feed(bytes(text));
    p.end_of_stream();
    return p.complete() ? std::string("complete") : p.error();
  };
  CHECK(error_of("SMTP 220 hello\r\n\r\n") == "not an HTTP/1.x status line");
  CHECK(error_of("HTTP/1.1 200 OK\r\nContent-Length: 12x\r\n\r\n") == "bad Content-Length '12x'");
  CHECK(error_of("HTTP/1.1 200 OK\r\nContent-Length: 101\r\n\r\n") ==
        "HTTP body of 101 bytes exceeds the bound of 100");
  CHECK(error_of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n65\r\n") ==
        "HTTP body exceeds the bound of 100 bytes");
  CHECK(error_of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n") ==
        "malformed chunked body");
  CHECK(error_of("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n") ==
        "unsupported Transfer-Encoding 'gzip'");
  CHECK(error_of("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n") == "malformed HTTP header line");
  CHECK(error_of("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort") ==
        "connection closed inside the HTTP body");
  CHECK(error_of("") == "connection closed without an HTTP response");
  CHECK(error_of("HTTP/1.1 200 O") == "connection closed inside the HTTP head");
  CHECK(error_of("HTTP/1.1 200 OK\r\nX: " + std::string(17000, 'a') + "\r\n\r\n") ==
        "HTTP response head larger than 16 KiB");
}

TEST_CASE("judge_server_chain: a pinned key, a pinned certificate, or a CA with the host name") {
  const std::vector<Bytes> chain = {pki().dp_tls.certificate, pki().ci.certificate};
  const auto now = jan_2026();
  TlsTrust none;
  CHECK(*judge_server_chain(chain, none, "localhost", now) ==
        "no TLS trust anchor is configured for localhost");
  TlsTrust key;
  key.pinned_keys = {pki().dp_tls.key.public_key().subject_public_key_info()};
  CHECK_FALSE(judge_server_chain(chain, key, "any.name", now));
  TlsTrust wrong_key;
  wrong_key.pinned_keys = {other_pki().dp_tls.key.public_key().subject_public_key_info()};
  CHECK(*judge_server_chain(chain, wrong_key, "localhost", now) ==
        "the server's key is not the pinned one");
  TlsTrust own_cert;
  own_cert.certificates = {pki().dp_tls.certificate};
  CHECK_FALSE(judge_server_chain(chain, own_cert, "any.name", now));
  TlsTrust ca;
  ca.certificates = {pki().ci.certificate};
  CHECK_FALSE(judge_server_chain(chain, ca, "localhost", now));
  auto wrong_host = judge_server_chain(chain, ca, "eim.example.com", now);
  REQUIRE(wrong_host);
  CHECK(wrong_host->find("refused") != std::string::npos);
  TlsTrust other_ca;
  other_ca.certificates = {other_pki().ci.certificate};
  REQUIRE(judge_server_chain(chain, other_ca, "localhost", now));
  // After notAfter (2060-12-31) the CA path fails.
  CHECK(judge_server_chain(chain, ca, "localhost", from_unix_ms(3000000000000)));
  CHECK(*judge_server_chain({}, ca, "localhost", now) == "the server sent no certificate");
}

TEST_CASE("HttpsClient: a request over TLS, the connection kept for the next") {
  Rig rig;
  auto r = rig.run(rig.request("first"));
  REQUIRE(r);
  INFO(r->error);
  REQUIRE(r->ok);
  CHECK(r->status == 200);
  CHECK(r->body == bytes("first"));
  REQUIRE(rig.seen.size() == 1);
  CHECK(rig.seen[0].method == "POST");
  CHECK(rig.seen[0].path == "/gsma/rsp2/asn1");
  CHECK(rig.seen[0].header("host") == "localhost:8443");
  CHECK(rig.seen[0].header("x-admin-protocol") == "gsma/rsp/v2.1.0");
  CHECK(rig.seen[0].header("content-length") == "5");
  CHECK_FALSE(rig.client.busy());
  auto again = rig.run(rig.request("second"));
  REQUIRE(again);
  CHECK(again->body == bytes("second"));
  CHECK(rig.net.opened() == 1);
  CHECK(rig.client.stats().handshakes == 1);

  SECTION("Connection: close makes the next request open a new connection") {
    rig.answer = [](const test::HttpIn& in) {
      test::HttpOut o;
      o.body = in.body;
      o.close_after = true;
      return o;
    };
    auto r3 = rig.run(rig.request("third"));
    REQUIRE(r3);
    CHECK(r3->ok);
    auto r4 = rig.run(rig.request("fourth"));
    REQUIRE(r4);
    CHECK(r4->ok);
    CHECK(rig.net.opened() == 2);
  }
  SECTION("a chunked answer") {
    rig.answer = [](const test::HttpIn&) {
      test::HttpOut o;
      o.body = bytes("a longer body in several chunks");
      o.chunked = true;
      return o;
    };
    auto r3 = rig.run(rig.request());
    REQUIRE(r3);
    CHECK(r3->body == bytes("a longer body in several chunks"));
  }
}

TEST_CASE("HttpsClient: every failure ends the request with one line, never a crash") {
  Rig rig;
  SECTION("connection refused") {
    auto req = rig.request();
    req.port = 9;
    auto r = rig.run(req);
    REQUIRE(r);
    CHECK_FALSE(r->ok);
    CHECK(r->error == "cannot connect to localhost:9: connection refused");
  }
  SECTION("a server the trust does not cover") {
    auto req = rig.request();
    req.trust.certificates = {other_pki().ci.certificate};
    auto r = rig.run(req);
    REQUIRE(r);
    CHECK_FALSE(r->ok);
    CHECK(r->error.rfind("TLS: certificate of localhost refused", 0) == 0);
  }
  SECTION("no answer: the deadline on the clock") {
    rig.answer = [](const test::HttpIn&) {
      test::HttpOut o;
      o.no_answer = true;
      return o;
    };
    std::optional<HttpResponse> out;
    auto req = rig.request();
    req.timeout = std::chrono::seconds(5);
    rig.client.request(req, [&](HttpResponse r) { out = std::move(r); });
    while (rig.net.pump() > 0) {
    }
    CHECK_FALSE(out);
    REQUIRE(rig.client.deadline());
    rig.clock.advance(std::chrono::milliseconds(4999));
    rig.client.tick();
    CHECK_FALSE(out);
    rig.clock.advance(std::chrono::milliseconds(1));
    rig.client.tick();
    REQUIRE(out);
    CHECK(out->error == "no answer from localhost:8443 within 5 s");
    CHECK(rig.net.open_channels() == 0);
  }
  SECTION("an answer cut short") {
    rig.answer = [](const test::HttpIn&) {
      test::HttpOut o;
      o.body = Bytes(100, 0x42);
      o.cut_body_at = 10;
      return o;
    };
    auto r = rig.run(rig.request());
    REQUIRE(r);
    CHECK(r->error == "connection closed inside the HTTP body");
  }
  SECTION("garbage instead of HTTP") {
    rig.answer = [](const test::HttpIn&) {
      test::HttpOut o;
      o.raw = bytes("\x16garbage\r\n\r\n");
      return o;
    };
    auto r = rig.run(rig.request());
    REQUIRE(r);
    CHECK(r->error == "not an HTTP/1.x status line");
  }
  SECTION("a body over the bound") {
    rig.answer = [](const test::HttpIn&) {
      test::HttpOut o;
      o.body = Bytes(5000, 0x42);
      return o;
    };
    auto req = rig.request();
    req.max_body = 4096;
    auto r = rig.run(req);
    REQUIRE(r);
    CHECK(r->error == "HTTP body of 5000 bytes exceeds the bound of 4096");
  }
}
