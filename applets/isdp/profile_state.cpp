// ISD-P life cycle (SGP.22 v2.5 §3.2.1-3.2.3 and §3.3.3, ES10c §5.7.16-5.7.19; PPRs §2.9.1).
//
// Rules, with where each comes from (the SGP.22 text itself was not available; these are the
// public transcriptions read instead):
// - At most one Profile is Enabled; enabling one implicitly disables the Enabled one, and that
//   counts as disabling it (PPR1 applies, a disable notification is due) (SGP.22 §3.2.1 and
//   §3.5 as quoted by AlexsCodingAgent/esim-knowledge docs/articles/sgp22/10-*.md: "the
//   Notifications on both the disable Profile and enable Profile SHALL be generated").
// - PPR1 "disabling not allowed", PPR2 "deletion not allowed" (RSPDefinitions PprIds).
// - Enabling a Test Profile overrides the Enabled Profile's PPR1 (SGP.21 TPRO8, transcribed in
//   Blockchain-Powered-eSIM/OpenRSP "Profile Policy/Requirements/Test_profile_requirements.md").
// - Enabling a Provisioning Profile overrides it too ("section 2.4.5.2" according to
//   esim-knowledge docs/articles/sgp22/09-policy-management.md; secondary source).
// - Only a Disabled Profile can be deleted, except by eUICC (Test) Memory Reset (SGP.21 PRO6);
//   memory reset ignores PPR1 and PPR2 (esim-knowledge 09: "This bypasses PPR2"; a reset that
//   PPRs could block would not be a reset).
// - Memory reset spares Provisioning Profiles (esim-knowledge 05 "Keeps Provisioning
//   Profiles") and, for deleteFieldLoadedTestProfiles, preloaded Test Profiles (the option's
//   name; SGP.21 TPRO4 allows preloading).
// - Memory reset sends the delete notification of each Profile it deletes (SGP.21 EUICC44: "The
//   delete Notification process SHALL also be executed for each deleted Profile in case of
//   eUICC Memory reset"), so pending notifications survive it, as does the sequence counter.
// - Memory reset spares preloaded Test Profiles unless deletePreLoadedTestProfiles (SGP.32 bit 3)
//   and Provisioning Profiles unless deleteProvisioningProfiles (SGP.32 bit 4) is given; the
//   SGP.22 function (BF34) never passes those bits.
// - The SGP.32 Emergency and Fallback mechanisms switch profiles with PPR1 set aside
//   (enable_overriding_ppr1, disable_overriding_ppr1): see profile_state.hpp.
// - Disabling a Test Profile enables again the Profile its enabling displaced (SGP.21 TPRO10);
//   so does a memory reset that deletes the Enabled Test Profile. The displaced Profile is
//   recorded in CardState::test_fallback_aid; enabling any non-Test Profile, or deleting the
//   recorded one, forgets it.
#include "euiccsim/applets/isdp/profile_state.hpp"

#include <algorithm>
#include <cstddef>
#include <vector>

#include "euiccsim/applets/isdr/notifications.hpp"

namespace euiccsim::applets::isdp {

namespace {

bool has_ppr(const ProfileSlot& slot, std::uint8_t ppr) {
  return slot.metadata.pprs && (*slot.metadata.pprs & ppr) != 0;
}

bool cat_busy(const CardState& state) {
  return state.config.has_quirk(quirk::kCatBusy);
}

// Enabling these classes may displace a Profile that has PPR1 (see the header comment).
bool overrides_ppr1(const ProfileSlot& target) {
  return target.metadata.profile_class == ProfileClass::kTest ||
         target.metadata.profile_class == ProfileClass::kProvisioning;
}

// Notifications are signed one by one; if signing throws half-way, the queue and the counter
// go back to where they were, so the caller sees no change at all (SGP.21 EUICC10).
class NotificationBatch {
 public:
  explicit NotificationBatch(CardState& state)
      : state_(state), size_(state.notifications.size()), seq_(state.last_seq_number) {}
  NotificationBatch(const NotificationBatch&) = delete;
  NotificationBatch& operator=(const NotificationBatch&) = delete;
  ~NotificationBatch() {
    if (committed_) return;
    state_.notifications.resize(size_);
    state_.last_seq_number = seq_;
  }
  void add(const ProfileSlot& slot, NotificationEvent event) {
    notifications::notify(state_, slot, event);
  }
  void commit() { committed_ = true; }

