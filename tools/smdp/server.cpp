// The test SM-DP+ (SGP.22 v2.5 §3.1.3, §5.6). Messages are checked against the SGP.22 ASN.1
// module (asn1c, the same one the card compiles) and then walked as DER TLVs, so that every
// signature is checked over, and made over, the exact bytes that travel.
#include "server.hpp"

#include <botan/hash.h>
#include <botan/mem_ops.h>

#include <algorithm>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <type_traits>

#include "asn1_names.hpp"
#include "binder.hpp"
#include "euiccsim/crypto/certificate.hpp"
#include "euiccsim/crypto/ecka.hpp"
#include "euiccsim/crypto/kdf.hpp"
#include "euiccsim/crypto/rsp_chain.hpp"
#include "euiccsim/crypto/tlv.hpp"
#include "euiccsim/profiles/asn1.hpp"
#include "euiccsim/profiles/iccid.hpp"

#include <AuthenticateServerResponse.h>
#include <CancelSessionResponse.h>
#include <EUICCInfo1.h>
#include <PendingNotification.h>
#include <PrepareDownloadResponse.h>
#include <StoreMetadataRequest.h>

namespace euiccsim::smdp {

namespace {

// ES9+ status codes (subject, reason), as osmo-smdpp raises them for the same conditions
// (its comments quote SGP.22 §5.6's function tables, which were not read here). The 8.2.7
// (Confirmation Code) pair is SGP.22's as remembered, not checked against a source.
struct Code {
  const char* subject;
  const char* reason;
};
constexpr Code kAddressRefused{"8.8.1", "3.8"};       // SM-DP+ Address - Refused
constexpr Code kNoCommonCi{"8.8.2", "3.1"};           // Security configuration - Not supported
constexpr Code kNoDpAuthForCard{"8.8.4", "3.7"};      // SM-DP+ certificate - Unavailable
constexpr Code kUnknownTransaction{"8.10.1", "3.9"};  // TransactionId - Unknown
constexpr Code kUnknownCi{"8.11.1", "3.9"};           // CI Public Key - Unknown
constexpr Code kEuiccCertificate{"8.1.3", "6.1"};     // eUICC certificate - Verification failed
constexpr Code kEuiccVerification{"8.1", "6.1"};      // eUICC - Verification failed
constexpr Code kMatchingIdRefused{"8.2.6", "3.8"};    // Matching ID - Refused
constexpr Code kCcMissing{"8.2.7", "2.2"};      // Confirmation Code - Mandatory element missing
constexpr Code kCcRefused{"8.2.7", "3.8"};      // Confirmation Code - Refused
constexpr Code kSmdpOidInvalid{"8.8", "3.10"};  // SM-DP+ - the SM-DP+ OID is invalid
// Chosen here, from no source: a request that is not valid DER of its type, and an error the
// eUICC itself reported (an LPA forwarding an error response instead of calling cancelSession).
constexpr Code kMalformed{"1.3.1", "2.1"};
constexpr Code kEuiccReportedError{"8.1", "4.2"};

[[noreturn]] void fail(Code code, const std::string& message) {
  throw Es9Error(code.subject, code.reason, message);
}

// `der` must be exactly one valid value of `type` (tags, order, sizes of the SGP.22 module).
void check_schema(const asn1::Type& type, ByteView der, const char* what) {
  std::size_t consumed = 0;
  try {
    asn1::Owned value = asn1::decode(type, der, consumed);
  } catch (const asn1::DecodeError&) {
    fail(kMalformed, std::string(what) + " is not a valid value of its ASN.1 type");
  }
  if (consumed != der.size()) fail(kMalformed, std::string(what) + " has bytes after its end");
}

Bytes bytes(ByteView v) {
  return Bytes(v.begin(), v.end());
}
std::string text(ByteView v) {
  return std::string(v.begin(), v.end());
}

// A small INTEGER's value (error codes, reasons); -1 if it does not fit.
long small_int(ByteView v) {
  if (v.empty() || v.size() > 4) return -1;
  long x = (v[0] & 0x80) ? -1 : 0;
  for (std::uint8_t b : v) x = (x << 8) | b;
  return x;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; };
           return lower(x) == lower(y);
         });
}

