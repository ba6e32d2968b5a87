// Direct Profile Download (SGP.32 v1.2 §3.2.3.1): the IPAe takes the LPA's part of SGP.22
// itself, over ES9+'s HTTPS/JSON binding (SGP.22 v2.5 §6.5) to the SM-DP+ of the trigger's
// activation code, as `euicc-sim lpa download` does from outside the card:
//
//  1. GetEUICCInfo1, GetEUICCChallenge; ES9+ initiateAuthentication;
//  2. ES10b AuthenticateServer; ES9+ authenticateClient;
//  3. ES10b PrepareDownload; ES9+ getBoundProfilePackage;
//  4. ES10b LoadBoundProfilePackage piece by piece; ImmediateEnable;
//  5. ES9+ handleNotification with the installation result (then RemoveNotificationFromList),
//     and ProvideEimPackageResult { BF54 ProfileDownloadTriggerResult { 82, BF37 } } to the
//     eIM, the eIM having been bypassed.
// The SM-DP+'s TLS certificate must chain to one of the card's CIs (SGP.22 §2.6.6) or a
// configured CA. A function that ends "Failed", or no answer, is reported to the eIM as
// profileDownloadError undefinedError(127) with the SM-DP+'s body as errorResponse; after
// AuthenticateServer the card's signed CancelSession goes to the SM-DP+ first (best effort).
// A confirmation code cannot be given: the IPAe has no user.
#include <botan/base64.h>

#include <nlohmann/json.hpp>

#include "euiccsim/crypto/tlv.hpp"
#include "ipae_impl.hpp"

