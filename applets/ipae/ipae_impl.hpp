// The IPAe's inside (applets/include/euiccsim/applets/ipae/ipae.hpp): one object, its
// procedures spread over one file per SGP.32 procedure, each a step of the poll cycle that
// does its card work and hands the next step to an exchange's completion.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "euiccsim/applets/ipae/https_client.hpp"
#include "euiccsim/applets/ipae/ipae.hpp"

namespace euiccsim::applets::ipae {

// An ES10 call the card answered with a status word instead of data: a fault of the IPAe or
// the card, never the peer's.
struct CardFault : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// An associated eIM the IPAe polls (from GetEimConfigurationData).
struct EimTarget {
  std::string id;
  std::string host;
  std::uint16_t port = 443;
  TlsTrust trust;
  bool indirect = false;  // indirectProfileDownload
  Bytes configuration;    // its EimConfigurationData DER
};

// The reply of one exchange, once classified.
struct Reply {
  bool ok = false;
  std::string error;  // one line when !ok
  int status = 0;
  Bytes body;
};

// What the card's profile list looks like to an eIM (notifyStateChange).
struct ProfilesView {
  Bytes enabled_iccid;
  Bytes digest;
};

// A download under way (volatile: the card's own session ends with a reset anyway).
struct DownloadContext {
  bool indirect = false;
  Bytes eim_transaction_id;
  std::string smdp_address;
  std::string matching_id;
  Bytes transaction_id;  // the SM-DP+'s
  Bytes server_signed1, server_signature1, ci_pkid, server_certificate;
  std::optional<Bytes> eim_ctx_params1;  // ctxParams1 the eIM gave (A2 content)
  Bytes authenticate_server_response;
  Bytes prepare_download_response;
  std::optional<Bytes> hash_cc;
  std::vector<Bytes> segments;
  std::size_t next_segment = 0;
  Bytes pir;  // BF37 once the card answered it
  bool immediate_enabled = false;
};

struct Ipae::Impl {
  Impl(Es10Endpoint& card, Bearer& bearer, const Clock& clock, crypto::Drbg drbg,
       IpaeOptions options, IpaeObserver* observer);

  Es10Endpoint& card;
  Bearer& bearer;
  const Clock& clock;
  crypto::Drbg drbg;
  IpaeOptions options;
  IpaeObserver* observer;
  HttpsClient https;

  // ---- the cycle (ipae.cpp) ----
  bool running = false;
  bool stop_requested = false;
  std::string phase = "idle";
  std::vector<EimTarget> targets;
  std::size_t eim_index = 0;
  CycleReport report;
  ProfilesView cycle_start_view;
  std::optional<DownloadContext> download;
  // The package being finished is a restart's leftover: afterwards the eIM's turn goes on
  // with its stored results rather than with GetEimPackage.
  bool resuming = false;

  void wake(Wake why);
  void tick();
  std::optional<TimePoint> next_wakeup() const;
  void start_cycle();
  void next_eim();
  void eim_done();
  void eim_failed(const std::string& why);
  void end_cycle();
  TimePoint schedule_after(bool ok, std::uint32_t failed_cycles, const IpaeConfig& cfg);
  const EimTarget& eim() const { return targets[eim_index]; }

  // Card work.
  Bytes es10(ByteView request);  // CardFault unless the card answered data
  apdu::Response es10_raw(ByteView request);
  void save(const std::function<void(IpaeState&)>& change);
  std::vector<EimTarget> read_eims();
  Bytes eid();
  void remove_notifications(const std::vector<std::uint64_t>& seqs);

  // Peers (ipae.cpp).
  void send_esipa(const std::string& function, Bytes body, std::function<void(Reply)> next);
  void send_es9(const std::string& host, std::uint16_t port, const std::string& function,
                std::string json, std::function<void(Reply)> next);
  void record(const std::string& peer, const std::string& function, const std::string& url,
              const HttpRequest& req, const HttpResponse& rsp, bool ok, const std::string& outcome,
              TimePoint started);
  void note(const std::string& line);
  TlsTrust smdp_trust();

  // notify_state_change.cpp
  ProfilesView profiles_view();
  // The notifyStateChange cause to send to the current eIM, or nothing when it is up to date.
  std::optional<std::uint8_t> state_change_for_eim(const ProfilesView& now);
  void eim_informed(const std::string& eim_id);
  void mark_change(std::uint8_t cause, const std::string& except_eim);

  // get_eim_package.cpp
  void get_eim_package();
  void on_eim_package(Reply reply);
  void package_done();

  // euicc_package_procedure.cpp
  void euicc_package(Bytes request);

