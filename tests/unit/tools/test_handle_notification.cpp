// tools/eim/handle_notification: ESipa.HandleNotification in process, with notifications a real
// iot card made. No response is defined for it: the body is empty whatever the eIM made of the
// content; what it made of it is in the store and the log line.
#include <catch.hpp>

#include "../support/eim_fixture.hpp"
#include "../support/hex_der.hpp"

using namespace euiccsim;
using test::EimFixture;
using test::kEimEid;
constexpr auto der = &test::hex_tlv;

namespace {

// Enables profile 2 through the eIM; returns the card's enable notification (its TLV).
Bytes enable_notification(EimFixture& f) {
  f.eim->register_card(kEimEid, "eim-1", 0, std::optional<std::int64_t>(1), {});
  f.queue_psmo({"enable " + test::iccid_of("8999900000000000002")});
  f.card.es10(*f.package_of(f.poll()));
  const Bytes list = f.notification_list();
  auto parts = test::parts_of(list);
  REQUIRE(parts.size() == 1);
  return test::whole(parts[0]);
}

}  // namespace

TEST_CASE("HandleNotification: a pendingNotification is recorded once, verified, answered empty") {
  EimFixture f;
  const Bytes n = enable_notification(f);
  // the certificate, so the notification can be verified
  const Bytes certs = f.card.es10(from_hex("BF5600"));
  auto both = *tlv::read_all(test::parts_of(certs)[0].value);
  f.eim->register_card(kEimEid, "", std::nullopt, std::nullopt, tlv::encode(0x30, both[1].value));

  const Bytes request = from_hex(der("BF3D", der("A0", to_hex(n))));
  auto a = f.call(request);
  CHECK(a.http_status == 200);
  CHECK(a.body.empty());
  CHECK(a.eid == kEimEid);  // the connection that polled
  auto notes = f.store->notifications(kEimEid);
  REQUIRE(notes.size() == 1);
  CHECK(notes[0].form == "otherSignedNotification");
  CHECK(notes[0].event == "enable");
  CHECK(notes[0].verdict == "verified");
  CHECK(to_hex(notes[0].der) == to_hex(n));

  SECTION("again: one record, two deliveries") {
    f.call(request);
    CHECK(f.store->notifications(kEimEid).size() == 1);
    CHECK(f.store->notifications(kEimEid)[0].deliveries == 2);
  }
  SECTION("forged: recorded as such, not forwarded") {
    // the last byte of the eUICC's signature: 30 { BF2F tbs, 5F37 sig, ... }
    auto parts = test::parts_of(n);
    REQUIRE(parts[1].tag == 0x5F37);
    Bytes bad = n;
    bad[static_cast<std::size_t>(parts[1].value.data() - n.data()) + parts[1].value.size() - 1] ^=
        0x01;
    f.call(from_hex(der("BF3D", der("A0", to_hex(bad)))));
    auto all = f.store->notifications(kEimEid);
    REQUIRE(all.size() == 2);
    CHECK(all[1].verdict == "forged");
    CHECK(all[1].forwarded == "not forwarded (forged)");
  }
}

TEST_CASE("HandleNotification carrying ProvideEimPackageResult: taken, answered empty") {
  EimFixture f;
  f.eim->register_card(kEimEid, "eim-1", 0, std::optional<std::int64_t>(1), {});
  const auto id = f.queue_psmo({"get-rat"});
  const Bytes result = f.card.es10(*f.package_of(f.poll()));
  auto a = f.call(from_hex(der("BF3D", der("BF50", der("5A", kEimEid) + to_hex(result)))));
  CHECK(a.http_status == 200);
  CHECK(a.body.empty());
  CHECK(a.function == "HandleNotification");
  CHECK(f.store->item(id)->state == eim::ItemState::kDone);
}

TEST_CASE("HandleNotification that is not one: HTTP 400; v1.0's 'A1' only under the switch") {
  for (bool v1_0 : {false, true}) {
    EimFixture f(v1_0);
    CHECK(f.call(from_hex(der("BF3D", der("A0", "0500")))).http_status == 400);
    CHECK(f.call(from_hex(der("BF3D", ""))).http_status == 400);
    f.eim->register_card(kEimEid, "eim-1", 0, std::optional<std::int64_t>(1), {});
    const auto id = f.queue_psmo({"get-rat"});
    const Bytes result = f.card.es10(*f.package_of(f.poll()));
    // v1.0: HandleNotificationEsipa's alternatives are automatically tagged, the result under A1
    auto a = f.call(from_hex(der("BF3D", der("A1", to_hex(result)))));
    CHECK(a.http_status == (v1_0 ? 200 : 400));
    CHECK(f.store->item(id)->state == (v1_0 ? eim::ItemState::kDone : eim::ItemState::kSent));
  }
}
