// The IPAe's Bearer over CAT's Bearer Independent Protocol (ETSI TS 102 223 §6.4.27-§6.4.31,
// §7.5.10-§7.5.11): what an IPA inside a real eUICC has, since a card opens no socket. Each
// channel the IPAe opens becomes an OPEN CHANNEL (TCP or UDP client, remote) for the terminal
// to carry out, its bytes SEND DATA commands in pieces that fit the terminal's buffer, and what
// the peer sends comes back as a "data available" event the card answers with RECEIVE DATA;
// "channel status" (link dropped) closes it. docs/proactive.md has the codings and readings.
//
// The commands go through the card's Toolkit, so they reach the terminal only when it polls
// and FETCHes. Everything the terminal's answers produce is queued here and delivered to the
// IPAe by pump(), on the IPAe's thread; wake() is called (from the card's thread) when there is
// something to pump.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <set>

#include "euiccsim/applets/ipae/bearer.hpp"
#include "euiccsim/simulator/card.hpp"

namespace euiccsim::sim {

struct BipOptions {
  // Asked for in OPEN CHANNEL (Buffer size); the terminal may grant less.
  std::uint16_t buffer_size = 1400;
  // Bearer description: '03' the terminal's default bearer, or '02' packet data service with
  // these TS 31.111 §8.52.2 parameters, and then an APN (Network Access Name) if not empty.
  std::uint8_t bearer_type = 0x03;
  Bytes bearer_parameters;
  std::string network_access_name;
};

class BipBearer final : public applets::ipae::Bearer {
 public:
  BipBearer(Card& card, applets::ipae::BearerEvents& sink, std::function<void()> wake,
            BipOptions options = {});
  ~BipBearer() override;
  BipBearer(const BipBearer&) = delete;
  BipBearer& operator=(const BipBearer&) = delete;

  // `host` must be an IP literal: OPEN CHANNEL carries an address, not a name (the reading of
  // docs/proactive.md). A name, a terminal without BIP or one without the needed TERMINAL
  // PROFILE bits fail at once (kFailed).
  applets::ipae::ChannelId open(applets::ipae::ChannelKind kind, const std::string& host,
                                std::uint16_t port) override;
  void send(applets::ipae::ChannelId channel, ByteView data) override;
  void close(applets::ipae::ChannelId channel) override;

  // Delivers the queued events to the IPAe; how many. Call on the IPAe's thread.
  std::size_t pump();
  // Channels the IPAe holds (opening or open).
  std::size_t channels() const;

 private:
  struct Channel;
  void emit(applets::ipae::BearerEvent e);
  void fail_open(applets::ipae::ChannelId id, const std::string& why);
  void ensure_event_list();
  void on_opened(Channel& c, const cat::TerminalResponse& r);
  void pump_tx(Channel& c);
  void read_more(Channel& c, std::size_t announced);
  void on_event(const cat::EventDownload& e);
  void lost(Channel& c, const std::string& why);
  void release_terminal_channel(unsigned bip);
  Channel* by_bip(unsigned bip);
  std::string missing_capability(applets::ipae::ChannelKind kind) const;

  Card& card_;
  applets::ipae::BearerEvents& sink_;
  std::function<void()> wake_;
  BipOptions options_;
  Toolkit::Owner owner_;
  std::map<applets::ipae::ChannelId, std::unique_ptr<Channel>> channels_;
  applets::ipae::ChannelId next_id_ = 0;
  bool event_list_set_ = false;
  std::deque<applets::ipae::BearerEvent> events_;
  std::set<applets::ipae::ChannelId> closed_;  // by the IPAe, during the current pump()
};

}  // namespace euiccsim::sim
