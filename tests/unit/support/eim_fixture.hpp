// The test eIM in process with a real iot card and a small IPA written here, apart from the
// eIM's code: it takes the ESipa answers as bytes, feeds packages to the card over ES10 and
// writes the ESipa requests by hand (hex_der / tlv), so a mistake in the eIM's reading of a
// message cannot hide in the test's writing of it.
#pragma once

#include <catch.hpp>

#include <memory>
#include <string>

#include "eim/eim.hpp"
#include "eim/euicc_package.hpp"
#include "es10_card.hpp"
#include "euiccsim/crypto/tlv.hpp"
#include "temp_dir.hpp"

namespace euiccsim::test {

inline const std::string kEimEid = "89049032123451234512345678901235";

inline crypto::PrivateKey eim_test_key(crypto::Curve curve, std::uint64_t seed) {
  auto drbg = crypto::Drbg::from_seed(seed, "eim-fixture");
  return crypto::PrivateKey::generate(curve, drbg);
}

// The children of `der`'s value (der is one TLV); REQUIREs it parses. They point into `der`,
// which must outlive them.
inline std::vector<tlv::Tlv> parts_of(const Bytes& der) {
  auto top = tlv::read(der);
  REQUIRE(top);
  auto all = tlv::read_all(top->value);
  REQUIRE(all);
  return *all;
}

inline Bytes whole(const tlv::Tlv& t) {
  return Bytes(t.bytes().begin(), t.bytes().end());
}
inline Bytes value(const tlv::Tlv& t) {
  return Bytes(t.value.begin(), t.value.end());
}

struct EimFixture {
  // Profiles: 8999900000000000001x enabled, 8999900000000000002x disabled; the second asks for
  // enable, disable and delete notifications to smdp.example.com.
  static ProfileMetadata notifying() {
    ProfileMetadata m;
    for (auto e :
         {NotificationEvent::kEnable, NotificationEvent::kDisable, NotificationEvent::kDelete})
      m.notification_config.push_back({e, "smdp.example.com"});
    return m;
  }
  explicit EimFixture(bool v1_0 = false)
      : card(es10_card(es10_iot_state(
            {{"8999900000000000001", true, {}}, {"8999900000000000002", false, notifying()}}))),
        eim_key(eim_test_key(crypto::Curve::kNistP256, 1)),
        accept_v1_0(v1_0) {
    open();
    // The factory's AddInitialEim: eim-1 with its public key, counter 0, a token asked for.
    eim::EimConfiguration c;
    c.eim_id = "eim-1";
    c.counter_value = 0;
    c.association_token = -1;
    c.public_key = eim_key.public_key().subject_public_key_info();
    const Bytes answer =
        card.es10(tlv::encode(0xBF57, tlv::encode(0xA0, eim::encode_eim_configuration(c))));
    REQUIRE(to_hex(answer) == "BF5705A003840101");  // associationToken 1
  }

  void open() {
    store = eim::Store::open((dir.path / "eim.db").string(), false);
    eim::EimConfig c;
    c.identities.push_back({"eim-1", eim_key});
    for (const auto& extra : extra_identities) c.identities.push_back(extra);
    c.now_ms = [this] { return clock_ms; };
    c.seed = 11;
    c.accept_v1_0 = accept_v1_0;
    c.relay = relay;
    eim = std::make_unique<eim::Eim>(*store, std::move(c));
  }
  // The eIM process ends (as after SIGKILL: nothing but the database survives) and starts.
  void restart() {
    eim.reset();
    store.reset();
    open();
  }

  std::int64_t queue_psmo(std::vector<std::string> ops, const std::string& eim_id = "") {
    eim::QueueRequest r;
    r.eid = kEimEid;
    r.eim_id = eim_id;
    r.operations = std::move(ops);
    return eim->enqueue(r);
  }
  std::int64_t queue_euicc_data(const Bytes& tags) {
    eim::QueueRequest r;
    r.eid = kEimEid;
    r.kind = eim::ItemKind::kIpaEuiccData;
    r.tag_list = tags;
    return eim->enqueue(r);
  }

