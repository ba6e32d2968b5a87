// SELECT (ETSI TS 102 221 §11.1.1, file selection rules §8.4.1), for the files of the profile
// shown; the card runtime has already offered an AID to its applets.
//
// Checks, in order: CLA of the interindustry class (6E00); P1 one of 00 (FID), 01 (child DF),
// 02 (child EF), 03 (parent DF), 04 (DF name), 08 (path from the MF), 09 (path from the current
// DF) and P2 asking for the FCP (04, or 00 read as 04) or nothing (0C), with occurrence bits only
// for a DF name (6A86); the data's length for P1 (6700); then the file (6A82). With no profile
// shown only the MF exists: the eUICC's own, empty one. The channel's selection changes only on
// success: the new current DF, EF (record pointer unset) and, for a DF name, application.
//
// Readings: an ADF is reached by its AID or by 7FFF (the current application) only, never by
// the temporary FID the profile package gave it; a path may start with 3F00 although §8.4.2
// leaves it out.
#include <algorithm>

#include "naa.hpp"

namespace euiccsim::applets::naa {

namespace {

constexpr std::uint16_t kMf = 0x3F00;
constexpr std::uint16_t kCurrentAdf = 0x7FFF;

std::uint16_t fid_at(ByteView d, std::size_t i) {
  return static_cast<std::uint16_t>((d[i] << 8) | d[i + 1]);
}

// A child of `dir` by FID, as selection sees it: an ADF's temporary FID names nothing.
std::optional<Path> child(const InstalledProfile& p, const Path& dir, std::uint16_t fid,
                          int kind /* 0 any, 1 DF, 2 EF */) {
  const FileNode* d = node_at(p, dir);
  if (d == nullptr) return std::nullopt;
  const FileNode* c = d->child(fid);
  if (c == nullptr || c->type == FileType::Adf) return std::nullopt;
  if ((kind == 1 && !c->is_df()) || (kind == 2 && c->is_df())) return std::nullopt;
  Path out = dir;
  out.push_back(fid);
  return out;
}

// §8.4.1: by FID, the MF, the current application, the current DF, a child of it, its parent,
// or a DF beside it.
std::optional<Path> by_fid(const InstalledProfile& p, const ChannelState& ch, std::uint16_t fid) {
  if (fid == kMf) return Path{};
  if (fid == kCurrentAdf) return ch.adf ? std::optional<Path>(Path{*ch.adf}) : std::nullopt;
  if (!ch.df.empty() && ch.df.back() == fid) return ch.df;
  if (auto c = child(p, ch.df, fid, 0)) return c;
  if (ch.df.empty()) return std::nullopt;
  const Path parent(ch.df.begin(), ch.df.end() - 1);
  if (!parent.empty() && parent.back() == fid) return parent;
  return child(p, parent, fid, 1);
}

std::optional<Path> by_path(const InstalledProfile& p, const ChannelState& ch, ByteView data,
                            bool from_mf) {
  Path path = from_mf ? Path{} : ch.df;
  for (std::size_t i = 0; i < data.size(); i += 2) {
    const std::uint16_t fid = fid_at(data, i);
    if (i == 0 && fid == kMf && from_mf) continue;
    if (i == 0 && fid == kCurrentAdf) {
      if (!ch.adf) return std::nullopt;
      path = Path{*ch.adf};
      continue;
    }
    const FileNode* dir = node_at(p, path);
    if (dir == nullptr || !dir->is_df()) return std::nullopt;
    auto next = child(p, path, fid, 0);
    if (!next) return std::nullopt;
    path = std::move(*next);
  }
  return path;
}

// §8.5: an application by (part of) its AID; "next occurrence" continues after the channel's
// current application.
std::optional<std::uint16_t> by_name(const InstalledProfile& p, const ChannelState& ch,
                                     ByteView name, bool next) {
  bool passed = !next || !ch.adf;
  for (const auto& c : p.mf.children) {
    if (c.type != FileType::Adf) continue;
    if (!passed) {
      passed = c.fid == *ch.adf;
      continue;
    }
    if (c.df_name.size() >= name.size() && std::equal(name.begin(), name.end(), c.df_name.begin()))
      return c.fid;
  }
  return std::nullopt;
}

}  // namespace

apdu::Response select(Call& call) {
  using apdu::Response;
  const auto& cmd = call.cmd;
  if ((cmd.cla & 0x80) != 0) return Response::status(apdu::sw::kClaNotSupported);
  const std::uint8_t answer = cmd.p2 & 0x0C;  // 04 FCP, 0C nothing, 00 (FCI) read as FCP
  const std::uint8_t occurrence = cmd.p2 & 0x03;
  const bool by_aid = cmd.p1 == 0x04;
  if ((cmd.p2 & 0xF0) != 0 || answer == 0x08 || (occurrence != 0 && !by_aid) ||
      occurrence == 0x01 || occurrence == 0x03)
    return Response::status(apdu::sw::kIncorrectP1P2);
  const ByteView data(cmd.data);
  switch (cmd.p1) {
    case 0x00:
      if (!data.empty() && data.size() != 2) return Response::status(apdu::sw::kWrongLength);
      break;
    case 0x01:
    case 0x02:
      if (data.size() != 2) return Response::status(apdu::sw::kWrongLength);
      break;
    case 0x03:
      if (!data.empty()) return Response::status(apdu::sw::kWrongLength);
      break;
    case 0x04:
      if (data.empty() || data.size() > 16) return Response::status(apdu::sw::kWrongLength);
      break;
    case 0x08:
    case 0x09:
      if (data.empty() || data.size() % 2 != 0) return Response::status(apdu::sw::kWrongLength);
      break;
    default:
      return Response::status(apdu::sw::kIncorrectP1P2);
  }

  ChannelState& ch = call.channel();
  const InstalledProfile* p = call.profile();
  if (p == nullptr) {
    // No profile shown: the MF alone, by FID, by an empty path or as the parent of itself.
    const bool mf = (cmd.p1 == 0x00 && (data.empty() || fid_at(data, 0) == kMf)) ||
                    (cmd.p1 == 0x08 && data.size() == 2 && fid_at(data, 0) == kMf);
    if (!mf) return Response::status(apdu::sw::kNotFound);
    ch = ChannelState{};
    return answer == 0x0C ? Response::ok() : Response::ok(platform_mf_fcp());
  }

  std::optional<Path> target;
  std::optional<std::uint16_t> application;
  switch (cmd.p1) {
    case 0x00:
      target = data.empty() ? Path{} : by_fid(*p, ch, fid_at(data, 0));
      break;
    case 0x01:
      target = child(*p, ch.df, fid_at(data, 0), 1);
      break;
    case 0x02:
      target = child(*p, ch.df, fid_at(data, 0), 2);
      break;
    case 0x03:
      if (!ch.df.empty()) target = Path(ch.df.begin(), ch.df.end() - 1);
      break;
    case 0x04:
      application = by_name(*p, ch, data, occurrence == 0x02);
      if (application) target = Path{*application};
      break;
    case 0x08:
      target = by_path(*p, ch, data, true);
      break;
    case 0x09:
      target = by_path(*p, ch, data, false);
      break;
  }
  const FileNode* node = target ? node_at(*p, *target) : nullptr;
  if (node == nullptr) return Response::status(apdu::sw::kNotFound);

  if (node->is_df()) {
    ch.df = *target;
    ch.ef.reset();
  } else {
    ch.df.assign(target->begin(), target->end() - 1);
    ch.ef = target->back();
  }
  ch.record = 0;
  if (application && ch.adf != application) {
    const auto previous = ch.adf;
    ch.adf = application;
    if (previous) forget_application(call.session, *previous);
  }
  return answer == 0x0C ? Response::ok() : Response::ok(fcp(*p, *target));
}

}  // namespace euiccsim::applets::naa
