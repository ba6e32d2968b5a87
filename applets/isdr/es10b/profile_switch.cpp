#include "profile_switch.hpp"

#include <algorithm>

namespace euiccsim::applets::es10b {

namespace {

std::optional<std::size_t> first(const CardState& state, bool (*is)(const ProfileSlot&)) {
  for (std::size_t i = 0; i < state.profiles.size(); ++i) {
    if (is(state.profiles[i])) return i;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::size_t> emergency_profile(const CardState& state) {
  return first(state, [](const ProfileSlot& p) { return p.ecall_indication; });
}

std::optional<std::size_t> fallback_profile(const CardState& state) {
  return first(state, [](const ProfileSlot& p) { return p.fallback_attribute; });
}

std::optional<std::size_t> profile_index(const CardState& state, ByteView aid) {
  for (std::size_t i = 0; i < state.profiles.size(); ++i) {
    const auto& a = state.profiles[i].isdp_aid;
    if (std::equal(a.begin(), a.end(), aid.begin(), aid.end())) return i;
  }
  return std::nullopt;
}

isdp::Result switch_profiles(isdr::Es10Call& call, bool refresh,
                             const std::function<isdp::Result(CardState&)>& change) {
  auto result = change(call.ctx.update_state());
  if (result != isdp::Result::kOk) {
    call.ctx.roll_back();
  } else if (refresh) {
    call.ctx.request_refresh();
  }
  return result;
}

}  // namespace euiccsim::applets::es10b
