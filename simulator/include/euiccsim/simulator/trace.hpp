// The trace bus: every APDU exchanged and every power event is published here; sinks render
// it as human text or as JSON lines (replayable).
#pragma once

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "euiccsim/crypto/bytes.hpp"

namespace euiccsim::sim {

struct TraceEvent {
  // kEs10: an ES10 function the card's own IPA (IPAe) called inside the card, no APDU
  // involved (command = the request DER, response = the answer and its status word).
  // kEsipa: an exchange of the IPAe with a peer over the network (ESipa with an eIM, ES9+
  // with an SM-DP+): command = the request body, response = the answer body, `peer` says
  // where and how it ended.
  enum class Kind : std::uint8_t { kApdu, kPowerOn, kReset, kPowerOff, kEs10, kEsipa };
  Kind kind = Kind::kApdu;
  std::string card;      // the card's EID
  unsigned channel = 0;  // logical channel of the command
  Bytes command;         // C-APDU; for power events empty
  Bytes response;        // R-APDU; for power-on/reset the ATR
  std::string peer;      // kEsipa: "POST https://host:port/path -> 200"
  std::chrono::nanoseconds duration{0};
  std::chrono::system_clock::time_point when;
};

const char* kind_name(TraceEvent::Kind k);

class TraceSink {
 public:
  virtual ~TraceSink() = default;
  virtual void write(const TraceEvent& e) = 0;
};

// "12:00:01.123456 89049032...  ch1  > 80E29100...\n                       < 9000  (35 us)"
class TextTraceSink final : public TraceSink {
 public:
  explicit TextTraceSink(std::ostream& out) : out_(out) {}
  void write(const TraceEvent& e) override;

 private:
  std::ostream& out_;
};

// One JSON object per line:
// {"t":"...","card":"...","kind":"apdu","ch":0,"c":"HEX","r":"HEX","us":12}
class JsonlTraceSink final : public TraceSink {
 public:
  explicit JsonlTraceSink(std::ostream& out) : out_(out) {}
  void write(const TraceEvent& e) override;

 private:
  std::ostream& out_;
};

class TraceBus {
 public:
  void add(std::shared_ptr<TraceSink> sink);
  bool empty() const { return sinks_.empty(); }
  void publish(const TraceEvent& e);

 private:
  std::mutex mu_;
  std::vector<std::shared_ptr<TraceSink>> sinks_;
};

}  // namespace euiccsim::sim
