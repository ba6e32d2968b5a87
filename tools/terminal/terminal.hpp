// The device's side of CAT (ETSI TS 102 223), as `euicc-sim terminal` plays it in place of a
// modem: TERMINAL PROFILE, polling with STATUS, FETCH and TERMINAL RESPONSE, REFRESH carried
// out, and the Bearer Independent Protocol's channels opened on a network it is given (real
// loopback sockets in the command, an in-memory network in tests), with the data available and
// channel status events delivered by ENVELOPE. Every proactive exchange is logged.
//
// It is a peer of the card: it talks to it only through APDUs, and decodes what the card sends
// with the TS 102 223 codings (simulator/cat.hpp). One thread runs it; nothing blocks but the
// APDU link.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "euiccsim/applets/ipae/bearer.hpp"
#include "euiccsim/simulator/cat.hpp"

namespace euiccsim::terminal {

// How the terminal reaches the card: one APDU at a time, and a warm reset.
class CardLink {
 public:
  virtual ~CardLink() = default;
  virtual Bytes transmit(const Bytes& apdu) = 0;
  // Returns the ATR.
  virtual Bytes reset() = 0;
};

// One line of the terminal's log: what went to the card, what came back, what it meant.
struct Exchange {
  std::string kind;  // TERMINAL PROFILE, STATUS, FETCH, TERMINAL RESPONSE, ENVELOPE, RESET, NOTE
  Bytes command;
  Bytes response;
  std::string text;
};

struct TerminalOptions {
  Bytes profile = sim::cat::default_terminal_profile();
  // The largest buffer granted in OPEN CHANNEL; a larger request is answered "performed with
  // modification" with this size.
  std::uint16_t max_buffer = 1500;
  unsigned max_channels = 7;
  std::function<void(const Exchange&)> log;
  bool log_polls = false;  // STATUS polls that find nothing are not logged unless asked

  // Faults, so a card's and an IPAe's error paths can be exercised.
  // Every TERMINAL RESPONSE to a BIP command answers this general result (e.g. 0x21 "network
  // currently unable", 0x3A a BIP error with fault_additional).
  std::optional<std::uint8_t> fault_result;
  Bytes fault_additional;
  // 91xx is ignored: nothing is ever fetched.
  bool fault_never_fetch = false;
  // A channel's link is dropped (channel status event) once this many bytes came from its peer
  // (0: right after it opened).
  std::optional<std::size_t> fault_drop_after;
};

struct TerminalStats {
  std::uint64_t apdus = 0, fetched = 0, envelopes = 0, busy = 0, refreshes = 0;
  std::uint64_t bytes_up = 0, bytes_down = 0;
};

class Terminal final : public applets::ipae::BearerEvents {
 public:
  // `card` and `network` must outlive the terminal; the network's events must reach
  // on_bearer_event() (attach the terminal as the network's sink).
  Terminal(CardLink& card, applets::ipae::Bearer& network, TerminalOptions options = {});
  ~Terminal() override;

  // The card is fresh from a reset: TERMINAL PROFILE (and whatever the card asks for then).
  void start();
  // One turn: pending events, then STATUS, and every proactive command the answers lead to.
  void poll();
  void on_bearer_event(const applets::ipae::BearerEvent& e) override;

  std::size_t open_channels() const { return channels_.size(); }
  const TerminalStats& stats() const { return stats_; }
  // A command awaits the network before its TERMINAL RESPONSE (OPEN CHANNEL).
  bool waiting_on_network() const { return deferred_.has_value(); }

 private:
  struct Channel {
    applets::ipae::ChannelId net = 0;
    applets::ipae::ChannelKind kind = applets::ipae::ChannelKind::kStream;
    std::size_t buffer = 0;
    Bytes tx;
    Bytes rx;                       // stream
    std::deque<Bytes> datagrams;    // datagram: whole ones waiting
    std::size_t datagram_read = 0;  // bytes of the front datagram already read
    bool announced = false;         // data available sent for what waits
    bool link_up = true;
    bool drop_reported = false;
    std::size_t received = 0;  // bytes from the peer, for fault_drop_after
  };
  struct Deferred {
    sim::cat::CommandDetails details;
    unsigned channel = 0;
    sim::cat::OpenChannel request;
    std::uint16_t granted = 0;
  };

  Bytes send(const std::string& kind, const Bytes& apdu, const std::string& text = {});
  void after(const Bytes& response);
  void fetch_loop(std::uint8_t length);
  void execute(const sim::cat::ProactiveCommand& c);
  void respond(const sim::cat::CommandDetails& d, std::uint8_t general, const Bytes& additional,
               const std::vector<sim::cat::Ctlv>& items);
  void open_channel(const sim::cat::ProactiveCommand& c);
  void send_data(const sim::cat::ProactiveCommand& c);
  void receive_data(const sim::cat::ProactiveCommand& c);
  void close_channel(const sim::cat::ProactiveCommand& c);
  void channel_status(const sim::cat::ProactiveCommand& c);
  void opened(bool ok, const std::string& why);
  void announce(unsigned id);
  void drop_link(unsigned id);
  void flush_events();
  std::size_t waiting(const Channel& c) const;
  Channel* channel_of(const sim::cat::ProactiveCommand& c, unsigned& id);
  bool wants(std::uint8_t event) const;
  void note(const std::string& text);

  CardLink& card_;
  applets::ipae::Bearer& net_;
  TerminalOptions options_;
  std::map<unsigned, Channel> channels_;  // by BIP channel identifier
  Bytes events_;                          // the card's event list
  std::deque<Bytes> envelopes_;           // waiting to go (9300, or a command under way)
  std::optional<Deferred> deferred_;
  bool in_session_ = false;               // inside the FETCH loop
  std::optional<std::uint16_t> last_sw_;  // the card's answer to the last TERMINAL RESPONSE
  TerminalStats stats_;
};

}  // namespace euiccsim::terminal
