// ISD-R: the eUICC's root security domain, the endpoint of ES10a/ES10b/ES10c (GSMA SGP.22 §5.7)
// reached through GlobalPlatform STORE DATA.
#pragma once

#include <cstdint>
#include <map>

#include "euiccsim/applets/applet.hpp"
#include "euiccsim/applets/isdr/es10.hpp"

namespace euiccsim::applets {

class IsdR final : public Applet {
 public:
  explicit IsdR(Bytes aid);

  const Bytes& aid() const override { return aid_; }
  std::string name() const override { return "ISD-R"; }
  apdu::Response select(AppletContext& ctx) override;
  apdu::Response process(AppletContext& ctx, const apdu::Command& cmd) override;
  bool takes_store_data() const override { return true; }
  apdu::Response store_data(AppletContext& ctx, const Bytes& data) override;
  void reset() override { session_ = {}; }
  // SGP.32 §3.8.2: records tag '84' (eUICC-related IoT Device Capabilities) on an iot card and
  // applies the card's rule for an IPAd declared while the IPAe is active (docs/ipae.md).
  void terminal_capability(AppletContext& ctx, ByteView capabilities) override;

  // The volatile session (the challenge, a download under way, ...) as a deep copy, and its
  // restoration: a card held at a chosen point of a download, restored for each input of a
  // fuzz target or taken several ways by a test. A session belongs with the card state it was
  // taken from. std::logic_error for a download whose profile has begun to install (A3).
  isdr::Session snapshot() const;
  void restore(const isdr::Session& snapshot);

  // The ES10 functions this ISD-R answers, by top-level tag (for listings and tests).
  const std::map<std::uint32_t, isdr::Handler>& functions() const { return handlers_; }
  // The SGP.32 functions it answers in addition on a card of the "iot" personality.
  const std::map<std::uint32_t, isdr::Handler>& iot_functions() const { return iot_handlers_; }

 private:
  Bytes aid_;
  std::map<std::uint32_t, isdr::Handler> handlers_;
  std::map<std::uint32_t, isdr::Handler> iot_handlers_;
  isdr::Session session_;
};

}  // namespace euiccsim::applets
