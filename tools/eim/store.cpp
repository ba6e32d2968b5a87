#include "eim/store.hpp"

#include <sqlite3.h>

#include <botan/hash.h>

#include <atomic>
#include <chrono>

namespace euiccsim::eim {

namespace {

// Version 1: the tables below. A file of another version is refused rather than guessed at.
constexpr int kSchemaVersion = 1;

const char* const kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS cards(
  eid TEXT PRIMARY KEY,
  euicc_certificate BLOB, eum_certificate BLOB, certificate_source TEXT NOT NULL DEFAULT '',
  euicc_info1 BLOB, euicc_info2 BLOB, ipa_capabilities BLOB, device_info BLOB,
  default_smdp_address TEXT, root_smds_address TEXT,
  created_ms INTEGER NOT NULL, last_seen_ms INTEGER,
  polls INTEGER NOT NULL DEFAULT 0, state_changes INTEGER NOT NULL DEFAULT 0,
  last_state_change_cause INTEGER, last_rplmn BLOB);
CREATE TABLE IF NOT EXISTS associations(
  eid TEXT NOT NULL REFERENCES cards(eid), eim_id TEXT NOT NULL,
  counter INTEGER NOT NULL, association_token INTEGER,
  deleted INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY(eid, eim_id));
CREATE TABLE IF NOT EXISTS queue(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  eid TEXT NOT NULL REFERENCES cards(eid), eim_id TEXT NOT NULL,
  kind TEXT NOT NULL, spec TEXT NOT NULL, state TEXT NOT NULL,
  transaction_id BLOB NOT NULL UNIQUE, counter INTEGER, package BLOB,
  created_ms INTEGER NOT NULL, first_sent_ms INTEGER, last_sent_ms INTEGER, finished_ms INTEGER,
  sends INTEGER NOT NULL DEFAULT 0, outcome TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS queue_by_eid ON queue(eid, state, id);
CREATE TABLE IF NOT EXISTS results(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  eid TEXT NOT NULL, queue_id INTEGER REFERENCES queue(id),
  kind TEXT NOT NULL, transaction_id BLOB, der BLOB NOT NULL, digest BLOB NOT NULL,
  form TEXT NOT NULL DEFAULT '', seq_number INTEGER, verdict TEXT NOT NULL,
  summary TEXT NOT NULL, received_ms INTEGER NOT NULL, deliveries INTEGER NOT NULL DEFAULT 1,
  UNIQUE(eid, digest));
CREATE TABLE IF NOT EXISTS notifications(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  eid TEXT NOT NULL, seq_number INTEGER, form TEXT NOT NULL, event TEXT NOT NULL,
  address TEXT NOT NULL, iccid TEXT NOT NULL, der BLOB NOT NULL, digest BLOB NOT NULL,
  verdict TEXT NOT NULL, forwarded TEXT NOT NULL,
  received_ms INTEGER NOT NULL, deliveries INTEGER NOT NULL DEFAULT 1,
  UNIQUE(eid, digest));
CREATE TABLE IF NOT EXISTS downloads(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  eid TEXT NOT NULL, queue_id INTEGER REFERENCES queue(id),
  smdp_address TEXT NOT NULL, matching_id TEXT NOT NULL,
  smdp_transaction_id BLOB NOT NULL UNIQUE, state TEXT NOT NULL,
  server_signed1 BLOB, server_certificate BLOB, euicc_info1 BLOB, ctx_params1 BLOB,
  compact INTEGER NOT NULL,
  started_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL, outcome TEXT NOT NULL DEFAULT '');
)sql";

Bytes digest_of(const Bytes& der) {
  auto h = Botan::HashFunction::create_or_throw("SHA-256");
  h->update(der.data(), der.size());
  auto d = h->final();
  return Bytes(d.begin(), d.end());
}

// Time spent inside SQLite (sqlite_time()), for the benchmarks' "where the time goes".
std::atomic<std::int64_t> g_sqlite_ns{0};

struct SqliteTimer {
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  ~SqliteTimer() {
    g_sqlite_ns += std::chrono::duration_cast<std::chrono::nanoseconds>(
                       std::chrono::steady_clock::now() - start)
                       .count();
  }
};

}  // namespace

std::chrono::nanoseconds sqlite_time() {
  return std::chrono::nanoseconds(g_sqlite_ns.load());
}

// A prepared statement with positional binding (?1, ?2 ...) and column reading.
class Statement {
 public:
  Statement(sqlite3* db, const std::string& path, const std::string& sql) : db_(db), path_(path) {
    SqliteTimer t;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK)
      throw StoreError(path + ": " + sqlite3_errmsg(db));
  }
  ~Statement() {
    SqliteTimer t;
    sqlite3_finalize(st);
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement& bind(int i, const std::string& v) {
    sqlite3_bind_text(st, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind(int i, const char* v) { return bind(i, std::string(v)); }
  Statement& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(st, i, v);
    return *this;
  }
  Statement& bind(int i, const Bytes& v) {
    // A zero-length blob must still be a blob, not NULL.
    sqlite3_bind_blob(st, i, v.empty() ? "" : static_cast<const void*>(v.data()),
                      static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind_null(int i) {
    sqlite3_bind_null(st, i);
    return *this;
  }
  Statement& bind(int i, const std::optional<std::int64_t>& v) {
    return v ? bind(i, *v) : bind_null(i);
  }
  Statement& bind(int i, const std::optional<std::string>& v) {
    return v ? bind(i, *v) : bind_null(i);
  }
  Statement& bind_blob_or_null(int i, const Bytes& v) {
    return v.empty() ? bind_null(i) : bind(i, v);
  }
  // true while there is a row
  bool step() {
    SqliteTimer t;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw StoreError(path_ + ": " + sqlite3_errmsg(db_));
  }
  void run() {
    while (step()) {
    }
  }
  bool null(int c) { return sqlite3_column_type(st, c) == SQLITE_NULL; }
  std::int64_t i64(int c) { return sqlite3_column_int64(st, c); }
  std::optional<std::int64_t> opt_i64(int c) {
    return null(c) ? std::nullopt : std::optional<std::int64_t>(i64(c));
  }
  std::string text(int c) {
    const auto* p = sqlite3_column_text(st, c);
    return p ? std::string(reinterpret_cast<const char*>(p),
                           static_cast<std::size_t>(sqlite3_column_bytes(st, c)))
             : std::string();
  }
  std::optional<std::string> opt_text(int c) {
    return null(c) ? std::nullopt : std::optional<std::string>(text(c));
  }
  Bytes blob(int c) {
    const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(st, c));
    int n = sqlite3_column_bytes(st, c);
    return p ? Bytes(p, p + n) : Bytes();
  }
  sqlite3_stmt* st = nullptr;

 private:
  sqlite3* db_;
  const std::string& path_;
};

namespace {

struct Names {
  const char* kind[3] = {"euiccPackage", "ipaEuiccData", "profileDownload"};
  const char* state[6] = {"queued", "sent", "done", "replayed", "failed", "cancelled"};
};
const Names kNames;

}  // namespace

const char* kind_name(ItemKind k) {
  return kNames.kind[static_cast<int>(k)];
}
std::optional<ItemKind> kind_from_name(const std::string& s) {
  for (int i = 0; i < 3; ++i) {
    if (s == kNames.kind[i]) return static_cast<ItemKind>(i);
  }
  return std::nullopt;
}
const char* state_name(ItemState s) {
  return kNames.state[static_cast<int>(s)];
}
std::optional<ItemState> state_from_name(const std::string& s) {
  for (int i = 0; i < 6; ++i) {
    if (s == kNames.state[i]) return static_cast<ItemState>(i);
  }
  return std::nullopt;
}

std::unique_ptr<Store> Store::open(const std::string& path, bool synchronous_full) {
  std::unique_ptr<Store> s(new Store(path));
  int rc =
      sqlite3_open_v2(path.c_str(), &s->db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string why = s->db_ ? sqlite3_errmsg(s->db_) : "out of memory";
    throw StoreError("cannot open " + path + ": " + why);
  }
  sqlite3_busy_timeout(s->db_, 10000);
  auto exec = [&](const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(s->db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string why = err ? err : "error";
      sqlite3_free(err);
      throw StoreError(path + ": " + why);
    }
  };
  if (path != ":memory:") {
    Statement wal(s->db_, path, "PRAGMA journal_mode=WAL");
    if (!wal.step() || wal.text(0) != "wal")
      throw StoreError(path + ": cannot switch to WAL journaling");
  }
  exec(std::string("PRAGMA synchronous=") + (synchronous_full ? "FULL" : "NORMAL"));
  exec("PRAGMA foreign_keys=ON");
  s->transaction([&] {
    Statement has(s->db_, path,
                  "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='meta'");
    has.step();
    if (has.i64(0) != 0) {
      Statement v(s->db_, path, "SELECT value FROM meta WHERE key='schema'");
      if (!v.step()) throw StoreError(path + ": not an euicc-sim eIM database (no schema)");
      if (v.text(0) != std::to_string(kSchemaVersion))
        throw StoreError(path + ": schema version " + v.text(0) + ", this eIM reads " +
                         std::to_string(kSchemaVersion));
      return;
    }
    Statement other(s->db_, path, "SELECT count(*) FROM sqlite_master");
    other.step();
    if (other.i64(0) != 0) throw StoreError(path + ": not an euicc-sim eIM database");
    exec(kSchema);
    Statement(s->db_, path, "INSERT INTO meta(key, value) VALUES('schema', ?1)")
        .bind(1, std::to_string(kSchemaVersion))
        .run();
  });
  return s;
}

Store::~Store() {
  if (db_ != nullptr) sqlite3_close_v2(db_);
}

void Store::transaction(const std::function<void()>& fn) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  if (depth_ > 0) {
    ++depth_;
    try {
      fn();
    } catch (...) {
      --depth_;
      throw;
    }
    --depth_;
    return;
  }
  auto exec = [&](const char* sql) {
    SqliteTimer t;  // BEGIN, and COMMIT with its WAL write and sync
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string why = err ? err : "error";
      sqlite3_free(err);
      throw StoreError(path_ + ": " + why);
    }
  };
  exec("BEGIN IMMEDIATE");
  depth_ = 1;
  try {
    fn();
  } catch (...) {
    depth_ = 0;
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
  depth_ = 0;
  try {
    exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

std::optional<std::string> Store::meta(const std::string& key) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  Statement q(db_, path_, "SELECT value FROM meta WHERE key=?1");
  q.bind(1, key);
  if (!q.step()) return std::nullopt;
  return q.text(0);
}

void Store::set_meta(const std::string& key, const std::string& value) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  Statement(db_, path_, "INSERT OR REPLACE INTO meta(key, value) VALUES(?1, ?2)")
      .bind(1, key)
      .bind(2, value)
      .run();
}

// ---- cards ----

namespace {

const char* const kCardColumns =
    "eid, euicc_certificate, eum_certificate, certificate_source, euicc_info1, euicc_info2, "
    "ipa_capabilities, device_info, default_smdp_address, root_smds_address, created_ms, "
    "last_seen_ms, polls, state_changes, last_state_change_cause, last_rplmn";

}  // namespace

std::optional<CardRecord> Store::card(const std::string& eid) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  Statement q(db_, path_,
              (std::string("SELECT ") + kCardColumns + " FROM cards WHERE eid=?1").c_str());
  q.bind(1, eid);
  if (!q.step()) return std::nullopt;
  CardRecord c;
  c.eid = q.text(0);
  c.euicc_certificate = q.blob(1);
  c.eum_certificate = q.blob(2);
  c.certificate_source = q.text(3);
  c.euicc_info1 = q.blob(4);
  c.euicc_info2 = q.blob(5);
  c.ipa_capabilities = q.blob(6);
  c.device_info = q.blob(7);
  c.default_smdp_address = q.opt_text(8);
  c.root_smds_address = q.opt_text(9);
  c.created_ms = q.i64(10);
  c.last_seen_ms = q.opt_i64(11);
  c.polls = q.i64(12);
  c.state_changes = q.i64(13);
  c.last_state_change_cause = q.opt_i64(14);
  c.last_rplmn = q.blob(15);
  return c;
}

CardRecord Store::ensure_card(const std::string& eid, std::int64_t now_ms) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  Statement(db_, path_, "INSERT OR IGNORE INTO cards(eid, created_ms) VALUES(?1, ?2)")
      .bind(1, eid)
      .bind(2, now_ms)
      .run();
  return *card(eid);
}

