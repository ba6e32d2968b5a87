// The IPAe (applets/ipae) against the project's eIM (tools/eim's eim::Eim with its SQLite
// store) in process: the two sides of ESipa written apart, meeting on the memory network
// behind TLS, with a manual clock. What tests/unit/support/test_eim.hpp scripts byte by byte
// is here left to the real eIM: it learns the card from IpaEuiccData, signs PSMOs and eCOs
// with its counter and the association token, verifies every result with the card's
// certificate, acknowledges, relays an indirect download to the in-process SM-DP+, and takes
// the direct download's result. Then kills: the card (its last saved image) and the eIM (its
// database) are restarted at every exchange, before and after the eIM answered, and every
// queued package still runs exactly once and both sides agree.
#include <catch.hpp>

#include <algorithm>

#include "../support/ipae_rig.hpp"
#include "../support/temp_dir.hpp"
#include "eim/eim.hpp"
#include "eim/esipa_https.hpp"
#include "euiccsim/profiles/builder.hpp"
#include "euiccsim/profiles/package.hpp"
#include "smdp/es9plus_json.hpp"

using namespace euiccsim;
using test::HttpIn;
using test::HttpOut;
using test::IpaeRig;

namespace {

const std::string kP1 = "8999900000000000011";
const std::string kP2 = "8999900000000000022";
const std::string kP3 = "8999900000000000033";
const std::string kNew = "8999900000000000777";
constexpr std::uint16_t kSmdpPort = 9443;
const std::string kSmdpAddress = "localhost:9443";

ProfileMetadata notifying() {
  ProfileMetadata m;
  m.service_provider_name = "Operator";
  m.profile_name = "Profile";
  m.profile_class = euiccsim::ProfileClass::kOperational;
  using Event = euiccsim::NotificationEvent;
  for (auto e : {Event::kEnable, Event::kDisable, Event::kDelete})
    m.notification_config.push_back({e, "smdp.example.com"});
  return m;
}

std::vector<test::PreloadSpec> three_profiles() {
  return {{kP1, true, notifying()}, {kP2, false, notifying()}, {kP3, false, notifying()}};
}

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

const json::Value& at(const json::Value& v, const char* key) {
  const json::Value* x = json::member(v, key);
  REQUIRE(x);
  return *x;
}
std::int64_t integer(const json::Value& v, const char* key) {
  const auto i = json::integer_of(&at(v, key));
  REQUIRE(i);
  return *i;
}
std::string text(const json::Value& v, const char* key) {
  const auto* s = json::string_of(&at(v, key));
  return s ? *s : std::string();
}

// The rig's card and IPAe with eim::Eim in place of the scripted eIM, and an SM-DP+ that the
// eIM relays to (indirect) and the IPAe reaches over ES9+ (direct).
struct World {
  IpaeRig rig;
  test::TempDir dir;
  crypto::PrivateKey eim2_key;
  crypto::Drbg smdp_drbg = crypto::Drbg::from_seed(31, "smdp");
  std::unique_ptr<smdp::Server> smdp;
  std::unique_ptr<eim::Store> store;
  std::unique_ptr<eim::Eim> eim;
  std::vector<std::string> log;  // the eIM's one line per request: "function: outcome"
  std::vector<std::string> smdp_calls;
  // Kills (see the restart test): the request number at which the serve or the eIM dies.
  std::size_t requests = 0;
  std::optional<std::size_t> kill_at;
  bool kill_after_answer = false;
  bool killed = false;

  explicit World(bool indirect = false, IpaeConfig config = {})
      : rig(three_profiles(), true, indirect, std::move(config)), eim2_key([] {
          auto d = crypto::Drbg::from_seed(3, "eim-2");
          return crypto::PrivateKey::generate(crypto::Curve::kNistP256, d);
        }()) {
    smdp::ServerConfig c{kSmdpAddress,
                         rig.pki.dp_auth,
                         rig.pki.dp_pb,
                         {rig.pki.ci.certificate},
                         {'i', 'p', 'a', 'e'}};
    smdp = std::make_unique<smdp::Server>(c, smdp_drbg);
    smdp::ProfileOffer offer;
    offer.matching_id = "IOT1";
    offer.package = package_for(kNew);
    smdp->add_profile(offer);
    smdp::ProfileOffer second = offer;
    second.matching_id = "IOT2";
    smdp->add_profile(second);
    open_eim();
    rig.net.listen("localhost", rig.eim_port, {rig.pki.dp_tls.certificate, rig.pki.ci.certificate},
                   rig.pki.dp_tls.key, [this](const HttpIn& in) { return esipa(in); });
    rig.net.listen("localhost", kSmdpPort, {rig.pki.dp_tls.certificate, rig.pki.ci.certificate},
                   rig.pki.dp_tls.key, [this](const HttpIn& in) {
                     const std::string function = in.path.substr(in.path.rfind('/') + 1);
                     smdp_calls.push_back(function);
                     auto reply = smdp::answer_es9plus(*smdp, function,
                                                       std::string(in.body.begin(), in.body.end()));
                     HttpOut o;
                     o.status = reply.status;
                     o.content_type = "application/json";
                     o.body.assign(reply.body.begin(), reply.body.end());
                     return o;
                   });
  }

