// LoadBoundProfilePackage (SGP.22 v2.5 §5.7.6, §2.5.5; PROTOCOL.md §4.6-§4.8): the Bound
// Profile Package BF36 { BF23, A0 { 87 }, A1 { 88 }, [A2 { 87 }], A3 { 86 ... } } arriving as
// one ES10b call per piece (BppStream says what a piece may hold). Each call that completes
// part of the package without error is answered 9000 with no data; the call that ends the
// package, or the first error, is answered with ProfileInstallationResult BF37 (signed by the
// eUICC), which also becomes a pending install notification. The download session ends with
// it.
//
//   BF23 InitialiseSecureChannel: remoteOpId installBoundProfilePackage, the session's
//        transactionId, CRT keyType 88 / keyLen 10, smdpSign by the DPpb key over the BF23
//        content without 5F37 followed by the card's own 5F49 euiccOtpk; then ECKA with the
//        one-time key (discarded at once) and the X9.63 KDF give S-ENC, S-MAC and the MCV.
//   A0/87 ConfigureISDP BF24: encrypted and MACed; keeps dpProprietaryData.
//   A1/88 StoreMetadata BF25: MAC only; the ICCID must be new on the card, the class known,
//        the PPRs allowed by the card and its RAT for the profile owner. On an iot card it is
//        also read as SGP.32's IotStoreMetadataRequest, for 9F7B ecallIndication and 9F67
//        fallbackAllowed (an SGP.22 card skips them as unknown extensions). With the
//        notification store full (kMaxNotifications) the download stops here with
//        installFailedDueToInsufficientMemoryForProfile(10): its result could not be kept.
//   A2/87 ReplaceSessionKeys BF26: PPK-ENC, PPK-MAC and a new MCV replace the session keys,
//        the block counter starts again.
//   A3/86 the profile package, decrypted segment by segment into the installer; its
//        ProfileHeader must carry StoreMetadata's ICCID (installFailedDueToDataMismatch).
//
// Memory: the profile must fit in free memory (the installer's insufficientMemory(10) at
// loadProfileElements), and so must its installation result once signed; if the result does
// not, the profile goes again and the answer is that same error. A failure's result that finds
// the store full is answered but not kept. Existing notifications are never dropped.
//
// Atomicity: the new ISD-P and its Profile enter the card image together with the success
// result, in the call that produces it. Until then the download lives in the ISD-R's volatile
// session, so a failure or a reset at any earlier point leaves no trace of it.
#include "euiccsim/applets/isdr/es10.hpp"

#include <ConfigureISDPRequest.h>
#include <InitialiseSecureChannelRequest.h>
#include <IotStoreMetadataRequest.h>
#include <NotificationMetadata.h>
#include <OBJECT_IDENTIFIER.h>
#include <ReplaceSessionKeysRequest.h>
#include <StoreMetadataRequest.h>

#include <algorithm>
#include <variant>

#include "../bpp_stream.hpp"
#include "../download_session.hpp"
#include "euiccsim/applets/ecasd.hpp"
#include "euiccsim/applets/isdr/notifications.hpp"
#include "euiccsim/applets/rsp_asn1.hpp"
#include "euiccsim/crypto/ecka.hpp"
#include "euiccsim/crypto/kdf.hpp"
#include "euiccsim/crypto/tlv.hpp"

