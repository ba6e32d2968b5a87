// How the IPAe reaches the network: channels to a host and port, opened, written and closed
// by the IPAe, with everything that comes back delivered as events. The host implements it:
// with its own sockets (simulator/host/socket_bearer), or later with CAT/BIP proactive
// commands, where a terminal opens the sockets (OPEN CHANNEL, SEND DATA, RECEIVE DATA, CLOSE
// CHANNEL, and the "data available" / "channel status" events).
//
// Nothing here blocks: each call returns at once, and the outcome of open() and every byte
// received arrive later through the IPAe's on_bearer_event(), from the host's event loop. So
// the card never waits on the network, a served card keeps answering APDUs while its IPAe
// waits, and one thread can drive the IPAes of thousands of cards. Waiting with a timeout is
// the IPAe's business (a deadline on its Clock), as it is with BIP's RECEIVE DATA.
#pragma once

#include <cstdint>
#include <string>

#include "euiccsim/crypto/bytes.hpp"

namespace euiccsim::applets::ipae {

// TCP (TS 102 223 "TCP client remote") or UDP ("UDP client remote").
enum class ChannelKind : std::uint8_t { kStream, kDatagram };

using ChannelId = std::uint32_t;

struct BearerEvent {
  enum class Kind : std::uint8_t {
    kOpened,  // the channel is up: send() may follow
    kData,    // bytes received (a datagram is one event)
    kClosed,  // the peer closed it, or it failed after opening; no more events
    kFailed,  // it could not be opened; `error` says why
  };
  Kind kind = Kind::kData;
  ChannelId channel = 0;
  Bytes data;
  std::string error;
};

class Bearer {
 public:
  virtual ~Bearer() = default;
  // Starts opening a channel to host:port (a name or an IP literal); kOpened or kFailed follows.
  virtual ChannelId open(ChannelKind kind, const std::string& host, std::uint16_t port) = 0;
  // Queues bytes on an open channel; failures arrive as kClosed.
  virtual void send(ChannelId channel, ByteView data) = 0;
  // Closes the channel; no event follows for it.
  virtual void close(ChannelId channel) = 0;
};

// Who hears a bearer's events: the IPAe.
class BearerEvents {
 public:
  virtual ~BearerEvents() = default;
  virtual void on_bearer_event(const BearerEvent& event) = 0;
};

}  // namespace euiccsim::applets::ipae
