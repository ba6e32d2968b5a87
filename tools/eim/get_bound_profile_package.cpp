// ESipa.GetBoundProfilePackage (SGP.32 v1.2 §3.2.3.2; messages §6.3): BF3A { 80 transactionId,
// BF21 prepareDownloadResponse, possibly compact }, relayed as ES9+ getBoundProfilePackage,
// answered BF3A { A0 { 80 transactionId opt, BF36 boundProfilePackage } } or BF3A { 81 error }.
//
// Order of checks; the first that applies gives the answer:
//   1. not one GetBoundProfilePackageRequestEsipa: undefinedError(127);
//   2. a transactionId of no download this eIM relays: invalidTransactionId(95);
//   3. a compact response the eIM cannot rebuild: undefinedError(127);
//   4. an SM-DP+ the eIM can no longer reach: undefinedError(127);
//   5. the SM-DP+'s refusal, mapped (relay.cpp; euiccSignatureInvalid(1) ...
//      invalidTransactionId(95)).
#include <BoundProfilePackage.h>
#include <GetBoundProfilePackageRequestEsipa.h>

#include "asn1_names.hpp"
#include "eim/relay.hpp"

namespace euiccsim::eim::esipa {

namespace {

EsipaAnswer error_answer(EsipaAnswer a, long code, const std::string& why) {
  a.body = tlv::encode(0xBF3A, tlv::encode(0x81, tlv::der_integer(code)));
  a.outcome =
      asn1::named("GetBoundProfilePackageResponseEsipa__getBoundProfilePackageErrorEsipa", code) +
      (why.empty() ? "" : ": " + why);
  return a;
}

}  // namespace

EsipaAnswer get_bound_profile_package(Eim& eim, ByteView der, const std::string& connection) {
  EsipaAnswer a;
  a.function = "GetBoundProfilePackage";
  Store& store = eim.store();
  // 1
  if (!valid(asn_DEF_GetBoundProfilePackageRequestEsipa, der))
    return error_answer(a, 127, "not a GetBoundProfilePackageRequestEsipa");
  auto top = tlv::read(der);
  auto tx = child(top->value, 0x80);
  auto pdr = child(top->value, 0xBF21);
  // 2
  auto d = store.download_by_transaction(bytes_of(tx->value));
  if (!d) return error_answer(a, 95, "transactionId " + to_hex(tx->value) + " unknown");
  const std::string eid = d->eid.empty() ? eim.eid_of_connection(connection) : d->eid;
  a.eid = eid;
  // 3
  Bytes full;
  const bool compact_in = tlv::read(pdr->value) && tlv::read(pdr->value)->tag == 0xA2;
  try {
    full = full_prepare_download_response(*d, pdr->bytes());
  } catch (const RebuildError& e) {
    store.update_download(d->id, "failed", e.what(), eim.now(), eid);
    return error_answer(a, 127, std::string("compact response: ") + e.what());
  }
  // 4, 5
  smdp::Es9Plus* server = eim.config().relay ? eim.config().relay(d->smdp_address) : nullptr;
  if (server == nullptr) return error_answer(a, 127, "no relay to " + d->smdp_address);
  smdp::GetBoundProfilePackageResponse rsp;
  try {
    rsp = server->get_bound_profile_package({d->smdp_transaction_id, full});
  } catch (const smdp::Es9Error& e) {
    store.update_download(d->id, "failed", std::string("getBoundProfilePackage: ") + e.what(),
                          eim.now(), eid);
    return error_answer(a, map_es9_error(e, Es9Function::kGetBoundProfilePackage),
                        std::string("SM-DP+: ") + e.what());
  } catch (const std::exception& e) {
    return error_answer(a, 127, std::string("SM-DP+ unreachable: ") + e.what());
  }
  if (!valid(asn_DEF_BoundProfilePackage, rsp.bound_profile_package))
    return error_answer(a, 127, "the SM-DP+'s package is not a BoundProfilePackage");
  Bytes ok;
  if (!(d->compact || compact_in)) tlv::append(ok, 0x80, rsp.transaction_id);
  ok.insert(ok.end(), rsp.bound_profile_package.begin(), rsp.bound_profile_package.end());
  store.update_download(d->id, "bpp-sent",
                        std::to_string(rsp.bound_profile_package.size()) + " bytes of BPP",
                        eim.now(), eid);
  a.body = tlv::encode(0xBF3A, tlv::encode(0xA0, ok));
  a.outcome = "relayed " + std::to_string(rsp.bound_profile_package.size()) +
              " bytes of Bound Profile Package" + (compact_in ? " (compact response rebuilt)" : "");
  return a;
}

}  // namespace euiccsim::eim::esipa
