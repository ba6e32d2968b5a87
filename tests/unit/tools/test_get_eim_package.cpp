// tools/eim/get_eim_package: ESipa.GetEimPackage against the eIM in process. Requests and the
// expected answers are written here as hex from SGP32Definitions (eimPackageError is the
// untagged INTEGER '02' under BF4F); handed-out packages are taken apart with the TLV reader
// and their signatures checked with the eIM's public key over input assembled here.
#include <catch.hpp>

#include "../support/eim_fixture.hpp"
#include "../support/hex_der.hpp"

using namespace euiccsim;
using test::EimFixture;
using test::kEimEid;
constexpr auto der = &test::hex_tlv;

namespace {

std::string eid_tlv() {
  return der("5A", kEimEid);
}

std::string answer_hex(EimFixture& f, const std::string& request_hex) {
  auto a = f.call(from_hex(request_hex));
  REQUIRE(a.http_status == 200);
  return to_hex(a.body);
}

struct Package {
  Bytes signed_part;  // 30 ...
  Bytes signature;
  std::vector<tlv::Tlv> fields;
  Bytes bytes;
};
Package take_apart(const Bytes& bf51) {
  Package p;
  p.bytes = bf51;
  auto parts = test::parts_of(bf51);
  REQUIRE(parts.size() == 2);
  REQUIRE(parts[0].tag == 0x30);
  REQUIRE(parts[1].tag == 0x5F37);
  p.signed_part = test::whole(parts[0]);
  p.signature = test::value(parts[1]);
  p.fields = *tlv::read_all(parts[0].value);
  return p;
}

}  // namespace

TEST_CASE("GetEimPackage: eimPackageError for the EID checks, in order") {
  EimFixture f;
  SECTION("no eidValue: missingEid(4)") {
    CHECK(answer_hex(f, "BF4F00") == "BF4F03020104");
    CHECK(answer_hex(f, der("BF4F", "800100")) == "BF4F03020104");
  }
  SECTION("an eidValue of 15 bytes, or with wrong check digits: invalidEid(3)") {
    CHECK(answer_hex(f, der("BF4F", der("5A", std::string(kEimEid).substr(0, 30)))) ==
          "BF4F03020103");
    CHECK(answer_hex(f, der("BF4F", der("5A", "89049032123451234512345678901234"))) ==
          "BF4F03020103");
  }
  SECTION("a valid EID in a request that is otherwise not one: undefinedError(127)") {
    // rPLMN '82' must be 3 bytes
    CHECK(answer_hex(f, der("BF4F", eid_tlv() + der("82", "0102"))) == "BF4F0302017F");
  }
  SECTION("an EID the eIM never heard of: eidNotFound(2)") {
    CHECK(answer_hex(f, der("BF4F", eid_tlv())) == "BF4F03020102");
  }
  SECTION("a known EID with nothing queued: noEimPackageAvailable(1)") {
    f.eim->register_card(kEimEid, "eim-1", 0, std::optional<std::int64_t>(1), {});
    CHECK(answer_hex(f, der("BF4F", eid_tlv())) == "BF4F03020101");
    auto card = f.store->card(kEimEid);
    REQUIRE(card);
    CHECK(card->polls == 1);
    CHECK(card->state_changes == 0);
  }
}

TEST_CASE("GetEimPackage: --auto-register answers an unknown EID noEimPackageAvailable") {
  EimFixture f;
  f.eim.reset();
  eim::EimConfig c;
  c.identities.push_back({"eim-1", f.eim_key});
  c.auto_register = true;
  f.eim = std::make_unique<eim::Eim>(*f.store, c);
  CHECK(answer_hex(f, der("BF4F", eid_tlv())) == "BF4F03020101");
  CHECK(f.store->card(kEimEid));
}

TEST_CASE("GetEimPackage records notifyStateChange, stateChangeCause and rPLMN") {
  EimFixture f;
  f.eim->register_card(kEimEid, "eim-1", 0, std::optional<std::int64_t>(1), {});
  // notifyStateChange 80 00, stateChangeCause fallback(1) '81 01 01', rPLMN '82 03 ...'
  CHECK(answer_hex(f, der("BF4F", eid_tlv() + "8000" + "810101" + "820362F210")) == "BF4F03020101");
  auto card = f.store->card(kEimEid);
  CHECK(card->state_changes == 1);
  CHECK(card->last_state_change_cause == 1);
  CHECK(to_hex(card->last_rplmn) == "62F210");
}

TEST_CASE(
    "GetEimPackage hands out a signed package with the next counter and the item's "
    "transaction id, and the same bytes until it is answered, across restarts") {
  EimFixture f;
  f.eim->register_card(kEimEid, "eim-1", 4, std::optional<std::int64_t>(1), {});
  const auto id = f.queue_psmo({"enable " + test::iccid_of("8999900000000000002")});
  const auto item = f.store->item(id);
  REQUIRE(item->state == eim::ItemState::kQueued);

  const Bytes first = f.poll();
  auto package = f.package_of(first);
  REQUIRE(package);
  auto p = take_apart(*package);
  // eimId, eidValue, counterValue 5 (the registered 4, plus one), eimTransactionId
  REQUIRE(p.fields.size() == 5);
  CHECK(to_hex(test::whole(p.fields[0])) == der("80", test::utf8("eim-1")));
  CHECK(to_hex(test::whole(p.fields[1])) == eid_tlv());
  CHECK(to_hex(test::whole(p.fields[2])) == "810105");
  CHECK(to_hex(test::whole(p.fields[3])) == der("82", to_hex(item->transaction_id)));
  CHECK(to_hex(test::whole(p.fields[4])) ==
        der("A0", der("A3", der("5A", to_hex(test::iccid_bytes("8999900000000000002"))))));
  // eimSignature over DER(euiccPackageSigned) || 84 01 01 (association token 1)
  auto input = p.signed_part;
  input.insert(input.end(), {0x84, 0x01, 0x01});
  CHECK(f.eim_key.public_key().verify(input, p.signature));

  auto sent = f.store->item(id);
  CHECK(sent->state == eim::ItemState::kSent);
  CHECK(sent->counter == 5);
  CHECK(sent->sends == 1);
  CHECK(f.store->association(kEimEid, "eim-1")->counter == 5);

  // Not answered: the same bytes again, the counter not moved.
  CHECK(to_hex(f.poll()) == to_hex(first));
  f.restart();
  CHECK(to_hex(f.poll()) == to_hex(first));
  CHECK(f.store->item(id)->sends == 3);
  CHECK(f.store->association(kEimEid, "eim-1")->counter == 5);
}

