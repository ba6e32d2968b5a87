#include "euiccsim/profiles/installed_profile.hpp"

#include <stdexcept>

#include "euiccsim/crypto/tlv.hpp"

namespace euiccsim::profiles {
namespace {

// ---- the card-image form: TLVs of the one codec, read by DER rules (we wrote them) ----

void put(Bytes& out, std::uint8_t tag, ByteView value) {
  tlv::append(out, tag, value);
}
void put_u(Bytes& out, std::uint8_t tag, std::uint64_t v) {
  Bytes b;
  do {
    b.insert(b.begin(), static_cast<std::uint8_t>(v & 0xFF));
    v >>= 8;
  } while (v != 0);
  put(out, tag, b);
}
void put_s(Bytes& out, std::uint8_t tag, std::string_view s) {
  put(out, tag, tlv::view(s));
}

struct Field {
  std::uint32_t tag;
  ByteView value;
};

std::vector<Field> fields(ByteView b) {
  tlv::Problem why = tlv::Problem::kNone;
  auto all = tlv::read_all(b, tlv::Rules::kDer, &why);
  if (!all) throw std::runtime_error(std::string("installed profile: ") + tlv::describe(why));
  std::vector<Field> out;
  out.reserve(all->size());
  for (const auto& t : *all) out.push_back({t.tag, t.value});
  return out;
}

std::uint64_t as_u(ByteView v) {
  if (v.size() > 8) throw std::runtime_error("installed profile: number too long");
  std::uint64_t n = 0;
  for (auto x : v) n = (n << 8) | x;
  return n;
}
Bytes as_bytes(ByteView v) { return Bytes(v.begin(), v.end()); }
SecureBytes as_secure(ByteView v) { return SecureBytes(v.begin(), v.end()); }
std::string as_string(ByteView v) { return std::string(v.begin(), v.end()); }

Bytes file_tlv(const FileNode& f) {
  Bytes b;
  put_s(b, 0x80, f.name);
  put_u(b, 0x81, f.fid);
  put_u(b, 0x82, static_cast<std::uint8_t>(f.type));
  put(b, 0x83, f.df_name);
  put_u(b, 0x84, f.lcsi);
  put(b, 0x85, f.security_attributes);
  put_u(b, 0x86, static_cast<std::uint8_t>(f.sfi < 0 ? 0xFF : f.sfi));
  put_u(b, 0x87, f.record_length);
  put_u(b, 0x88, f.records);
  put(b, 0x89, f.pin_status_template);
  put(b, 0x8A, f.proprietary);
  put(b, 0x8B, f.link_path);
  put_u(b, 0x8C, f.shareable ? 1 : 0);
  put(b, 0x8D, f.content);
  for (const auto& c : f.children) put(b, 0xA0, file_tlv(c));
  return b;
}

FileNode file_from(ByteView b, int depth) {
  if (depth > 8) throw std::runtime_error("installed profile: file tree too deep");
  FileNode f;
  for (const auto& [tag, v] : fields(b)) {
    switch (tag) {
      case 0x80: f.name = as_string(v); break;
      case 0x81: f.fid = static_cast<std::uint16_t>(as_u(v)); break;
      case 0x82:
        if (as_u(v) > static_cast<std::uint8_t>(FileType::BerTlv))
          throw std::runtime_error("installed profile: unknown file type");
        f.type = static_cast<FileType>(as_u(v));
        break;
      case 0x83: f.df_name = as_bytes(v); break;
      case 0x84: f.lcsi = static_cast<std::uint8_t>(as_u(v)); break;
      case 0x85: f.security_attributes = as_bytes(v); break;
      case 0x86: {
        auto sfi = as_u(v);
        f.sfi = sfi == 0xFF ? -1 : static_cast<std::int16_t>(sfi);
        break;
      }
      case 0x87: f.record_length = static_cast<std::uint16_t>(as_u(v)); break;
      case 0x88: f.records = static_cast<std::uint16_t>(as_u(v)); break;
      case 0x89: f.pin_status_template = as_bytes(v); break;
      case 0x8A: f.proprietary = as_bytes(v); break;
      case 0x8B: f.link_path = as_bytes(v); break;
      case 0x8C: f.shareable = as_u(v) != 0; break;
      case 0x8D: f.content = as_bytes(v); break;
      case 0xA0: f.children.push_back(file_from(v, depth + 1)); break;
      default: break;  // written by a newer version: ignored
    }
  }
  return f;
}

Bytes pin_tlv(const PinObject& p) {
  Bytes b;
  put_u(b, 0x80, p.key_reference);
  put(b, 0x81, p.value);
  if (p.unblocking_reference) put_u(b, 0x82, *p.unblocking_reference);
  put_u(b, 0x83, p.attributes);
  put_u(b, 0x84, p.max_attempts);
  put_u(b, 0x85, p.remaining);
  put(b, 0x86, p.scope);
  return b;
}

PinObject pin_from(ByteView b) {
  PinObject p;
  for (const auto& [tag, v] : fields(b)) {
    switch (tag) {
      case 0x80: p.key_reference = static_cast<std::uint8_t>(as_u(v)); break;
      case 0x81: p.value = as_secure(v); break;
      case 0x82: p.unblocking_reference = static_cast<std::uint8_t>(as_u(v)); break;
      case 0x83: p.attributes = static_cast<std::uint8_t>(as_u(v)); break;
      case 0x84: p.max_attempts = static_cast<std::uint8_t>(as_u(v)); break;
      case 0x85: p.remaining = static_cast<std::uint8_t>(as_u(v)); break;
      case 0x86: p.scope = as_bytes(v); break;
      default: break;
    }
  }
  return p;
}

Bytes naa_tlv(const Naa& n) {
  Bytes b;
  put_u(b, 0x80, static_cast<std::uint8_t>(n.kind));
  put(b, 0x81, n.aid);
  put_u(b, 0x82, n.adf_fid);
  put_u(b, 0x83, n.algorithm);
  put(b, 0x84, n.algorithm_options);
  put(b, 0x85, n.key);
  put(b, 0x86, n.opc);
  put(b, 0x87, n.rotation_constants);
  put(b, 0x88, n.xoring_constants);
  put(b, 0x89, n.auth_counter_max);
  put_u(b, 0x8A, n.number_of_keccak);
  put(b, 0x8B, n.mapping_source);
  put(b, 0x8C, n.sqn_options);
  put(b, 0x8D, n.sqn_delta);
  put(b, 0x8E, n.sqn_age_limit);
  for (const auto& s : n.sqn) put(b, 0x8F, s);
  put(b, 0x90, n.cdma_authentication_key);
  return b;
}

Naa naa_from(ByteView b) {
  Naa n;
  for (const auto& [tag, v] : fields(b)) {
    switch (tag) {
      case 0x80:
        if (as_u(v) > 2) throw std::runtime_error("installed profile: unknown NAA kind");
        n.kind = static_cast<Naa::Kind>(as_u(v));
        break;
      case 0x81: n.aid = as_bytes(v); break;
      case 0x82: n.adf_fid = static_cast<std::uint16_t>(as_u(v)); break;
      case 0x83: n.algorithm = static_cast<std::uint8_t>(as_u(v)); break;
      case 0x84: n.algorithm_options = as_bytes(v); break;
      case 0x85: n.key = as_secure(v); break;
      case 0x86: n.opc = as_secure(v); break;
      case 0x87: n.rotation_constants = as_bytes(v); break;
      case 0x88: n.xoring_constants = as_bytes(v); break;
      case 0x89: n.auth_counter_max = as_bytes(v); break;
      case 0x8A: n.number_of_keccak = static_cast<std::uint8_t>(as_u(v)); break;
      case 0x8B: n.mapping_source = as_bytes(v); break;
      case 0x8C: n.sqn_options = as_bytes(v); break;
      case 0x8D: n.sqn_delta = as_bytes(v); break;
      case 0x8E: n.sqn_age_limit = as_bytes(v); break;
      case 0x8F: n.sqn.push_back(as_bytes(v)); break;
      case 0x90: n.cdma_authentication_key = as_secure(v); break;
      default: break;
    }
  }
  return n;
}

Bytes applet_tlv(const AppletInfo& a) {
  Bytes b;
  put_u(b, 0x80, static_cast<std::uint8_t>(a.role));
  put(b, 0x81, a.aid);
  put(b, 0x82, a.class_aid);
  put(b, 0x83, a.package_aid);
  put(b, 0x84, a.privileges);
  put(b, 0x85, a.life_cycle_state);
  for (const auto& t : a.tars) put(b, 0x86, t);
  put_u(b, 0x87, a.load_block_size);
  for (const auto& k : a.keys) {
    Bytes kb;
    put_u(kb, 0x80, k.identifier);
    put_u(kb, 0x81, k.version);
    put(kb, 0x82, k.usage);
    put(kb, 0x83, k.access);
    put(kb, 0x84, k.type);
    put(kb, 0x85, k.data);
    put(b, 0xA0, kb);
  }
  return b;
}

AppletInfo applet_from(ByteView b) {
  AppletInfo a;
  for (const auto& [tag, v] : fields(b)) {
    switch (tag) {
      case 0x80:
        if (as_u(v) > 2) throw std::runtime_error("installed profile: unknown applet role");
        a.role = static_cast<AppletInfo::Role>(as_u(v));
        break;
      case 0x81: a.aid = as_bytes(v); break;
      case 0x82: a.class_aid = as_bytes(v); break;
      case 0x83: a.package_aid = as_bytes(v); break;
      case 0x84: a.privileges = as_bytes(v); break;
      case 0x85: a.life_cycle_state = as_bytes(v); break;
      case 0x86: a.tars.push_back(as_bytes(v)); break;
      case 0x87: a.load_block_size = as_u(v); break;
      case 0xA0: {
        SecurityDomainKey k;
        for (const auto& [t2, v2] : fields(v)) {
          switch (t2) {
            case 0x80: k.identifier = static_cast<std::uint8_t>(as_u(v2)); break;
            case 0x81: k.version = static_cast<std::uint8_t>(as_u(v2)); break;
            case 0x82: k.usage = as_bytes(v2); break;
            case 0x83: k.access = as_bytes(v2); break;
            case 0x84: k.type = as_bytes(v2); break;
            case 0x85: k.data = as_secure(v2); break;
            default: break;
          }
        }
        a.keys.push_back(std::move(k));
        break;
      }
      default: break;
    }
  }
  return a;
}

}  // namespace

const FileNode* FileNode::child(std::uint16_t id) const {
  for (const auto& c : children)
    if (c.fid == id) return &c;
  return nullptr;
}
FileNode* FileNode::child(std::uint16_t id) {
  for (auto& c : children)
    if (c.fid == id) return &c;
  return nullptr;
}

Bytes FileNode::fcp() const {
  // TS 102 221 §11.1.1.3: the data objects in the order the specification lists them.
  Bytes body;
  Bytes descriptor;
  std::uint8_t share = shareable ? 0x40 : 0x00;
  switch (type) {
    case FileType::Mf:
    case FileType::Df:
    case FileType::Adf: descriptor = {static_cast<std::uint8_t>(0x38 | share), 0x21}; break;
    case FileType::Transparent: descriptor = {static_cast<std::uint8_t>(0x01 | share), 0x21}; break;
    case FileType::BerTlv: descriptor = {static_cast<std::uint8_t>(0x39 | share), 0x21}; break;
    case FileType::LinearFixed:
    case FileType::Cyclic:
      descriptor = {static_cast<std::uint8_t>((type == FileType::Cyclic ? 0x06 : 0x02) | share),
                    0x21, static_cast<std::uint8_t>(record_length >> 8),
                    static_cast<std::uint8_t>(record_length & 0xFF),
                    static_cast<std::uint8_t>(records)};
      break;
  }
  put(body, 0x82, descriptor);
  if (type != FileType::Adf)
    put(body, 0x83, Bytes{static_cast<std::uint8_t>(fid >> 8), static_cast<std::uint8_t>(fid)});
  if (type == FileType::Adf) put(body, 0x84, df_name);
  if (!proprietary.empty()) put(body, 0xA5, proprietary);
  put(body, 0x8A, Bytes{lcsi});
  if (!security_attributes.empty()) put(body, 0x8B, security_attributes);
  if (is_df()) {
    if (!pin_status_template.empty()) put(body, 0xC6, pin_status_template);
  } else {
    std::size_t n = size();
    put(body, 0x80, Bytes{static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)});
    if (sfi >= 0)
      put(body, 0x88, Bytes{static_cast<std::uint8_t>(sfi << 3)});
    else
      put(body, 0x88, Bytes{});
  }
  Bytes out;
  put(out, 0x62, body);
  return out;
}

