// Everything a card keeps across power loss. The card runtime persists it as the card image
// (simulator/card_image) after every command that changed it; applets read and change it
// through their AppletContext.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "euiccsim/applets/aids.hpp"
#include "euiccsim/applets/eid.hpp"
#include "euiccsim/profiles/installed_profile.hpp"

namespace euiccsim {

// SGP.22 VersionType: major.minor.revision.
struct Version {
  std::uint8_t major = 0, minor = 0, revision = 0;
  friend bool operator==(const Version&, const Version&) = default;
  std::string str() const;
  Bytes bytes() const { return Bytes{major, minor, revision}; }
  // "2.5.0" -> {2,5,0}; nothing unless three numbers 0..255 separated by dots.
  static std::optional<Version> parse(std::string_view text);
};

// Behaviours of real cards that LPAs must cope with, switched on one by one (`card new
// --quirk NAME`). Names are stable: scripts use them.
namespace quirk {
// ES10c Enable/Disable/DeleteProfile accept the ISD-P AID only; an ICCID is answered
// iccidOrAidNotFound, as some cards do.
inline constexpr const char* kEnableByAidOnly = "enable-by-aid-only";
// GetProfilesInfo ignores an ICCID search criterion's match and reports incorrectInputValues.
inline constexpr const char* kRefuseIccidSearch = "refuse-iccid-search";
// A proactive session is "ongoing": profile state changes and memory reset answer catBusy.
inline constexpr const char* kCatBusy = "cat-busy";
// Every known switch, for `--help` and validation.
const std::vector<std::string>& all();
}  // namespace quirk

// What a card is (`card new --personality NAME`). Names are stable: images and scripts use them.
namespace personality {
// A consumer eUICC (GSMA SGP.22).
inline constexpr const char* kSgp22 = "sgp22";
// An IoT eUICC (GSMA SGP.32 v1.2): EUICCInfo2 in its IoT form, the E1 template in the ISD-R
// SELECT response, and the SGP.32 ES10b functions (docs/sgp32.md lists which).
inline constexpr const char* kIot = "iot";
const std::vector<std::string>& all();
}  // namespace personality

// SGP.22 RulesAuthorisationTable entry: which PPRs which operators may set.
struct OperatorId {
  Bytes mcc_mnc;  // 3 bytes, TS 24.008 coding
  std::optional<Bytes> gid1, gid2;
  friend bool operator==(const OperatorId&, const OperatorId&) = default;
};
struct RatRule {
  std::uint8_t ppr_ids = 0;  // PprIds bits as a mask: 1 pprUpdateControl, 2 ppr1, 4 ppr2
  std::vector<OperatorId> allowed_operators;  // an mcc_mnc of 'EEEEEE'-style wildcards allowed
  bool consent_required = false;
  friend bool operator==(const RatRule&, const RatRule&) = default;
};

// SGP.32's IPA in the eUICC (`card new --ipae`): how the card's own IPA polls its eIMs and
// what it says about the device it sits in (docs/ipae.md). Read-only to ES10.
struct IpaeConfig {
  // Retrieval mode: a poll cycle every poll_interval_s, moved by up to +-poll_jitter_s; after
  // a failed cycle the next comes after backoff_min_s, doubling per failure up to backoff_max_s.
  std::uint32_t poll_interval_s = 3600;
  std::uint32_t poll_jitter_s = 60;
  std::uint32_t backoff_min_s = 10;
  std::uint32_t backoff_max_s = 3600;
  // After an enable with rollbackFlag, this many failed attempts to reach the eIM make the
  // IPAe run ProfileRollback (the new profile is taken to have no connectivity).
  std::uint32_t rollback_after_failures = 3;
  // ipaFeatures minimizeEsipaBytes: relay the compact forms of AuthenticateServer,
  // PrepareDownload and CancelSession answers (the eIM rebuilds what the card signed).
  bool minimize_esipa_bytes = false;
  // DeviceInfo of the device around the card (IpaEuiccData A9, ctxParams1): TAC (4 bytes),
  // IMEI (8 bytes, or empty), and the DeviceCapabilities DER ('30' ...; empty: GSM, UTRAN and
  // E-UTRAN release 15).
  Bytes tac = {0x35, 0x29, 0x06, 0x11};
  Bytes imei;
  Bytes device_capabilities;
  // GetEimPackage rPLMN (3 bytes, TS 24.008), or empty.
  Bytes rplmn;
  // TLS trust anchors (DER certificates) besides an eIM's trustedPublicKeyDataTls and the
  // card's CIs (`card new --ipae-ca FILE`).
  std::vector<Bytes> tls_ca_certificates;
  // What a TERMINAL CAPABILITY that declares an IPAd does to an active IPAe (kIpaeConflict*).
  std::string terminal_conflict = "ipad-wins";
  friend bool operator==(const IpaeConfig&, const IpaeConfig&) = default;
};

// IpaeConfig::terminal_conflict. ipad-wins: the card returns to ipaMode ipad (persisted; the
// device must send IpaeActivation again). ipae-stays: the declaration is only recorded.
inline constexpr const char* kIpaeConflictIpadWins = "ipad-wins";
inline constexpr const char* kIpaeConflictIpaeStays = "ipae-stays";

// The personality a card was made with (`euicc-sim card new` options). Read-only to ES10.
struct CardConfig {
  // personality::kSgp22 or personality::kIot.
  std::string personality = personality::kSgp22;
  bool is_iot() const { return personality == personality::kIot; }
  Bytes isdr_aid = aid::isd_r();
  Bytes ecasd_aid = aid::ecasd();
  Version svn{2, 5, 0};               // SGP.22 version (ISD-R SELECT E0/82, EUICCInfo1/2)
  Version profile_version{2, 3, 1};   // TCA profile package version (EUICCInfo2)
  Version firmware_version{0, 1, 0};  // euiccFirmwareVer
  std::optional<Version> ts102241_version{Version{9, 2, 0}};
  std::optional<Version> globalplatform_version{Version{2, 3, 1}};
  Version pp_version{0, 0, 0};           // protection profile version (none certified)
  std::string sas_accreditation_number;  // empty: not SAS accredited
  // UICCCapability bits (TCA PE v3.3.1 numbering) as a mask: bit n = 1u << n. By default what
  // the installer implements: usim, isim, csim, milenage, tuak128, tuak256, usimTestAlgorithm,
  // javacard (applications as metadata), multiple usim/isim, berTlvFile, dfLink.
  std::uint32_t uicc_capability = (1u << 1) | (1u << 2) | (1u << 3) | (1u << 4) | (1u << 6) |
                                  (1u << 7) | (1u << 8) | (1u << 14) | (1u << 16) | (1u << 17) |
                                  (1u << 19) | (1u << 20);
  // RspCapability bits (SGP.22 v2.5) as a mask: bit n = 1u << n. By default
  // additionalProfile and testProfileSupport.
  std::uint32_t rsp_capability = (1u << 0) | (1u << 3);
  // other 0, basicEuicc 1, mediumEuicc 2, contactlessEuicc 3
  std::optional<std::uint8_t> euicc_category{1};
  std::optional<std::uint8_t> forbidden_pprs;  // PprIds mask the card refuses at download
  // Non-volatile memory the card offers to profiles, bytes; free memory in EUICCInfo2 is this
  // less what installed profiles occupy.
  std::uint64_t memory_capacity = 2 * 1024 * 1024;
  std::uint64_t volatile_memory = 16 * 1024;  // free RAM reported in extCardResource
  std::vector<RatRule> rat;
  std::set<std::string> quirks;
  // An IoT card made with an IPAe: ipaeSupported in E1, IpaeActivation answers ok.
  std::optional<IpaeConfig> ipae;
  // The ATR offers T=1 besides T=0 (`card new --protocols t0,t1`). Off by default, as on real
  // eUICCs: when both are offered, the first PC/SC client that allows both makes pcscd settle
  // on T=1 until the next reset, and every T=0-only client (lpac, pySim) is then refused.
  bool offers_t1 = false;
  bool has_quirk(const char* name) const { return quirks.count(name) != 0; }
  friend bool operator==(const CardConfig&, const CardConfig&) = default;
};

// The ECASD's content: who the card is and whom it trusts. The private key never leaves the
// card image (SecureBytes; `card show` and traces never print it).
struct CardIdentity {
  SecureBytes euicc_private_key;  // PKCS#8 DER
  Bytes euicc_certificate;        // DER, subject serialNumber = EID
  Bytes eum_certificate;          // DER
  // Trusted CI certificates (DER). Their subject key identifiers are the PKIDs of
  // EUICCInfo1/2 for verification; the CI that issued the EUM is the one for signing.
  std::vector<Bytes> ci_certificates;
  bool empty() const { return euicc_certificate.empty(); }
  friend bool operator==(const CardIdentity&, const CardIdentity&) = default;
};

// SGP.22 NotificationEvent bit numbers.
enum class NotificationEvent : std::uint8_t {
  kInstall = 0,
  kEnable = 1,
  kDisable = 2,
  kDelete = 3
};
const char* notification_event_name(NotificationEvent e);

struct NotificationConfig {
  NotificationEvent event = NotificationEvent::kInstall;
  std::string address;  // FQDN the notification goes to
  friend bool operator==(const NotificationConfig&, const NotificationConfig&) = default;
};

enum class ProfileClass : std::uint8_t { kTest = 0, kProvisioning = 1, kOperational = 2 };
const char* profile_class_name(ProfileClass c);
std::optional<ProfileClass> parse_profile_class(std::string_view name);

// PprIds mask bits.
inline constexpr std::uint8_t kPprUpdateControl = 1 << 0;
inline constexpr std::uint8_t kPpr1 = 1 << 1;  // disabling not allowed
inline constexpr std::uint8_t kPpr2 = 1 << 2;  // deletion not allowed

// The profile metadata (SGP.22 StoreMetadata, ProfileInfo) the ISD-P keeps for its profile.
struct ProfileMetadata {
  std::optional<std::string> nickname;  // set by the end user (SetNickname)
  std::string service_provider_name;
  std::string profile_name;
  std::optional<std::uint8_t> icon_type;  // jpg 0, png 1
  Bytes icon;
  ProfileClass profile_class = ProfileClass::kOperational;
  std::vector<NotificationConfig> notification_config;
  std::optional<OperatorId> profile_owner;
  Bytes dp_proprietary_data;         // DER of DpProprietaryData, empty if none
  std::optional<std::uint8_t> pprs;  // PprIds mask, absent if none were set
  Bytes service_specific_data;       // DER of VendorSpecificExtension, empty if none
  friend bool operator==(const ProfileMetadata&, const ProfileMetadata&) = default;
};

// An ISD-P and the profile installed in it.
struct ProfileSlot {
  Bytes isdp_aid;
  bool enabled = false;
  profiles::InstalledProfile profile;
  ProfileMetadata metadata;
  // Installed at the factory (`card new --preload`) rather than downloaded in the field:
  // eUICCMemoryReset's deleteFieldLoadedTestProfiles spares it.
  bool preloaded = false;
  // SGP.32: this is the Fallback Profile (setFallbackAttribute); at most one profile has it.
  bool fallback_attribute = false;
  // SGP.32 StoreMetadata fallbackAllowed / ecallIndication, when the profile gave them.
  std::optional<bool> fallback_allowed;
  bool ecall_indication = false;  // the Emergency Profile
  const Iccid& iccid() const { return profile.iccid; }
  friend bool operator==(const ProfileSlot&, const ProfileSlot&) = default;
};

// A notification waiting for the LPA: its metadata for ListNotification and its signed
// PendingNotification DER (OtherSignedNotification, or the BF37 installation result) as
// RetrieveNotificationsList returns it, signed when the event happened.
struct PendingNotification {
  std::uint64_t seq_number = 0;
  NotificationEvent event = NotificationEvent::kInstall;
  std::string address;
  Bytes iccid;  // 10 bytes as EF.ICCID holds it; empty if the notification has none
  Bytes der;
  // What it occupies of the card's memory (CardState::occupied_memory).
  std::size_t stored_size() const { return der.size() + address.size() + iccid.size(); }
  friend bool operator==(const PendingNotification&, const PendingNotification&) = default;
};

// An eIM's public key data (SGP.32 EimPublicKeyData / TrustedPublicKeyDataTls): a bare key or a
// certificate, kept as X.509 DER (a SubjectPublicKeyInfo or a Certificate, starting '30').
struct EimKeyData {
  enum class Kind : std::uint8_t { kPublicKey = 0, kCertificate = 1 };
  Kind kind = Kind::kPublicKey;
  Bytes der;
  friend bool operator==(const EimKeyData&, const EimKeyData&) = default;
};

// SGP.32 EimIdType.
inline constexpr std::uint8_t kEimIdTypeOid = 1;
inline constexpr std::uint8_t kEimIdTypeFqdn = 2;
inline constexpr std::uint8_t kEimIdTypeProprietary = 3;

// What the eUICC keeps for one associated eIM (SGP.32 v1.2 EimConfigurationData, §2.11.1.1.1).
struct EimConfig {
  std::string eim_id;                              // 1..128 bytes of UTF-8
  std::optional<std::string> fqdn;                 // eimFqdn
  std::optional<std::uint8_t> id_type;             // kEimIdType*
  std::uint64_t counter_value = 0;                 // the replay counter: the last value accepted
  std::optional<std::uint64_t> association_token;  // given by the eUICC, if asked for
  std::optional<EimKeyData> public_key;            // eimPublicKeyData: verifies eUICC packages
  std::optional<EimKeyData> tls_key;               // trustedPublicKeyDataTls
  // EimSupportedProtocol bits as a mask (bit n = 1u << n); absent if the eIM gave none.
  std::optional<std::uint32_t> supported_protocols;
  Bytes euicc_ci_pkid;  // euiccCiPKId, empty if none
  bool indirect_profile_download = false;
  friend bool operator==(const EimConfig&, const EimConfig&) = default;
};

// An EuiccPackageResult the eUICC signed (SGP.32 v1.2 §2.11.2.1), kept until the IPA removes
// it (RemoveNotificationFromList with its sequence number, which notifications share).
struct StoredPackageResult {
  std::uint64_t seq_number = 0;
  std::string eim_id;
  Bytes der;  // the whole 'BF51' EuiccPackageResult
  std::size_t stored_size() const { return der.size() + eim_id.size(); }
  friend bool operator==(const StoredPackageResult&, const StoredPackageResult&) = default;
};

// The enable PSMO with rollbackFlag that ProfileRollback (BF58) can undo: the profile it
// enabled, the one it displaced (none if no profile was enabled) and the package it came in.
struct RollbackContext {
  Bytes enabled_aid;
  std::optional<Bytes> previous_aid;
  std::string eim_id;
  std::uint64_t counter_value = 0;
  Bytes transaction_id;  // empty if the package had none
  friend bool operator==(const RollbackContext&, const RollbackContext&) = default;
};

// ConfigureImmediateProfileEnabling (BF59) / the configureImmediateEnable PSMO.
struct ImmediateEnableConfig {
  bool immediate_enable = false;
  Bytes default_smdp_oid;  // OBJECT IDENTIFIER content octets, empty if none
  std::optional<std::string> default_smdp_address;
  friend bool operator==(const ImmediateEnableConfig&, const ImmediateEnableConfig&) = default;
};

// SGP.32 IpaMode.
inline constexpr std::uint8_t kIpaModeIpad = 0;
inline constexpr std::uint8_t kIpaModeIpae = 1;

// What the IPAe keeps across power loss (docs/ipae.md, "What is persisted"): its schedule,
// the eIM package it is working on, what each eIM last learned of the card, and the terminal's
// IoT device capabilities. Times are Unix milliseconds of the IPAe's Clock.
struct IpaeState {
  std::int64_t next_poll_ms = 0;    // 0: at the next chance (start-up, trigger)
  std::int64_t last_cycle_ms = 0;   // when the last cycle ended
  std::uint32_t failed_cycles = 0;  // consecutive; sets the back-off
  std::uint64_t cycles = 0;         // cycles ended, ok or not
  std::uint64_t packages = 0;       // eIM packages carried out
  std::string last_error;           // one line; empty after a good cycle

