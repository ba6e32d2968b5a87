#include "pin_commands.hpp"

#include <algorithm>

namespace euiccsim::applets::naa {

AddressedPin addressed_pin(Call& call) {
  const std::uint8_t key = call.cmd.p2;
  if ((key & 0x60) != 0 || (key & 0x1F) == 0) return {std::nullopt, apdu::sw::kIncorrectP1P2};
  const InstalledProfile* p = call.profile();
  if (p == nullptr) return {std::nullopt, apdu::sw::kReferencedDataNotFound};
  // A local reference is resolved from the current DF up, then in the current application
  // (its PIN2 stays reachable while the terminal is in the MF or DF.TELECOM).
  auto i = find_pin(*p, call.channel().df, key);
  if (!i && call.channel().adf) i = find_pin(*p, Path{*call.channel().adf}, key);
  if (!i) return {std::nullopt, apdu::sw::kReferencedDataNotFound};
  return {i, apdu::sw::kOk};
}

bool well_formed_pin(ByteView value) {
  if (value.size() != 8) return false;
  std::size_t digits = 0;
  while (digits < 8 && value[digits] >= '0' && value[digits] <= '9') ++digits;
  return digits >= 4 && std::all_of(value.begin() + static_cast<std::ptrdiff_t>(digits),
                                    value.end(), [](std::uint8_t b) { return b == 0xFF; });
}

std::uint16_t present(Call& call, bool puk, std::size_t index, ByteView value) {
  const InstalledProfile& p = *call.profile();
  const PinObject& obj = puk ? p.puks[index] : p.pins[index];
  if (obj.remaining == 0) return sw::kPinBlocked;
  const bool match =
      obj.value.size() == value.size() && std::equal(value.begin(), value.end(), obj.value.begin());
  if (match) {
    if (obj.remaining != obj.max_attempts) {
      auto& changed = call.profile_to_change();
      (puk ? changed.puks[index] : changed.pins[index]).remaining = obj.max_attempts;
    }
    return apdu::sw::kOk;
  }
  auto& changed = call.profile_to_change();
  PinObject& counted = puk ? changed.puks[index] : changed.pins[index];
  --counted.remaining;
  if (!puk) set_verified(call.session, counted, false);
  return sw::tries_left(counted.remaining);
}

}  // namespace euiccsim::applets::naa
