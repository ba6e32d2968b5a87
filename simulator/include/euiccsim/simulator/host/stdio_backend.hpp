// lpac's "stdio" APDU backend, card side: one JSON request per line in, one JSON answer per
// line out, so lpac can drive a card with no pcscd at all.
//
//   in:  {"type":"apdu","payload":{"func":"transmit","param":"80E2910006BF3E035C015A"}}
//   out: {"type":"apdu","payload":{"ecode":0,"data":"6115"}}
//
// func is connect, disconnect, logic_channel_open (param: the AID; ecode: the channel, or
// negative), logic_channel_close (param: the channel byte) or transmit (data: the R-APDU).
#pragma once

#include <optional>
#include <string>

#include "euiccsim/simulator/card.hpp"

namespace euiccsim::host {

class StdioBackend {
 public:
  // lpac's stdio protocol never says which transmission protocol the terminal uses, so the
  // backend applies `protocol` after every power-on (`connect` included).
  explicit StdioBackend(sim::Card& card, sim::Protocol protocol = sim::Protocol::kT0)
      : card_(card), protocol_(protocol) {}

  // The answer to one request line, or nothing for a line that is not an "apdu" request
  // (lpac prints its own results on the same stream; those are not for the card).
  // A malformed request gets ecode -1, never silence, so the peer does not wait forever.
  std::optional<std::string> handle(const std::string& line);

 private:
  std::string answer(int ecode, const std::optional<Bytes>& data = std::nullopt) const;
  int open_channel(const Bytes& aid);
  void power_on();

  sim::Card& card_;
  sim::Protocol protocol_;
};

}  // namespace euiccsim::host
