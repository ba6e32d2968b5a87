// READ RECORD (ETSI TS 102 221 §11.1.5) of the current linear fixed or cyclic EF, or of the EF a
// short file identifier (P2 b8..b4) names; record 1 of a cyclic EF is the last one written.
//
// Checks, in order: the mode (P2 b3..b1: 02 next, 03 previous, 04 absolute/current) (6A86); the
// EF (6986, 6A82); a record structure (6981); READ access (6982); Le equal to the record length
// or 00 (6Cxx with the record length); the record (6A83). An unsuccessful READ RECORD leaves the
// record pointer where it was.
#include "records.hpp"

namespace euiccsim::applets::naa {

apdu::Response read_record(Call& call) {
  using apdu::Response;
  const auto& cmd = call.cmd;
  const std::uint8_t mode = cmd.p2 & 0x07;
  if (mode < 2 || mode > 4) return Response::status(apdu::sw::kIncorrectP1P2);
  if (cmd.has_data()) return Response::status(apdu::sw::kWrongLength);
  const std::uint8_t sfi = cmd.p2 >> 3;
  if (sfi == 0x1F) return Response::status(apdu::sw::kIncorrectP1P2);
  const auto ef = addressed_ef(call, sfi ? std::optional<std::uint8_t>(sfi) : std::nullopt);
  if (!ef.path) return Response::status(ef.sw);
  const InstalledProfile& p = *call.profile();
  const FileNode& f = *node_at(p, *ef.path);
  if (!is_record_file(f)) return Response::status(sw::kIncompatibleFileStructure);
  if (!allowed(call.session, p, *ef.path, Operation::kRead))
    return Response::status(sw::kSecurityStatusNotSatisfied);
  const FileNode& body = *node_at(p, body_path(p, *ef.path));
  const std::size_t length = body.record_length;
  if (cmd.ne && *cmd.ne != 256 && *cmd.ne != length)
    return Response::status(static_cast<std::uint16_t>(0x6C00 | (length & 0xFF)));
  std::uint16_t pointer = call.channel().record;
  const auto r = designated_record(static_cast<RecordMode>(mode), cmd.p1, record_count(body),
                                   f.type == FileType::Cyclic, pointer);
  if (!r) return Response::status(sw::kRecordNotFound);
  call.channel().record = pointer;
  const auto at = static_cast<std::ptrdiff_t>((*r - 1) * length);
  return Response::ok(Bytes(body.content.begin() + at,
                            body.content.begin() + at + static_cast<std::ptrdiff_t>(length)));
}

}  // namespace euiccsim::applets::naa
