// SGP.32 v1.2 immediate enabling on an iot card: ConfigureImmediateProfileEnabling (BF59) and
// ImmediateEnable (BF5A) after a real download (tools/lpa against the test SM-DP+), and the
// SGP.32 StoreMetadata fields (9F7B ecallIndication, 9F67 fallbackAllowed) the download
// carries. Every answer is checked byte for byte and decoded with the SGP.32 module; every
// refused call leaves the card state as it was.
#include <catch.hpp>

#include <ConfigureImmediateProfileEnablingResponse.h>
#include <ImmediateEnableResponse.h>

#include "../support/es10_card.hpp"
#include "../support/hex_der.hpp"
#include "euiccsim/applets/rsp_asn1.hpp"
#include "euiccsim/crypto/test_pki.hpp"
#include "lpa/download.hpp"
#include "smdp/server.hpp"

using namespace euiccsim;
using test::decode_exact;

namespace {

constexpr auto der = &test::hex_tlv;
using test::utf8;

const std::string kP1 = "8999900000000000011";
const std::string kNew = "8999900000000000702";

ProfileMetadata meta(std::optional<std::uint8_t> pprs = std::nullopt) {
  ProfileMetadata m;
  m.service_provider_name = "Operator";
  m.profile_name = "Profile";
  m.pprs = pprs;
  m.notification_config = {{NotificationEvent::kEnable, "smdp-a.example.com"},
                           {NotificationEvent::kDisable, "smdp-a.example.com"}};
  return m;
}

// An iot card (with `preloaded` profiles and `quirks`) and a test SM-DP+ sharing one test PKI.
// The profile kNew offered under `matching_id`, its StoreMetadata extended by `extra_metadata`.
smdp::ProfileOffer new_offer(const std::string& matching_id, const std::string& extra_metadata) {
  smdp::ProfileOffer offer;
  offer.matching_id = matching_id;
  profiles::ProfileSpec spec;
  spec.iccid = Iccid::parse(test::iccid_of(kNew));
  spec.imsi = "001010000000702";
  auto k = from_hex("465B5CE8B199B49FAA5F0A2EE238A6BC");
  spec.k = SecureBytes(k.begin(), k.end());
  spec.opc = spec.k;
  offer.package = profiles::encode_package(profiles::build_profile(spec));
  offer.extra_metadata = from_hex(extra_metadata);
  return offer;
}

struct World {
  crypto::Drbg drbg;
  sim::Issuer issuer;
  CardSimulator card;
  std::unique_ptr<smdp::Server> server;

  explicit World(const std::vector<test::PreloadSpec>& preloaded = {},
                 std::set<std::string> quirks = {})
      : drbg(crypto::Drbg::from_seed(21, "immediate-enable")),
        issuer(make_issuer(drbg)),
        card(make_card(issuer, drbg, preloaded, std::move(quirks))) {
    auto dp_auth = crypto::make_dp_auth(issuer.ci, {}, drbg);
    auto dp_pb = crypto::make_dp_pb(issuer.ci, {}, drbg);
    smdp::ServerConfig config{"smdp.example.com", dp_auth, dp_pb, {issuer.ci.certificate}};
    server = std::make_unique<smdp::Server>(std::move(config), drbg);
  }
  static sim::Issuer make_issuer(crypto::Drbg& drbg) {
    auto ci = crypto::make_ci({}, drbg);
    crypto::EumOptions eum_options;
    eum_options.eid_prefix = "89049032";
    auto eum = crypto::make_eum(ci, eum_options, drbg);
    return sim::Issuer{ci, eum};
  }
  static CardSimulator make_card(const sim::Issuer& issuer, crypto::Drbg& drbg,
                                 const std::vector<test::PreloadSpec>& preloaded,
                                 std::set<std::string> quirks) {
    CardState state(*Eid::parse("89049032123451234512345678901235"));
    sim::issue_identity(state, issuer, drbg);
    state.config.personality = personality::kIot;
    state.config.quirks = std::move(quirks);
    for (const auto& p : preloaded) {
      applets::isdp::preload(state, test::small_profile(p.iccid_payload), p.metadata, p.enabled);
    }
    return test::es10_card(std::move(state));
  }
  const CardState& state() { return card.card().state(); }

