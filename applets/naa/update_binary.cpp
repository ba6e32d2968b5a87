// UPDATE BINARY (ETSI TS 102 221 §11.1.4) of the current transparent EF, or of the EF a short
// file identifier names; P1 and P2 as for READ BINARY.
//
// Checks, in order: P1 (6A86); data present (6700); the EF (6986, 6A82); a transparent structure
// (6981); UPDATE access (6982); the offset inside the file (6B00) and the data ending inside it
// (6700). The bytes are written into the card state, so the runtime persists them before the
// answer leaves: a power loss leaves the file as it was before or after, never torn. A link file
// writes its target.
#include <algorithm>

#include "naa.hpp"

namespace euiccsim::applets::naa {

apdu::Response update_binary(Call& call) {
  using apdu::Response;
  const auto& cmd = call.cmd;
  std::optional<std::uint8_t> sfi;
  std::size_t offset = 0;
  if (cmd.p1 & 0x80) {
    if ((cmd.p1 & 0x60) != 0 || (cmd.p1 & 0x1F) == 0)
      return Response::status(apdu::sw::kIncorrectP1P2);
    sfi = cmd.p1 & 0x1F;
    offset = cmd.p2;
  } else {
    offset = (std::size_t{cmd.p1} << 8) | cmd.p2;
  }
  if (!cmd.has_data()) return Response::status(apdu::sw::kWrongLength);
  const auto ef = addressed_ef(call, sfi);
  if (!ef.path) return Response::status(ef.sw);
  const InstalledProfile& p = *call.profile();
  if (node_at(p, *ef.path)->type != FileType::Transparent)
    return Response::status(sw::kIncompatibleFileStructure);
  if (!allowed(call.session, p, *ef.path, Operation::kUpdate))
    return Response::status(sw::kSecurityStatusNotSatisfied);
  const Path body = body_path(p, *ef.path);
  const std::size_t size = node_at(p, body)->content.size();
  if (offset >= size) return Response::status(sw::kWrongParameters);
  if (cmd.data.size() > size - offset) return Response::status(apdu::sw::kWrongLength);
  Bytes& content = node_at(call.profile_to_change(), body)->content;
  std::copy(cmd.data.begin(), cmd.data.end(),
            content.begin() + static_cast<std::ptrdiff_t>(offset));
  return Response::ok();
}

}  // namespace euiccsim::applets::naa
