// tools/eim/provide_eim_package_result and results: what the eIM makes of what a real iot card
// answered, carried by the test's IPA (support/eim_fixture.hpp). Expected acknowledgements are
// the sequence numbers the test reads out of the card's own answers; expected states follow
// docs/eim.md ("States of a queued item").
#include <catch.hpp>

#include "../support/eim_fixture.hpp"
#include "../support/hex_der.hpp"

using namespace euiccsim;
using test::EimFixture;
using test::kEimEid;
constexpr auto der = &test::hex_tlv;

namespace {

const std::string kIccid2 = test::iccid_of("8999900000000000002");

std::string eid_tlv() {
  return der("5A", kEimEid);
}

// seqNumber '83' of a signed EuiccPackageResult BF51 { A0 { 30 { ... 83 seq ... } } }.
std::string result_seq_hex(const Bytes& result) {
  auto alt = test::parts_of(result);
  REQUIRE(alt.size() == 1);
  REQUIRE(alt[0].tag == 0xA0);
  auto data = tlv::read_all(alt[0].value);
  REQUIRE(data);
  auto fields = tlv::read_all((*data)[0].value);
  auto seq = tlv::find(*fields, 0x83);
  REQUIRE(seq);
  return to_hex(test::value(*seq));
}

// The '80' seqNumber of each notification of an 'A0 { ... }' list, as hex.
std::vector<std::string> list_seqs_hex(const Bytes& list) {
  std::vector<std::string> out;
  for (const auto& n : test::parts_of(list)) {
    auto inner = tlv::read_all(n.value);
    REQUIRE(inner);
    // BF37 { BF27 { ..., BF2F { 80 ... } } } or 30 { BF2F { 80 ... } }
    auto meta = tlv::find(*inner, 0xBF2F);
    if (!meta) {
      auto data = tlv::find(*inner, 0xBF27);
      REQUIRE(data);
      meta = tlv::find(*tlv::read_all(data->value), 0xBF2F);
    }
    REQUIRE(meta);
    out.push_back(to_hex(test::value(*tlv::find(*tlv::read_all(meta->value), 0x80))));
  }
  return out;
}

std::string acks_hex(const std::vector<std::string>& seqs) {
  std::string body;
  for (const auto& s : seqs) body += der("80", s);
  return der("BF50", der("BF53", body));
}

std::string provide(EimFixture& f, const Bytes& request, const std::string& connection = "conn-1") {
  auto a = f.call(request, connection);
  REQUIRE(a.http_status == 200);
  return to_hex(a.body);
}

// The IpaEuiccData exchange that teaches the eIM the card's certificates, info and token.
void learn(EimFixture& f, const std::string& tags = "84A5A6BF20BF22") {
  // Nothing to acknowledge: v1.2's emptyResponse, or an empty list under the v1.0 switch.
  const std::string nothing = f.accept_v1_0 ? "BF5003BF5300" : "BF50023000";
  const auto id = f.queue_euicc_data(from_hex(tags));
  const Bytes req = *f.package_of(f.poll());
  const Bytes data = f.ipa_euicc_data(req);
  CHECK(provide(f, from_hex(der("BF50", eid_tlv() + to_hex(data)))) == nothing);
  CHECK(f.store->item(id)->state == eim::ItemState::kDone);
}

// Poll, run the package on the card, return the card's EuiccPackageResult.
Bytes run_next(EimFixture& f) {
  auto p = f.package_of(f.poll());
  REQUIRE(p);
  return f.card.es10(*p);
}

Bytes provide_result_only(const Bytes& result) {
  return from_hex(der("BF50", eid_tlv() + to_hex(result)));
}

}  // namespace

TEST_CASE("IpaEuiccData teaches the eIM the card's certificates, EUICCInfo and association token") {
  EimFixture f;
  learn(f);
  auto card = f.store->card(kEimEid);
  REQUIRE(card);
  // GetCerts' A6 is the certificate with its tag made implicit: the eIM keeps it as '30'.
  const Bytes get_certs = f.card.es10(from_hex("BF5600"));
  auto certs = test::parts_of(get_certs);
  auto both = *tlv::read_all(certs[0].value);
  CHECK(to_hex(card->euicc_certificate) == "30" + to_hex(test::whole(both[1])).substr(2));
  CHECK(to_hex(card->eum_certificate) == "30" + to_hex(test::whole(both[0])).substr(2));
  CHECK(card->certificate_source == "ipaEuiccData");
  CHECK(to_hex(card->euicc_info1) == to_hex(f.card.es10(from_hex("BF2000"))));
  CHECK(to_hex(card->euicc_info2) == to_hex(f.card.es10(from_hex("BF2200"))));
  auto a = f.store->association(kEimEid, "eim-1");
  REQUIRE(a);
  CHECK(a->association_token == 1);
  CHECK(a->counter == 0);
}

