// What the card runtime asks of an on-card application, and what it offers it.
#pragma once

#include <optional>
#include <string>

#include "euiccsim/applets/apdu.hpp"
#include "euiccsim/applets/card_state.hpp"
#include "euiccsim/crypto/drbg.hpp"

namespace euiccsim::applets {

// The card as one command sees it. State changes go through update_state(), which lets the
// runtime roll the command back if it fails, and persist it before the response leaves.
class AppletContext {
 public:
  AppletContext(CardState& state, crypto::Drbg& drbg, unsigned channel)
      : state_(state), drbg_(drbg), channel_(channel) {}

  const CardState& state() const { return state_; }
  // Marks the command as state-changing and returns the state to change.
  CardState& update_state() {
    if (!before_) before_.emplace(state_);
    return state_;
  }
  bool state_changed() const { return before_.has_value(); }
  // Undo every update_state() change of this command.
  void roll_back() {
    if (before_) state_ = *before_;
    before_.reset();
  }
  void commit() { before_.reset(); }

  crypto::Drbg& drbg() { return drbg_; }
  unsigned channel() const { return channel_; }

  // The command asks for a REFRESH (SGP.22 refreshFlag): once its response is out, the runtime
  // resets the profile side of the card (the enabled profile's applications and the other
  // channels) as after a card reset. Without it, a profile change reaches the terminal at the
  // next reset.
  void request_refresh() { refresh_ = true; }
  bool refresh_requested() const { return refresh_; }

 private:
  CardState& state_;
  crypto::Drbg& drbg_;
  unsigned channel_;
  bool refresh_ = false;
  std::optional<CardState> before_;
};

class Applet {
 public:
  virtual ~Applet() = default;

  virtual const Bytes& aid() const = 0;
  // Short human name for traces and listings ("ISD-R").
  virtual std::string name() const = 0;

  // The applet has just been selected; the answer's data is its FCI (GlobalPlatform §11.9).
  virtual apdu::Response select(AppletContext& ctx) = 0;
  virtual void deselect(AppletContext&) {}

  // A command the runtime does not handle itself (it handles SELECT, MANAGE CHANNEL,
  // GET RESPONSE, TERMINAL CAPABILITY and STORE DATA chaining).
  virtual apdu::Response process(AppletContext& ctx, const apdu::Command& cmd) = 0;

  // Applets taking GlobalPlatform STORE DATA (80 E2) receive whole reassembled chains here.
  virtual bool takes_store_data() const { return false; }
  virtual apdu::Response store_data(AppletContext&, const Bytes&) {
    return apdu::Response::status(apdu::sw::kInsNotSupported);
  }

  // The terminal declared its capabilities (TERMINAL CAPABILITY, ETSI TS 102 221 §11.1.19):
  // `capabilities` is the A9 template's content. Every applet hears it; an applet that keeps
  // something of it changes the state through `ctx`.
  virtual void terminal_capability(AppletContext&, ByteView) {}

  // May this applet be selected on more than one logical channel at once?
  virtual bool multi_selectable() const { return true; }
  // Card reset: forget volatile state (sessions, challenges).
  virtual void reset() {}
};

}  // namespace euiccsim::applets
