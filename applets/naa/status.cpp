// STATUS (ETSI TS 102 221 §11.1.2): what the channel has selected. P1 tells the card about the
// application (00 nothing, 01 initialised, 02 terminating: accepted, nothing follows from it);
// P2 asks for the FCP of the current DF (00), the current application's DF name as TLV 84 (01),
// or nothing (0C).
//
// Checks, in order: P1, P2 (6A86); no data (6700); for 01 an application selected (6A88).
#include "euiccsim/crypto/tlv.hpp"
#include "naa.hpp"

namespace euiccsim::applets::naa {

apdu::Response status(Call& call) {
  using apdu::Response;
  const auto& cmd = call.cmd;
  if (cmd.p1 > 0x02 || (cmd.p2 != 0x00 && cmd.p2 != 0x01 && cmd.p2 != 0x0C))
    return Response::status(apdu::sw::kIncorrectP1P2);
  if (cmd.has_data()) return Response::status(apdu::sw::kWrongLength);
  const InstalledProfile* p = call.profile();
  const ChannelState& ch = call.channel();
  switch (cmd.p2) {
    case 0x00:
      if (p == nullptr) return Response::ok(platform_mf_fcp());
      return Response::ok(fcp(*p, node_at(*p, ch.df) != nullptr ? ch.df : Path{}));
    case 0x01: {
      const FileNode* adf = p && ch.adf ? node_at(*p, Path{*ch.adf}) : nullptr;
      if (adf == nullptr) return Response::status(apdu::sw::kReferencedDataNotFound);
      return Response::ok(tlv::encode(0x84, adf->df_name));
    }
    default:
      return Response::ok();
  }
}

}  // namespace euiccsim::applets::naa
