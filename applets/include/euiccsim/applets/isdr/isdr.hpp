// ISD-R: the eUICC's root security domain, the endpoint of ES10a/ES10b/ES10c (GSMA SGP.22 §5.7)
// reached through GlobalPlatform STORE DATA.
#pragma once

#include <cstdint>
#include <functional>
#include <map>

#include "euiccsim/applets/applet.hpp"

namespace euiccsim::applets {

class IsdR final : public Applet {
 public:
  // An ES10 function: the whole DER request in, the whole DER response out. A handler
  // answers ES10 errors inside its response; status words are for transport faults only.
  using Es10Handler = std::function<apdu::Response(AppletContext&, ByteView request)>;

  explicit IsdR(Bytes aid);

  const Bytes& aid() const override { return aid_; }
  std::string name() const override { return "ISD-R"; }
  apdu::Response select(AppletContext& ctx) override;
  apdu::Response process(AppletContext& ctx, const apdu::Command& cmd) override;
  bool takes_store_data() const override { return true; }
  apdu::Response store_data(AppletContext& ctx, const Bytes& data) override;

 private:
  Bytes aid_;
  std::map<std::uint32_t, Es10Handler> handlers_;  // by top-level tag
};

}  // namespace euiccsim::applets