bool contains(const std::vector<Bytes>& list, const Bytes& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

Bytes sha256(ByteView data) {
  auto h = Botan::HashFunction::create_or_throw("SHA-256");
  h->update(data.data(), data.size());
  const auto d = h->final();
  return Bytes(d.begin(), d.end());
}

// 5F37 40 || r||s: how every SGP.22 signature travels (PROTOCOL.md §4.1).
Bytes signature_tlv(const crypto::PrivateKey& key, ByteView message) {
  return tlv::encode(0x5F37, key.sign(message));
}

// The card's answer to AuthenticateServer (BF38) or PrepareDownload (BF21) as the LPA relays
// it: schema-checked, then the items of its Ok alternative; its error alternative (A1 { 80
// transactionId, 02 code }) ends the call as an error the eUICC reported.
std::vector<tlv::Tlv> card_answer_items(const Bytes& answer, const asn1::Type& schema,
                                        const char* field, const char* tag_name,
                                        const char* function, const char* code_name,
                                        std::string_view code_scope) {
  check_schema(schema, answer, field);
  const std::string choice_name = std::string(tag_name) + " choice";
  const tlv::Tlv choice =
      tlv::read_exact(tlv::read_exact(answer, tag_name).value, choice_name.c_str());
  auto items = tlv::children(choice.value);
  if (choice.tag == 0xA1) {
    const long code = small_int(tlv::need(items, 0x02, code_name).value);
    fail(kEuiccReportedError,
         std::string("the eUICC refused ") + function + ": " + asn1::named(code_scope, code));
  }
  return items;
}

// The eUICC chain of a message, or the ES9+ error for it.
crypto::ChainResult verify_card_chain(ByteView euicc_cert, ByteView eum_cert,
                                      const std::vector<Bytes>& trusted) {
  crypto::ChainResult chain = crypto::verify_euicc_chain(euicc_cert, eum_cert, trusted);
  if (!chain) {
    if (*chain.failure == crypto::ChainFailure::kCiPkUnknown) fail(kUnknownCi, chain.reason);
    fail(kEuiccCertificate, chain.reason);
  }
  return chain;
}

// The StoreMetadataRequest (BF25) of an offer, fixed when it is added.
Bytes make_store_metadata(const ProfileOffer& offer, const std::string& address) {
  // The first PE is the ProfileHeader (A0); its iccid [3] holds the digits in plain order,
  // while ES10 carries EF.ICCID's nibble-swapped coding (PROTOCOL.md §5.2).
  Bytes iccid;
  try {
    const tlv::Tlv header = tlv::Reader(offer.package).next("the first PE");
    if (header.tag != 0xA0) throw tlv::Error("the first PE is not the ProfileHeader");
    const auto fields = tlv::children(header.value, "ProfileHeader");
    const tlv::Tlv& plain = tlv::need(fields, 0x83, "ProfileHeader iccid");
    if (plain.value.size() != 10) throw tlv::Error("ProfileHeader iccid is not 10 bytes");
    for (std::uint8_t b : plain.value)
      iccid.push_back(static_cast<std::uint8_t>((b << 4) | (b >> 4)));
  } catch (const tlv::Error& e) {
    throw std::invalid_argument(std::string("profile offer '") + offer.matching_id +
                                "': " + e.what());
  }
  if (offer.metadata_iccid) {
    const auto other = Iccid::parse(*offer.metadata_iccid);
    if (!other)
      throw std::invalid_argument("profile offer '" + offer.matching_id +
                                  "': metadata_iccid is not an ICCID");
    iccid = other->swapped_bcd();
  }
  if (offer.service_provider_name.size() > 32 || offer.profile_name.size() > 64)
    throw std::invalid_argument("profile offer '" + offer.matching_id +
                                "': serviceProviderName or profileName too long");

  const std::string& name = offer.profile_name.empty() ? offer.matching_id : offer.profile_name;
  Bytes content =
      tlv::cat({tlv::encode(0x5A, iccid), tlv::encode(0x91, tlv::view(offer.service_provider_name)),
                tlv::encode(0x92, tlv::view(name))});
  if (offer.profile_class) {
    const Bytes cls = tlv::encode(0x95, Bytes{*offer.profile_class});
    content.insert(content.end(), cls.begin(), cls.end());
  }
  if (offer.notify_operations) {
    // NotificationEvent named bits, DER (trailing zero bits dropped): enable(1) '06 40',
    // disable(2) '05 20', delete(3) '04 10'.
    Bytes list;
    for (const Bytes& event : {Bytes{0x06, 0x40}, Bytes{0x05, 0x20}, Bytes{0x04, 0x10}}) {
      const Bytes entry =
          tlv::encode(0x30, {tlv::encode(0x80, event), tlv::encode(0x81, tlv::view(address))});
      list.insert(list.end(), entry.begin(), entry.end());
    }
    const Bytes b6 = tlv::encode(0xB6, list);
    content.insert(content.end(), b6.begin(), b6.end());
  }
  content.insert(content.end(), offer.extra_metadata.begin(), offer.extra_metadata.end());
  Bytes bf25 = tlv::encode(0xBF25, content);
  try {
    check_schema(asn_DEF_StoreMetadataRequest, bf25, "StoreMetadataRequest");
  } catch (const Es9Error& e) {
    throw std::invalid_argument("profile offer '" + offer.matching_id + "': " + e.what());
  }
  return bf25;
}

}  // namespace