  // Downloads kNew (StoreMetadata extended by `extra_metadata`); its ISD-P AID.
  Bytes download(const std::string& extra_metadata = "") {
    server->add_profile(new_offer("IMMEDIATE", extra_metadata));
    lpa::DownloadRequest request;
    request.smdp_address = "smdp.example.com";
    request.matching_id = "IMMEDIATE";
    auto r = lpa::download([this](ByteView b) { return card.es10(b); }, *server, request);
    REQUIRE(r.installed);
    return r.isdp_aid;
  }
};

// ConfigureImmediateProfileEnabling's whole answer, as hex.
std::string configure(CardSimulator& card, const std::string& content_hex) {
  const Bytes r = card.es10(from_hex(der("BF59", content_hex)));
  decode_exact<ConfigureImmediateProfileEnablingResponse_t>(
      asn_DEF_ConfigureImmediateProfileEnablingResponse, r);
  return to_hex(r);
}
// ImmediateEnable's whole answer, as hex.
std::string immediate(CardSimulator& card, bool refresh) {
  const Bytes r = card.es10(from_hex(refresh ? "BF5A038001FF" : "BF5A03800100"));
  decode_exact<ImmediateEnableResponse_t>(asn_DEF_ImmediateEnableResponse, r);
  return to_hex(r);
}

const std::string kOk59 = "BF5903800100";
const std::string kEnableFlag = "8000";
// 2.999.10 as OID content: 88 37 0A.
const std::string kOid = der("81", "88370A");
const std::string kAddress = der("82", utf8("smdp.example.com"));

}  // namespace

TEST_CASE("ConfigureImmediateProfileEnabling stores the configuration and persists it") {
  std::vector<CardState> saved;
  CardSimulator::Options o;
  o.seed = 7;
  o.state = test::es10_iot_state();
  o.persist = [&](const CardState& s) { saved.push_back(s); };
  CardSimulator card(std::move(o));
  card.select(aid::isd_r());
  const auto& state = card.card().state();
  REQUIRE(!state.immediate_enable);

  CHECK(configure(card, kEnableFlag + kOid + kAddress) == kOk59);
  REQUIRE(state.immediate_enable);
  CHECK(state.immediate_enable->immediate_enable);
  CHECK(to_hex(state.immediate_enable->default_smdp_oid) == "88370A");
  CHECK(state.immediate_enable->default_smdp_address == "smdp.example.com");
  REQUIRE(saved.size() == 1);
  CHECK(saved.back() == state);

  // The same configuration again changes nothing, so nothing is written.
  CHECK(configure(card, kEnableFlag + kOid + kAddress) == kOk59);
  CHECK(saved.size() == 1);

  // A request replaces the whole configuration: here without flag, OID or address.
  CHECK(configure(card, "") == kOk59);
  REQUIRE(state.immediate_enable);
  CHECK(*state.immediate_enable == ImmediateEnableConfig{});
  CHECK(saved.size() == 2);
}

TEST_CASE("ConfigureImmediateProfileEnabling: associatedEimAlreadyExists and undefinedError") {
  auto state = test::es10_iot_state();
  SECTION("an eIM is associated: only it configures this, through its package") {
    EimConfig eim;
    eim.eim_id = "eim-1";
    state.eims.push_back(eim);
    auto card = test::es10_card(state);
    CHECK(configure(card, kEnableFlag) == "BF5903800102");
    CHECK(card.card().state() == state);
  }
  SECTION("requests that do not decode") {
    auto card = test::es10_card(state);
    for (const std::string& content : {kEnableFlag + der("82", "FF"),  // address not UTF-8
                                       std::string("A0020500")}) {     // A0 is no NULL
      INFO(content);
      CHECK(configure(card, content) == "BF590380017F");
    }
    CHECK(card.card().state() == state);
  }
}

