// tools/eim: the indirect profile download (SGP.32 v1.2 §3.2.3.2) through the eIM in
// process: a real iot card, the test SM-DP+ in process (tools/smdp/server, which checks every
// eUICC signature), and an IPA written here that sends the ESipa requests by hand. The compact
// forms (minimizeEsipaBytes) are made here from the card's full answers by dropping what
// SGP32Definitions' compact types leave out; the SM-DP+ accepting the eIM's rebuilt forms is
// the check that the rebuilding restored the signed bytes exactly.
#include <catch.hpp>

#include "../support/eim_fixture.hpp"
#include "../support/hex_der.hpp"
#include "euiccsim/profiles/builder.hpp"
#include "euiccsim/simulator/identity.hpp"
#include "smdp/binder.hpp"
#include "smdp/server.hpp"

using namespace euiccsim;
using test::EimFixture;
using test::kEimEid;
constexpr auto der = &test::hex_tlv;

namespace {

const std::string kAddress = "smdp.example.com";
const std::string kNew = "8999900000000000003";

std::string eid_tlv() {
  return der("5A", kEimEid);
}

smdp::ProfileOffer offer(const std::string& matching_id) {
  smdp::ProfileOffer o;
  o.matching_id = matching_id;
  profiles::ProfileSpec spec;
  spec.iccid = Iccid::parse(test::iccid_of(kNew));
  spec.imsi = "001010000000703";
  auto k = from_hex("465B5CE8B199B49FAA5F0A2EE238A6BC");
  spec.k = SecureBytes(k.begin(), k.end());
  spec.opc = spec.k;
  o.package = profiles::encode_package(profiles::build_profile(spec));
  return o;
}

struct World : EimFixture {
  World() : drbg(crypto::Drbg::from_seed(31, "eim-relay")) {
    // The issuer es10_state made the card's chain from (the same seed gives the same CI).
    auto issuer_drbg = crypto::Drbg::from_seed(7, "test-issuer");
    auto issuer = sim::make_test_issuer(issuer_drbg, "89049032");
    auto dp_auth = crypto::make_dp_auth(issuer.ci, {}, drbg);
    auto dp_pb = crypto::make_dp_pb(issuer.ci, {}, drbg);
    server = std::make_unique<smdp::Server>(
        smdp::ServerConfig{kAddress, dp_auth, dp_pb, {issuer.ci.certificate}}, drbg);
    server->add_profile(offer("MATCH-1"));
    relay = [this](const std::string& address) -> smdp::Es9Plus* {
      return address == kAddress ? server.get() : nullptr;
    };
    restart();
  }

  // What the IPA learns first: certificates, EUICCInfo1/2, token, and its own capabilities
  // ('A8 { 80 ipaFeatures }': indirectRspServerCommunication, plus minimizeEsipaBytes).
  void learn(bool minimize) {
    queue_euicc_data(from_hex("84A5A6BF20BF22A8"));
    const Bytes data = ipa_euicc_data(*package_of(poll()));
    auto inner = test::parts_of(data);
    std::string members = to_hex(test::value(inner[0]));
    members += der("A8", der("80", minimize ? "0244" : "0240"));
    auto a = call(from_hex(der("BF50", eid_tlv() + der("BF52", der("A0", members)))));
    REQUIRE(a.http_status == 200);
  }

  std::int64_t queue_download(const std::string& ac = "1$smdp.example.com$MATCH-1") {
    eim::QueueRequest r;
    r.eid = kEimEid;
    r.kind = eim::ItemKind::kProfileDownload;
    r.activation_code = ac;
    r.indirect = true;
    return eim->enqueue(r);
  }

  Bytes esipa(const std::string& hex) {
    auto a = call(from_hex(hex));
    REQUIRE(a.http_status == 200);
    last_outcome = a.outcome;
    return a.body;
  }

