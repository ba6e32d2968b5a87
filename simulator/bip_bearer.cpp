// BIP for the IPAe. The order of things for one channel:
//  open():  the host must be an IP literal; a terminal must be present with OPEN CHANNEL,
//           CLOSE CHANNEL, SEND DATA, RECEIVE DATA, SET UP EVENT LIST, the data available and
//           channel status events, and the transport (TCP or UDP client, remote) in its
//           TERMINAL PROFILE; else kFailed at once. Once per terminal session SET UP EVENT LIST
//           {data available, channel status} goes first, then OPEN CHANNEL. Its TERMINAL
//           RESPONSE, performed ('0X'/'1X') with a channel status naming a channel with its link
//           up: kOpened, and the granted buffer size is kept; anything else: kFailed naming the
//           result.
//  send():  bytes wait here; SEND DATA carries at most what fits a FETCH and the free space the
//           terminal reported, "store" while more follows that fits, "send immediately" for the
//           last piece or when the buffer is full. A datagram is one buffer: its last piece is
//           the immediate one. A failed SEND DATA closes the channel (kClosed).
//  data available: RECEIVE DATA for what the terminal announced, again while its response
//           says more waits; a stream's bytes are delivered as they come, a datagram once whole.
//  channel status, link dropped: kClosed once what was announced has been read; CLOSE CHANNEL
//           releases the terminal's channel.
//  close(): queued commands of the channel are withdrawn, CLOSE CHANNEL sent if it was opened;
//           no event follows.
//  The terminal session ends (reset, power off): every channel is lost (kClosed, or kFailed
//           while opening).
#include "euiccsim/simulator/bip_bearer.hpp"

#include <arpa/inet.h>

#include <algorithm>