  void open_eim() {
    store = eim::Store::open((dir.path / "eim.db").string(), false);
    eim::EimConfig c;
    c.identities.push_back({"eim-1", rig.pki.eim.key});
    c.identities.push_back({"eim-2", eim2_key});
    c.relay = [this](const std::string& address) -> smdp::Es9Plus* {
      return address == kSmdpAddress ? smdp.get() : nullptr;
    };
    c.trusted_ci_certs = {rig.pki.ci.certificate};
    c.now_ms = [this] { return applets::ipae::unix_ms(rig.clock.now()); };
    c.seed = 17;
    eim = std::make_unique<eim::Eim>(*store, std::move(c));
  }
  // The eIM process dies (nothing but its database survives) and starts again.
  void restart_eim() {
    eim.reset();
    store.reset();
    open_eim();
  }

  // What EsipaHttpsServer checks before Eim::handle, then Eim::handle.
  HttpOut esipa(const HttpIn& in) {
    HttpOut o;
    o.content_type = eim::kEsipaMediaType;
    const std::size_t n = ++requests;
    if (kill_at && n == *kill_at && !kill_after_answer) {
      killed = true;
      o.no_answer = true;
      return o;
    }
    if (in.method != "POST" || in.path != eim::kEsipaPath) {
      o.status = 404;
    } else if (in.header("content-type") != eim::kEsipaMediaType) {
      o.status = 415;
    } else if (!eim::admin_protocol_accepted(in.header("x-admin-protocol"))) {
      o.status = 400;
    } else {
      auto a = eim->handle(in.body, "memory");
      log.push_back(a.function + ": " + a.outcome);
      o.status = a.http_status;
      o.body = std::move(a.body);
    }
    if (kill_at && n == *kill_at) {
      killed = true;  // the eIM answered and recorded it; the card never hears it
      o.no_answer = true;
    }
    return o;
  }

  std::string eid() const { return rig.card->eid().str(); }
  json::Value status() { return eim->status(eid()); }

  std::int64_t queue_psmo(std::vector<std::string> ops, const std::string& eim_id = "") {
    eim::QueueRequest r;
    r.eid = eid();
    r.eim_id = eim_id;
    r.operations = std::move(ops);
    return eim->enqueue(r);
  }
  std::int64_t queue_eco(std::vector<std::string> ops, std::vector<Bytes> configurations) {
    eim::QueueRequest r;
    r.eid = eid();
    r.eco = true;
    r.operations = std::move(ops);
    r.configurations = std::move(configurations);
    return eim->enqueue(r);
  }
  std::int64_t queue_euicc_data() {
    eim::QueueRequest r;
    r.eid = eid();
    r.kind = eim::ItemKind::kIpaEuiccData;
    r.tag_list = eim::kAllEuiccDataTags;
    return eim->enqueue(r);
  }
  std::int64_t queue_download(const std::string& matching_id, bool indirect) {
    eim::QueueRequest r;
    r.eid = eid();
    r.kind = eim::ItemKind::kProfileDownload;
    r.activation_code = "1$" + kSmdpAddress + "$" + matching_id;
    r.indirect = indirect;
    return eim->enqueue(r);
  }

  // The EimConfigurationData of eim-2 at the same server: for add-eim with a counter and a
  // token asked for; for update-eim (which may not carry a token) with the counter given.
  Bytes eim2_configuration(long counter, bool update = false) const {
    eim::EimConfiguration c;
    c.eim_id = "eim-2";
    c.fqdn = "localhost:" + std::to_string(rig.eim_port);
    c.counter_value = counter;
    if (!update) c.association_token = -1;
    c.public_key = eim2_key.public_key().subject_public_key_info();
    c.supported_protocols = 1u;
    return eim::encode_eim_configuration(c);
  }

