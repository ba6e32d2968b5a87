#include "euiccsim/applets/card_state.hpp"

#include <algorithm>
#include <charconv>
#include <utility>

namespace euiccsim {

std::string Version::str() const {
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(revision);
}

std::optional<Version> Version::parse(std::string_view text) {
  std::array<std::uint8_t, 3> parts{};
  for (std::size_t i = 0; i < 3; ++i) {
    auto dot = text.find('.');
    if ((i < 2) != (dot != std::string_view::npos)) return std::nullopt;
    auto part = text.substr(0, dot);
    unsigned v = 0;
    auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), v);
    if (part.empty() || ec != std::errc() || end != part.data() + part.size() || v > 255)
      return std::nullopt;
    parts[i] = static_cast<std::uint8_t>(v);
    text = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  }
  return Version{parts[0], parts[1], parts[2]};
}

namespace personality {
const std::vector<std::string>& all() {
  static const std::vector<std::string> names{kSgp22, kIot};
  return names;
}
}  // namespace personality

namespace quirk {
const std::vector<std::string>& all() {
  static const std::vector<std::string> names{kEnableByAidOnly, kRefuseIccidSearch, kCatBusy,
                                              "refresh-at-once"};
  return names;
}
}  // namespace quirk

const char* notification_event_name(NotificationEvent e) {
  switch (e) {
    case NotificationEvent::kInstall:
      return "install";
    case NotificationEvent::kEnable:
      return "enable";
    case NotificationEvent::kDisable:
      return "disable";
    case NotificationEvent::kDelete:
      return "delete";
  }
  return "?";
}

const char* profile_class_name(ProfileClass c) {
  switch (c) {
    case ProfileClass::kTest:
      return "test";
    case ProfileClass::kProvisioning:
      return "provisioning";
    case ProfileClass::kOperational:
      return "operational";
  }
  return "?";
}

std::optional<ProfileClass> parse_profile_class(std::string_view name) {
  for (auto c : {ProfileClass::kTest, ProfileClass::kProvisioning, ProfileClass::kOperational}) {
    if (name == profile_class_name(c)) return c;
  }
  return std::nullopt;
}

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
  ProfileSlot slot;
  slot.isdp_aid = aid;
  slot.enabled = enabled;
  slot.profile = std::move(profile);
  profiles.push_back(std::move(slot));
  return aid;
}

ProfileSlot* CardState::find_by_aid(ByteView aid) {
  for (auto& p : profiles) {
    if (std::equal(p.isdp_aid.begin(), p.isdp_aid.end(), aid.begin(), aid.end())) return &p;
  }
  return nullptr;
}

ProfileSlot* CardState::find_by_iccid(ByteView iccid_bcd) {
  for (auto& p : profiles) {
    auto bcd = p.profile.iccid.swapped_bcd();
    if (std::equal(bcd.begin(), bcd.end(), iccid_bcd.begin(), iccid_bcd.end())) return &p;
  }
  return nullptr;
}

ProfileSlot* CardState::enabled_profile() {
  for (auto& p : profiles) {
    if (p.enabled) return &p;
  }
  return nullptr;
}

const ProfileSlot* CardState::enabled_profile() const {
  for (const auto& p : profiles) {
    if (p.enabled) return &p;
  }
  return nullptr;
}

const EimConfig* CardState::find_eim(std::string_view eim_id) const {
  for (const auto& e : eims) {
    if (e.eim_id == eim_id) return &e;
  }
  return nullptr;
}

EimConfig* CardState::find_eim(std::string_view eim_id) {
  return const_cast<EimConfig*>(std::as_const(*this).find_eim(eim_id));
}

std::uint64_t CardState::occupied_memory() const {
  std::uint64_t total = 0;
  for (const auto& p : profiles) total += p.profile.occupied_memory();
  for (const auto& n : notifications) total += n.stored_size();
  for (const auto& r : package_results) total += r.stored_size();
  return total;
}

bool CardState::can_keep_notification(std::size_t bytes) const {
  return notifications.size() < kMaxNotifications && bytes <= free_memory();
}

bool CardState::can_keep_package_result(std::size_t bytes) const {
  return package_results.size() < kMaxPackageResults && bytes <= free_memory();
}

std::uint64_t CardState::free_memory() const {
  auto used = occupied_memory();
  return used >= config.memory_capacity ? 0 : config.memory_capacity - used;
}

}  // namespace euiccsim
