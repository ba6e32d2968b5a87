#include "euiccsim/applets/isdr/isdr.hpp"

#include "euiccsim/applets/security_domain.hpp"
#include "euiccsim/applets/tlv.hpp"

namespace euiccsim::applets {

IsdR::IsdR(Bytes aid) : aid_(std::move(aid)) {
  handlers_ = {
      {0xBF3C, es10a::get_euicc_configured_addresses},
      {0xBF3F, es10a::set_default_dp_address},
      {0xBF20, es10b::get_euicc_info1},
      {0xBF22, es10b::get_euicc_info2},
      {0xBF2E, es10b::get_euicc_challenge},
      {0xBF28, es10b::list_notification},
      {0xBF2B, es10b::retrieve_notifications_list},
      {0xBF30, es10b::remove_notification_from_list},
      {0xBF43, es10b::get_rat},
      {0xBF41, es10b::cancel_session},
      {0xBF38, es10b::authenticate_server},
      {0xBF21, es10b::prepare_download},
      {0xBF2D, es10c::get_profiles_info},
      {0xBF31, es10c::enable_profile},
      {0xBF32, es10c::disable_profile},
      {0xBF33, es10c::delete_profile},
      {0xBF34, es10c::euicc_memory_reset},
      {0xBF3E, es10c::get_eid},
      {0xBF29, es10c::set_nickname},
  };
}

apdu::Response IsdR::select(AppletContext& ctx) {
  // ISDRProprietaryApplicationTemplate (SGP.22 §5.7.1): E0 { 82 svn }.
  const auto& svn = ctx.state().config.svn;
  Bytes e0 = tlv::encode(0xE0, tlv::encode(0x82, svn.bytes()));
  return apdu::Response::ok(security_domain_fci(aid_, e0));
}

apdu::Response IsdR::process(AppletContext&, const apdu::Command&) {
  return apdu::Response::status(apdu::sw::kInsNotSupported);
}

apdu::Response IsdR::store_data(AppletContext& ctx, const Bytes& data) {
  isdr::Es10Call call{ctx, session_};
  // A Bound Profile Package comes in pieces that are not whole TLVs (§5.7.6): the BF36 header
  // opens it, and everything until it closes continues it.
  auto head = tlv::read_header(data);
  if (es10b::continues_bound_profile_package(session_, data) || (head && head->tag == 0xBF36)) {
    return es10b::load_bound_profile_package(call, data);
  }
  auto top = tlv::read(data);
  if (!top || top->size != data.size()) return apdu::Response::status(apdu::sw::kIncorrectData);
  auto it = handlers_.find(top->tag);
  // An ES10 function this card does not offer: no ASN.1 answer exists for it, so the
  // transport says "referenced data not found".
  if (it == handlers_.end()) return apdu::Response::status(apdu::sw::kReferencedDataNotFound);
  return it->second(call, data);
}

}  // namespace euiccsim::applets
