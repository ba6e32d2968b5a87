// The test eIM (SGP.32 v1.2): the server side of ESipa, transport-free. One request body in,
// its answer out (`Eim::handle`); the HTTPS binding (esipa_https.hpp), the admin API and the
// command put it on sockets, tests call it directly. Each ESipa function is in its own file,
// named after it (get_eim_package.cpp, provide_eim_package_result.cpp, ...); what they share,
// recording and verifying what a card sent, is in results.cpp.
//
// The eIM keeps everything in its Store (SQLite), so one Eim may be destroyed and another
// opened on the same file at any point: nothing handed out is forgotten, nothing received is
// recorded twice (docs/eim.md).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "eim/store.hpp"
#include "euiccsim/crypto/drbg.hpp"
#include "euiccsim/crypto/ecdsa.hpp"
#include "euiccsim/simulator/json.hpp"
#include "smdp/es9plus.hpp"

namespace euiccsim::eim {

// One eIM identity this server signs for: its eimId and its signing key (P-256 or brainpool).
struct Identity {
  std::string eim_id;
  crypto::PrivateKey key;
};

// The SM-DP+ an indirect download's address names, reached over ES9+ with the eIM in the LPA
// role; nullptr when the eIM cannot reach it (invalidDpAddress).
using RelayFor = std::function<smdp::Es9Plus*(const std::string& smdp_address)>;

struct EimConfig {
  std::vector<Identity> identities;  // the first is the default eIM
  RelayFor relay;
  // Named switch --accept-sgp32-v1.0: also read the SGP.32 v1.0 shapes onomondo-ipa sends
  // (ePRAndNotifications with a BF2B list, eimPackageError as a bare INTEGER, HandleNotification
  // without the 'A0' wrapper) and answer an empty ProvideEimPackageResult as v1.0 does
  // ('BF50 00'). Default: v1.2 only.
  bool accept_v1_0 = false;
  // Named switch --auto-register: an EID the eIM has never heard of polls and is answered
  // noEimPackageAvailable (and recorded) instead of eidNotFound(2).
  bool auto_register = false;
  // When non-empty, a certificate learnt from IpaEuiccData must chain to one of these CIs
  // (through the EUM certificate sent with it) and name the EID; otherwise it is kept as
  // "ipaEuiccData (unchecked)".
  std::vector<Bytes> trusted_ci_certs;
  // Milliseconds since the epoch; tests inject a manual clock.
  std::function<std::int64_t()> now_ms;
  // Seeds the DRBG of eimTransactionIds; unseeded: the OS's randomness.
  std::optional<std::uint64_t> seed;
  // Wait for an ES9+ handleNotification relayed on an install notification (seconds).
  int forward_timeout_seconds = 5;
};

// What the transport sends back, and what its one log line says.
struct EsipaAnswer {
  int http_status = 200;
  Bytes body;            // empty: "no response" (HTTP 200 with an empty body)
  std::string eid;       // "" when the request did not tell
  std::string function;  // "GetEimPackage", "ProvideEimPackageResult", ...
  std::string outcome;   // one short phrase
};

// What a lab asks the eIM to send to a card (`eim queue`, POST /eim/v1/queue).
struct QueueRequest {
  std::string eid;
  std::string eim_id;  // empty: the default eIM
  ItemKind kind = ItemKind::kEuiccPackage;
  // euiccPackage: operations as `eim package` writes them ("enable ICCID rollback"), all PSMOs
  // or all eCOs; `configurations[i]` is the EimConfigurationData DER of an add-eim/update-eim.
  bool eco = false;
  std::vector<std::string> operations;
  std::vector<Bytes> configurations;
  // profileDownload
  std::string activation_code;  // "1$ADDRESS$MATCHING_ID[...]" ("LPA:" is dropped)
  bool indirect = false;        // the eIM expects to relay this download (needs its SM-DP+)
  // ipaEuiccData: the tagList (concatenated tags); kAllEuiccDataTags for every member.
  Bytes tag_list;
};

// Every IpaEuiccData member tag (SGP.32 v1.2 IpaEuiccData): 80 is not one of them.
extern const Bytes kAllEuiccDataTags;

// "1$ADDRESS$MATCHING_ID[$OID[$CC]]" split; std::invalid_argument naming the flaw.
struct ActivationCode {
  std::string smdp_address;
  std::string matching_id;
  std::string smdp_oid;
  bool confirmation_code_required = false;
};
ActivationCode parse_activation_code(const std::string& text);

class Eim {
 public:
  Eim(Store& store, EimConfig config);
  ~Eim();

  // One ESipa request (a DER EsipaMessageFromIpaToEim, or a v1.0 shape under the switch).
  // `connection` names the HTTP connection it came on ("ip:port"), so a result without an EID
  // can be matched to the GetEimPackage before it on the same connection. Never throws:
  // a request that is not ESipa is HTTP 400, an internal failure HTTP 500.
  EsipaAnswer handle(ByteView request, const std::string& connection = {});

  // ---- administration (CLI and admin API) ----
  // Validates and queues; the item id. std::invalid_argument for a request that cannot be
  // sent (a bad EID, operation, activation code or tag list); the message is one line.
  std::int64_t enqueue(const QueueRequest& request);
  // Records (or replaces) what the eIM knows of its association with a card.
  void register_card(const std::string& eid, const std::string& eim_id,
                     std::optional<std::int64_t> counter,
                     std::optional<std::optional<std::int64_t>> association_token,
                     const Bytes& euicc_certificate);
  bool cancel(std::int64_t id);
  // The whole state of one card, as `eim status --json` prints it.
  json::Value status(const std::string& eid);

  Store& store() { return store_; }
  const EimConfig& config() const { return config_; }
  std::int64_t now() const;
  const Identity* identity(const std::string& eim_id) const;
  // The first identity's eimId, else the one the last `eim serve` recorded in the database.
  std::string default_eim_id() const;
  Bytes new_transaction_id();

  // The EID a connection last named in a GetEimPackage (or "" when none).
  std::string eid_of_connection(const std::string& connection);
  void remember_connection(const std::string& connection, const std::string& eid);

 private:
  Store& store_;
  EimConfig config_;
  std::mutex mutex_;  // the DRBG and the connection map
  crypto::Drbg drbg_;
  std::map<std::string, std::string> connections_;
};

// The queue status of one card without a running eIM (`eim status` on the database).
json::Value card_status(Store& store, const std::string& eid);

}  // namespace euiccsim::eim