std::vector<std::string> Store::eids() {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  Statement q(db_, path_, "SELECT eid FROM cards ORDER BY eid");
  std::vector<std::string> out;
  while (q.step()) out.push_back(q.text(0));
  return out;
}

void Store::set_certificates(const std::string& eid, const Bytes& euicc, const Bytes& eum,
                             const std::string& source) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  Statement(db_, path_,
            "UPDATE cards SET euicc_certificate=?2, eum_certificate=coalesce(?3, eum_certificate), "
            "certificate_source=?4 WHERE eid=?1")
      .bind(1, eid)
      .bind(2, euicc)
      .bind_blob_or_null(3, eum)
      .bind(4, source)
      .run();
}

void Store::set_card_data(const std::string& eid, const Bytes& info1, const Bytes& info2,
                          const Bytes& capabilities, const Bytes& device_info,
                          const std::optional<std::string>& default_smdp,
                          const std::optional<std::string>& root_smds) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  Statement(
      db_, path_,
      "UPDATE cards SET euicc_info1=coalesce(?2, euicc_info1), "
      "euicc_info2=coalesce(?3, euicc_info2), ipa_capabilities=coalesce(?4, ipa_capabilities), "
      "device_info=coalesce(?5, device_info), "
      "default_smdp_address=coalesce(?6, default_smdp_address), "
      "root_smds_address=coalesce(?7, root_smds_address) WHERE eid=?1")
      .bind(1, eid)
      .bind_blob_or_null(2, info1)
      .bind_blob_or_null(3, info2)
      .bind_blob_or_null(4, capabilities)
      .bind_blob_or_null(5, device_info)
      .bind(6, default_smdp)
      .bind(7, root_smds)
      .run();
}

