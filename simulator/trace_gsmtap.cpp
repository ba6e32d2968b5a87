#include "euiccsim/simulator/trace_gsmtap.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <iterator>
#include <stdexcept>

#include "euiccsim/applets/apdu.hpp"

namespace euiccsim::sim {

namespace {

void put16(Bytes& b, std::uint16_t v) {
  b.push_back(static_cast<std::uint8_t>(v >> 8));
  b.push_back(static_cast<std::uint8_t>(v));
}
void put32(Bytes& b, std::uint32_t v) {
  put16(b, static_cast<std::uint16_t>(v >> 16));
  put16(b, static_cast<std::uint16_t>(v));
}
// pcapng is written in the host's order, which the section header's magic announces; ours is
// always little-endian so files are the same on every machine.
void le16(Bytes& b, std::uint16_t v) {
  b.push_back(static_cast<std::uint8_t>(v));
  b.push_back(static_cast<std::uint8_t>(v >> 8));
}
void le32(Bytes& b, std::uint32_t v) {
  le16(b, static_cast<std::uint16_t>(v));
  le16(b, static_cast<std::uint16_t>(v >> 16));
}

// Instructions whose command carries data (cases 3 and 4) in ISO/IEC 7816-4, ETSI TS 102 221
// and GlobalPlatform: these decide how a combined GSMTAP payload splits.
bool carries_data(std::uint8_t cla, std::uint8_t ins, std::uint8_t p1) {
  switch (ins) {
    case 0x10:  // TERMINAL PROFILE
    case 0x14:  // TERMINAL RESPONSE
    case 0x20:  // VERIFY
    case 0x24:  // CHANGE REFERENCE DATA
    case 0x26:  // DISABLE VERIFICATION
    case 0x28:  // ENABLE VERIFICATION
    case 0x2C:  // RESET RETRY COUNTER
    case 0x32:  // INCREASE
    case 0x50:  // INITIALIZE UPDATE
    case 0x73:  // MANAGE SECURE CHANNEL
    case 0x75:  // TRANSACT DATA
    case 0x76:  // SUSPEND UICC
    case 0x82:  // EXTERNAL AUTHENTICATE
    case 0x88:  // AUTHENTICATE
    case 0x89:
    case 0xA2:  // SEARCH RECORD
    case 0xA4:  // SELECT
    case 0xAA:  // TERMINAL CAPABILITY
    case 0xC2:  // ENVELOPE
    case 0xCB:  // GET DATA (odd: data field)
    case 0xD6:  // UPDATE BINARY
    case 0xDC:  // UPDATE RECORD
    case 0xE2:  // STORE DATA
    case 0xE4:  // DELETE
    case 0xE6:  // INSTALL
    case 0xE8:  // LOAD
    case 0xF0:  // SET STATUS
      return true;
    case 0xF2:
      // GlobalPlatform GET STATUS (P1 80/40/20/10, a search criterion follows) against
      // ETSI STATUS (P1 00..02, no data).
      return (cla & 0x80) && (p1 & 0xF0) != 0;
    default:
      return false;
  }
}

std::uint16_t ip_checksum(ByteView header) {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i + 1 < header.size(); i += 2)
    sum += static_cast<std::uint32_t>((header[i] << 8) | header[i + 1]);
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

// Ethernet / IPv4 / UDP around one GSMTAP datagram, loopback to loopback.
Bytes ethernet_frame(ByteView udp_payload, std::uint16_t ip_id) {
  Bytes f;
  f.insert(f.end(), 12, 0x00);  // destination and source MAC: unknown, as a loopback capture
  put16(f, 0x0800);             // IPv4
  Bytes ip;
  ip.push_back(0x45);
  ip.push_back(0x00);
  put16(ip, static_cast<std::uint16_t>(20 + 8 + udp_payload.size()));
  put16(ip, ip_id);
  put16(ip, 0x4000);  // don't fragment
  ip.push_back(64);
  ip.push_back(17);  // UDP
  put16(ip, 0);
  put32(ip, 0x7F000001);
  put32(ip, 0x7F000001);
  const std::uint16_t sum = ip_checksum(ip);
  ip[10] = static_cast<std::uint8_t>(sum >> 8);
  ip[11] = static_cast<std::uint8_t>(sum);
  f.insert(f.end(), ip.begin(), ip.end());
  // A fixed ephemeral source port, so two runs give the same bytes; UDP checksum 0 (none,
  // allowed over IPv4).
  put16(f, 49152);
  put16(f, kGsmtapPort);
  put16(f, static_cast<std::uint16_t>(8 + udp_payload.size()));
  put16(f, 0);
  f.insert(f.end(), udp_payload.begin(), udp_payload.end());
  return f;
}

std::uint64_t micros(std::chrono::system_clock::time_point t) {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count());
}

}  // namespace

