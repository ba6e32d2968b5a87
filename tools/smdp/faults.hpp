// Faults on the ES9+ path between an LPA and the test SM-DP+ (docs/scenarios.md): an HTTP
// error instead of the answer, a connection that drops before the request reaches the server
// or after the server answered, a Failed status with chosen codes, a corrupted signature
// (serverSignature1, smdpSignature2, the BPP's smdpSign) or MAC (a BPP segment), a delay.
//
// It wraps an Es9Post (the HTTPS client, or the server's JSON binding called in process), so
// the LPA sees exactly what a real network or a broken server would show it; it also puts
// every exchange on a trace bus, by function name with both JSON bodies.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "es9plus_json.hpp"
#include "euiccsim/simulator/trace.hpp"

namespace euiccsim::smdp {

struct Es9Fault {
  std::string function;     // "initiateAuthentication", ...; "" = any
  unsigned occurrence = 1;  // 1 = the first matching call; 0 = every one
  enum class Kind : std::uint8_t {
    kHttpStatus,        // the answer is this HTTP status with an empty body; no server call
    kDropBefore,        // the connection drops before the request reaches the server
    kDropAfter,         // the server handles the request, the answer is lost
    kFailed,            // a Failed header with `subject`/`reason` instead of the answer
    kCorruptSignature,  // one bit of the answer's signature inverted
    kCorruptMac,        // one bit of the first BPP segment's MAC inverted
    kDelay,             // the answer arrives `delay` later
  };
  Kind kind = Kind::kHttpStatus;
  int http_status = 500;
  std::string subject = "8.1", reason = "127";
  std::chrono::milliseconds delay{0};
};

const char* es9_fault_kind_name(Es9Fault::Kind kind);
std::string describe(const Es9Fault& f);

// The connection went away (what an HTTPS client reports then).
class ConnectionDropped : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Es9FaultyPost {
 public:
  struct Options {
    std::vector<Es9Fault> plan;
    std::shared_ptr<sim::TraceBus> trace;                 // may be null
    std::string peer = "smdp";                            // the trace's name for the server
    std::function<void(std::chrono::milliseconds)> wait;  // how a delay passes
  };
  Es9FaultyPost(Es9Post inner, Options options);

  // The Es9Post to give the LPA (Es9PlusJsonClient). Shares this object's state.
  Es9Post post();
  // Faults that struck, described, in order.
  std::vector<std::string> fired() const;

 private:
  HttpReply exchange(const std::string& path, const std::string& body);

  struct State;
  std::shared_ptr<State> s_;
};

// The SM-DP+'s JSON binding called in process: an Es9Post without sockets.
Es9Post in_process_post(Es9Plus& server);

// Flips one bit in the signature or MAC the reply of `function` carries; false when that
// reply has none (handleNotification, a Failed answer, ...).
bool corrupt_reply(const std::string& function, Es9Fault::Kind kind, HttpReply& reply);

}  // namespace euiccsim::smdp