void Store::record_poll(const std::string& eid, std::int64_t now_ms, bool state_change,
                        std::optional<std::int64_t> cause, const Bytes& rplmn) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  Statement(db_, path_,
            "UPDATE cards SET last_seen_ms=?2, polls=polls+1, state_changes=state_changes+?3, "
            "last_state_change_cause=CASE WHEN ?3 THEN ?4 ELSE last_state_change_cause END, "
            "last_rplmn=coalesce(?5, last_rplmn) WHERE eid=?1")
      .bind(1, eid)
      .bind(2, now_ms)
      .bind(3, std::int64_t{state_change ? 1 : 0})
      .bind(4, cause)
      .bind_blob_or_null(5, rplmn)
      .run();
}

// ---- associations ----

std::optional<Association> Store::association(const std::string& eid, const std::string& eim_id) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  Statement q(db_, path_,
              "SELECT counter, association_token, deleted FROM associations WHERE eid=?1 AND "
              "eim_id=?2");
  q.bind(1, eid).bind(2, eim_id);
  if (!q.step()) return std::nullopt;
  return Association{eid, eim_id, q.i64(0), q.opt_i64(1), q.i64(2) != 0};
}

std::vector<Association> Store::associations(const std::string& eid) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  Statement q(db_, path_,
              "SELECT eim_id, counter, association_token, deleted FROM associations WHERE eid=?1 "
              "ORDER BY rowid");
  q.bind(1, eid);
  std::vector<Association> out;
  while (q.step()) out.push_back({eid, q.text(0), q.i64(1), q.opt_i64(2), q.i64(3) != 0});
  return out;
}