Bytes gsmtap_frame(std::uint8_t sub_type, ByteView payload) {
  Bytes b(16, 0x00);
  b[0] = 0x02;  // GSMTAP_VERSION
  b[1] = 0x04;  // header length in 32-bit words
  b[2] = kGsmtapTypeSim;
  b[12] = sub_type;
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

Bytes gsmtap_apdu_payload(ByteView command, ByteView response) {
  Bytes p;
  auto parsed = apdu::parse(command);
  if (!parsed.command || parsed.command->extended) {
    p.assign(command.begin(), command.end());  // not expressible as T=0: as it was sent
  } else {
    const auto& c = *parsed.command;
    p = {c.cla, c.ins, c.p1, c.p2};
    if (c.has_data()) {
      p.push_back(static_cast<std::uint8_t>(c.data.size()));
      p.insert(p.end(), c.data.begin(), c.data.end());
    } else {
      p.push_back(c.ne ? static_cast<std::uint8_t>(*c.ne & 0xFF) : 0x00);
    }
  }
  p.insert(p.end(), response.begin(), response.end());
  return p;
}

std::vector<Bytes> gsmtap_datagrams(const TraceEvent& e, const GsmtapOptions& o) {
  switch (e.kind) {
    case TraceEvent::Kind::kApdu:
      return {gsmtap_frame(kGsmtapSimApdu, gsmtap_apdu_payload(e.command, e.response))};
    case TraceEvent::Kind::kPowerOn:
    case TraceEvent::Kind::kReset:
      if (o.apdu_only || e.response.empty()) return {};
      return {gsmtap_frame(kGsmtapSimAtr, e.response)};
    default:
      return {};
  }
}

GsmtapUdpSink::GsmtapUdpSink(const std::string& host, std::uint16_t port, GsmtapOptions o)
    : options_(o) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* res = nullptr;
  const std::string service = std::to_string(port);
  if (int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &res); rc != 0)
    throw std::runtime_error("gsmtap: " + host + ": " + ::gai_strerror(rc));
  for (auto* a = res; a; a = a->ai_next) {
    int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    // connect() on UDP only fixes the destination; the kernel picks an ephemeral source.
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
      fd_ = fd;
      break;
    }
    ::close(fd);
  }
  ::freeaddrinfo(res);
  if (fd_ < 0) throw std::runtime_error("gsmtap: cannot send to " + host + ":" + service);
}

GsmtapUdpSink::~GsmtapUdpSink() {
  if (fd_ >= 0) ::close(fd_);
}

void GsmtapUdpSink::write(const TraceEvent& e) {
  for (const auto& d : gsmtap_datagrams(e, options_)) {
    // Nobody listening is not an error for a tracer (ECONNREFUSED from an earlier datagram).
    [[maybe_unused]] auto n = ::send(fd_, d.data(), d.size(), MSG_NOSIGNAL);
  }
}

PcapngSink::PcapngSink(const std::filesystem::path& path, GsmtapOptions o)
    : out_(path, std::ios::binary | std::ios::trunc), options_(o) {
  if (!out_) throw std::runtime_error("cannot write trace file " + path.string());
  // Section header: byte-order magic, version 1.0, section length unknown.
  Bytes shb;
  le32(shb, 0x1A2B3C4D);
  le16(shb, 1);
  le16(shb, 0);
  le32(shb, 0xFFFFFFFF);
  le32(shb, 0xFFFFFFFF);
  write_block(0x0A0D0D0A, shb);
  // Interface description: Ethernet (LINKTYPE 1), no snapshot limit, default microseconds.
  Bytes idb;
  le16(idb, 1);
  le16(idb, 0);
  le32(idb, 0);
  write_block(0x00000001, idb);
}

