// READ BINARY (ETSI TS 102 221 §11.1.3) of the current transparent EF, or of the EF a short file
// identifier names.
//
// Checks, in order: P1 (b8 set: b5..b1 an SFI, b7..b6 zero; else P1..P2 a 15-bit offset) (6A86);
// the EF (none selected 6986, no EF with that SFI 6A82); a transparent structure (6981); READ
// access (6982); the offset inside the file (6B00). Le = 00 reads up to 256 bytes, to the end
// of the file if it is shorter; a larger explicit Le than the file holds reads what there is
// with 6282 (T=0 turns that into 6Cxx, as ISO/IEC 7816-3 wants). A link file reads its target.
#include "naa.hpp"

namespace euiccsim::applets::naa {

apdu::Response read_binary(Call& call) {
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
  if (cmd.has_data()) return Response::status(apdu::sw::kWrongLength);
  const auto ef = addressed_ef(call, sfi);
  if (!ef.path) return Response::status(ef.sw);
  const InstalledProfile& p = *call.profile();
  if (node_at(p, *ef.path)->type != FileType::Transparent)
    return Response::status(sw::kIncompatibleFileStructure);
  if (!allowed(call.session, p, *ef.path, Operation::kRead))
    return Response::status(sw::kSecurityStatusNotSatisfied);
  const Bytes& content = node_at(p, body_path(p, *ef.path))->content;
  if (offset >= content.size() && !(offset == 0 && content.empty()))
    return Response::status(sw::kWrongParameters);
  const std::size_t available = content.size() - offset;
  const std::size_t wanted = cmd.ne.value_or(256);
  const std::size_t n = std::min(wanted, available);
  Response r = Response::ok(Bytes(content.begin() + static_cast<std::ptrdiff_t>(offset),
                                  content.begin() + static_cast<std::ptrdiff_t>(offset + n)));
  if (wanted > available && wanted != 256) r.sw = sw::kEndOfFileReached;
  return r;
}

}  // namespace euiccsim::applets::naa
