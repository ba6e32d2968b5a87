#include "es10_link.hpp"

#include <PCSC/winscard.h>

#include "euiccsim/applets/apdu.hpp"
#include "euiccsim/simulator/euicc.hpp"

namespace euiccsim::tools {

namespace {

class PcscLink final : public Link {
 public:
  PcscLink(const std::string& reader, bool shared)
      : share_(shared ? SCARD_SHARE_SHARED : SCARD_SHARE_EXCLUSIVE) {
    LONG rc = SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &ctx_);
    if (rc != SCARD_S_SUCCESS)
      throw std::runtime_error(std::string("PC/SC: ") + pcsc_stringify_error(rc));
    rc = SCardConnect(ctx_, reader.c_str(), share_, SCARD_PROTOCOL_T0, &card_, &protocol_);
    if (rc != SCARD_S_SUCCESS) {
      SCardReleaseContext(ctx_);
      throw std::runtime_error("PC/SC reader '" + reader + "': " + pcsc_stringify_error(rc));
    }
  }
  ~PcscLink() override {
    SCardDisconnect(card_, SCARD_LEAVE_CARD);
    SCardReleaseContext(ctx_);
  }
  Bytes transmit(const Bytes& apdu) override {
    unsigned char r[258];
    DWORD len = sizeof r;
    LONG rc = SCardTransmit(card_, SCARD_PCI_T0, apdu.data(), static_cast<DWORD>(apdu.size()),
                            nullptr, r, &len);
    if (rc != SCARD_S_SUCCESS)
      throw std::runtime_error(std::string("PC/SC transmit: ") + pcsc_stringify_error(rc));
    return Bytes(r, r + len);
  }
  Bytes reset() override {
    LONG rc = SCardReconnect(card_, share_, SCARD_PROTOCOL_T0, SCARD_RESET_CARD, &protocol_);
    if (rc != SCARD_S_SUCCESS)
      throw std::runtime_error(std::string("PC/SC reset: ") + pcsc_stringify_error(rc));
    BYTE atr[MAX_ATR_SIZE];
    DWORD atr_len = sizeof atr, state = 0, name_len = 0;
    SCardStatus(card_, nullptr, &name_len, &state, &protocol_, atr, &atr_len);
    return Bytes(atr, atr + atr_len);
  }

 private:
  DWORD share_;
  SCARDCONTEXT ctx_ = 0;
  SCARDHANDLE card_ = 0;
  DWORD protocol_ = 0;
};

class InProcessLink final : public Link {
 public:
  InProcessLink(GlobalOptions& global, const std::string& eid) {
    auto dir = global.state();
    auto chosen = choose_card(dir, eid);
    auto claimed = claim_card(dir, chosen);
    card_ = sim::make_euicc(std::move(claimed.state), crypto::Drbg::from_os(),
                            std::move(claimed.persist));
    if (auto bus = global.trace_bus()) card_->set_trace(bus);
    card_->power_on();
  }
  Bytes transmit(const Bytes& apdu) override { return card_->transmit(apdu); }
  Bytes reset() override { return card_->reset(); }

 private:
  std::unique_ptr<sim::Card> card_;
};

std::uint16_t sw_of(const Bytes& r) {
  if (r.size() < 2) throw std::runtime_error("the card is mute");
  return static_cast<std::uint16_t>((r[r.size() - 2] << 8) | r.back());
}

// The CLA bits naming logical channel `ch` (ISO 7816-4 §5.4.1: 0-3 first interindustry
// coding, 4-19 further).
std::uint8_t channel_bits(std::uint8_t ch) {
  return ch < 4 ? ch : static_cast<std::uint8_t>(0x40 | (ch - 4));
}

// The response data of `apdu`, following 61xx with GET RESPONSE; throws on any status word
// other than 9000.
Bytes exchange(Link& link, const Bytes& apdu, std::uint8_t get_response_cla, std::uint8_t ch,
               const char* what) {
  Bytes data;
  Bytes r = link.transmit(apdu);
  while (sw_of(r) >> 8 == 0x61) {
    data.insert(data.end(), r.begin(), r.end() - 2);
    r = link.transmit(Bytes{static_cast<std::uint8_t>(get_response_cla | channel_bits(ch)), 0xC0,
                            0x00, 0x00, r[r.size() - 1]});
  }
  data.insert(data.end(), r.begin(), r.end() - 2);
  // 91xx is 9000 with a proactive command waiting for the terminal (TS 102 221 §10.2.1.1):
  // the terminal's business, a success for an LPA, as lpac takes it.
  if (sw_of(r) != 0x9000 && (sw_of(r) >> 8) != 0x91)
    throw std::runtime_error(std::string(what) + ": status word " + apdu::sw_hex(sw_of(r)));
  return data;
}

// A case 3 command (no Le, as lpac sends them); `data` has 1 to 255 bytes.
Bytes command_apdu(std::uint8_t cla, std::uint8_t ins, std::uint8_t p1, std::uint8_t p2,
                   ByteView data) {
  Bytes apdu(5 + data.size());
  apdu[0] = cla;
  apdu[1] = ins;
  apdu[2] = p1;
  apdu[3] = p2;
  apdu[4] = static_cast<std::uint8_t>(data.size());
  std::copy(data.begin(), data.end(), apdu.begin() + 5);
  return apdu;
}

}  // namespace

