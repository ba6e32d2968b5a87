#include "euiccsim/applets/ecasd.hpp"

#include "euiccsim/applets/security_domain.hpp"
#include "euiccsim/applets/tlv.hpp"

namespace euiccsim::applets {

apdu::Response Ecasd::select(AppletContext&) {
  return apdu::Response::ok(security_domain_fci(aid_));
}

apdu::Response Ecasd::process(AppletContext& ctx, const apdu::Command& cmd) {
  constexpr std::uint8_t kGetData = 0xCA;
  if (cmd.ins != kGetData) return apdu::Response::status(apdu::sw::kInsNotSupported);
  if (cmd.has_data()) return apdu::Response::status(apdu::sw::kWrongLength);
  // GET DATA, P1-P2 = the tag asked for; only the EID (5A) is public.
  if (cmd.p1 != 0x00 || cmd.p2 != 0x5A) {
    return apdu::Response::status(apdu::sw::kReferencedDataNotFound);
  }
  return apdu::Response::ok(tlv::encode(0x5A, ctx.state().eid.bytes()));
}

}  // namespace euiccsim::applets