TEST_CASE("a PSMO result and its notifications: verified, recorded, all acknowledged") {
  EimFixture f;
  learn(f);
  const auto id = f.queue_psmo({"enable " + kIccid2});
  const Bytes result = run_next(f);
  const Bytes list = f.notification_list();
  auto seqs = list_seqs_hex(list);
  REQUIRE(seqs.size() == 1);  // the enable notification of profile 2
  const Bytes request = f.provide_with_notifications(result);
  std::vector<std::string> expected{result_seq_hex(result)};
  expected.insert(expected.end(), seqs.begin(), seqs.end());
  CHECK(provide(f, request) == acks_hex(expected));

  auto item = f.store->item(id);
  CHECK(item->state == eim::ItemState::kDone);
  CHECK(item->outcome == "euiccPackageResultSigned seq " +
                             std::to_string(std::stol(result_seq_hex(result), nullptr, 16)) +
                             ": enableResult ok(0) [verified]");
  auto results = f.store->results(kEimEid);
  REQUIRE(results.size() == 2);  // the IpaEuiccData, this one
  CHECK(results[1].verdict == "verified");
  CHECK(results[1].queue_id == id);
  auto notes = f.store->notifications(kEimEid);
  REQUIRE(notes.size() == 1);
  CHECK(notes[0].verdict == "verified");
  CHECK(notes[0].event == "enable");
  CHECK(notes[0].iccid == kIccid2);
  CHECK(notes[0].address == "smdp.example.com");
  CHECK(notes[0].forwarded == "not forwarded (no SM-DP+ relay for smdp.example.com)");

  SECTION("delivered again: recorded once, acknowledged again, nothing re-applied") {
    CHECK(provide(f, request) == acks_hex(expected));
    auto again = f.store->results(kEimEid);
    REQUIRE(again.size() == 2);
    CHECK(again[1].deliveries == 2);
    CHECK(f.store->notifications(kEimEid)[0].deliveries == 2);
    CHECK(f.store->item(id)->finished_ms == item->finished_ms);
  }
  SECTION("the status counts it") {
    auto s = f.eim->status(kEimEid);
    const auto* c = json::member(s, "counts");
    CHECK(*json::integer_of(json::member(c, "done")) == 2);
    CHECK(*json::integer_of(json::member(c, "delivered")) == 2);
    CHECK(*json::integer_of(json::member(c, "answered")) == 2);
    CHECK(*json::integer_of(json::member(c, "resultsVerified")) == 1);
  }
}

TEST_CASE("a forged result is recorded as forged and moves nothing; the real one then does") {
  EimFixture f;
  learn(f);
  const auto id = f.queue_psmo({"get-rat"});
  const Bytes result = run_next(f);
  Bytes forged = result;
  forged[forged.size() - 1] ^= 0x01;  // the last byte of euiccSignEPR
  provide(f, provide_result_only(forged));
  CHECK(f.store->item(id)->state == eim::ItemState::kSent);
  CHECK(f.store->results(kEimEid).back().verdict == "forged");
  CHECK(provide(f, provide_result_only(result)) == acks_hex({result_seq_hex(result)}));
  CHECK(f.store->item(id)->state == eim::ItemState::kDone);
  CHECK(f.store->results(kEimEid).back().verdict == "verified");
}

TEST_CASE("a result after an eIM restart is matched to the package handed out before it") {
  EimFixture f;
  learn(f);
  const auto id = f.queue_psmo({"enable " + kIccid2});
  const Bytes result = run_next(f);
  f.restart();
  std::vector<std::string> expected{result_seq_hex(result)};
  for (const auto& s : list_seqs_hex(f.notification_list())) expected.push_back(s);
  CHECK(provide(f, f.provide_with_notifications(result)) == acks_hex(expected));
  CHECK(f.store->item(id)->state == eim::ItemState::kDone);
}

TEST_CASE(
    "a package re-sent after its result was lost: replayError, then the kept result "
    "closes it, and it ran once") {
  EimFixture f;
  learn(f);
  const auto id = f.queue_psmo({"enable " + kIccid2});
  const Bytes first = run_next(f);   // ...and the result never reaches the eIM
  const Bytes replay = run_next(f);  // the same bytes again: the card refuses them
  auto alt = test::parts_of(replay);
  REQUIRE(alt[0].tag == 0xA1);  // euiccPackageErrorSigned
  provide(f, provide_result_only(replay));
  auto item = f.store->item(id);
  CHECK(item->state == eim::ItemState::kReplayed);
  CHECK(item->outcome == "euiccPackageErrorSigned replayError(4) [verified]");
  CHECK(item->sends == 2);
  // The IPA finds the kept result among the card's package results and delivers it.
  const auto data_id = f.queue_euicc_data(from_hex("A2"));
  const Bytes data = f.ipa_euicc_data(*f.package_of(f.poll()));
  CHECK(provide(f, from_hex(der("BF50", eid_tlv() + to_hex(data)))) ==
        acks_hex({result_seq_hex(first)}));
  CHECK(f.store->item(id)->state == eim::ItemState::kDone);
  CHECK(f.store->item(data_id)->state == eim::ItemState::kDone);
  // Ran once: the profile is enabled, and the card's counter is the package's.
  auto cfg =
      f.card.es10(from_hex("BF5509A00780056569"
                           "6D2D31"));
  CHECK(to_hex(cfg).find("830101") != std::string::npos);
}

