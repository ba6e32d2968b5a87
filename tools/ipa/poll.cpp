#include "poll.hpp"

#include <algorithm>

#include "euiccsim/applets/eid.hpp"
#include "euiccsim/crypto/tlv.hpp"
#include "smdp/binder.hpp"

namespace euiccsim::ipa {

namespace {

Bytes cat(Bytes a, ByteView b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

Bytes whole(const tlv::Tlv& t) {
  return Bytes(t.bytes().begin(), t.bytes().end());
}

Bytes value_of(const tlv::Tlv& t) {
  return Bytes(t.value.begin(), t.value.end());
}

std::vector<tlv::Tlv> children(ByteView der) {
  auto top = tlv::read(der);
  if (!top) return {};
  auto all = tlv::read_all(top->value);
  return all ? *all : std::vector<tlv::Tlv>{};
}

std::optional<std::int64_t> integer(ByteView v) {
  if (v.empty() || v.size() > 8) return std::nullopt;
  std::int64_t n = (v[0] & 0x80) ? -1 : 0;
  for (auto b : v) n = (n << 8) | b;
  return n;
}

// The eIM's answer to one ESipa request; std::runtime_error for an HTTP failure.
Bytes exchange(const EsipaPost& post, const char* function, const Bytes& request) {
  EsipaReply r = post(request);
  if (r.http_status != 200)
    throw std::runtime_error(std::string("ESipa ") + function + ": HTTP " +
                             std::to_string(r.http_status));
  return r.body;
}

// RetrieveNotificationsList { searchCriteria } on the card: its 'A0' list (or 'A2' for
// package results), as a whole TLV; an empty list when the card answers something else.
Bytes notification_list(const lpa::Es10& card, const Bytes& request, std::uint32_t tag) {
  const Bytes answer = card(request);
  for (const auto& c : children(answer)) {
    if (c.tag == tag) return whole(c);
  }
  return tlv::encode(tag, {});
}

// The sequence numbers of an EimAcknowledgements answer (BF50 { BF53 { 80 n ... } }).
std::vector<std::int64_t> acknowledgements(ByteView answer) {
  std::vector<std::int64_t> out;
  for (const auto& c : children(answer)) {
    if (c.tag != 0xBF53) continue;
    auto seqs = tlv::read_all(c.value);
    if (!seqs) continue;
    for (const auto& s : *seqs) {
      if (auto n = integer(s.value); n && s.tag == 0x80) out.push_back(*n);
    }
  }
  return out;
}

struct Cycle {
  const lpa::Es10& card;
  const EsipaPost& eim;
  const PollOptions& o;
  Bytes eid_tlv;

  // ProvideEimPackageResult { 5A eid, result }, the acknowledged numbers removed from the card.
  void provide(PackageOutcome& out, const Bytes& result) {
    out.result = result;
    out.eim_answer =
        exchange(eim, "ProvideEimPackageResult", tlv::encode(0xBF50, cat(eid_tlv, result)));
    auto top = tlv::read(out.eim_answer);
    if (!top || top->tag != 0xBF50)
      throw std::runtime_error("ESipa ProvideEimPackageResult: the answer is not BF50");
    if (auto inner = tlv::read(top->value); inner && inner->tag == 0x02) {
      out.failed = "ProvideEimPackageResult answered error " +
                   std::to_string(integer(inner->value).value_or(-1));
      return;
    }
    out.acknowledged = acknowledgements(out.eim_answer);
    for (auto seq : out.acknowledged) {
      const Bytes answer =
          card(tlv::encode(0xBF30, tlv::encode(0x80, tlv::der_integer(seq))));  // BF30 { 80 seq }
      auto status = children(answer);
      if (!status.empty() && status[0].tag == 0x80 && integer(status[0].value) == 0)
        out.removed.push_back(seq);
    }
  }

  void euicc_package(PackageOutcome& out) {
    Bytes result;
    try {
      result = card(out.package);
    } catch (const std::exception& e) {
      out.summary = std::string("the card gave no EuiccPackageResult: ") + e.what();
    }
    auto top = tlv::read(result);
    if (!top || top->tag != 0xBF51) {
      // eimPackageResultResponseError { 80 eimTransactionId, 02 undefinedError }
      Bytes err;
      for (const auto& c :
           children(children(out.package).empty() ? Bytes{} : whole(children(out.package)[0]))) {
        if (c.tag == 0x82) err = tlv::encode(0x80, c.value);
      }
      err = cat(err, tlv::encode(0x02, tlv::der_integer(127)));
      if (out.summary.empty()) out.summary = "the card's answer is not an EuiccPackageResult";
      provide(out, tlv::encode(0xA0, err));
      return;
    }
    // ePRAndNotifications { BF51 result, A0 notifications } (SGP.32 §3.3.1 steps 9-10).
    const Bytes list = notification_list(card, Bytes{0xBF, 0x2B, 0x00}, 0xA0);
    provide(out, tlv::encode(0x30, cat(result, list)));
    out.summary = "EuiccPackageResult " + std::to_string(result.size()) + " bytes";
  }

  void euicc_data(PackageOutcome& out) {
    const auto req = children(out.package);
    Bytes tags, tx;
    for (const auto& c : req) {
      if (c.tag == 0x5C) tags = value_of(c);
      if (c.tag == 0x83) tx = value_of(c);
    }
    // The tag list as tags (one to three bytes each).
    std::vector<std::uint32_t> wanted;
    for (std::size_t i = 0; i < tags.size();) {
      std::uint32_t t = tags[i++];
      if ((t & 0x1F) == 0x1F) {
        while (i < tags.size()) {
          const std::uint8_t b = tags[i++];
          t = (t << 8) | b;
          if (!(b & 0x80)) break;
        }
      }
      wanted.push_back(t);
    }
    static const std::vector<std::uint32_t> members{0xA0, 0x81, 0xA2, 0xBF20, 0xBF22, 0x83,
                                                    0x84, 0xA5, 0xA6, 0xA8,   0xA9};
    auto has = [&](std::uint32_t t) {
      return std::find(wanted.begin(), wanted.end(), t) != wanted.end();
    };
    for (auto t : wanted) {
      if (std::find(members.begin(), members.end(), t) == members.end()) {
        // IpaEuiccDataResponseError { 80 eimTransactionId, 02 incorrectTagList(1) }
        Bytes err = tx.empty() ? Bytes{} : tlv::encode(0x80, tx);
        err = cat(err, tlv::encode(0x02, tlv::der_integer(1)));
        out.summary = "incorrectTagList";
        provide(out, tlv::encode(0xBF52, tlv::encode(0xA1, err)));
        return;
      }
    }
    Bytes data;
    Bytes addresses;
    if (has(0x81) || has(0x83)) addresses = card(Bytes{0xBF, 0x3C, 0x00});
    auto address = [&](std::uint32_t tag, std::uint32_t as) {
      for (const auto& c : children(addresses)) {
        if (c.tag == tag) data = cat(data, tlv::encode(as, c.value));
      }
    };
    if (has(0xA0)) data = cat(data, notification_list(card, Bytes{0xBF, 0x2B, 0x00}, 0xA0));
    if (has(0x81)) address(0x80, 0x81);
    // RetrieveNotificationsList { searchCriteria { euiccPackageResults } } -> 'A2'
    if (has(0xA2)) data = cat(data, notification_list(card, from_hex("BF2B04A0028200"), 0xA2));
    if (has(0xBF20)) data = cat(data, card(Bytes{0xBF, 0x20, 0x00}));
    if (has(0xBF22)) data = cat(data, card(Bytes{0xBF, 0x22, 0x00}));
    if (has(0x83)) address(0x81, 0x83);
    if (has(0x84)) {
      // GetEimConfigurationData { A0 { 80 eimId } } -> BF55 { A0 { 30 { ..., 84 token } } }
      const Bytes id(o.eim_id.begin(), o.eim_id.end());
      const Bytes answer = card(tlv::encode(0xBF55, tlv::encode(0xA0, tlv::encode(0x80, id))));
      for (const auto& list : children(answer)) {
        auto configs = tlv::read_all(list.value);
        if (!configs) continue;
        for (const auto& c : *configs) {
          auto fields = tlv::read_all(c.value);
          if (!fields) continue;
          if (auto t = tlv::find(*fields, 0x84)) data = cat(data, whole(*t));
        }
      }
    }
    if (has(0xA5) || has(0xA6)) {
      const Bytes answer = card(Bytes{0xBF, 0x56, 0x00});
      auto certs = children(answer);
      if (!certs.empty() && certs[0].tag == 0xA0) {
        if (auto both = tlv::read_all(certs[0].value)) {
          for (const auto& c : *both) {
            if (has(c.tag)) data = cat(data, whole(c));
          }
        }
      }
    }
    if (!tx.empty()) data = cat(data, tlv::encode(0x87, tx));
    if (has(0xA8)) {
      // IpaCapabilities { 80 ipaFeatures (6 bits), 81 ipaSupportedProtocols (5 bits) }
      data = cat(data, tlv::encode(0xA8, cat(tlv::encode(0x80, Bytes{0x02, o.ipa_features}),
                                             tlv::encode(0x81, Bytes{0x03, o.ipa_protocols}))));
    }
    if (has(0xA9)) {
      // DeviceInfo { 80 TAC, A1 deviceCapabilities { 80 gsmSupportedRelease 02 00 00 } }
      data = cat(data, tlv::encode(0xA9, cat(tlv::encode(0x80, o.tac),
                                             tlv::encode(0xA1, from_hex("8003020000")))));
    }
    out.summary = "IpaEuiccData " + std::to_string(data.size()) + " bytes";
    provide(out, tlv::encode(0xBF52, tlv::encode(0xA0, data)));
  }

  void download(PackageOutcome& out) {
    Bytes tx, code;
    bool has_data = false;
    for (const auto& c : children(out.package)) {
      if (c.tag == 0x82) tx = value_of(c);
      if (c.tag == 0xA0) {
        has_data = true;
        if (auto inner = tlv::read(c.value); inner && inner->tag == 0x80) code = value_of(*inner);
      }
    }
    Bytes result_data;
    if (code.empty()) {
      // contactDefaultSmdp / contactSmds (or nothing): this IPA follows activation codes only.
      out.download_error = has_data ? "only activationCode triggers are supported by this IPA"
                                    : "the trigger carries no profileDownloadData";
    } else {
      // "1$ADDRESS$MATCHING_ID[$OID[$CC]]"
      std::string ac(code.begin(), code.end());
      if (ac.rfind("LPA:", 0) == 0) ac = ac.substr(4);
      std::vector<std::string> parts;
      std::size_t start = 0;
      for (;;) {
        auto d = ac.find('$', start);
        parts.push_back(ac.substr(start, d == std::string::npos ? d : d - start));
        if (d == std::string::npos) break;
        start = d + 1;
      }
      lpa::DownloadRequest req;
      req.tac = o.tac;
      if (parts.size() >= 3 && parts[0] == "1") {
        req.smdp_address = parts[1];
        req.matching_id = parts[2];
      }
      if (req.smdp_address.empty()) {
        out.download_error = "activation code '" + ac + "' does not read";
      } else {
        std::unique_ptr<EsipaRelay> relay;
        smdp::Es9Plus* server = nullptr;
        if (o.indirect) {
          relay = std::make_unique<EsipaRelay>(eim, tx);
          server = relay.get();
        } else if (o.smdp_for) {
          server = o.smdp_for(req.smdp_address);
        }
        if (!server) {
          out.download_error = "no route to the SM-DP+ " + req.smdp_address;
        } else {
          try {
            out.download = lpa::download(card, *server, req);
          } catch (const std::exception& e) {
            out.download_error = e.what();
          }
        }
      }
    }
    if (out.download && !out.download->profile_installation_result.empty()) {
      const Bytes& pir = out.download->profile_installation_result;
      if (o.indirect) {
        // The install notification to the eIM (which relays it): no response is defined.
        try {
          EsipaReply r = eim(tlv::encode(0xBF3D, tlv::encode(0xA0, pir)));
          if (r.http_status != 200)
            out.summary = "HandleNotification: HTTP " + std::to_string(r.http_status) + "; ";
        } catch (const std::exception& e) {
          out.summary = std::string("HandleNotification: ") + e.what() + "; ";
        }
      }
      if (out.download->installed && o.immediate_enable) {
        try {
          card(from_hex("BF5A03800100"));  // ImmediateEnable { refreshFlag FALSE }
        } catch (const std::exception&) {
        }
      }
      result_data = pir;
      out.summary += out.download->installed ? "installed " + out.download->iccid
                                             : "not installed (profileInstallationResult error)";
    } else {
      // profileDownloadError { 80 undefinedError(127) }
      result_data = tlv::encode(0x30, tlv::encode(0x80, tlv::der_integer(127)));
      out.summary += "profileDownloadError: " + out.download_error;
    }
    Bytes r = tx.empty() ? Bytes{} : tlv::encode(0x82, tx);
    provide(out, tlv::encode(0xBF54, cat(r, result_data)));
  }
};

}  // namespace

const char* eim_package_error_name(long code) {
  switch (code) {
    case 1:
      return "noEimPackageAvailable";
    case 2:
      return "eidNotFound";
    case 3:
      return "invalidEid";
    case 4:
      return "missingEid";
    case 127:
      return "undefinedError";
    default:
      return "";
  }
}

PollResult poll(const lpa::Es10& card, const EsipaPost& eim, const PollOptions& o) {
  auto eid = Eid::parse(o.eid);
  if (!eid) throw std::invalid_argument("IPA poll: " + Eid::why_invalid(o.eid));
  Cycle cycle{card, eim, o, tlv::encode(0x5A, eid->bytes())};
  PollResult result;
  // GetEimPackage { 5A eid [, 80 notifyStateChange] [, 81 stateChangeCause] }
  Bytes get = cycle.eid_tlv;
  if (o.notify_state_change) get = cat(get, Bytes{0x80, 0x00});
  if (o.state_change_cause)
    get = cat(get, tlv::encode(0x81, tlv::der_integer(*o.state_change_cause)));
  const Bytes request = tlv::encode(0xBF4F, get);
  for (std::size_t n = 0;; ++n) {
    if (n == o.max_packages) {
      result.ok = true;
      result.ended = "stopped after " + std::to_string(n) + " packages";
      return result;
    }
    Bytes answer;
    try {
      // Only the first poll of a cycle reports a state change.
      answer =
          exchange(eim, "GetEimPackage", n == 0 ? request : tlv::encode(0xBF4F, cycle.eid_tlv));
    } catch (const std::exception& e) {
      result.ended = e.what();
      return result;
    }
    auto top = tlv::read(answer);
    auto inner = top && top->tag == 0xBF4F ? tlv::read(top->value) : std::nullopt;
    if (!inner) {
      result.ended =
          "GetEimPackage: the answer is not a GetEimPackageResponse (" + to_hex(answer) + ")";
      return result;
    }
    if (inner->tag == 0x02) {
      const long code = static_cast<long>(integer(inner->value).value_or(-1));
      result.eim_package_error = code;
      const std::string name = eim_package_error_name(code);
      result.ended = "eimPackageError " + (name.empty() ? std::to_string(code) : name);
      result.ok = code == 1;
      return result;
    }
    PackageOutcome out;
    out.package = whole(*inner);
    try {
      switch (inner->tag) {
        case 0xBF51:
          out.kind = "euiccPackage";
          cycle.euicc_package(out);
          break;
        case 0xBF52:
          out.kind = "ipaEuiccData";
          cycle.euicc_data(out);
          break;
        case 0xBF54:
          out.kind = "profileDownload";
          cycle.download(out);
          break;
        default:
          out.kind = "unknown";
          out.failed = "GetEimPackage: an unknown alternative " + to_hex(out.package);
      }
    } catch (const std::exception& e) {
      out.failed = e.what();
    }
    const bool failed = !out.failed.empty();
    if (failed) result.ended = out.failed;
    result.packages.push_back(std::move(out));
    if (failed) return result;
  }
}

// ---- the indirect download's ES9+ over ESipa ----

Bytes EsipaRelay::call(const char* function, std::uint32_t tag, const Bytes& request) {
  const Bytes answer = exchange(post_, function, request);
  auto top = tlv::read(answer);
  if (!top || top->tag != tag)
    throw std::runtime_error(std::string("ESipa ") + function + ": the answer is not " +
                             to_hex(tlv::encode(tag, {})).substr(0, tag > 0xFF ? 4 : 2));
  auto inner = tlv::read(top->value);
  if (!inner) throw std::runtime_error(std::string("ESipa ") + function + ": an empty answer");
  if (inner->tag != 0xA0) {
    const auto code = integer(inner->value).value_or(-1);
    throw smdp::Es9Error("esipa", std::to_string(code),
                         std::string("ESipa ") + function + " error " + std::to_string(code));
  }
  return value_of(*inner);
}

smdp::InitiateAuthenticationResponse EsipaRelay::initiate_authentication(
    const smdp::InitiateAuthenticationRequest& r) {
  // InitiateAuthenticationRequestEsipa { 81 euiccChallenge, 83 smdpAddress, BF20 euiccInfo1,
  // 82 eimTransactionId }
  Bytes body = tlv::encode(0x81, r.euicc_challenge);
  body = cat(body, tlv::encode(0x83, Bytes(r.smdp_address.begin(), r.smdp_address.end())));
  body = cat(body, r.euicc_info1);
  if (!eim_transaction_id_.empty()) body = cat(body, tlv::encode(0x82, eim_transaction_id_));
  const Bytes ok = call("InitiateAuthentication", 0xBF39, tlv::encode(0xBF39, body));
  auto parts = tlv::read_all(ok);
  if (!parts) throw std::runtime_error("ESipa InitiateAuthentication: the answer does not read");
  smdp::InitiateAuthenticationResponse out;
  std::size_t seq = 0;
  for (const auto& p : *parts) {
    if (p.tag == 0x80) out.transaction_id = value_of(p);
    if (p.tag == 0x30) {
      (seq++ == 0 ? out.server_signed1 : out.server_certificate) = whole(p);
    }
    if (p.tag == 0x5F37) out.server_signature1 = whole(p);
    if (p.tag == 0x04) out.euicc_ci_pkid_to_be_used = whole(p);
  }
  if (out.transaction_id.empty() && !out.server_signed1.empty()) {
    // minimizeEsipaBytes leaves the transactionId out: it is serverSigned1's first member.
    if (auto s = tlv::read(out.server_signed1)) {
      if (auto first = tlv::read(s->value)) out.transaction_id = value_of(*first);
    }
  }
  return out;
}

smdp::AuthenticateClientResponse EsipaRelay::authenticate_client(
    const smdp::AuthenticateClientRequest& r) {
  const Bytes ok = call("AuthenticateClient", 0xBF3B,
                        tlv::encode(0xBF3B, cat(tlv::encode(0x80, r.transaction_id),
                                                r.authenticate_server_response)));
  auto parts = tlv::read_all(ok);
  if (!parts) throw std::runtime_error("ESipa AuthenticateClient: the answer does not read");
  smdp::AuthenticateClientResponse out;
  out.transaction_id = r.transaction_id;
  std::size_t seq = 0;
  for (const auto& p : *parts) {
    if (p.tag == 0x80) out.transaction_id = value_of(p);
    if (p.tag == 0xBF25) out.profile_metadata = whole(p);
    if (p.tag == 0x30) (seq++ == 0 ? out.smdp_signed2 : out.smdp_certificate) = whole(p);
    if (p.tag == 0x5F37) out.smdp_signature2 = whole(p);
  }
  return out;
}

smdp::GetBoundProfilePackageResponse EsipaRelay::get_bound_profile_package(
    const smdp::GetBoundProfilePackageRequest& r) {
  const Bytes ok = call(
      "GetBoundProfilePackage", 0xBF3A,
      tlv::encode(0xBF3A, cat(tlv::encode(0x80, r.transaction_id), r.prepare_download_response)));
  auto parts = tlv::read_all(ok);
  if (!parts) throw std::runtime_error("ESipa GetBoundProfilePackage: the answer does not read");
  smdp::GetBoundProfilePackageResponse out;
  out.transaction_id = r.transaction_id;
  for (const auto& p : *parts) {
    if (p.tag == 0x80) out.transaction_id = value_of(p);
    if (p.tag == 0xBF36) out.bound_profile_package = whole(p);
  }
  return out;
}

void EsipaRelay::handle_notification(const smdp::HandleNotificationRequest& r) {
  (void)exchange(post_, "HandleNotification",
                 tlv::encode(0xBF3D, tlv::encode(0xA0, r.pending_notification)));
}

void EsipaRelay::cancel_session(const smdp::CancelSessionRequest& r) {
  // CancelSessionRequestEsipa { 80 transactionId, A1 cancelSessionResponse (BF41's content) }
  auto top = tlv::read(r.cancel_session_response);
  const Bytes inner = top ? value_of(*top) : Bytes{};
  (void)call(
      "CancelSession", 0xBF41,
      tlv::encode(0xBF41, cat(tlv::encode(0x80, r.transaction_id), tlv::encode(0xA1, inner))));
}

}  // namespace euiccsim::ipa
