// UNBLOCK PIN (ETSI TS 102 221 §11.1.13): the PUK that unblocks the PIN named by P2, then the
// PIN's new value, 8 bytes each. Success sets the new value, resets both retry counters,
// enables the PIN and counts it as verified; it works whether or not the PIN is blocked.
// Without data it asks for the PUK's tries left (63Cx), or 6983 when the PUK is blocked.
//
// Checks, in order: P1 = 00 (6A86); no data or 16 bytes (6700); the PIN (6A86, 6A88); a PUK for
// it (6A88); without data the PUK's state; a well-formed new value (6A80); the PUK (6983, 63Cx).
#include "pin_commands.hpp"

namespace euiccsim::applets::naa {

apdu::Response unblock_pin(Call& call) {
  using apdu::Response;
  const auto& cmd = call.cmd;
  if (cmd.p1 != 0x00) return Response::status(apdu::sw::kIncorrectP1P2);
  if ((cmd.has_data() && cmd.data.size() != 16) || cmd.ne)
    return Response::status(apdu::sw::kWrongLength);
  const auto pin = addressed_pin(call);
  if (!pin.index) return Response::status(pin.sw);
  const InstalledProfile& p = *call.profile();
  const PinObject& obj = p.pins[*pin.index];
  std::optional<std::size_t> puk;
  for (std::size_t i = 0; obj.unblocking_reference && i < p.puks.size(); ++i)
    if (p.puks[i].key_reference == *obj.unblocking_reference) puk = i;
  if (!puk) return Response::status(apdu::sw::kReferencedDataNotFound);
  if (!cmd.has_data()) {
    const auto left = p.puks[*puk].remaining;
    return Response::status(left == 0 ? sw::kPinBlocked : sw::tries_left(left));
  }
  const ByteView data(cmd.data);
  if (!is_adm(obj.key_reference) && !well_formed_pin(data.subspan(8)))
    return Response::status(apdu::sw::kIncorrectData);
  const std::uint16_t result = present(call, true, *puk, data.subspan(0, 8));
  if (result != apdu::sw::kOk) return Response::status(result);
  PinObject& changed = call.profile_to_change().pins[*pin.index];
  changed.value.assign(data.begin() + 8, data.end());
  changed.remaining = changed.max_attempts;
  changed.attributes |= 0x01;
  set_verified(call.session, changed, true);
  return Response::ok();
}

}  // namespace euiccsim::applets::naa
