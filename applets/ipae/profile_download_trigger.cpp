// ProfileDownloadTriggerRequest (SGP.32 v1.2 §2.11.1.3, §3.2.3): ProfileDownloadTriggerRequest
// BF54 { A0 profileDownloadData { 80 activationCode | 81 contactDefaultSmdp | A2 contactSmds }
// opt, 82 eimTransactionId opt }.
//
// The order of the checks:
//  1. a request that does not decode: eimPackageResultResponseError invalidPackageFormat(1);
//  2. the Emergency Profile enabled: ProfileDownloadTriggerResult profileDownloadError
//     ecallActive(104);
//  3. no profileDownloadData, or contactSmds (an SM-DS event retrieval through the eIM, not
//     supported by this IPAe), an activation code that is not "1$ADDRESS$MATCHING-ID[$OID[$1]]",
//     one that requires a confirmation code, or contactDefaultSmdp on a card without a default
//     SM-DP+ address: profileDownloadError undefinedError(127).
// Then the download runs indirect (relayed by the eIM over ESipa, indirect_download.cpp) when
// the eIM's configuration has indirectProfileDownload, else direct (ES9+ to the SM-DP+,
// direct_download.cpp); then ImmediateEnable (the card answers immediateEnableNotAvailable
// when it is not configured), then the installation result goes to its receiver.
//
// The download's step is part of the card image (IpaeState::InFlight): after a restart, a
// download that had not reached the card's installation result is reported as failed (the
// card's session died with the reset), one that had is delivered.
#include <algorithm>

#include "euiccsim/crypto/tlv.hpp"
#include "ipae_impl.hpp"

#include <ProfileDownloadTriggerRequest.h>

#include "euiccsim/applets/rsp_asn1.hpp"

namespace euiccsim::applets::ipae {

namespace {
constexpr long kInvalidPackageFormat = 1;
constexpr long kEcallActive = 104;
constexpr long kUndefinedError = 127;

struct ActivationCode {
  std::string address, matching_id;
  bool confirmation_code = false;
};

// SGP.22 §4.1: "1$SM-DP+ address$AC_Token[$SM-DP+ OID[$Confirmation Code Required Flag]]".
std::optional<ActivationCode> parse_activation_code(const std::string& ac) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    auto d = ac.find('$', start);
    parts.push_back(ac.substr(start, d == std::string::npos ? d : d - start));
    if (d == std::string::npos) break;
    start = d + 1;
  }
  if (parts.size() < 3 || parts.size() > 5 || parts[0] != "1" || parts[1].empty())
    return std::nullopt;
  ActivationCode out{parts[1], parts[2], parts.size() == 5 && parts[4] == "1"};
  return out;
}
}  // namespace

Bytes Ipae::Impl::ctx_params1() {
  // CtxParamsForCommonAuthentication (automatic tags): 80 matchingId opt, A1 deviceInfo
  // { 80 tac, A1 deviceCapabilities, 82 imei opt }.
  const auto cfg = card.view().config;
  Bytes caps;
  if (auto c = esipa::value_of(cfg.device_capabilities, 0x30)) {
    caps.assign(c->begin(), c->end());
  } else {
    // GSM, UTRAN and E-UTRAN release 15, as the LPA role reports.
    for (std::uint32_t tag : {0x80u, 0x81u, 0x85u}) tlv::append(caps, tag, Bytes{15, 0, 0});
  }
  Bytes device_info;
  tlv::append(device_info, 0x80, cfg.tac);
  tlv::append(device_info, 0xA1, caps);
  if (cfg.imei.size() == 8) tlv::append(device_info, 0x82, cfg.imei);
  Bytes common;
  if (download && !download->matching_id.empty()) {
    tlv::append(common, 0x80, esipa::text(download->matching_id));
  }
  tlv::append(common, 0xA1, device_info);
  return tlv::encode(0xA0, common);
}