  const EimConfig* card_eim(const std::string& id) const {
    for (const auto& e : rig.state().eims)
      if (e.eim_id == id) return &e;
    return nullptr;
  }
  bool enabled(const std::string& payload) const {
    for (const auto& p : rig.state().profiles)
      if (p.iccid().str() == test::iccid_of(payload)) return p.enabled;
    return false;
  }
  bool installed(const std::string& payload) const {
    for (const auto& p : rig.state().profiles)
      if (p.iccid().str() == test::iccid_of(payload)) return true;
    return false;
  }
};

// The queue items of a status, by id.
const json::Value& item(const json::Value& status, std::int64_t id) {
  for (const auto& x : at(status, "queue"))
    if (integer(x, "id") == id) return x;
  FAIL("no queue item " << id);
  return status;
}

}  // namespace

TEST_CASE("IpaEuiccData teaches the eIM the card; PSMOs run once, every result verified") {
  World w;
  const auto data = w.queue_euicc_data();
  const auto enable = w.queue_psmo({"enable " + test::iccid_of(kP2) + " rollback"});
  const auto list = w.queue_psmo({"list-profile-info", "get-rat"});
  const auto disable = w.queue_psmo({"disable " + test::iccid_of(kP2)});
  const auto del = w.queue_psmo({"delete " + test::iccid_of(kP3)});

  auto report = w.rig.poll();
  INFO(report.error);
  CHECK(report.ok);
  CHECK(report.packages == 5);
  // The card did each once: P2 enabled, then disabled; P3 deleted.
  CHECK_FALSE(w.enabled(kP2));
  CHECK_FALSE(w.installed(kP3));
  CHECK(w.card_eim("eim-1")->counter_value == 4);

  const auto s = w.status();
  // The eIM learnt the certificate (chained to the CI it trusts), the token and the IPAe's
  // capabilities from IpaEuiccData.
  CHECK(text(at(s, "card"), "certificate") == "ipaEuiccData (chain verified)");
  CHECK(at(at(s, "card"), "euiccInfo2").get<bool>());
  CHECK(at(at(s, "card"), "deviceInfo").get<bool>());
  CHECK_FALSE(at(at(s, "card"), "ipaCapabilities").is_null());
  const auto& assoc = (at(s, "associations"))[0];
  CHECK(integer(assoc, "associationToken") == 1);
  CHECK(integer(assoc, "counter") == 4);  // card and eIM agree

  for (auto id : {data, enable, list, disable, del}) {
    const auto& it = item(s, id);
    INFO("item " << id << ": " << text(it, "outcome"));
    CHECK(text(it, "state") == "done");
    CHECK(integer(it, "sends") == 1);
  }
  const auto& counts = at(s, "counts");
  CHECK(integer(counts, "done") == 5);
  CHECK(integer(counts, "resultsVerified") == 4);  // the four eUICC packages
  CHECK(text(item(s, enable), "outcome").find("enableResult ok(0)") != std::string::npos);
  CHECK(text(item(s, list), "outcome").find("listProfileInfoResult") != std::string::npos);
  CHECK(text(item(s, list), "outcome").find("getRATResult") != std::string::npos);
  CHECK(text(item(s, del), "outcome").find("deleteResult ok(0)") != std::string::npos);
  for (const auto& r : at(s, "results")) {
    if (text(r, "kind") != "euiccPackageResult") continue;
    CHECK(text(r, "verdict") == "verified");
    CHECK(integer(r, "deliveries") == 1);
  }
  // Every notification the PSMOs made (disable P1 and enable P2, disable P2, delete P3) reached the
  // eIM with its result, verified, and the card forgot it.
  CHECK(at(s, "notifications").size() == 4);
  for (const auto& n : at(s, "notifications")) CHECK(text(n, "verdict") == "verified");
  CHECK(w.rig.state().notifications.empty());
  CHECK(w.rig.state().package_results.empty());
  CHECK_FALSE(w.rig.state().ipae.in_flight);
  // One line per request on the eIM's side too; the cycle ended with noEimPackageAvailable.
  REQUIRE_FALSE(w.log.empty());
  CHECK(w.log.back().find("noEimPackageAvailable") != std::string::npos);
}