namespace euiccsim::applets::es10b {

namespace {

using isdr::BppStream;
using isdr::DownloadSession;

// BppCommandId
enum class Command : std::uint8_t {
  kInitialiseSecureChannel = 0,
  kConfigureIsdp = 1,
  kStoreMetadata = 2,
  kReplaceSessionKeys = 4,
  kLoadProfileElements = 5,
};

// ErrorReason
enum class Reason : std::uint8_t {
  kIncorrectInputValues = 1,
  kInvalidSignature = 2,
  kInvalidTransactionId = 3,
  kUnsupportedCrtValues = 4,
  kUnsupportedRemoteOperationType = 5,
  kUnsupportedProfileClass = 6,
  kScp03tStructureError = 7,
  kScp03tSecurityError = 8,
  kIccidAlreadyExists = 9,
  kInsufficientMemory = 10,
  kPeProcessingError = 12,
  kDataMismatch = 13,
  kPprNotAllowed = 15,
  kUnknownError = 127,
};

struct Failure {
  Command command;
  Reason reason;
  Bytes sima_response;  // EUICCResponse DER, when a profile element failed
};

// The command a part of the package carries, for errors found while it arrives.
Command command_of(std::uint32_t part) {
  switch (part) {
    case 0xA0: return Command::kConfigureIsdp;
    case 0xA1: return Command::kStoreMetadata;
    case 0xA2: return Command::kReplaceSessionKeys;
    case 0xA3: return Command::kLoadProfileElements;
    default: return Command::kInitialiseSecureChannel;
  }
}

// The command the card was at when a piece broke the package's shape: the part open, else
// the part due next. The optional A2 is due only for a piece that starts it: an A3 or an 86
// where A2 or A3 may come is loadProfileElements, not the ReplaceSessionKeys of a package
// that has no A2.
Command current_command(const BppStream& stream) {
  const auto open = stream.container();
  if (open && open != 0xBF36) return command_of(open);
  const auto due = stream.expected_part();
  if (due == 0xA2 && stream.last_tag() != 0xA2 && stream.last_tag() != 0x87) {
    return Command::kLoadProfileElements;
  }
  return command_of(due);
}

Reason scp03t_reason(const crypto::Scp03tError& e) {
  return e.kind == crypto::Scp03tError::Kind::kMac ? Reason::kScp03tSecurityError
                                                  : Reason::kScp03tStructureError;
}

// EUICCResponse (TCA PE definitions) for a failed profile element: { peStatus { { status,
// identification } }, profileInstallationAborted }.
Bytes sima_error(const profiles::InstallError& e) {
  Bytes status;
  tlv::append(status, 0x80, tlv::encode_uint(static_cast<std::uint16_t>(e.status), 1));
  if (e.identification) {
    Bytes id = *e.identification > 0xFF ? tlv::encode_uint(*e.identification, 2)
                                        : tlv::encode_uint(*e.identification, 1);
    if (id[0] & 0x80) id.insert(id.begin(), 0);  // INTEGER, non-negative
    tlv::append(status, 0x81, id);
  }
  Bytes body = tlv::encode(0xA0, tlv::encode(0x30, status));
  tlv::append(body, 0x81, {});
  return tlv::encode(0x30, body);
}

Reason install_reason(profiles::InstallFailure f) {
  switch (f) {
    case profiles::InstallFailure::PeProcessingError: return Reason::kPeProcessingError;
    case profiles::InstallFailure::IccidAlreadyExists: return Reason::kIccidAlreadyExists;
    case profiles::InstallFailure::DataMismatch: return Reason::kDataMismatch;
    case profiles::InstallFailure::InsufficientMemory: return Reason::kInsufficientMemory;
  }
  return Reason::kUnknownError;
}

Bytes oid_der(const std::string& dotted) {
  OBJECT_IDENTIFIER_t oid{};
  asn1::set_oid(oid, dotted);
  Bytes der = asn1::encode(asn_DEF_OBJECT_IDENTIFIER, &oid);
  ASN_STRUCT_FREE_CONTENTS_ONLY(asn_DEF_OBJECT_IDENTIFIER, &oid);
  return der;
}

// --- BF23 -------------------------------------------------------------------------------

std::optional<Failure> initialise_secure_channel(DownloadSession& s, const CardState& state,
                                                 ByteView bf23) {
  const Failure incorrect{Command::kInitialiseSecureChannel, Reason::kIncorrectInputValues, {}};
  auto req = rsp::decode_request<InitialiseSecureChannelRequest_t>(
      asn_DEF_InitialiseSecureChannelRequest, bf23);
  auto top = tlv::read(bf23);
  auto parts = top ? tlv::read_all(top->value) : std::nullopt;
  if (!req || !parts || parts->size() != 5 || parts->back().tag != 0x5F37) return incorrect;
  const auto fail = [](Reason r) {
    return Failure{Command::kInitialiseSecureChannel, r, {}};
  };
  // RemoteOpId: installBoundProfilePackage(1) is the only operation SGP.22 defines.
  if (req->remoteOpId != 1) return fail(Reason::kUnsupportedRemoteOperationType);
  if (!std::ranges::equal(asn1::bytes_of(req->transactionId), s.transaction_id)) {
    return fail(Reason::kInvalidTransactionId);
  }
  const auto& crt = req->controlRefTemplate;
  const Bytes key_type = asn1::bytes_of(crt.keyType);
  const Bytes key_len = asn1::bytes_of(crt.keyLen);
  if (key_type != Bytes{0x88} || key_len != Bytes{0x10}) {
    return fail(Reason::kUnsupportedCrtValues);
  }
  Bytes signed_input;
  for (std::size_t i = 0; i + 1 < parts->size(); ++i) {
    const ByteView whole = (*parts)[i].bytes();
    signed_input.insert(signed_input.end(), whole.begin(), whole.end());
  }
  tlv::append(signed_input, 0x5F49, s.otpk);
  if (!s.dp_pb_key || !s.dp_pb_key->verify(signed_input, asn1::bytes_of(req->smdpSign))) {
    return fail(Reason::kInvalidSignature);
  }
  std::optional<crypto::PublicKey> smdp_otpk;
  try {
    smdp_otpk = crypto::PublicKey::from_point(s.otsk->curve(), asn1::bytes_of(req->smdpOtpk));
  } catch (const crypto::KeyError&) {
    return incorrect;
  }
  const SecureBytes shs = crypto::ecka_shared_secret(*s.otsk, *smdp_otpk);
  // One-time: the session's copy of the private half is gone once the session keys exist
  // (SGP.22 §2.6.4); the ISD-R keeps the pair only for a retry of this download (PrepareDownload).
  s.otsk.reset();
  auto keys = crypto::derive_bsp_keys(shs, 0x88, 0x10, asn1::bytes_of(crt.hostId),
                                      state.eid.bytes());
  s.bsp.emplace(std::move(keys.s_enc), std::move(keys.s_mac), std::move(keys.initial_mcv));
  s.stage = DownloadSession::Stage::kLoading;
  return std::nullopt;
}

// --- A0: ConfigureISDP --------------------------------------------------------------------

std::optional<Failure> configure_isdp(DownloadSession& s, ProfileMetadata& pending) {
  auto req = rsp::decode_request<ConfigureISDPRequest_t>(asn_DEF_ConfigureISDPRequest,
                                                         s.configure_isdp);
  if (!req) return Failure{Command::kConfigureIsdp, Reason::kIncorrectInputValues, {}};
  if (req->dpProprietaryData) {
    pending.dp_proprietary_data = asn1::encode(asn_DEF_DpProprietaryData, req->dpProprietaryData);
  }
  return std::nullopt;
}

// --- A1: StoreMetadata --------------------------------------------------------------------

// Does `owner` match an allowed operator of a RAT rule? 'E' nibbles are wildcards (SGP.22
// §2.9.2.2), in mccMnc and in the GIDs.
bool nibbles_match(ByteView pattern, ByteView value) {
  if (pattern.size() != value.size()) return false;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    for (int shift : {0, 4}) {
      const int p = (pattern[i] >> shift) & 0x0F;
      const int v = (value[i] >> shift) & 0x0F;
      if (p != 0x0E && p != v) return false;
    }
  }
  return true;
}

bool operator_allowed(const OperatorId& allowed, const OperatorId& owner) {
  if (!nibbles_match(allowed.mcc_mnc, owner.mcc_mnc)) return false;
  if (allowed.gid1 && (!owner.gid1 || !nibbles_match(*allowed.gid1, *owner.gid1))) return false;
  if (allowed.gid2 && (!owner.gid2 || !nibbles_match(*allowed.gid2, *owner.gid2))) return false;
  return true;
}

// PprIds as our mask: 1 pprUpdateControl, 2 ppr1, 4 ppr2. Each PPR the profile sets must be
// allowed by the card (forbiddenProfilePolicyRules) and by a RAT rule naming it for the
// profile's owner.
bool pprs_allowed(const CardConfig& config, std::uint8_t pprs,
                  const std::optional<OperatorId>& owner) {
  for (std::uint8_t ppr : {std::uint8_t{2}, std::uint8_t{4}}) {
    if (!(pprs & ppr)) continue;
    if (config.forbidden_pprs && (*config.forbidden_pprs & ppr)) return false;
    if (!owner) return false;
    const bool allowed = std::ranges::any_of(config.rat, [&](const RatRule& rule) {
      return (rule.ppr_ids & ppr) &&
             std::ranges::any_of(rule.allowed_operators,
                                 [&](const OperatorId& op) { return operator_allowed(op, *owner); });
    });
    if (!allowed) return false;
  }
  return true;
}

std::optional<Failure> store_metadata(DownloadSession& s, const CardState& state,
                                      ProfileMetadata& m) {
  const auto fail = [](Reason r) { return Failure{Command::kStoreMetadata, r, {}}; };
  auto req = rsp::decode_request<StoreMetadataRequest_t>(asn_DEF_StoreMetadataRequest,
                                                         s.store_metadata);
  if (!req || req->iccid.size != 10) return fail(Reason::kIncorrectInputValues);
  s.metadata_iccid = asn1::bytes_of(req->iccid);
  if (std::ranges::any_of(state.profiles, [&](const ProfileSlot& p) {
        return p.iccid().swapped_bcd() == s.metadata_iccid;
      })) {
    return fail(Reason::kIccidAlreadyExists);
  }

  m.service_provider_name = asn1::string_of(req->serviceProviderName);
  m.profile_name = asn1::string_of(req->profileName);
  if (req->iconType) m.icon_type = static_cast<std::uint8_t>(*req->iconType);
  if (req->icon) m.icon = asn1::bytes_of(*req->icon);
  if (req->profileClass) {
    const long c = *req->profileClass;
    if (c < 0 || c > 2) return fail(Reason::kUnsupportedProfileClass);
    m.profile_class = static_cast<ProfileClass>(c);
  }
  if (req->notificationConfigurationInfo) {
    for (int i = 0; i < req->notificationConfigurationInfo->list.count; ++i) {
      const auto* n = req->notificationConfigurationInfo->list.array[i];
      const auto events = asn1::bits_of(n->profileManagementOperation);
      for (unsigned e = 0; e < 4; ++e) {
        if (events & (1u << e)) {
          m.notification_config.push_back(NotificationConfig{
              static_cast<NotificationEvent>(e), asn1::string_of(n->notificationAddress)});
        }
      }
    }
  }
  if (req->profileOwner) {
    OperatorId owner;
    owner.mcc_mnc = asn1::bytes_of(req->profileOwner->mccMnc);
    if (req->profileOwner->gid1) owner.gid1 = asn1::bytes_of(*req->profileOwner->gid1);
    if (req->profileOwner->gid2) owner.gid2 = asn1::bytes_of(*req->profileOwner->gid2);
    m.profile_owner = std::move(owner);
  }
  if (req->profilePolicyRules) {
    const auto pprs = static_cast<std::uint8_t>(asn1::bits_of(*req->profilePolicyRules));
    if (!pprs_allowed(state.config, pprs, m.profile_owner)) return fail(Reason::kPprNotAllowed);
    m.pprs = pprs;
  }
  if (req->serviceSpecificDataStoredInEuicc) {
    m.service_specific_data =
        asn1::encode(asn_DEF_VendorSpecificExtension, req->serviceSpecificDataStoredInEuicc);
  }
  if (state.config.is_iot()) {
    // The SGP.22 reading above succeeded, so only a malformed IoT field can fail this one.
    auto iot = rsp::decode_request<IotStoreMetadataRequest_t>(asn_DEF_IotStoreMetadataRequest,
                                                              s.store_metadata);
    if (!iot) return fail(Reason::kIncorrectInputValues);
    s.ecall_indication = iot->ecallIndication != nullptr && *iot->ecallIndication != 0;
    if (iot->fallbackAllowed) s.fallback_allowed = *iot->fallbackAllowed != 0;
  }

  // The installation result will be a notification: with the store full, no download can
  // start (nothing is dropped to make room; the LPA delivers and removes notifications first).
  if (state.notifications.size() >= kMaxNotifications) return fail(Reason::kInsufficientMemory);

  profiles::InstallOptions options;
  for (const auto& p : state.profiles) options.existing_iccids.push_back(p.iccid());
  // The ProfileHeader, in the first 86, must name this ICCID (loadProfileElements,
  // installFailedDueToDataMismatch): the card stops there rather than after the last 86.
  options.expected_iccid = Iccid::from_swapped_bcd(s.metadata_iccid);
  options.free_memory = state.free_memory();
  s.installer.emplace(std::move(options));
  return std::nullopt;
}

// --- A2: ReplaceSessionKeys ---------------------------------------------------------------

std::optional<Failure> replace_session_keys(DownloadSession& s) {
  auto req = rsp::decode_request<ReplaceSessionKeysRequest_t>(asn_DEF_ReplaceSessionKeysRequest,
                                                              s.replace_session_keys);
  const auto fail = Failure{Command::kReplaceSessionKeys, Reason::kIncorrectInputValues, {}};
  if (!req || req->initialMacChainingValue.size != 16 || req->ppkEnc.size != 16 ||
      req->ppkCmac.size != 16) {
    return fail;
  }
  const auto secure = [](const OCTET_STRING_t& o) {
    return SecureBytes(o.buf, o.buf + o.size);
  };
  s.bsp.emplace(secure(req->ppkEnc), secure(req->ppkCmac), secure(req->initialMacChainingValue));
  return std::nullopt;
}

// --- the result ---------------------------------------------------------------------------

// ProfileInstallationResult BF37 { BF27 { 80 transactionId, BF2F notificationMetadata, 06
// smdpOid, A2 finalResult }, 5F37 euiccSignPIR over the BF27 TLV }, as the pending notification
// it becomes, numbered next. `final_result` is the A0 success or A1 error alternative.
PendingNotification installation_result(const CardState& state, const DownloadSession& s,
                                        const Bytes& final_result, ecasd::KeyCache& key) {
  PendingNotification n;
  n.seq_number = state.last_seq_number + 1;
  n.event = NotificationEvent::kInstall;
  n.address = s.server_address;
  n.iccid = s.metadata_iccid;

  Bytes data;
  tlv::append(data, 0x80, s.transaction_id);
  const Bytes metadata = notifications::metadata_der(n);
  data.insert(data.end(), metadata.begin(), metadata.end());
  const Bytes oid = oid_der(s.smdp_oid);
  data.insert(data.end(), oid.begin(), oid.end());
  tlv::append(data, 0xA2, final_result);
  const Bytes result_data = tlv::encode(0xBF27, data);

  Bytes pir = result_data;
  tlv::append(pir, 0x5F37, ecasd::sign(state.identity, result_data, key));
  n.der = tlv::encode(0xBF37, pir);
  return n;
}

Bytes error_result(const Failure& f) {
  Bytes body;
  tlv::append(body, 0x80, Bytes{static_cast<std::uint8_t>(f.command)});
  // Every ErrorReason is at most 127: one content byte, a non-negative INTEGER.
  tlv::append(body, 0x81, Bytes{static_cast<std::uint8_t>(f.reason)});
  if (!f.sima_response.empty()) tlv::append(body, 0x82, f.sima_response);
  return tlv::encode(0xA1, body);
}

// The success answer of the pieces that end the package.
std::variant<Bytes, Failure> finish(DownloadSession& s, CardState& state,
                                    ProfileMetadata& metadata) {
  profiles::InstalledProfile profile;
  try {
    profile = s.installer->finish();
  } catch (const profiles::InstallError& e) {
    return Failure{Command::kLoadProfileElements, install_reason(e.failure), sima_error(e)};
  }
  // For a metadata ICCID that is no valid ICCID (so the header check had nothing to compare).
  if (profile.iccid.swapped_bcd() != s.metadata_iccid) {
    return Failure{Command::kLoadProfileElements, Reason::kDataMismatch, {}};
  }
  const Bytes aid = state.add_profile(std::move(profile), false);
  auto* slot = state.find_by_aid(aid);
  slot->metadata = std::move(metadata);
  slot->ecall_indication = s.ecall_indication;
  slot->fallback_allowed = s.fallback_allowed;
  s.installed_aid = aid;
  // EUICCResponse { peStatus { { status ok } } }: every element installed.
  const Bytes sima = tlv::encode(
      0x30, tlv::encode(0xA0, tlv::encode(0x30, tlv::encode(0x80, Bytes{0x00}))));
  Bytes success;
  tlv::append(success, 0x4F, aid);
  tlv::append(success, 0x04, sima);
  return tlv::encode(0xA0, success);
}

}  // namespace

