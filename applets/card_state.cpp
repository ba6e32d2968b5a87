#include "euiccsim/applets/card_state.hpp"

namespace euiccsim {

std::string Version::str() const {
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(revision);
}

}  // namespace euiccsim

namespace euiccsim {

Bytes CardState::next_isdp_aid() const {
  for (std::uint16_t n = 0x0010;; ++n) {
    Bytes aid = from_hex("A0000005591010FFFFFFFF8900");
    aid.push_back(static_cast<std::uint8_t>(n >> 8));
    aid.push_back(static_cast<std::uint8_t>(n & 0xFF));
    aid.push_back(0x00);
    bool used = false;
    for (const auto& p : profiles) used = used || p.isdp_aid == aid;
    if (!used) return aid;
  }
}

Bytes CardState::add_profile(profiles::InstalledProfile profile, bool enabled) {
  Bytes aid = next_isdp_aid();
  profiles.push_back(ProfileSlot{aid, enabled, std::move(profile)});
  return aid;
}

}  // namespace euiccsim