  crypto::Drbg drbg;
  std::unique_ptr<smdp::Server> server;
  std::string last_outcome;
};

// The IPA's side of one indirect download, up to the Bound Profile Package.
struct Session {
  Bytes eim_tx;         // eimTransactionId of the trigger
  Bytes tx;             // the SM-DP+'s transactionId
  Bytes auth_response;  // the card's BF38
  Bytes initiate_answer, authenticate_answer;
};

Session start(World& w, bool compact) {
  Session s;
  const Bytes trigger = *w.package_of(w.poll());
  auto t = test::parts_of(trigger);
  REQUIRE(t[0].tag == 0xA0);
  s.eim_tx = test::value(t[1]);
  // The matching ID of the trigger's activation code: A0 { 80 "1$ADDRESS$ID" }
  const Bytes ac = test::value(*tlv::read(t[0].value));
  const std::string code(ac.begin(), ac.end());
  const std::string matching_id = code.substr(code.rfind('$') + 1);
  const Bytes info1 = w.card.es10(from_hex("BF2000"));
  const Bytes challenge = w.card.es10(from_hex("BF2E00"));
  const std::string chal = to_hex(test::value(test::parts_of(challenge)[0]));
  // InitiateAuthenticationRequestEsipa { 81 challenge, 83 address, BF20 info1, 82 eimTxId }
  s.initiate_answer =
      w.esipa(der("BF39", der("81", chal) + der("83", test::utf8(kAddress)) +
                              (compact ? "" : to_hex(info1)) + der("82", to_hex(s.eim_tx))));
  auto ia = test::parts_of(s.initiate_answer);
  REQUIRE(ia.size() == 1);
  REQUIRE(ia[0].tag == 0xA0);
  auto ok = *tlv::read_all(ia[0].value);
  // With minimizeEsipaBytes the transactionId is left out: serverSigned1 comes first.
  REQUIRE(ok[0].tag == (compact ? 0x30u : 0x80u));
  const std::size_t first = compact ? 0 : 1;
  auto ss1 = *tlv::read_all(ok[first].value);
  s.tx = test::value(ss1[0]);
  if (!compact) CHECK(to_hex(test::value(ok[0])) == to_hex(s.tx));
  // AuthenticateServer { serverSigned1, serverSignature1, euiccCiPKIdToBeUsed, serverCertificate,
  // ctxParams1 A0 { 80 matchingId, A1 deviceInfo { 80 TAC, A1 capabilities } } }
  std::string body;
  for (std::size_t i = first; i < first + 4; ++i) body += to_hex(test::whole(ok[i]));
  body += der("A0", der("80", test::utf8(matching_id)) +
                        der("A1", der("80", "35290611") + der("A1", der("80", "0F0000"))));
  s.auth_response = w.card.es10(from_hex(der("BF38", body)));
  return s;
}

// BF38 { A0 { 30 euiccSigned1, 5F37, 30, 30 } } as compactAuthenticateResponseOk:
// BF38 { A2 { A0 { 84 extCardResource, A2 { ctxParams1 } }, 5F37 } }, the certificates left out.
std::string compact_auth(const Bytes& full) {
  auto ok = *tlv::read_all(test::parts_of(full)[0].value);
  auto signed1 = *tlv::read_all(ok[0].value);
  auto info2 = *tlv::read_all(signed1[3].value);
  auto ext = tlv::find(info2, 0x84);
  REQUIRE(ext);
  return der("BF38", der("A2", der("A0", to_hex(test::whole(*ext)) +
                                             der("A2", to_hex(test::whole(signed1[4])))) +
                                   to_hex(test::whole(ok[1]))));
}

// BF21 { A0 { 30 { 80 tx, 5F49 otpk, 04 hashCc opt }, 5F37 } } as compactDownloadResponseOk:
// BF21 { A2 { 30 { 5F49 otpk }, 5F37 } }.
std::string compact_prepare(const Bytes& full) {
  auto ok = *tlv::read_all(test::parts_of(full)[0].value);
  auto signed2 = *tlv::read_all(ok[0].value);
  std::string kept;
  for (std::size_t i = 1; i < signed2.size(); ++i) kept += to_hex(test::whole(signed2[i]));
  return der("BF21", der("A2", der("30", kept) + to_hex(test::whole(ok[1]))));
}

// The rest of the download; `trigger_result`: the IPA also sends the trigger's
// ProfileDownloadTriggerResult after the install notification (the IPAe of applets/ipae does
// not: SGP.32 §3.2.3.2 ends with HandleNotification).
void finish(World& w, Session& s, bool compact, bool trigger_result = true) {
  const std::string asr = compact ? compact_auth(s.auth_response) : to_hex(s.auth_response);
  s.authenticate_answer = w.esipa(der("BF3B", der("80", to_hex(s.tx)) + asr));
  auto ac = test::parts_of(s.authenticate_answer);
  REQUIRE(ac[0].tag == 0xA0);
  auto ok = *tlv::read_all(ac[0].value);
  REQUIRE(ok[0].tag == (compact ? 0xBF25u : 0x80u));
  const std::size_t first = compact ? 1 : 2;  // after transactionId and profileMetaData
  std::string prep;
  for (std::size_t i = first; i < first + 3; ++i) prep += to_hex(test::whole(ok[i]));
  const Bytes pdr = w.card.es10(from_hex(der("BF21", prep)));
  const std::string pdr_sent = compact ? compact_prepare(pdr) : to_hex(pdr);
  const Bytes bpp_answer = w.esipa(der("BF3A", der("80", to_hex(s.tx)) + pdr_sent));
  auto b = test::parts_of(bpp_answer);
  REQUIRE(b[0].tag == 0xA0);
  auto bok = *tlv::read_all(b[0].value);
  const auto& bpp = bok.back();
  REQUIRE(bpp.tag == 0xBF36);
  CHECK(bok.size() == (compact ? 1u : 2u));
  Bytes pir;
  for (const auto& segment : smdp::bpp_segments(bpp.bytes())) {
    pir = w.card.es10(segment);
  }
  REQUIRE(tlv::read(pir)->tag == 0xBF37);
  // The install notification to the eIM: no response defined, HTTP 200 with no body.
  auto hn = w.call(from_hex(der("BF3D", der("A0", to_hex(pir)))));
  CHECK(hn.http_status == 200);
  CHECK(hn.body.empty());
  if (!trigger_result) return;
  // The trigger's result.
  CHECK(to_hex(w.esipa(der("BF50", eid_tlv() + der("BF54", der("82", to_hex(s.eim_tx)) +
                                                               to_hex(pir))))) == "BF50023000");
}

}  // namespace

