// The card runtime: an ISO/IEC 7816 card with logical channels, applet selection, response
// chaining (61xx / GET RESPONSE, 6Cxx) and GlobalPlatform STORE DATA reassembly. A SELECT no
// applet takes, and every command on a channel where no applet is selected, goes to the active
// profile's file system (applets/naa): after a reset the MF is the basic channel's current DF.
//
// A Card knows bytes in and bytes out; it knows nothing of sockets (transports feed it) and
// nothing of ES10 content (applets interpret it).
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "euiccsim/applets/applet.hpp"
#include "euiccsim/applets/ipae/es10_endpoint.hpp"
#include "euiccsim/simulator/proactive.hpp"
#include "euiccsim/applets/naa/file_system.hpp"
#include "euiccsim/simulator/trace.hpp"

namespace euiccsim::sim {

enum class Protocol : std::uint8_t { kT0, kT1 };

struct CardOptions {
  // Upper bound of one reassembled STORE DATA chain; a block beyond it is answered 6A84.
  std::size_t store_data_limit = 32 * 1024;
};

// The card is also what its IPAe runs ES10 through (applets/ipae's Es10Endpoint).
class Card final : public applets::ipae::Es10Endpoint {
 public:
  static constexpr unsigned kChannels = 4;  // basic channel and 1..3
  // Called with the new state after a state-changing command, before its response leaves
  // the card. Throwing rolls the command back and the card answers 6581 (memory failure).
  using Persist = std::function<void(const CardState&)>;

  Card(CardState state, crypto::Drbg drbg, Persist persist = {}, CardOptions options = {});
  ~Card() override;
  Card(const Card&) = delete;
  Card& operator=(const Card&) = delete;

  void install(std::unique_ptr<applets::Applet> applet);
  // The installed applet with this AID, or nullptr.
  applets::Applet* applet(ByteView aid) const;

  // Cold reset: returns the ATR. Logical channels 1..3 closed, nothing selected.
  const Bytes& power_on();
  // Warm reset: as power_on, for a card already powered.
  const Bytes& reset();
  void power_off();
  bool powered() const { return powered_; }
  const Bytes& atr() const { return atr_; }

  // The transmission protocol the terminal chose (T=0 after an ATR unless told otherwise).
  void set_protocol(Protocol p) { protocol_ = p; }
  Protocol protocol() const { return protocol_; }

  // One C-APDU in, one R-APDU out. Never throws; a malformed APDU gets a status word and
  // leaves the card as it was. An unpowered card is mute: the answer is empty.
  Bytes transmit(ByteView command);

  // One ES10 function from inside the card (its IPAe): the whole request DER handed to the
  // ISD-R's STORE DATA handler as a reassembled chain would be, with the same persistence,
  // rollback, REFRESH and trace as a command (trace kind es10). No channel, selection or
  // status-word shaping is involved. Works whether or not the card is powered (the IPAe runs
  // on the card's own supply in the simulation). Never throws.
  apdu::Response es10(ByteView request) override;
  // The IPAe's view of the card and its state's transactions (Es10Endpoint).
  applets::ipae::CardView view() const override;
  void update_ipae(const std::function<void(IpaeState&)>& change) override;
  // Runs `change` on the card state as one transaction: persisted before it returns, undone
  // if `change` throws or the state cannot be saved (then this throws too).
  void update_state(const std::function<void(CardState&)>& change);

  // Every public call takes this lock, so a transport thread and the IPAe's thread may share
  // the card; hold it to read state() consistently from another thread.
  std::unique_lock<std::recursive_mutex> lock() const {
    return std::unique_lock<std::recursive_mutex>(mu_);
  }
  // Called (with the lock held) after a command or an es10() call changed the IPA mode or
  // after a reset: the IPAe's driver wakes up to look.
  void set_ipae_listener(std::function<void()> listener) { ipae_listener_ = std::move(listener); }
  std::shared_ptr<TraceBus> trace_bus() const { return trace_; }

