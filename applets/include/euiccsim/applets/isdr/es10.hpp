// ES10 functions, one file each under applets/isdr/es10{a,b,c}/, named after SGP.22 v2.5 §5.7.
//
// Every handler receives the whole reassembled STORE DATA chain (one DER request) and answers
// the whole DER response. ES10 errors are result codes inside the response (SGP.22 §5.7);
// status words are kept for what has no ASN.1 answer (a request that is not even one TLV of
// the function's tag, or a function without an error code whose request is malformed: 6A80).
#pragma once

#include <memory>
#include <optional>

#include "euiccsim/applets/applet.hpp"
#include "euiccsim/applets/ecasd.hpp"

namespace euiccsim::applets::isdr {

// A download under way (applets/isdr/download_session.hpp): from AuthenticateServer to the
// end of LoadBoundProfilePackage or CancelSession.
struct DownloadSession;

// The ISD-R's volatile state: gone on every reset, as on a real card, so a download
// interrupted by a power loss leaves no session behind.
struct Session {
  // The last GetEUICCChallenge answer, which AuthenticateServer must echo.
  std::optional<Bytes> euicc_challenge;
  // Shared only so this header needs no complete type; one owner, the ISD-R.
  std::shared_ptr<DownloadSession> download;
  // The eUICC key for the signatures of ES10b (euiccSignature1/2, the installation result).
  ecasd::KeyCache euicc_key;
  // The one-time key pair (otSK/otPK.EUICC.ECKA) of the last PrepareDownload whose profile has
  // not installed yet: a retry of that download names its otPK in bppEuiccOtpk (SGP.22 v2.5
  // §3.1.3.2) and gets it again, so the SM-DP+ can send the package it already bound to it.
  // Kept across download sessions (every AuthenticateServer starts a new one); dropped when a
  // profile installs, replaced by the next new pair, and gone on a reset.
  std::optional<crypto::PrivateKey> retained_otsk;
  // The ISD-P of the profile the last download installed since the card reset: what SGP.32's
  // ImmediateEnable (BF5A) may enable, once. Volatile, so a reset ends that chance.
  std::optional<Bytes> last_installed_aid;
};

struct Es10Call {
  AppletContext& ctx;
  Session& session;
};

using Handler = apdu::Response (*)(Es10Call& call, ByteView request);

}  // namespace euiccsim::applets::isdr

namespace euiccsim::applets::es10a {
// GetEuiccConfiguredAddresses BF3C, §5.7.3
apdu::Response get_euicc_configured_addresses(isdr::Es10Call&, ByteView);
// SetDefaultDpAddress BF3F, §5.7.4
apdu::Response set_default_dp_address(isdr::Es10Call&, ByteView);
// SetDefaultDpAddress BF65, SGP.32 v1.2 §5.9.25 (iot cards only).
apdu::Response iot_set_default_dp_address(isdr::Es10Call&, ByteView);
// Its work on bytes, for the setDefaultDpAddress PSMO too: `request` is one
// IotSetDefaultDpAddressRequest (BF65 { 80 address }); the answer is the DER of its
// IotSetDefaultDpAddressResponse (BF65 { 80 result }), undefinedError(127) if it does not
// decode. Throws asn1::EncodeError only on a bug.
Bytes set_default_dp_address_iot(AppletContext& ctx, ByteView request);
}  // namespace euiccsim::applets::es10a

