// INCREASE (ETSI TS 102 221 §11.1.8) of the current cyclic EF: record 1 read as an unsigned
// number, the data added to it (aligned to the record's last byte), the sum written as a new
// record 1 (the oldest record gives way, as in UPDATE RECORD PREVIOUS). The answer is the new
// record and the value added.
//
// Checks, in order: P1 = P2 = 00 (6A86); data present (6700); an EF selected (6986); a cyclic
// structure (6981); INCREASE access (6982, see access_rules.cpp); data no longer than a record
// (6700); the sum fitting the record (9850, nothing written).
#include <algorithm>

#include "naa.hpp"

namespace euiccsim::applets::naa {

apdu::Response increase(Call& call) {
  using apdu::Response;
  const auto& cmd = call.cmd;
  if (cmd.p1 != 0 || cmd.p2 != 0) return Response::status(apdu::sw::kIncorrectP1P2);
  if (!cmd.has_data()) return Response::status(apdu::sw::kWrongLength);
  const auto ef = addressed_ef(call, std::nullopt);
  if (!ef.path) return Response::status(ef.sw);
  const InstalledProfile& p = *call.profile();
  if (node_at(p, *ef.path)->type != FileType::Cyclic)
    return Response::status(sw::kIncompatibleFileStructure);
  if (!allowed(call.session, p, *ef.path, Operation::kIncrease))
    return Response::status(sw::kSecurityStatusNotSatisfied);
  const Path body = body_path(p, *ef.path);
  const FileNode& b = *node_at(p, body);
  const std::size_t length = b.record_length;
  if (cmd.data.size() > length || record_count(b) == 0)
    return Response::status(apdu::sw::kWrongLength);
  Bytes sum(b.content.begin(), b.content.begin() + static_cast<std::ptrdiff_t>(length));
  unsigned carry = 0;
  for (std::size_t i = 0; i < length; ++i) {
    const std::size_t at = length - 1 - i;
    const unsigned add = i < cmd.data.size() ? cmd.data[cmd.data.size() - 1 - i] : 0;
    const unsigned s = sum[at] + add + carry;
    sum[at] = static_cast<std::uint8_t>(s);
    carry = s >> 8;
  }
  if (carry != 0) return Response::status(sw::kMaxValueReached);
  Bytes& content = node_at(call.profile_to_change(), body)->content;
  std::rotate(content.rbegin(), content.rbegin() + static_cast<std::ptrdiff_t>(length),
              content.rend());
  std::copy(sum.begin(), sum.end(), content.begin());
  call.channel().record = 1;
  Bytes answer = sum;
  answer.insert(answer.end(), cmd.data.begin(), cmd.data.end());
  return Response::ok(answer);
}

}  // namespace euiccsim::applets::naa