struct Server::State {
  ServerConfig config;
  crypto::Drbg& drbg;
  std::vector<Bytes> trusted_pkids;  // SKIs of config.trusted_ci_certs
  Bytes dp_auth_ci;                  // the CI of the DPauth certificate (its AKI)
  std::string smdp_oid;              // the DPauth (= DPpb) certificate's registeredID

  struct Offer {
    ProfileOffer offer;
    Bytes store_metadata;
  };
  std::map<std::string, std::shared_ptr<const Offer>> offers;

  struct Session {
    Bytes transaction_id;
    Bytes euicc_challenge;
    Bytes server_challenge;
    std::vector<Bytes> signing_pkids;  // the card's euiccCiPKIdListForSigning
    // Set by authenticateClient:
    std::optional<crypto::PublicKey> euicc_key;
    std::string eid;
    std::shared_ptr<const Offer> offer;
    Bytes smdp_signature2;  // the whole 5F37 TLV, as euiccSignature2 covers it
    std::chrono::steady_clock::time_point opened;
  };
  std::map<Bytes, Session> sessions;

  // Transactions whose package was delivered: the eUICC that asked, for its
  // ProfileInstallationResult or a late cancelSession.
  struct Finished {
    crypto::PublicKey euicc_key;
    std::string eid;
    std::chrono::steady_clock::time_point at;
  };
  std::map<Bytes, Finished> finished;

  struct Received {
    Bytes der;
    std::chrono::steady_clock::time_point at;
  };
  std::deque<Received> notifications;  // oldest first
  std::uint64_t accepted = 0;
  std::function<void(const ServerEvent&)> sink;
  mutable std::mutex mutex;

  // A constructor of its own: clang 14 has no parenthesized aggregate initialization for
  // make_unique (g++ 12 has).
  State(ServerConfig c, crypto::Drbg& d) : config(std::move(c)), drbg(d) {}

  // Drops what is older than its age; called under the mutex at the start of every function.
  void expire() {
    const auto now = config.clock();
    const auto& r = config.retention;
    std::erase_if(sessions, [&](const auto& kv) { return now - kv.second.opened >= r.open_age; });
    std::erase_if(finished, [&](const auto& kv) { return now - kv.second.at >= r.finished_age; });
    while (!notifications.empty() && now - notifications.front().at >= r.notification_age) {
      notifications.pop_front();
    }
  }

  // Before adding to `map`: the oldest go until there is room for one more under `max`.
  template <class Map, class TimeOf>
  static void make_room(Map& map, std::size_t max, TimeOf time_of) {
    while (!map.empty() && map.size() >= std::max<std::size_t>(max, 1)) {
      map.erase(std::min_element(map.begin(), map.end(), [&](const auto& a, const auto& b) {
        return time_of(a.second) < time_of(b.second);
      }));
    }
  }
  void add_session(Session session) {
    make_room(sessions, config.retention.max_open, [](const Session& x) { return x.opened; });
    Bytes id = session.transaction_id;
    sessions.emplace(std::move(id), std::move(session));
  }
  void add_finished(const Bytes& id, Finished f) {
    finished.erase(id);
    make_room(finished, config.retention.max_finished, [](const Finished& x) { return x.at; });
    finished.emplace(id, std::move(f));
  }
  void add_notification(const Bytes& der) {
    while (!notifications.empty() &&
           notifications.size() >= std::max<std::size_t>(config.retention.max_notifications, 1)) {
      notifications.pop_front();
    }
    notifications.push_back(Received{der, config.clock()});
  }

  void emit(const ServerEvent& ev) {
    if (!sink) return;
    try {
      sink(ev);
    } catch (...) {
      // A log sink that fails must not change the protocol's outcome.
    }
  }

