// UPDATE RECORD (ETSI TS 102 221 §11.1.6) of the current linear fixed or cyclic EF, or of the EF
// a short file identifier names. A cyclic EF is only written in PREVIOUS mode: the oldest record
// takes the data and becomes record 1, and the record pointer points to it.
//
// Checks, in order: the mode (02, 03, 04; a cyclic EF 03 only) (6A86); data present (6700); the
// EF (6986, 6A82); a record structure (6981); UPDATE access (6982); data of the record length
// (6700); the record (6A83). The change goes into the card state, persisted before the answer.
#include <algorithm>

#include "records.hpp"

namespace euiccsim::applets::naa {

apdu::Response update_record(Call& call) {
  using apdu::Response;
  const auto& cmd = call.cmd;
  const std::uint8_t mode = cmd.p2 & 0x07;
  if (mode < 2 || mode > 4) return Response::status(apdu::sw::kIncorrectP1P2);
  if (!cmd.has_data()) return Response::status(apdu::sw::kWrongLength);
  const std::uint8_t sfi = cmd.p2 >> 3;
  if (sfi == 0x1F) return Response::status(apdu::sw::kIncorrectP1P2);
  const auto ef = addressed_ef(call, sfi ? std::optional<std::uint8_t>(sfi) : std::nullopt);
  if (!ef.path) return Response::status(ef.sw);
  const InstalledProfile& p = *call.profile();
  const FileNode& f = *node_at(p, *ef.path);
  if (!is_record_file(f)) return Response::status(sw::kIncompatibleFileStructure);
  const bool cyclic = f.type == FileType::Cyclic;
  if (cyclic && mode != static_cast<std::uint8_t>(RecordMode::kPrevious))
    return Response::status(apdu::sw::kIncorrectP1P2);
  if (!allowed(call.session, p, *ef.path, Operation::kUpdate))
    return Response::status(sw::kSecurityStatusNotSatisfied);
  const Path body = body_path(p, *ef.path);
  const FileNode& b = *node_at(p, body);
  const std::size_t length = b.record_length, count = record_count(b);
  if (cmd.data.size() != length) return Response::status(apdu::sw::kWrongLength);
  if (count == 0) return Response::status(sw::kRecordNotFound);
  if (cyclic) {
    Bytes& content = node_at(call.profile_to_change(), body)->content;
    std::rotate(content.rbegin(), content.rbegin() + static_cast<std::ptrdiff_t>(length),
                content.rend());
    std::copy(cmd.data.begin(), cmd.data.end(), content.begin());
    call.channel().record = 1;
    return Response::ok();
  }
  std::uint16_t pointer = call.channel().record;
  const auto r = designated_record(static_cast<RecordMode>(mode), cmd.p1, count, false, pointer);
  if (!r) return Response::status(sw::kRecordNotFound);
  call.channel().record = pointer;
  Bytes& content = node_at(call.profile_to_change(), body)->content;
  std::copy(cmd.data.begin(), cmd.data.end(),
            content.begin() + static_cast<std::ptrdiff_t>((*r - 1) * length));
  return Response::ok();
}

}  // namespace euiccsim::applets::naa