TEST_CASE("ImmediateEnable enables the profile just downloaded, once") {
  World w({{kP1, true, meta()}});
  const Bytes aid1 = w.state().profiles[0].isdp_aid;

  // Not configured, then configured without the flag: immediateEnableNotAvailable.
  CHECK(immediate(w.card, false) == "BF5A03800101");
  CHECK(configure(w.card, kOid) == kOk59);
  CHECK(immediate(w.card, false) == "BF5A03800101");
  CHECK(configure(w.card, kEnableFlag) == kOk59);
  // Allowed, but nothing downloaded since the card reset: noSessionContext.
  const CardState before = w.state();
  CHECK(immediate(w.card, true) == "BF5A03800104");
  CHECK(w.state() == before);

  // 9F7B ecallIndication TRUE, 9F67 fallbackAllowed FALSE: an iot card keeps both.
  const Bytes aid = w.download("9F7B01FF9F670100");
  REQUIRE(w.state().profiles.size() == 2);
  const ProfileSlot* slot = &w.state().profiles[1];
  CHECK(slot->isdp_aid == aid);
  CHECK(slot->ecall_indication);
  CHECK(slot->fallback_allowed == std::optional<bool>(false));
  CHECK(!slot->enabled);
  const auto notifications = w.state().notifications.size();
  const auto refreshes = w.card.card().refreshes();

  CHECK(immediate(w.card, true) == "BF5A03800100");
  CHECK(w.state().profiles[1].enabled);
  CHECK(!w.state().profiles[0].enabled);
  // As any enable: the displaced profile's disable notification (its configuration asks for
  // one), the new profile's enable notification (the SM-DP+ asks for one), and a REFRESH.
  REQUIRE(w.state().notifications.size() == notifications + 2);
  CHECK(w.state().notifications[notifications].event == NotificationEvent::kDisable);
  CHECK(w.state().notifications[notifications + 1].event == NotificationEvent::kEnable);
  CHECK(w.card.card().refreshes() == refreshes + 1);
  CHECK(w.card.card().active_profile() == aid);

  // Once only.
  const CardState after = w.state();
  CHECK(immediate(w.card, false) == "BF5A03800104");
  CHECK(w.state() == after);
  CHECK(w.state().profiles[0].isdp_aid == aid1);
}

TEST_CASE("ImmediateEnable: noSessionContext after a reset, an enable or a delete") {
  World w;
  CHECK(configure(w.card, kEnableFlag) == kOk59);
  SECTION("a card reset ends the session") {
    w.download();
    w.card.reset();
    w.card.select(aid::isd_r());
    CHECK(immediate(w.card, false) == "BF5A03800104");
    CHECK(!w.state().profiles[0].enabled);
  }
  SECTION("the profile was enabled some other way") {
    const Bytes aid = w.download();
    CHECK(to_hex(w.card.es10(from_hex("BF3117A0124F10" + to_hex(aid) + "810100"))) ==
          "BF3103800100");
    CHECK(immediate(w.card, false) == "BF5A03800104");
  }
  SECTION("the profile was deleted") {
    const Bytes aid = w.download();
    CHECK(to_hex(w.card.es10(from_hex("BF33124F10" + to_hex(aid)))) == "BF3303800100");
    CHECK(immediate(w.card, false) == "BF5A03800104");
  }
  SECTION("without the IoT fields the slot has neither") {
    w.download();
    CHECK(!w.state().profiles[0].ecall_indication);
    CHECK(!w.state().profiles[0].fallback_allowed);
  }
}

TEST_CASE("ImmediateEnable: catBusy, a PPR1 that holds, and a request that does not decode") {
  SECTION("cat-busy: refused, and the chance is kept") {
    World w({}, {quirk::kCatBusy});
    CHECK(configure(w.card, kEnableFlag) == kOk59);
    w.download();
    const CardState before = w.state();
    CHECK(immediate(w.card, true) == "BF5A03800105");
    CHECK(w.state() == before);
    CHECK(w.card.card().refreshes() == 0);
  }
  SECTION("the enabled profile forbids disabling it (PPR1): undefinedError, nothing changes") {
    World w({{kP1, true, meta(kPpr1)}});
    CHECK(configure(w.card, kEnableFlag) == kOk59);
    w.download();
    const CardState before = w.state();
    CHECK(immediate(w.card, true) == "BF5A0380017F");
    CHECK(w.state() == before);
  }
  SECTION("malformed") {
    World w;
    CHECK(to_hex(w.card.es10(from_hex("BF5A00"))) == "BF5A0380017F");        // no flag
    CHECK(to_hex(w.card.es10(from_hex("BF5A03810100"))) == "BF5A0380017F");  // wrong tag
  }
}

TEST_CASE("An sgp22 card skips the IoT StoreMetadata fields") {
  World w;
  // The same download on an sgp22 card: build it by hand from the World's parts.
  CardState state(*Eid::parse("89049032123451234512345678901235"));
  sim::issue_identity(state, w.issuer, w.drbg);
  auto card = test::es10_card(std::move(state));
  w.server->add_profile(new_offer("SGP22", "9F7B01FF9F6701FF"));
  lpa::DownloadRequest request;
  request.smdp_address = "smdp.example.com";
  request.matching_id = "SGP22";
  auto r = lpa::download([&](ByteView b) { return card.es10(b); }, *w.server, request);
  REQUIRE(r.installed);
  const auto& slot = card.card().state().profiles.at(0);
  CHECK(!slot.ecall_indication);
  CHECK(!slot.fallback_allowed);
  // And the SGP.32 functions are unknown to it.
  CHECK(card.transmit("80E2910006BF5A03800100"
                      "00")
            .sw == 0x6A88);
}
