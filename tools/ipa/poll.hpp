// The IPAd's poll cycle (SGP.32 v1.2 §3.1.1.1 eIM Package Retrieval; ESIPA.md §4): the IPA in
// the device asks its eIM for the next eIM package (ESipa GetEimPackage), has the eUICC run it
// over ES10 and returns the result (ProvideEimPackageResult), then removes from the card what
// the eIM acknowledged, until the eIM answers noEimPackageAvailable.
//
// Transport-free on both sides, like lpa/download: `lpa::Es10` carries one ES10 request to
// the card, `EsipaPost` one ESipa request to the eIM (in process, or the HTTPS binding).
// What it does per package, in the order of the public flows (ESIPA.md §4.2-§4.4):
//  - EuiccPackageRequest (BF51): ES10b LoadEuiccPackage, RetrieveNotificationsList, then
//    ProvideEimPackageResult { ePRAndNotifications { BF51 result, A0 notifications } }; a card
//    that gives no EuiccPackageResult is reported as eimPackageResultResponseError
//    undefinedError(127).
//  - IpaEuiccDataRequest (BF52): the members the tagList names, collected from the card
//    (GetEuiccConfiguredAddresses, GetEUICCInfo1/2, GetEimConfigurationData, GetCerts,
//    RetrieveNotificationsList twice), in IpaEuiccData's order; a tag that is not a member is
//    incorrectTagList(1).
//  - ProfileDownloadTriggerRequest (BF54) with an activation code: the SGP.22 download, direct
//    (ES9+ to the SM-DP+ the code names) or indirect (ESipa InitiateAuthentication,
//    AuthenticateClient, GetBoundProfilePackage through the eIM, and the install notification
//    by ESipa HandleNotification), then ProfileDownloadTriggerResult { BF37 } or
//    { profileDownloadError }.
// After each result, one RemoveNotificationFromList per sequence number the eIM acknowledged.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "euiccsim/crypto/bytes.hpp"
#include "lpa/download.hpp"
#include "smdp/es9plus.hpp"

namespace euiccsim::ipa {

// One ESipa exchange: the HTTP status and body of the eIM's answer. A connection that drops
// throws (any std::exception); the poll cycle reports it and stops.
struct EsipaReply {
  int http_status = 200;
  Bytes body;
};
using EsipaPost = std::function<EsipaReply(ByteView request)>;

struct PollOptions {
  std::string eid;     // 32 digits
  std::string eim_id;  // the eIM being polled (its associationToken for IpaEuiccData)
  // GetEimPackage's notifyStateChange and stateChangeCause (SGP.32 StateChangeCause value).
  bool notify_state_change = false;
  std::optional<long> state_change_cause;
  // Downloads: through the eIM (indirectRspServerCommunication) or straight to the SM-DP+.
  bool indirect = false;
  // The SM-DP+ for a direct download's address (nullptr: unreachable).
  lpa::ServerFor smdp_for;
  // After an installed download: ES10b ImmediateEnable (when the card was configured for it).
  bool immediate_enable = false;
  // IpaEuiccData's A8 ipaCapabilities: ipaFeatures bits and ipaSupportedProtocols bits.
  std::uint8_t ipa_features = 0x40 | 0x80;  // indirect(1) and direct(0) RSP communication
  std::uint8_t ipa_protocols = 0x80;        // ipaRetrieveHttps(0)
  Bytes tac = {0x35, 0x29, 0x06, 0x11};
  // Stops after this many packages even if the eIM has more.
  std::size_t max_packages = 32;
};

// What became of one package the eIM handed out.
struct PackageOutcome {
  std::string kind;  // "euiccPackage", "ipaEuiccData", "profileDownload"
  Bytes package;     // as the eIM handed it out (BF51 / BF52 / BF54)
  Bytes result;      // what went back to the eIM inside ProvideEimPackageResult
  Bytes eim_answer;  // ProvideEimPackageResultResponse (BF50 ...)
  std::vector<std::int64_t> acknowledged;
  std::vector<std::int64_t> removed;  // RemoveNotificationFromList answered ok
  std::string summary;                // one line
  // profileDownload: the download's own outcome.
  std::optional<lpa::DownloadResult> download;
  std::string download_error;  // why it did not reach the package ("" otherwise)
  std::string failed;          // the cycle broke on this package: why
};

struct PollResult {
  std::vector<PackageOutcome> packages;
  std::optional<long> eim_package_error;  // what ended the cycle (1 = noEimPackageAvailable)
  std::string ended;                      // one line: why the cycle ended
  bool ok = false;                        // ended by noEimPackageAvailable (or max_packages)
};

const char* eim_package_error_name(long code);

// One poll cycle. Never throws for what the eIM or the card answers (that is in the result);
// std::invalid_argument for options that cannot work (no EID).
PollResult poll(const lpa::Es10& card, const EsipaPost& eim, const PollOptions& options);

// ES9+ as the IPA speaks it to an eIM that relays (SGP.32 §3.2.3.2): each function becomes
// its ESipa message. An error answer is smdp::Es9Error with subject "esipa" and the code as
// reason; an HTTP failure std::runtime_error.
class EsipaRelay final : public smdp::Es9Plus {
 public:
  EsipaRelay(EsipaPost post, Bytes eim_transaction_id)
      : post_(std::move(post)), eim_transaction_id_(std::move(eim_transaction_id)) {}
  smdp::InitiateAuthenticationResponse initiate_authentication(
      const smdp::InitiateAuthenticationRequest& r) override;
  smdp::AuthenticateClientResponse authenticate_client(
      const smdp::AuthenticateClientRequest& r) override;
  smdp::GetBoundProfilePackageResponse get_bound_profile_package(
      const smdp::GetBoundProfilePackageRequest& r) override;
  void handle_notification(const smdp::HandleNotificationRequest& r) override;
  void cancel_session(const smdp::CancelSessionRequest& r) override;

 private:
  Bytes call(const char* function, std::uint32_t tag, const Bytes& request);
  EsipaPost post_;
  Bytes eim_transaction_id_;
};

}  // namespace euiccsim::ipa
