// The test SM-DP+: the server side of an SGP.22 download (ES9+ and, through the LPA, ES8+),
// transport-free. It checks the card as a production SM-DP+ does (eUICC chain to a trusted CI,
// EUM name constraints on the EID, euiccSignature1/2, the echoed challenge and transaction)
// and binds each profile package for the card that asked (§2.5.5, BSP per PROTOCOL.md §4.7).
//
// Its SCP03t encryption (binder.hpp) is written apart from the card's receiver; the two share
// only crypto/'s primitives (AES, CMAC, ECKA, KDF, ECDSA), so a mistake cannot hide in both.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "es9plus.hpp"
#include "euiccsim/crypto/drbg.hpp"
#include "euiccsim/crypto/test_pki.hpp"

namespace euiccsim::smdp {

struct ServerConfig {
  // serverAddress of serverSigned1; the smdpAddress an LPA asks for must equal it.
  std::string address = "127.0.0.1";
  crypto::Issued dp_auth;  // DPauth certificate and key
  crypto::Issued dp_pb;    // DPpb certificate and key
  // The CIs whose eUICC chains this server accepts (DER). initiateAuthentication wants one of
  // them in the card's euiccCiPKIdListForSigning (else 8.8.2/3.1), and names in
  // euiccCiPKIdToBeUsed the CI that issued dp_auth, which must be one of them and in the
  // card's euiccCiPKIdListForVerification (else 8.8.4/3.7): with one DPauth certificate no
  // other CI could be named, as osmo-smdpp reasons too.
  std::vector<Bytes> trusted_ci_certs;
  // hostId of the BF23 control reference template.
  Bytes host_id = {'e', 'u', 'i', 'c', 'c', '-', 's', 'i', 'm'};
  // What the server keeps, and for how long: a test SM-DP+ that runs for days must not grow.
  struct Retention {
    // Sessions opened by initiateAuthentication whose package has not gone out yet.
    std::size_t max_open = 1024;
    std::chrono::seconds open_age{std::chrono::minutes(10)};
    // Transactions whose package went out: kept for their ProfileInstallationResult or a late
    // cancelSession.
    std::size_t max_finished = 1024;
    std::chrono::seconds finished_age{std::chrono::hours(1)};
    // Notifications received (notifications()).
    std::size_t max_notifications = 1024;
    std::chrono::seconds notification_age{std::chrono::hours(1)};
  } retention{};
  // The clock ages are measured with; tests give one they move by hand.
  std::function<std::chrono::steady_clock::time_point()> clock = std::chrono::steady_clock::now;
};

struct ProfileOffer {
  // The matchingId of the activation code; "" serves requests without one (a default SM-DP+
  // download).
  std::string matching_id;
  Bytes package;  // unprotected profile package (DER of PEs), the ProfileHeader first
  std::optional<std::string> confirmation_code;
  // Bind with a random profile protection key (ReplaceSessionKeys, A2) instead of the
  // session keys.
  bool ppk = false;
  // StoreMetadata (BF25): the ICCID comes from the package's ProfileHeader.
  std::string service_provider_name = "euicc-sim";  // at most 32 bytes
  std::string profile_name;                         // at most 64 bytes; "" = the matching ID
  std::optional<std::uint8_t> profile_class;        // test 0, provisioning 1, operational 2
  // Ask for enable, disable and delete notifications to this server's address (as
  // osmo-smdpp does); the install notification goes there in any case.
  bool notify_operations = true;
  // Fault injection: StoreMetadata names this ICCID (digits) instead of the package's.
  std::optional<std::string> metadata_iccid;
  // DER appended to StoreMetadata's content as it is, for fields this server does not model
  // (SGP.32's 9F7B ecallIndication and 9F67 fallbackAllowed, for one). They come after the
  // fields above, so they must be ones that follow them in the SEQUENCE.
  Bytes extra_metadata;
  // A retry (SGP.22 v2.5 §3.1.3.2): smdpSigned2 names this otPK.EUICC.ECKA (04||X||Y, the
  // card's key of a failed attempt) in bppEuiccOtpk, asking the card to use that pair again.
  std::optional<Bytes> bpp_euicc_otpk;
};

// What the server logs (one per ES9+ call): the function, the transaction, the outcome.
struct ServerEvent {
  std::string function;  // "initiateAuthentication", ...
  Bytes transaction_id;
  bool ok = true;
  std::string detail;  // the error's reason, or a summary ("bound 13 segments", ...)
};

// Every function either answers or throws Es9Error with SGP.22's status codes. Sessions,
// finished transactions and notifications go when older than their ServerConfig::Retention age,
// and the oldest go first when a count is reached; a transaction gone so is answered as any
// transactionId the server does not know, TransactionId - Unknown (8.10.1/3.9). A failure in
// authenticateClient or getBoundProfilePackage after the session was found ends that session
// (the card's challenge and one-time key cannot be used twice anyway); getBoundProfilePackage
// ends it on success too, and a verified cancelSession. The eUICC's
// key stays known for the transaction afterwards, to check its ProfileInstallationResult and a
// late cancelSession. Calls may come from several threads.
class Server final : public Es9Plus {
 public:
  // `drbg` (transaction ids, challenges, one-time keys, PPKs) must outlive the server.
  Server(ServerConfig config, crypto::Drbg& drbg);
  ~Server() override;

  // Offers a package under its matching ID (replacing an offer with the same ID).
  // std::invalid_argument if the package does not start with a ProfileHeader holding a
  // 10-byte ICCID, or a metadata string is too long.
  void add_profile(ProfileOffer offer);

  InitiateAuthenticationResponse initiate_authentication(
      const InitiateAuthenticationRequest&) override;
  AuthenticateClientResponse authenticate_client(const AuthenticateClientRequest&) override;
  GetBoundProfilePackageResponse get_bound_profile_package(
      const GetBoundProfilePackageRequest&) override;
  void handle_notification(const HandleNotificationRequest&) override;
  void cancel_session(const CancelSessionRequest&) override;

  // Notifications received and accepted (their signatures verified) and not yet expired, in
  // order; one sent again (the same bytes) is accepted but kept once. handleNotification
  // throws Es9Error for one it refuses; the HTTPS binding answers 204 regardless (SGP.22 §6.3,
  // as osmo-smdpp quotes it).
  std::vector<Bytes> notifications() const;
  // Every notification accepted since the server started, expired ones included.
  std::uint64_t notifications_accepted() const;
  // What the server holds now: open sessions, finished transactions, notifications.
  struct Held {
    std::size_t open = 0, finished = 0, notifications = 0;
  };
  Held held() const;
  // Called for every ES9+ call (log lines).
  void on_event(std::function<void(const ServerEvent&)> sink);

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace euiccsim::smdp