  // provide_eim_package_result.cpp
  void deliver_stored_results();
  void deliver_next_stored(std::vector<Bytes> results);
  // Sends ProvideEimPackageResult with `eim_package_result` (the CHOICE's TLV); `sent` are the
  // sequence numbers it carries. `then(acknowledged)` runs after a good answer.
  void provide_result(Bytes eim_package_result, std::vector<std::uint64_t> sent,
                      std::function<void(std::vector<std::uint64_t>)> then);
  // eimPackageResultResponseError for a package the IPAe could not use.
  void refuse_package(const Bytes& eim_transaction_id, long code);
  std::vector<Bytes> pending_notifications(std::vector<std::uint64_t>& seqs);

  // ipa_euicc_data.cpp
  void ipa_euicc_data(Bytes request);
  Bytes build_ipa_euicc_data(ByteView request, std::vector<std::uint64_t>& sent);

  // profile_download_trigger.cpp
  void profile_download_trigger(Bytes request);
  void resume_in_flight();
  void download_failed(const std::string& why, long reason, const Bytes& error_response);
  void download_installed();
  void finish_download();
  std::vector<Bytes> bpp_segments(ByteView bpp);
  void load_next_segment();
  Bytes ctx_params1();
  Bytes authenticate_server_request();
  bool prepare_download_request(Bytes& out, const Bytes& smdp_signed2, const Bytes& signature2,
                                const Bytes& certificate);
  void after_install();

  // indirect_download.cpp
  void indirect_initiate_authentication();
  void indirect_authenticate_client();
  void indirect_get_bound_profile_package();
  void indirect_cancel_session(long reason, const std::string& why);

  // direct_download.cpp
  void direct_initiate_authentication();
  void direct_authenticate_client();
  void direct_get_bound_profile_package();
  void direct_handle_notification();

  // handle_notification.cpp
  void deliver_notifications();
  void deliver_next_notification(std::vector<std::pair<std::uint64_t, Bytes>> pending);

  // profile_rollback.cpp
  void count_rollback_failure();
};

// StateChangeCause (GetEimPackageRequest '81').
namespace cause {
inline constexpr std::uint8_t kOtherEim = 0;
inline constexpr std::uint8_t kFallback = 1;
inline constexpr std::uint8_t kEmergencyProfile = 2;
inline constexpr std::uint8_t kImmediateEnableProfile = 5;
inline constexpr std::uint8_t kUndefined = 127;
}  // namespace cause

// ---- shared helpers (esipa.cpp) ----
namespace esipa {
inline constexpr const char* kPath = "/gsma/rsp2/asn1";
inline constexpr const char* kContentType = "application/x-gsma-rsp-asn1";
inline constexpr const char* kAdminProtocol = "gsma/rsp/v2.1.0";
// ESIPA.md §2.1: openiotrsp's media type, accepted on answers.
inline constexpr const char* kAltContentType = "application/vnd.gsma.esipa.ber-tlv";

// One line naming an ESipa message: "GetEimPackageResponse noEimPackageAvailable(1)".
std::string describe(ByteView der);
// The value of `der` if it is exactly one TLV with `tag`.
std::optional<ByteView> value_of(ByteView der, std::uint32_t tag);
// The first child TLV with `tag` of a constructed value.
std::optional<ByteView> child(ByteView constructed, std::uint32_t tag);
// The whole TLV (header included) of the first child with `tag`.
std::optional<ByteView> child_tlv(ByteView constructed, std::uint32_t tag);
// The eimTransactionId (tag `tag`) among the first well-formed TLVs of a package's value that
// is otherwise malformed, so that even a refusal can name the package; empty if none.
Bytes transaction_id_of(ByteView package, std::uint32_t package_tag, std::uint32_t tag);
// A non-negative INTEGER content of up to 8 bytes.
std::optional<std::uint64_t> uint_of(ByteView content);
Bytes concat(std::initializer_list<ByteView> parts);
ByteView text(const std::string& s);
// host[:port] (IPv6 in brackets) with a default port; nothing if malformed.
std::optional<std::pair<std::string, std::uint16_t>> host_port(const std::string& address,
                                                               std::uint16_t default_port);
// The sequence number of an EuiccPackageResult (BF51 A0) or a PendingNotification (BF37, 30,
// compact forms); nothing if it carries none.
std::optional<std::uint64_t> seq_number_of(ByteView der);
// The eimId of an EuiccPackageResult.
std::string eim_id_of_result(ByteView der);
}  // namespace esipa

}  // namespace euiccsim::applets::ipae