void Store::put_association(const Association& a) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  Statement(db_, path_,
            "INSERT INTO associations(eid, eim_id, counter, association_token, deleted) "
            "VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(eid, eim_id) DO UPDATE SET counter=?3, "
            "association_token=?4, deleted=?5")
      .bind(1, a.eid)
      .bind(2, a.eim_id)
      .bind(3, a.counter)
      .bind(4, a.association_token)
      .bind(5, std::int64_t{a.deleted ? 1 : 0})
      .run();
}

void Store::set_association_token(const std::string& eid, const std::string& eim_id,
                                  std::optional<std::int64_t> token) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  Statement(db_, path_, "UPDATE associations SET association_token=?3 WHERE eid=?1 AND eim_id=?2")
      .bind(1, eid)
      .bind(2, eim_id)
      .bind(3, token)
      .run();
}

void Store::delete_association(const std::string& eid, const std::string& eim_id) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  Statement(db_, path_, "UPDATE associations SET deleted=1 WHERE eid=?1 AND eim_id=?2")
      .bind(1, eid)
      .bind(2, eim_id)
      .run();
}

std::int64_t Store::next_counter(const std::string& eid, const std::string& eim_id) {
  std::int64_t next = 0;
  transaction([&] {
    auto a = association(eid, eim_id);
    if (!a) throw StoreError("no association of eIM '" + eim_id + "' with " + eid);
    next = a->counter + 1;
    Statement(db_, path_, "UPDATE associations SET counter=?3 WHERE eid=?1 AND eim_id=?2")
        .bind(1, eid)
        .bind(2, eim_id)
        .bind(3, next)
        .run();
  });
  return next;
}

