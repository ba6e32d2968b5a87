// Card Application Toolkit codings (ETSI TS 102 223, TS 101 220 §7, TS 31.111 §8.52): the
// COMPREHENSION-TLVs of proactive commands, terminal responses and envelopes, the commands the
// card issues (REFRESH, SET UP EVENT LIST and the Bearer Independent Protocol's OPEN CHANNEL,
// SEND DATA, RECEIVE DATA, CLOSE CHANNEL, GET CHANNEL STATUS), and the TERMINAL PROFILE bits
// the card checks before issuing them. Both sides use it: the card's toolkit runtime and the
// terminal that plays the device (tools/terminal). docs/proactive.md lists every coding.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "euiccsim/crypto/bytes.hpp"

namespace euiccsim::sim::cat {

// BER-TLV templates (TS 101 220 §7.2).
inline constexpr std::uint8_t kProactiveCommandTag = 0xD0;
inline constexpr std::uint8_t kEventDownloadTag = 0xD6;

// COMPREHENSION-TLV tags (TS 101 220 §7.3, TS 102 223 §9.3), without the CR bit.
namespace tag {
inline constexpr std::uint8_t kCommandDetails = 0x01;
inline constexpr std::uint8_t kDeviceIdentities = 0x02;
inline constexpr std::uint8_t kResult = 0x03;
inline constexpr std::uint8_t kAlphaIdentifier = 0x05;
inline constexpr std::uint8_t kEventList = 0x19;
inline constexpr std::uint8_t kBearerDescription = 0x35;
inline constexpr std::uint8_t kChannelData = 0x36;
inline constexpr std::uint8_t kChannelDataLength = 0x37;
inline constexpr std::uint8_t kChannelStatus = 0x38;
inline constexpr std::uint8_t kBufferSize = 0x39;
inline constexpr std::uint8_t kTransportLevel = 0x3C;
inline constexpr std::uint8_t kOtherAddress = 0x3E;
inline constexpr std::uint8_t kNetworkAccessName = 0x47;
}  // namespace tag

// Type of command (TS 102 223 §9.4).
namespace command {
inline constexpr std::uint8_t kRefresh = 0x01;
inline constexpr std::uint8_t kSetUpEventList = 0x05;
inline constexpr std::uint8_t kOpenChannel = 0x40;
inline constexpr std::uint8_t kCloseChannel = 0x41;
inline constexpr std::uint8_t kReceiveData = 0x42;
inline constexpr std::uint8_t kSendData = 0x43;
inline constexpr std::uint8_t kGetChannelStatus = 0x44;
}  // namespace command
std::string command_name(std::uint8_t type);

// REFRESH command qualifiers (TS 102 223 §8.6).
namespace refresh {
inline constexpr std::uint8_t kNaaInitialisationAndFullFileChange = 0x00;
inline constexpr std::uint8_t kFileChange = 0x01;
inline constexpr std::uint8_t kNaaInitialisationAndFileChange = 0x02;
inline constexpr std::uint8_t kNaaInitialisation = 0x03;
inline constexpr std::uint8_t kUiccReset = 0x04;
inline constexpr std::uint8_t kNaaApplicationReset = 0x05;
inline constexpr std::uint8_t kNaaSessionReset = 0x06;
inline constexpr std::uint8_t kEuiccProfileStateChange = 0x09;
}  // namespace refresh
std::string refresh_mode_name(std::uint8_t qualifier);

// Device identities (TS 102 223 §8.7).
namespace device {
inline constexpr std::uint8_t kUicc = 0x81;
inline constexpr std::uint8_t kTerminal = 0x82;
inline constexpr std::uint8_t kNetwork = 0x83;
// Channel 1..7 of the Bearer Independent Protocol.
constexpr std::uint8_t channel(unsigned n) {
  return static_cast<std::uint8_t>(0x20 + n);
}
}  // namespace device

// Events (TS 102 223 §8.25).
namespace event {
inline constexpr std::uint8_t kDataAvailable = 0x09;
inline constexpr std::uint8_t kChannelStatus = 0x0A;
}  // namespace event
std::string event_name(std::uint8_t event);

// General results (TS 102 223 §8.12). '0X' and '1X': performed; '2X': worth retrying later;
// '3X': not worth retrying.
namespace result {
inline constexpr std::uint8_t kOk = 0x00;
inline constexpr std::uint8_t kPartialComprehension = 0x01;
inline constexpr std::uint8_t kMissingInformation = 0x02;
inline constexpr std::uint8_t kPerformedWithModification = 0x07;
inline constexpr std::uint8_t kTerminalUnable = 0x20;
inline constexpr std::uint8_t kNetworkUnable = 0x21;
inline constexpr std::uint8_t kBeyondTerminalCapability = 0x30;
inline constexpr std::uint8_t kTypeNotUnderstood = 0x31;
inline constexpr std::uint8_t kDataNotUnderstood = 0x32;
inline constexpr std::uint8_t kNumberNotKnown = 0x33;
inline constexpr std::uint8_t kRequiredValuesMissing = 0x36;
inline constexpr std::uint8_t kBipError = 0x3A;
constexpr bool performed(std::uint8_t general) {
  return general < 0x20;
}
constexpr bool temporary(std::uint8_t general) {
  return (general & 0xF0) == 0x20;
}
}  // namespace result
// Additional information on a BIP error (TS 102 223 §8.12.11).
namespace bip_error {
inline constexpr std::uint8_t kNoSpecificCause = 0x00;
inline constexpr std::uint8_t kNoChannelAvailable = 0x01;
inline constexpr std::uint8_t kChannelClosed = 0x02;
inline constexpr std::uint8_t kChannelIdNotValid = 0x03;
inline constexpr std::uint8_t kBufferSizeNotAvailable = 0x04;
inline constexpr std::uint8_t kTransportLevelNotAvailable = 0x06;
inline constexpr std::uint8_t kRemoteDeviceNotReachable = 0x07;
}  // namespace bip_error
// "bearer independent protocol error (3A), remote device not reachable (07)".
std::string result_text(std::uint8_t general, ByteView additional);

// Channel status, byte 2 (TS 102 223 §8.56).
inline constexpr std::uint8_t kLinkDropped = 0x05;

// One COMPREHENSION-TLV (TS 101 220 §7.1.1): its tag without the CR bit (one byte here; the
// three-byte '7F' form is read and kept as 0), whether comprehension is required, the value.
struct Ctlv {
  std::uint8_t tag = 0;
  bool cr = false;
  Bytes value;
};
// Every COMPREHENSION-TLV of `in`; nothing unless `in` is exactly a list of well-formed ones.
std::optional<std::vector<Ctlv>> read_ctlvs(ByteView in);
void append_ctlv(Bytes& out, std::uint8_t tag, bool cr, ByteView value);
// The first item with `tag` (CR bit ignored).
const Ctlv* find(const std::vector<Ctlv>& items, std::uint8_t tag);
// A BER-TLV template of one byte tag whose length takes one byte, or two ('81' LL): its tag
// and value, if `in` is exactly that.
std::optional<std::pair<std::uint8_t, ByteView>> read_template(ByteView in);
Bytes make_template(std::uint8_t tag, ByteView value);

struct CommandDetails {
  std::uint8_t number = 0;
  std::uint8_t type = 0;
  std::uint8_t qualifier = 0;
  friend bool operator==(const CommandDetails&, const CommandDetails&) = default;
};

// A proactive command: D0 { 81 command details, 82 device identities, the rest }.
struct ProactiveCommand {
  CommandDetails details;
  std::uint8_t source = 0, destination = 0;
  std::vector<Ctlv> items;  // after the device identities, in order
};
std::optional<ProactiveCommand> decode_proactive(ByteView in);
Bytes encode_proactive(const CommandDetails& details, std::uint8_t destination,
                       const std::vector<Ctlv>& items);
// One line for logs: "REFRESH #1 eUICC Profile State Change (09)", "SEND DATA #4 channel 1, 212
// bytes, send immediately", ...
std::string describe(const ProactiveCommand& c);

// Builders of the commands the card issues (TS 102 223 §6.6).
Bytes refresh_command(std::uint8_t number, std::uint8_t qualifier);
Bytes set_up_event_list(std::uint8_t number, const Bytes& events);

enum class Transport : std::uint8_t { kUdpClientRemote = 0x01, kTcpClientRemote = 0x02 };
struct OpenChannel {
  Transport transport = Transport::kTcpClientRemote;
  Bytes address;  // 4 bytes IPv4 or 16 bytes IPv6 (the data destination address)
  std::uint16_t port = 0;
  std::uint16_t buffer_size = 1400;
  // Bearer description (TS 102 223 §8.52, TS 31.111 §8.52): '03' default bearer of the
  // terminal, or '02' packet data service with the given parameters.
  std::uint8_t bearer_type = 0x03;
  Bytes bearer_parameters;
  std::string network_access_name;  // packet bearer only: labels as TS 23.003 §9.1
  bool immediate = true;            // qualifier bit 1: immediate link establishment
};
Bytes open_channel(std::uint8_t number, const OpenChannel& o);
std::optional<OpenChannel> decode_open_channel(const ProactiveCommand& c);
// SEND DATA qualifier bit 1: 0 store in the Tx buffer, 1 send immediately.
Bytes send_data(std::uint8_t number, unsigned channel, ByteView data, bool immediately);
Bytes receive_data(std::uint8_t number, unsigned channel, std::uint8_t length);
Bytes close_channel(std::uint8_t number, unsigned channel);
Bytes get_channel_status(std::uint8_t number);
// How many bytes of channel data one SEND DATA may carry, so the whole command fits a FETCH
// (256 bytes): D0 81 LL + 81 03 .. + 82 02 .. + B6 81 LL.
inline constexpr std::size_t kMaxSendDataPiece = 256 - 3 - 5 - 4 - 3;
// How many bytes of channel data one RECEIVE DATA's TERMINAL RESPONSE may carry, so it fits
// one command APDU (Lc 255): 81 03 .. + 82 02 .. + 83 01 00 + B6 81 LL + B7 01 ..
inline constexpr std::size_t kMaxReceiveDataPiece = 255 - 5 - 4 - 3 - 3 - 3;

// A TERMINAL RESPONSE (TS 102 223 §6.8).
struct TerminalResponse {
  CommandDetails details;
  std::uint8_t source = 0, destination = 0;
  std::uint8_t general = 0;
  Bytes additional;
  std::vector<Ctlv> items;  // after the result, in order
};
std::optional<TerminalResponse> decode_terminal_response(ByteView in);
Bytes encode_terminal_response(const CommandDetails& details, std::uint8_t general,
                               ByteView additional, const std::vector<Ctlv>& items);

// An ENVELOPE (Event download), D6 { 99 event list, 82 device identities, the rest }.
struct EventDownload {
  std::uint8_t event = 0;
  std::uint8_t source = 0, destination = 0;
  std::vector<Ctlv> items;
};
std::optional<EventDownload> decode_event_download(ByteView in);
// Data available: channel status and the bytes waiting (FF: 255 or more).
Bytes data_available(unsigned channel, std::size_t waiting);
// Channel status: the link of `channel` is down (link dropped).
Bytes channel_status_event(unsigned channel, bool link_up, std::uint8_t further);

// TERMINAL PROFILE bits (TS 102 223 §5.2): byte number counted from 1, and the bit mask.
struct ProfileBit {
  unsigned byte;
  std::uint8_t mask;
};
namespace profile {
inline constexpr ProfileBit kProfileDownload{1, 0x01};
inline constexpr ProfileBit kRefresh{3, 0x80};
inline constexpr ProfileBit kSetUpEventList{5, 0x01};
inline constexpr ProfileBit kDataAvailable{6, 0x04};
inline constexpr ProfileBit kChannelStatus{6, 0x08};
inline constexpr ProfileBit kOpenChannel{12, 0x01};
inline constexpr ProfileBit kCloseChannel{12, 0x02};
inline constexpr ProfileBit kReceiveData{12, 0x04};
inline constexpr ProfileBit kSendData{12, 0x08};
inline constexpr ProfileBit kGetChannelStatus{12, 0x10};
inline constexpr ProfileBit kGprs{13, 0x02};
inline constexpr ProfileBit kTcpClientRemote{17, 0x01};
inline constexpr ProfileBit kUdpClientRemote{17, 0x02};
// "REFRESH with eUICC Profile State Change mode" (byte 34, b6).
inline constexpr ProfileBit kProfileStateChangeRefresh{34, 0x20};
}  // namespace profile

class TerminalProfile {
 public:
  TerminalProfile() = default;
  explicit TerminalProfile(Bytes bytes) : bytes_(std::move(bytes)) {}
  bool has(ProfileBit bit) const {
    return bit.byte >= 1 && bit.byte <= bytes_.size() && (bytes_[bit.byte - 1] & bit.mask) != 0;
  }
  // Byte 13 bits 6..8.
  unsigned channels() const { return bytes_.size() >= 13 ? bytes_[12] >> 5 : 0; }
  const Bytes& bytes() const { return bytes_; }

 private:
  Bytes bytes_;
};
// What euicc-sim's terminal declares: REFRESH (with eUICC Profile State Change), SET UP EVENT
// LIST with the data available and channel status events, the BIP commands, GPRS and the
// default bearer, 7 channels, TCP and UDP client remote.
Bytes default_terminal_profile();

// Network Access Name labels (TS 23.003 §9.1): "internet.example" -> 08 internet 07 example.
Bytes encode_network_access_name(const std::string& dotted);

}  // namespace euiccsim::sim::cat
