// SEARCH RECORD (ETSI TS 102 221 §11.1.7) in the current linear fixed or cyclic EF, or in the EF
// a short file identifier (P2 b8..b4) names. The answer lists the numbers of the records that
// hold the search string, in search order; the record pointer moves to the first of them.
//
//   simple search, P2 b3..b1 = 100 forward from record P1, 101 backward from record P1: the
//     string may occur anywhere in a record (P1 = 00: from the current record, else the first
//     or last);
//   enhanced search, 110: the data starts with a search indication of two bytes: b3..b1 of the
//     first as above, or 110 forward from the record after the current one, 111 backward from
//     the one before it; b4 = 0: the second byte is the offset in each record where the search
//     starts, b4 = 1: it is a value, and the search starts after its first occurrence.
//
// Checks, in order: the mode (6A86); a search string of 1 byte to the record length (6700); the
// EF (6986, 6A82); a record structure (6981); READ access (6982); the start record (6A83). When
// no record matches the answer is 6A83 (our reading; the clause lists no status word of its
// own for it).
#include <algorithm>

#include "records.hpp"

namespace euiccsim::applets::naa {

apdu::Response search_record(Call& call) {
  using apdu::Response;
  const auto& cmd = call.cmd;
  const std::uint8_t mode = cmd.p2 & 0x07;
  if (mode != 4 && mode != 5 && mode != 6) return Response::status(apdu::sw::kIncorrectP1P2);
  const std::uint8_t sfi = cmd.p2 >> 3;
  if (sfi == 0x1F) return Response::status(apdu::sw::kIncorrectP1P2);
  const bool enhanced = mode == 6;
  if (!cmd.has_data() || (enhanced && cmd.data.size() < 3))
    return Response::status(apdu::sw::kWrongLength);
  std::uint8_t direction = mode;  // 4 forward from P1, 5 backward, 6 after current, 7 before it
  bool value_start = false;
  std::uint8_t start_byte = 0;
  ByteView pattern(cmd.data);
  if (enhanced) {
    direction = cmd.data[0] & 0x07;
    if (direction < 4 || (cmd.data[0] & 0xF0) != 0)
      return Response::status(apdu::sw::kIncorrectData);
    value_start = (cmd.data[0] & 0x08) != 0;
    start_byte = cmd.data[1];
    pattern = pattern.subspan(2);
  }
  const auto ef = addressed_ef(call, sfi ? std::optional<std::uint8_t>(sfi) : std::nullopt);
  if (!ef.path) return Response::status(ef.sw);
  const InstalledProfile& p = *call.profile();
  const FileNode& f = *node_at(p, *ef.path);
  if (!is_record_file(f)) return Response::status(sw::kIncompatibleFileStructure);
  if (!allowed(call.session, p, *ef.path, Operation::kRead))
    return Response::status(sw::kSecurityStatusNotSatisfied);
  const FileNode& body = *node_at(p, body_path(p, *ef.path));
  const std::size_t length = body.record_length, count = record_count(body);
  if (pattern.size() > length) return Response::status(apdu::sw::kWrongLength);

  const std::size_t current = call.channel().record;
  const bool forward = direction == 4 || direction == 6;
  std::size_t first = 0;
  switch (direction) {
    case 4:
      first = cmd.p1 != 0 ? cmd.p1 : (current != 0 ? current : 1);
      break;
    case 5:
      first = cmd.p1 != 0 ? cmd.p1 : (current != 0 ? current : count);
      break;
    case 6:
      first = current + 1;
      break;
    case 7:
      first = current == 0 ? count : current - 1;
      break;
  }
  if (first == 0 || first > count) return Response::status(sw::kRecordNotFound);

  Bytes found;
  for (std::size_t r = first; r >= 1 && r <= count; r = forward ? r + 1 : r - 1) {
    auto rec = ByteView(body.content).subspan((r - 1) * length, length);
    std::size_t from = 0;
    if (enhanced && value_start) {
      auto v = std::find(rec.begin(), rec.end(), start_byte);
      if (v == rec.end()) continue;
      from = static_cast<std::size_t>(v - rec.begin()) + 1;
    } else if (enhanced) {
      from = start_byte;
    }
    if (from >= rec.size()) continue;
    auto hay = rec.subspan(from);
    if (std::search(hay.begin(), hay.end(), pattern.begin(), pattern.end()) != hay.end())
      found.push_back(static_cast<std::uint8_t>(r));
  }
  if (found.empty()) return Response::status(sw::kRecordNotFound);
  call.channel().record = found.front();
  return Response::ok(found);
}

}  // namespace euiccsim::applets::naa
