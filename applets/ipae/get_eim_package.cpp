// GetEimPackage (SGP.32 v1.2 §3.1.1.1 / ESipa §6.3.2): GetEimPackageRequest BF4F { 5A eid,
// 80 notifyStateChange opt, 81 stateChangeCause opt, 82 rPLMN opt } -> GetEimPackageResponse
// BF4F { BF51 | BF52 | BF54 | 02 eimPackageError }.
//
// The answer, in this order of checks:
//  1. no good HTTP answer (status, TLS, timeout, an empty body): the eIM's turn fails;
//  2. not exactly one BF4F TLV holding exactly one TLV: the eIM's turn fails ("garbage");
//  3. 02 noEimPackageAvailable(1): the eIM knows the state now; its turn ends well;
//     any other eimPackageError (eidNotFound 2, invalidEid 3, missingEid 4, undefinedError
//     127, or unnamed): its turn fails, naming the code;
//  4. BF51: LoadEuiccPackage (euicc_package_procedure.cpp), the card judging the package;
//     BF52: IpaEuiccData (ipa_euicc_data.cpp); BF54: a download (profile_download_trigger.cpp);
//  5. any other tag inside: ProvideEimPackageResult with eimPackageResultResponseError
//     unknownPackage(2), then the next GetEimPackage.
// After a package, the IPAe asks again, up to max_packages_per_cycle.
#include "euiccsim/crypto/tlv.hpp"
#include "ipae_impl.hpp"

namespace euiccsim::applets::ipae {

void Ipae::Impl::get_eim_package() {
  if (stop_requested) {
    eim_done();
    return;
  }
  if (report.packages >= options.max_packages_per_cycle) {
    note(eim().id + ": " + std::to_string(report.packages) +
         " packages in this cycle; the rest waits for the next");
    eim_done();
    return;
  }
  const ProfilesView now = profiles_view();
  const auto cause = state_change_for_eim(now);
  Bytes body;
  tlv::append(body, 0x5A, eid());
  if (cause) {
    tlv::append(body, 0x80, {});
    tlv::append(body, 0x81, tlv::der_integer(*cause));
  }
  const auto cfg = card.view().config;
  if (cfg.rplmn.size() == 3) tlv::append(body, 0x82, cfg.rplmn);
  send_esipa("GetEimPackage", tlv::encode(0xBF4F, body),
             [this](Reply r) { on_eim_package(std::move(r)); });
}

void Ipae::Impl::on_eim_package(Reply r) {
  if (!r.ok) {
    eim_failed(r.error);
    return;
  }
  auto outer = esipa::value_of(r.body, 0xBF4F);
  auto inner = outer ? tlv::read_all(*outer) : std::nullopt;
  if (!inner || inner->size() != 1) {
    eim_failed("GetEimPackage: the answer is " + esipa::describe(r.body));
    return;
  }
  const auto& pkg = inner->front();
  const Bytes raw(pkg.bytes().begin(), pkg.bytes().end());
  const bool known = pkg.tag == 0xBF51 || pkg.tag == 0xBF52 || pkg.tag == 0xBF54 ||
                     (pkg.tag == 0x02 && esipa::uint_of(pkg.value) == 1u);
  // A good answer means the eIM heard the notifyStateChange (if any) of the request.
  if (known) eim_informed(eim().id);
  switch (pkg.tag) {
    case 0x02: {
      auto code = esipa::uint_of(pkg.value);
      if (code && *code == 1) {  // noEimPackageAvailable
        eim_done();
      } else {
        eim_failed("GetEimPackage: " + esipa::describe(r.body));
      }
      return;
    }
    case 0xBF51:
      euicc_package(raw);
      return;
    case 0xBF52:
      ipa_euicc_data(raw);
      return;
    case 0xBF54:
      profile_download_trigger(raw);
      return;
    default:
      refuse_package({}, 2);  // unknownPackage
      return;
  }
}

void Ipae::Impl::package_done() {
  ++report.packages;
  if (resuming) {
    resuming = false;
    deliver_stored_results();
    return;
  }
  get_eim_package();
}

}  // namespace euiccsim::applets::ipae