Bytes Ipae::Impl::authenticate_server_request() {
  const auto& d = *download;
  // An eIM's ctxParams1 (A2 { A0 ... }) is used as it came (ipaFeatures eimCtxParams1Generation).
  const Bytes ctx = d.eim_ctx_params1 ? *d.eim_ctx_params1 : ctx_params1();
  return tlv::encode(0xBF38, esipa::concat({d.server_signed1, d.server_signature1, d.ci_pkid,
                                            d.server_certificate, ctx}));
}

bool Ipae::Impl::prepare_download_request(Bytes& out, const Bytes& smdp_signed2,
                                          const Bytes& signature2, const Bytes& certificate) {
  auto& d = *download;
  auto s2 = esipa::value_of(smdp_signed2, 0x30);
  auto flag = s2 ? esipa::child(*s2, 0x01) : std::nullopt;
  const bool cc_required = flag && !flag->empty() && (*flag)[0] != 0;
  Bytes cc;
  if (cc_required) {
    // The IPAe has no user to ask; only an eIM's hashCc can answer (indirect download).
    if (!d.hash_cc) return false;
    cc = tlv::encode(0x04, *d.hash_cc);
  }
  out = tlv::encode(0xBF21, esipa::concat({smdp_signed2, signature2, cc, certificate}));
  return true;
}

void Ipae::Impl::profile_download_trigger(Bytes request) {
  phase = "download for " + eim().id;
  auto req = rsp::decode_request<ProfileDownloadTriggerRequest_t>(
      asn_DEF_ProfileDownloadTriggerRequest, request);
  Bytes tid;
  if (req && req->eimTransactionId) tid = asn1::bytes_of(*req->eimTransactionId);
  if (!req) {
    refuse_package(esipa::transaction_id_of(request, 0xBF54, 0x82), kInvalidPackageFormat);
    return;
  }
  download.emplace();
  auto& d = *download;
  d.eim_transaction_id = tid;
  d.indirect = eim().indirect;
  IpaeState::InFlight in;
  in.kind = IpaeState::InFlight::Kind::kDownload;
  in.eim_id = eim().id;
  in.eim_transaction_id = tid;
  in.package = request;
  in.indirect = d.indirect;
  save([&](IpaeState& s) { s.in_flight = in; });

  if (card.view().emergency_in_force) {
    download_failed("the Emergency Profile is enabled", kEcallActive, {});
    return;
  }
  const auto* data = req->profileDownloadData;
  if (data == nullptr || data->present == ProfileDownloadData_PR_contactSmds) {
    download_failed("SM-DS event retrieval is not supported by this IPAe", kUndefinedError, {});
    return;
  }
  if (data->present == ProfileDownloadData_PR_activationCode) {
    const std::string text = asn1::string_of(data->choice.activationCode);
    auto ac = parse_activation_code(text);
    if (!ac) {
      download_failed("activation code '" + text + "' is not 1$ADDRESS$MATCHING-ID",
                      kUndefinedError, {});
      return;
    }
    if (ac->confirmation_code && !d.indirect) {
      download_failed("the activation code requires a confirmation code", kUndefinedError, {});
      return;
    }
    d.smdp_address = ac->address;
    d.matching_id = ac->matching_id;
  } else {
    // contactDefaultSmdp: ES10a GetEuiccConfiguredAddresses' default SM-DP+ address.
    const Bytes rsp = es10(Bytes{0xBF, 0x3C, 0x00});
    auto body = esipa::value_of(rsp, 0xBF3C);
    auto dp = body ? esipa::child(*body, 0x80) : std::nullopt;
    if (!dp || dp->empty()) {
      download_failed("no default SM-DP+ address is configured", kUndefinedError, {});
      return;
    }
    d.smdp_address.assign(dp->begin(), dp->end());
  }
  note(eim().id + ": " + (d.indirect ? "indirect" : "direct") + " download from " + d.smdp_address +
       (d.matching_id.empty() ? "" : " (" + d.matching_id + ")"));
  if (d.indirect) {
    indirect_initiate_authentication();
  } else {
    direct_initiate_authentication();
  }
}

