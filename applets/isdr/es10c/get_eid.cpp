#include "euiccsim/applets/isdr/es10.hpp"
#include "euiccsim/applets/tlv.hpp"

namespace euiccsim::applets::es10c {

apdu::Response get_eid(AppletContext& ctx, ByteView request) {
  // GetEuiccDataRequest ::= [62] SEQUENCE { tagList [APPLICATION 28] Octet1 }, and the only
  // tag SGP.22 defines for it is 5A (the EID).
  auto top = tlv::read(request);
  auto fields = top ? tlv::read_all(top->value) : std::nullopt;
  if (!fields || fields->size() != 1) return apdu::Response::status(apdu::sw::kIncorrectData);
  const auto& tag_list = (*fields)[0];
  if (tag_list.tag != 0x5C || tag_list.value.size() != 1 || tag_list.value[0] != 0x5A) {
    return apdu::Response::status(apdu::sw::kIncorrectData);
  }
  return apdu::Response::ok(tlv::encode(kGetEidTag, tlv::encode(0x5A, ctx.state().eid.bytes())));
}

}  // namespace euiccsim::applets::es10c
