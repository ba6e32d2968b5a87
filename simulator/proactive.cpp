// The proactive runtime (docs/proactive.md), and the Card's part of it: the CAT commands it
// routes here and the REFRESH that follows a profile change.
//
// Order of the checks, per command (each answered with the first that fails):
//  TERMINAL PROFILE 80 10: P1 P2 00 00 (6A86); data present (6700).
//  FETCH 80 12: P1 P2 00 00 (6A86); Le present, no data (6700); a command to fetch (6985).
//  TERMINAL RESPONSE 80 14: P1 P2 00 00 (6A86); data present (6700); a command awaiting its
//    response (6985); the response decodes as TS 102 223 §6.8 (6A80); its command details
//    those of that command (6A80: the command stays outstanding).
//  ENVELOPE 80 C2: P1 P2 00 00 (6A86); data present (6700); one BER-TLV of the CAT range
//    D1..DF (6A80); no command awaiting its response (9300); then event download is handed to
//    its listeners, any other envelope accepted and ignored (9000).
#include "euiccsim/simulator/proactive.hpp"

#include <algorithm>
#include <vector>

#include "euiccsim/simulator/card.hpp"

namespace euiccsim::sim {

namespace sw = apdu::sw;
using apdu::Response;

namespace {
constexpr std::uint16_t kToolkitBusy = 0x9300;
// A REFRESH the terminal answers "worth retrying later" (2X) is tried this often in all.
constexpr unsigned kRefreshAttempts = 3;
}  // namespace

// ---- Toolkit ----

std::uint8_t Toolkit::next_number() {
  // 01..FE; 00 and FF are avoided so a command number is never mistaken for a filler.
  number_ = static_cast<std::uint8_t>(number_ % 0xFE + 1);
  return number_;
}

void Toolkit::record(ProactiveRecord::Kind kind, ByteView command, ByteView data,
                     std::uint16_t status) {
  if (!log_) return;
  ProactiveRecord r;
  r.kind = kind;
  r.command.assign(command.begin(), command.end());
  r.data.assign(data.begin(), data.end());
  r.sw = status;
  log_(r);
}

void Toolkit::submit(Owner owner, std::function<Bytes(std::uint8_t)> build,
                     ResponseHandler on_response, DroppedHandler on_dropped) {
  Entry e;
  e.owner = owner;
  e.command = build(next_number());
  auto decoded = cat::decode_proactive(e.command);
  if (!decoded) throw std::logic_error("the card built a proactive command that does not decode");
  e.details = decoded->details;
  e.on_response = std::move(on_response);
  e.on_dropped = std::move(on_dropped);
  record(ProactiveRecord::Kind::kQueued, e.command);
  queue_.push_back(std::move(e));
}

void Toolkit::drop(Entry& e) {
  record(ProactiveRecord::Kind::kDropped, e.command);
  if (e.on_dropped) {
    auto f = std::move(e.on_dropped);
    f();
  }
}

void Toolkit::cancel(Owner owner, const std::function<bool(const Bytes&)>& which) {
  std::vector<Entry> gone;
  for (auto it = queue_.begin(); it != queue_.end();) {
    if (it->owner == owner && (!which || which(it->command))) {
      gone.push_back(std::move(*it));
      it = queue_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto& e : gone) record(ProactiveRecord::Kind::kDropped, e.command);
}

void Toolkit::release(Owner owner) {
  cancel(owner);
  if (outstanding_ && outstanding_->owner == owner) {
    outstanding_->on_response = nullptr;
    outstanding_->on_dropped = nullptr;
  }
  event_handlers_.erase(owner);
  session_handlers_.erase(owner);
}

std::size_t Toolkit::pending(Owner owner) const {
  std::size_t n = static_cast<std::size_t>(std::count_if(
      queue_.begin(), queue_.end(), [&](const Entry& e) { return e.owner == owner; }));
  if (outstanding_ && outstanding_->owner == owner) ++n;
  return n;
}

std::optional<std::size_t> Toolkit::waiting() const {
  if (outstanding_ || queue_.empty()) return std::nullopt;
  return queue_.front().command.size();
}

std::optional<cat::CommandDetails> Toolkit::outstanding() const {
  if (!outstanding_) return std::nullopt;
  return outstanding_->details;
}

std::uint16_t Toolkit::shape(std::uint16_t status) const {
  if (status != sw::kOk) return status;
  auto n = waiting();
  if (!n) return status;
  return static_cast<std::uint16_t>(0x9100 | (*n >= 256 ? 0 : *n));
}

void Toolkit::reset() {
  const bool had_session = profile_.has_value();
  profile_.reset();
  number_ = 0;  // a new session numbers its commands from 01 again
  auto queued = std::move(queue_);
  queue_.clear();
  auto out = std::move(outstanding_);
  outstanding_.reset();
  if (out) drop(*out);
  for (auto& e : queued) drop(e);
  if (had_session) {
    auto handlers = session_handlers_;
    for (auto& [owner, h] : handlers) {
      if (session_handlers_.count(owner)) h(false);
    }
  }
}

Response Toolkit::terminal_profile(const apdu::Command& cmd) {
  if (cmd.p1 != 0 || cmd.p2 != 0) return Response::status(sw::kIncorrectP1P2);
  if (!cmd.has_data()) return Response::status(sw::kWrongLength);
  // Any length is taken: a terminal declares as many bytes as it knows (TS 102 223 §5.2),
  // and the bits it leaves out are facilities it does not have.
  const bool first = !profile_.has_value();
  profile_ = cat::TerminalProfile(cmd.data);
  record(ProactiveRecord::Kind::kTerminalProfile, {}, cmd.data, sw::kOk);
  if (first) {
    auto handlers = session_handlers_;
    for (auto& [owner, h] : handlers) {
      if (session_handlers_.count(owner)) h(true);
    }
  }
  return Response::ok();
}

Response Toolkit::fetch(const apdu::Command& cmd) {
  if (cmd.p1 != 0 || cmd.p2 != 0) return Response::status(sw::kIncorrectP1P2);
  if (cmd.has_data() || !cmd.ne) return Response::status(sw::kWrongLength);
  // A second FETCH before the TERMINAL RESPONSE gets the same command again: the terminal
  // lost the first answer, and the command has not been carried out twice.
  if (outstanding_) return Response::ok(outstanding_->command);
  if (queue_.empty()) return Response::status(sw::kConditionsNotSatisfied);
  return Response::ok(queue_.front().command);
}

void Toolkit::fetched() {
  if (outstanding_ || queue_.empty()) return;
  outstanding_ = std::move(queue_.front());
  queue_.pop_front();
  record(ProactiveRecord::Kind::kFetched, outstanding_->command);
}

Response Toolkit::terminal_response(const apdu::Command& cmd) {
  if (cmd.p1 != 0 || cmd.p2 != 0) return Response::status(sw::kIncorrectP1P2);
  if (!cmd.has_data()) return Response::status(sw::kWrongLength);
  if (!outstanding_) return Response::status(sw::kConditionsNotSatisfied);
  auto tr = cat::decode_terminal_response(cmd.data);
  if (!tr || tr->details != outstanding_->details) {
    record(ProactiveRecord::Kind::kResponse, outstanding_->command, cmd.data, sw::kIncorrectData);
    return Response::status(sw::kIncorrectData);
  }
  Entry done = std::move(*outstanding_);
  outstanding_.reset();
  record(ProactiveRecord::Kind::kResponse, done.command, cmd.data, sw::kOk);
  if (done.on_response) done.on_response(*tr);
  return Response::ok();
}

Response Toolkit::envelope(const apdu::Command& cmd) {
  if (cmd.p1 != 0 || cmd.p2 != 0) return Response::status(sw::kIncorrectP1P2);
  if (!cmd.has_data()) return Response::status(sw::kWrongLength);
  auto t = cat::read_template(cmd.data);
  if (!t || t->first < 0xD1 || t->first > 0xDF) return Response::status(sw::kIncorrectData);
  if (outstanding_) {
    record(ProactiveRecord::Kind::kEnvelope, {}, cmd.data, kToolkitBusy);
    return Response::status(kToolkitBusy);
  }
  record(ProactiveRecord::Kind::kEnvelope, {}, cmd.data, sw::kOk);
  if (t->first != cat::kEventDownloadTag) return Response::ok();
  auto e = cat::decode_event_download(cmd.data);
  if (!e) return Response::status(sw::kIncorrectData);
  auto handlers = event_handlers_;
  for (auto& [owner, h] : handlers) {
    if (event_handlers_.count(owner)) h(*e);
  }
  return Response::ok();
}

// ---- the Card's part ----

namespace {
constexpr std::uint8_t kInsTerminalProfile = 0x10;
constexpr std::uint8_t kInsFetch = 0x12;
constexpr std::uint8_t kInsTerminalResponse = 0x14;
constexpr std::uint8_t kInsEnvelope = 0xC2;
constexpr std::uint8_t kInsStatus = 0xF2;
}  // namespace

std::optional<Response> Card::toolkit_dispatch(const apdu::Command& cmd, unsigned ch) {
  if ((cmd.cla & 0x80) == 0) return std::nullopt;  // CAT commands are of class '80'
  switch (cmd.ins) {
    case kInsTerminalProfile: {
      Response r = toolkit_.terminal_profile(cmd);
      // An IPAe that reaches the network through this terminal may start now.
      if (r.sw == sw::kOk && ipae_listener_) ipae_listener_();
      return r;
    }
    case kInsFetch: {
      Response r = toolkit_.fetch(cmd);
      if (r.sw != sw::kOk) return r;
      r = deliver(cmd, ch, std::move(r));
      // 6Cxx under T=0 asks for the command again with the right Le: not fetched yet.
      if ((r.sw & 0xFF00) != 0x6C00) toolkit_.fetched();
      return r;
    }
    case kInsTerminalResponse:
      return toolkit_.terminal_response(cmd);
    case kInsEnvelope:
      return toolkit_.envelope(cmd);
    case kInsStatus:
      // The terminal's poll (TS 102 221 §11.1.2, P2 '0C': no data returned). STATUS with an
      // answer belongs to the file system of the selected application.
      if (cmd.p2 != 0x0C) return std::nullopt;
      if (cmd.p1 > 0x02) return Response::status(sw::kIncorrectP1P2);
      if (cmd.has_data()) return Response::status(sw::kWrongLength);
      return Response::ok();
    default:
      return std::nullopt;
  }
}

void Card::refresh(unsigned keep, applets::AppletContext& ctx) {
  // Today's behaviour for a terminal that cannot receive a REFRESH (no TERMINAL PROFILE, or
  // one without REFRESH), and under the refresh-at-once quirk: the terminal's reset is done
  // for it at once.
  if (state_.config.has_quirk(quirk::kRefreshAtOnce) ||
      !toolkit_.supports(cat::profile::kRefresh)) {
    profile_refresh(keep, ctx);
    return;
  }
  // One REFRESH covers every change made before the terminal carries it out.
  if (refresh_pending_) return;
  refresh_pending_ = true;
  refresh_attempts_ = 0;
  queue_refresh();
}

void Card::queue_refresh() {
  ++refresh_attempts_;
  const std::uint8_t mode = toolkit_.supports(cat::profile::kProfileStateChangeRefresh)
                                ? cat::refresh::kEuiccProfileStateChange
                                : cat::refresh::kUiccReset;
  toolkit_.submit(
      refresh_owner_, [mode](std::uint8_t n) { return cat::refresh_command(n, mode); },
      [this](const cat::TerminalResponse& r) {
        if (cat::result::performed(r.general)) {
          terminal_refreshed();
        } else if (cat::result::temporary(r.general) && refresh_attempts_ < kRefreshAttempts) {
          queue_refresh();
        } else {
          // Refused: the card keeps the change; the terminal meets it at its next reset.
          refresh_pending_ = false;
        }
      },
      [this] { refresh_pending_ = false; });
}

void Card::terminal_refreshed() {
  // TS 102 223 §6.4.7, eUICC Profile State Change: before answering the TERMINAL RESPONSE the
  // card closes every logical channel but the basic one and returns to its state after the
  // ATR; then the new profile is the one the terminal sees.
  refresh_pending_ = false;
  applets::AppletContext ctx(state_, drbg_, kChannels);
  for (unsigned i = 1; i < kChannels; ++i) {
    if (channels_[i].open) close_channel(i, ctx);
  }
  if (channels_[0].selected) channels_[0].selected->deselect(ctx);
  channels_[0] = Channel{};
  channels_[0].open = true;
  if (const auto* p = state_.enabled_profile()) {
    active_profile_ = p->isdp_aid;
  } else {
    active_profile_.reset();
  }
  // The new profile's file system and NAAs, as after the ATR.
  fs_.reset(active_profile_);
  ++refreshes_;
  if (refresh_listener_) refresh_listener_(active_profile_);
}

}  // namespace euiccsim::sim
