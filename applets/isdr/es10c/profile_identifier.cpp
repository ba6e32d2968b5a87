#include "profile_identifier.hpp"

#include <algorithm>

namespace euiccsim::applets::es10c {

isdp::Result change_profile(isdr::Es10Call& call, const ProfileIdentifier& id, bool refresh,
                            isdp::Result (*change)(CardState&, ProfileSlot&)) {
  const auto& state = call.ctx.state();
  if (id.iccid && state.config.has_quirk(quirk::kEnableByAidOnly)) {
    return isdp::Result::kIccidOrAidNotFound;
  }
  std::optional<std::size_t> index;
  for (std::size_t i = 0; i < state.profiles.size() && !index; ++i) {
    const auto& slot = state.profiles[i];
    const Bytes key = id.iccid ? slot.iccid().swapped_bcd() : slot.isdp_aid;
    if (std::equal(key.begin(), key.end(), id.value.begin(), id.value.end())) index = i;
  }
  if (!index) return isdp::Result::kIccidOrAidNotFound;
  auto& changing = call.ctx.update_state();
  auto result = change(changing, changing.profiles[*index]);
  // A refused change changed nothing: the runtime must not write an unchanged image.
  if (result != isdp::Result::kOk) {
    call.ctx.roll_back();
  } else if (refresh) {
    call.ctx.request_refresh();
  }
  return result;
}

}  // namespace euiccsim::applets::es10c
