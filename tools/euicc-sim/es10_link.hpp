// How the command's LPA roles (`es10`, `lpa`) reach a card: a PC/SC reader through pcscd (the
// path lpac takes) or a card of the state directory run in-process, and ES10 requests carried
// to the ISD-R as lpac carries them (a logical channel of its own, SELECT without Le, STORE
// DATA blocks, 61xx answered with GET RESPONSE).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common.hpp"
#include "euiccsim/crypto/bytes.hpp"

namespace euiccsim::tools {

// One APDU exchange, whatever carries it.
class Link {
 public:
  virtual ~Link() = default;
  virtual Bytes transmit(const Bytes& apdu) = 0;
  // Warm reset; the ATR.
  virtual Bytes reset() = 0;
};

// T=0, exclusive as lpac connects, or shared (a terminal leaves the card to other clients too).
// std::runtime_error naming the reader on failure.
std::unique_ptr<Link> open_pcsc_link(const std::string& reader, bool shared = false);
// The card `eid` of the state directory (the only one when empty), powered on in-process;
// its state is saved after every command as `serve` saves it.
std::unique_ptr<Link> open_in_process_link(GlobalOptions& global, const std::string& eid);

struct Es10ChannelOptions {
  Bytes isdr_aid = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
                    0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x01, 0x00};
  std::size_t block_size = 120;          // lpac 120, onomondo-ipa 255
  std::uint8_t get_response_cla = 0x80;  // lpac 80, onomondo-ipa 00
  bool basic_channel = false;
};

// The ISD-R selected on a logical channel (or the basic one) for as long as this lives; the
// channel is closed on every path, a failure included, as lpac's finaliser does: a client
// that leaks channels leaves a card with none to give.
// How the user names the card and the ES10 transport habits to imitate: the options `es10`,
// `lpa` and `ipa` share.
struct CardLinkOptions {
  std::string reader;  // a PC/SC reader, or
  std::string card;    // an EID of the state directory (the only card when empty)
  std::size_t block_size = 120;
  std::string get_response_cla = "80";
  bool basic_channel = false;
};

// --reader, --card, --block-size, --get-response-cla, --basic-channel.
void add_card_link_options(CLI::App* cmd, CardLinkOptions& o);
// The channel options they ask for; UsageError naming the option that is wrong.
Es10ChannelOptions channel_options(const CardLinkOptions& o);
// The card they name: through pcscd, or in-process.
std::unique_ptr<Link> open_link(GlobalOptions& global, const CardLinkOptions& o);

class Es10Channel {
 public:
  Es10Channel(Link& link, Es10ChannelOptions options);
  ~Es10Channel();
  Es10Channel(const Es10Channel&) = delete;
  Es10Channel& operator=(const Es10Channel&) = delete;

  // One ES10 request in STORE DATA blocks; the response data of the last block (empty when
  // the card accepted it without an answer). std::runtime_error on any status word other
  // than 9000, or data answered to an intermediate block.
  Bytes call(ByteView request);

 private:
  void close() noexcept;
  Link& link_;
  Es10ChannelOptions options_;
  std::uint8_t channel_ = 0;
};

}  // namespace euiccsim::tools