// ---- queue ----

namespace {

const char* const kItemColumns =
    "id, eid, eim_id, kind, spec, state, transaction_id, counter, package, created_ms, "
    "first_sent_ms, last_sent_ms, finished_ms, sends, outcome";

}  // namespace

std::int64_t Store::enqueue(const std::string& eid, const std::string& eim_id, ItemKind kind,
                            const std::string& spec, const Bytes& transaction_id,
                            std::int64_t now_ms) {
  std::int64_t id = 0;
  transaction([&] {
    ensure_card(eid, now_ms);
    Statement(db_, path_,
              "INSERT INTO queue(eid, eim_id, kind, spec, state, transaction_id, created_ms) "
              "VALUES(?1, ?2, ?3, ?4, 'queued', ?5, ?6)")
        .bind(1, eid)
        .bind(2, eim_id)
        .bind(3, kind_name(kind))
        .bind(4, spec)
        .bind(5, transaction_id)
        .bind(6, now_ms)
        .run();
    id = sqlite3_last_insert_rowid(db_);
  });
  return id;
}

namespace {

QueueItem read_item(Statement& q) {
  QueueItem it;
  it.id = q.i64(0);
  it.eid = q.text(1);
  it.eim_id = q.text(2);
  it.kind = kind_from_name(q.text(3)).value_or(ItemKind::kEuiccPackage);
  it.spec = q.text(4);
  it.state = state_from_name(q.text(5)).value_or(ItemState::kFailed);
  it.transaction_id = q.blob(6);
  it.counter = q.opt_i64(7);
  it.package = q.blob(8);
  it.created_ms = q.i64(9);
  it.first_sent_ms = q.opt_i64(10);
  it.last_sent_ms = q.opt_i64(11);
  it.finished_ms = q.opt_i64(12);
  it.sends = q.i64(13);
  it.outcome = q.text(14);
  return it;
}

}  // namespace

std::optional<QueueItem> Store::item(std::int64_t id) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  Statement q(db_, path_,
              (std::string("SELECT ") + kItemColumns + " FROM queue WHERE id=?1").c_str());
  q.bind(1, id);
  if (!q.step()) return std::nullopt;
  return read_item(q);
}

std::vector<QueueItem> Store::items(const std::string& eid) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  Statement q(
      db_, path_,
      (std::string("SELECT ") + kItemColumns + " FROM queue WHERE eid=?1 ORDER BY id").c_str());
  q.bind(1, eid);
  std::vector<QueueItem> out;
  while (q.step()) out.push_back(read_item(q));
  return out;
}

std::optional<QueueItem> Store::next_item(const std::string& eid) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  Statement q(db_, path_,
              (std::string("SELECT ") + kItemColumns +
               " FROM queue WHERE eid=?1 AND state IN ('sent', 'queued') "
               "ORDER BY state='queued', id LIMIT 1")
                  .c_str());
  q.bind(1, eid);
  if (!q.step()) return std::nullopt;
  return read_item(q);
}

std::optional<QueueItem> Store::item_by_transaction(const Bytes& transaction_id) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  Statement q(
      db_, path_,
      (std::string("SELECT ") + kItemColumns + " FROM queue WHERE transaction_id=?1").c_str());
  q.bind(1, transaction_id);
  if (!q.step()) return std::nullopt;
  return read_item(q);
}

