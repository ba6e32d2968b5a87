// Socket I/O for the vpcd link: every message is a 2-byte big-endian length, then that many
// bytes. Every wait is bounded by a deadline and every call copes with EINTR and partial
// transfers, because these run on pcscd's threads and a card must never be able to hang pcscd.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace euiccsim::ifd {

using Clock = std::chrono::steady_clock;

enum class IoStatus {
  kOk,
  kTimeout,  // the deadline passed
  kClosed,   // the card closed its end (or reset the connection)
  kTooLong,  // recv_frame: the announced length exceeds the caller's buffer; body left unread
  kError,    // any other socket error (errno tells which)
};

// The largest payload the 2-byte length can announce.
inline constexpr std::size_t kMaxFrame = 0xFFFF;

IoStatus send_frame(int fd, const std::uint8_t* data, std::size_t length,
                    Clock::time_point deadline);

// Reads one message into out[0..capacity). *length is the announced length, also on kTooLong.
// `tcp` re-arms TCP_QUICKACK after each read: the card's next message must not wait for our
// delayed ACK.
IoStatus recv_frame(int fd, bool tcp, std::uint8_t* out, std::size_t capacity, std::size_t* length,
                    Clock::time_point deadline);

// True when the card has closed its end or the socket failed; does not consume data.
bool peer_gone(int fd);
// True when the card has sent bytes nobody asked for (the link would be out of step).
bool has_pending_input(int fd);

}  // namespace euiccsim::ifd
