// ProfileRollback on connectivity loss (SGP.32 v1.2 §5.9.16, and osmocom's
// TC_proc_euicc_pkg_dwnld_exec_rollback): after an enable with rollbackFlag, the IPA must
// reach the eIM through the newly enabled profile to report the result. When it cannot, the
// new profile is taken to have no connectivity and the IPA asks the card to roll back.
//
// The IPAe arms a watch when it carries out such an enable (euicc_package_procedure.cpp) and
// disarms it when the eIM acknowledges that result. Each failed turn with that eIM while the
// watch is armed counts; at rollback_after_failures (card configuration, default 3) the IPAe
// sends ES10b ProfileRollback BF58 { 80 refreshFlag FALSE } (the IPAe cannot ask the terminal
// for a REFRESH: the profile switch reaches it at its next reset, as SGP.22's refreshFlag
// FALSE). The card answers with a new signed result (rollbackResult), kept like any other and
// delivered with the enable's result at the next cycle. rollbackNotAllowed and the other codes
// end the watch too: the card will not roll back, so counting on is pointless.
#include "euiccsim/crypto/tlv.hpp"
#include "ipae_impl.hpp"

namespace euiccsim::applets::ipae {

void Ipae::Impl::count_rollback_failure() {
  const auto view = card.view();
  const auto& watch = view.state.rollback_watch;
  if (!watch || watch->eim_id != eim().id) return;
  const std::uint32_t failures = watch->failures + 1;
  if (failures < std::max<std::uint32_t>(view.config.rollback_after_failures, 1)) {
    save([&](IpaeState& s) { s.rollback_watch->failures = failures; });
    return;
  }
  const Bytes rsp =
      es10(from_hex("BF58038001"
                    "00"));
  auto body = esipa::value_of(rsp, 0xBF58);
  auto code = body ? esipa::child(*body, 0x02) : std::nullopt;
  const long result = code ? static_cast<long>(esipa::uint_of(*code).value_or(999)) : 999;
  note(eim().id + ": unreachable " + std::to_string(failures) +
       " times after an enable with rollbackFlag; ProfileRollback: cmdResult " +
       (result == 999 ? std::string("?") : std::to_string(result)) + (result == 0 ? " (ok)" : ""));
  save([](IpaeState& s) { s.rollback_watch.reset(); });
  if (result == 0) mark_change(cause::kUndefined, eim().id);
}

}  // namespace euiccsim::applets::ipae