std::optional<QueueItem> Store::oldest_item(const std::string& eid, ItemKind kind,
                                            ItemState state) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  Statement q(db_, path_,
              (std::string("SELECT ") + kItemColumns +
               " FROM queue WHERE eid=?1 AND kind=?2 AND state=?3 ORDER BY id LIMIT 1")
                  .c_str());
  q.bind(1, eid).bind(2, kind_name(kind)).bind(3, state_name(state));
  if (!q.step()) return std::nullopt;
  return read_item(q);
}

std::optional<QueueItem> Store::item_by_counter(const std::string& eid, const std::string& eim_id,
                                                std::int64_t counter) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  Statement q(db_, path_,
              (std::string("SELECT ") + kItemColumns +
               " FROM queue WHERE eid=?1 AND eim_id=?2 AND kind='euiccPackage' AND counter=?3 "
               "ORDER BY id LIMIT 1")
                  .c_str());
  q.bind(1, eid).bind(2, eim_id).bind(3, counter);
  if (!q.step()) return std::nullopt;
  return read_item(q);
}

void Store::mark_sent(std::int64_t id, std::optional<std::int64_t> counter, const Bytes& package,
                      std::int64_t now_ms) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  Statement(db_, path_,
            "UPDATE queue SET state=CASE WHEN state='queued' THEN 'sent' ELSE state END, "
            "counter=coalesce(counter, ?2), package=coalesce(package, ?3), "
            "first_sent_ms=coalesce(first_sent_ms, ?4), last_sent_ms=?4, sends=sends+1 WHERE id=?1")
      .bind(1, id)
      .bind(2, counter)
      .bind_blob_or_null(3, package)
      .bind(4, now_ms)
      .run();
}

void Store::finish(std::int64_t id, ItemState state, const std::string& outcome,
                   std::int64_t now_ms) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  Statement(db_, path_, "UPDATE queue SET state=?2, outcome=?3, finished_ms=?4 WHERE id=?1")
      .bind(1, id)
      .bind(2, state_name(state))
      .bind(3, outcome)
      .bind(4, now_ms)
      .run();
}

bool Store::cancel(std::int64_t id, std::int64_t now_ms) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  Statement(db_, path_,
            "UPDATE queue SET state='cancelled', outcome='cancelled before it was handed out', "
            "finished_ms=?2 WHERE id=?1 AND state='queued'")
      .bind(1, id)
      .bind(2, now_ms)
      .run();
  return sqlite3_changes(db_) == 1;
}

// ---- results ----

namespace {

const char* const kResultColumns =
    "id, eid, queue_id, kind, transaction_id, der, form, seq_number, verdict, summary, "
    "received_ms, deliveries";

}  // namespace

namespace {

ResultRecord read_result(Statement& q) {
  ResultRecord r;
  r.id = q.i64(0);
  r.eid = q.text(1);
  r.queue_id = q.opt_i64(2);
  r.kind = q.text(3);
  r.transaction_id = q.blob(4);
  r.der = q.blob(5);
  r.form = q.text(6);
  r.seq_number = q.opt_i64(7);
  r.verdict = q.text(8);
  r.summary = q.text(9);
  r.received_ms = q.i64(10);
  r.deliveries = q.i64(11);
  return r;
}

}  // namespace

std::pair<ResultRecord, bool> Store::record_result(const ResultRecord& r) {
  std::pair<ResultRecord, bool> out;
  transaction([&] {
    const Bytes digest = digest_of(r.der);
    {
      Statement q(
          db_, path_,
          (std::string("SELECT ") + kResultColumns + " FROM results WHERE eid=?1 AND digest=?2")
              .c_str());
      q.bind(1, r.eid).bind(2, digest);
      if (q.step()) {
        out.first = read_result(q);
        out.second = false;
      }
    }
    if (out.first.id != 0) {
      Statement(db_, path_, "UPDATE results SET deliveries=deliveries+1 WHERE id=?1")
          .bind(1, out.first.id)
          .run();
      ++out.first.deliveries;
      return;
    }
    Statement(db_, path_,
              "INSERT INTO results(eid, queue_id, kind, transaction_id, der, digest, form, "
              "seq_number, verdict, summary, received_ms) "
              "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)")
        .bind(1, r.eid)
        .bind(2, r.queue_id)
        .bind(3, r.kind)
        .bind_blob_or_null(4, r.transaction_id)
        .bind(5, r.der)
        .bind(6, digest)
        .bind(7, r.form)
        .bind(8, r.seq_number)
        .bind(9, r.verdict)
        .bind(10, r.summary)
        .bind(11, r.received_ms)
        .run();
    out.first = r;
    out.first.id = sqlite3_last_insert_rowid(db_);
    out.first.deliveries = 1;
    out.second = true;
  });
  return out;
}

