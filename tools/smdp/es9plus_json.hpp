// The HTTPS/JSON binding of ES9+ (SGP.22 v2.5 §6.5): each function is a POST to
// /gsma/rsp2/es9plus/<function> with a JSON body whose DER fields are base64 and whose
// transactionId is hex; every answer carries header.functionExecutionStatus ("Executed-Success"
// or "Failed" with statusCodeData), except handleNotification's, which is 204 No Content.
//
// Transport-free on both sides: `answer_es9plus` turns one request body into the reply of an
// Es9Plus (the SM-DP+ in process), `Es9PlusJsonClient` turns Es9Plus calls into POSTs through
// any function that carries them (HTTPS in the command, a direct call in tests), so the
// encoding is tested without sockets and the sockets without the encoding.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "es9plus.hpp"

namespace euiccsim::smdp {

inline constexpr const char* kEs9PlusPathPrefix = "/gsma/rsp2/es9plus/";
// The version lpac and osmo-smdpp announce (X-Admin-Protocol).
inline constexpr const char* kAdminProtocol = "gsma/rsp/v2.2.0";

struct HttpReply {
  int status = 200;
  std::string body;  // JSON; empty for 204
};

// The reply to POST kEs9PlusPathPrefix + `function` with `body`. Unknown function: 404.
// A body that is not a JSON object, misses a field or carries one that is not base64/hex:
// 200 with a Failed header (osmo-smdpp's codes: 1.3.1 / 2.2 for a missing element, 1.3.1 /
// 2.1 for an invalid one), as SGP.22 answers every request that reached a function.
// Es9Error from `server` becomes its subject/reason codes; any other exception 500.
HttpReply answer_es9plus(Es9Plus& server, std::string_view function, std::string_view body);

// What a client reports when the server answered, but not with success: the HTTP status and
// body, or a Failed header (then thrown as Es9Error).
using Es9Post = std::function<HttpReply(const std::string& path, const std::string& body)>;

class Es9PlusJsonClient final : public Es9Plus {
 public:
  explicit Es9PlusJsonClient(Es9Post post) : post_(std::move(post)) {}

  InitiateAuthenticationResponse initiate_authentication(
      const InitiateAuthenticationRequest&) override;
  AuthenticateClientResponse authenticate_client(const AuthenticateClientRequest&) override;
  GetBoundProfilePackageResponse get_bound_profile_package(
      const GetBoundProfilePackageRequest&) override;
  void handle_notification(const HandleNotificationRequest&) override;
  void cancel_session(const CancelSessionRequest&) override;

 private:
  Es9Post post_;
};

std::string base64_encode(ByteView bytes);
// std::invalid_argument when `text` is not base64.
Bytes base64_decode(std::string_view text);

}  // namespace euiccsim::smdp
