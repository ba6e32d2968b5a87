// The test eIM's memory (docs/eim.md "The database"): one SQLite file in WAL mode holding the
// cards it manages, its associations with them (counter, association token), the per-EID queue
// of eIM packages, every result and notification received, and the indirect-download sessions
// it relays. Every change is one transaction committed before the ESipa answer that depends on
// it leaves, so an eIM killed at any instant restarts with each package either not yet handed
// out or handed out with its counter and bytes fixed, and each result recorded once.
//
// Several processes may open the same file (`eim serve` and `eim queue`/`eim status`): SQLite's
// locking serialises the writers, and a busy timeout makes them wait instead of failing.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "euiccsim/crypto/bytes.hpp"

struct sqlite3;

namespace euiccsim::eim {

// The database cannot be opened, read or written; one line naming the file and what failed.
class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What kind of eIM package a queued item becomes (SGP.32 §2.11.1: GetEimPackageResponse).
enum class ItemKind : std::uint8_t {
  kEuiccPackage,     // EuiccPackageRequest BF51 (PSMOs or eCOs), signed at hand-out
  kIpaEuiccData,     // IpaEuiccDataRequest BF52
  kProfileDownload,  // ProfileDownloadTriggerRequest BF54
};
const char* kind_name(ItemKind);  // "euiccPackage", "ipaEuiccData", "profileDownload"
std::optional<ItemKind> kind_from_name(const std::string&);

// The life of a queued item (docs/eim.md "States of a queued item").
enum class ItemState : std::uint8_t {
  kQueued,     // waiting; no counter, no bytes yet
  kSent,       // handed out at least once; counter and bytes fixed; awaiting its result
  kDone,       // its result arrived (see the result's verdict)
  kReplayed,   // the card answered replayError: it had already seen this counter; a result
               // the card kept from an earlier delivery may still arrive and closes it as done
  kFailed,     // the card or the IPA refused it, or it could not be built
  kCancelled,  // withdrawn before it was handed out
};
const char* state_name(ItemState);
std::optional<ItemState> state_from_name(const std::string&);

struct QueueItem {
  std::int64_t id = 0;
  std::string eid;
  std::string eim_id;
  ItemKind kind = ItemKind::kEuiccPackage;
  std::string spec;  // JSON: what was asked (operations, activation code, tag list)
  ItemState state = ItemState::kQueued;
  Bytes transaction_id;                 // eimTransactionId, fixed at enqueue
  std::optional<std::int64_t> counter;  // euiccPackage: counterValue, fixed at first hand-out
  Bytes package;                        // the eIM package as handed out (BF51 / BF52 / BF54)
  std::int64_t created_ms = 0;
  std::optional<std::int64_t> first_sent_ms, last_sent_ms, finished_ms;
  std::int64_t sends = 0;  // how many times it was handed out
  std::string outcome;     // one line, set when it leaves kSent
};

struct Association {
  std::string eid;
  std::string eim_id;
  std::int64_t counter = 0;  // the last counterValue used (initially the card's)
  std::optional<std::int64_t> association_token;  // none: signatures use '84 01 00'
  bool deleted = false;                           // a deleteEim removed it from the card
};

// What the eIM knows of a card, learnt from IpaEuiccData or given by the operator.
struct CardRecord {
  std::string eid;
  Bytes euicc_certificate;  // DER ('30 ...'); empty when unknown
  Bytes eum_certificate;
  std::string certificate_source;                                 // "given", "ipaEuiccData", ""
  Bytes euicc_info1, euicc_info2, ipa_capabilities, device_info;  // DER as received
  std::optional<std::string> default_smdp_address, root_smds_address;
  std::int64_t created_ms = 0;
  std::optional<std::int64_t> last_seen_ms;
  std::int64_t polls = 0;
  std::int64_t state_changes = 0;  // GetEimPackage with notifyStateChange
  std::optional<std::int64_t> last_state_change_cause;
  Bytes last_rplmn;
};

// One result received (EuiccPackageResult, IpaEuiccDataResponse, ProfileDownloadTriggerResult,
// or the IPA's eimPackageResultResponseError), kept once per EID and bytes.
struct ResultRecord {
  std::int64_t id = 0;
  std::string eid;
  std::optional<std::int64_t> queue_id;
  std::string kind;  // "euiccPackageResult", "ipaEuiccData", ...
  Bytes transaction_id;
  Bytes der;
  std::string form;  // euiccPackageResultSigned, ... ("" for other kinds)
  std::optional<std::int64_t> seq_number;
  std::string verdict;  // verified, forged, unverified, unsigned, mismatch, n/a
  std::string summary;
  std::int64_t received_ms = 0;
  std::int64_t deliveries = 1;
};

struct NotificationRecord {
  std::int64_t id = 0;
  std::string eid;  // "" when the eIM could not tell
  std::optional<std::int64_t> seq_number;
  std::string form;   // profileInstallationResult, otherSignedNotification, compact...
  std::string event;  // install, enable, disable, delete, ""
  std::string address;
  std::string iccid;
  Bytes der;
  std::string verdict;    // verified, forged, unverified
  std::string forwarded;  // "no", "yes", "failed: ...", "not-needed"
  std::int64_t received_ms = 0;
  std::int64_t deliveries = 1;
};

// An indirect download relayed to an SM-DP+ (ESipa InitiateAuthentication ... HandleNotification).
struct DownloadRecord {
  std::int64_t id = 0;
  std::string eid;  // "" until known
  std::optional<std::int64_t> queue_id;
  std::string smdp_address;
  std::string matching_id;
  Bytes smdp_transaction_id;
  std::string state;  // initiated, authenticated, bpp-sent, installed, failed, cancelled
  Bytes server_signed1, server_certificate, euicc_info1;
  Bytes ctx_params1;     // the ctxParams1 the eIM gave (eimCtxParams1Generation), else empty
  bool compact = false;  // the IPA asked for minimizeEsipaBytes
  std::int64_t started_ms = 0, updated_ms = 0;
  std::string outcome;
};

// The time this process spent inside SQLite (statements, BEGIN and COMMIT), all stores
// together: the benchmarks report it on its own line.
std::chrono::nanoseconds sqlite_time();

class Store {
 public:
  // Opens (creating when absent) the database at `path`; ":memory:" for a private one.
  // `synchronous_full`: fsync every commit (survives power loss); otherwise WAL's NORMAL
  // (survives a killed process, which is what the tests provoke).
  static std::unique_ptr<Store> open(const std::string& path, bool synchronous_full = true);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const std::string& path() const { return path_; }

