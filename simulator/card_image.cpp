#include "euiccsim/simulator/card_image.hpp"

#include <botan/hash.h>
#include <botan/mem_ops.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>

#include "euiccsim/crypto/tlv.hpp"

namespace euiccsim::sim {

namespace {
constexpr char kMagic[8] = {'E', 'U', 'I', 'C', 'C', 'S', 'I', 'M'};
constexpr std::size_t kHeader = 8 + 2 + 4;
constexpr std::size_t kDigest = 32;

// Body fields of version 1.
constexpr std::uint32_t kTagEid = 0x80;
constexpr std::uint32_t kTagConfig = 0xA1;
constexpr std::uint32_t kTagPersonality = 0x80;
constexpr std::uint32_t kTagIsdrAid = 0x81;
constexpr std::uint32_t kTagEcasdAid = 0x82;
constexpr std::uint32_t kTagSvn = 0x83;
// Added in version 2: one per ISD-P.
constexpr std::uint32_t kTagProfile = 0xA2;
constexpr std::uint32_t kTagIsdpAid = 0x80;
constexpr std::uint32_t kTagEnabled = 0x81;
constexpr std::uint32_t kTagInstalled = 0xA2;
// Added in version 3 (docs/card-image.md): the personality's EUICCInfo2 values and quirks,
// the ECASD identity, configured addresses, notifications, profile metadata.
constexpr std::uint32_t kTagProfileVersion = 0x84;
constexpr std::uint32_t kTagFirmwareVersion = 0x85;
constexpr std::uint32_t kTagTs102241Version = 0x86;
constexpr std::uint32_t kTagGpVersion = 0x87;
constexpr std::uint32_t kTagPpVersion = 0x88;
constexpr std::uint32_t kTagSas = 0x89;
constexpr std::uint32_t kTagUiccCapability = 0x8A;
constexpr std::uint32_t kTagRspCapability = 0x8B;
constexpr std::uint32_t kTagCategory = 0x8C;
constexpr std::uint32_t kTagForbiddenPprs = 0x8D;
constexpr std::uint32_t kTagMemoryCapacity = 0x8E;
constexpr std::uint32_t kTagVolatileMemory = 0x8F;
constexpr std::uint32_t kTagQuirk = 0x90;
constexpr std::uint32_t kTagRatRule = 0xB1;   // 80 PPR mask, 81 consent, A2 operator...
constexpr std::uint32_t kTagIdentity = 0xA3;  // 80 key, 81 eUICC cert, 82 EUM cert, 83 CI...
constexpr std::uint32_t kTagDefaultDp = 0x84;
constexpr std::uint32_t kTagRootDs = 0x85;
constexpr std::uint32_t kTagNotification = 0xA6;  // 80 seq, 81 event, 82 address, 83 ICCID, 84 DER
constexpr std::uint32_t kTagLastSeq = 0x87;
constexpr std::uint32_t kTagTestFallback = 0x88;  // ISD-P AID
constexpr std::uint32_t kTagMetadata = 0xA3;      // in an ISD-P
constexpr std::uint32_t kTagPreloaded = 0x84;     // in an ISD-P
// Added in version 4: the "iot" personality, SGP.32's eIM configuration.
constexpr std::uint32_t kTagEim = 0xA9;  // 80 id, 81 FQDN, 82 id type, 83 counter, 84 token, ...
constexpr std::uint32_t kTagLastToken = 0x8A;
// Added in version 5: the rest of SGP.32's state (docs/card-image.md).
constexpr std::uint32_t kTagFallbackAttribute = 0x85;  // in an ISD-P
constexpr std::uint32_t kTagFallbackAllowed = 0x86;    // in an ISD-P
constexpr std::uint32_t kTagEcall = 0x87;              // in an ISD-P
constexpr std::uint32_t kTagPackageResult = 0xAB;      // 80 seq, 81 eIM id, 82 DER
constexpr std::uint32_t kTagRollback = 0xAC;  // 80 enabled AID, 81 previous AID, 82 eIM, 83, 84
constexpr std::uint32_t kTagImmediateEnable = 0xAD;  // 80 flag, 81 OID, 82 address
constexpr std::uint32_t kTagFallbackReturn = 0x8E;   // ISD-P AID
constexpr std::uint32_t kTagEmergencyReturn = 0x8F;  // ISD-P AID
constexpr std::uint32_t kTagIpaMode = 0x90;
// Added in version 6: the IPAe (its configuration and state), all under one field so that
// the version's own encoding stays in encode_ipae / decode_ipae.
constexpr std::uint32_t kTagIpae = 0xAE;  // A0 configuration, A1 state
constexpr std::uint16_t kIpaeSince = 6;
// Optional in version 5's card configuration, written only when T=1 is offered (so images of
// cards without it are what they were): the ATR's protocols, bit 0 T=0, bit 1 T=1.
constexpr std::uint32_t kTagProtocols = 0x91;
constexpr std::uint8_t kProtocolT0 = 0x01;
constexpr std::uint8_t kProtocolT1 = 0x02;

Bytes sha256(ByteView data) {
  auto h = Botan::HashFunction::create_or_throw("SHA-256");
  h->update(data.data(), data.size());
  auto d = h->final();
  return Bytes(d.begin(), d.end());
}

std::string as_string(ByteView v) {
  return std::string(v.begin(), v.end());
}
ByteView text(const std::string& s) {
  return ByteView(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}
Bytes byte(std::uint64_t v) {
  return tlv::encode_uint(v, 1);
}

void append_operator(Bytes& out, std::uint32_t tag, const OperatorId& o) {
  Bytes v;
  tlv::append(v, 0x80, o.mcc_mnc);
  if (o.gid1) tlv::append(v, 0x81, *o.gid1);
  if (o.gid2) tlv::append(v, 0x82, *o.gid2);
  tlv::append(out, tag, v);
}

Bytes encode_metadata(const ProfileMetadata& m) {
  Bytes v;
  if (m.nickname) tlv::append(v, 0x80, text(*m.nickname));
  tlv::append(v, 0x81, text(m.service_provider_name));
  tlv::append(v, 0x82, text(m.profile_name));
  if (m.icon_type) tlv::append(v, 0x83, byte(*m.icon_type));
  if (!m.icon.empty()) tlv::append(v, 0x84, m.icon);
  tlv::append(v, 0x85, byte(static_cast<std::uint8_t>(m.profile_class)));
  for (const auto& n : m.notification_config) {
    Bytes c;
    tlv::append(c, 0x80, byte(static_cast<std::uint8_t>(n.event)));
    tlv::append(c, 0x81, text(n.address));
    tlv::append(v, 0xA6, c);
  }
  if (m.profile_owner) append_operator(v, 0xA7, *m.profile_owner);
  if (!m.dp_proprietary_data.empty()) tlv::append(v, 0x88, m.dp_proprietary_data);
  if (m.pprs) tlv::append(v, 0x89, byte(*m.pprs));
  if (!m.service_specific_data.empty()) tlv::append(v, 0x8A, m.service_specific_data);
  return v;
}

Bytes encode_key_data(const EimKeyData& k) {
  Bytes v;
  tlv::append(v, 0x80, byte(static_cast<std::uint8_t>(k.kind)));
  tlv::append(v, 0x81, k.der);
  return v;
}

Bytes encode_eim(const EimConfig& e) {
  Bytes v;
  tlv::append(v, 0x80, text(e.eim_id));
  if (e.fqdn) tlv::append(v, 0x81, text(*e.fqdn));
  if (e.id_type) tlv::append(v, 0x82, byte(*e.id_type));
  tlv::append(v, 0x83, tlv::encode_uint(e.counter_value, 8));
  if (e.association_token) tlv::append(v, 0x84, tlv::encode_uint(*e.association_token, 8));
  if (e.public_key) tlv::append(v, 0xA5, encode_key_data(*e.public_key));
  if (e.tls_key) tlv::append(v, 0xA6, encode_key_data(*e.tls_key));
  if (e.supported_protocols) tlv::append(v, 0x87, tlv::encode_uint(*e.supported_protocols, 4));
  if (!e.euicc_ci_pkid.empty()) tlv::append(v, 0x88, e.euicc_ci_pkid);
  if (e.indirect_profile_download) tlv::append(v, 0x89, byte(1));
  return v;
}

Bytes encode_time(std::int64_t ms) {
  return tlv::encode_uint(static_cast<std::uint64_t>(std::max<std::int64_t>(ms, 0)), 8);
}

// Version 6's IPAe field (docs/card-image.md); empty when the card has nothing of it.
Bytes encode_ipae(const CardState& s) {
  Bytes v;
  if (const auto& c = s.config.ipae) {
    Bytes cfg;
    tlv::append(cfg, 0x80, tlv::encode_uint(c->poll_interval_s, 4));
    tlv::append(cfg, 0x81, tlv::encode_uint(c->poll_jitter_s, 4));
    tlv::append(cfg, 0x82, tlv::encode_uint(c->backoff_min_s, 4));
    tlv::append(cfg, 0x83, tlv::encode_uint(c->backoff_max_s, 4));
    tlv::append(cfg, 0x84, tlv::encode_uint(c->rollback_after_failures, 4));
    tlv::append(cfg, 0x85, byte(c->minimize_esipa_bytes ? 1 : 0));
    tlv::append(cfg, 0x86, c->tac);
    if (!c->imei.empty()) tlv::append(cfg, 0x87, c->imei);
    if (!c->device_capabilities.empty()) tlv::append(cfg, 0x88, c->device_capabilities);
    if (!c->rplmn.empty()) tlv::append(cfg, 0x89, c->rplmn);
    for (const auto& ca : c->tls_ca_certificates) tlv::append(cfg, 0x8A, ca);
    tlv::append(cfg, 0x8B, text(c->terminal_conflict));
    tlv::append(v, 0xA0, cfg);
  }
  const auto& st = s.ipae;
  if (st != IpaeState{}) {
    Bytes out;
    tlv::append(out, 0x80, encode_time(st.next_poll_ms));
    tlv::append(out, 0x81, encode_time(st.last_cycle_ms));
    tlv::append(out, 0x82, tlv::encode_uint(st.failed_cycles, 4));
    tlv::append(out, 0x83, tlv::encode_uint(st.cycles, 8));
    tlv::append(out, 0x84, tlv::encode_uint(st.packages, 8));
    if (!st.last_error.empty()) tlv::append(out, 0x85, text(st.last_error));
    for (const auto& e : st.eim_views) {
      Bytes view;
      tlv::append(view, 0x80, text(e.eim_id));
      if (!e.enabled_iccid.empty()) tlv::append(view, 0x81, e.enabled_iccid);
      tlv::append(view, 0x82, e.profiles_digest);
      if (e.cause) tlv::append(view, 0x83, byte(*e.cause));
      tlv::append(out, 0xA6, view);
    }
    if (const auto& f = st.in_flight) {
      Bytes flight;
      tlv::append(flight, 0x80, byte(static_cast<std::uint8_t>(f->kind)));
      tlv::append(flight, 0x81, text(f->eim_id));
      if (!f->eim_transaction_id.empty()) tlv::append(flight, 0x82, f->eim_transaction_id);
      tlv::append(flight, 0x83, byte(f->step));
      if (!f->package.empty()) tlv::append(flight, 0x84, f->package);
      if (!f->smdp_transaction_id.empty()) tlv::append(flight, 0x85, f->smdp_transaction_id);
      if (!f->result.empty()) tlv::append(flight, 0x86, f->result);
      tlv::append(flight, 0x87, tlv::encode_uint(f->attempts, 4));
      if (f->indirect) tlv::append(flight, 0x88, byte(1));
      tlv::append(out, 0xA7, flight);
    }
    if (const auto& w = st.rollback_watch) {
      Bytes watch;
      tlv::append(watch, 0x80, text(w->eim_id));
      tlv::append(watch, 0x81, tlv::encode_uint(w->seq_number, 8));
      tlv::append(watch, 0x82, tlv::encode_uint(w->failures, 4));
      tlv::append(out, 0xA8, watch);
    }
    if (st.iot_device_capabilities) tlv::append(out, 0x89, *st.iot_device_capabilities);
    tlv::append(v, 0xA1, out);
  }
  return v;
}

Bytes encode_body(const CardState& s) {
  Bytes body;
  tlv::append(body, kTagEid, s.eid.bytes());
  Bytes cfg;
  const auto& c = s.config;
  tlv::append(cfg, kTagPersonality, text(c.personality));
  tlv::append(cfg, kTagIsdrAid, c.isdr_aid);
  tlv::append(cfg, kTagEcasdAid, c.ecasd_aid);
  tlv::append(cfg, kTagSvn, c.svn.bytes());
  tlv::append(cfg, kTagProfileVersion, c.profile_version.bytes());
  tlv::append(cfg, kTagFirmwareVersion, c.firmware_version.bytes());
  if (c.ts102241_version) tlv::append(cfg, kTagTs102241Version, c.ts102241_version->bytes());
  if (c.globalplatform_version) tlv::append(cfg, kTagGpVersion, c.globalplatform_version->bytes());
  tlv::append(cfg, kTagPpVersion, c.pp_version.bytes());
  tlv::append(cfg, kTagSas, text(c.sas_accreditation_number));
  tlv::append(cfg, kTagUiccCapability, tlv::encode_uint(c.uicc_capability, 4));
  tlv::append(cfg, kTagRspCapability, tlv::encode_uint(c.rsp_capability, 4));
  if (c.euicc_category) tlv::append(cfg, kTagCategory, byte(*c.euicc_category));
  if (c.forbidden_pprs) tlv::append(cfg, kTagForbiddenPprs, byte(*c.forbidden_pprs));
  tlv::append(cfg, kTagMemoryCapacity, tlv::encode_uint(c.memory_capacity, 8));
  tlv::append(cfg, kTagVolatileMemory, tlv::encode_uint(c.volatile_memory, 8));
  for (const auto& q : c.quirks) tlv::append(cfg, kTagQuirk, text(q));
  for (const auto& r : c.rat) {
    Bytes rule;
    tlv::append(rule, 0x80, byte(r.ppr_ids));
    tlv::append(rule, 0x81, byte(r.consent_required ? 1 : 0));
    for (const auto& o : r.allowed_operators) append_operator(rule, 0xA2, o);
    tlv::append(cfg, kTagRatRule, rule);
  }
  if (c.offers_t1) tlv::append(cfg, kTagProtocols, byte(kProtocolT0 | kProtocolT1));
  tlv::append(body, kTagConfig, cfg);
  for (const auto& p : s.profiles) {
    Bytes slot;
    tlv::append(slot, kTagIsdpAid, p.isdp_aid);
    tlv::append(slot, kTagEnabled, Bytes{static_cast<std::uint8_t>(p.enabled ? 1 : 0)});
    tlv::append(slot, kTagInstalled, profiles::serialize(p.profile));
    tlv::append(slot, kTagMetadata, encode_metadata(p.metadata));
    tlv::append(slot, kTagPreloaded, byte(p.preloaded ? 1 : 0));
    if (p.fallback_attribute) tlv::append(slot, kTagFallbackAttribute, byte(1));
    if (p.fallback_allowed)
      tlv::append(slot, kTagFallbackAllowed, byte(*p.fallback_allowed ? 1 : 0));
    if (p.ecall_indication) tlv::append(slot, kTagEcall, byte(1));
    tlv::append(body, kTagProfile, slot);
  }
  if (!s.identity.empty()) {
    Bytes id;
    tlv::append(id, 0x80, s.identity.euicc_private_key);
    tlv::append(id, 0x81, s.identity.euicc_certificate);
    tlv::append(id, 0x82, s.identity.eum_certificate);
    for (const auto& ci : s.identity.ci_certificates) tlv::append(id, 0x83, ci);
    tlv::append(body, kTagIdentity, id);
    // The key passed through a plain vector here; scrub it so the secret does not linger.
    Botan::secure_scrub_memory(id.data(), id.size());
  }
  if (!s.default_dp_address.empty()) tlv::append(body, kTagDefaultDp, text(s.default_dp_address));
  tlv::append(body, kTagRootDs, text(s.root_ds_address));
  for (const auto& n : s.notifications) {
    Bytes v;
    tlv::append(v, 0x80, tlv::encode_uint(n.seq_number, 8));
    tlv::append(v, 0x81, byte(static_cast<std::uint8_t>(n.event)));
    tlv::append(v, 0x82, text(n.address));
    if (!n.iccid.empty()) tlv::append(v, 0x83, n.iccid);
    tlv::append(v, 0x84, n.der);
    tlv::append(body, kTagNotification, v);
  }
  tlv::append(body, kTagLastSeq, tlv::encode_uint(s.last_seq_number, 8));
  if (s.test_fallback_aid) tlv::append(body, kTagTestFallback, *s.test_fallback_aid);
  for (const auto& e : s.eims) tlv::append(body, kTagEim, encode_eim(e));
  tlv::append(body, kTagLastToken, tlv::encode_uint(s.last_association_token, 8));
  for (const auto& r : s.package_results) {
    Bytes v;
    tlv::append(v, 0x80, tlv::encode_uint(r.seq_number, 8));
    tlv::append(v, 0x81, text(r.eim_id));
    tlv::append(v, 0x82, r.der);
    tlv::append(body, kTagPackageResult, v);
  }
  if (s.rollback) {
    const auto& r = *s.rollback;
    Bytes v;
    tlv::append(v, 0x80, r.enabled_aid);
    if (r.previous_aid) tlv::append(v, 0x81, *r.previous_aid);
    tlv::append(v, 0x82, text(r.eim_id));
    tlv::append(v, 0x83, tlv::encode_uint(r.counter_value, 8));
    if (!r.transaction_id.empty()) tlv::append(v, 0x84, r.transaction_id);
    tlv::append(body, kTagRollback, v);
  }
  if (s.immediate_enable) {
    const auto& c = *s.immediate_enable;
    Bytes v;
    tlv::append(v, 0x80, byte(c.immediate_enable ? 1 : 0));
    if (!c.default_smdp_oid.empty()) tlv::append(v, 0x81, c.default_smdp_oid);
    if (c.default_smdp_address) tlv::append(v, 0x82, text(*c.default_smdp_address));
    tlv::append(body, kTagImmediateEnable, v);
  }
  if (s.fallback_return_aid) tlv::append(body, kTagFallbackReturn, *s.fallback_return_aid);
  if (s.emergency_return_aid) tlv::append(body, kTagEmergencyReturn, *s.emergency_return_aid);
  if (s.ipa_mode != kIpaModeIpad) tlv::append(body, kTagIpaMode, byte(s.ipa_mode));
  if (Bytes ipae = encode_ipae(s); !ipae.empty()) tlv::append(body, kTagIpae, ipae);
  return body;
}

// The fields of one constructed value: each known tag once (or, if declared repeatable, any
// number of times), nothing unknown. An image is never half understood.
class Fields {
 public:
  Fields(ByteView v, const char* where) : where_(where) {
    auto all = tlv::read_all(v);
    if (!all) throw ImageError(std::string("malformed ") + where);
    all_ = std::move(*all);
  }
  std::optional<ByteView> optional(std::uint32_t tag) {
    known_.push_back(tag);
    std::optional<ByteView> found;
    for (const auto& f : all_) {
      if (f.tag != tag) continue;
      if (found) throw ImageError(std::string("repeated field in ") + where_);
      found = f.value;
    }
    return found;
  }
  ByteView required(std::uint32_t tag) {
    auto v = optional(tag);
    if (!v) throw ImageError(std::string("missing field in ") + where_);
    return *v;
  }
  std::vector<ByteView> repeated(std::uint32_t tag) {
    known_.push_back(tag);
    std::vector<ByteView> out;
    for (const auto& f : all_) {
      if (f.tag == tag) out.push_back(f.value);
    }
    return out;
  }
  // Call once every field was asked for.
  void finish() const {
    for (const auto& f : all_) {
      if (std::find(known_.begin(), known_.end(), f.tag) == known_.end()) {
        throw ImageError(std::string("unknown field ") +
                         to_hex(tlv::encode_uint(f.tag, f.tag > 0xFF ? 2 : 1)) + " in " + where_);
      }
    }
  }

 private:
  const char* where_;
  std::vector<tlv::Tlv> all_;
  std::vector<std::uint32_t> known_;
};

Version version_of(ByteView v, const char* what) {
  if (v.size() != 3) throw ImageError(std::string("bad ") + what + " field");
  return Version{v[0], v[1], v[2]};
}
std::uint64_t uint_of(ByteView v, std::size_t max_width, const char* what) {
  auto n = tlv::decode_uint(v);
  if (v.empty() || v.size() > max_width || !n)
    throw ImageError(std::string("bad ") + what + " field");
  return *n;
}
std::uint8_t small_of(ByteView v, unsigned max, const char* what) {
  auto n = uint_of(v, 1, what);
  if (n > max) throw ImageError(std::string("bad ") + what + " field");
  return static_cast<std::uint8_t>(n);
}
Bytes bytes_of(ByteView v) {
  return Bytes(v.begin(), v.end());
}

OperatorId operator_of(ByteView v) {
  Fields f(v, "operator");
  OperatorId o;
  o.mcc_mnc = bytes_of(f.required(0x80));
  if (o.mcc_mnc.size() != 3) throw ImageError("bad operator MCC/MNC");
  if (auto g = f.optional(0x81)) o.gid1 = bytes_of(*g);
  if (auto g = f.optional(0x82)) o.gid2 = bytes_of(*g);
  f.finish();
  return o;
}

ProfileMetadata metadata_of(ByteView v) {
  Fields f(v, "profile metadata");
  ProfileMetadata m;
  if (auto n = f.optional(0x80)) m.nickname = as_string(*n);
  m.service_provider_name = as_string(f.required(0x81));
  m.profile_name = as_string(f.required(0x82));
  if (auto t = f.optional(0x83)) m.icon_type = small_of(*t, 1, "icon type");
  if (auto i = f.optional(0x84)) m.icon = bytes_of(*i);
  m.profile_class = static_cast<ProfileClass>(small_of(f.required(0x85), 2, "profile class"));
  for (auto c : f.repeated(0xA6)) {
    Fields n(c, "notification configuration");
    NotificationConfig nc;
    nc.event = static_cast<NotificationEvent>(small_of(n.required(0x80), 3, "notification event"));
    nc.address = as_string(n.required(0x81));
    n.finish();
    m.notification_config.push_back(std::move(nc));
  }
  if (auto o = f.optional(0xA7)) m.profile_owner = operator_of(*o);
  if (auto d = f.optional(0x88)) m.dp_proprietary_data = bytes_of(*d);
  if (auto p = f.optional(0x89)) m.pprs = small_of(*p, 7, "profile policy rules");
  if (auto d = f.optional(0x8A)) m.service_specific_data = bytes_of(*d);
  f.finish();
  return m;
}

EimKeyData key_data_of(ByteView v) {
  Fields f(v, "eIM key data");
  EimKeyData k;
  k.kind = static_cast<EimKeyData::Kind>(small_of(f.required(0x80), 1, "eIM key kind"));
  k.der = bytes_of(f.required(0x81));
  f.finish();
  return k;
}

EimConfig eim_of(ByteView v) {
  Fields f(v, "eIM configuration");
  EimConfig e;
  e.eim_id = as_string(f.required(0x80));
  if (e.eim_id.empty() || e.eim_id.size() > 128) throw ImageError("bad eIM id field");
  if (auto x = f.optional(0x81)) e.fqdn = as_string(*x);
  if (auto x = f.optional(0x82)) e.id_type = small_of(*x, 3, "eIM id type");
  e.counter_value = uint_of(f.required(0x83), 8, "eIM counter value");
  if (auto x = f.optional(0x84)) e.association_token = uint_of(*x, 8, "association token");
  if (auto x = f.optional(0xA5)) e.public_key = key_data_of(*x);
  if (auto x = f.optional(0xA6)) e.tls_key = key_data_of(*x);
  if (auto x = f.optional(0x87)) {
    e.supported_protocols = static_cast<std::uint32_t>(uint_of(*x, 4, "eIM protocols"));
  }
  if (auto x = f.optional(0x88)) e.euicc_ci_pkid = bytes_of(*x);
  if (auto x = f.optional(0x89)) {
    if (small_of(*x, 1, "indirect profile download") != 1)
      throw ImageError("bad indirect profile download field");
    e.indirect_profile_download = true;
  }
  f.finish();
  return e;
}

void decode_config(ByteView v, CardConfig& c, std::uint16_t version) {
  Fields cfg(v, "card configuration");
  c.personality = as_string(cfg.required(kTagPersonality));
  // Version 4 brought the "iot" personality; older images are all SGP.22 cards.
  if (c.personality != personality::kSgp22 && (version < 4 || c.personality != personality::kIot))
    throw ImageError("unknown personality '" + c.personality + "'");
  auto aid_of = [&](std::uint32_t tag, const char* name) {
    auto a = cfg.required(tag);
    if (a.size() < 5 || a.size() > 16) throw ImageError(std::string("bad ") + name + " AID");
    return bytes_of(a);
  };
  c.isdr_aid = aid_of(kTagIsdrAid, "ISD-R");
  c.ecasd_aid = aid_of(kTagEcasdAid, "ECASD");
  c.svn = version_of(cfg.required(kTagSvn), "SVN");
  if (version >= 3) {
    c.profile_version = version_of(cfg.required(kTagProfileVersion), "profile version");
    c.firmware_version = version_of(cfg.required(kTagFirmwareVersion), "firmware version");
    auto ts = cfg.optional(kTagTs102241Version);
    c.ts102241_version = ts ? std::optional(version_of(*ts, "TS 102 241 version")) : std::nullopt;
    auto gp = cfg.optional(kTagGpVersion);
    c.globalplatform_version = gp ? std::optional(version_of(*gp, "GP version")) : std::nullopt;
    c.pp_version = version_of(cfg.required(kTagPpVersion), "PP version");
    c.sas_accreditation_number = as_string(cfg.required(kTagSas));
    c.uicc_capability =
        static_cast<std::uint32_t>(uint_of(cfg.required(kTagUiccCapability), 4, "UICC capability"));
    c.rsp_capability =
        static_cast<std::uint32_t>(uint_of(cfg.required(kTagRspCapability), 4, "RSP capability"));
    auto cat = cfg.optional(kTagCategory);
    c.euicc_category = cat ? std::optional(small_of(*cat, 3, "eUICC category")) : std::nullopt;
    auto fp = cfg.optional(kTagForbiddenPprs);
    c.forbidden_pprs = fp ? std::optional(small_of(*fp, 7, "forbidden PPRs")) : std::nullopt;
    c.memory_capacity = uint_of(cfg.required(kTagMemoryCapacity), 8, "memory capacity");
    c.volatile_memory = uint_of(cfg.required(kTagVolatileMemory), 8, "volatile memory");
    c.quirks.clear();
    for (auto q : cfg.repeated(kTagQuirk)) {
      auto name = as_string(q);
      const auto& known = quirk::all();
      if (std::find(known.begin(), known.end(), name) == known.end())
        throw ImageError("unknown quirk '" + name + "'");
      c.quirks.insert(name);
    }
    for (auto r : cfg.repeated(kTagRatRule)) {
      Fields rf(r, "RAT rule");
      RatRule rule;
      rule.ppr_ids = small_of(rf.required(0x80), 7, "RAT PPR");
      rule.consent_required = small_of(rf.required(0x81), 1, "RAT consent") == 1;
      for (auto o : rf.repeated(0xA2)) rule.allowed_operators.push_back(operator_of(o));
      rf.finish();
      c.rat.push_back(std::move(rule));
    }
  }
  if (version >= 5) {
    if (auto p = cfg.optional(kTagProtocols)) {
      const auto mask = small_of(*p, kProtocolT0 | kProtocolT1, "protocols");
      // Every card speaks T=0; the field exists to add T=1.
      if (!(mask & kProtocolT0)) throw ImageError("bad protocols field (T=0 missing)");
      c.offers_t1 = (mask & kProtocolT1) != 0;
    }
  }
  cfg.finish();
}

std::int64_t time_of(ByteView v, const char* what) {
  auto n = uint_of(v, 8, what);
  if (n > static_cast<std::uint64_t>(INT64_MAX)) throw ImageError(std::string("bad ") + what);
  return static_cast<std::int64_t>(n);
}

// Version 6's IPAe field: the IPAe configuration (into the card's) and the IPAe state.
void decode_ipae(ByteView v, CardState& s) {
  Fields top(v, "IPAe");
  if (auto cv = top.optional(0xA0)) {
    Fields f(*cv, "IPAe configuration");
    IpaeConfig c;
    c.poll_interval_s = static_cast<std::uint32_t>(uint_of(f.required(0x80), 4, "poll interval"));
    c.poll_jitter_s = static_cast<std::uint32_t>(uint_of(f.required(0x81), 4, "poll jitter"));
    c.backoff_min_s = static_cast<std::uint32_t>(uint_of(f.required(0x82), 4, "back-off"));
    c.backoff_max_s = static_cast<std::uint32_t>(uint_of(f.required(0x83), 4, "back-off"));
    c.rollback_after_failures =
        static_cast<std::uint32_t>(uint_of(f.required(0x84), 4, "rollback threshold"));
    c.minimize_esipa_bytes = small_of(f.required(0x85), 1, "minimizeEsipaBytes") == 1;
    c.tac = bytes_of(f.required(0x86));
    if (c.tac.size() != 4) throw ImageError("bad TAC field");
    if (auto x = f.optional(0x87)) c.imei = bytes_of(*x);
    if (auto x = f.optional(0x88)) c.device_capabilities = bytes_of(*x);
    if (auto x = f.optional(0x89)) c.rplmn = bytes_of(*x);
    for (auto ca : f.repeated(0x8A)) c.tls_ca_certificates.push_back(bytes_of(ca));
    c.terminal_conflict = as_string(f.required(0x8B));
    if (c.terminal_conflict != kIpaeConflictIpadWins &&
        c.terminal_conflict != kIpaeConflictIpaeStays)
      throw ImageError("unknown IPAe terminal conflict rule '" + c.terminal_conflict + "'");
    f.finish();
    s.config.ipae = std::move(c);
  }
  if (auto sv = top.optional(0xA1)) {
    Fields f(*sv, "IPAe state");
    IpaeState& st = s.ipae;
    st.next_poll_ms = time_of(f.required(0x80), "next poll time");
    st.last_cycle_ms = time_of(f.required(0x81), "last cycle time");
    st.failed_cycles = static_cast<std::uint32_t>(uint_of(f.required(0x82), 4, "failed cycles"));
    st.cycles = uint_of(f.required(0x83), 8, "cycles");
    st.packages = uint_of(f.required(0x84), 8, "packages");
    if (auto x = f.optional(0x85)) st.last_error = as_string(*x);
    for (auto vv : f.repeated(0xA6)) {
      Fields e(vv, "IPAe eIM view");
      IpaeState::EimView view;
      view.eim_id = as_string(e.required(0x80));
      if (auto x = e.optional(0x81)) view.enabled_iccid = bytes_of(*x);
      view.profiles_digest = bytes_of(e.required(0x82));
      if (auto x = e.optional(0x83)) view.cause = small_of(*x, 127, "state change cause");
      e.finish();
      st.eim_views.push_back(std::move(view));
    }
    if (auto fv = f.optional(0xA7)) {
      Fields e(*fv, "IPAe package in flight");
      IpaeState::InFlight in;
      const auto kind = small_of(e.required(0x80), 3, "package kind");
      if (kind == 0) throw ImageError("bad package kind field");
      in.kind = static_cast<IpaeState::InFlight::Kind>(kind);
      in.eim_id = as_string(e.required(0x81));
      if (auto x = e.optional(0x82)) in.eim_transaction_id = bytes_of(*x);
      in.step = small_of(e.required(0x83), 3, "download step");
      if (auto x = e.optional(0x84)) in.package = bytes_of(*x);
      if (auto x = e.optional(0x85)) in.smdp_transaction_id = bytes_of(*x);
      if (auto x = e.optional(0x86)) in.result = bytes_of(*x);
      in.attempts = static_cast<std::uint32_t>(uint_of(e.required(0x87), 4, "attempts"));
      if (auto x = e.optional(0x88)) in.indirect = small_of(*x, 1, "indirect flag") == 1;
      e.finish();
      st.in_flight = std::move(in);
    }
    if (auto wv = f.optional(0xA8)) {
      Fields e(*wv, "IPAe rollback watch");
      IpaeState::RollbackWatch w;
      w.eim_id = as_string(e.required(0x80));
      w.seq_number = uint_of(e.required(0x81), 8, "rollback sequence number");
      w.failures = static_cast<std::uint32_t>(uint_of(e.required(0x82), 4, "rollback failures"));
      e.finish();
      st.rollback_watch = std::move(w);
    }
    if (auto x = f.optional(0x89)) st.iot_device_capabilities = bytes_of(*x);
    f.finish();
  }
  top.finish();
  if (s.config.ipae && s.config.personality != personality::kIot)
    throw ImageError("an IPAe needs the iot personality");
}

// Version 1 has the identity and configuration; version 2 adds the ISD-Ps after them;
// version 3 the fields of the ISD-R and ECASD issue; version 4 the "iot" personality and the
// eIM configuration. Older images load with the defaults.
CardState decode_body(ByteView body, std::uint16_t version) {
  Fields top(body, "image body");
  auto eid = Eid::from_bytes(top.required(kTagEid));
  if (!eid) throw ImageError("the EID field is not a valid EID");
  CardState s(*eid);
  decode_config(top.required(kTagConfig), s.config, version);
  for (auto slot : version >= 2 ? top.repeated(kTagProfile) : std::vector<ByteView>{}) {
    Fields f(slot, "ISD-P");
    ProfileSlot p;
    p.isdp_aid = bytes_of(f.required(kTagIsdpAid));
    if (p.isdp_aid.size() < 5 || p.isdp_aid.size() > 16) throw ImageError("bad ISD-P AID");
    p.enabled = small_of(f.required(kTagEnabled), 1, "ISD-P state") == 1;
    try {
      p.profile = profiles::deserialize_profile(f.required(kTagInstalled));
    } catch (const std::runtime_error& e) {
      throw ImageError(std::string("ISD-P ") + to_hex(p.isdp_aid) + ": " + e.what());
    }
    if (version >= 3) {
      p.metadata = metadata_of(f.required(kTagMetadata));
      p.preloaded = small_of(f.required(kTagPreloaded), 1, "preloaded flag") == 1;
    }
    if (version >= 5) {
      if (auto x = f.optional(kTagFallbackAttribute)) {
        p.fallback_attribute = small_of(*x, 1, "fallback attribute") == 1;
      }
      if (auto x = f.optional(kTagFallbackAllowed)) {
        p.fallback_allowed = small_of(*x, 1, "fallback allowed") == 1;
      }
      if (auto x = f.optional(kTagEcall)) p.ecall_indication = small_of(*x, 1, "eCall") == 1;
    }
    f.finish();
    s.profiles.push_back(std::move(p));
  }
  if (version >= 3) {
    if (auto id = top.optional(kTagIdentity)) {
      Fields f(*id, "identity");
      auto key = f.required(0x80);
      s.identity.euicc_private_key.assign(key.begin(), key.end());
      s.identity.euicc_certificate = bytes_of(f.required(0x81));
      s.identity.eum_certificate = bytes_of(f.required(0x82));
      for (auto ci : f.repeated(0x83)) s.identity.ci_certificates.push_back(bytes_of(ci));
      f.finish();
    }
    if (auto dp = top.optional(kTagDefaultDp)) s.default_dp_address = as_string(*dp);
    s.root_ds_address = as_string(top.required(kTagRootDs));
    for (auto nv : top.repeated(kTagNotification)) {
      Fields f(nv, "notification");
      PendingNotification n;
      n.seq_number = uint_of(f.required(0x80), 8, "sequence number");
      n.event = static_cast<NotificationEvent>(small_of(f.required(0x81), 3, "notification event"));
      n.address = as_string(f.required(0x82));
      if (auto i = f.optional(0x83)) n.iccid = bytes_of(*i);
      n.der = bytes_of(f.required(0x84));
      f.finish();
      s.notifications.push_back(std::move(n));
    }
    s.last_seq_number = uint_of(top.required(kTagLastSeq), 8, "last sequence number");
    if (auto f = top.optional(kTagTestFallback)) {
      if (f->size() < 5 || f->size() > 16) throw ImageError("bad test fall-back AID");
      s.test_fallback_aid = bytes_of(*f);
    }
  }
  if (version >= 4) {
    for (auto e : top.repeated(kTagEim)) {
      auto eim = eim_of(e);
      if (s.find_eim(eim.eim_id) != nullptr) {
        throw ImageError("repeated eIM id '" + eim.eim_id + "'");
      }
      s.eims.push_back(std::move(eim));
    }
    s.last_association_token = uint_of(top.required(kTagLastToken), 8, "last association token");
  }
  if (version >= 5) {
    auto aid = [](ByteView v, const char* what) {
      if (v.size() < 5 || v.size() > 16) throw ImageError(std::string("bad ") + what + " AID");
      return bytes_of(v);
    };
    for (auto rv : top.repeated(kTagPackageResult)) {
      Fields f(rv, "eUICC package result");
      StoredPackageResult r;
      r.seq_number = uint_of(f.required(0x80), 8, "package result sequence number");
      r.eim_id = as_string(f.required(0x81));
      r.der = bytes_of(f.required(0x82));
      f.finish();
      s.package_results.push_back(std::move(r));
    }
    if (auto rv = top.optional(kTagRollback)) {
      Fields f(*rv, "rollback context");
      RollbackContext r;
      r.enabled_aid = aid(f.required(0x80), "rollback");
      if (auto x = f.optional(0x81)) r.previous_aid = aid(*x, "rollback");
      r.eim_id = as_string(f.required(0x82));
      r.counter_value = uint_of(f.required(0x83), 8, "rollback counter value");
      if (auto x = f.optional(0x84)) r.transaction_id = bytes_of(*x);
      f.finish();
      s.rollback = std::move(r);
    }
    if (auto cv = top.optional(kTagImmediateEnable)) {
      Fields f(*cv, "immediate enable configuration");
      ImmediateEnableConfig c;
      c.immediate_enable = small_of(f.required(0x80), 1, "immediate enable flag") == 1;
      if (auto x = f.optional(0x81)) c.default_smdp_oid = bytes_of(*x);
      if (auto x = f.optional(0x82)) c.default_smdp_address = as_string(*x);
      f.finish();
      s.immediate_enable = std::move(c);
    }
    if (auto x = top.optional(kTagFallbackReturn)) s.fallback_return_aid = aid(*x, "fallback");
    if (auto x = top.optional(kTagEmergencyReturn)) s.emergency_return_aid = aid(*x, "emergency");
    if (auto x = top.optional(kTagIpaMode)) s.ipa_mode = small_of(*x, 1, "IPA mode");
  }
  if (version >= kIpaeSince) {
    if (auto x = top.optional(kTagIpae)) decode_ipae(*x, s);
  }
  top.finish();
  return s;
}

[[noreturn]] void fail_errno(const std::string& what, const std::filesystem::path& p) {
  throw ImageError(what + " " + p.string() + ": " + std::strerror(errno));
}

void write_all(int fd, ByteView data, const std::filesystem::path& p) {
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail_errno("cannot write", p);
    }
    done += static_cast<std::size_t>(n);
  }
}
}  // namespace

