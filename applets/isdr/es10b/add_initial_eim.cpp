// AddInitialEim (SGP.32 v1.2 §5.9.4): AddInitialEimRequest BF57 { A0 { EimConfigurationData
// '30' ... } } -> BF57 { A0 { one entry per eIM, in request order: 84 associationToken | 05
// addOk } } or BF57 { 81 addInitialEimError }.
//
// The first eIM(s) of a card that has none: once any eIM is associated, the function answers
// associatedEimAlreadyExists (later eIMs come through signed eUICC packages). The request is
// all or nothing: every entry is checked before any is stored, so an error leaves the card as
// it was. Checks, in this order (docs/sgp32.md, "What an iot card answers"):
//  - not one AddInitialEimRequest: undefinedError(127);
//  - an eIM already associated: associatedEimAlreadyExists(2);
//  - an empty list, an entry without counterValue or eimPublicKeyData, an eimId outside
//    1..128 bytes or given twice, an eimIdType outside 1..3: commandError(7);
//  - more entries than the card holds (kMaxEims): insufficientMemory(1);
//  - a counterValue outside 0..kMaxEimCounterValue: counterValueOutOfRange(6);
//  - an associationToken other than -1: invalidAssociationToken(5). -1 asks the eUICC for a
//    token (onomondo-ipa's eUICC emulation reads it so); absent asks for none (addOk);
//  - a euiccCiPKId that is not a CI the card's own chain is certified by: ciPKUnknown(3).
#include "../eim_configuration.hpp"
#include "euiccsim/applets/ecasd.hpp"
#include "euiccsim/applets/isdr/es10.hpp"
#include "euiccsim/applets/rsp_asn1.hpp"

#include <AddInitialEimOkEntry.h>
#include <AddInitialEimRequest.h>
#include <AddInitialEimResponse.h>

#include <variant>

namespace euiccsim::applets::es10b {

namespace {

apdu::Response error(long code) {
  auto rsp = rsp::make<AddInitialEimResponse_t>(asn_DEF_AddInitialEimResponse);
  rsp->present = AddInitialEimResponse_PR_addInitialEimError;
  rsp->choice.addInitialEimError = code;
  return rsp::answer(asn_DEF_AddInitialEimResponse, rsp);
}

}  // namespace

apdu::Response add_initial_eim(isdr::Es10Call& call, ByteView request) {
  auto req = rsp::decode_request<AddInitialEimRequest_t>(asn_DEF_AddInitialEimRequest, request);
  if (!req) return error(AddInitialEimResponse__addInitialEimError_undefinedError);
  const auto& state = call.ctx.state();
  if (!state.eims.empty()) {
    return error(AddInitialEimResponse__addInitialEimError_associatedEimAlreadyExists);
  }
  const auto& list = req->eimConfigurationDataList.list;
  if (list.count <= 0) return error(AddInitialEimResponse__addInitialEimError_commandError);
  if (static_cast<std::size_t>(list.count) > kMaxEims) {
    return error(AddInitialEimResponse__addInitialEimError_insufficientMemory);
  }
  const auto signing = ecasd::ci_pkids_for_signing(state.identity);
  std::vector<isdr::EimEntry> entries;
  for (int i = 0; i < list.count; ++i) {
    auto checked = isdr::check_new_eim(*list.array[i], signing);
    if (const long* code = std::get_if<long>(&checked)) return error(*code);
    auto& entry = std::get<isdr::EimEntry>(checked);
    for (const auto& earlier : entries) {
      if (earlier.config.eim_id == entry.config.eim_id) {
        return error(AddInitialEimResponse__addInitialEimError_commandError);
      }
    }
    entries.push_back(std::move(entry));
  }

  auto rsp = rsp::make<AddInitialEimResponse_t>(asn_DEF_AddInitialEimResponse);
  rsp->present = AddInitialEimResponse_PR_addInitialEimOk;
  auto& next = call.ctx.update_state();
  for (auto& entry : entries) {
    auto* item = asn1::alloc<AddInitialEimOkEntry_t>();
    asn1::append(rsp->choice.addInitialEimOk.list, item);
    if (entry.wants_token) {
      entry.config.association_token = ++next.last_association_token;
      item->present = AddInitialEimOkEntry_PR_associationToken;
      item->choice.associationToken = static_cast<long>(*entry.config.association_token);
    } else {
      item->present = AddInitialEimOkEntry_PR_addOk;
    }
    next.eims.push_back(std::move(entry.config));
  }
  return rsp::answer(asn_DEF_AddInitialEimResponse, rsp);
}

}  // namespace euiccsim::applets::es10b