TEST_CASE("ProvideEimPackageResult without eidValue: the transaction id, else the connection") {
  EimFixture f;
  learn(f);
  SECTION("by eimTransactionId, on another connection") {
    const auto id = f.queue_psmo({"get-rat"});
    const Bytes result = run_next(f);
    CHECK(provide(f, from_hex(der("BF50", to_hex(result))), "other") ==
          acks_hex({result_seq_hex(result)}));
    CHECK(f.store->item(id)->state == eim::ItemState::kDone);
  }
  SECTION("by the connection that polled, when the result names no transaction") {
    f.eim->register_card(kEimEid, "eim-1", 0, {}, {});
    // An eimPackageResultResponseError without a transaction id: invalidPackageFormat(1)
    const auto id = f.queue_psmo({"get-rat"});
    f.poll();
    CHECK(provide(f, from_hex(der("BF50", der("A0", "020101")))) == "BF50023000");
    CHECK(f.store->item(id)->state == eim::ItemState::kFailed);
    CHECK(f.store->item(id)->outcome ==
          "the IPA could not run the package: invalidPackageFormat(1)");
  }
  SECTION("neither: missingEid(4)") {
    CHECK(provide(f, from_hex(der("BF50", der("A0", "020101"))), "unknown") ==
          "BF50030201"
          "04");
  }
}

TEST_CASE(
    "ProvideEimPackageResult errors: invalidEid, eidNotFound, undefinedError; HTTP 400 "
    "for what is not ESipa") {
  EimFixture f;
  learn(f);
  CHECK(provide(f, from_hex(der("BF50", der("5A", "8904") + der("A0", "020101")))) ==
        "BF5003020103");
  const std::string other = "890490321234512345123456789099";
  CHECK(provide(f, from_hex(der("BF50", der("5A", other + Eid::check_digits(other)) +
                                            der("A0", "020101")))) == "BF5003020102");
  // a result alternative the module does not have
  CHECK(provide(f, from_hex(der("BF50", eid_tlv() + der("A5", "")))) == "BF500302017F");
  // an EuiccPackageResult that is not one is recorded as malformed, acknowledged nothing
  CHECK(provide(f, from_hex(der("BF50", eid_tlv() + der("BF51", der("A0", "3000"))))) ==
        "BF500302017F");

  auto truncated = f.call(from_hex("BF5020" + eid_tlv()));
  CHECK(truncated.http_status == 400);
  CHECK(truncated.outcome == "not one BER-TLV (truncated or malformed)");
  auto wrong = f.call(from_hex(der("BF38", "")));
  CHECK(wrong.http_status == 400);
  CHECK(wrong.outcome == "tag BF38 is no ESipa request");
  auto empty = f.call({});
  CHECK(empty.http_status == 400);
  auto trailing =
      f.call(from_hex("BF4F00"
                      "00"));
  CHECK(trailing.http_status == 400);
  CHECK(trailing.outcome == "bytes after the message");
}

TEST_CASE("an unsigned error (the card did not take the eIM's signature) fails the item") {
  EimFixture f;
  learn(f);
  f.eim->register_card(kEimEid, "eim-1", std::nullopt, std::optional<std::int64_t>(7), {});
  const auto id = f.queue_psmo({"get-rat"});
  const Bytes result = run_next(f);
  CHECK(test::parts_of(result)[0].tag == 0xA2);
  CHECK(provide(f, provide_result_only(result)) == "BF50023000");
  CHECK(f.store->item(id)->state == eim::ItemState::kFailed);
  CHECK(f.store->results(kEimEid).back().verdict == "unsigned");
}

TEST_CASE("IpaEuiccDataResponseError fails its item with the code") {
  EimFixture f;
  f.eim->register_card(kEimEid, "eim-1", 0, {}, {});
  const auto id = f.queue_euicc_data(from_hex("5A"));
  const auto item = f.store->item(id);
  f.poll();
  CHECK(provide(f, from_hex(der(
                       "BF50",
                       eid_tlv() + der("BF52", der("A1", der("80", to_hex(item->transaction_id)) +
                                                             "020101"))))) == "BF50023000");
  CHECK(f.store->item(id)->state == eim::ItemState::kFailed);
  CHECK(f.store->item(id)->outcome == "ipaEuiccDataResponseError incorrectTagList(1)");
}