 private:
  CardState& state_;
  std::size_t size_;
  std::uint64_t seq_;
  bool committed_ = false;
};

bool is_test(const ProfileSlot& slot) {
  return slot.metadata.profile_class == ProfileClass::kTest;
}

// After the Enabled Test Profile went away (disabled or deleted): the Profile it displaced, if
// it is still there, is enabled again, with its enable notification.
void fall_back(CardState& state, NotificationBatch& batch) {
  if (!state.test_fallback_aid || state.enabled_profile() != nullptr) return;
  ProfileSlot* previous = state.find_by_aid(*state.test_fallback_aid);
  state.test_fallback_aid.reset();
  if (previous == nullptr) return;
  batch.add(*previous, NotificationEvent::kEnable);
  previous->enabled = true;
}

Result enable_profile(CardState& state, ProfileSlot& target, bool ppr1_holds) {
  if (cat_busy(state)) return Result::kCatBusy;
  if (target.enabled) return Result::kProfileNotInDisabledState;
  ProfileSlot* current = state.enabled_profile();
  if (ppr1_holds && current != nullptr && has_ppr(*current, kPpr1) && !overrides_ppr1(target)) {
    return Result::kDisallowedByPolicy;
  }
  // Notifications first (they may throw), in the order the events happen: the old Profile is
  // disabled, then the new one enabled.
  NotificationBatch batch(state);
  if (current != nullptr) batch.add(*current, NotificationEvent::kDisable);
  batch.add(target, NotificationEvent::kEnable);
  if (!is_test(target)) {
    state.test_fallback_aid.reset();
  } else if (current != nullptr && !is_test(*current)) {
    state.test_fallback_aid = current->isdp_aid;
  }
  if (current != nullptr) current->enabled = false;
  target.enabled = true;
  batch.commit();
  return Result::kOk;
}

Result disable_profile(CardState& state, ProfileSlot& target, bool ppr1_holds) {
  if (cat_busy(state)) return Result::kCatBusy;
  if (!target.enabled) return Result::kProfileNotInEnabledState;
  if (ppr1_holds && has_ppr(target, kPpr1)) return Result::kDisallowedByPolicy;
  NotificationBatch batch(state);
  batch.add(target, NotificationEvent::kDisable);
  target.enabled = false;
  if (is_test(target)) fall_back(state, batch);
  batch.commit();
  return Result::kOk;
}

// A change whose notification finds no room does not happen (kMaxNotifications: an existing
// notification is never dropped to make room): the state goes back to what it was and the
// answer is undefinedError, the one code every ES10c/PSMO result here has for it.
template <class F>
Result unless_full(CardState& state, F&& change) {
  CardState before = state;
  try {
    return change();
  } catch (const notifications::NoRoomForNotification&) {
    // Copied back, not moved: the profiles vector keeps its buffer (its capacity already
    // holds `before`'s slots), so the caller's ProfileSlot references stay valid.
    state = before;
    return Result::kUndefinedError;
  }
}

Result remove_profile(CardState& state, ProfileSlot& target);
Result reset_memory(CardState& state, std::uint32_t reset_options);

}  // namespace

Result enable(CardState& state, ProfileSlot& target) {
  return unless_full(state, [&] { return enable_profile(state, target, true); });
}
Result disable(CardState& state, ProfileSlot& target) {
  return unless_full(state, [&] { return disable_profile(state, target, true); });
}
Result enable_overriding_ppr1(CardState& state, ProfileSlot& target) {
  return unless_full(state, [&] { return enable_profile(state, target, false); });
}
Result disable_overriding_ppr1(CardState& state, ProfileSlot& target) {
  return unless_full(state, [&] { return disable_profile(state, target, false); });
}
Result remove(CardState& state, ProfileSlot& target) {
  return unless_full(state, [&] { return remove_profile(state, target); });
}
Result memory_reset(CardState& state, std::uint32_t reset_options) {
  return unless_full(state, [&] { return reset_memory(state, reset_options); });
}

namespace {

Result remove_profile(CardState& state, ProfileSlot& target) {
  // DeleteProfile has no catBusy result: deleting a Disabled Profile never touches the
  // proactive session of the Enabled one.
  if (target.enabled) return Result::kProfileNotInDisabledState;
  if (has_ppr(target, kPpr2)) return Result::kDisallowedByPolicy;
  auto it = std::find_if(state.profiles.begin(), state.profiles.end(),
                         [&](const ProfileSlot& p) { return &p == &target; });
  if (it == state.profiles.end()) return Result::kIccidOrAidNotFound;
  NotificationBatch batch(state);
  batch.add(target, NotificationEvent::kDelete);
  if (state.test_fallback_aid == target.isdp_aid) state.test_fallback_aid.reset();
  state.profiles.erase(it);
  batch.commit();
  return Result::kOk;
}

Result reset_memory(CardState& state, std::uint32_t reset_options) {
  if (cat_busy(state)) return Result::kCatBusy;
  auto doomed = [&](const ProfileSlot& p) {
    switch (p.metadata.profile_class) {
      case ProfileClass::kOperational:
        return (reset_options & kDeleteOperationalProfiles) != 0;
      case ProfileClass::kTest:
        return (reset_options &
                (p.preloaded ? kDeletePreLoadedTestProfiles : kDeleteFieldLoadedTestProfiles)) != 0;
      case ProfileClass::kProvisioning:
        return (reset_options & kDeleteProvisioningProfiles) != 0;
    }
    return false;
  };
  const bool any_profile = std::any_of(state.profiles.begin(), state.profiles.end(), doomed);
  // Resetting an address that is not set resets nothing.
  const bool address =
      (reset_options & kResetDefaultSmdpAddress) != 0 && !state.default_dp_address.empty();
  if (!any_profile && !address) return Result::kNothingToDelete;

  NotificationBatch batch(state);
  for (const auto& p : state.profiles) {
    if (doomed(p)) batch.add(p, NotificationEvent::kDelete);
  }
  const ProfileSlot* was_enabled = state.enabled_profile();
  const bool test_enabled_goes =
      was_enabled != nullptr && is_test(*was_enabled) && doomed(*was_enabled);
  if (state.test_fallback_aid) {
    if (const auto* p = state.find_by_aid(*state.test_fallback_aid); p == nullptr || doomed(*p))
      state.test_fallback_aid.reset();
  }
  // Enabled ones included, PPRs notwithstanding (SGP.21 PRO6).
  state.profiles.erase(std::remove_if(state.profiles.begin(), state.profiles.end(), doomed),
                       state.profiles.end());
  if (test_enabled_goes) fall_back(state, batch);
  if (address) state.default_dp_address.clear();
  batch.commit();
  return Result::kOk;
}

}  // namespace

Bytes preload(CardState& state, profiles::InstalledProfile profile, ProfileMetadata metadata,
              bool enable) {
  Bytes aid = state.add_profile(std::move(profile), enable);
  state.profiles.back().metadata = std::move(metadata);
  state.profiles.back().preloaded = true;
  return aid;
}

}  // namespace euiccsim::applets::isdp