  // What an eIM last learned of the card's profiles (after a cycle with it ended well): the
  // enabled ICCID (empty: none) and a digest of the profile list. A difference found when
  // the next cycle starts is announced with notifyStateChange and `cause`.
  struct EimView {
    std::string eim_id;
    Bytes enabled_iccid;
    Bytes profiles_digest;
    std::optional<std::uint8_t> cause;  // StateChangeCause the IPAe knows for a change
    friend bool operator==(const EimView&, const EimView&) = default;
  };
  std::vector<EimView> eim_views;

  // The eIM package taken from an eIM whose outcome that eIM has not yet acknowledged.
  struct InFlight {
    enum class Kind : std::uint8_t { kEuiccPackage = 1, kIpaEuiccData = 2, kDownload = 3 };
    Kind kind = Kind::kEuiccPackage;
    std::string eim_id;
    Bytes eim_transaction_id;  // empty if the package had none
    // A download's progress (docs/ipae.md): 0 triggered, 1 SM-DP+ session open, 2 the
    // profile installed (or refused), 3 delivered where it goes.
    std::uint8_t step = 0;
    Bytes package;          // the ProfileDownloadTriggerRequest (BF54 ...) of a download
    bool indirect = false;  // a download relayed by the eIM (else direct, over ES9+)
    Bytes smdp_transaction_id;
    // The answer for the eIM once it exists (the eimPackageResult of a ProvideEimPackageResult:
    // BF52 ..., BF54 ...), re-sent unchanged until the eIM takes it.
    Bytes result;
    std::uint32_t attempts = 0;  // failed deliveries
    friend bool operator==(const InFlight&, const InFlight&) = default;
  };
  std::optional<InFlight> in_flight;