std::vector<Bytes> Ipae::Impl::bpp_segments(ByteView bpp) {
  // SGP.22 §2.5.5: BF36 header + BF23, A0 whole, A1 header, each 88, A2 whole (if present),
  // A3 header, each 86 — each its own ES10b call, as LPAs send them.
  auto top = tlv::read(bpp);
  if (!top || top->tag != 0xBF36 || top->size != bpp.size()) return {};
  auto kids = tlv::read_all(top->value);
  if (!kids || kids->size() < 4) return {};
  std::vector<Bytes> out;
  const std::size_t bf36_header = top->size - top->value.size();
  const auto& bf23 = (*kids)[0];
  if (bf23.tag != 0xBF23) return {};
  Bytes first(bpp.begin(), bpp.begin() + static_cast<std::ptrdiff_t>(bf36_header));
  first.insert(first.end(), bf23.bytes().begin(), bf23.bytes().end());
  out.push_back(std::move(first));
  std::size_t i = 1;
  auto header_of = [](const tlv::Tlv& t) {
    return Bytes(t.bytes().begin(),
                 t.bytes().begin() + static_cast<std::ptrdiff_t>(t.size - t.value.size()));
  };
  if ((*kids)[i].tag != 0xA0) return {};
  out.emplace_back((*kids)[i].bytes().begin(), (*kids)[i].bytes().end());
  ++i;
  if (i >= kids->size() || (*kids)[i].tag != 0xA1) return {};
  out.push_back(header_of((*kids)[i]));
  auto items = tlv::read_all((*kids)[i].value);
  if (!items) return {};
  for (const auto& t : *items) out.emplace_back(t.bytes().begin(), t.bytes().end());
  ++i;
  if (i < kids->size() && (*kids)[i].tag == 0xA2) {
    out.emplace_back((*kids)[i].bytes().begin(), (*kids)[i].bytes().end());
    ++i;
  }
  if (i + 1 != kids->size() || (*kids)[i].tag != 0xA3) return {};
  out.push_back(header_of((*kids)[i]));
  items = tlv::read_all((*kids)[i].value);
  if (!items) return {};
  for (const auto& t : *items) out.emplace_back(t.bytes().begin(), t.bytes().end());
  return out;
}

void Ipae::Impl::load_next_segment() {
  auto& d = *download;
  phase = "LoadBoundProfilePackage";
  while (d.next_segment < d.segments.size() && d.pir.empty()) {
    auto r = es10_raw(d.segments[d.next_segment++]);
    if (r.sw != apdu::sw::kOk) {
      // The card refused a piece outright: no installation result to report.
      download_failed("LoadBoundProfilePackage answered a status word", kUndefinedError, {});
      return;
    }
    if (!r.data.empty()) d.pir = std::move(r.data);
  }
  if (d.pir.empty()) {
    download_failed("the Bound Profile Package ended without an installation result",
                    kUndefinedError, {});
    return;
  }
  download_installed();
}