TEST_CASE("GetEimPackage: the oldest unanswered item goes first, then the queue in order") {
  EimFixture f;
  f.eim->register_card(kEimEid, "eim-1", 0, std::optional<std::int64_t>(1), {});
  const auto a = f.queue_psmo({"get-rat"});
  const auto b = f.queue_euicc_data(from_hex("BF20"));
  const Bytes pa = *f.package_of(f.poll());
  CHECK(to_hex(pa).substr(0, 4) == "BF51");
  CHECK(to_hex(*f.package_of(f.poll())) == to_hex(pa));  // a again: not answered
  // Closing a lets b out.
  f.store->finish(a, eim::ItemState::kDone, "test", 0);
  const Bytes pb = *f.package_of(f.poll());
  const auto item_b = f.store->item(b);
  // IpaEuiccDataRequest { 5C tagList, 83 eimTransactionId }
  CHECK(to_hex(pb) == der("BF52", der("5C", "BF20") + der("83", to_hex(item_b->transaction_id))));
}

TEST_CASE("GetEimPackage: a download trigger carries the activation code and the transaction id") {
  EimFixture f;
  f.eim->register_card(kEimEid, "eim-1", 0, {}, {});
  eim::QueueRequest r;
  r.eid = kEimEid;
  r.kind = eim::ItemKind::kProfileDownload;
  r.activation_code = "LPA:1$smdp.example.org$MATCHING-1";
  const auto id = f.eim->enqueue(r);
  const auto item = f.store->item(id);
  // ProfileDownloadTriggerRequest { A0 { 80 activationCode }, 82 eimTransactionId }; "LPA:" dropped
  CHECK(to_hex(*f.package_of(f.poll())) ==
        der("BF54", der("A0", der("80", test::utf8("1$smdp.example.org$MATCHING-1"))) +
                        der("82", to_hex(item->transaction_id))));
}

TEST_CASE("GetEimPackage: an item that cannot be built fails with the reason; the next goes") {
  EimFixture f;
  f.eim->register_card(kEimEid, "eim-1", 0, std::optional<std::int64_t>(1), {});
  // eim-9 has no key in this eIM
  const auto bad = f.queue_psmo({"get-rat"}, "eim-9");
  const auto good = f.queue_psmo({"get-rat"});
  auto a = f.call(from_hex(der("BF4F", eid_tlv())));
  REQUIRE(f.package_of(a.body));
  CHECK(f.store->item(bad)->state == eim::ItemState::kFailed);
  CHECK(f.store->item(bad)->outcome == "not sent: no key for eIM 'eim-9' in this eIM");
  CHECK(f.store->item(good)->state == eim::ItemState::kSent);
  CHECK(a.outcome.find("#" + std::to_string(bad) + " failed") != std::string::npos);

  SECTION("an eIM the card deleted") {
    f.store->delete_association(kEimEid, "eim-1");
    f.store->finish(good, eim::ItemState::kDone, "test", 0);
    const auto after = f.queue_psmo({"get-rat"});
    CHECK(answer_hex(f, der("BF4F", eid_tlv())) == "BF4F03020101");
    CHECK(f.store->item(after)->outcome == "not sent: eIM 'eim-1' was deleted from the card");
  }
}

TEST_CASE("enqueue refuses what could never be sent, in one line") {
  EimFixture f;
  eim::QueueRequest r;
  r.eid = kEimEid;
  r.operations = {"enable 123"};
  CHECK_THROWS_WITH(f.eim->enqueue(r), Catch::Contains("PSMO 'enable 123'"));
  r.eid = "89049032123451234512345678901234";
  r.operations = {"get-rat"};
  CHECK_THROWS_WITH(f.eim->enqueue(r), Catch::Contains("EID '8904"));
  r.eid = kEimEid;
  r.operations = {};
  CHECK_THROWS_WITH(f.eim->enqueue(r), "a package needs at least one operation");
  r.kind = eim::ItemKind::kProfileDownload;
  r.activation_code = "2$x$y";
  CHECK_THROWS_WITH(f.eim->enqueue(r), Catch::Contains("expected 1$SMDP_ADDRESS$MATCHING_ID"));
  r.kind = eim::ItemKind::kIpaEuiccData;
  r.tag_list = from_hex("BF");  // a tag cut short
  CHECK_THROWS_WITH(f.eim->enqueue(r), Catch::Contains("not a list of tags"));
  r.kind = eim::ItemKind::kEuiccPackage;
  r.eco = true;
  r.operations = {"add-eim x.der"};
  r.configurations = {from_hex("3000")};
  CHECK_THROWS_WITH(f.eim->enqueue(r), Catch::Contains("add-eim x.der"));
  CHECK(f.store->items(kEimEid).empty());
}
