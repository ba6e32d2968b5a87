#include "euiccsim/simulator/card_image.hpp"

#include <botan/hash.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "euiccsim/applets/tlv.hpp"

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

Bytes sha256(ByteView data) {
  auto h = Botan::HashFunction::create_or_throw("SHA-256");
  h->update(data.data(), data.size());
  auto d = h->final();
  return Bytes(d.begin(), d.end());
}

std::string as_string(ByteView v) {
  return std::string(v.begin(), v.end());
}

Bytes encode_body(const CardState& s) {
  Bytes body;
  tlv::append(body, kTagEid, s.eid.bytes());
  Bytes cfg;
  const auto& c = s.config;
  tlv::append(
      cfg, kTagPersonality,
      ByteView(reinterpret_cast<const std::uint8_t*>(c.personality.data()), c.personality.size()));
  tlv::append(cfg, kTagIsdrAid, c.isdr_aid);
  tlv::append(cfg, kTagEcasdAid, c.ecasd_aid);
  tlv::append(cfg, kTagSvn, Bytes{c.svn.major, c.svn.minor, c.svn.revision});
  tlv::append(body, kTagConfig, cfg);
  for (const auto& p : s.profiles) {
    Bytes slot;
    tlv::append(slot, kTagIsdpAid, p.isdp_aid);
    tlv::append(slot, kTagEnabled, Bytes{static_cast<std::uint8_t>(p.enabled ? 1 : 0)});
    tlv::append(slot, kTagInstalled, profiles::serialize(p.profile));
    tlv::append(body, kTagProfile, slot);
  }
  return body;
}

// Each field exactly once, nothing unknown: an image is never half understood.
std::vector<tlv::Tlv> fields(ByteView v, std::initializer_list<std::uint32_t> known,
                             const char* where) {
  auto all = tlv::read_all(v);
  if (!all) throw ImageError(std::string("malformed ") + where);
  for (const auto& f : *all) {
    int seen = 0;
    for (const auto& g : *all) seen += g.tag == f.tag;
    if (std::find(known.begin(), known.end(), f.tag) == known.end()) {
      throw ImageError(std::string("unknown field ") +
                       to_hex(tlv::encode_uint(f.tag, f.tag > 0xFF ? 2 : 1)) + " in " + where);
    }
    if (seen > 1) throw ImageError(std::string("repeated field in ") + where);
  }
  if (all->size() != known.size()) throw ImageError(std::string("missing field in ") + where);
  return *all;
}

// Version 1 has the identity and configuration; version 2 adds the ISD-Ps after them.
CardState decode_body(ByteView body, std::uint16_t version) {
  auto all = tlv::read_all(body);
  if (!all) throw ImageError("malformed image body");
  Bytes head;
  std::vector<tlv::Tlv> slots;
  for (const auto& f : *all) {
    if (version >= 2 && f.tag == kTagProfile)
      slots.push_back(f);
    else
      tlv::append(head, f.tag, f.value);
  }
  auto top = fields(head, {kTagEid, kTagConfig}, "image body");
  auto eid = Eid::from_bytes(tlv::find(top, kTagEid)->value);
  if (!eid) throw ImageError("the EID field is not a valid EID");
  CardState s(*eid);
  auto cfg = fields(tlv::find(top, kTagConfig)->value,
                    {kTagPersonality, kTagIsdrAid, kTagEcasdAid, kTagSvn}, "card configuration");
  auto& c = s.config;
  c.personality = as_string(tlv::find(cfg, kTagPersonality)->value);
  if (c.personality != "sgp22") throw ImageError("unknown personality '" + c.personality + "'");
  auto aid_of = [&](std::uint32_t tag, const char* name) {
    auto v = tlv::find(cfg, tag)->value;
    if (v.size() < 5 || v.size() > 16) throw ImageError(std::string("bad ") + name + " AID");
    return Bytes(v.begin(), v.end());
  };
  c.isdr_aid = aid_of(kTagIsdrAid, "ISD-R");
  c.ecasd_aid = aid_of(kTagEcasdAid, "ECASD");
  auto svn = tlv::find(cfg, kTagSvn)->value;
  if (svn.size() != 3) throw ImageError("bad SVN field");
  c.svn = Version{svn[0], svn[1], svn[2]};
  for (const auto& slot : slots) {
    auto f = fields(slot.value, {kTagIsdpAid, kTagEnabled, kTagInstalled}, "ISD-P");
    ProfileSlot p;
    p.isdp_aid = Bytes(tlv::find(f, kTagIsdpAid)->value.begin(), tlv::find(f, kTagIsdpAid)->value.end());
    if (p.isdp_aid.size() < 5 || p.isdp_aid.size() > 16) throw ImageError("bad ISD-P AID");
    auto enabled = tlv::find(f, kTagEnabled)->value;
    if (enabled.size() != 1 || enabled[0] > 1) throw ImageError("bad ISD-P state");
    p.enabled = enabled[0] == 1;
    try {
      p.profile = profiles::deserialize_profile(tlv::find(f, kTagInstalled)->value);
    } catch (const std::runtime_error& e) {
      throw ImageError(std::string("ISD-P ") + to_hex(p.isdp_aid) + ": " + e.what());
    }
    s.profiles.push_back(std::move(p));
  }
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
      return decode_body(body, version);
    default:
      throw ImageError("card image version " + std::to_string(version) + " is not supported");
  }
}

void save_image(const std::filesystem::path& path, const CardState& state, const SaveHooks& hooks) {
  const Bytes data = encode_image(state);
  const auto dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  const auto tmp = dir / ("." + path.filename().string() + ".tmp");
  // 0600: from the next issues on, the image holds the card's private key.
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) fail_errno("cannot create", tmp);
  try {
    write_all(fd, data, tmp);
    if (::fsync(fd) != 0) fail_errno("cannot fsync", tmp);
  } catch (...) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  if (::close(fd) != 0) fail_errno("cannot close", tmp);
  if (hooks.before_rename) hooks.before_rename(tmp);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
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