void Ipae::Impl::download_installed() {
  auto& d = *download;
  // finalResult A2 { A0 successResult | A1 errorResult } in BF37 { BF27 { ... } }.
  auto body = esipa::value_of(d.pir, 0xBF37);
  auto data = body ? esipa::child(*body, 0xBF27) : std::nullopt;
  auto final_result = data ? esipa::child(*data, 0xA2) : std::nullopt;
  const bool installed = final_result && esipa::child(*final_result, 0xA0).has_value();
  note(eim().id + ": profile " + (installed ? "installed" : "refused by the card (errorResult)"));
  if (installed) {
    // ImmediateEnable BF5A { 80 refreshFlag FALSE }: the card says whether it is configured.
    const Bytes rsp = es10(from_hex("BF5A03800100"));
    auto b = esipa::value_of(rsp, 0xBF5A);
    auto code = b ? esipa::child(*b, 0x80) : std::nullopt;
    auto n = code ? esipa::uint_of(*code) : std::nullopt;
    if (n && *n == 0) {
      d.immediate_enabled = true;
      note(eim().id + ": ImmediateEnable ok");
      mark_change(cause::kImmediateEnableProfile, "");
    } else if (!n || *n != 1) {
      note(eim().id + ": ImmediateEnable answered " + (n ? std::to_string(*n) : "?"));
    }
  }
  Bytes result;
  if (!d.indirect) {
    Bytes r;
    if (!d.eim_transaction_id.empty()) tlv::append(r, 0x82, d.eim_transaction_id);
    r.insert(r.end(), d.pir.begin(), d.pir.end());
    result = tlv::encode(0xBF54, r);
  }
  save([&](IpaeState& s) {
    if (!s.in_flight) return;
    s.in_flight->step = 2;
    s.in_flight->result = result;
  });
  if (d.indirect) {
    // The installation result is the outcome; it goes to the eIM as a notification.
    const Bytes msg = tlv::encode(0xBF3D, tlv::encode(0xA0, d.pir));
    send_esipa("HandleNotification", msg, [this](Reply r) {
      if (!r.ok) {
        eim_failed(r.error);
        return;
      }
      if (auto seq = esipa::seq_number_of(download->pir)) remove_notifications({*seq});
      finish_download();
    });
  } else {
    direct_handle_notification();
  }
}

void Ipae::Impl::finish_download() {
  const bool enabled = download && download->immediate_enabled;
  download.reset();
  save([](IpaeState& s) { s.in_flight.reset(); });
  // The installing eIM learned of the new profile; an immediate enable it did not ask for.
  if (!enabled) eim_informed(eim().id);
  package_done();
}

void Ipae::Impl::download_failed(const std::string& why, long reason, const Bytes& error_response) {
  note(eim().id + ": download failed: " + why);
  Bytes err;
  tlv::append(err, 0x80, tlv::der_integer(reason));
  if (!error_response.empty()) tlv::append(err, 0x04, error_response);
  Bytes r;
  const Bytes tid = download ? download->eim_transaction_id : Bytes{};
  if (!tid.empty()) tlv::append(r, 0x82, tid);
  tlv::append(r, 0x30, err);
  const Bytes result = tlv::encode(0xBF54, r);
  save([&](IpaeState& s) {
    if (!s.in_flight) return;
    s.in_flight->step = 3;
    s.in_flight->result = result;
  });
  download.reset();
  provide_result(result, {}, [this](std::vector<std::uint64_t>) {
    save([](IpaeState& s) { s.in_flight.reset(); });
    package_done();
  });
}

