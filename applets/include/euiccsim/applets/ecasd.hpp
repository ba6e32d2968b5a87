// ECASD: the eUICC Controlling Authority Security Domain, holder of the card's identity
// (GSMA SGP.22 §2.4.3). Today it answers SELECT and GET DATA for the EID, the probe SGP.02
// tools (pySim) use to recognise an eUICC.
#pragma once

#include "euiccsim/applets/applet.hpp"

namespace euiccsim::applets {

class Ecasd final : public Applet {
 public:
  explicit Ecasd(Bytes aid) : aid_(std::move(aid)) {}
  const Bytes& aid() const override { return aid_; }
  std::string name() const override { return "ECASD"; }
  apdu::Response select(AppletContext& ctx) override;
  apdu::Response process(AppletContext& ctx, const apdu::Command& cmd) override;

 private:
  Bytes aid_;
};

}  // namespace euiccsim::applets