  // Runs one ES9+ function: one event per call, whatever the outcome; malformed DER found
  // while walking a message becomes the ES9+ format error.
  template <class F>
  auto run(const char* function, ByteView transaction_id, F&& body) {
    std::lock_guard lock(mutex);
    expire();
    ServerEvent ev;
    ev.function = function;
    ev.transaction_id = bytes(transaction_id);
    try {
      try {
        if constexpr (std::is_void_v<std::invoke_result_t<F, ServerEvent&>>) {
          body(ev);
          emit(ev);
          return;
        } else {
          auto result = body(ev);
          emit(ev);
          return result;
        }
      } catch (const tlv::Error& e) {
        fail(kMalformed, e.what());
      }
    } catch (const Es9Error& e) {
      ev.ok = false;
      ev.detail = e.subject_code + "/" + e.reason_code + ": " + e.what();
      emit(ev);
      throw;
    } catch (const std::exception& e) {
      ev.ok = false;
      ev.detail = std::string("internal error: ") + e.what();
      emit(ev);
      throw;
    }
  }

  Bytes new_transaction_id() {
    for (;;) {
      Bytes id = drbg.bytes(16);
      if (!sessions.count(id) && !finished.count(id)) return id;
    }
  }
};

Server::Server(ServerConfig config, crypto::Drbg& drbg)
    : s_(std::make_unique<State>(std::move(config), drbg)) {
  const ServerConfig& c = s_->config;
  for (const Bytes& ci : c.trusted_ci_certs)
    s_->trusted_pkids.push_back(crypto::subject_key_identifier(ci));
  if (c.host_id.empty() || c.host_id.size() > 16)
    throw std::invalid_argument("SM-DP+ config: hostId must be 1 to 16 bytes");
  // Refuse a configuration no card could accept, rather than fail every download later.
  const crypto::ChainResult auth = crypto::verify_server_certificate(
      c.dp_auth.certificate, crypto::RspRole::kDpAuth, c.trusted_ci_certs, {});
  if (!auth) throw std::invalid_argument("SM-DP+ config: DPauth certificate: " + auth.reason);
  const crypto::ChainResult pb = crypto::verify_server_certificate(
      c.dp_pb.certificate, crypto::RspRole::kDpPb, c.trusted_ci_certs, {});
  if (!pb) throw std::invalid_argument("SM-DP+ config: DPpb certificate: " + pb.reason);
  if (auth.key->point() != c.dp_auth.key.public_point() ||
      pb.key->point() != c.dp_pb.key.public_point())
    throw std::invalid_argument("SM-DP+ config: a private key does not match its certificate");
  // The card checks that DPpb names the SM-DP+ DPauth named (PROTOCOL.md §4.3).
  if (auth.registered_id.empty() || auth.registered_id != pb.registered_id)
    throw std::invalid_argument("SM-DP+ config: DPauth and DPpb must carry the same SM-DP+ OID");
  s_->dp_auth_ci = auth.ci_pkid;
  s_->smdp_oid = auth.registered_id;
}

Server::~Server() = default;

void Server::add_profile(ProfileOffer offer) {
  std::lock_guard lock(s_->mutex);
  auto entry = std::make_shared<State::Offer>();
  entry->store_metadata = make_store_metadata(offer, s_->config.address);
  entry->offer = std::move(offer);
  const std::string id = entry->offer.matching_id;
  s_->offers[id] = std::move(entry);
}

std::vector<Bytes> Server::notifications() const {
  std::lock_guard lock(s_->mutex);
  std::vector<Bytes> out;
  for (const auto& n : s_->notifications) out.push_back(n.der);
  return out;
}

std::uint64_t Server::notifications_accepted() const {
  std::lock_guard lock(s_->mutex);
  return s_->accepted;
}

Server::Held Server::held() const {
  std::lock_guard lock(s_->mutex);
  return Held{s_->sessions.size(), s_->finished.size(), s_->notifications.size()};
}

void Server::on_event(std::function<void(const ServerEvent&)> sink) {
  std::lock_guard lock(s_->mutex);
  s_->sink = std::move(sink);
}