bool continues_bound_profile_package(const isdr::Session& session, ByteView request) {
  const auto& d = session.download;
  if (!d || !d->stream.started() || d->stream.done()) return false;
  // Only the package's own parts continue it: other functions (CancelSession above all)
  // keep working while it is under way.
  auto head = tlv::read_header(request);
  if (!head) return false;
  switch (head->tag) {
    case 0xA0: case 0xA1: case 0xA2: case 0xA3: case 0x86: case 0x87: case 0x88: return true;
    default: return false;
  }
}

apdu::Response load_bound_profile_package(isdr::Es10Call& call, ByteView piece) {
  auto* s = call.session.download.get();
  // A package with no prepared download has no transactionId or SM-DP+ to answer: the
  // signed result cannot exist, so the transport refuses it.
  if (!s || s->stage == DownloadSession::Stage::kAuthenticated) {
    return apdu::Response::status(apdu::sw::kConditionsNotSatisfied);
  }

  ProfileMetadata& metadata = s->metadata ? *s->metadata : s->metadata.emplace();
  std::optional<Failure> failure;
  std::optional<Bytes> success;
  auto events = s->stream.feed(piece);
  if (!events) {
    failure = Failure{current_command(s->stream), Reason::kScp03tStructureError, {}};
  }
  for (const auto& ev : events ? *events : std::vector<BppStream::Event>{}) {
    try {
      if (ev.kind == BppStream::Event::Kind::kLeaf) {
        if (ev.tag == 0xBF23) {
          failure = initialise_secure_channel(*s, call.ctx.state(), ev.tlv);
        } else {
          const SecureBytes plain = s->bsp->unwrap(ev.tlv);
          switch (ev.parent) {
            case 0xA0: s->configure_isdp.insert(s->configure_isdp.end(), plain.begin(), plain.end()); break;
            case 0xA1: s->store_metadata.insert(s->store_metadata.end(), plain.begin(), plain.end()); break;
            case 0xA2:
              s->replace_session_keys.insert(s->replace_session_keys.end(), plain.begin(),
                                             plain.end());
              break;
            case 0xA3: s->installer->push(plain); break;
          }
        }
      } else if (ev.kind == BppStream::Event::Kind::kClosed) {
        switch (ev.tag) {
          case 0xA0: failure = configure_isdp(*s, metadata); break;
          case 0xA1: failure = store_metadata(*s, call.ctx.state(), metadata); break;
          case 0xA2: failure = replace_session_keys(*s); break;
          case 0xA3: {
            auto outcome = finish(*s, call.ctx.update_state(), metadata);
            if (auto* f = std::get_if<Failure>(&outcome)) {
              failure = std::move(*f);
            } else {
              success = std::get<Bytes>(std::move(outcome));
            }
            break;
          }
        }
      }
    } catch (const crypto::Scp03tError& e) {
      failure = Failure{command_of(ev.parent), scp03t_reason(e), {}};
    } catch (const profiles::InstallError& e) {
      failure = Failure{Command::kLoadProfileElements, install_reason(e.failure), sima_error(e)};
    } catch (const std::exception&) {
      // Nothing else should throw; if something does, the card still answers and its state
      // stays as it was (installFailedDueToUnknownError).
      failure = Failure{command_of(ev.parent ? ev.parent : ev.tag), Reason::kUnknownError, {}};
    }
    if (failure || success) break;
  }

  if (!failure && !success) return apdu::Response::ok();
  // The package ended, one way or the other: the result is signed, kept as a notification,
  // and the session is over.
  auto& state = call.ctx.update_state();
  PendingNotification pir = installation_result(
      state, *s, failure ? error_result(*failure) : *success, call.session.euicc_key);
  if (!failure && !state.can_keep_notification(pir.stored_size())) {
    // The profile fitted but its result does not: installed without its notification it would
    // be a profile the SM-DP+ never hears of, so it goes and the download fails for memory.
    std::erase_if(state.profiles,
                  [&](const ProfileSlot& p) { return p.isdp_aid == s->installed_aid; });
    failure = Failure{Command::kLoadProfileElements, Reason::kInsufficientMemory, {}};
    pir = installation_result(state, *s, error_result(*failure), call.session.euicc_key);
  }
  // A failure's result that finds no room is answered but not kept; its number is used up
  // all the same, so sequence numbers stay unique.
  state.last_seq_number = pir.seq_number;
  if (state.can_keep_notification(pir.stored_size())) state.notifications.push_back(pir);
  // What SGP.32's ImmediateEnable may enable; a failed download leaves the previous one.
  if (!failure) call.session.last_installed_aid = s->installed_aid;
  // The one-time key pair a retry could have asked for again has served its profile.
  if (!failure) call.session.retained_otsk.reset();
  call.session.download.reset();
  return apdu::Response::ok(std::move(pir.der));
}

}  // namespace euiccsim::applets::es10b