  // An enable with rollbackFlag carried out for `eim_id`, whose result (`seq_number`) the eIM
  // has not acknowledged yet; `failures` failed attempts to reach it so far.
  struct RollbackWatch {
    std::string eim_id;
    std::uint64_t seq_number = 0;
    std::uint32_t failures = 0;
    friend bool operator==(const RollbackWatch&, const RollbackWatch&) = default;
  };
  std::optional<RollbackWatch> rollback_watch;

  // TERMINAL CAPABILITY tag '84' ("eUICC-related IoT Device Capabilities", SGP.32 §3.8.2) as
  // last received; byte 1 bit 1 = the device has an IPAd.
  std::optional<Bytes> iot_device_capabilities;
  friend bool operator==(const IpaeState&, const IpaeState&) = default;
};

// How many eIMs a card can hold (insufficientMemory beyond), and the highest initial counter
// value it accepts (counterValueOutOfRange beyond): euicc-sim's own bounds.
inline constexpr std::size_t kMaxEims = 8;
inline constexpr std::uint64_t kMaxEimCounterValue = 0x7FFFFFFF;

// How many notifications and signed eUICC package results a card keeps until they are removed
// (euicc-sim's own bounds). Each also occupies the memory it takes, out of the memory for
// profiles, so free memory in EUICCInfo2 shrinks with them. A function that would add one to a
// full store answers with its memory error (docs/es10.md, "Memory"): nothing is dropped to make
// room.
inline constexpr std::size_t kMaxNotifications = 64;
inline constexpr std::size_t kMaxPackageResults = 32;

struct CardState {
  explicit CardState(Eid e) : eid(std::move(e)) {}
  Eid eid;
  CardConfig config;
  CardIdentity identity;
  std::vector<ProfileSlot> profiles;