std::vector<ResultRecord> Store::results(const std::string& eid) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  Statement q(
      db_, path_,
      (std::string("SELECT ") + kResultColumns + " FROM results WHERE eid=?1 ORDER BY id").c_str());
  q.bind(1, eid);
  std::vector<ResultRecord> out;
  while (q.step()) out.push_back(read_result(q));
  return out;
}

std::optional<ResultRecord> Store::result(std::int64_t id) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  Statement q(db_, path_,
              (std::string("SELECT ") + kResultColumns + " FROM results WHERE id=?1").c_str());
  q.bind(1, id);
  if (!q.step()) return std::nullopt;
  return read_result(q);
}

void Store::update_result_verdict(std::int64_t id, const std::string& verdict,
                                  std::optional<std::int64_t> queue_id) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  Statement(db_, path_,
            "UPDATE results SET verdict=?2, queue_id=coalesce(?3, queue_id) WHERE id=?1")
      .bind(1, id)
      .bind(2, verdict)
      .bind(3, queue_id)
      .run();
}

// ---- notifications ----

namespace {

const char* const kNotificationColumns =
    "id, eid, seq_number, form, event, address, iccid, der, verdict, forwarded, received_ms, "
    "deliveries";

}  // namespace

namespace {

NotificationRecord read_notification(Statement& q) {
  NotificationRecord n;
  n.id = q.i64(0);
  n.eid = q.text(1);
  n.seq_number = q.opt_i64(2);
  n.form = q.text(3);
  n.event = q.text(4);
  n.address = q.text(5);
  n.iccid = q.text(6);
  n.der = q.blob(7);
  n.verdict = q.text(8);
  n.forwarded = q.text(9);
  n.received_ms = q.i64(10);
  n.deliveries = q.i64(11);
  return n;
}

}  // namespace

std::pair<NotificationRecord, bool> Store::record_notification(const NotificationRecord& n) {
  std::pair<NotificationRecord, bool> out;
  transaction([&] {
    const Bytes digest = digest_of(n.der);
    {
      Statement q(db_, path_,
                  (std::string("SELECT ") + kNotificationColumns +
                   " FROM notifications WHERE eid=?1 AND digest=?2")
                      .c_str());
      q.bind(1, n.eid).bind(2, digest);
      if (q.step()) {
        out.first = read_notification(q);
        out.second = false;
      }
    }
    if (out.first.id != 0) {
      Statement(db_, path_, "UPDATE notifications SET deliveries=deliveries+1 WHERE id=?1")
          .bind(1, out.first.id)
          .run();
      ++out.first.deliveries;
      return;
    }
    Statement(
        db_, path_,
        "INSERT INTO notifications(eid, seq_number, form, event, address, iccid, der, digest, "
        "verdict, forwarded, received_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)")
        .bind(1, n.eid)
        .bind(2, n.seq_number)
        .bind(3, n.form)
        .bind(4, n.event)
        .bind(5, n.address)
        .bind(6, n.iccid)
        .bind(7, n.der)
        .bind(8, digest)
        .bind(9, n.verdict)
        .bind(10, n.forwarded)
        .bind(11, n.received_ms)
        .run();
    out.first = n;
    out.first.id = sqlite3_last_insert_rowid(db_);
    out.first.deliveries = 1;
    out.second = true;
  });
  return out;
}

std::vector<NotificationRecord> Store::notifications(const std::string& eid) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  Statement q(db_, path_,
              (std::string("SELECT ") + kNotificationColumns +
               " FROM notifications WHERE eid=?1 ORDER BY id")
                  .c_str());
  q.bind(1, eid);
  std::vector<NotificationRecord> out;
  while (q.step()) out.push_back(read_notification(q));
  return out;
}

