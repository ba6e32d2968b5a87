// notifyStateChange / stateChangeCause of GetEimPackage (SGP.32 v1.2 §3.1.1.1, ESipa
// GetEimPackageRequest '80' / '81'): telling an eIM that the profiles changed without it.
//
// The IPAe keeps, per eIM, what that eIM last learned of the profiles (the enabled ICCID and a
// digest of GetProfilesInfo's ICCIDs and states). When a GetEimPackage finds them different,
// it carries notifyStateChange and a cause, in this order of knowledge (docs/ipae.md):
//  1. a cause the IPAe recorded when it made the change itself: otherEim(0) after a package of
//     another eIM, immediateEnableProfile(5) after its ImmediateEnable;
//  2. fallback(1) while the Fallback Mechanism is in force, emergencyProfile(2) while the
//     Emergency Profile is enabled;
//  3. otherwise undefined(127): a local IPAd or LPA changed them over APDUs (local(3) is RFU
//     in v1.2), or a memory reset.
// An eIM heard of for the first time learns the state without a notification.
#include <botan/hash.h>

#include "euiccsim/crypto/tlv.hpp"
#include "ipae_impl.hpp"

namespace euiccsim::applets::ipae {

ProfilesView Ipae::Impl::profiles_view() {
  // GetProfilesInfo with tagList { 5A iccid, 9F70 profileState }.
  const Bytes rsp = es10(from_hex("BF2D055C035A9F70"));
  ProfilesView v;
  auto sha = Botan::HashFunction::create_or_throw("SHA-256");
  sha->update(rsp.data(), rsp.size());
  auto d = sha->final();
  v.digest.assign(d.begin(), d.begin() + 8);
  auto body = esipa::value_of(rsp, 0xBF2D);
  auto list = body ? esipa::child(*body, 0xA0) : std::nullopt;
  auto infos = list ? tlv::read_all(*list) : std::nullopt;
  for (std::size_t i = 0; infos && i < infos->size(); ++i) {
    auto state = esipa::child((*infos)[i].value, 0x9F70);
    auto iccid = esipa::child((*infos)[i].value, 0x5A);
    if (state && iccid && state->size() == 1 && (*state)[0] == 1)
      v.enabled_iccid.assign(iccid->begin(), iccid->end());
  }
  return v;
}

std::optional<std::uint8_t> Ipae::Impl::state_change_for_eim(const ProfilesView& now) {
  const auto view = card.view();
  const auto& views = view.state.eim_views;
  auto it = std::find_if(views.begin(), views.end(),
                         [&](const IpaeState::EimView& v) { return v.eim_id == eim().id; });
  if (it == views.end()) return std::nullopt;
  if (it->enabled_iccid == now.enabled_iccid && it->profiles_digest == now.digest) {
    return std::nullopt;
  }
  if (it->cause) return it->cause;
  if (view.emergency_in_force) return cause::kEmergencyProfile;
  if (view.fallback_in_force) return cause::kFallback;
  return cause::kUndefined;
}

void Ipae::Impl::eim_informed(const std::string& eim_id) {
  const ProfilesView now = profiles_view();
  save([&](IpaeState& s) {
    auto it = std::find_if(s.eim_views.begin(), s.eim_views.end(),
                           [&](const IpaeState::EimView& v) { return v.eim_id == eim_id; });
    if (it == s.eim_views.end()) {
      s.eim_views.push_back({eim_id, {}, {}, std::nullopt});
      it = s.eim_views.end() - 1;
    }
    it->enabled_iccid = now.enabled_iccid;
    it->profiles_digest = now.digest;
    it->cause.reset();
    // eIMs the card no longer holds need no view.
    std::erase_if(s.eim_views, [&](const IpaeState::EimView& v) {
      return std::none_of(targets.begin(), targets.end(),
                          [&](const EimTarget& t) { return t.id == v.eim_id; }) &&
             v.eim_id != eim_id;
    });
  });
}

void Ipae::Impl::mark_change(std::uint8_t cause, const std::string& except_eim) {
  // (The card writes nothing when no view changes.)
  save([&](IpaeState& s) {
    for (auto& v : s.eim_views) {
      if (v.eim_id != except_eim && !v.cause) v.cause = cause;
    }
  });
}

}  // namespace euiccsim::applets::ipae