TEST_CASE("eCOs: add eim-2, a package from it, update it, delete it") {
  World w;
  w.queue_euicc_data();
  const auto add = w.queue_eco({"add-eim eim-2.der"}, {w.eim2_configuration(0)});
  auto report = w.rig.poll();
  INFO(report.error);
  CHECK(report.ok);
  REQUIRE(w.card_eim("eim-2"));
  CHECK(text(item(w.status(), add), "state") == "done");
  // The eIM took eim-2's association token from the addEimResult.
  bool learnt = false;
  const auto after_add = w.status();
  for (const auto& a : at(after_add, "associations"))
    if (text(a, "eimId") == "eim-2")
      learnt = !at(a, "associationToken").is_null() &&
               integer(a, "associationToken") ==
                   static_cast<std::int64_t>(*w.card_eim("eim-2")->association_token);
  CHECK(learnt);

  // A package signed by eim-2: the next cycle polls both eIMs (the card's list, in order).
  const auto from2 = w.queue_psmo({"enable " + test::iccid_of(kP2)}, "eim-2");
  report = w.rig.poll();
  INFO(report.error);
  CHECK(report.ok);
  CHECK(report.eims == 2);
  CHECK(w.enabled(kP2));
  CHECK(w.card_eim("eim-2")->counter_value == 1);
  CHECK(text(item(w.status(), from2), "state") == "done");
  CHECK(text(item(w.status(), from2), "outcome").find("[verified]") != std::string::npos);

  // update-eim: eim-2's counter moves to 10; then delete-eim, and list-eim shows eim-1 only.
  const auto upd =
      w.queue_eco({"update-eim eim-2.der"}, {w.eim2_configuration(10, /*update=*/true)});
  const auto del = w.queue_eco({"delete-eim eim-2", "list-eim"}, {});
  report = w.rig.poll();
  INFO(report.error);
  CHECK(report.ok);
  const auto s = w.status();
  CHECK(text(item(s, upd), "state") == "done");
  CHECK(text(item(s, del), "state") == "done");
  CHECK(text(item(s, del), "outcome").find("deleteEimResult ok(0)") != std::string::npos);
  CHECK_FALSE(w.card_eim("eim-2"));
  CHECK(w.rig.state().eims.size() == 1);
  for (const auto& r : at(s, "results"))
    if (text(r, "kind") == "euiccPackageResult") CHECK(text(r, "verdict") == "verified");
}

TEST_CASE("downloads: indirect relayed by the eIM, direct over ES9+, both results with the eIM") {
  SECTION("indirect, full forms") {
    World w(/*indirect=*/true);
    w.queue_euicc_data();
    const auto dl = w.queue_download("IOT1", true);
    auto report = w.rig.poll();
    INFO(report.error);
    CHECK(report.ok);
    CHECK(w.installed(kNew));
    CHECK(w.smdp_calls.empty());  // the eIM relayed in process; the IPAe never went direct
    const auto s = w.status();
    CHECK(text(item(s, dl), "state") == "done");
    REQUIRE(at(s, "downloads").size() == 1);
    const auto& d = (at(s, "downloads"))[0];
    CHECK(at(d, "compact").get<bool>() == false);
    // The installation result reached the eIM (HandleNotification), verified, and the SM-DP+
    // through the eIM.
    bool pir = false;
    for (const auto& n : at(s, "notifications"))
      if (text(n, "event") == "install") pir = text(n, "verdict") == "verified";
    CHECK(pir);
    CHECK(w.smdp->notifications().size() == 1);
    CHECK(w.rig.state().notifications.empty());
  }
  SECTION("indirect with minimizeEsipaBytes: the eIM rebuilds the compact forms") {
    IpaeConfig cfg;
    cfg.minimize_esipa_bytes = true;
    World w(/*indirect=*/true, cfg);
    w.queue_euicc_data();
    const auto dl = w.queue_download("IOT1", true);
    auto report = w.rig.poll();
    INFO(report.error);
    CHECK(report.ok);
    CHECK(w.installed(kNew));
    const auto s = w.status();
    CHECK(text(item(s, dl), "state") == "done");
    REQUIRE(at(s, "downloads").size() == 1);
    CHECK(at((at(s, "downloads"))[0], "compact").get<bool>());
  }
  SECTION("direct") {
    World w(/*indirect=*/false);
    w.queue_euicc_data();
    const auto dl = w.queue_download("IOT2", false);
    auto report = w.rig.poll();
    INFO(report.error);
    CHECK(report.ok);
    CHECK(w.installed(kNew));
    CHECK(w.smdp_calls == std::vector<std::string>{"initiateAuthentication", "authenticateClient",
                                                   "getBoundProfilePackage", "handleNotification"});
    const auto s = w.status();
    CHECK(text(item(s, dl), "state") == "done");
    bool seen = false;
    for (const auto& r : at(s, "results")) {
      if (text(r, "kind") != "profileDownloadTriggerResult") continue;
      seen = true;
      CHECK(text(r, "verdict") == "verified");
    }
    CHECK(seen);
    CHECK(w.rig.state().notifications.empty());
  }
}

