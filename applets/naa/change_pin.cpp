// CHANGE PIN (ETSI TS 102 221 §11.1.10): the old value then the new one, 8 bytes each. The new
// value holds on every channel at once, and the PIN counts as verified.
//
// Checks, in order: P1 = 00 (6A86); 16 bytes of data (6700); the PIN (6A86, 6A88); enabled
// (6984); a well-formed new value (6A80); the old value (6983 blocked, 63Cx).
#include "pin_commands.hpp"

namespace euiccsim::applets::naa {

apdu::Response change_pin(Call& call) {
  using apdu::Response;
  const auto& cmd = call.cmd;
  if (cmd.p1 != 0x00) return Response::status(apdu::sw::kIncorrectP1P2);
  if (!cmd.has_data() || cmd.data.size() != 16 || cmd.ne)
    return Response::status(apdu::sw::kWrongLength);
  const auto pin = addressed_pin(call);
  if (!pin.index) return Response::status(pin.sw);
  const PinObject& obj = call.profile()->pins[*pin.index];
  if (!pin_enabled(obj)) return Response::status(sw::kReferencedDataInvalidated);
  const ByteView data(cmd.data);
  if (!is_adm(obj.key_reference) && !well_formed_pin(data.subspan(8)))
    return Response::status(apdu::sw::kIncorrectData);
  const std::uint16_t result = present(call, false, *pin.index, data.subspan(0, 8));
  if (result != apdu::sw::kOk) return Response::status(result);
  PinObject& changed = call.profile_to_change().pins[*pin.index];
  changed.value.assign(data.begin() + 8, data.end());
  set_verified(call.session, changed, true);
  return Response::ok();
}

}  // namespace euiccsim::applets::naa
