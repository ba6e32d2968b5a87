#include "euiccsim/applets/isdr/isdr.hpp"

#include "euiccsim/applets/isdr/es10.hpp"
#include "euiccsim/applets/security_domain.hpp"
#include "euiccsim/applets/tlv.hpp"

namespace euiccsim::applets {

IsdR::IsdR(Bytes aid) : aid_(std::move(aid)) {
  handlers_[es10c::kGetEidTag] = es10c::get_eid;
}

apdu::Response IsdR::select(AppletContext& ctx) {
  // ISDRProprietaryApplicationTemplate (SGP.22 §5.7.1): E0 { 82 svn }.
  const auto& svn = ctx.state().config.svn;
  Bytes e0 = tlv::encode(0xE0, tlv::encode(0x82, Bytes{svn.major, svn.minor, svn.revision}));
  return apdu::Response::ok(security_domain_fci(aid_, e0));
}

apdu::Response IsdR::process(AppletContext&, const apdu::Command&) {
  return apdu::Response::status(apdu::sw::kInsNotSupported);
}

apdu::Response IsdR::store_data(AppletContext& ctx, const Bytes& data) {
  auto top = tlv::read(data);
  if (!top || top->size != data.size()) return apdu::Response::status(apdu::sw::kIncorrectData);
  auto it = handlers_.find(top->tag);
  // An ES10 function this card does not offer: no ASN.1 answer exists for it, so the
  // transport says "referenced data not found".
  if (it == handlers_.end()) return apdu::Response::status(apdu::sw::kReferencedDataNotFound);
  return it->second(ctx, data);
}

}  // namespace euiccsim::applets
