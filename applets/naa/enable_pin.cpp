// ENABLE PIN (ETSI TS 102 221 §11.1.12): with the PIN's value, its verification is required
// again; the PIN counts as verified.
//
// Checks, in order: P1 = 00 (6A86); 8 bytes of data (6700); the PIN (6A86, 6A88); disabled
// (6985 when it is already enabled); the value (6983, 63Cx).
#include "pin_commands.hpp"

namespace euiccsim::applets::naa {

apdu::Response enable_pin(Call& call) {
  using apdu::Response;
  const auto& cmd = call.cmd;
  if (cmd.p1 != 0x00) return Response::status(apdu::sw::kIncorrectP1P2);
  if (!cmd.has_data() || cmd.data.size() != 8 || cmd.ne)
    return Response::status(apdu::sw::kWrongLength);
  const auto pin = addressed_pin(call);
  if (!pin.index) return Response::status(pin.sw);
  if (pin_enabled(call.profile()->pins[*pin.index]))
    return Response::status(apdu::sw::kConditionsNotSatisfied);
  const std::uint16_t result = present(call, false, *pin.index, cmd.data);
  if (result != apdu::sw::kOk) return Response::status(result);
  PinObject& changed = call.profile_to_change().pins[*pin.index];
  changed.attributes |= 0x01;
  set_verified(call.session, changed, true);
  return Response::ok();
}

}  // namespace euiccsim::applets::naa