TEST_CASE("results are verified once the certificate becomes known") {
  EimFixture f;
  f.eim->register_card(kEimEid, "eim-1", 0, std::optional<std::int64_t>(1), {});
  const auto id = f.queue_psmo({"get-rat"});
  const Bytes result = run_next(f);
  provide(f, provide_result_only(result));
  CHECK(f.store->item(id)->state == eim::ItemState::kDone);
  CHECK(f.store->results(kEimEid).back().verdict == "unverified");
  learn(f, "A6");
  bool found = false;
  for (const auto& r : f.store->results(kEimEid)) {
    if (r.queue_id == id) {
      CHECK(r.verdict == "verified");
      found = true;
    }
  }
  CHECK(found);
}

TEST_CASE(
    "eCOs: addEim associates a second eIM whose packages then go out under its key; "
    "deleteEim ends an association") {
  EimFixture f;
  const auto key2 = test::eim_test_key(crypto::Curve::kBrainpoolP256r1, 2);
  f.extra_identities.push_back({"eim-2", key2});
  f.restart();
  learn(f);
  eim::EimConfiguration c;
  c.eim_id = "eim-2";
  c.counter_value = 10;
  c.association_token = -1;
  c.public_key = key2.public_key().subject_public_key_info();
  eim::QueueRequest r;
  r.eid = kEimEid;
  r.eco = true;
  r.operations = {"add-eim eim-2"};
  r.configurations = {eim::encode_eim_configuration(c)};
  const auto add = f.eim->enqueue(r);
  const Bytes added = run_next(f);
  provide(f, provide_result_only(added));
  CHECK(f.store->item(add)->state == eim::ItemState::kDone);
  auto a2 = f.store->association(kEimEid, "eim-2");
  REQUIRE(a2);
  CHECK(a2->counter == 10);
  CHECK(a2->association_token == 2);

  const auto rat = f.queue_psmo({"get-rat"}, "eim-2");
  auto package = *f.package_of(f.poll());
  // counterValue 11, signed by eim-2's brainpool key over ... || 84 01 02
  auto top = test::parts_of(package);
  Bytes input = test::whole(top[0]);
  input.insert(input.end(), {0x84, 0x01, 0x02});
  CHECK(key2.public_key().verify(input, test::value(top[1])));
  CHECK(to_hex(test::whole(*tlv::find(*tlv::read_all(top[0].value), 0x81))) == "81010B");
  const Bytes rat_result = f.card.es10(package);
  provide(f, provide_result_only(rat_result));
  CHECK(f.store->item(rat)->state == eim::ItemState::kDone);
  CHECK(f.store->results(kEimEid).back().verdict == "verified");

  eim::QueueRequest d;
  d.eid = kEimEid;
  d.eim_id = "eim-2";
  d.eco = true;
  d.operations = {"delete-eim eim-1"};
  f.eim->enqueue(d);
  provide(f, provide_result_only(run_next(f)));
  CHECK(f.store->association(kEimEid, "eim-1")->deleted);
  CHECK_FALSE(f.store->association(kEimEid, "eim-2")->deleted);
}

TEST_CASE("SGP.32 v1.0 shapes (onomondo-ipa) under --accept-sgp32-v1.0, refused without") {
  for (bool v1_0 : {false, true}) {
    EimFixture f(v1_0);
    learn(f);
    const auto id = f.queue_psmo({"enable " + kIccid2});
    const Bytes result = run_next(f);
    const Bytes list = f.notification_list();
    // v1.0 ePRAndNotifications: 30 { BF51, BF2B { A0 { ... } } }
    const std::string v10 = der("BF50", der("30", to_hex(result) + der("BF2B", to_hex(list))));
    if (!v1_0) {
      CHECK(provide(f, from_hex(v10)) == "BF500302017F");
      CHECK(f.store->item(id)->state == eim::ItemState::kSent);
      continue;
    }
    // A v1.0 IPA removes the result itself: only the notifications are acknowledged.
    CHECK(provide(f, from_hex(v10)) == acks_hex(list_seqs_hex(list)));
    CHECK(f.store->item(id)->state == eim::ItemState::kDone);
    // v1.0 eimPackageError, a bare INTEGER; nothing to acknowledge is 'BF53 00' in v1.0 mode
    const auto id2 = f.queue_psmo({"get-rat"});
    f.poll();
    CHECK(provide(f, from_hex(der("BF50", "020102"))) == "BF5003BF5300");
    CHECK(f.store->item(id2)->outcome == "the IPA could not run the package: unknownPackage(2)");
  }
}