// §5.6.1: check the address and the card's CIs, open a session, sign serverSigned1 with
// DPauth.
InitiateAuthenticationResponse Server::initiate_authentication(
    const InitiateAuthenticationRequest& req) {
  State& s = *s_;
  return s.run("initiateAuthentication", {}, [&](ServerEvent& ev) {
    // SGP.22 compares the address case-insensitively (a host name).
    if (!iequals(req.smdp_address, s.config.address))
      fail(kAddressRefused, "smdpAddress '" + req.smdp_address + "' is not this SM-DP+ ('" +
                                s.config.address + "')");
    if (req.euicc_challenge.size() != 16) fail(kMalformed, "euiccChallenge is not 16 bytes");

    check_schema(asn_DEF_EUICCInfo1, req.euicc_info1, "euiccInfo1");
    const auto info = tlv::children(tlv::read_exact(req.euicc_info1, "euiccInfo1").value);
    auto pkids = [&](std::uint32_t tag) {
      std::vector<Bytes> out;
      if (const auto list = tlv::find(info, tag))
        for (const tlv::Tlv& id : tlv::children(list->value)) out.push_back(bytes(id.value));
      return out;
    };
    const std::vector<Bytes> verification = pkids(0xA9);
    const std::vector<Bytes> signing = pkids(0xAA);

    // The card signs with a chain to one of its signing CIs: one of them must be ours.
    if (std::none_of(signing.begin(), signing.end(),
                     [&](const Bytes& id) { return contains(s.trusted_pkids, id); }))
      fail(kNoCommonCi, "none of the eUICC's CIs for signing is trusted by this SM-DP+");
    // The card verifies DPauth with the CI we name: it must be DPauth's and one it trusts.
    if (!contains(verification, s.dp_auth_ci))
      fail(kNoDpAuthForCard, "the eUICC does not verify with the CI of this SM-DP+'s DPauth");

    State::Session session;
    session.transaction_id = s.new_transaction_id();
    session.euicc_challenge = req.euicc_challenge;
    session.server_challenge = s.drbg.bytes(16);
    session.signing_pkids = signing;
    session.opened = s.config.clock();

    InitiateAuthenticationResponse resp;
    resp.transaction_id = session.transaction_id;
    resp.server_signed1 = tlv::encode(0x30, {tlv::encode(0x80, session.transaction_id),
                                             tlv::encode(0x81, session.euicc_challenge),
                                             tlv::encode(0x83, tlv::view(s.config.address)),
                                             tlv::encode(0x84, session.server_challenge)});
    resp.server_signature1 = signature_tlv(s.config.dp_auth.key, resp.server_signed1);
    resp.euicc_ci_pkid_to_be_used = tlv::encode(0x04, s.dp_auth_ci);
    resp.server_certificate = s.config.dp_auth.certificate;

    ev.transaction_id = session.transaction_id;
    ev.detail = "session opened, CI " + to_hex(s.dp_auth_ci);
    s.add_session(std::move(session));
    return resp;
  });
}

// §5.6.3: authenticate the eUICC (chain, euiccSignature1, the echoed session values), pick the
// profile by matchingId, sign smdpSigned2 with DPpb.
AuthenticateClientResponse Server::authenticate_client(const AuthenticateClientRequest& req) {
  State& s = *s_;
  return s.run("authenticateClient", req.transaction_id, [&](ServerEvent& ev) {
    auto it = s.sessions.find(req.transaction_id);
    if (it == s.sessions.end()) fail(kUnknownTransaction, "no session with this transactionId");
    try {
      State::Session& session = it->second;
      if (session.euicc_key)
        fail(kUnknownTransaction, "authenticateClient was already done in this session");

      const auto items =
          card_answer_items(req.authenticate_server_response, asn_DEF_AuthenticateServerResponse,
                            "authenticateServerResponse", "BF38", "AuthenticateServer",
                            "authenticateErrorCode", "AuthenticateErrorCode");
      // authenticateResponseOk: euiccSigned1, euiccSignature1, euiccCertificate, eumCertificate.
      const tlv::Tlv& signed1 = items.at(0);
      const tlv::Tlv& signature1 = items.at(1);
      const crypto::ChainResult chain =
          verify_card_chain(items.at(2).bytes(), items.at(3).bytes(), s.config.trusted_ci_certs);
      if (!contains(session.signing_pkids, chain.ci_pkid))
        fail(kUnknownCi, "the eUICC chain ends at a CI the card did not offer for signing");
      // Over euiccSigned1 as received: re-encoding it could hide a card's encoding error.
      if (!chain.key->verify(signed1.bytes(), signature1.value))
        fail(kEuiccVerification, "euiccSignature1 does not verify");

      const auto fields = tlv::children(signed1.value);
      if (bytes(tlv::need(fields, 0x80, "transactionId").value) != session.transaction_id)
        fail(kUnknownTransaction, "euiccSigned1 names another transaction");
      if (text(tlv::need(fields, 0x83, "serverAddress").value) != s.config.address)
        fail(kEuiccVerification, "euiccSigned1 names another serverAddress");
      if (bytes(tlv::need(fields, 0x84, "serverChallenge").value) != session.server_challenge)
        fail(kEuiccVerification, "euiccSigned1 echoes another serverChallenge");
      // ctxParams1 is a CHOICE whose only alternative is ctxParamsForCommonAuthentication [0].
      const auto ctx = tlv::children(tlv::need(fields, 0xA0, "ctxParams1").value);
      const auto mid = tlv::find(ctx, 0x80);
      const std::string matching_id = mid ? text(mid->value) : std::string();
      auto offer = s.offers.find(matching_id);
      if (offer == s.offers.end())
        fail(kMatchingIdRefused, "no profile for matchingId '" + matching_id + "'");

      const bool cc_required = offer->second->offer.confirmation_code.has_value();
      AuthenticateClientResponse resp;
      resp.transaction_id = session.transaction_id;
      resp.profile_metadata = offer->second->store_metadata;
      const auto& retry_otpk = offer->second->offer.bpp_euicc_otpk;
      resp.smdp_signed2 = tlv::encode(
          0x30, {tlv::encode(0x80, session.transaction_id),
                 Bytes{0x01, 0x01, cc_required ? std::uint8_t{0xFF} : std::uint8_t{0x00}},
                 retry_otpk ? tlv::encode(0x5F49, *retry_otpk) : Bytes{}});
      // smdpSignature2 covers smdpSigned2 and the card's whole euiccSignature1 TLV (§4.2).
      resp.smdp_signature2 =
          signature_tlv(s.config.dp_pb.key, tlv::cat({resp.smdp_signed2, signature1.bytes()}));
      resp.smdp_certificate = s.config.dp_pb.certificate;

      session.euicc_key = chain.key;
      session.eid = chain.eid;
      session.offer = offer->second;
      session.smdp_signature2 = resp.smdp_signature2;
      ev.detail = "EID " + chain.eid + ", matchingId '" + matching_id + "'" +
                  (cc_required ? ", confirmation code required" : "");
      return resp;
    } catch (...) {
      s.sessions.erase(req.transaction_id);
      throw;
    }
  });
}