void Ipae::Impl::resume_in_flight() {
  const auto in = *card.view().state.in_flight;
  resuming = true;
  const std::string kind = in.kind == IpaeState::InFlight::Kind::kEuiccPackage   ? "eUICC package"
                           : in.kind == IpaeState::InFlight::Kind::kIpaEuiccData ? "IpaEuiccData"
                                                                                 : "download";
  note(eim().id + ": resuming the " + kind + " in flight (step " + std::to_string(in.step) + ")");
  auto clear_then_done = [this](std::vector<std::uint64_t>) {
    save([](IpaeState& s) { s.in_flight.reset(); });
    package_done();
  };
  if (in.kind != IpaeState::InFlight::Kind::kDownload) {
    std::vector<std::uint64_t> sent;
    if (in.kind == IpaeState::InFlight::Kind::kIpaEuiccData) {
      // The sequence numbers the answer carries (A0 notifications, A2 results).
      auto body = esipa::value_of(in.result, 0xBF52);
      auto data = body ? esipa::child(*body, 0xA0) : std::nullopt;
      for (std::uint32_t list_tag : {0xA0u, 0xA2u}) {
        auto list = data ? esipa::child(*data, list_tag) : std::nullopt;
        auto items = list ? tlv::read_all(*list) : std::nullopt;
        for (std::size_t i = 0; items && i < items->size(); ++i) {
          if (auto seq = esipa::seq_number_of((*items)[i].bytes())) sent.push_back(*seq);
        }
      }
    }
    provide_result(in.result, std::move(sent), clear_then_done);
    return;
  }
  if (!in.result.empty() && (in.step == 3 || in.indirect)) {
    provide_result(in.result, {}, clear_then_done);
    return;
  }
  download.emplace();
  download->eim_transaction_id = in.eim_transaction_id;
  download->indirect = in.indirect;
  download->transaction_id = in.smdp_transaction_id;
  if (in.step == 0) {
    // Nothing had happened yet: the trigger runs now.
    download.reset();
    profile_download_trigger(in.package);
    return;
  }
  // The card's installation result for this session, if it answered one: it is among the
  // notifications until delivered.
  const Bytes rsp = es10(Bytes{0xBF, 0x2B, 0x00});
  auto body = esipa::value_of(rsp, 0xBF2B);
  auto list = body ? esipa::child(*body, 0xA0) : std::nullopt;
  auto items = list ? tlv::read_all(*list) : std::nullopt;
  for (std::size_t i = 0; items && i < items->size(); ++i) {
    const auto& n = (*items)[i];
    if (n.tag != 0xBF37) continue;
    auto data = esipa::child(n.value, 0xBF27);
    auto tid = data ? esipa::child(*data, 0x80) : std::nullopt;
    if (tid && Bytes(tid->begin(), tid->end()) == in.smdp_transaction_id) {
      download->pir.assign(n.bytes().begin(), n.bytes().end());
    }
  }
  if (in.step == 1 && download->pir.empty()) {
    download_failed("interrupted before the profile was installed (card restart)", kUndefinedError,
                    {});
    return;
  }
  // Step 2, or step 1 killed between the card's answer to the last piece (kept with the
  // profile) and the IPAe's record of it, which is made now as download_installed() makes it:
  // the installation result goes where it goes.
  if (in.step == 1) {
    Bytes result;
    if (!in.indirect) {
      Bytes r;
      if (!in.eim_transaction_id.empty()) tlv::append(r, 0x82, in.eim_transaction_id);
      r.insert(r.end(), download->pir.begin(), download->pir.end());
      result = tlv::encode(0xBF54, r);
    }
    save([&](IpaeState& s) {
      if (!s.in_flight) return;
      s.in_flight->step = 2;
      s.in_flight->result = result;
    });
  }
  if (auto r = esipa::value_of(in.package, 0xBF54)) {
    // The SM-DP+ address, for a direct download's notification.
    auto a0 = esipa::child(*r, 0xA0);
    auto ac = a0 ? esipa::child(*a0, 0x80) : std::nullopt;
    if (ac) {
      const std::string text(ac->begin(), ac->end());
      if (auto parsed = parse_activation_code(text)) download->smdp_address = parsed->address;
    }
  }
  if (download->pir.empty()) {
    // Already delivered where it goes: only the eIM's result is left (direct), or nothing.
    if (!in.result.empty()) {
      provide_result(in.result, {}, clear_then_done);
    } else {
      download.reset();
      clear_then_done({});
    }
    return;
  }
  if (in.indirect) {
    const Bytes msg = tlv::encode(0xBF3D, tlv::encode(0xA0, download->pir));
    send_esipa("HandleNotification", msg, [this](Reply r) {
      if (!r.ok) {
        eim_failed(r.error);
        return;
      }
      if (auto seq = esipa::seq_number_of(download->pir)) remove_notifications({*seq});
      finish_download();
    });
  } else {
    direct_handle_notification();
  }
}

}  // namespace euiccsim::applets::ipae
