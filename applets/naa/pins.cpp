// PINs and their security status (ETSI TS 102 221 §9.5): key references 01-08 are the global
// application PINs, 11 the universal PIN, 0A-0E the global ADM keys; 81-88 and 8A-8E their local
// (DF- or ADF-specific) counterparts. A verification counts on every channel (§11.1.9) until
// the card is reset; a local PIN of an application also ends when no channel has that
// application selected any more (our reading of §8.5's application session).
#include <algorithm>

#include "euiccsim/crypto/tlv.hpp"
#include "naa.hpp"

namespace euiccsim::applets::naa {

std::optional<std::size_t> find_pin(const InstalledProfile& p, const Path& context,
                                    std::uint8_t key) {
  auto in_scope = [&](const Bytes& scope) -> std::optional<std::size_t> {
    for (std::size_t i = 0; i < p.pins.size(); ++i)
      if (p.pins[i].key_reference == key && Bytes(p.pins[i].scope) == scope) return i;
    return std::nullopt;
  };
  if ((key & 0x80) == 0) return in_scope(Bytes{});
  for (std::size_t len = context.size(); len > 0; --len) {
    if (auto i = in_scope(path_bytes(Path(context.begin(), context.begin() + len)))) return i;
  }
  return std::nullopt;
}

bool pin_enabled(const PinObject& pin) {
  return is_adm(pin.key_reference) || (pin.attributes & 0x01) != 0;
}

bool pin_disablable(const PinObject& pin) {
  return !is_adm(pin.key_reference) && (pin.attributes & 0x04) != 0;
}

bool verified(const Session& s, const PinObject& pin) {
  const Verified v{Bytes(pin.scope), pin.key_reference};
  return std::find(s.verified.begin(), s.verified.end(), v) != s.verified.end();
}

void set_verified(Session& s, const PinObject& pin, bool yes) {
  const Verified v{Bytes(pin.scope), pin.key_reference};
  auto it = std::find(s.verified.begin(), s.verified.end(), v);
  if (yes && it == s.verified.end()) s.verified.push_back(v);
  if (!yes && it != s.verified.end()) s.verified.erase(it);
}

bool key_satisfied(const Session& s, const InstalledProfile& p, const Path& context,
                   std::uint8_t key) {
  const auto i = find_pin(p, context, key);
  if (!i) return false;
  const PinObject& pin = p.pins[*i];
  if (!pin_enabled(pin)) return true;
  return pin.remaining > 0 && verified(s, pin);
}

std::vector<std::uint8_t> template_keys(const FileNode& df) {
  const Bytes& t = df.pin_status_template;
  std::vector<std::uint8_t> keys;
  // A profile package gives the key references alone; a complete C6 value (PS_DO, 83s) is
  // read the same way.
  if (!t.empty() && t[0] == 0x90) {
    if (auto tlvs = tlv::read_all(t)) {
      for (const auto& d : *tlvs)
        if (d.tag == 0x83 && d.value.size() == 1) keys.push_back(d.value[0]);
      return keys;
    }
  }
  return std::vector<std::uint8_t>(t.begin(), t.end());
}

std::optional<std::uint8_t> application_pin(const FileNode& adf) {
  for (auto k : template_keys(adf))
    if (k >= 0x01 && k <= 0x08) return k;
  return std::nullopt;
}

void forget_application(Session& s, std::uint16_t adf) {
  for (const auto& ch : s.channels)
    if (ch.adf == adf) return;
  const Bytes prefix = path_bytes(Path{adf});
  std::erase_if(s.verified, [&](const Verified& v) {
    return v.scope.size() >= 2 && std::equal(prefix.begin(), prefix.end(), v.scope.begin());
  });
}

}  // namespace euiccsim::applets::naa
