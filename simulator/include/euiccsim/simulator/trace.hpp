// The trace bus: every APDU exchanged and every power event is published here; sinks render
// it as human text or as JSON lines (replayable).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "euiccsim/crypto/bytes.hpp"

namespace euiccsim::sim {

struct TraceEvent {
  // kMessage: an exchange between a peer and its client above the card (ES9+ between the LPA
  // and the SM-DP+, ESipa between the IPAd and the eIM): `iface` and `function` name it,
  // command/response carry the bodies.
  // kEs10: an ES10 function the card's own IPA (IPAe) called inside the card, no APDU
  // involved (command = the request DER, response = the answer and its status word).
  // kEsipa: an exchange of the IPAe with a peer over the network (ESipa with an eIM, ES9+
  // with an SM-DP+): command = the request body, response = the answer body, `peer` says
  // where and how it ended.
  enum class Kind : std::uint8_t { kApdu, kPowerOn, kReset, kPowerOff, kMessage, kEs10, kEsipa };
  Kind kind = Kind::kApdu;
  std::string card;      // the card's EID (for kMessage: the peer, e.g. "smdp")
  unsigned channel = 0;  // logical channel of the command
  Bytes command;         // C-APDU; for power events empty
  Bytes response;        // R-APDU; for power-on/reset the ATR
  std::string peer;      // kEsipa: "POST https://host:port/path -> 200"
  std::chrono::nanoseconds duration{0};
  std::chrono::system_clock::time_point when;
  std::string note;      // a fault injected into this exchange, if any
  std::string iface;     // kMessage: "ES9+"
  std::string function;  // kMessage: "initiateAuthentication", ...
  int status = 0;        // kMessage: the HTTP status of the answer
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

// Masks the secrets an event carries (trace_redact.cpp): today the keys of a USIM/ISIM
// AUTHENTICATE answer (CK, IK, Kc), replaced by zero bytes of the same length.
void redact_secrets(TraceEvent& e);

class TraceBus {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;
  void add(std::shared_ptr<TraceSink> sink);
  bool empty() const { return sinks_.empty(); }
  void publish(const TraceEvent& e);
  // Keys appear in the trace as they are (--trace-secrets); by default they are redacted.
  void set_secrets(bool show) { secrets_ = show; }
  // Every event gets its time from `clock` and a duration of zero (repeatable traces with
  // --seed); by default events keep the wall-clock time and duration they were made with.
  void set_clock(Clock clock) { clock_ = std::move(clock); }

 private:
  std::mutex mu_;
  std::vector<std::shared_ptr<TraceSink>> sinks_;
  bool secrets_ = false;
  Clock clock_;
};

}  // namespace euiccsim::sim