namespace euiccsim::applets::ipae {

namespace {
constexpr long kUndefinedError = 127;
constexpr long kUndefinedReason = 127;
constexpr long kLoadBppExecutionError = 5;

std::string b64(ByteView b) {
  return Botan::base64_encode(b.data(), b.size());
}

// The function's JSON answer if it says Executed-Success, else the reason in `why`.
std::optional<nlohmann::json> success(const Reply& r, const std::string& function,
                                      std::string& why) {
  if (!r.ok) {
    why = r.error;
    return std::nullopt;
  }
  auto j = nlohmann::json::parse(r.body.begin(), r.body.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    why = "ES9+ " + function + ": the answer is not a JSON object";
    return std::nullopt;
  }
  const auto* status = j.contains("header") && j["header"].is_object() &&
                               j["header"].contains("functionExecutionStatus")
                           ? &j["header"]["functionExecutionStatus"]
                           : nullptr;
  if (status == nullptr || !status->is_object() || !status->contains("status") ||
      !(*status)["status"].is_string()) {
    why = "ES9+ " + function + ": no functionExecutionStatus in the answer";
    return std::nullopt;
  }
  if ((*status)["status"] != "Executed-Success") {
    std::string codes;
    if (status->contains("statusCodeData") && (*status)["statusCodeData"].is_object()) {
      const auto& d = (*status)["statusCodeData"];
      auto text = [&](const char* k) {
        return d.contains(k) && d[k].is_string() ? d[k].get<std::string>() : std::string("?");
      };
      codes = " (" + text("subjectCode") + "/" + text("reasonCode") + ")";
    }
    why = "ES9+ " + function + ": " + (*status)["status"].get<std::string>() + codes;
    return std::nullopt;
  }
  return j;
}

// A base64 DER field of an ES9+ answer.
std::optional<Bytes> b64_field(const nlohmann::json& j, const char* name) {
  if (!j.contains(name) || !j[name].is_string()) return std::nullopt;
  try {
    auto v = Botan::base64_decode(j[name].get<std::string>());
    return Bytes(v.begin(), v.end());
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::optional<Bytes> hex_field(const nlohmann::json& j, const char* name) {
  if (!j.contains(name) || !j[name].is_string()) return std::nullopt;
  try {
    return from_hex(j[name].get<std::string>());
  } catch (const std::exception&) {
    return std::nullopt;
  }
}
}  // namespace

void Ipae::Impl::direct_initiate_authentication() {
  auto& d = *download;
  auto hp = esipa::host_port(d.smdp_address, 443);
  if (!hp) {
    download_failed("SM-DP+ address '" + d.smdp_address + "' is not host[:port]", kUndefinedError,
                    {});
    return;
  }
  const Bytes info1 = es10(Bytes{0xBF, 0x20, 0x00});
  const Bytes challenge_rsp = es10(Bytes{0xBF, 0x2E, 0x00});
  auto cb = esipa::value_of(challenge_rsp, 0xBF2E);
  auto challenge = cb ? esipa::child(*cb, 0x80) : std::nullopt;
  if (!challenge) throw CardFault("GetEUICCChallenge answered no challenge");
  nlohmann::json req = {{"euiccChallenge", b64(*challenge)},
                        {"euiccInfo1", b64(info1)},
                        {"smdpAddress", d.smdp_address}};
  send_es9(hp->first, hp->second, "initiateAuthentication", req.dump(), [this](Reply r) {
    auto& d = *download;
    std::string why;
    auto j = success(r, "initiateAuthentication", why);
    if (!j) {
      download_failed(why, kUndefinedError, r.body);
      return;
    }
    auto tid = hex_field(*j, "transactionId");
    auto signed1 = b64_field(*j, "serverSigned1");
    auto sig = b64_field(*j, "serverSignature1");
    auto pkid = b64_field(*j, "euiccCiPKIdToBeUsed");
    auto cert = b64_field(*j, "serverCertificate");
    if (!tid || !signed1 || !sig || !pkid || !cert) {
      download_failed("ES9+ initiateAuthentication: a field is missing or malformed",
                      kUndefinedError, r.body);
      return;
    }
    d.transaction_id = *tid;
    d.server_signed1 = *signed1;
    d.server_signature1 = *sig;
    d.ci_pkid = *pkid;
    d.server_certificate = *cert;
    save([&](IpaeState& s) {
      if (!s.in_flight) return;
      s.in_flight->step = 1;
      s.in_flight->smdp_transaction_id = d.transaction_id;
    });
    d.authenticate_server_response = es10(authenticate_server_request());
    direct_authenticate_client();
  });
}

void Ipae::Impl::direct_authenticate_client() {
  auto& d = *download;
  auto hp = esipa::host_port(d.smdp_address, 443);
  auto ab = esipa::value_of(d.authenticate_server_response, 0xBF38);
  const bool card_ok = ab && esipa::child(*ab, 0xA0).has_value();
  nlohmann::json req = {{"transactionId", to_hex(d.transaction_id)},
                        {"authenticateServerResponse", b64(d.authenticate_server_response)}};
  send_es9(hp->first, hp->second, "authenticateClient", req.dump(), [this, card_ok](Reply r) {
    auto& d = *download;
    if (!card_ok) {
      download_failed("the card refused AuthenticateServer", kUndefinedError,
                      d.authenticate_server_response);
      return;
    }
    std::string why;
    auto j = success(r, "authenticateClient", why);
    if (!j) {
      download_failed(why, kUndefinedError, r.body);
      return;
    }
    auto signed2 = b64_field(*j, "smdpSigned2");
    auto sig = b64_field(*j, "smdpSignature2");
    auto cert = b64_field(*j, "smdpCertificate");
    if (!signed2 || !sig || !cert) {
      download_failed("ES9+ authenticateClient: a field is missing or malformed", kUndefinedError,
                      r.body);
      return;
    }
    Bytes prep;
    if (!prepare_download_request(prep, *signed2, *sig, *cert)) {
      // ES10b CancelSession, its signed answer to the SM-DP+ (ES9+ cancelSession).
      Bytes c;
      tlv::append(c, 0x80, d.transaction_id);
      tlv::append(c, 0x81, tlv::der_integer(kUndefinedReason));
      const Bytes answer = es10(tlv::encode(0xBF41, c));
      auto hp = esipa::host_port(d.smdp_address, 443);
      nlohmann::json cancel = {{"transactionId", to_hex(d.transaction_id)},
                               {"cancelSessionResponse", b64(answer)}};
      send_es9(hp->first, hp->second, "cancelSession", cancel.dump(), [this](Reply) {
        download_failed("the SM-DP+ wants a confirmation code, which an IPAe cannot give",
                        kUndefinedError, {});
      });
      return;
    }
    d.prepare_download_response = es10(prep);
    direct_get_bound_profile_package();
  });
}

void Ipae::Impl::direct_get_bound_profile_package() {
  auto& d = *download;
  auto hp = esipa::host_port(d.smdp_address, 443);
  auto pb = esipa::value_of(d.prepare_download_response, 0xBF21);
  const bool card_ok = pb && esipa::child(*pb, 0xA0).has_value();
  nlohmann::json req = {{"transactionId", to_hex(d.transaction_id)},
                        {"prepareDownloadResponse", b64(d.prepare_download_response)}};
  send_es9(hp->first, hp->second, "getBoundProfilePackage", req.dump(), [this, card_ok](Reply r) {
    auto& d = *download;
    if (!card_ok) {
      download_failed("the card refused PrepareDownload", kUndefinedError,
                      d.prepare_download_response);
      return;
    }
    std::string why;
    auto j = success(r, "getBoundProfilePackage", why);
    auto bpp = j ? b64_field(*j, "boundProfilePackage") : std::nullopt;
    if (!j || !bpp) {
      download_failed(j ? "ES9+ getBoundProfilePackage: no boundProfilePackage" : why,
                      kUndefinedError, r.body);
      return;
    }
    d.segments = bpp_segments(*bpp);
    if (d.segments.empty()) {
      Bytes c;
      tlv::append(c, 0x80, d.transaction_id);
      tlv::append(c, 0x81, tlv::der_integer(kLoadBppExecutionError));
      const Bytes answer = es10(tlv::encode(0xBF41, c));
      auto hp = esipa::host_port(d.smdp_address, 443);
      nlohmann::json cancel = {{"transactionId", to_hex(d.transaction_id)},
                               {"cancelSessionResponse", b64(answer)}};
      send_es9(hp->first, hp->second, "cancelSession", cancel.dump(), [this](Reply) {
        download_failed("the Bound Profile Package is not SGP.22's structure", kUndefinedError, {});
      });
      return;
    }
    d.next_segment = 0;
    load_next_segment();
  });
}

void Ipae::Impl::direct_handle_notification() {
  auto& d = *download;
  auto hp = esipa::host_port(d.smdp_address, 443);
  auto report_to_eim = [this]() {
    const auto in = card.view().state.in_flight;
    const Bytes result = in ? in->result : Bytes{};
    save([](IpaeState& s) {
      if (s.in_flight) s.in_flight->step = 3;
    });
    provide_result(result, {}, [this](std::vector<std::uint64_t>) { finish_download(); });
  };
  if (!hp) {
    report_to_eim();
    return;
  }
  nlohmann::json req = {{"pendingNotification", b64(d.pir)}};
  send_es9(hp->first, hp->second, "handleNotification", req.dump(), [this, report_to_eim](Reply r) {
    if (r.ok) {
      if (auto seq = esipa::seq_number_of(download->pir)) remove_notifications({*seq});
    } else {
      // It stays on the card; the eIM receives it with the other notifications.
      note("the installation result stays on the card: " + r.error);
    }
    report_to_eim();
  });
}

}  // namespace euiccsim::applets::ipae