namespace euiccsim::sim {

using applets::ipae::BearerEvent;
using applets::ipae::ChannelId;
using applets::ipae::ChannelKind;

struct BipBearer::Channel {
  ChannelId id = 0;
  ChannelKind kind = ChannelKind::kStream;
  enum class State : std::uint8_t { kOpening, kOpen } state = State::kOpening;
  std::uint8_t open_number = 0;   // OPEN CHANNEL's command number
  bool closing = false;           // the IPAe closed it while OPEN CHANNEL was under way
  unsigned bip = 0;               // the terminal's channel identifier, 1..7
  std::size_t buffer = 0;         // granted
  std::size_t tx_free = 0;        // free room in the terminal's Tx buffer, as we know it
  Bytes out;                      // stream bytes not yet in a SEND DATA
  std::deque<Bytes> datagrams;    // datagrams not yet sent whole
  std::size_t datagram_sent = 0;  // bytes of the front datagram already in SEND DATAs
  bool sending = false;           // a SEND DATA is queued or awaits its response
  bool receiving = false;         // a RECEIVE DATA is queued or awaits its response
  Bytes rx;                       // a datagram being read
  bool link_dropped = false;      // reported while reading: kClosed when the reading ends
};

namespace {
bool command_for(const Bytes& command, unsigned bip) {
  auto c = cat::decode_proactive(command);
  return c && c->destination == cat::device::channel(bip);
}
}  // namespace

BipBearer::BipBearer(Card& card, applets::ipae::BearerEvents& sink, std::function<void()> wake,
                     BipOptions options)
    : card_(card), sink_(sink), wake_(std::move(wake)), options_(std::move(options)) {
  auto lock = card_.lock();
  auto& tk = card_.toolkit();
  owner_ = tk.new_owner();
  tk.on_event(owner_, [this](const cat::EventDownload& e) { on_event(e); });
  tk.on_session(owner_, [this](bool started) {
    event_list_set_ = false;
    if (started) return;
    // The terminal's reset took its channels along.
    std::vector<ChannelId> ids;
    for (auto& [id, c] : channels_) ids.push_back(id);
    for (auto id : ids) {
      auto it = channels_.find(id);
      if (it == channels_.end()) continue;
      const bool opening = it->second->state == Channel::State::kOpening;
      const bool silent = it->second->closing;
      channels_.erase(it);
      if (silent) continue;
      emit({opening ? BearerEvent::Kind::kFailed : BearerEvent::Kind::kClosed,
            id,
            {},
            "the terminal session ended (card reset)"});
    }
  });
}

BipBearer::~BipBearer() {
  auto lock = card_.lock();
  // Channels still open are the terminal's to close: a card cannot reach it from here.
  card_.toolkit().release(owner_);
}

void BipBearer::emit(BearerEvent e) {
  events_.push_back(std::move(e));
  if (wake_) wake_();
}

std::size_t BipBearer::pump() {
  std::deque<BearerEvent> batch;
  {
    auto lock = card_.lock();
    batch.swap(events_);
    closed_.clear();
  }
  std::size_t n = 0;
  for (auto& e : batch) {
    {
      auto lock = card_.lock();
      if (closed_.count(e.channel)) continue;  // closed by the IPAe meanwhile
    }
    sink_.on_bearer_event(e);
    ++n;
  }
  return n;
}

std::size_t BipBearer::channels() const {
  auto lock = card_.lock();
  return channels_.size();
}

BipBearer::Channel* BipBearer::by_bip(unsigned bip) {
  for (auto& [id, c] : channels_) {
    if (c->state == Channel::State::kOpen && c->bip == bip) return c.get();
  }
  return nullptr;
}

std::string BipBearer::missing_capability(ChannelKind kind) const {
  const auto& tk = card_.toolkit();
  if (!tk.terminal_present()) return "no terminal has sent a TERMINAL PROFILE (BIP needs one)";
  struct Need {
    cat::ProfileBit bit;
    const char* what;
  };
  const Need needs[] = {
      {cat::profile::kOpenChannel, "OPEN CHANNEL"},
      {cat::profile::kCloseChannel, "CLOSE CHANNEL"},
      {cat::profile::kSendData, "SEND DATA"},
      {cat::profile::kReceiveData, "RECEIVE DATA"},
      {cat::profile::kSetUpEventList, "SET UP EVENT LIST"},
      {cat::profile::kDataAvailable, "the data available event"},
      {cat::profile::kChannelStatus, "the channel status event"},
      {kind == ChannelKind::kStream ? cat::profile::kTcpClientRemote
                                    : cat::profile::kUdpClientRemote,
       kind == ChannelKind::kStream ? "TCP client (remote)" : "UDP client (remote)"},
  };
  for (const auto& n : needs) {
    if (!tk.supports(n.bit)) return std::string("the terminal's profile lacks ") + n.what;
  }
  return {};
}

void BipBearer::fail_open(ChannelId id, const std::string& why) {
  emit({BearerEvent::Kind::kFailed, id, {}, why});
}

void BipBearer::ensure_event_list() {
  if (event_list_set_) return;
  event_list_set_ = true;
  // Without it a terminal sends no event download (TS 102 223 §6.4.16).
  card_.toolkit().submit(
      owner_,
      [](std::uint8_t n) {
        return cat::set_up_event_list(
            n, Bytes{cat::event::kDataAvailable, cat::event::kChannelStatus});
      },
      [this](const cat::TerminalResponse& r) {
        if (!cat::result::performed(r.general)) event_list_set_ = false;
      });
}

ChannelId BipBearer::open(ChannelKind kind, const std::string& host, std::uint16_t port) {
  auto lock = card_.lock();
  const ChannelId id = ++next_id_;
  Bytes address;
  std::uint8_t buf[16];
  if (::inet_pton(AF_INET, host.c_str(), buf) == 1) {
    address.assign(buf, buf + 4);
  } else if (::inet_pton(AF_INET6, host.c_str(), buf) == 1) {
    address.assign(buf, buf + 16);
  } else {
    fail_open(id, "'" + host +
                      "' is not an IP address: OPEN CHANNEL carries an address, so the "
                      "eIM's address must be an IP literal over BIP");
    return id;
  }
  if (auto why = missing_capability(kind); !why.empty()) {
    fail_open(id, why);
    return id;
  }
  auto c = std::make_unique<Channel>();
  c->id = id;
  c->kind = kind;
  cat::OpenChannel o;
  o.transport = kind == ChannelKind::kStream ? cat::Transport::kTcpClientRemote
                                             : cat::Transport::kUdpClientRemote;
  o.address = address;
  o.port = port;
  o.buffer_size = options_.buffer_size;
  o.bearer_type = options_.bearer_type;
  o.bearer_parameters = options_.bearer_parameters;
  o.network_access_name = options_.network_access_name;
  ensure_event_list();
  Channel* raw = c.get();
  channels_[id] = std::move(c);
  card_.toolkit().submit(
      owner_,
      [o, raw](std::uint8_t n) {
        raw->open_number = n;
        return cat::open_channel(n, o);
      },
      [this, id](const cat::TerminalResponse& r) {
        auto it = channels_.find(id);
        if (it == channels_.end()) {
          // Closed and forgotten meanwhile: release what the terminal may have opened.
          if (cat::result::performed(r.general)) {
            if (const auto* s = cat::find(r.items, cat::tag::kChannelStatus);
                s && !s->value.empty()) {
              release_terminal_channel(s->value[0] & 7);
            }
          }
          return;
        }
        on_opened(*it->second, r);
      });
  return id;
}

void BipBearer::on_opened(Channel& c, const cat::TerminalResponse& r) {
  const ChannelId id = c.id;
  const auto* status = cat::find(r.items, cat::tag::kChannelStatus);
  const auto* buffer = cat::find(r.items, cat::tag::kBufferSize);
  const bool performed = cat::result::performed(r.general);
  const unsigned bip = status && status->value.size() == 2 ? status->value[0] & 7 : 0;
  const bool up = status && status->value.size() == 2 && (status->value[0] & 0x80) != 0;
  if (performed && c.closing) {
    if (bip != 0) release_terminal_channel(bip);
    channels_.erase(id);
    return;
  }
  if (!performed || bip == 0 || !up || !buffer || buffer->value.size() != 2) {
    const std::string why =
        performed ? "OPEN CHANNEL: the terminal's answer lacks a channel with its link up or "
                    "the buffer size"
                  : "OPEN CHANNEL: " + cat::result_text(r.general, r.additional);
    const bool silent = c.closing;
    channels_.erase(id);
    if (performed && bip != 0) release_terminal_channel(bip);
    if (!silent) fail_open(id, why);
    return;
  }
  c.state = Channel::State::kOpen;
  c.bip = bip;
  c.buffer = static_cast<std::size_t>((buffer->value[0] << 8) | buffer->value[1]);
  c.tx_free = c.buffer;
  emit({BearerEvent::Kind::kOpened, id, {}, {}});
  pump_tx(c);
}

void BipBearer::send(ChannelId id, ByteView data) {
  auto lock = card_.lock();
  auto it = channels_.find(id);
  if (it == channels_.end() || data.empty()) return;
  Channel& c = *it->second;
  if (c.kind == ChannelKind::kStream) {
    c.out.insert(c.out.end(), data.begin(), data.end());
  } else {
    c.datagrams.emplace_back(data.begin(), data.end());
  }
  pump_tx(c);
}

void BipBearer::pump_tx(Channel& c) {
  if (c.state != Channel::State::kOpen || c.sending || c.link_dropped) return;
  Bytes piece;
  bool immediately = false;
  if (c.kind == ChannelKind::kStream) {
    if (c.out.empty()) return;
    if (c.tx_free == 0) c.tx_free = c.buffer;  // the last piece was sent immediately
    const std::size_t n = std::min({c.out.size(), cat::kMaxSendDataPiece, c.tx_free});
    piece.assign(c.out.begin(), c.out.begin() + static_cast<std::ptrdiff_t>(n));
    immediately = n == c.out.size() || n == c.tx_free;
  } else {
    if (c.datagrams.empty()) return;
    const Bytes& d = c.datagrams.front();
    if (d.size() > c.buffer) {
      lost(c, "a datagram of " + std::to_string(d.size()) + " bytes exceeds the terminal's " +
                  std::to_string(c.buffer) + "-byte buffer");
      return;
    }
    const std::size_t n = std::min(d.size() - c.datagram_sent, cat::kMaxSendDataPiece);
    piece.assign(d.begin() + static_cast<std::ptrdiff_t>(c.datagram_sent),
                 d.begin() + static_cast<std::ptrdiff_t>(c.datagram_sent + n));
    immediately = c.datagram_sent + n == d.size();
  }
  c.sending = true;
  const ChannelId id = c.id;
  const unsigned bip = c.bip;
  const std::size_t size = piece.size();
  card_.toolkit().submit(
      owner_,
      [bip, piece, immediately](std::uint8_t n) {
        return cat::send_data(n, bip, piece, immediately);
      },
      [this, id, size, immediately](const cat::TerminalResponse& r) {
        auto it = channels_.find(id);
        if (it == channels_.end()) return;
        Channel& c = *it->second;
        c.sending = false;
        if (!cat::result::performed(r.general)) {
          lost(c, "SEND DATA: " + cat::result_text(r.general, r.additional));
          return;
        }
        if (c.kind == ChannelKind::kStream) {
          c.out.erase(c.out.begin(), c.out.begin() + static_cast<std::ptrdiff_t>(size));
        } else {
          c.datagram_sent += size;
          if (immediately) {
            c.datagrams.pop_front();
            c.datagram_sent = 0;
          }
        }
        // The free room: after "send immediately" the buffer is empty again; the terminal's
        // Channel data length says how much is free, 'FF' meaning 255 or more.
        c.tx_free = immediately ? c.buffer : c.tx_free - std::min(c.tx_free, size);
        if (const auto* l = cat::find(r.items, cat::tag::kChannelDataLength);
            l && l->value.size() == 1 && l->value[0] != 0xFF) {
          c.tx_free = std::min<std::size_t>(c.tx_free, l->value[0]);
        }
        pump_tx(c);
      });
}

void BipBearer::read_more(Channel& c, std::size_t announced) {
  if (c.receiving || announced == 0) return;
  c.receiving = true;
  const ChannelId id = c.id;
  const unsigned bip = c.bip;
  const auto want =
      static_cast<std::uint8_t>(std::min<std::size_t>(announced, cat::kMaxReceiveDataPiece));
  card_.toolkit().submit(
      owner_, [bip, want](std::uint8_t n) { return cat::receive_data(n, bip, want); },
      [this, id](const cat::TerminalResponse& r) {
        auto it = channels_.find(id);
        if (it == channels_.end()) return;
        Channel& c = *it->second;
        c.receiving = false;
        if (!cat::result::performed(r.general)) {
          lost(c, "RECEIVE DATA: " + cat::result_text(r.general, r.additional));
          return;
        }
        const auto* data = cat::find(r.items, cat::tag::kChannelData);
        const auto* left = cat::find(r.items, cat::tag::kChannelDataLength);
        const std::size_t remaining = left && left->value.size() == 1 ? left->value[0] : 0;
        if (data && !data->value.empty()) {
          if (c.kind == ChannelKind::kStream) {
            emit({BearerEvent::Kind::kData, id, data->value, {}});
          } else {
            c.rx.insert(c.rx.end(), data->value.begin(), data->value.end());
          }
        }
        if (remaining > 0) {
          read_more(c, remaining);
          return;
        }
        if (c.kind == ChannelKind::kDatagram && !c.rx.empty()) {
          emit({BearerEvent::Kind::kData, id, std::move(c.rx), {}});
          c.rx.clear();
        }
        if (c.link_dropped) lost(c, "");
      });
}

void BipBearer::on_event(const cat::EventDownload& e) {
  const auto* status = cat::find(e.items, cat::tag::kChannelStatus);
  if (!status || status->value.size() != 2) return;
  Channel* c = by_bip(status->value[0] & 7);
  if (!c) return;
  if (e.event == cat::event::kDataAvailable) {
    const auto* len = cat::find(e.items, cat::tag::kChannelDataLength);
    read_more(*c, len && len->value.size() == 1 ? len->value[0] : 0);
  } else if (e.event == cat::event::kChannelStatus && (status->value[0] & 0x80) == 0) {
    c->link_dropped = true;
    if (!c->receiving) lost(*c, "");
  }
}

void BipBearer::lost(Channel& c, const std::string& why) {
  const ChannelId id = c.id;
  const unsigned bip = c.bip;
  channels_.erase(id);
  card_.toolkit().cancel(owner_, [bip](const Bytes& cmd) { return command_for(cmd, bip); });
  release_terminal_channel(bip);
  emit({BearerEvent::Kind::kClosed, id, {}, why});
}

void BipBearer::release_terminal_channel(unsigned bip) {
  card_.toolkit().submit(
      owner_, [bip](std::uint8_t n) { return cat::close_channel(n, bip); },
      [](const cat::TerminalResponse&) {});
}

void BipBearer::close(ChannelId id) {
  auto lock = card_.lock();
  closed_.insert(id);
  std::erase_if(events_, [id](const BearerEvent& e) { return e.channel == id; });
  auto it = channels_.find(id);
  if (it == channels_.end()) return;
  Channel& c = *it->second;
  if (c.state == Channel::State::kOpening) {
    const std::uint8_t number = c.open_number;
    bool withdrawn = false;
    card_.toolkit().cancel(owner_, [&](const Bytes& cmd) {
      auto p = cat::decode_proactive(cmd);
      const bool mine =
          p && p->details.type == cat::command::kOpenChannel && p->details.number == number;
      withdrawn = withdrawn || mine;
      return mine;
    });
    if (withdrawn) {
      channels_.erase(it);
    } else {
      c.closing = true;  // its TERMINAL RESPONSE will tell which channel to release
    }
    return;
  }
  const unsigned bip = c.bip;
  channels_.erase(it);
  card_.toolkit().cancel(owner_, [bip](const Bytes& cmd) { return command_for(cmd, bip); });
  release_terminal_channel(bip);
}

}  // namespace euiccsim::sim
