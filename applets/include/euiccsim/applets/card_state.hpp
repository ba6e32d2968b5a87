// Everything a card keeps across power loss. The card runtime persists it as the card image
// (simulator/card_image) after every command that changed it; applets read and change it
// through their AppletContext.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "euiccsim/applets/aids.hpp"
#include "euiccsim/applets/eid.hpp"

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

struct CardState {
  explicit CardState(Eid e) : eid(std::move(e)) {}
  Eid eid;
  CardConfig config;
  friend bool operator==(const CardState&, const CardState&) = default;
};

}  // namespace euiccsim
