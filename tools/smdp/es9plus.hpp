// ES9+ (SGP.22 v2.5 §5.6): the messages between an LPA and an SM-DP+, with the DER pieces
// the JSON binding carries base64-encoded (§6.5). Transport-free: the test SM-DP+ answers
// them in process (tests, benchmark) or over HTTPS (`euicc-sim smdp serve`).
#pragma once

#include <stdexcept>
#include <string>

#include "euiccsim/crypto/bytes.hpp"

namespace euiccsim::smdp {

// initiateAuthentication (§5.6.1)
struct InitiateAuthenticationRequest {
  Bytes euicc_challenge;  // 16 bytes, from GetEUICCChallenge
  Bytes euicc_info1;      // EUICCInfo1 DER (BF20 ...)
  std::string smdp_address;
};
struct InitiateAuthenticationResponse {
  Bytes transaction_id;
  Bytes server_signed1;            // ServerSigned1 DER (30 ...)
  Bytes server_signature1;         // the whole 5F37 TLV
  Bytes euicc_ci_pkid_to_be_used;  // the whole 04 TLV
  Bytes server_certificate;        // DPauth certificate DER
};

// authenticateClient (§5.6.3)
struct AuthenticateClientRequest {
  Bytes transaction_id;
  Bytes authenticate_server_response;  // BF38 ... as the card answered
};
struct AuthenticateClientResponse {
  Bytes transaction_id;
  Bytes profile_metadata;  // StoreMetadataRequest DER (BF25 ...)
  Bytes smdp_signed2;      // SmdpSigned2 DER (30 ...)
  Bytes smdp_signature2;   // the whole 5F37 TLV
  Bytes smdp_certificate;  // DPpb certificate DER
};

// getBoundProfilePackage (§5.6.2)
struct GetBoundProfilePackageRequest {
  Bytes transaction_id;
  Bytes prepare_download_response;  // BF21 ... as the card answered
};
struct GetBoundProfilePackageResponse {
  Bytes transaction_id;
  Bytes bound_profile_package;  // BF36 ...
};

// handleNotification (§5.6.4): a PendingNotification (BF37 ... or 30 ... OtherSignedNotification).
struct HandleNotificationRequest {
  Bytes pending_notification;
};

// cancelSession (§5.6.5)
struct CancelSessionRequest {
  Bytes transaction_id;
  Bytes cancel_session_response;  // BF41 ... as the card answered
};

// An ES9+ function that ends in failure: FunctionExecutionStatus "Failed" with the
// subject and reason codes of SGP.22 §5.6 / §6.5.2 (e.g. "8.10.1" / "3.9" for an unknown
// transaction, "8.1.3" / "6.1" for an eUICC certificate that does not verify).
class Es9Error : public std::runtime_error {
 public:
  Es9Error(std::string subject_code, std::string reason_code, const std::string& message)
      : std::runtime_error(message),
        subject_code(std::move(subject_code)),
        reason_code(std::move(reason_code)) {}
  std::string subject_code;
  std::string reason_code;
};

// The five functions, as an LPA sees them (implemented in process by Server, over HTTPS by
// the LPA role's client).
class Es9Plus {
 public:
  virtual ~Es9Plus() = default;
  virtual InitiateAuthenticationResponse initiate_authentication(
      const InitiateAuthenticationRequest&) = 0;
  virtual AuthenticateClientResponse authenticate_client(const AuthenticateClientRequest&) = 0;
  virtual GetBoundProfilePackageResponse get_bound_profile_package(
      const GetBoundProfilePackageRequest&) = 0;
  virtual void handle_notification(const HandleNotificationRequest&) = 0;
  virtual void cancel_session(const CancelSessionRequest&) = 0;
};

}  // namespace euiccsim::smdp