TEST_CASE("kills at every ESipa exchange: every package runs once, card and eIM agree") {
  // One scenario (IpaEuiccData, an enable with rollback, list/get-rat, a disable, a delete),
  // killed at request k: the card restarts from the image it last saved, the eIM from its
  // database, either before the eIM saw the request or after it answered it.
  const auto run = [](std::size_t kill_at, bool after_answer) {
    World w;
    w.kill_at = kill_at;
    w.kill_after_answer = after_answer;
    w.queue_euicc_data();
    w.queue_psmo({"enable " + test::iccid_of(kP2) + " rollback"});
    w.queue_psmo({"list-profile-info", "get-rat"});
    w.queue_psmo({"disable " + test::iccid_of(kP2)});
    w.queue_psmo({"delete " + test::iccid_of(kP3)});
    w.rig.ipae->wake(applets::ipae::Ipae::Wake::kTrigger);
    w.rig.settle();
    CHECK(w.killed);
    // The card (its last image) and the eIM (its database) start again; start-up is a poll.
    w.rig.restart();
    w.restart_eim();
    w.kill_at.reset();
    w.rig.ipae->wake(applets::ipae::Ipae::Wake::kStartUp);
    w.rig.settle();
    // Polls until the queue is empty (a few cycles at most).
    for (int i = 0; i < 4 && integer(at(w.status(), "counts"), "done") < 5; ++i)
      w.rig.advance_to_wakeup();
    return std::make_pair(w.status(), w.rig.state());
  };
  // 11 requests without a kill: GetEimPackage and a result per package (five), the last poll.
  for (std::size_t k = 1; k <= 11; ++k) {
    for (bool after : {false, true}) {
      INFO("killed at request " << k << (after ? " after the eIM answered" : " before it"));
      auto [s, card] = run(k, after);
      const auto& counts = at(s, "counts");
      CHECK(integer(counts, "done") == 5);
      CHECK(integer(counts, "failed") == 0);
      CHECK(integer(counts, "resultsVerified") == 4);
      for (const auto& it : at(s, "queue")) {
        INFO("item " << integer(it, "id") << " " << text(it, "outcome"));
        CHECK(text(it, "state") == "done");
      }
      // Each result recorded once, however often it was delivered.
      std::size_t results = 0;
      for (const auto& r : at(s, "results"))
        if (text(r, "kind") == "euiccPackageResult") ++results;
      CHECK(results == 4);
      // Counters agree: four packages, each executed once.
      const auto& assoc = (at(s, "associations"))[0];
      CHECK(integer(assoc, "counter") == 4);
      CHECK(card.eims[0].counter_value == 4);
      CHECK(card.notifications.empty());
      CHECK(card.package_results.empty());
      CHECK_FALSE(card.ipae.in_flight);
    }
  }
}

TEST_CASE("a kill between the card's installation result and the IPAe's record of it") {
  // The card persisted the profile and its installation result with the last piece of the
  // package; the IPAe had not yet recorded step 2 when the device died. After the restart the
  // IPAe finds the result among the notifications and delivers it: the eIM's item is done,
  // not reported failed while the profile is on the card.
  World w(/*indirect=*/true);
  w.queue_euicc_data();
  w.rig.poll();
  const auto dl = w.queue_download("IOT1", true);
  // GetEimPackage, InitiateAuthentication, AuthenticateClient, GetBoundProfilePackage, then
  // HandleNotification: the eIM never sees that one.
  w.kill_at = w.requests + 5;
  w.rig.ipae->wake(applets::ipae::Ipae::Wake::kTrigger);
  w.rig.settle();
  REQUIRE(w.killed);
  // The image as the card's last LoadBoundProfilePackage left it: installed, step 1.
  auto it = std::find_if(w.rig.saved.begin(), w.rig.saved.end(), [](const CardState& s) {
    return std::any_of(s.profiles.begin(), s.profiles.end(),
                       [](const auto& p) { return p.iccid().str() == test::iccid_of(kNew); });
  });
  REQUIRE(it != w.rig.saved.end());
  REQUIRE(it->ipae.in_flight);
  CHECK(it->ipae.in_flight->step == 1);
  w.rig.saved.erase(it + 1, w.rig.saved.end());
  w.rig.restart();
  w.kill_at.reset();
  w.rig.ipae->wake(applets::ipae::Ipae::Wake::kStartUp);
  w.rig.settle();
  CHECK(w.rig.recorder.noted("resuming the download in flight (step 1)"));
  const auto s = w.status();
  CHECK(text(item(s, dl), "state") == "done");
  CHECK(text(item(s, dl), "outcome").find("installed") != std::string::npos);
  CHECK(w.installed(kNew));
  CHECK(w.rig.state().notifications.empty());
  CHECK_FALSE(w.rig.state().ipae.in_flight);
}