const FileNode* InstalledProfile::find(const std::vector<std::uint16_t>& path) const {
  const FileNode* node = &mf;
  for (auto fid : path) {
    node = node->child(fid);
    if (node == nullptr) return nullptr;
  }
  return node;
}

const FileNode* InstalledProfile::adf(const Bytes& aid_prefix) const {
  for (const auto& c : mf.children)
    if (c.type == FileType::Adf && c.df_name.size() >= aid_prefix.size() &&
        std::equal(aid_prefix.begin(), aid_prefix.end(), c.df_name.begin()))
      return &c;
  return nullptr;
}

const Naa* InstalledProfile::naa(Naa::Kind kind) const {
  for (const auto& n : naas)
    if (n.kind == kind) return &n;
  return nullptr;
}

std::optional<std::string> InstalledProfile::imsi() const {
  const Naa* usim = naa(Naa::Kind::Usim);
  if (usim == nullptr) return std::nullopt;
  const FileNode* ef = find({usim->adf_fid, 0x6F07});
  if (ef == nullptr || ef->content.size() < 2) return std::nullopt;
  // TS 31.102 §4.2.2: length, then BCD digits low nibble first; the first nibble is parity.
  std::size_t len = ef->content[0];
  if (len == 0 || len > 8 || len + 1 > ef->content.size()) return std::nullopt;
  std::string digits;
  for (std::size_t i = 1; i <= len; ++i) {
    for (int half = 0; half < 2; ++half) {
      if (i == 1 && half == 0) continue;  // parity / type nibble
      std::uint8_t d = half == 0 ? ef->content[i] & 0x0F : ef->content[i] >> 4;
      if (d == 0x0F) break;
      if (d > 9) return std::nullopt;
      digits.push_back(static_cast<char>('0' + d));
    }
  }
  return digits;
}

