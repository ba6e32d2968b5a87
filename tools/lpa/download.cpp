#include "download.hpp"

#include <botan/hash.h>

#include "euiccsim/crypto/tlv.hpp"
#include "smdp/binder.hpp"

namespace euiccsim::lpa {

namespace {

std::optional<tlv::Tlv> child(ByteView constructed, std::uint32_t tag) {
  auto all = tlv::read_all(constructed);
  return all ? tlv::find(*all, tag) : std::nullopt;
}

// The value of `der` if it is one TLV of `tag`.
std::optional<ByteView> value_of(ByteView der, std::uint32_t tag) {
  auto t = tlv::read(der);
  if (!t || t->tag != tag || t->size != der.size()) return std::nullopt;
  return t->value;
}

Bytes concat(std::initializer_list<ByteView> parts) {
  Bytes out;
  for (auto p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// A non-negative INTEGER of at most three bytes (sequence numbers, result codes); -1 for
// anything else a card might send.
int small_integer(ByteView v) {
  if (v.empty() || v.size() > 3 || (v[0] & 0x80)) return -1;
  int n = 0;
  for (auto b : v) n = (n << 8) | b;
  return n;
}

// DeviceInfo of ctxParams1 (SGP.22 §5.7.13): the TAC, and capabilities of a device on
// GSM/UTRAN/E-UTRAN release 15 (gsm [0], utran [1], eutranEpc [5]).
Bytes ctx_params1(const DownloadRequest& r) {
  Bytes caps;
  for (std::uint32_t tag : {0x80u, 0x81u, 0x85u}) tlv::append(caps, tag, Bytes{15, 0, 0});
  Bytes device_info;
  tlv::append(device_info, 0x80, r.tac);
  tlv::append(device_info, 0xA1, caps);
  Bytes common;
  if (!r.matching_id.empty()) {
    tlv::append(common, 0x80,
                ByteView(reinterpret_cast<const std::uint8_t*>(r.matching_id.data()),
                         r.matching_id.size()));
  }
  tlv::append(common, 0xA1, device_info);
  return tlv::encode(0xA0, common);
}

// SGP.22 §3.1.3.3: SHA-256(SHA-256(confirmation code) || transactionId).
Bytes hash_cc(const std::string& code, ByteView transaction_id) {
  auto sha = Botan::HashFunction::create_or_throw("SHA-256");
  sha->update(code);
  auto inner = sha->final();
  sha->update(inner);
  sha->update(transaction_id.data(), transaction_id.size());
  auto outer = sha->final();
  return Bytes(outer.begin(), outer.end());
}

}  // namespace

const char* step_name(Step s) {
  switch (s) {
    case Step::kInfo1: return "GetEUICCInfo1";
    case Step::kChallenge: return "GetEUICCChallenge";
    case Step::kInitiateAuthentication: return "ES9+.InitiateAuthentication";
    case Step::kAuthenticateServer: return "AuthenticateServer";
    case Step::kAuthenticateClient: return "ES9+.AuthenticateClient";
    case Step::kPrepareDownload: return "PrepareDownload";
    case Step::kGetBoundProfilePackage: return "ES9+.GetBoundProfilePackage";
    case Step::kLoadBoundProfilePackage: return "LoadBoundProfilePackage";
  }
  return "?";
}

DownloadResult download(const Es10& card, smdp::Es9Plus& server, const DownloadRequest& request,
                        const Progress& progress) {
  const auto begin = [&](Step s) {
    if (progress.step) progress.step(s);
  };
  const auto es10 = [&](Step s, ByteView req) {
    try {
      return card(req);
    } catch (const std::exception& e) {
      throw DownloadError(step_name(s), e.what());
    }
  };
  const auto es9 = [&](Step s, auto&& fn) {
    try {
      return fn();
    } catch (const smdp::Es9Error& e) {
      throw DownloadError(step_name(s), std::string(e.what()) + " (subject " + e.subject_code +
                                            ", reason " + e.reason_code + ")");
    } catch (const DownloadError&) {
      throw;
    } catch (const std::exception& e) {
      throw DownloadError(step_name(s), e.what());  // transport: unreachable, TLS, timeout
    }
  };

  begin(Step::kInfo1);
  const Bytes info1 = es10(Step::kInfo1, Bytes{0xBF, 0x20, 0x00});
  begin(Step::kChallenge);
  const Bytes challenge_rsp = es10(Step::kChallenge, Bytes{0xBF, 0x2E, 0x00});
  auto challenge_body = value_of(challenge_rsp, 0xBF2E);
  auto challenge = challenge_body ? child(*challenge_body, 0x80) : std::nullopt;
  if (!challenge) throw DownloadError("GetEUICCChallenge", "no euiccChallenge in the answer");

  begin(Step::kInitiateAuthentication);
  smdp::InitiateAuthenticationRequest ia_req{
      Bytes(challenge->value.begin(), challenge->value.end()), info1, request.smdp_address};
  auto ia = es9(Step::kInitiateAuthentication,
                [&] { return server.initiate_authentication(ia_req); });
  DownloadResult result;
  result.transaction_id = ia.transaction_id;

  begin(Step::kAuthenticateServer);
  const Bytes ctx = ctx_params1(request);
  const Bytes auth_req = tlv::encode(
      0xBF38, concat({ia.server_signed1, ia.server_signature1, ia.euicc_ci_pkid_to_be_used,
                      ia.server_certificate, ctx}));
  const Bytes auth_rsp = es10(Step::kAuthenticateServer, auth_req);
  auto auth_body = value_of(auth_rsp, 0xBF38);
  if (!auth_body) throw DownloadError("AuthenticateServer", "the answer is not BF38");
  if (auto err = child(*auth_body, 0xA1)) {
    // The server learns of the refusal through authenticateClient and ends its session.
    try {
      server.authenticate_client({ia.transaction_id, auth_rsp});
    } catch (const std::exception&) {  // best effort: the card's refusal is the news
    }
    auto code = child(err->value, 0x02);
    throw DownloadError("AuthenticateServer",
                        "the card refused: authenticateErrorCode " +
                            std::to_string(code ? small_integer(code->value) : -1));
  }

  begin(Step::kAuthenticateClient);
  auto ac = es9(Step::kAuthenticateClient,
                [&] { return server.authenticate_client({ia.transaction_id, auth_rsp}); });

  begin(Step::kPrepareDownload);
  auto signed2 = value_of(ac.smdp_signed2, 0x30);
  auto cc_flag = signed2 ? child(*signed2, 0x01) : std::nullopt;
  const bool cc_required = cc_flag && !cc_flag->value.empty() && cc_flag->value[0] != 0;
  Bytes cc_part;
  if (cc_required) {
    if (!request.confirmation_code) {
      // Cancel on both sides: the card's signed cancellation goes to the server.
      Bytes cancel;
      tlv::append(cancel, 0x80, ia.transaction_id);
      tlv::append(cancel, 0x81, Bytes{0x00});  // endUserRejection
      try {
        Bytes card_answer = card(tlv::encode(0xBF41, cancel));
        server.cancel_session({ia.transaction_id, card_answer});
      } catch (const std::exception&) {
      }
      throw DownloadError("PrepareDownload",
                          "the SM-DP+ requires a confirmation code (--confirmation-code)");
    }
    cc_part = tlv::encode(0x04, hash_cc(*request.confirmation_code, ia.transaction_id));
  }
  const Bytes prep_req = tlv::encode(
      0xBF21, concat({ac.smdp_signed2, ac.smdp_signature2, cc_part, ac.smdp_certificate}));
  const Bytes prep_rsp = es10(Step::kPrepareDownload, prep_req);
  auto prep_body = value_of(prep_rsp, 0xBF21);
  if (!prep_body) throw DownloadError("PrepareDownload", "the answer is not BF21");
  if (auto err = child(*prep_body, 0xA1)) {
    try {
      server.get_bound_profile_package({ia.transaction_id, prep_rsp});
    } catch (const std::exception&) {  // best effort: the card's refusal is the news
    }
    auto code = child(err->value, 0x02);
    throw DownloadError("PrepareDownload",
                        "the card refused: downloadErrorCode " +
                            std::to_string(code ? small_integer(code->value) : -1));
  }

  begin(Step::kGetBoundProfilePackage);
  auto bpp = es9(Step::kGetBoundProfilePackage, [&] {
    return server.get_bound_profile_package({ia.transaction_id, prep_rsp});
  });

  begin(Step::kLoadBoundProfilePackage);
  std::vector<Bytes> pieces;
  try {
    pieces = smdp::bpp_segments(bpp.bound_profile_package);
  } catch (const std::exception& e) {
    throw DownloadError("LoadBoundProfilePackage", std::string("the package: ") + e.what());
  }
  Bytes pir;
  for (std::size_t i = 0; i < pieces.size() && pir.empty(); ++i) {
    pir = es10(Step::kLoadBoundProfilePackage, pieces[i]);
    result.segments = i + 1;
    if (progress.segment) progress.segment(i + 1, pieces.size());
  }
  auto pir_body = value_of(pir, 0xBF37);
  auto data = pir_body ? child(*pir_body, 0xBF27) : std::nullopt;
  auto final_result = data ? child(data->value, 0xA2) : std::nullopt;
  if (!final_result) {
    throw DownloadError("LoadBoundProfilePackage",
                        pir.empty() ? "the card gave no ProfileInstallationResult"
                                    : "the card's answer is not a ProfileInstallationResult");
  }
  result.profile_installation_result = pir;
  if (auto meta = child(data->value, 0xBF2F)) {
    if (auto iccid = child(meta->value, 0x5A)) {
      for (auto b : iccid->value) {
        for (unsigned nibble : {b & 0x0Fu, unsigned(b >> 4)}) {
          if (nibble <= 9) result.iccid += static_cast<char>('0' + nibble);
        }
      }
    }
  }
  if (auto ok = child(final_result->value, 0xA0)) {
    result.installed = true;
    if (auto aid = child(ok->value, 0x4F)) result.isdp_aid.assign(aid->value.begin(), aid->value.end());
  } else if (auto err = child(final_result->value, 0xA1)) {
    if (auto c = child(err->value, 0x80)) result.bpp_command_id = small_integer(c->value);
    if (auto r = child(err->value, 0x81)) result.error_reason = small_integer(r->value);
  }
  return result;
}

std::vector<NotificationOutcome> process_notifications(const Es10& card,
                                                       const ServerFor& server_for) {
  const Bytes list = card(Bytes{0xBF, 0x28, 0x00});
  auto body = value_of(list, 0xBF28);
  auto entries = body ? child(*body, 0xA0) : std::nullopt;
  if (!entries) throw DownloadError("ListNotification", "no notification list in the answer");
  auto all = tlv::read_all(entries->value);
  if (!all) throw DownloadError("ListNotification", "malformed notification list");
  std::vector<NotificationOutcome> outcomes;
  for (const auto& metadata : *all) {
    auto seq = child(metadata.value, 0x80);
    if (!seq) continue;
    NotificationOutcome out;
    out.seq_number = small_integer(seq->value);
    if (auto to = child(metadata.value, 0x0C)) out.address.assign(to->value.begin(), to->value.end());
    // NotificationEvent: a BIT STRING whose first set bit names the operation.
    if (auto ev = child(metadata.value, 0x81); ev && ev->value.size() >= 2) {
      static const char* const names[] = {"install", "enable", "disable", "delete"};
      for (unsigned i = 0; i < 4; ++i) {
        if (ev->value[1] & (0x80 >> i)) {
          out.event = names[i];
          break;
        }
      }
    }
    smdp::Es9Plus* server = server_for(out.address);
    if (server == nullptr) {
      outcomes.push_back(out);
      continue;
    }
    Bytes search = tlv::encode(0xA0, tlv::encode(0x80, seq->value));
    const Bytes retrieved = card(tlv::encode(0xBF2B, search));
    auto rbody = value_of(retrieved, 0xBF2B);
    auto rlist = rbody ? child(*rbody, 0xA0) : std::nullopt;
    auto pending = rlist ? tlv::read_all(rlist->value) : std::nullopt;
    if (!pending || pending->size() != 1) {
      throw DownloadError("RetrieveNotificationsList", "no notification for seqNumber");
    }
    const ByteView pn = (*pending)[0].bytes();
    try {
      server->handle_notification({Bytes(pn.begin(), pn.end())});
    } catch (const std::exception& e) {
      out.error = e.what();
      outcomes.push_back(out);
      continue;
    }
    const Bytes removed = card(tlv::encode(0xBF30, tlv::encode(0x80, seq->value)));
    if (removed != Bytes{0xBF, 0x30, 0x03, 0x80, 0x01, 0x00}) {
      throw DownloadError("RemoveNotificationFromList", "the card answered " + to_hex(removed));
    }
    out.delivered = true;
    outcomes.push_back(out);
  }
  return outcomes;
}

std::size_t process_notifications(const Es10& card, smdp::Es9Plus& server,
                                  const std::string& address) {
  auto outcomes = process_notifications(card, [&](const std::string& to) -> smdp::Es9Plus* {
    return address.empty() || to == address ? &server : nullptr;
  });
  std::size_t delivered = 0;
  for (const auto& o : outcomes) {
    if (!o.error.empty()) throw DownloadError("ES9+.HandleNotification", o.error);
    if (o.delivered) ++delivered;
  }
  return delivered;
}

}  // namespace euiccsim::lpa