  // Runs `fn` inside one write transaction (BEGIN IMMEDIATE ... COMMIT); a throw rolls back.
  // Calls on this Store from `fn` join the transaction. Thread-safe: one transaction at a time.
  void transaction(const std::function<void()>& fn);

  // A value of the meta table ("default_eim_id": the default eIM of the last `eim serve`).
  std::optional<std::string> meta(const std::string& key);
  void set_meta(const std::string& key, const std::string& value);

  // ---- cards and associations ----
  std::optional<CardRecord> card(const std::string& eid);
  // Creates the card if absent (created_ms = now) and returns it.
  CardRecord ensure_card(const std::string& eid, std::int64_t now_ms);
  std::vector<std::string> eids();
  void set_certificates(const std::string& eid, const Bytes& euicc, const Bytes& eum,
                        const std::string& source);
  // Each field replaced only when given (non-empty / engaged).
  void set_card_data(const std::string& eid, const Bytes& info1, const Bytes& info2,
                     const Bytes& capabilities, const Bytes& device_info,
                     const std::optional<std::string>& default_smdp,
                     const std::optional<std::string>& root_smds);
  void record_poll(const std::string& eid, std::int64_t now_ms, bool state_change,
                   std::optional<std::int64_t> cause, const Bytes& rplmn);

  std::optional<Association> association(const std::string& eid, const std::string& eim_id);
  std::vector<Association> associations(const std::string& eid);
  // Inserts or replaces (and revives a deleted one).
  void put_association(const Association& a);
  void set_association_token(const std::string& eid, const std::string& eim_id,
                             std::optional<std::int64_t> token);
  void delete_association(const std::string& eid, const std::string& eim_id);
  // The next counterValue for (eid, eim_id): stored counter + 1, stored. StoreError if none.
  std::int64_t next_counter(const std::string& eid, const std::string& eim_id);

  // ---- the queue ----
  std::int64_t enqueue(const std::string& eid, const std::string& eim_id, ItemKind kind,
                       const std::string& spec, const Bytes& transaction_id, std::int64_t now_ms);
  std::optional<QueueItem> item(std::int64_t id);
  std::vector<QueueItem> items(const std::string& eid);
  // The item a GetEimPackage hands out: the oldest kSent one (sent again as it was), else the
  // oldest kQueued one.
  std::optional<QueueItem> next_item(const std::string& eid);
  std::optional<QueueItem> item_by_transaction(const Bytes& transaction_id);
  // The oldest item of `kind` in `state` for the EID (a v1.0 IPA echoes no transaction id).
  std::optional<QueueItem> oldest_item(const std::string& eid, ItemKind kind, ItemState state);
  // euiccPackage items by what a result names when it carries no eimTransactionId.
  std::optional<QueueItem> item_by_counter(const std::string& eid, const std::string& eim_id,
                                           std::int64_t counter);
  // Records a hand-out: first one fixes counter and package; later ones count.
  void mark_sent(std::int64_t id, std::optional<std::int64_t> counter, const Bytes& package,
                 std::int64_t now_ms);
  void finish(std::int64_t id, ItemState state, const std::string& outcome, std::int64_t now_ms);
  // kQueued -> kCancelled; false when the item is not queued (or absent).
  bool cancel(std::int64_t id, std::int64_t now_ms);

  // ---- results and notifications ----
  // Inserts, or counts one more delivery of the same bytes for the same EID. Returns the row
  // and whether it was new.
  std::pair<ResultRecord, bool> record_result(const ResultRecord& r);
  std::vector<ResultRecord> results(const std::string& eid);
  std::optional<ResultRecord> result(std::int64_t id);
  void update_result_verdict(std::int64_t id, const std::string& verdict,
                             std::optional<std::int64_t> queue_id);
  std::pair<NotificationRecord, bool> record_notification(const NotificationRecord& n);
  std::vector<NotificationRecord> notifications(const std::string& eid);
  void update_notification(std::int64_t id, const std::string& verdict,
                           const std::string& forwarded);

  // ---- indirect downloads ----
  std::int64_t add_download(const DownloadRecord& d);
  std::optional<DownloadRecord> download_by_transaction(const Bytes& smdp_transaction_id);
  std::optional<DownloadRecord> download_by_queue(std::int64_t queue_id);
  std::vector<DownloadRecord> downloads(const std::string& eid);
  void update_download(std::int64_t id, const std::string& state, const std::string& outcome,
                       std::int64_t now_ms, const std::string& eid = {});

 private:
  explicit Store(std::string path) : path_(std::move(path)) {}
  std::string path_;
  sqlite3* db_ = nullptr;
  std::recursive_mutex mutex_;
  int depth_ = 0;  // nested transaction() calls
};

}  // namespace euiccsim::eim
