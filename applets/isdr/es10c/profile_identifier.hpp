// What EnableProfile, DisableProfile and DeleteProfile share (SGP.22 v2.5 §5.7.16-18): a
// profile named by its ISD-P AID ('4F') or its ICCID ('5A'), and one state change applied under
// the ES10c conventions.
#pragma once

#include <optional>

#include "euiccsim/applets/isdp/profile_state.hpp"
#include "euiccsim/applets/isdr/es10.hpp"

namespace euiccsim::applets::es10c {

struct ProfileIdentifier {
  bool iccid = false;  // '5A' (ICCID as EF.ICCID holds it), else '4F' (ISD-P AID)
  ByteView value;
};

// Finds the profile `id` names and applies `change` to it: iccidOrAidNotFound when none is
// named (or an ICCID is given to a card with the enable-by-aid-only quirk); otherwise the
// change's result. A refused change leaves the card image unwritten; a successful one with
// `refresh` asks the runtime for a REFRESH.
isdp::Result change_profile(isdr::Es10Call& call, const ProfileIdentifier& id, bool refresh,
                            isdp::Result (*change)(CardState&, ProfileSlot&));

}  // namespace euiccsim::applets::es10c