// §5.6.2: check euiccSignature2 and the confirmation code, agree the session keys with the
// card's one-time key, bind the package.
GetBoundProfilePackageResponse Server::get_bound_profile_package(
    const GetBoundProfilePackageRequest& req) {
  State& s = *s_;
  return s.run("getBoundProfilePackage", req.transaction_id, [&](ServerEvent& ev) {
    auto it = s.sessions.find(req.transaction_id);
    if (it == s.sessions.end()) fail(kUnknownTransaction, "no session with this transactionId");
    try {
      State::Session& session = it->second;
      if (!session.euicc_key)
        fail(kUnknownTransaction, "authenticateClient has not been done in this session");

      const auto items = card_answer_items(
          req.prepare_download_response, asn_DEF_PrepareDownloadResponse, "prepareDownloadResponse",
          "BF21", "PrepareDownload", "downloadErrorCode", "DownloadErrorCode");
      const tlv::Tlv& signed2 = items.at(0);
      const tlv::Tlv& signature2 = items.at(1);
      // euiccSignature2 covers euiccSigned2 and our whole smdpSignature2 TLV (§4.2).
      if (!session.euicc_key->verify(tlv::cat({signed2.bytes(), session.smdp_signature2}),
                                     signature2.value))
        fail(kEuiccVerification, "euiccSignature2 does not verify");
      const auto fields = tlv::children(signed2.value);
      if (bytes(tlv::need(fields, 0x80, "transactionId").value) != session.transaction_id)
        fail(kUnknownTransaction, "euiccSigned2 names another transaction");

      const ProfileOffer& offer = session.offer->offer;
      if (offer.confirmation_code) {
        // hashCc = SHA-256(SHA-256(Confirmation Code) || TransactionID), the raw transaction
        // bytes (SGP.22 ES10b.PrepareDownload; lpac's es10b_prepare_download computes it so).
        const auto hash_cc = tlv::find(fields, 0x04);
        if (!hash_cc) fail(kCcMissing, "a confirmation code is required");
        const Bytes expected =
            sha256(tlv::cat({sha256(tlv::view(*offer.confirmation_code)), session.transaction_id}));
        if (bytes(hash_cc->value) != expected) fail(kCcRefused, "wrong confirmation code");
      }

      const crypto::Curve curve = s.config.dp_pb.key.curve();
      std::optional<crypto::PublicKey> euicc_otpk;
      const tlv::Tlv& otpk = tlv::need(fields, 0x5F49, "euiccOtpk");
      try {
        euicc_otpk = crypto::PublicKey::from_point(curve, otpk.value);
      } catch (const crypto::KeyError&) {
        fail(kEuiccVerification, "euiccOtpk is not a point of the DPpb certificate's curve");
      }

      // Key agreement (PROTOCOL.md §4.5): our one-time key on DPpb's curve, ShS its ECDH
      // x-coordinate with the card's, the KDF keyed by the BF23 CRT and the EID.
      const crypto::PrivateKey ot = crypto::PrivateKey::generate(curve, s.drbg);
      const SecureBytes shs = crypto::ecka_shared_secret(ot, *euicc_otpk);
      const Bytes eid = from_hex(session.eid);
      crypto::BspKeys keys = crypto::derive_bsp_keys(shs, 0x88, 0x10, s.config.host_id, eid);

      // InitialiseSecureChannel: smdpSign covers its fields up to smdpOtpk plus the card's
      // euiccOtpk TLV (PROTOCOL.md §4.2).
      const Bytes remote_op{0x82, 0x01, 0x01};  // installBoundProfilePackage
      const Bytes tid = tlv::encode(0x80, session.transaction_id);
      const Bytes crt =
          tlv::encode(0xA6, {tlv::encode(0x80, Bytes{0x88}), tlv::encode(0x81, Bytes{0x10}),
                             tlv::encode(0x84, s.config.host_id)});
      const Bytes smdp_otpk = tlv::encode(0x5F49, ot.public_point());
      const Bytes smdp_sign = signature_tlv(
          s.config.dp_pb.key, tlv::cat({remote_op, tid, crt, smdp_otpk, otpk.bytes()}));

      BppParts parts;
      parts.initialise_secure_channel =
          tlv::encode(0xBF23, {remote_op, tid, crt, smdp_otpk, smdp_sign});
      parts.configure_isdp = {0xBF, 0x24, 0x00};
      parts.store_metadata = session.offer->store_metadata;
      parts.profile_package = offer.package;
      BindingKeys binding{keys.s_enc, keys.s_mac, keys.initial_mcv, std::nullopt};
      if (offer.ppk) {
        SecureBytes mcv(16), enc(16), mac(16);
        s.drbg.fill(mcv);
        s.drbg.fill(enc);
        s.drbg.fill(mac);
        parts.replace_session_keys = tlv::encode(
            0xBF26, {tlv::encode(0x80, mcv), tlv::encode(0x81, enc), tlv::encode(0x82, mac)});
        binding.ppk = std::array<SecureBytes, 3>{enc, mac, mcv};
      }
      GetBoundProfilePackageResponse resp;
      resp.transaction_id = session.transaction_id;
      resp.bound_profile_package = bind_profile_package(parts, binding);
      if (parts.replace_session_keys)
        Botan::secure_scrub_memory(parts.replace_session_keys->data(),
                                   parts.replace_session_keys->size());

      ev.detail = "bound " + std::to_string(bpp_segments(resp.bound_profile_package).size()) +
                  " segments for EID " + session.eid + (offer.ppk ? " (PPK)" : "");
      const Bytes finished_id = session.transaction_id;
      State::Finished done{*session.euicc_key, session.eid, s.config.clock()};
      s.sessions.erase(it);
      s.add_finished(finished_id, std::move(done));
      return resp;
    } catch (...) {
      s.sessions.erase(req.transaction_id);
      throw;
    }
  });
}