void Store::update_notification(std::int64_t id, const std::string& verdict,
                                const std::string& forwarded) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  Statement(db_, path_, "UPDATE notifications SET verdict=?2, forwarded=?3 WHERE id=?1")
      .bind(1, id)
      .bind(2, verdict)
      .bind(3, forwarded)
      .run();
}

// ---- downloads ----

namespace {

const char* const kDownloadColumns =
    "id, eid, queue_id, smdp_address, matching_id, smdp_transaction_id, state, server_signed1, "
    "server_certificate, euicc_info1, ctx_params1, compact, started_ms, updated_ms, outcome";

}  // namespace

namespace {

DownloadRecord read_download(Statement& q) {
  DownloadRecord d;
  d.id = q.i64(0);
  d.eid = q.text(1);
  d.queue_id = q.opt_i64(2);
  d.smdp_address = q.text(3);
  d.matching_id = q.text(4);
  d.smdp_transaction_id = q.blob(5);
  d.state = q.text(6);
  d.server_signed1 = q.blob(7);
  d.server_certificate = q.blob(8);
  d.euicc_info1 = q.blob(9);
  d.ctx_params1 = q.blob(10);
  d.compact = q.i64(11) != 0;
  d.started_ms = q.i64(12);
  d.updated_ms = q.i64(13);
  d.outcome = q.text(14);
  return d;
}

}  // namespace

std::int64_t Store::add_download(const DownloadRecord& d) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  Statement(
      db_, path_,
      "INSERT INTO downloads(eid, queue_id, smdp_address, matching_id, smdp_transaction_id, "
      "state, server_signed1, server_certificate, euicc_info1, ctx_params1, compact, started_ms, "
      "updated_ms, outcome) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12, ?13)")
      .bind(1, d.eid)
      .bind(2, d.queue_id)
      .bind(3, d.smdp_address)
      .bind(4, d.matching_id)
      .bind(5, d.smdp_transaction_id)
      .bind(6, d.state)
      .bind(7, d.server_signed1)
      .bind(8, d.server_certificate)
      .bind(9, d.euicc_info1)
      .bind_blob_or_null(10, d.ctx_params1)
      .bind(11, std::int64_t{d.compact ? 1 : 0})
      .bind(12, d.started_ms)
      .bind(13, d.outcome)
      .run();
  return sqlite3_last_insert_rowid(db_);
}

std::optional<DownloadRecord> Store::download_by_transaction(const Bytes& smdp_transaction_id) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  Statement q(
      db_, path_,
      (std::string("SELECT ") + kDownloadColumns + " FROM downloads WHERE smdp_transaction_id=?1")
          .c_str());
  q.bind(1, smdp_transaction_id);
  if (!q.step()) return std::nullopt;
  return read_download(q);
}

std::optional<DownloadRecord> Store::download_by_queue(std::int64_t queue_id) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  Statement q(db_, path_,
              (std::string("SELECT ") + kDownloadColumns +
               " FROM downloads WHERE queue_id=?1 ORDER BY id DESC LIMIT 1")
                  .c_str());
  q.bind(1, queue_id);
  if (!q.step()) return std::nullopt;
  return read_download(q);
}

std::vector<DownloadRecord> Store::downloads(const std::string& eid) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  Statement q(
      db_, path_,
      (std::string("SELECT ") + kDownloadColumns + " FROM downloads WHERE eid=?1 ORDER BY id")
          .c_str());
  q.bind(1, eid);
  std::vector<DownloadRecord> out;
  while (q.step()) out.push_back(read_download(q));
  return out;
}

void Store::update_download(std::int64_t id, const std::string& state, const std::string& outcome,
                            std::int64_t now_ms, const std::string& eid) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  Statement(db_, path_,
            "UPDATE downloads SET state=?2, outcome=?3, updated_ms=?4, "
            "eid=CASE WHEN ?5 <> '' THEN ?5 ELSE eid END WHERE id=?1")
      .bind(1, id)
      .bind(2, state)
      .bind(3, outcome)
      .bind(4, now_ms)
      .bind(5, eid)
      .run();
}

}  // namespace euiccsim::eim