Bytes encode_image(const CardState& state) {
  Bytes body = encode_body(state);
  Bytes out(kMagic, kMagic + 8);
  out.push_back(static_cast<std::uint8_t>(kImageVersion >> 8));
  out.push_back(static_cast<std::uint8_t>(kImageVersion));
  auto len = tlv::encode_uint(body.size(), 4);
  out.insert(out.end(), len.begin(), len.end());
  out.insert(out.end(), body.begin(), body.end());
  auto digest = sha256(out);
  out.insert(out.end(), digest.begin(), digest.end());
  return out;
}

CardState decode_image(ByteView file) {
  if (file.size() < 8 || !std::equal(kMagic, kMagic + 8, file.begin())) {
    throw ImageError("not a euicc-sim card image (bad magic)");
  }
  if (file.size() < kHeader) throw ImageError("truncated card image (header incomplete)");
  const std::uint16_t version = static_cast<std::uint16_t>((file[8] << 8) | file[9]);
  // Magic and version keep their place in every version, so a newer image is recognised as
  // such before anything else about it is judged.
  if (version > kImageVersion) {
    throw ImageError("card image version " + std::to_string(version) +
                     " is newer than this euicc-sim understands (" + std::to_string(kImageVersion) +
                     "); upgrade euicc-sim");
  }
  const std::size_t length = *tlv::decode_uint(file.subspan(10, 4));
  if (file.size() < kHeader + length + kDigest) {
    throw ImageError("truncated card image (" + std::to_string(file.size()) + " of " +
                     std::to_string(kHeader + length + kDigest) + " bytes)");
  }
  if (file.size() > kHeader + length + kDigest) {
    throw ImageError("corrupt card image (trailing bytes after the digest)");
  }
  const auto covered = file.first(kHeader + length);
  if (sha256(covered) !=
      Bytes(file.begin() + static_cast<std::ptrdiff_t>(covered.size()), file.end())) {
    throw ImageError("corrupt card image (SHA-256 digest mismatch)");
  }
  const auto body = file.subspan(kHeader, length);
  // Migration path: decode_body_vN for each older N, each lifting into the current state.
  switch (version) {
    case 1:
    case 2:
    case 3:
    case 4:
    case 5:
    case 6:
      return decode_body(body, version);
    default:
      throw ImageError("card image version " + std::to_string(version) + " is not supported");
  }
}