std::size_t InstalledProfile::occupied_memory() const {
  // Bodies plus a fixed cost per file header and per key/PIN/applet record: a model of a card's
  // allocator, stable so free-memory figures are repeatable.
  constexpr std::size_t kFileHeader = 32, kObject = 24;
  std::size_t total = 0;
  std::vector<const FileNode*> todo{&mf};
  while (!todo.empty()) {
    const FileNode* f = todo.back();
    todo.pop_back();
    total += kFileHeader + f->content.size();
    for (const auto& c : f->children) todo.push_back(&c);
  }
  total += (pins.size() + puks.size()) * kObject;
  for (const auto& n : naas) total += kObject + n.key.size() + n.opc.size();
  for (const auto& a : applets) total += kObject + a.load_block_size + a.keys.size() * kObject;
  return total;
}

Bytes serialize(const InstalledProfile& p) {
  Bytes b;
  put_s(b, 0x80, p.iccid.str());
  put_u(b, 0x81, p.major_version);
  put_u(b, 0x82, p.minor_version);
  put_s(b, 0x83, p.profile_type);
  for (const auto& s : p.mandatory_services) put_s(b, 0x84, s);
  put(b, 0xA5, file_tlv(p.mf));
  for (const auto& n : p.naas) put(b, 0xA6, naa_tlv(n));
  for (const auto& pin : p.pins) put(b, 0xA7, pin_tlv(pin));
  for (const auto& puk : p.puks) put(b, 0xA8, pin_tlv(puk));
  for (const auto& a : p.applets) put(b, 0xA9, applet_tlv(a));
  put_u(b, 0x8A, p.pe_count);
  put_u(b, 0x8B, p.package_size);
  return b;
}