// §5.6.4: a ProfileInstallationResult (signed with the key of the eUICC that got the package)
// or another signed notification (with the chain it carries).
void Server::handle_notification(const HandleNotificationRequest& req) {
  State& s = *s_;
  s.run("handleNotification", {}, [&](ServerEvent& ev) {
    const Bytes& n = req.pending_notification;
    check_schema(asn_DEF_PendingNotification, n, "pendingNotification");
    const tlv::Tlv top = tlv::read_exact(n, "pendingNotification");
    const auto items = tlv::children(top.value);
    if (top.tag == 0xBF37) {
      const tlv::Tlv& data = items.at(0);  // ProfileInstallationResultData, BF27
      const auto fields = tlv::children(data.value);
      const Bytes tid = bytes(tlv::need(fields, 0x80, "transactionId").value);
      ev.transaction_id = tid;
      auto done = s.finished.find(tid);
      if (done == s.finished.end())
        fail(kUnknownTransaction, "no package was delivered in this transaction");
      // Over the whole BF27 TLV, tag included (PROTOCOL.md §4.2).
      if (!done->second.euicc_key.verify(data.bytes(), items.at(1).value))
        fail(kEuiccVerification, "euiccSignPIR does not verify");
      if (tlv::oid_to_dotted(tlv::need(fields, 0x06, "smdpOid").value) != s.smdp_oid)
        fail(kSmdpOidInvalid, "the result names another SM-DP+");
      const auto final_result = tlv::children(tlv::need(fields, 0xA2, "finalResult").value);
      if (!final_result.empty() && final_result[0].tag == 0xA0) {
        ev.detail = "EID " + done->second.eid + ": profile installed";
      } else {
        const auto error =
            final_result.empty() ? std::vector<tlv::Tlv>{} : tlv::children(final_result[0].value);
        const auto cmd = tlv::find(error, 0x80);
        const auto reason = tlv::find(error, 0x81);
        ev.detail = "EID " + done->second.eid + ": installation failed, bppCommandId " +
                    std::to_string(cmd ? small_int(cmd->value) : -1) + ", errorReason " +
                    std::to_string(reason ? small_int(reason->value) : -1);
      }
    } else {
      // OtherSignedNotification: tbsOtherNotification, signature, eUICC and EUM certificates.
      const crypto::ChainResult chain =
          verify_card_chain(items.at(2).bytes(), items.at(3).bytes(), s.config.trusted_ci_certs);
      const tlv::Tlv& tbs = items.at(0);  // NotificationMetadata, BF2F
      if (!chain.key->verify(tbs.bytes(), items.at(1).value))
        fail(kEuiccVerification, "euiccNotificationSignature does not verify");
      const auto fields = tlv::children(tbs.value);
      ev.detail = "EID " + chain.eid + ": notification " +
                  std::to_string(small_int(tlv::need(fields, 0x80, "seqNumber").value)) +
                  ", event " + to_hex(tlv::need(fields, 0x81, "profileManagementOperation").value);
    }
    ++s.accepted;
    if (std::none_of(s.notifications.begin(), s.notifications.end(),
                     [&](const State::Received& r) { return r.der == n; }))
      s.add_notification(n);
  });
}