std::string temporary_prefix(const std::filesystem::path& image) {
  return "." + image.filename().string() + ".";
}

void save_image(const std::filesystem::path& path, const CardState& state, const SaveHooks& hooks) {
  const Bytes data = encode_image(state);
  const auto dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  // A name of its own for every save (mkstemp), in the image's directory so the rename stays
  // within one file system: two writers never share, truncate or rename each other's file.
  std::string name = (dir / (temporary_prefix(path) + "XXXXXX")).string();
  // 0600 (mkostemp's mode): the image holds the card's private key.
  int fd = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0) fail_errno("cannot create a temporary image in", dir);
  const std::filesystem::path tmp = name;
  try {
    write_all(fd, data, tmp);
    if (::fsync(fd) != 0) fail_errno("cannot fsync", tmp);
    if (hooks.written) hooks.written(fd);
  } catch (...) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  if (::close(fd) != 0) {
    const int saved = errno;
    ::unlink(tmp.c_str());
    errno = saved;
    fail_errno("cannot close", tmp);
  }
  if (hooks.before_rename) {
    try {
      hooks.before_rename(tmp);
    } catch (...) {
      ::unlink(tmp.c_str());
      throw;
    }
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int saved = errno;
    ::unlink(tmp.c_str());
    errno = saved;
    fail_errno("cannot rename onto", path);
  }
  // The rename itself is durable only once the directory is.
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) fail_errno("cannot open directory", dir);
  int rc = ::fsync(dfd);
  ::close(dfd);
  if (rc != 0) fail_errno("cannot fsync directory", dir);
}

CardState load_image(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw ImageError("cannot read card image " + path.string() + ": " + std::strerror(errno));
  Bytes data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  try {
    return decode_image(data);
  } catch (const ImageError& e) {
    throw ImageError(path.string() + ": " + e.what());
  }
}

}  // namespace euiccsim::sim
