// A card's side of the vpcd link protocol (vsmartcard): the card connects to a reader's
// socket and answers what the reader sends.
//
// Every message is a 2-byte big-endian length, then that many bytes. From the reader: a
// 1-byte control code (0 power off, 1 power on, 2 reset, 4 get ATR; our driver adds 0x10 and
// 0x11 to say the terminal chose T=0 or T=1) or a C-APDU. To the reader: the ATR for "get
// ATR", an R-APDU for a C-APDU, nothing for the others.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "euiccsim/simulator/card.hpp"

namespace euiccsim::host {

// Where a card connects: a Unix socket path or a TCP address.
struct Endpoint {
  enum class Kind { kUnix, kTcp };
  Kind kind = Kind::kUnix;
  std::string path;  // kUnix
  std::string host;  // kTcp
  std::uint16_t port = 0;

  // "unix:/path", "/path" (an absolute path), "tcp:HOST:PORT" or "HOST:PORT".
  static std::optional<Endpoint> parse(const std::string& text);
  std::string str() const;
};

// The slot endpoints behind a driver DEVICENAME (as in reader.conf): "unix:DIR" gives
// DIR/slot-<i>.sock, "tcp:PORT" gives 127.0.0.1:PORT+i.
std::optional<Endpoint> driver_slot(const std::string& device_name, unsigned slot);

class VpcdLink {
 public:
  enum class Event { kConnected, kDisconnected, kConnectFailed };
  // `detail`: the endpoint; for kConnectFailed also why ("tcp:h:1: connection refused").
  using Observer = std::function<void(Event, const std::string& detail)>;

  // `stop_fd`: a descriptor that becomes readable when the link must end (a self-pipe).
  VpcdLink(sim::Card& card, Endpoint endpoint, int stop_fd, Observer observer = {});

  // Called after each APDU the card answered, with the time the card took (a benchmark's
  // figure; off unless set).
  using ApduTimer = std::function<void(std::chrono::nanoseconds)>;
  void set_apdu_timer(ApduTimer timer) { apdu_timer_ = std::move(timer); }

  // Connects, serves, reconnects with backoff (100 ms doubling to 2 s) until stop_fd is
  // readable. A reader that goes away (pcscd restarting) is a removal, not an error.
  void run();
  // One connection: serves until the peer closes or stop. False if it could not connect.
  bool serve_once();

 private:
  int connect_socket();                        // -1 with last_error_ set
  bool wait_readable(int fd, int timeout_ms);  // false when stop was signalled
  bool read_exact(int fd, std::uint8_t* out, std::size_t n);
  bool write_message(int fd, ByteView payload);
  void handle_control(std::uint8_t code, int fd);

  sim::Card& card_;
  Endpoint endpoint_;
  int stop_fd_;
  Observer observer_;
  ApduTimer apdu_timer_;
  bool stopped_ = false;
  std::string last_error_;
};

}  // namespace euiccsim::host