// §5.6.5: the card's signed cancellation of a session (open or just delivered).
void Server::cancel_session(const CancelSessionRequest& req) {
  State& s = *s_;
  s.run("cancelSession", req.transaction_id, [&](ServerEvent& ev) {
    const crypto::PublicKey* key = nullptr;
    auto open = s.sessions.find(req.transaction_id);
    auto done = s.finished.find(req.transaction_id);
    if (open != s.sessions.end()) {
      if (!open->second.euicc_key)
        fail(kUnknownTransaction, "no eUICC has authenticated in this session yet");
      key = &*open->second.euicc_key;
    } else if (done != s.finished.end()) {
      key = &done->second.euicc_key;
    } else {
      fail(kUnknownTransaction, "no session with this transactionId");
    }

    const Bytes& csr = req.cancel_session_response;
    check_schema(asn_DEF_CancelSessionResponse, csr, "cancelSessionResponse");
    const tlv::Tlv choice = tlv::read_exact(tlv::read_exact(csr, "BF41").value, "BF41 choice");
    if (choice.tag == 0x81) {
      const long code = small_int(choice.value);
      fail(kEuiccReportedError,
           "the eUICC refused CancelSession: cancelSessionResponseError " + std::to_string(code));
    }
    const auto items = tlv::children(choice.value);
    const tlv::Tlv& signed_part = items.at(0);  // euiccCancelSessionSigned
    if (!key->verify(signed_part.bytes(), items.at(1).value))
      fail(kEuiccVerification, "euiccCancelSessionSignature does not verify");
    // EuiccCancelSessionSigned has no tagged components, so automatic tagging gives
    // transactionId [0], smdpOid [1], reason [2].
    const auto fields = tlv::children(signed_part.value);
    if (bytes(tlv::need(fields, 0x80, "transactionId").value) != req.transaction_id)
      fail(kUnknownTransaction, "euiccCancelSessionSigned names another transaction");
    if (tlv::oid_to_dotted(tlv::need(fields, 0x81, "smdpOid").value) != s.smdp_oid)
      fail(kSmdpOidInvalid, "euiccCancelSessionSigned names another SM-DP+");
    const long reason = small_int(tlv::need(fields, 0x82, "reason").value);
    ev.detail = "cancelled: " + asn1::named("CancelSessionReason", reason);
    if (open != s.sessions.end()) s.sessions.erase(open);
    if (done != s.finished.end()) s.finished.erase(done);
  });
}

}  // namespace euiccsim::smdp