TEST_CASE("indirect download relayed to the SM-DP+, full forms, install notification forwarded") {
  World w;
  w.learn(false);
  const auto id = w.queue_download();
  auto s = start(w, false);
  finish(w, s, false);
  auto item = w.store->item(id);
  CHECK(item->state == eim::ItemState::kDone);
  CHECK(item->outcome ==
        "profileInstallationResult: installed " + test::iccid_of(kNew) + " [verified]");
  auto d = w.store->download_by_queue(id);
  REQUIRE(d);
  CHECK(d->state == "installed");
  CHECK(to_hex(d->smdp_transaction_id) == to_hex(s.tx));
  // The PIR reached the SM-DP+ through the eIM, and was verified there.
  REQUIRE(w.server->notifications().size() == 1);
  auto notes = w.store->notifications(kEimEid);
  REQUIRE(notes.size() == 1);
  CHECK(notes[0].event == "install");
  CHECK(notes[0].verdict == "verified");
  CHECK(notes[0].forwarded == "yes");
}

TEST_CASE("an indirect download ends with its install notification; nothing is handed out again") {
  World w;
  w.learn(false);
  const auto id = w.queue_download();
  auto s = start(w, false);
  finish(w, s, false, /*trigger_result=*/false);
  auto item = w.store->item(id);
  CHECK(item->state == eim::ItemState::kDone);
  CHECK(item->outcome ==
        "profileInstallationResult: installed " + test::iccid_of(kNew) + " [verified]");
  CHECK(w.store->download_by_queue(id)->state == "installed");
  CHECK(to_hex(w.poll()) == "BF4F03020101");  // noEimPackageAvailable
  CHECK(item->sends == 1);
}

TEST_CASE("indirect download with minimizeEsipaBytes: compact forms rebuilt byte for byte") {
  World w;
  w.learn(true);
  const auto id = w.queue_download();
  auto s = start(w, true);
  finish(w, s, true);
  CHECK(w.store->item(id)->state == eim::ItemState::kDone);
  CHECK(w.store->download_by_queue(id)->compact);
}

TEST_CASE("an eIM restart in the middle of a relayed download loses nothing") {
  World w;
  w.learn(false);
  const auto id = w.queue_download();
  auto s = start(w, false);
  w.restart();  // the relay session is in the database
  finish(w, s, false);
  CHECK(w.store->item(id)->state == eim::ItemState::kDone);
}

