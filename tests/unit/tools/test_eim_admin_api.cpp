// tools/eim/admin_api: the loopback JSON admin API, transport-free (answer_admin) and once
// over a socket to check the loopback rule. Bodies are written here as JSON text.
#include <catch.hpp>

#include <httplib.h>

#include <thread>

#include "../support/eim_fixture.hpp"
#include "eim/admin_api.hpp"

using namespace euiccsim;
using test::EimFixture;
using test::kEimEid;

namespace {

json::Value body_of(const eim::AdminReply& r) {
  auto v = json::parse(r.body);
  REQUIRE(v);
  return *v;
}

}  // namespace

TEST_CASE("admin API: queue each kind, read the item and the card, cancel") {
  EimFixture f;
  auto q = eim::answer_admin(*f.eim, "POST", "/eim/v1/queue",
                             R"({"eid":")" + kEimEid + R"(","psmo":["get-rat","enable )" +
                                 test::iccid_of("8999900000000000002") + R"("]})");
  REQUIRE(q.status == 201);
  auto item = body_of(q);
  CHECK(*json::string_of(json::member(item, "state")) == "queued");
  CHECK(*json::string_of(json::member(item, "kind")) == "euiccPackage");
  const auto id = *json::integer_of(json::member(item, "id"));

  CHECK(eim::answer_admin(*f.eim, "POST", "/eim/v1/queue",
                          R"({"eid":")" + kEimEid + R"(","euiccData":"all"})")
            .status == 201);
  CHECK(eim::answer_admin(
            *f.eim, "POST", "/eim/v1/queue",
            R"({"eid":")" + kEimEid +
                R"(","download":{"activationCode":"1$smdp.example.com$X","indirect":true}})")
            .status == 201);
  CHECK(eim::answer_admin(
            *f.eim, "POST", "/eim/v1/queue",
            R"({"eid":")" + kEimEid + R"(","eco":[{"text":"add-eim e2","configuration":"3000"}]})")
            .status == 400);

  auto got = eim::answer_admin(*f.eim, "GET", "/eim/v1/queue/" + std::to_string(id), "");
  CHECK(got.status == 200);
  CHECK(*json::string_of(json::member(body_of(got), "eimId")) == "eim-1");

  auto card = eim::answer_admin(*f.eim, "GET", "/eim/v1/cards/" + kEimEid, "");
  CHECK(card.status == 200);
  CHECK(*json::integer_of(json::member(json::member(body_of(card), "counts"), "queued")) == 3);
  auto cards = eim::answer_admin(*f.eim, "GET", "/eim/v1/cards", "");
  CHECK(cards.body == R"({"eids":[")" + kEimEid + R"("]})");

  auto cancel =
      eim::answer_admin(*f.eim, "POST", "/eim/v1/queue/" + std::to_string(id) + "/cancel", "{}");
  CHECK(cancel.status == 200);
  CHECK(eim::answer_admin(*f.eim, "POST", "/eim/v1/queue/" + std::to_string(id) + "/cancel", "{}")
            .status == 409);
}

TEST_CASE("admin API: register, and the errors") {
  EimFixture f;
  auto r = eim::answer_admin(*f.eim, "POST", "/eim/v1/cards/" + kEimEid + "/register",
                             R"({"eimId":"eim-1","counter":3,"associationToken":1})");
  CHECK(r.status == 200);
  CHECK(f.store->association(kEimEid, "eim-1")->counter == 3);
  CHECK(f.store->association(kEimEid, "eim-1")->association_token == 1);
  CHECK(eim::answer_admin(*f.eim, "POST", "/eim/v1/cards/" + kEimEid + "/register",
                          R"({"associationToken":null})")
            .status == 200);
  CHECK_FALSE(f.store->association(kEimEid, "eim-1")->association_token);

  auto bad =
      eim::answer_admin(*f.eim, "POST", "/eim/v1/queue", R"({"eid":"123","psmo":["get-rat"]})");
  CHECK(bad.status == 400);
  CHECK(json::string_of(json::member(body_of(bad), "error"))->find("EID '123'") == 0);
  CHECK(eim::answer_admin(*f.eim, "POST", "/eim/v1/queue", "not json").status == 400);
  CHECK(eim::answer_admin(*f.eim, "POST", "/eim/v1/queue",
                          R"({"eid":")" + kEimEid + R"(","psmo":["get-rat"],"euiccData":"all"})")
            .status == 400);
  CHECK(eim::answer_admin(*f.eim, "GET", "/eim/v1/queue/999", "").status == 404);
  CHECK(eim::answer_admin(*f.eim, "GET", "/eim/v1/cards/89049032123451234512345678901299", "")
            .status == 404);
  CHECK(eim::answer_admin(*f.eim, "DELETE", "/eim/v1/queue", "").status == 405);
  CHECK(eim::answer_admin(*f.eim, "GET", "/other", "").status == 404);
}

TEST_CASE("admin API: loopback addresses only") {
  CHECK(eim::is_loopback("127.0.0.1"));
  CHECK(eim::is_loopback("127.1.2.3"));
  CHECK(eim::is_loopback("::1"));
  CHECK(eim::is_loopback("localhost"));
  CHECK_FALSE(eim::is_loopback("0.0.0.0"));
  CHECK_FALSE(eim::is_loopback("10.0.0.1"));
  EimFixture f;
  eim::AdminServer server(*f.eim, {});
  CHECK_THROWS_WITH(server.bind("0.0.0.0", 0),
                    "the admin API listens on loopback only, not 0.0.0.0");
  const int port = server.bind("127.0.0.1", 0);
  std::thread t([&] { server.run(); });
  httplib::Client c("127.0.0.1", port);
  auto res = c.Get("/eim/v1/cards");
  REQUIRE(res);
  CHECK(res->status == 200);
  server.stop();
  t.join();
}