InstalledProfile deserialize_profile(ByteView bytes) {
  InstalledProfile p;
  bool have_iccid = false;
  for (const auto& [tag, v] : fields(bytes)) {
    switch (tag) {
      case 0x80: {
        auto iccid = Iccid::parse(as_string(v));
        if (!iccid) throw std::runtime_error("installed profile: invalid ICCID");
        p.iccid = *iccid;
        have_iccid = true;
        break;
      }
      case 0x81: p.major_version = static_cast<std::uint8_t>(as_u(v)); break;
      case 0x82: p.minor_version = static_cast<std::uint8_t>(as_u(v)); break;
      case 0x83: p.profile_type = as_string(v); break;
      case 0x84: p.mandatory_services.push_back(as_string(v)); break;
      case 0xA5: p.mf = file_from(v, 0); break;
      case 0xA6: p.naas.push_back(naa_from(v)); break;
      case 0xA7: p.pins.push_back(pin_from(v)); break;
      case 0xA8: p.puks.push_back(pin_from(v)); break;
      case 0xA9: p.applets.push_back(applet_from(v)); break;
      case 0x8A: p.pe_count = as_u(v); break;
      case 0x8B: p.package_size = as_u(v); break;
      default: break;
    }
  }
  if (!have_iccid) throw std::runtime_error("installed profile: no ICCID");
  return p;
}

}  // namespace euiccsim::profiles