TEST_CASE("CancelSession relayed, full and compact; the download and its item end") {
  for (bool compact : {false, true}) {
    World w;
    w.learn(compact);
    const auto id = w.queue_download();
    auto s = start(w, compact);
    // After AuthenticateClient the SM-DP+ knows the card's key and checks the cancellation.
    w.esipa(der("BF3B", der("80", to_hex(s.tx)) +
                            (compact ? compact_auth(s.auth_response) : to_hex(s.auth_response))));
    // ES10b CancelSession { 80 transactionId, 81 reason endUserRejection(0) }
    const Bytes cs = w.card.es10(from_hex(der("BF41", der("80", to_hex(s.tx)) + "810100")));
    auto ok = *tlv::read_all(test::parts_of(cs)[0].value);  // A0 { 30 signed, 5F37 }
    std::string sent;
    if (compact) {
      // CompactCancelSessionResponseOk { 30 { 80 reason }, 5F37 }
      auto signed_part = *tlv::read_all(ok[0].value);
      sent = der("A1", der("A2", der("30", der("80", to_hex(test::value(signed_part[2])))) +
                                     to_hex(test::whole(ok[1]))));
    } else {
      sent = der("A1", to_hex(test::value(*tlv::read(cs))));  // A1 replaces BF41
    }
    CHECK(to_hex(w.esipa(der("BF41", der("80", to_hex(s.tx)) + sent))) == "BF4102A000");
    CHECK(w.store->download_by_queue(id)->state == "cancelled");
    CHECK(w.store->item(id)->state == eim::ItemState::kFailed);
  }
}

TEST_CASE("relay errors in ESipa's own values") {
  World w;
  w.learn(false);
  const std::string unknown_tx = der("80", "00112233445566778899AABBCCDDEEFF");
  SECTION("transactionIds the eIM never relayed") {
    // AuthenticateResponseError / PrepareDownloadResponseError { 80 transactionId, 02 code }
    const std::string error = der("A1", unknown_tx + "020102");
    CHECK(to_hex(w.esipa(der("BF3B", unknown_tx + der("BF38", error)))) == "BF3B0382010A");
    CHECK(to_hex(w.esipa(der("BF3A", unknown_tx + der("BF21", error)))) == "BF3A0381015F");
    CHECK(to_hex(w.esipa(der("BF41", unknown_tx + der("A1", "810105")))) == "BF4103810101");
  }
  SECTION("InitiateAuthentication: eimTransactionId, address, relay") {
    const std::string chal = der("81", test::repeat("11", 16));
    CHECK(to_hex(w.esipa(der("BF39", chal + der("82", "0102")))) ==
          "BF39038101"
          "34");
    w.queue_download();
    w.poll();
    CHECK(to_hex(w.esipa(der("BF39", chal + der("83", test::utf8("other.example.com"))))) ==
          "BF39038101"
          "32");
    w.store->finish(w.store->items(kEimEid).back().id, eim::ItemState::kDone, "test", 0);
    CHECK(to_hex(w.esipa(der("BF39", chal + der("83", test::utf8("other.example.com"))))) ==
          "BF3903810101");
    CHECK(w.last_outcome == "invalidDpAddress(1): no relay to other.example.com");
    CHECK(to_hex(w.esipa(der("BF39", chal))) == "BF3903810101");
    CHECK(to_hex(w.esipa(der("BF39", "8101AA"))) == "BF390381017F");
  }
  SECTION("the SM-DP+'s refusal: an unknown matching ID") {
    w.queue_download("1$smdp.example.com$NO-SUCH");
    auto s = start(w, false);
    CHECK(to_hex(w.esipa(der("BF3B", der("80", to_hex(s.tx)) + to_hex(s.auth_response)))) ==
          "BF3B03820106");  // matchingIdRefused(6)
  }
  SECTION("a compact response without what the eIM needs to rebuild it") {
    w.store->finish(w.store->items(kEimEid).back().id, eim::ItemState::kDone, "test", 0);
    w.queue_download();
    auto s = start(w, false);
    // compactEuiccSigned1 without ctxParams1, and the eIM gave none
    auto ok = *tlv::read_all(test::parts_of(s.auth_response)[0].value);
    const std::string bad =
        der("BF38", der("A2", der("A0", "840100") + to_hex(test::whole(ok[1]))));
    CHECK(to_hex(w.esipa(der("BF3B", der("80", to_hex(s.tx)) + bad))) == "BF3B0382017F");
  }
}
