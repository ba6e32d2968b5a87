// VERIFY PIN (ETSI TS 102 221 §11.1.9): presents a PIN (or ADM key) named by P2. Without data it
// asks for the PIN's state: 9000 when it is verified, else 63Cx with the tries left.
//
// Checks, in order: P1 = 00 (6A86); no data or 8 bytes (6700); the PIN (6A86, 6A88); without data
// blocked (6983); with data the PIN enabled (6984), then the comparison (6983 blocked, 63Cx). A
// success holds on every channel until the card is reset (pins.cpp).
#include "pin_commands.hpp"

namespace euiccsim::applets::naa {

apdu::Response verify_pin(Call& call) {
  using apdu::Response;
  const auto& cmd = call.cmd;
  if (cmd.p1 != 0x00) return Response::status(apdu::sw::kIncorrectP1P2);
  if (cmd.has_data() && cmd.data.size() != 8) return Response::status(apdu::sw::kWrongLength);
  if (cmd.ne) return Response::status(apdu::sw::kWrongLength);
  const auto pin = addressed_pin(call);
  if (!pin.index) return Response::status(pin.sw);
  const PinObject& obj = call.profile()->pins[*pin.index];
  if (!cmd.has_data()) {
    if (obj.remaining == 0) return Response::status(sw::kPinBlocked);
    if (pin_enabled(obj) && verified(call.session, obj)) return Response::ok();
    return Response::status(sw::tries_left(obj.remaining));
  }
  if (!pin_enabled(obj)) return Response::status(sw::kReferencedDataInvalidated);
  const std::uint16_t result = present(call, false, *pin.index, cmd.data);
  if (result == apdu::sw::kOk) set_verified(call.session, call.profile()->pins[*pin.index], true);
  return Response::status(result);
}

}  // namespace euiccsim::applets::naa