  const CardState& state() const { return state_; }
  const std::string& id() const { return id_; }
  void set_trace(std::shared_ptr<TraceBus> bus) { trace_ = std::move(bus); }
  // What the terminal declared in TERMINAL CAPABILITY (ETSI TS 102 221 §11.1.19), if any.
  const std::optional<Bytes>& terminal_capability() const { return terminal_capability_; }
  bool channel_open(unsigned ch) const { return ch < kChannels && channels_[ch].open; }
  const applets::Applet* selected(unsigned ch) const {
    return ch < kChannels ? channels_[ch].selected : nullptr;
  }
  // The ISD-P whose profile the terminal sees: the enabled one as of the last reset or
  // REFRESH. An enable or disable without refreshFlag changes it only at the next reset.
  const std::optional<Bytes>& active_profile() const { return active_profile_; }
  // REFRESHes performed since the card was made (EnableProfile/DisableProfile refreshFlag).
  unsigned refreshes() const { return refreshes_; }
  // The proactive runtime (TERMINAL PROFILE, FETCH, TERMINAL RESPONSE, ENVELOPE; proactive.hpp).
  // Use it with the lock held.
  Toolkit& toolkit() { return toolkit_; }
  const Toolkit& toolkit() const { return toolkit_; }
  // A REFRESH proactive command waits to be fetched or answered.
  bool refresh_pending() const { return refresh_pending_; }
  // Called (lock held) when the terminal sees a new profile after a REFRESH: the active ISD-P.
  void set_refresh_listener(std::function<void(const std::optional<Bytes>&)> listener) {
    refresh_listener_ = std::move(listener);
  }
  // The active profile's file system and NAAs: what each channel without an applet has
  // selected, and the PINs verified since the last reset.
  const applets::naa::FileSystem& file_system() const { return fs_; }

 private:
  struct Channel {
    bool open = false;
    applets::Applet* selected = nullptr;
    // Response data not yet fetched with GET RESPONSE, and the status word that ends it.
    Bytes pending;
    std::size_t pending_offset = 0;
    std::uint16_t pending_sw = apdu::sw::kOk;
    // STORE DATA chain under reassembly.
    bool chain_active = false;
    std::uint8_t next_block = 0;
    Bytes chain;
    void drop_pending() {
      pending.clear();
      pending_offset = 0;
    }
  };

  apdu::Response dispatch(const apdu::Command& cmd, unsigned ch, applets::AppletContext& ctx);
  apdu::Response manage_channel(const apdu::Command& cmd, unsigned ch, applets::AppletContext& ctx);
  apdu::Response select(const apdu::Command& cmd, unsigned ch, applets::AppletContext& ctx);
  apdu::Response select_file(const apdu::Command& cmd, unsigned ch, applets::AppletContext& ctx);
  apdu::Response get_response(const apdu::Command& cmd, unsigned ch);
  apdu::Response terminal_capability(const apdu::Command& cmd);
  apdu::Response store_data(const apdu::Command& cmd, unsigned ch, applets::AppletContext& ctx);
  // Shapes an applet's answer to the command's Le and the protocol (61xx, 6Cxx, splitting).
  apdu::Response deliver(const apdu::Command& cmd, unsigned ch, apdu::Response r);
  apdu::Response next_chunk(Channel& c, std::size_t max);
  void close_channel(unsigned ch, applets::AppletContext& ctx);
  void profile_refresh(unsigned keep, applets::AppletContext& ctx);
  // proactive.cpp: the CAT commands, and the REFRESH a profile change asks for.
  std::optional<apdu::Response> toolkit_dispatch(const apdu::Command& cmd, unsigned ch);
  void refresh(unsigned keep, applets::AppletContext& ctx);
  void queue_refresh();
  void terminal_refreshed();
  void cold_state();
  void trace(TraceEvent::Kind kind, unsigned ch, ByteView cmd, ByteView rsp,
             std::chrono::steady_clock::time_point start);
  // Persists a changed state (or rolls it back: then false), then the REFRESH it asked for.
  bool finish(applets::AppletContext& ctx, unsigned keep_channel);
  void notify_ipae(std::uint8_t mode_before);

  CardState state_;
  crypto::Drbg drbg_;
  Persist persist_;
  CardOptions options_;
  std::string id_;
  std::vector<std::unique_ptr<applets::Applet>> applets_;
  std::array<Channel, kChannels> channels_;
  Protocol protocol_ = Protocol::kT0;
  bool powered_ = false;
  Bytes atr_;
  std::optional<Bytes> terminal_capability_;
  std::optional<Bytes> active_profile_;
  applets::naa::FileSystem fs_;
  unsigned refreshes_ = 0;
  Toolkit toolkit_;
  Toolkit::Owner refresh_owner_ = toolkit_.new_owner();
  bool refresh_pending_ = false;
  unsigned refresh_attempts_ = 0;
  std::function<void(const std::optional<Bytes>&)> refresh_listener_;
  std::shared_ptr<TraceBus> trace_;
  mutable std::recursive_mutex mu_;
  std::function<void()> ipae_listener_;
};

// The ATR of a euicc-sim card (ISO/IEC 7816-3 §8): T=0, with T=1 too when `offer_t1`
// (CardConfig::offers_t1), the T=15 global bytes real (e)UICCs give, the product named in the
// historical bytes, and TCK. docs/card-runtime.md shows both forms byte by byte.
Bytes make_atr(bool offer_t1);
// The default: T=0 only (3B 9B 96 80 1F C7 80 59 'euicc-sim' AF).
Bytes default_atr();

}  // namespace euiccsim::sim
