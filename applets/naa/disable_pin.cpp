// DISABLE PIN (ETSI TS 102 221 §11.1.11): with the PIN's value, its verification stops being
// required: the files it guards are open as if their condition were ALWAYS, and the DF's PS_DO
// shows it disabled. The state is kept in bit 1 of the PIN's attributes (pins.cpp).
//
// Checks, in order: P1 = 00 (6A86; replacing the PIN with another key reference is not
// offered); 8 bytes of data (6700); the PIN (6A86, 6A88); one that may be disabled (6985: ADM
// keys, and PINs whose attributes do not allow it); enabled (6984); the value (6983, 63Cx).
#include "pin_commands.hpp"

namespace euiccsim::applets::naa {

apdu::Response disable_pin(Call& call) {
  using apdu::Response;
  const auto& cmd = call.cmd;
  if (cmd.p1 != 0x00) return Response::status(apdu::sw::kIncorrectP1P2);
  if (!cmd.has_data() || cmd.data.size() != 8 || cmd.ne)
    return Response::status(apdu::sw::kWrongLength);
  const auto pin = addressed_pin(call);
  if (!pin.index) return Response::status(pin.sw);
  const PinObject& obj = call.profile()->pins[*pin.index];
  if (!pin_disablable(obj)) return Response::status(apdu::sw::kConditionsNotSatisfied);
  if (!pin_enabled(obj)) return Response::status(sw::kReferencedDataInvalidated);
  const std::uint16_t result = present(call, false, *pin.index, cmd.data);
  if (result != apdu::sw::kOk) return Response::status(result);
  PinObject& changed = call.profile_to_change().pins[*pin.index];
  changed.attributes &= static_cast<std::uint8_t>(~0x01);
  return Response::ok();
}

}  // namespace euiccsim::applets::naa