void PcapngSink::write_block(std::uint32_t type, const Bytes& body) {
  Bytes b;
  const std::uint32_t padded = static_cast<std::uint32_t>((body.size() + 3) & ~std::size_t{3});
  const std::uint32_t total = 12 + padded;
  le32(b, type);
  le32(b, total);
  b.insert(b.end(), body.begin(), body.end());
  b.insert(b.end(), padded - body.size(), 0x00);
  le32(b, total);
  out_.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

void PcapngSink::write(const TraceEvent& e) {
  for (const auto& d : gsmtap_datagrams(e, options_)) {
    const Bytes frame = ethernet_frame(d, ip_id_++);
    const std::uint64_t t = micros(e.when);
    Bytes epb;
    le32(epb, 0);  // interface 0
    le32(epb, static_cast<std::uint32_t>(t >> 32));
    le32(epb, static_cast<std::uint32_t>(t));
    le32(epb, static_cast<std::uint32_t>(frame.size()));
    le32(epb, static_cast<std::uint32_t>(frame.size()));
    epb.insert(epb.end(), frame.begin(), frame.end());
    epb.insert(epb.end(), ((frame.size() + 3) & ~std::size_t{3}) - frame.size(), 0x00);
    // write_block pads again; the body is already aligned.
    write_block(0x00000006, epb);
  }
  out_.flush();
}

// ---- reading ----

void split_gsmtap_apdu(ByteView p, Bytes& command, Bytes& response) {
  command.clear();
  response.clear();
  if (p.size() <= 5) {
    command.assign(p.begin(), p.end());
    return;
  }
  const std::size_t p3 = p[4];
  const std::size_t rest = p.size() - 5;
  std::size_t cmd_len = 5;
  if (carries_data(p[0], p[1], p[2]) && rest >= p3) cmd_len = 5 + p3;
  command.assign(p.begin(), p.begin() + static_cast<std::ptrdiff_t>(cmd_len));
  response.assign(p.begin() + static_cast<std::ptrdiff_t>(cmd_len), p.end());
}

bool is_capture(ByteView f) {
  if (f.size() < 4) return false;
  const std::uint32_t be = (std::uint32_t{f[0]} << 24) | (f[1] << 16) | (f[2] << 8) | f[3];
  return be == 0x0A0D0D0A || be == 0xA1B2C3D4 || be == 0xD4C3B2A1 || be == 0xA1B23C4D ||
         be == 0x4D3CB2A1;
}

namespace {

class Cursor {
 public:
  Cursor(ByteView d, bool little) : d_(d), little_(little) {}
  std::uint32_t u32(std::size_t at) const {
    need(at, 4);
    return little_ ? (std::uint32_t{d_[at]} | (d_[at + 1] << 8) | (d_[at + 2] << 16) |
                      (std::uint32_t{d_[at + 3]} << 24))
                   : ((std::uint32_t{d_[at]} << 24) | (d_[at + 1] << 16) | (d_[at + 2] << 8) |
                      d_[at + 3]);
  }
  std::uint16_t u16(std::size_t at) const {
    need(at, 2);
    return static_cast<std::uint16_t>(little_ ? (d_[at] | (d_[at + 1] << 8))
                                              : ((d_[at] << 8) | d_[at + 1]));
  }
  void need(std::size_t at, std::size_t n) const {
    if (at > d_.size() || n > d_.size() - at) throw std::runtime_error("truncated capture");
  }
  void set_little(bool l) { little_ = l; }

 private:
  ByteView d_;
  bool little_;
};

std::uint16_t be16(ByteView d, std::size_t at) {
  return static_cast<std::uint16_t>((d[at] << 8) | d[at + 1]);
}

// The UDP payload of a frame to or from port 4729, if that is what it is.
std::optional<ByteView> gsmtap_payload(std::uint32_t linktype, ByteView frame) {
  std::size_t at = 0;
  std::uint16_t ethertype = 0;
  switch (linktype) {
    case 1:  // Ethernet, with any number of VLAN tags
      if (frame.size() < 14) return std::nullopt;
      at = 12;
      ethertype = be16(frame, at);
      at += 2;
      while ((ethertype == 0x8100 || ethertype == 0x88A8) && frame.size() >= at + 4) {
        ethertype = be16(frame, at + 2);
        at += 4;
      }
      break;
    case 0:  // BSD loopback: a 4-byte address family in host order
      if (frame.size() < 4) return std::nullopt;
      at = 4;
      ethertype = 0x0800;
      break;
    case 101:  // raw IP
    case 228:  // IPv4
      ethertype = (!frame.empty() && (frame[0] >> 4) == 6) ? 0x86DD : 0x0800;
      break;
    case 113:  // Linux cooked v1
      if (frame.size() < 16) return std::nullopt;
      ethertype = be16(frame, 14);
      at = 16;
      break;
    case 276:  // Linux cooked v2
      if (frame.size() < 20) return std::nullopt;
      ethertype = be16(frame, 0);
      at = 20;
      break;
    default:
      return std::nullopt;
  }
  std::size_t udp = 0;
  if (ethertype == 0x0800) {
    if (frame.size() < at + 20 || (frame[at] >> 4) != 4) return std::nullopt;
    const std::size_t ihl = std::size_t{frame[at] & 0x0Fu} * 4;
    if (frame[at + 9] != 17 || frame.size() < at + ihl + 8) return std::nullopt;
    udp = at + ihl;
  } else if (ethertype == 0x86DD) {
    if (frame.size() < at + 40 + 8 || frame[at + 6] != 17) return std::nullopt;
    udp = at + 40;
  } else {
    return std::nullopt;
  }
  const std::uint16_t sport = be16(frame, udp), dport = be16(frame, udp + 2);
  if (sport != kGsmtapPort && dport != kGsmtapPort) return std::nullopt;
  const std::size_t len = be16(frame, udp + 4);
  if (len < 8 || frame.size() < udp + len) return std::nullopt;
  return frame.subspan(udp + 8, len - 8);
}

void take_frame(std::vector<CapturedApdu>& out, std::uint32_t linktype, ByteView frame,
                std::uint64_t time_us, std::size_t number) {
  auto g = gsmtap_payload(linktype, frame);
  if (!g || g->size() < 16 || (*g)[0] != 0x02 || (*g)[2] != kGsmtapTypeSim) return;
  const std::size_t hdr = std::size_t{(*g)[1]} * 4;
  if (hdr < 16 || g->size() < hdr) return;
  const auto payload = g->subspan(hdr);
  CapturedApdu a;
  a.time_us = time_us;
  a.packet = number;
  switch ((*g)[12]) {
    case kGsmtapSimApdu:
      a.kind = CapturedApdu::Kind::kApdu;
      split_gsmtap_apdu(payload, a.command, a.response);
      break;
    case kGsmtapSimAtr:
      a.kind = CapturedApdu::Kind::kAtr;
      a.response.assign(payload.begin(), payload.end());
      break;
    default:
      return;  // PPS and TPDU pieces: not replayable as APDUs
  }
  out.push_back(std::move(a));
}

std::vector<CapturedApdu> read_pcap(ByteView f) {
  const std::uint32_t magic = (std::uint32_t{f[0]} << 24) | (f[1] << 16) | (f[2] << 8) | f[3];
  const bool little = magic == 0xD4C3B2A1 || magic == 0x4D3CB2A1;
  const bool nanos = magic == 0xA1B23C4D || magic == 0x4D3CB2A1;
  Cursor c(f, little);
  const std::uint32_t linktype = c.u32(20) & 0x0FFFFFFF;
  std::vector<CapturedApdu> out;
  std::size_t at = 24, number = 0;
  while (at < f.size()) {
    const std::uint32_t sec = c.u32(at), frac = c.u32(at + 4), incl = c.u32(at + 8);
    c.need(at + 16, incl);
    const std::uint64_t t = std::uint64_t{sec} * 1000000 + (nanos ? frac / 1000 : frac);
    take_frame(out, linktype, f.subspan(at + 16, incl), t, ++number);
    at += 16 + incl;
  }
  return out;
}

std::vector<CapturedApdu> read_pcapng(ByteView f) {
  std::vector<CapturedApdu> out;
  std::vector<std::pair<std::uint32_t, std::uint64_t>> interfaces;  // linktype, units per second
  Cursor c(f, true);
  std::size_t at = 0, number = 0;
  while (at + 12 <= f.size()) {
    std::uint32_t type = c.u32(at);
    if (type == 0x0A0D0D0A) {
      // A section header sets the byte order of everything up to the next one.
      const std::uint32_t bom = Cursor(f, true).u32(at + 8);
      c.set_little(bom == 0x1A2B3C4D);
      if (bom != 0x1A2B3C4D && bom != 0x4D3C2B1A) throw std::runtime_error("bad pcapng byte order");
      interfaces.clear();
    }
    const std::uint32_t len = c.u32(at + 4);
    if (len < 12 || len % 4 != 0) throw std::runtime_error("bad pcapng block length");
    c.need(at, len);
    const ByteView body = f.subspan(at + 8, len - 12);
    if (type == 0x00000001) {
      if (body.size() < 8) throw std::runtime_error("short interface block");
      std::uint64_t units = 1000000;
      // Options: code, length, value padded to 4; if_tsresol (9) changes the time unit.
      std::size_t o = 8;
      while (o + 4 <= body.size()) {
        const std::uint16_t code = c.u16(at + 8 + o), olen = c.u16(at + 8 + o + 2);
        if (code == 0) break;
        if (code == 9 && olen >= 1 && o + 4 < body.size()) {
          const std::uint8_t r = body[o + 4];
          units = 1;
          for (unsigned i = 0; i < (r & 0x7Fu); ++i) units *= (r & 0x80) ? 2 : 10;
        }
        o += 4 + ((olen + 3u) & ~3u);
      }
      interfaces.emplace_back(c.u16(at + 8), units);
    } else if (type == 0x00000006) {
      if (body.size() < 20) throw std::runtime_error("short packet block");
      const std::uint32_t iface = c.u32(at + 8);
      if (iface >= interfaces.size()) throw std::runtime_error("packet of an undeclared interface");
      const std::uint64_t ts = (std::uint64_t{c.u32(at + 12)} << 32) | c.u32(at + 16);
      const std::uint32_t incl = c.u32(at + 20);
      c.need(at + 28, incl);
      const auto [linktype, units] = interfaces[iface];
      const std::uint64_t t = units >= 1000000 ? ts / (units / 1000000) : ts * (1000000 / units);
      take_frame(out, linktype, f.subspan(at + 28, incl), t, ++number);
    } else if (type == 0x00000003) {
      if (interfaces.empty()) throw std::runtime_error("packet of an undeclared interface");
      const std::uint32_t orig = c.u32(at + 8);
      const std::size_t incl = std::min<std::size_t>(orig, body.size() - 4);
      take_frame(out, interfaces[0].first, f.subspan(at + 12, incl), 0, ++number);
    }
    at += len;
  }
  if (at != f.size()) throw std::runtime_error("truncated capture");
  return out;
}

}  // namespace

std::vector<CapturedApdu> read_gsmtap_capture(ByteView file) {
  if (!is_capture(file)) throw std::runtime_error("not a pcap or pcapng file");
  const std::uint32_t magic =
      (std::uint32_t{file[0]} << 24) | (file[1] << 16) | (file[2] << 8) | file[3];
  return magic == 0x0A0D0D0A ? read_pcapng(file) : read_pcap(file);
}

std::vector<CapturedApdu> read_gsmtap_capture(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  Bytes data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  try {
    return read_gsmtap_capture(data);
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(path.string() + ": " + e.what());
  }
}

}  // namespace euiccsim::sim
