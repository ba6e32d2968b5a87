#include "euiccsim/applets/naa/file_system.hpp"

#include <algorithm>

#include "naa.hpp"

namespace euiccsim::applets::naa {

namespace {

const ProfileSlot* slot_of(const CardState& state, const std::optional<Bytes>& isdp) {
  if (!isdp) return nullptr;
  for (const auto& p : state.profiles)
    if (p.isdp_aid == *isdp) return &p;
  return nullptr;
}

}  // namespace

// ---- Call ----

const InstalledProfile* Call::profile() const {
  const auto* slot = slot_of(ctx.state(), session.isdp);
  return slot ? &slot->profile : nullptr;
}

InstalledProfile& Call::profile_to_change() {
  return ctx.update_state().find_by_aid(*session.isdp)->profile;
}

// ---- files ----

const FileNode* node_at(const InstalledProfile& p, const Path& path) {
  return p.find(path);
}

FileNode* node_at(InstalledProfile& p, const Path& path) {
  FileNode* node = &p.mf;
  for (auto fid : path) {
    node = node->child(fid);
    if (node == nullptr) return nullptr;
  }
  return node;
}

Bytes path_bytes(const Path& path) {
  Bytes b;
  for (auto fid : path) {
    b.push_back(static_cast<std::uint8_t>(fid >> 8));
    b.push_back(static_cast<std::uint8_t>(fid & 0xFF));
  }
  return b;
}

Path body_path(const InstalledProfile& p, const Path& path) {
  const FileNode* f = node_at(p, path);
  if (f == nullptr || f->link_path.empty()) return path;
  // The installer checked that a link names a file with a body of its own.
  Path target;
  for (std::size_t i = 0; i + 1 < f->link_path.size(); i += 2) {
    auto fid = static_cast<std::uint16_t>((f->link_path[i] << 8) | f->link_path[i + 1]);
    if (!(i == 0 && fid == 0x3F00)) target.push_back(fid);
  }
  return node_at(p, target) != nullptr ? target : path;
}

bool is_record_file(const FileNode& f) {
  return f.type == FileType::LinearFixed || f.type == FileType::Cyclic;
}

std::size_t record_count(const FileNode& body) {
  return body.record_length == 0 ? 0 : body.content.size() / body.record_length;
}

Path governing_df(const InstalledProfile& p, const Path& path) {
  const FileNode* f = node_at(p, path);
  if (f != nullptr && f->is_df()) return path;
  return path.empty() ? path : Path(path.begin(), path.end() - 1);
}

AddressedEf addressed_ef(Call& call, std::optional<std::uint8_t> sfi) {
  ChannelState& ch = call.channel();
  const InstalledProfile* p = call.profile();
  if (p == nullptr) return {std::nullopt, sfi ? apdu::sw::kNotFound : sw::kNoEfSelected};
  if (sfi) {
    const FileNode* df = node_at(*p, ch.df);
    if (df == nullptr) return {std::nullopt, apdu::sw::kNotFound};
    for (const auto& c : df->children) {
      if (c.is_df() || c.sfi != *sfi) continue;
      if (ch.ef != c.fid) ch.record = 0;
      ch.ef = c.fid;
      Path path = ch.df;
      path.push_back(c.fid);
      return {path, apdu::sw::kOk};
    }
    return {std::nullopt, apdu::sw::kNotFound};
  }
  if (!ch.ef) return {std::nullopt, sw::kNoEfSelected};
  Path path = ch.df;
  path.push_back(*ch.ef);
  if (node_at(*p, path) == nullptr) return {std::nullopt, sw::kNoEfSelected};
  return {path, apdu::sw::kOk};
}

// ---- FileSystem ----

void FileSystem::reset(std::optional<Bytes> isdp) {
  session_ = Session{};
  session_.isdp = std::move(isdp);
}

void FileSystem::open_channel(unsigned ch, unsigned from) {
  if (ch >= Session::kChannels) return;
  session_.channels[ch] =
      from == 0 || from >= Session::kChannels ? ChannelState{} : session_.channels[from];
}

void FileSystem::close_channel(unsigned ch) {
  leave_channel(ch);
}

void FileSystem::leave_channel(unsigned ch) {
  if (ch >= Session::kChannels) return;
  const auto adf = session_.channels[ch].adf;
  session_.channels[ch] = ChannelState{};
  if (adf) forget_application(session_, *adf);
}

apdu::Response FileSystem::select(AppletContext& ctx, const apdu::Command& cmd) {
  Call call{ctx, session_, cmd};
  return naa::select(call);
}

apdu::Response FileSystem::process(AppletContext& ctx, const apdu::Command& cmd) {
  if (ctx.channel() >= Session::kChannels)
    return apdu::Response::status(apdu::sw::kNoPreciseDiagnosis);
  Call call{ctx, session_, cmd};
  const bool proprietary = (cmd.cla & 0x80) != 0;
  // TS 102 221 Table 10.5: STATUS and INCREASE are of the proprietary class (8X, CX, EX), the
  // others of the interindustry one.
  switch (cmd.ins) {
    case 0xF2:
      return proprietary ? status(call) : apdu::Response::status(apdu::sw::kClaNotSupported);
    case 0x32:
      return proprietary ? increase(call) : apdu::Response::status(apdu::sw::kClaNotSupported);
    default:
      break;
  }
  if (proprietary) return apdu::Response::status(apdu::sw::kInsNotSupported);
  switch (cmd.ins) {
    case 0xB0:
      return read_binary(call);
    case 0xD6:
      return update_binary(call);
    case 0xB2:
      return read_record(call);
    case 0xDC:
      return update_record(call);
    case 0xA2:
      return search_record(call);
    case 0x20:
      return verify_pin(call);
    case 0x24:
      return change_pin(call);
    case 0x26:
      return disable_pin(call);
    case 0x28:
      return enable_pin(call);
    case 0x2C:
      return unblock_pin(call);
    case 0x88:
      return authenticate(call);
    default:
      return apdu::Response::status(apdu::sw::kInsNotSupported);
  }
}

}  // namespace euiccsim::applets::naa