  // ES10a configured addresses.
  std::string default_dp_address;  // empty: none configured
  std::string root_ds_address = "lpa.ds.gsma.com";

  // The profile a Test Profile's enabling displaced: disabling that Test Profile (or a memory
  // reset deleting it) enables this one again (SGP.21 TPRO10).
  std::optional<Bytes> test_fallback_aid;

  std::vector<PendingNotification> notifications;
  // The last sequence number given to a notification: only ever increases, and survives the
  // removal of every notification (and a memory reset).
  std::uint64_t last_seq_number = 0;

  // SGP.32: the associated eIMs, in the order they were added, and the last association token
  // given (tokens are never reused, even after the eIM that held one goes).
  std::vector<EimConfig> eims;
  std::uint64_t last_association_token = 0;
  const EimConfig* find_eim(std::string_view eim_id) const;
  EimConfig* find_eim(std::string_view eim_id);

  // SGP.32: signed package results not yet removed, oldest first.
  std::vector<StoredPackageResult> package_results;
  // The last enable with rollbackFlag, while ProfileRollback may still undo it.
  std::optional<RollbackContext> rollback;
  // What ConfigureImmediateProfileEnabling set; absent if never configured (or reset).
  std::optional<ImmediateEnableConfig> immediate_enable;
  // While the Fallback Mechanism (BF5D) is in force: the profile that was enabled before it,
  // which ReturnFromFallback (BF5E) enables again.
  std::optional<Bytes> fallback_return_aid;
  // While the Emergency Profile (BF5B) is enabled: the profile that was enabled before it.
  std::optional<Bytes> emergency_return_aid;
  // IpaeActivation (BF42): which IPA is active (kIpaMode*), reported as EUICCInfo2 ipaMode.
  std::uint8_t ipa_mode = kIpaModeIpad;
  // The IPAe's own state (cards made with an IPAe; empty otherwise).
  IpaeState ipae;
  // Whether the card's IPAe is active: it exists and IpaeActivation selected it.
  bool ipae_active() const { return config.ipae.has_value() && ipa_mode == kIpaModeIpae; }

  // The AID for a new ISD-P: A0000005591010FFFFFFFF89 00 0010 00 onwards, never reused while
  // the card holds the previous one.
  Bytes next_isdp_aid() const;
  // Adds `profile` in a new ISD-P and returns that AID.
  Bytes add_profile(profiles::InstalledProfile profile, bool enabled);
  ProfileSlot* find_by_aid(ByteView aid);
  ProfileSlot* find_by_iccid(ByteView iccid_bcd);  // 10 bytes as in EF.ICCID / ES10
  ProfileSlot* enabled_profile();
  const ProfileSlot* enabled_profile() const;
  // Installed profiles, notifications and package results, in bytes.
  std::uint64_t occupied_memory() const;
  std::uint64_t free_memory() const;
  // Is there room for one more notification / package result of `bytes` (count and memory)?
  bool can_keep_notification(std::size_t bytes) const;
  bool can_keep_package_result(std::size_t bytes) const;
  friend bool operator==(const CardState&, const CardState&) = default;
};

}  // namespace euiccsim
