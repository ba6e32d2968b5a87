#include "es9plus_json.hpp"

#include <botan/base64.h>

#include <stdexcept>

#include "euiccsim/simulator/json.hpp"

namespace euiccsim::smdp {

namespace {

using json::Value;

const char* const kMissing = "2.2";
const char* const kInvalid = "2.1";

std::string success_header_body(Value fields) {
  auto status = Value::object();
  status["status"] = "Executed-Success";
  auto header = Value::object();
  header["functionExecutionStatus"] = std::move(status);
  auto body = Value::object();
  body["header"] = std::move(header);
  if (fields.is_object()) {
    for (const auto& [k, v] : fields.items()) body[k] = v;
  }
  return json::dump(body);
}

std::string failed_body(const std::string& subject, const std::string& reason,
                        const std::string& message) {
  auto data = Value::object();
  data["subjectCode"] = subject;
  data["reasonCode"] = reason;
  data["message"] = message;
  auto status = Value::object();
  status["status"] = "Failed";
  status["statusCodeData"] = std::move(data);
  auto header = Value::object();
  header["functionExecutionStatus"] = std::move(status);
  auto body = Value::object();
  body["header"] = std::move(header);
  return json::dump(body);
}

// A request field the function needs; Es9Error 1.3.1 (subject: the request's elements).
const std::string& field(const Value& body, const char* name) {
  const Value* v = json::member(body, name);
  if (v == nullptr) throw Es9Error("1.3.1", kMissing, std::string("missing element ") + name);
  const std::string* s = json::string_of(v);
  if (s == nullptr) throw Es9Error("1.3.1", kInvalid, std::string(name) + " is not a string");
  return *s;
}

Bytes b64_field(const Value& body, const char* name) {
  try {
    return base64_decode(field(body, name));
  } catch (const std::invalid_argument&) {
    throw Es9Error("1.3.1", kInvalid, std::string(name) + " is not base64");
  }
}

Bytes hex_field(const Value& body, const char* name) {
  try {
    return from_hex(field(body, name));
  } catch (const HexError&) {
    throw Es9Error("1.3.1", kInvalid, std::string(name) + " is not hex");
  }
}

Value parse_object(std::string_view text, const char* what) {
  auto v = json::parse(text);
  if (!v || !v->is_object())
    throw Es9Error("1.3.1", kInvalid, std::string(what) + " is not a JSON object");
  return *v;
}

}  // namespace

std::string base64_encode(ByteView bytes) {
  return Botan::base64_encode(bytes.data(), bytes.size());
}

Bytes base64_decode(std::string_view text) {
  try {
    auto v = Botan::base64_decode(text.data(), text.size(), false);
    return Bytes(v.begin(), v.end());
  } catch (const std::exception& e) {
    throw std::invalid_argument(e.what());
  }
}

HttpReply answer_es9plus(Es9Plus& server, std::string_view function, std::string_view body) {
  const std::string name(function);
  if (name != "initiateAuthentication" && name != "authenticateClient" &&
      name != "getBoundProfilePackage" && name != "handleNotification" && name != "cancelSession")
    return {404, failed_body("1.2", "2.1", "no ES9+ function '" + name + "'")};
  try {
    const Value req = parse_object(body, "the request body");
    auto out = Value::object();
    if (name == "initiateAuthentication") {
      InitiateAuthenticationRequest r{b64_field(req, "euiccChallenge"),
                                      b64_field(req, "euiccInfo1"), field(req, "smdpAddress")};
      auto a = server.initiate_authentication(r);
      out["transactionId"] = to_hex(a.transaction_id);
      out["serverSigned1"] = base64_encode(a.server_signed1);
      out["serverSignature1"] = base64_encode(a.server_signature1);
      out["euiccCiPKIdToBeUsed"] = base64_encode(a.euicc_ci_pkid_to_be_used);
      out["serverCertificate"] = base64_encode(a.server_certificate);
    } else if (name == "authenticateClient") {
      AuthenticateClientRequest r{hex_field(req, "transactionId"),
                                  b64_field(req, "authenticateServerResponse")};
      auto a = server.authenticate_client(r);
      out["transactionId"] = to_hex(a.transaction_id);
      out["profileMetadata"] = base64_encode(a.profile_metadata);
      out["smdpSigned2"] = base64_encode(a.smdp_signed2);
      out["smdpSignature2"] = base64_encode(a.smdp_signature2);
      out["smdpCertificate"] = base64_encode(a.smdp_certificate);
    } else if (name == "getBoundProfilePackage") {
      GetBoundProfilePackageRequest r{hex_field(req, "transactionId"),
                                      b64_field(req, "prepareDownloadResponse")};
      auto a = server.get_bound_profile_package(r);
      out["transactionId"] = to_hex(a.transaction_id);
      out["boundProfilePackage"] = base64_encode(a.bound_profile_package);
    } else if (name == "handleNotification") {
      // SGP.22 §6.3: 204 whatever the server thinks of the notification.
      try {
        server.handle_notification({b64_field(req, "pendingNotification")});
      } catch (const Es9Error&) {
      }
      return {204, ""};
    } else {
      CancelSessionRequest r{hex_field(req, "transactionId"),
                             b64_field(req, "cancelSessionResponse")};
      server.cancel_session(r);
    }
    return {200, success_header_body(std::move(out))};
  } catch (const Es9Error& e) {
    return {200, failed_body(e.subject_code, e.reason_code, e.what())};
  } catch (const std::exception& e) {
    return {500, failed_body("8.1", "127", std::string("internal error: ") + e.what())};
  }
}

namespace {

// The answer's fields after a successful header; Es9Error for a Failed one, runtime_error for
// anything that is not an ES9+ answer.
Value call(const Es9Post& post, const char* function, const Value& request) {
  HttpReply reply = post(std::string(kEs9PlusPathPrefix) + function, json::dump(request));
  if (reply.status == 204 && reply.body.empty()) return Value::object();
  auto v = json::parse(reply.body);
  const Value* status = v ? json::member(*v, "header") : nullptr;
  status = json::member(status, "functionExecutionStatus");
  const std::string* s = json::string_of(json::member(status, "status"));
  if (s == nullptr)
    throw std::runtime_error(std::string(function) + ": HTTP " + std::to_string(reply.status) +
                             " without an ES9+ header" +
                             (reply.body.empty() ? "" : ": " + reply.body.substr(0, 200)));
  if (*s != "Executed-Success") {
    const Value* data = json::member(status, "statusCodeData");
    auto text = [&](const char* k) {
      const std::string* f = json::string_of(json::member(data, k));
      return f ? *f : std::string();
    };
    throw Es9Error(text("subjectCode"), text("reasonCode"),
                   std::string(function) + " failed (" + text("subjectCode") + "/" +
                       text("reasonCode") + "): " + text("message"));
  }
  if (reply.status != 200)
    throw std::runtime_error(std::string(function) + ": HTTP " + std::to_string(reply.status));
  return *v;
}

Bytes answer_b64(const Value& v, const char* function, const char* name) {
  const std::string* f = json::string_of(json::member(v, name));
  if (f == nullptr) throw std::runtime_error(std::string(function) + ": the answer has no " + name);
  try {
    return base64_decode(*f);
  } catch (const std::invalid_argument&) {
    throw std::runtime_error(std::string(function) + ": " + name + " is not base64");
  }
}

Bytes answer_hex(const Value& v, const char* function, const char* name) {
  const std::string* f = json::string_of(json::member(v, name));
  if (f == nullptr) throw std::runtime_error(std::string(function) + ": the answer has no " + name);
  try {
    return from_hex(*f);
  } catch (const HexError&) {
    throw std::runtime_error(std::string(function) + ": " + name + " is not hex");
  }
}

}  // namespace

InitiateAuthenticationResponse Es9PlusJsonClient::initiate_authentication(
    const InitiateAuthenticationRequest& r) {
  const char* fn = "initiateAuthentication";
  auto req = Value::object();
  req["smdpAddress"] = r.smdp_address;
  req["euiccChallenge"] = base64_encode(r.euicc_challenge);
  req["euiccInfo1"] = base64_encode(r.euicc_info1);
  Value a = call(post_, fn, req);
  return {answer_hex(a, fn, "transactionId"), answer_b64(a, fn, "serverSigned1"),
          answer_b64(a, fn, "serverSignature1"), answer_b64(a, fn, "euiccCiPKIdToBeUsed"),
          answer_b64(a, fn, "serverCertificate")};
}

AuthenticateClientResponse Es9PlusJsonClient::authenticate_client(
    const AuthenticateClientRequest& r) {
  const char* fn = "authenticateClient";
  auto req = Value::object();
  req["transactionId"] = to_hex(r.transaction_id);
  req["authenticateServerResponse"] = base64_encode(r.authenticate_server_response);
  Value a = call(post_, fn, req);
  return {answer_hex(a, fn, "transactionId"), answer_b64(a, fn, "profileMetadata"),
          answer_b64(a, fn, "smdpSigned2"), answer_b64(a, fn, "smdpSignature2"),
          answer_b64(a, fn, "smdpCertificate")};
}

GetBoundProfilePackageResponse Es9PlusJsonClient::get_bound_profile_package(
    const GetBoundProfilePackageRequest& r) {
  const char* fn = "getBoundProfilePackage";
  auto req = Value::object();
  req["transactionId"] = to_hex(r.transaction_id);
  req["prepareDownloadResponse"] = base64_encode(r.prepare_download_response);
  Value a = call(post_, fn, req);
  return {answer_hex(a, fn, "transactionId"), answer_b64(a, fn, "boundProfilePackage")};
}

void Es9PlusJsonClient::handle_notification(const HandleNotificationRequest& r) {
  auto req = Value::object();
  req["pendingNotification"] = base64_encode(r.pending_notification);
  call(post_, "handleNotification", req);
}

void Es9PlusJsonClient::cancel_session(const CancelSessionRequest& r) {
  auto req = Value::object();
  req["transactionId"] = to_hex(r.transaction_id);
  req["cancelSessionResponse"] = base64_encode(r.cancel_session_response);
  call(post_, "cancelSession", req);
}

}  // namespace euiccsim::smdp
