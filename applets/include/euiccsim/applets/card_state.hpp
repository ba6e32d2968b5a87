// Everything a card keeps across power loss. The card runtime persists it as the card image
// (simulator/card_image) after every command that changed it; applets read and change it
// through their AppletContext.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "euiccsim/applets/aids.hpp"
#include "euiccsim/applets/eid.hpp"
#include "euiccsim/profiles/installed_profile.hpp"

namespace euiccsim {

// SGP.22 VersionType: major.minor.revision.
struct Version {
  std::uint8_t major = 0, minor = 0, revision = 0;
  friend bool operator==(const Version&, const Version&) = default;
  std::string str() const;
};

// The personality a card was made with (`euicc-sim card new` options).
struct CardConfig {
  // "sgp22": a consumer eUICC. The SGP.32 "iot" personality arrives with that issue.
  std::string personality = "sgp22";
  Bytes isdr_aid = aid::isd_r();
  Bytes ecasd_aid = aid::ecasd();
  Version svn{2, 5, 0};  // SGP.22 version in the ISD-R SELECT response (E0/82)
  friend bool operator==(const CardConfig&, const CardConfig&) = default;
};

// An ISD-P and the profile installed in it.
struct ProfileSlot {
  Bytes isdp_aid;
  bool enabled = false;
  profiles::InstalledProfile profile;
  friend bool operator==(const ProfileSlot&, const ProfileSlot&) = default;
};

struct CardState {
  explicit CardState(Eid e) : eid(std::move(e)) {}
  Eid eid;
  CardConfig config;
  std::vector<ProfileSlot> profiles;

  // The AID for a new ISD-P: A0000005591010FFFFFFFF89 00 0010 00 onwards, never reused while
  // the card holds the previous one.
  Bytes next_isdp_aid() const;
  // Adds `profile` in a new ISD-P and returns that AID.
  Bytes add_profile(profiles::InstalledProfile profile, bool enabled);
  friend bool operator==(const CardState&, const CardState&) = default;
};

}  // namespace euiccsim