namespace euiccsim::applets::es10b {
// GetEUICCInfo1 BF20 / GetEUICCInfo2 BF22, §5.7.8
apdu::Response get_euicc_info1(isdr::Es10Call&, ByteView);
apdu::Response get_euicc_info2(isdr::Es10Call&, ByteView);
// GetEUICCChallenge BF2E, §5.7.7
apdu::Response get_euicc_challenge(isdr::Es10Call&, ByteView);
// ListNotification BF28, §5.7.9
apdu::Response list_notification(isdr::Es10Call&, ByteView);
// RetrieveNotificationsList BF2B, §5.7.10
apdu::Response retrieve_notifications_list(isdr::Es10Call&, ByteView);
// RemoveNotificationFromList BF30, §5.7.11
apdu::Response remove_notification_from_list(isdr::Es10Call&, ByteView);
// GetRAT BF43, §5.7.22
apdu::Response get_rat(isdr::Es10Call&, ByteView);
// CancelSession BF41, §5.7.14
apdu::Response cancel_session(isdr::Es10Call&, ByteView);
// AuthenticateServer BF38, §5.7.13
apdu::Response authenticate_server(isdr::Es10Call&, ByteView);
// PrepareDownload BF21, §5.7.5
apdu::Response prepare_download(isdr::Es10Call&, ByteView);
// LoadBoundProfilePackage BF36, §5.7.6: one call per piece of the package (§2.5.5), the first
// starting with the BF36 header, the others continuing it (A0, A1, 88, A2, A3, 86 ...).
apdu::Response load_bound_profile_package(isdr::Es10Call&, ByteView);
// Whether `request` continues a Bound Profile Package under way rather than being a function
// of its own.
bool continues_bound_profile_package(const isdr::Session&, ByteView request);

// The card's EUICCInfo2 DER (BF22 ...), also signed into euiccSigned1 by AuthenticateServer.
// An iot card's is SGP.32's form (IotEUICCInfo2: ipaMode, iotSpecificInfo).
Bytes euicc_info2(const CardState& state);

// SGP.32 v1.2 ES10b, answered by iot cards only (docs/sgp32.md).
// GetEimConfigurationData BF55, §5.9.18
apdu::Response get_eim_configuration_data(isdr::Es10Call&, ByteView);
// GetCerts BF56, §5.9.10
apdu::Response get_certs(isdr::Es10Call&, ByteView);
// AddInitialEim BF57, §5.9.4
apdu::Response add_initial_eim(isdr::Es10Call&, ByteView);
// LoadEuiccPackage BF51, §5.9.1
apdu::Response load_euicc_package(isdr::Es10Call&, ByteView);
// ProfileRollback BF58, §5.9.16
apdu::Response profile_rollback(isdr::Es10Call&, ByteView);
// ConfigureImmediateProfileEnabling BF59, §5.9.17
apdu::Response configure_immediate_profile_enabling(isdr::Es10Call&, ByteView);
// ImmediateEnable BF5A, §5.9.15
apdu::Response immediate_enable(isdr::Es10Call&, ByteView);
// EnableEmergencyProfile BF5B, §5.9.22 / DisableEmergencyProfile BF5C, §5.9.23
apdu::Response enable_emergency_profile(isdr::Es10Call&, ByteView);
apdu::Response disable_emergency_profile(isdr::Es10Call&, ByteView);
// ExecuteFallbackMechanism BF5D, §5.9.20 / ReturnFromFallback BF5E, §5.9.21
apdu::Response execute_fallback_mechanism(isdr::Es10Call&, ByteView);
apdu::Response return_from_fallback(isdr::Es10Call&, ByteView);
// GetConnectivityParameters BF5F, §5.9.24
apdu::Response get_connectivity_parameters(isdr::Es10Call&, ByteView);
// IpaeActivation BF42, §3.8.4
apdu::Response ipae_activation(isdr::Es10Call&, ByteView);
}  // namespace euiccsim::applets::es10b

namespace euiccsim::applets::es10c {
// GetProfilesInfo BF2D, §5.7.15
apdu::Response get_profiles_info(isdr::Es10Call&, ByteView);
// EnableProfile BF31, §5.7.16
apdu::Response enable_profile(isdr::Es10Call&, ByteView);
// DisableProfile BF32, §5.7.17
apdu::Response disable_profile(isdr::Es10Call&, ByteView);
// DeleteProfile BF33, §5.7.18
apdu::Response delete_profile(isdr::Es10Call&, ByteView);
// eUICCMemoryReset BF34, §5.7.19
apdu::Response euicc_memory_reset(isdr::Es10Call&, ByteView);
// GetEID BF3E, §5.7.20
apdu::Response get_eid(isdr::Es10Call&, ByteView);
// SetNickname BF29, §5.7.21
apdu::Response set_nickname(isdr::Es10Call&, ByteView);
// eUICCMemoryReset BF64, SGP.32 v1.2 §5.9.5 (iot cards only; SGP.22's BF34 stays as it is)
apdu::Response iot_euicc_memory_reset(isdr::Es10Call&, ByteView);
}  // namespace euiccsim::applets::es10c
