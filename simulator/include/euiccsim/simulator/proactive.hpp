// The card's proactive runtime (ETSI TS 102 221 §7.4.2.2 and §14.6, TS 102 223 §4-§7): the
// TERMINAL PROFILE the terminal sent, the proactive commands the card's parts want to issue
// (REFRESH after a profile change, the BIP commands of the IPAe's bearer), 91xx on the answers
// while one waits, FETCH, TERMINAL RESPONSE handed back to the command's issuer, and ENVELOPE
// (event download) handed to whoever listens. docs/proactive.md tells the whole behaviour.
//
// The Card owns one and calls it with its lock held; so do the issuers.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "euiccsim/applets/apdu.hpp"
#include "euiccsim/simulator/cat.hpp"

namespace euiccsim::quirk {
// A profile change with refreshFlag is made visible at once (the other logical channels
// closed, the new profile active) instead of through a REFRESH proactive command, even for a
// terminal that sent a TERMINAL PROFILE with REFRESH: for clients that never FETCH. (Listed in
// quirk::all() with the card's other switches.)
inline constexpr const char* kRefreshAtOnce = "refresh-at-once";
}  // namespace euiccsim::quirk

namespace euiccsim::sim {

// One proactive exchange, for logs and tests.
struct ProactiveRecord {
  enum class Kind : std::uint8_t {
    kTerminalProfile,
    kQueued,    // a part of the card asked for a command (command)
    kFetched,   // the terminal fetched it (command)
    kResponse,  // its TERMINAL RESPONSE (command, response)
    kEnvelope,  // an ENVELOPE (response: the envelope's data)
    kDropped,   // a queued or outstanding command was dropped (reset, owner gone)
  };
  Kind kind = Kind::kQueued;
  Bytes command;
  Bytes data;
  std::uint16_t sw = 0;
};

class Toolkit {
 public:
  // Who issued a command: its handlers run with the card's lock held.
  using Owner = std::uint32_t;
  using ResponseHandler = std::function<void(const cat::TerminalResponse&)>;
  using DroppedHandler = std::function<void()>;
  using EventHandler = std::function<void(const cat::EventDownload&)>;
  // A terminal session began (TERMINAL PROFILE) or ended (reset, power off).
  using SessionHandler = std::function<void(bool started)>;

  // Does the terminal support `bit`? False without a TERMINAL PROFILE since the last reset.
  bool supports(cat::ProfileBit bit) const { return profile_ && profile_->has(bit); }
  bool terminal_present() const { return profile_.has_value(); }
  const std::optional<cat::TerminalProfile>& profile() const { return profile_; }

  Owner new_owner() { return ++last_owner_; }
  // Queues a command; `build` gets its command number. `on_response` hears its TERMINAL
  // RESPONSE, `on_dropped` that it will never come (reset, power off, cancel()).
  void submit(Owner owner, std::function<Bytes(std::uint8_t number)> build,
              ResponseHandler on_response, DroppedHandler on_dropped = {});
  // Drops the queued (not yet fetched) commands of `owner` for which `which` is true (all
  // without it); an outstanding one stays (its response is then ignored if the owner is gone).
  void cancel(Owner owner, const std::function<bool(const Bytes& command)>& which = {});
  // Forget `owner`: its queued commands go, its handlers are never called again.
  void release(Owner owner);
  void on_event(Owner owner, EventHandler handler) { event_handlers_[owner] = std::move(handler); }
  void on_session(Owner owner, SessionHandler handler) {
    session_handlers_[owner] = std::move(handler);
  }
  // Commands of `owner` queued or awaiting their response.
  std::size_t pending(Owner owner) const;

  // A fetched command awaits its TERMINAL RESPONSE.
  bool busy() const { return outstanding_.has_value(); }
  // The length of the command the terminal would FETCH now (SW2 of 91xx), if any.
  std::optional<std::size_t> waiting() const;
  std::optional<cat::CommandDetails> outstanding() const;

  // The APDU side, called by the Card.
  apdu::Response terminal_profile(const apdu::Command& cmd);
  // The data to send (the Card shapes it to Le): the command, marked outstanding.
  apdu::Response fetch(const apdu::Command& cmd);
  // The command fetch() gave has reached the terminal: it awaits its TERMINAL RESPONSE.
  void fetched();
  apdu::Response terminal_response(const apdu::Command& cmd);
  apdu::Response envelope(const apdu::Command& cmd);
  // 9000 becomes 91xx while a command waits to be fetched (TS 102 221 §10.2.1.1).
  std::uint16_t shape(std::uint16_t sw) const;
  // Card reset or power off: the session ends, every command is dropped.
  void reset();

  void set_log(std::function<void(const ProactiveRecord&)> log) { log_ = std::move(log); }

 private:
  struct Entry {
    Owner owner = 0;
    Bytes command;
    cat::CommandDetails details;
    ResponseHandler on_response;
    DroppedHandler on_dropped;
  };
  std::uint8_t next_number();
  void record(ProactiveRecord::Kind kind, ByteView command, ByteView data = {},
              std::uint16_t sw = 0);
  void drop(Entry& e);

  std::optional<cat::TerminalProfile> profile_;
  std::deque<Entry> queue_;
  std::optional<Entry> outstanding_;
  std::uint8_t number_ = 0;
  Owner last_owner_ = 0;
  std::map<Owner, EventHandler> event_handlers_;
  std::map<Owner, SessionHandler> session_handlers_;
  std::function<void(const ProactiveRecord&)> log_;
};

}  // namespace euiccsim::sim
