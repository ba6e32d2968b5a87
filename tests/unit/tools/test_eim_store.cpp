// tools/eim/store: the eIM's SQLite database on its own: WAL mode, the schema check, items,
// associations and the once-per-bytes recording of results and notifications, across reopening
// (what a killed eIM finds when it starts again). Read back with the sqlite3 C API where the
// file itself is the point.
#include <catch.hpp>

#include <sqlite3.h>

#include "../support/temp_dir.hpp"
#include "eim/store.hpp"

using namespace euiccsim;
using namespace euiccsim::eim;

namespace {

const std::string kEid = "89049032123451234512345678901235";

std::string pragma(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  std::string out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

}  // namespace

TEST_CASE("the database is WAL, versioned, and refuses files that are not its own") {
  test::TempDir dir;
  const std::string path = (dir.path / "eim.db").string();
  { auto s = Store::open(path); }
  CHECK(pragma(path, "PRAGMA journal_mode") == "wal");
  CHECK(pragma(path, "SELECT value FROM meta WHERE key='schema'") == "1");

  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_exec(db, "UPDATE meta SET value='99' WHERE key='schema'", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  CHECK_THROWS_WITH(Store::open(path), path + ": schema version 99, this eIM reads 1");

  const std::string other = (dir.path / "other.db").string();
  REQUIRE(sqlite3_open(other.c_str(), &db) == SQLITE_OK);
  sqlite3_exec(db, "CREATE TABLE x(a)", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  CHECK_THROWS_WITH(Store::open(other), other + ": not an euicc-sim eIM database");
  CHECK_THROWS_WITH(Store::open((dir.path / "no/such/dir/x.db").string()),
                    Catch::StartsWith("cannot open"));
}

TEST_CASE("queue items keep their state, counter and bytes across reopening") {
  test::TempDir dir;
  const std::string path = (dir.path / "eim.db").string();
  std::int64_t a = 0, b = 0;
  {
    auto s = Store::open(path, false);
    s->ensure_card(kEid, 99);
    s->put_association({kEid, "eim-1", 4, 7, false});
    a = s->enqueue(kEid, "eim-1", ItemKind::kEuiccPackage, "{}", {1, 2}, 100);
    b = s->enqueue(kEid, "eim-1", ItemKind::kIpaEuiccData, "{}", {3, 4}, 101);
    CHECK(s->next_item(kEid)->id == a);
    CHECK(s->next_counter(kEid, "eim-1") == 5);
    s->mark_sent(a, 5, {0xBF, 0x51, 0x00}, 102);
    // counter and bytes are fixed by the first hand-out
    s->mark_sent(a, 9, {0x00}, 103);
    CHECK_THROWS_AS(s->enqueue(kEid, "eim-1", ItemKind::kIpaEuiccData, "{}", {3, 4}, 104),
                    StoreError);  // transaction ids are unique
  }
  auto s = Store::open(path, false);
  auto it = s->item(a);
  REQUIRE(it);
  CHECK(it->state == ItemState::kSent);
  CHECK(it->counter == 5);
  CHECK(to_hex(it->package) == "BF5100");
  CHECK(it->sends == 2);
  CHECK(it->first_sent_ms == 102);
  CHECK(it->last_sent_ms == 103);
  CHECK(s->association(kEid, "eim-1")->counter == 5);
  CHECK(s->association(kEid, "eim-1")->association_token == 7);
  // the sent one first, then the queued one
  CHECK(s->next_item(kEid)->id == a);
  s->finish(a, ItemState::kDone, "ok", 200);
  CHECK(s->next_item(kEid)->id == b);
  CHECK(s->cancel(b, 201));
  CHECK_FALSE(s->cancel(a, 202));
  CHECK_FALSE(s->next_item(kEid));
  CHECK(s->item_by_transaction({3, 4})->state == ItemState::kCancelled);
}

TEST_CASE("results and notifications are kept once per EID and bytes") {
  auto s = Store::open(":memory:");
  s->ensure_card(kEid, 1);
  ResultRecord r;
  r.eid = kEid;
  r.kind = "euiccPackageResult";
  r.der = {0xBF, 0x51, 0x00};
  r.verdict = "unverified";
  r.summary = "x";
  auto [first, fresh] = s->record_result(r);
  CHECK(fresh);
  auto [again, fresh2] = s->record_result(r);
  CHECK_FALSE(fresh2);
  CHECK(again.id == first.id);
  CHECK(again.deliveries == 2);
  r.der.push_back(0x00);
  CHECK(s->record_result(r).second);
  CHECK(s->results(kEid).size() == 2);
  const auto item = s->enqueue(kEid, "eim-1", ItemKind::kEuiccPackage, "{}", {9}, 2);
  s->update_result_verdict(first.id, "verified", item);
  CHECK(s->result(first.id)->verdict == "verified");
  CHECK(s->result(first.id)->queue_id == item);

  NotificationRecord n;
  n.eid = kEid;
  n.form = "otherSignedNotification";
  n.der = {0x30, 0x00};
  n.verdict = "unverified";
  n.forwarded = "no";
  CHECK(s->record_notification(n).second);
  CHECK_FALSE(s->record_notification(n).second);
  CHECK(s->notifications(kEid).at(0).deliveries == 2);
}

TEST_CASE("a transaction that throws leaves nothing behind") {
  auto s = Store::open(":memory:");
  CHECK_THROWS_AS(s->transaction([&] {
    s->enqueue(kEid, "eim-1", ItemKind::kEuiccPackage, "{}", {1}, 1);
    throw std::runtime_error("stop");
  }),
                  std::runtime_error);
  CHECK(s->items(kEid).empty());
  CHECK_FALSE(s->card(kEid));
}