std::unique_ptr<Link> open_pcsc_link(const std::string& reader, bool shared) {
  return std::make_unique<PcscLink>(reader, shared);
}

std::unique_ptr<Link> open_in_process_link(GlobalOptions& global, const std::string& eid) {
  return std::make_unique<InProcessLink>(global, eid);
}

Es10Channel::Es10Channel(Link& link, Es10ChannelOptions options)
    : link_(link), options_(std::move(options)) {
  if (!options_.basic_channel) {
    Bytes r = link_.transmit(Bytes{0x00, 0x70, 0x00, 0x00, 0x01});
    if (r.size() != 3 || sw_of(r) != 0x9000)
      throw std::runtime_error("MANAGE CHANNEL open failed: " + to_hex(r));
    channel_ = r[0];
  }
  try {
    exchange(link_, command_apdu(channel_bits(channel_), 0xA4, 0x04, 0x00, options_.isdr_aid),
             options_.get_response_cla, channel_, "SELECT ISD-R");
  } catch (...) {
    close();
    throw;
  }
}

Es10Channel::~Es10Channel() {
  close();
}

void Es10Channel::close() noexcept {
  if (channel_ == 0) return;
  try {
    link_.transmit(Bytes{0x00, 0x70, 0x80, channel_, 0x00});
  } catch (const std::exception&) {
  }
  channel_ = 0;
}

Bytes Es10Channel::call(ByteView request) {
  const std::size_t size = options_.block_size;
  const std::size_t blocks = std::max<std::size_t>(1, (request.size() + size - 1) / size);
  if (blocks > 256) throw std::runtime_error("an ES10 request of more than 256 blocks");
  Bytes answer;
  for (std::size_t i = 0; i < blocks; ++i) {
    const bool last = i + 1 == blocks;
    auto chunk = request.subspan(i * size, std::min(size, request.size() - i * size));
    Bytes apdu = command_apdu(static_cast<std::uint8_t>(0x80 | channel_bits(channel_)), 0xE2,
                              static_cast<std::uint8_t>(last ? 0x91 : 0x11),
                              static_cast<std::uint8_t>(i), chunk);
    Bytes data = exchange(link_, apdu, options_.get_response_cla, channel_, "STORE DATA");
    if (!last && !data.empty())
      throw std::runtime_error("the card answered an intermediate STORE DATA block with data");
    if (last) answer = std::move(data);
  }
  return answer;
}

void add_card_link_options(CLI::App* cmd, CardLinkOptions& o) {
  cmd->add_option("--reader", o.reader, "PC/SC reader name (through pcscd, as lpac does)");
  cmd->add_option("--card", o.card, "EID of a card of the state directory, run in-process");
  cmd->add_option("--block-size", o.block_size,
                  "STORE DATA block size (lpac sends 120, onomondo-ipa 255)")
      ->capture_default_str();
  cmd->add_option("--get-response-cla", o.get_response_cla,
                  "CLA of GET RESPONSE: 80 (lpac) or 00 (onomondo-ipa)")
      ->capture_default_str();
  cmd->add_flag("--basic-channel", o.basic_channel,
                "Use the basic channel instead of opening a logical channel");
}

Es10ChannelOptions channel_options(const CardLinkOptions& o) {
  if (!o.reader.empty() && !o.card.empty())
    throw UsageError("--reader and --card exclude each other");
  if (o.block_size < 1 || o.block_size > 255) throw UsageError("--block-size: 1 to 255");
  if (o.get_response_cla != "00" && o.get_response_cla != "80")
    throw UsageError("--get-response-cla: 00 or 80");
  Es10ChannelOptions c;
  c.block_size = o.block_size;
  c.get_response_cla = o.get_response_cla == "80" ? 0x80 : 0x00;
  c.basic_channel = o.basic_channel;
  return c;
}

std::unique_ptr<Link> open_link(GlobalOptions& global, const CardLinkOptions& o) {
  return o.reader.empty() ? open_in_process_link(global, o.card) : open_pcsc_link(o.reader);
}

}  // namespace euiccsim::tools
