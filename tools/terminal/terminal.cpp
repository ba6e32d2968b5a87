// The terminal's readings (docs/proactive.md "The terminal"):
//  - it polls with STATUS (80 F2 00 0C 00) and fetches whenever an answer ends in 91xx;
//  - OPEN CHANNEL is carried out at once whatever the qualifier says (on-demand links are
//    opened at once too), its TERMINAL RESPONSE deferred until the connection is made or
//    refused; a buffer above max_buffer is granted as max_buffer, "performed with modification";
//  - a stream's received bytes are announced by one data available event while the Rx buffer
//    goes from empty to not empty; a datagram is announced alone, the next one once it was read
//    whole; RECEIVE DATA's Channel data length counts the bytes left (of the datagram);
//  - the peer's close is reported (channel status, link dropped) once the card has read what
//    arrived before it;
//  - REFRESH: eUICC Profile State Change and the NAA modes are answered at once (there is no
//    cached profile data to drop) and followed by a new TERMINAL PROFILE, as the UICC activation
//    procedure would send; UICC Reset resets the card (no TERMINAL RESPONSE) and closes every
//    BIP channel.
#include "terminal.hpp"

#include <arpa/inet.h>

#include <algorithm>

namespace euiccsim::terminal {

namespace cat = sim::cat;
using applets::ipae::BearerEvent;
using applets::ipae::ChannelKind;

namespace {
std::uint16_t sw_of(const Bytes& r) {
  return r.size() < 2 ? 0 : static_cast<std::uint16_t>((r[r.size() - 2] << 8) | r.back());
}

Bytes apdu(std::uint8_t ins, const Bytes& data, std::optional<std::uint8_t> le = std::nullopt) {
  Bytes a{0x80, ins, 0x00, 0x00};
  if (!data.empty()) {
    a.push_back(static_cast<std::uint8_t>(data.size()));
    a.insert(a.end(), data.begin(), data.end());
  }
  if (le) a.push_back(*le);
  return a;
}

std::string sw_text(std::uint16_t sw) {
  char b[8];
  std::snprintf(b, sizeof b, "%04X", sw);
  return b;
}

std::uint8_t capped(std::size_t n) {
  return static_cast<std::uint8_t>(std::min<std::size_t>(n, 0xFF));
}
}  // namespace

Terminal::Terminal(CardLink& card, applets::ipae::Bearer& network, TerminalOptions options)
    : card_(card), net_(network), options_(std::move(options)) {}

Terminal::~Terminal() {
  for (auto& [id, c] : channels_) net_.close(c.net);
}

void Terminal::note(const std::string& text) {
  if (options_.log) options_.log({"NOTE", {}, {}, text});
}

Bytes Terminal::send(const std::string& kind, const Bytes& a, const std::string& text) {
  Bytes r = card_.transmit(a);
  ++stats_.apdus;
  // GET RESPONSE for answers that come in pieces (an ENVELOPE with data, under T=0).
  Bytes data;
  while (r.size() == 2 && r[0] == 0x61) {
    r = card_.transmit(Bytes{0x00, 0xC0, 0x00, 0x00, r[1]});
    ++stats_.apdus;
    if (r.size() >= 2) data.insert(data.end(), r.begin(), r.end() - 2);
  }
  if (!data.empty()) {
    Bytes whole = data;
    whole.push_back(r[r.size() - 2]);
    whole.push_back(r.back());
    r = std::move(whole);
  }
  const std::uint16_t sw = sw_of(r);
  if (options_.log && (kind != "STATUS" || options_.log_polls || (sw >> 8) == 0x91)) {
    std::string t = text;
    if (!t.empty()) t += " -> ";
    t += sw_text(sw);
    options_.log({kind, a, r, t});
  }
  return r;
}

void Terminal::start() {
  channels_.clear();
  events_.clear();
  envelopes_.clear();
  deferred_.reset();
  Bytes r = send("TERMINAL PROFILE", apdu(0x10, options_.profile),
                 std::to_string(options_.profile.size()) + " bytes");
  after(r);
}

void Terminal::poll() {
  flush_events();
  if (deferred_) return;  // the card awaits a TERMINAL RESPONSE: nothing to fetch meanwhile
  Bytes r = send("STATUS", Bytes{0x80, 0xF2, 0x00, 0x0C, 0x00});
  after(r);
}

void Terminal::after(const Bytes& r) {
  const std::uint16_t sw = sw_of(r);
  if ((sw >> 8) == 0x91 && !options_.fault_never_fetch && !in_session_) {
    fetch_loop(static_cast<std::uint8_t>(sw & 0xFF));
  }
  if (!in_session_) flush_events();
}

void Terminal::fetch_loop(std::uint8_t length) {
  in_session_ = true;
  std::optional<std::uint8_t> next = length;
  while (next && !deferred_) {
    Bytes r = send("FETCH", apdu(0x12, {}, *next));
    std::uint16_t sw = sw_of(r);
    if ((sw >> 8) == 0x6C) {
      r = send("FETCH", apdu(0x12, {}, static_cast<std::uint8_t>(sw & 0xFF)));
      sw = sw_of(r);
    }
    next.reset();
    if (sw != 0x9000 || r.size() < 4) {
      note("FETCH answered " + sw_text(sw) + "; the proactive session ends");
      break;
    }
    ++stats_.fetched;
    const Bytes command(r.begin(), r.end() - 2);
    auto c = cat::decode_proactive(command);
    if (!c) {
      // The number is unknown, so the response names what the terminal could read.
      note("a proactive command that does not decode: " + to_hex(command));
      auto items = cat::read_template(command);
      cat::CommandDetails d{};
      if (items) {
        if (auto list = cat::read_ctlvs(items->second);
            list && !list->empty() && (*list)[0].tag == cat::tag::kCommandDetails &&
            (*list)[0].value.size() == 3) {
          d = {(*list)[0].value[0], (*list)[0].value[1], (*list)[0].value[2]};
        }
      }
      respond(d, cat::result::kDataNotUnderstood, {}, {});
    } else {
      if (options_.log) options_.log({"COMMAND", {}, command, cat::describe(*c)});
      execute(*c);
    }
    // respond() leaves the card's next status word here.
    if (last_sw_ && (*last_sw_ >> 8) == 0x91) next = static_cast<std::uint8_t>(*last_sw_ & 0xFF);
    last_sw_.reset();
  }
  in_session_ = false;
}

void Terminal::respond(const cat::CommandDetails& d, std::uint8_t general, const Bytes& additional,
                       const std::vector<cat::Ctlv>& items) {
  const Bytes tr = cat::encode_terminal_response(d, general, additional, items);
  Bytes r = send("TERMINAL RESPONSE", apdu(0x14, tr),
                 cat::command_name(d.type) + " #" + std::to_string(d.number) + ": " +
                     cat::result_text(general, additional));
  last_sw_ = sw_of(r);
  if (!in_session_) after(r);
}

bool Terminal::wants(std::uint8_t event) const {
  return std::find(events_.begin(), events_.end(), event) != events_.end();
}

void Terminal::execute(const cat::ProactiveCommand& c) {
  const auto& d = c.details;
  const bool bip =
      d.type >= cat::command::kOpenChannel && d.type <= cat::command::kGetChannelStatus;
  if (bip && options_.fault_result) {
    respond(d, *options_.fault_result, options_.fault_additional, {});
    return;
  }
  switch (d.type) {
    case cat::command::kRefresh:
      ++stats_.refreshes;
      if (d.qualifier == cat::refresh::kUiccReset) {
        // No TERMINAL RESPONSE: the reset is the answer (TS 102 223 §6.4.7).
        for (auto& [id, ch] : channels_) net_.close(ch.net);
        channels_.clear();
        const Bytes atr = card_.reset();
        if (options_.log)
          options_.log({"RESET", {}, atr, "REFRESH UICC Reset: ATR " + to_hex(atr)});
        in_session_ = false;
        start();
        in_session_ = true;
        return;
      }
      respond(d, cat::result::kOk, {}, {});
      {
        // The UICC activation procedure that follows sends the terminal's profile again.
        Bytes r = send("TERMINAL PROFILE", apdu(0x10, options_.profile),
                       std::to_string(options_.profile.size()) + " bytes, after the REFRESH");
        last_sw_ = sw_of(r);
      }
      return;
    case cat::command::kSetUpEventList:
      if (const auto* e = cat::find(c.items, cat::tag::kEventList)) {
        events_ = e->value;
        respond(d, cat::result::kOk, {}, {});
      } else {
        respond(d, cat::result::kRequiredValuesMissing, {}, {});
      }
      return;
    case cat::command::kOpenChannel:
      open_channel(c);
      return;
    case cat::command::kSendData:
      send_data(c);
      return;
    case cat::command::kReceiveData:
      receive_data(c);
      return;
    case cat::command::kCloseChannel:
      close_channel(c);
      return;
    case cat::command::kGetChannelStatus:
      channel_status(c);
      return;
    default:
      respond(d, cat::result::kBeyondTerminalCapability, {}, {});
  }
}

void Terminal::open_channel(const cat::ProactiveCommand& c) {
  const auto& d = c.details;
  auto o = cat::decode_open_channel(c);
  if (!o) {
    respond(d, cat::result::kRequiredValuesMissing, {}, {});
    return;
  }
  Bytes bearer{o->bearer_type};
  bearer.insert(bearer.end(), o->bearer_parameters.begin(), o->bearer_parameters.end());
  const std::vector<cat::Ctlv> echo = {{cat::tag::kBearerDescription, true, bearer},
                                       {cat::tag::kBufferSize, true,
                                        Bytes{static_cast<std::uint8_t>(o->buffer_size >> 8),
                                              static_cast<std::uint8_t>(o->buffer_size)}}};
  if (o->bearer_type != 0x03 && o->bearer_type != 0x02) {
    respond(d, cat::result::kBeyondTerminalCapability, {}, echo);
    return;
  }
  if (o->transport != cat::Transport::kTcpClientRemote &&
      o->transport != cat::Transport::kUdpClientRemote) {
    respond(d, cat::result::kBipError, Bytes{cat::bip_error::kTransportLevelNotAvailable}, echo);
    return;
  }
  unsigned id = 0;
  for (unsigned i = 1; i <= std::min(options_.max_channels, 7u); ++i) {
    if (!channels_.count(i)) {
      id = i;
      break;
    }
  }
  if (id == 0) {
    respond(d, cat::result::kBipError, Bytes{cat::bip_error::kNoChannelAvailable}, echo);
    return;
  }
  char text[64] = {};
  ::inet_ntop(o->address.size() == 4 ? AF_INET : AF_INET6, o->address.data(), text, sizeof text);
  Channel ch;
  ch.kind = o->transport == cat::Transport::kTcpClientRemote ? ChannelKind::kStream
                                                             : ChannelKind::kDatagram;
  ch.buffer = std::min(o->buffer_size, options_.max_buffer);
  deferred_ = Deferred{d, id, *o, static_cast<std::uint16_t>(ch.buffer)};
  ch.net = net_.open(ch.kind, text, o->port);
  channels_[id] = std::move(ch);
  note("OPEN CHANNEL: channel " + std::to_string(id) + " connecting to " + text + ":" +
       std::to_string(o->port));
}

void Terminal::opened(bool ok, const std::string& why) {
  Deferred d = std::move(*deferred_);
  deferred_.reset();
  Bytes bearer{d.request.bearer_type};
  bearer.insert(bearer.end(), d.request.bearer_parameters.begin(),
                d.request.bearer_parameters.end());
  std::vector<cat::Ctlv> items;
  if (ok) {
    items.push_back(
        {cat::tag::kChannelStatus, true, Bytes{static_cast<std::uint8_t>(0x80 | d.channel), 0x00}});
  }
  items.push_back({cat::tag::kBearerDescription, true, bearer});
  items.push_back(
      {cat::tag::kBufferSize, true,
       Bytes{static_cast<std::uint8_t>(d.granted >> 8), static_cast<std::uint8_t>(d.granted)}});
  if (!ok) {
    channels_.erase(d.channel);
    note("OPEN CHANNEL: " + why);
    respond(d.details, cat::result::kBipError, Bytes{cat::bip_error::kRemoteDeviceNotReachable},
            items);
    return;
  }
  const std::uint8_t general = d.granted < d.request.buffer_size
                                   ? cat::result::kPerformedWithModification
                                   : cat::result::kOk;
  respond(d.details, general, {}, items);
  if (options_.fault_drop_after && *options_.fault_drop_after == 0) drop_link(d.channel);
}

Terminal::Channel* Terminal::channel_of(const cat::ProactiveCommand& c, unsigned& id) {
  if (c.destination < 0x21 || c.destination > 0x27) return nullptr;
  id = c.destination - 0x20u;
  auto it = channels_.find(id);
  return it == channels_.end() ? nullptr : &it->second;
}

void Terminal::send_data(const cat::ProactiveCommand& c) {
  const auto& d = c.details;
  unsigned id = 0;
  Channel* ch = channel_of(c, id);
  const auto* data = cat::find(c.items, cat::tag::kChannelData);
  if (!ch) {
    respond(d, cat::result::kBipError, Bytes{cat::bip_error::kChannelIdNotValid}, {});
    return;
  }
  if (!data) {
    respond(d, cat::result::kRequiredValuesMissing, {}, {});
    return;
  }
  if (!ch->link_up) {
    respond(d, cat::result::kBipError, Bytes{cat::bip_error::kChannelClosed}, {});
    return;
  }
  if (ch->tx.size() + data->value.size() > ch->buffer) {
    respond(d, cat::result::kBipError, Bytes{cat::bip_error::kBufferSizeNotAvailable}, {});
    return;
  }
  ch->tx.insert(ch->tx.end(), data->value.begin(), data->value.end());
  if (d.qualifier & 0x01) {
    stats_.bytes_up += ch->tx.size();
    net_.send(ch->net, ch->tx);
    ch->tx.clear();
  }
  respond(d, cat::result::kOk, {},
          {{cat::tag::kChannelDataLength, true, Bytes{capped(ch->buffer - ch->tx.size())}}});
}

std::size_t Terminal::waiting(const Channel& c) const {
  if (c.kind == ChannelKind::kStream) return c.rx.size();
  return c.datagrams.empty() ? 0 : c.datagrams.front().size() - c.datagram_read;
}

void Terminal::receive_data(const cat::ProactiveCommand& c) {
  const auto& d = c.details;
  unsigned id = 0;
  Channel* ch = channel_of(c, id);
  const auto* len = cat::find(c.items, cat::tag::kChannelDataLength);
  if (!ch) {
    respond(d, cat::result::kBipError, Bytes{cat::bip_error::kChannelIdNotValid}, {});
    return;
  }
  if (!len || len->value.size() != 1) {
    respond(d, cat::result::kRequiredValuesMissing, {}, {});
    return;
  }
  const std::size_t want = std::min<std::size_t>(len->value[0], cat::kMaxReceiveDataPiece);
  Bytes out;
  if (ch->kind == ChannelKind::kStream) {
    const std::size_t n = std::min(want, ch->rx.size());
    out.assign(ch->rx.begin(), ch->rx.begin() + static_cast<std::ptrdiff_t>(n));
    ch->rx.erase(ch->rx.begin(), ch->rx.begin() + static_cast<std::ptrdiff_t>(n));
  } else if (!ch->datagrams.empty()) {
    const Bytes& front = ch->datagrams.front();
    const std::size_t n = std::min(want, front.size() - ch->datagram_read);
    out.assign(front.begin() + static_cast<std::ptrdiff_t>(ch->datagram_read),
               front.begin() + static_cast<std::ptrdiff_t>(ch->datagram_read + n));
    ch->datagram_read += n;
    if (ch->datagram_read == front.size()) {
      ch->datagrams.pop_front();
      ch->datagram_read = 0;
    }
  }
  stats_.bytes_down += out.size();
  // Left in this datagram (a datagram's end is where the count reaches 0), or in the stream.
  const std::size_t left = ch->kind == ChannelKind::kStream
                               ? ch->rx.size()
                               : (ch->datagram_read == 0 ? 0 : waiting(*ch));
  const std::uint8_t general =
      out.size() < want ? cat::result::kMissingInformation : cat::result::kOk;
  if (left == 0) ch->announced = false;
  const bool more_datagrams = ch->kind == ChannelKind::kDatagram && left == 0 && waiting(*ch) > 0;
  respond(d, general, {},
          {{cat::tag::kChannelData, true, out},
           {cat::tag::kChannelDataLength, true, Bytes{capped(left)}}});
  auto it = channels_.find(id);
  if (it == channels_.end()) return;
  if (more_datagrams) announce(id);
  if (!it->second.link_up && waiting(it->second) == 0 && !it->second.drop_reported) {
    drop_link(id);
  }
}

void Terminal::close_channel(const cat::ProactiveCommand& c) {
  unsigned id = 0;
  Channel* ch = channel_of(c, id);
  if (!ch) {
    respond(c.details, cat::result::kBipError, Bytes{cat::bip_error::kChannelIdNotValid}, {});
    return;
  }
  net_.close(ch->net);
  channels_.erase(id);
  respond(c.details, cat::result::kOk, {}, {});
}

void Terminal::channel_status(const cat::ProactiveCommand& c) {
  std::vector<cat::Ctlv> items;
  for (const auto& [id, ch] : channels_) {
    items.push_back({cat::tag::kChannelStatus, true,
                     Bytes{static_cast<std::uint8_t>((ch.link_up ? 0x80 : 0x00) | id),
                           static_cast<std::uint8_t>(ch.link_up ? 0x00 : cat::kLinkDropped)}});
  }
  if (items.empty()) items.push_back({cat::tag::kChannelStatus, true, Bytes{0x00, 0x00}});
  respond(c.details, cat::result::kOk, {}, items);
}

void Terminal::announce(unsigned id) {
  auto it = channels_.find(id);
  if (it == channels_.end() || it->second.announced) return;
  const std::size_t n = waiting(it->second);
  if (n == 0 || !wants(cat::event::kDataAvailable)) return;
  it->second.announced = true;
  envelopes_.push_back(cat::data_available(id, n));
}

void Terminal::drop_link(unsigned id) {
  auto it = channels_.find(id);
  if (it == channels_.end()) return;
  Channel& ch = it->second;
  if (ch.link_up) {
    ch.link_up = false;
    net_.close(ch.net);
  }
  // What arrived before the close is read first.
  if (waiting(ch) > 0 || ch.drop_reported) return;
  ch.drop_reported = true;
  if (wants(cat::event::kChannelStatus)) {
    envelopes_.push_back(cat::channel_status_event(id, false, cat::kLinkDropped));
  }
}

void Terminal::flush_events() {
  while (!envelopes_.empty() && !deferred_ && !in_session_) {
    const Bytes env = envelopes_.front();
    auto e = cat::decode_event_download(env);
    std::string text = e ? cat::event_name(e->event) : "envelope";
    if (e) {
      if (const auto* s = cat::find(e->items, cat::tag::kChannelStatus); s && !s->value.empty()) {
        text += ", channel " + std::to_string(s->value[0] & 7);
      }
      if (const auto* l = cat::find(e->items, cat::tag::kChannelDataLength);
          l && !l->value.empty()) {
        text += ", " + std::to_string(l->value[0]) + " bytes";
      }
    }
    Bytes r = send("ENVELOPE", apdu(0xC2, env), text);
    const std::uint16_t sw = sw_of(r);
    if (sw == 0x9300) {
      ++stats_.busy;
      return;  // the toolkit is busy: again at the next poll
    }
    ++stats_.envelopes;
    envelopes_.pop_front();
    if ((sw >> 8) == 0x91 && !options_.fault_never_fetch) {
      fetch_loop(static_cast<std::uint8_t>(sw & 0xFF));
    }
  }
}

void Terminal::on_bearer_event(const BearerEvent& e) {
  if (deferred_ && e.channel == channels_[deferred_->channel].net) {
    if (e.kind == BearerEvent::Kind::kOpened) {
      opened(true, {});
    } else if (e.kind == BearerEvent::Kind::kFailed || e.kind == BearerEvent::Kind::kClosed) {
      opened(false, e.error.empty() ? "the connection failed" : e.error);
    }
    flush_events();
    return;
  }
  for (auto& [id, ch] : channels_) {
    if (ch.net != e.channel) continue;
    if (e.kind == BearerEvent::Kind::kData) {
      if (!ch.link_up) return;
      if (ch.kind == ChannelKind::kStream) {
        ch.rx.insert(ch.rx.end(), e.data.begin(), e.data.end());
      } else {
        ch.datagrams.push_back(e.data);
      }
      ch.received += e.data.size();
      announce(id);
      if (options_.fault_drop_after && ch.received >= *options_.fault_drop_after) drop_link(id);
    } else if (e.kind == BearerEvent::Kind::kClosed || e.kind == BearerEvent::Kind::kFailed) {
      ch.link_up = false;
      drop_link(id);
    }
    break;
  }
  if (!in_session_) flush_events();
}

}  // namespace euiccsim::terminal