  eim::EsipaAnswer call(const Bytes& request, const std::string& connection = "conn-1") {
    clock_ms += 10;
    return eim->handle(request, connection);
  }
  // GetEimPackage for the card; the answer's body.
  Bytes poll() {
    auto a = call(tlv::encode(0xBF4F, tlv::encode(0x5A, Eid::parse(kEimEid)->bytes())));
    REQUIRE(a.http_status == 200);
    return a.body;
  }
  // The package inside BF4F, or nothing for an eimPackageError.
  std::optional<Bytes> package_of(const Bytes& answer) {
    auto top = tlv::read(answer);
    REQUIRE(top);
    REQUIRE(top->tag == 0xBF4F);
    auto inner = tlv::read(top->value);
    REQUIRE(inner);
    if (inner->tag == 0x02) return std::nullopt;
    return whole(*inner);
  }

  // The card's pending notifications, as RetrieveNotificationsList's 'A0 { ... }'.
  Bytes notification_list() {
    const Bytes r = card.es10(from_hex("BF2B00"));
    auto parts = parts_of(r);
    REQUIRE(parts.size() == 1);
    REQUIRE(parts[0].tag == 0xA0);
    return whole(parts[0]);
  }

  // ProvideEimPackageResult BF50 { 5A eid, 30 { BF51 result, A0 notifications } }.
  Bytes provide_with_notifications(const Bytes& result) {
    Bytes epr = result;
    const Bytes list = notification_list();
    epr.insert(epr.end(), list.begin(), list.end());
    return tlv::encode(
        0xBF50, cat(tlv::encode(0x5A, Eid::parse(kEimEid)->bytes()), tlv::encode(0x30, epr)));
  }

  // The IPA's IpaEuiccData for a BF52 request, collected from the card (SGP.32 §3.3.2 order).
  Bytes ipa_euicc_data(const Bytes& bf52) {
    auto req = parts_of(bf52);
    auto tags = tlv::find(req, 0x5C);
    REQUIRE(tags);
    auto tx = tlv::find(req, 0x83);
    Bytes wanted = value(*tags);
    auto has = [&](std::initializer_list<std::uint8_t> tag) {
      Bytes t(tag);
      return std::search(wanted.begin(), wanted.end(), t.begin(), t.end()) != wanted.end();
    };
    Bytes data;
    if (has({0xA0})) {
      auto l = notification_list();
      data.insert(data.end(), l.begin(), l.end());
    }
    if (has({0xA2})) {
      // RetrieveNotificationsList { searchCriteria A0 { euiccPackageResults 82 00 } }
      const Bytes answer = card.es10(from_hex("BF2B04A0028200"));
      auto r = parts_of(answer);
      REQUIRE(r.size() == 1);
      REQUIRE(r[0].tag == 0xA2);
      data = cat(data, whole(r[0]));
    }
    if (has({0xBF, 0x20})) {
      auto b = card.es10(from_hex("BF2000"));
      data.insert(data.end(), b.begin(), b.end());
    }
    if (has({0xBF, 0x22})) {
      auto b = card.es10(from_hex("BF2200"));
      data.insert(data.end(), b.begin(), b.end());
    }
    if (has({0x84})) {
      // GetEimConfigurationData { A0 { 80 "eim-1" } } -> BF55 { A0 { 30 { ..., 84 token } } }
      const Bytes answer =
          card.es10(from_hex("BF5509A00780056569"
                             "6D2D31"));
      auto cfg = parts_of(answer);
      REQUIRE(cfg.size() == 1);
      auto list = tlv::read_all(cfg[0].value);
      REQUIRE(list);
      REQUIRE(list->size() == 1);
      auto token = tlv::read_all((*list)[0].value);
      REQUIRE(token);
      if (auto t = tlv::find(*token, 0x84)) data = cat(data, whole(*t));
    }
    if (has({0xA5}) || has({0xA6})) {
      const Bytes answer = card.es10(from_hex("BF5600"));
      auto certs = parts_of(answer);
      REQUIRE(certs.size() == 1);
      auto both = tlv::read_all(certs[0].value);
      REQUIRE(both);
      if (has({0xA5})) data = cat(data, whole((*both)[0]));
      if (has({0xA6})) data = cat(data, whole((*both)[1]));
    }
    if (tx) data = cat(data, tlv::encode(0x87, tx->value));
    return tlv::encode(0xBF52, tlv::encode(0xA0, data));
  }

  static Bytes cat(Bytes a, const Bytes& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  }

  TempDir dir;
  std::int64_t clock_ms = 1'700'000'000'000;
  CardSimulator card;
  crypto::PrivateKey eim_key;
  bool accept_v1_0 = false;
  std::vector<eim::Identity> extra_identities;
  eim::RelayFor relay;
  std::unique_ptr<eim::Store> store;
  std::unique_ptr<eim::Eim> eim;
};

}  // namespace euiccsim::test
