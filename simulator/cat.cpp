// TS 102 223 codings. Lengths follow TS 101 220 §7.1.2: one byte up to 127, '81' LL up to
// 255; a proactive command, a terminal response and an envelope never exceed 255 bytes of value
// here, so longer forms are refused rather than written.
#include "euiccsim/simulator/cat.hpp"

#include <cstdio>

namespace euiccsim::sim::cat {

namespace {

constexpr std::uint8_t kCr = 0x80;

// One length (TS 101 220 §7.1.2): 00..7F, or 81 80..FF. Advances `i`.
std::optional<std::size_t> read_length(ByteView in, std::size_t& i) {
  if (i >= in.size()) return std::nullopt;
  const std::uint8_t b = in[i++];
  if (b < 0x80) return b;
  if (b != 0x81 || i >= in.size()) return std::nullopt;
  const std::uint8_t n = in[i++];
  if (n < 0x80) return std::nullopt;  // the two-byte form starts at 128
  return n;
}

void append_length(Bytes& out, std::size_t n) {
  if (n > 255) throw std::length_error("a CAT length above 255");
  if (n >= 0x80) out.push_back(0x81);
  out.push_back(static_cast<std::uint8_t>(n));
}

Bytes u16(std::uint16_t v) {
  return Bytes{static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
}

std::string hex2(std::uint8_t v) {
  char b[3];
  std::snprintf(b, sizeof b, "%02X", v);
  return b;
}

std::optional<std::pair<std::uint8_t, std::uint8_t>> devices(const std::vector<Ctlv>& items,
                                                             std::size_t index) {
  if (items.size() <= index || items[index].tag != tag::kDeviceIdentities ||
      items[index].value.size() != 2) {
    return std::nullopt;
  }
  return std::make_pair(items[index].value[0], items[index].value[1]);
}

std::optional<CommandDetails> details_of(const Ctlv& c) {
  if (c.tag != tag::kCommandDetails || c.value.size() != 3) return std::nullopt;
  return CommandDetails{c.value[0], c.value[1], c.value[2]};
}

Bytes details_bytes(const CommandDetails& d) {
  return Bytes{d.number, d.type, d.qualifier};
}

}  // namespace

std::string command_name(std::uint8_t type) {
  switch (type) {
    case command::kRefresh:
      return "REFRESH";
    case 0x02:
      return "MORE TIME";
    case 0x03:
      return "POLL INTERVAL";
    case 0x04:
      return "POLLING OFF";
    case command::kSetUpEventList:
      return "SET UP EVENT LIST";
    case 0x26:
      return "PROVIDE LOCAL INFORMATION";
    case command::kOpenChannel:
      return "OPEN CHANNEL";
    case command::kCloseChannel:
      return "CLOSE CHANNEL";
    case command::kReceiveData:
      return "RECEIVE DATA";
    case command::kSendData:
      return "SEND DATA";
    case command::kGetChannelStatus:
      return "GET CHANNEL STATUS";
    default:
      return "command type " + hex2(type);
  }
}

std::string refresh_mode_name(std::uint8_t q) {
  switch (q) {
    case refresh::kNaaInitialisationAndFullFileChange:
      return "NAA Initialization and Full File Change Notification";
    case refresh::kFileChange:
      return "File Change Notification";
    case refresh::kNaaInitialisationAndFileChange:
      return "NAA Initialization and File Change Notification";
    case refresh::kNaaInitialisation:
      return "NAA Initialization";
    case refresh::kUiccReset:
      return "UICC Reset";
    case refresh::kNaaApplicationReset:
      return "NAA Application Reset";
    case refresh::kNaaSessionReset:
      return "NAA Session Reset";
    case refresh::kEuiccProfileStateChange:
      return "eUICC Profile State Change";
    default:
      return "mode " + hex2(q);
  }
}

std::string event_name(std::uint8_t e) {
  switch (e) {
    case event::kDataAvailable:
      return "data available";
    case event::kChannelStatus:
      return "channel status";
    default:
      return "event " + hex2(e);
  }
}

std::string result_text(std::uint8_t general, ByteView additional) {
  std::string s;
  switch (general) {
    case result::kOk:
      s = "performed successfully";
      break;
    case result::kPartialComprehension:
      s = "performed with partial comprehension";
      break;
    case result::kMissingInformation:
      s = "performed with missing information";
      break;
    case 0x03:
      s = "REFRESH performed with additional EFs read";
      break;
    case result::kPerformedWithModification:
      s = "performed with modification";
      break;
    case result::kTerminalUnable:
      s = "terminal currently unable to process command";
      break;
    case result::kNetworkUnable:
      s = "network currently unable to process command";
      break;
    case result::kBeyondTerminalCapability:
      s = "command beyond terminal's capabilities";
      break;
    case result::kTypeNotUnderstood:
      s = "command type not understood by terminal";
      break;
    case result::kDataNotUnderstood:
      s = "command data not understood by terminal";
      break;
    case result::kNumberNotKnown:
      s = "command number not known by terminal";
      break;
    case result::kRequiredValuesMissing:
      s = "error, required values are missing";
      break;
    case result::kBipError:
      s = "bearer independent protocol error";
      break;
    default:
      s = "result";
  }
  s += " (" + hex2(general);
  if (general == result::kBipError && !additional.empty()) {
    static const char* const kBip[] = {"no specific cause",
                                       "no channel available",
                                       "channel closed",
                                       "channel identifier not valid",
                                       "requested buffer size not available",
                                       "security error",
                                       "requested transport level not available",
                                       "remote device is not reachable",
                                       "service error",
                                       "service identifier unknown"};
    if (additional[0] < std::size(kBip)) {
      s += ", " + std::string(kBip[additional[0]]) + " " + hex2(additional[0]);
    } else {
      s += ", " + hex2(additional[0]);
    }
  } else if (!additional.empty()) {
    s += ", " + to_hex(additional);
  }
  return s + ")";
}

std::optional<std::vector<Ctlv>> read_ctlvs(ByteView in) {
  std::vector<Ctlv> out;
  std::size_t i = 0;
  while (i < in.size()) {
    Ctlv c;
    const std::uint8_t t = in[i++];
    if (t == 0x00 || t == 0xFF || t == 0x80) return std::nullopt;  // not tags (TS 101 220)
    if (t == 0x7F) {
      // Three-byte form: 7F, then CR in b8 of the next byte and a 15-bit tag.
      if (i + 2 > in.size()) return std::nullopt;
      c.cr = (in[i] & kCr) != 0;
      c.tag = 0;
      i += 2;
    } else {
      c.cr = (t & kCr) != 0;
      c.tag = t & 0x7F;
    }
    auto n = read_length(in, i);
    if (!n || *n > in.size() - i) return std::nullopt;
    c.value.assign(in.begin() + static_cast<std::ptrdiff_t>(i),
                   in.begin() + static_cast<std::ptrdiff_t>(i + *n));
    i += *n;
    out.push_back(std::move(c));
  }
  return out;
}

void append_ctlv(Bytes& out, std::uint8_t t, bool cr, ByteView value) {
  out.push_back(static_cast<std::uint8_t>((t & 0x7F) | (cr ? kCr : 0)));
  append_length(out, value.size());
  out.insert(out.end(), value.begin(), value.end());
}

const Ctlv* find(const std::vector<Ctlv>& items, std::uint8_t t) {
  for (const auto& c : items) {
    if (c.tag == t) return &c;
  }
  return nullptr;
}

std::optional<std::pair<std::uint8_t, ByteView>> read_template(ByteView in) {
  if (in.size() < 2) return std::nullopt;
  std::size_t i = 1;
  auto n = read_length(in, i);
  if (!n || *n != in.size() - i) return std::nullopt;
  return std::make_pair(in[0], in.subspan(i));
}

Bytes make_template(std::uint8_t t, ByteView value) {
  Bytes out{t};
  append_length(out, value.size());
  out.insert(out.end(), value.begin(), value.end());
  return out;
}

std::optional<ProactiveCommand> decode_proactive(ByteView in) {
  auto t = read_template(in);
  if (!t || t->first != kProactiveCommandTag) return std::nullopt;
  auto items = read_ctlvs(t->second);
  if (!items || items->size() < 2) return std::nullopt;
  auto d = details_of((*items)[0]);
  auto dev = devices(*items, 1);
  if (!d || !dev) return std::nullopt;
  ProactiveCommand c;
  c.details = *d;
  c.source = dev->first;
  c.destination = dev->second;
  c.items.assign(items->begin() + 2, items->end());
  return c;
}

Bytes encode_proactive(const CommandDetails& details, std::uint8_t destination,
                       const std::vector<Ctlv>& items) {
  Bytes body;
  append_ctlv(body, tag::kCommandDetails, true, details_bytes(details));
  append_ctlv(body, tag::kDeviceIdentities, true, Bytes{device::kUicc, destination});
  for (const auto& c : items) append_ctlv(body, c.tag, c.cr, c.value);
  return make_template(kProactiveCommandTag, body);
}

std::string describe(const ProactiveCommand& c) {
  std::string s = command_name(c.details.type) + " #" + std::to_string(c.details.number);
  const std::uint8_t q = c.details.qualifier;
  const bool to_channel = c.destination > 0x20 && c.destination <= 0x27;
  const std::string ch = to_channel ? "channel " + std::to_string(c.destination - 0x20) : "";
  switch (c.details.type) {
    case command::kRefresh:
      s += " " + refresh_mode_name(q) + " (" + hex2(q) + ")";
      break;
    case command::kSetUpEventList:
      if (const auto* e = find(c.items, tag::kEventList)) {
        s += ":";
        for (auto ev : e->value) s += " " + event_name(ev);
      }
      break;
    case command::kOpenChannel:
      if (auto o = decode_open_channel(c)) {
        s += o->transport == Transport::kTcpClientRemote ? " TCP " : " UDP ";
        if (o->address.size() == 4) {
          s += std::to_string(o->address[0]) + "." + std::to_string(o->address[1]) + "." +
               std::to_string(o->address[2]) + "." + std::to_string(o->address[3]);
        } else {
          s += "[" + to_hex(o->address) + "]";
        }
        s += ":" + std::to_string(o->port) + ", buffer " + std::to_string(o->buffer_size) +
             ", bearer " + hex2(o->bearer_type);
        if (!o->network_access_name.empty()) s += ", APN " + o->network_access_name;
      }
      break;
    case command::kSendData:
      if (const auto* d = find(c.items, tag::kChannelData)) {
        s += " " + ch + ", " + std::to_string(d->value.size()) + " bytes, " +
             ((q & 1) ? "send immediately" : "store");
      }
      break;
    case command::kReceiveData:
      if (const auto* l = find(c.items, tag::kChannelDataLength); l && l->value.size() == 1) {
        s += " " + ch + ", " + std::to_string(l->value[0]) + " bytes";
      }
      break;
    case command::kCloseChannel:
      s += " " + ch;
      break;
    default:
      s += " (qualifier " + hex2(q) + ")";
  }
  return s;
}

Bytes refresh_command(std::uint8_t number, std::uint8_t qualifier) {
  return encode_proactive({number, command::kRefresh, qualifier}, device::kTerminal, {});
}

Bytes set_up_event_list(std::uint8_t number, const Bytes& events) {
  return encode_proactive({number, command::kSetUpEventList, 0x00}, device::kTerminal,
                          {{tag::kEventList, true, events}});
}

Bytes encode_network_access_name(const std::string& dotted) {
  Bytes out;
  std::size_t start = 0;
  while (start <= dotted.size()) {
    std::size_t dot = dotted.find('.', start);
    if (dot == std::string::npos) dot = dotted.size();
    const std::size_t n = dot - start;
    if (n == 0 || n > 63) throw std::invalid_argument("a network access name label of 1 to 63");
    out.push_back(static_cast<std::uint8_t>(n));
    out.insert(out.end(), dotted.begin() + static_cast<std::ptrdiff_t>(start),
               dotted.begin() + static_cast<std::ptrdiff_t>(dot));
    start = dot + 1;
  }
  return out;
}

Bytes open_channel(std::uint8_t number, const OpenChannel& o) {
  if (o.address.size() != 4 && o.address.size() != 16) {
    throw std::invalid_argument("OPEN CHANNEL: an IPv4 or IPv6 address");
  }
  // TS 102 223 §6.6.27: bearer description and buffer size, the network access name for a
  // packet bearer, then the transport level and the data destination address (the second
  // Other address: a first one would be the local address).
  std::vector<Ctlv> items;
  Bytes bearer{o.bearer_type};
  bearer.insert(bearer.end(), o.bearer_parameters.begin(), o.bearer_parameters.end());
  items.push_back({tag::kBearerDescription, true, bearer});
  items.push_back({tag::kBufferSize, true, u16(o.buffer_size)});
  if (!o.network_access_name.empty()) {
    items.push_back(
        {tag::kNetworkAccessName, true, encode_network_access_name(o.network_access_name)});
  }
  Bytes level{static_cast<std::uint8_t>(o.transport)};
  auto port = u16(o.port);
  level.insert(level.end(), port.begin(), port.end());
  items.push_back({tag::kTransportLevel, true, level});
  Bytes address{static_cast<std::uint8_t>(o.address.size() == 4 ? 0x21 : 0x57)};
  address.insert(address.end(), o.address.begin(), o.address.end());
  items.push_back({tag::kOtherAddress, true, address});
  return encode_proactive({number, command::kOpenChannel, static_cast<std::uint8_t>(o.immediate)},
                          device::kTerminal, items);
}

std::optional<OpenChannel> decode_open_channel(const ProactiveCommand& c) {
  if (c.details.type != command::kOpenChannel) return std::nullopt;
  OpenChannel o;
  o.immediate = (c.details.qualifier & 1) != 0;
  bool have_bearer = false, have_buffer = false, have_level = false, have_address = false;
  for (const auto& item : c.items) {
    switch (item.tag) {
      case tag::kBearerDescription:
        if (item.value.empty()) return std::nullopt;
        o.bearer_type = item.value[0];
        o.bearer_parameters.assign(item.value.begin() + 1, item.value.end());
        have_bearer = true;
        break;
      case tag::kBufferSize:
        if (item.value.size() != 2) return std::nullopt;
        o.buffer_size = static_cast<std::uint16_t>((item.value[0] << 8) | item.value[1]);
        have_buffer = true;
        break;
      case tag::kNetworkAccessName: {
        std::string s;
        for (std::size_t i = 0; i < item.value.size();) {
          const std::size_t n = item.value[i++];
          if (n == 0 || i + n > item.value.size()) return std::nullopt;
          if (!s.empty()) s += '.';
          s.append(item.value.begin() + static_cast<std::ptrdiff_t>(i),
                   item.value.begin() + static_cast<std::ptrdiff_t>(i + n));
          i += n;
        }
        o.network_access_name = s;
        break;
      }
      case tag::kTransportLevel:
        if (item.value.size() != 3) return std::nullopt;
        o.transport = static_cast<Transport>(item.value[0]);
        o.port = static_cast<std::uint16_t>((item.value[1] << 8) | item.value[2]);
        have_level = true;
        break;
      case tag::kOtherAddress:
        // The one after the transport level is the destination; one before it the local
        // address, which this reading ignores.
        if (!have_level) break;
        if (item.value.size() == 5 && item.value[0] == 0x21) {
          o.address.assign(item.value.begin() + 1, item.value.end());
        } else if (item.value.size() == 17 && item.value[0] == 0x57) {
          o.address.assign(item.value.begin() + 1, item.value.end());
        } else {
          return std::nullopt;
        }
        have_address = true;
        break;
      default:
        break;
    }
  }
  if (!have_bearer || !have_buffer || !have_level || !have_address) return std::nullopt;
  return o;
}

Bytes send_data(std::uint8_t number, unsigned channel, ByteView data, bool immediately) {
  return encode_proactive({number, command::kSendData, static_cast<std::uint8_t>(immediately)},
                          device::channel(channel),
                          {{tag::kChannelData, true, Bytes(data.begin(), data.end())}});
}

Bytes receive_data(std::uint8_t number, unsigned channel, std::uint8_t length) {
  return encode_proactive({number, command::kReceiveData, 0x00}, device::channel(channel),
                          {{tag::kChannelDataLength, true, Bytes{length}}});
}

Bytes close_channel(std::uint8_t number, unsigned channel) {
  return encode_proactive({number, command::kCloseChannel, 0x00}, device::channel(channel), {});
}

Bytes get_channel_status(std::uint8_t number) {
  return encode_proactive({number, command::kGetChannelStatus, 0x00}, device::kTerminal, {});
}

std::optional<TerminalResponse> decode_terminal_response(ByteView in) {
  auto items = read_ctlvs(in);
  if (!items || items->size() < 3) return std::nullopt;
  auto d = details_of((*items)[0]);
  auto dev = devices(*items, 1);
  const Ctlv& r = (*items)[2];
  if (!d || !dev || r.tag != tag::kResult || r.value.empty()) return std::nullopt;
  TerminalResponse t;
  t.details = *d;
  t.source = dev->first;
  t.destination = dev->second;
  t.general = r.value[0];
  t.additional.assign(r.value.begin() + 1, r.value.end());
  t.items.assign(items->begin() + 3, items->end());
  return t;
}

Bytes encode_terminal_response(const CommandDetails& details, std::uint8_t general,
                               ByteView additional, const std::vector<Ctlv>& items) {
  Bytes out;
  append_ctlv(out, tag::kCommandDetails, true, details_bytes(details));
  append_ctlv(out, tag::kDeviceIdentities, true, Bytes{device::kTerminal, device::kUicc});
  Bytes r{general};
  r.insert(r.end(), additional.begin(), additional.end());
  append_ctlv(out, tag::kResult, true, r);
  for (const auto& c : items) append_ctlv(out, c.tag, c.cr, c.value);
  return out;
}

std::optional<EventDownload> decode_event_download(ByteView in) {
  auto t = read_template(in);
  if (!t || t->first != kEventDownloadTag) return std::nullopt;
  auto items = read_ctlvs(t->second);
  if (!items || items->size() < 2) return std::nullopt;
  const Ctlv& list = (*items)[0];
  auto dev = devices(*items, 1);
  // One event per envelope (TS 102 223 §7.5: "the event list shall contain only one event").
  if (list.tag != tag::kEventList || list.value.size() != 1 || !dev) return std::nullopt;
  EventDownload e;
  e.event = list.value[0];
  e.source = dev->first;
  e.destination = dev->second;
  e.items.assign(items->begin() + 2, items->end());
  return e;
}

Bytes data_available(unsigned channel, std::size_t waiting) {
  Bytes body;
  append_ctlv(body, tag::kEventList, true, Bytes{event::kDataAvailable});
  append_ctlv(body, tag::kDeviceIdentities, true, Bytes{device::kTerminal, device::kUicc});
  append_ctlv(body, tag::kChannelStatus, true,
              Bytes{static_cast<std::uint8_t>(0x80 | (channel & 7)), 0x00});
  append_ctlv(body, tag::kChannelDataLength, true,
              Bytes{static_cast<std::uint8_t>(waiting >= 255 ? 0xFF : waiting)});
  return make_template(kEventDownloadTag, body);
}

Bytes channel_status_event(unsigned channel, bool link_up, std::uint8_t further) {
  Bytes body;
  append_ctlv(body, tag::kEventList, true, Bytes{event::kChannelStatus});
  append_ctlv(body, tag::kDeviceIdentities, true, Bytes{device::kTerminal, device::kUicc});
  append_ctlv(body, tag::kChannelStatus, true,
              Bytes{static_cast<std::uint8_t>((link_up ? 0x80 : 0x00) | (channel & 7)), further});
  return make_template(kEventDownloadTag, body);
}

Bytes default_terminal_profile() {
  Bytes p(34, 0x00);
  auto set = [&p](ProfileBit b) { p[b.byte - 1] |= b.mask; };
  set(profile::kProfileDownload);
  set(profile::kRefresh);
  set(profile::kSetUpEventList);
  set(profile::kDataAvailable);
  set(profile::kChannelStatus);
  set(profile::kOpenChannel);
  set(profile::kCloseChannel);
  set(profile::kReceiveData);
  set(profile::kSendData);
  set(profile::kGetChannelStatus);
  set(profile::kGprs);
  p[12] |= 7u << 5;  // seven channels
  set(profile::kTcpClientRemote);
  set(profile::kUdpClientRemote);
  set(profile::kProfileStateChangeRefresh);
  return p;
}

}  // namespace euiccsim::sim::cat
