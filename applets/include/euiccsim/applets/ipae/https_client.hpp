// HTTP/1.1 over TLS over the IPAe's Bearer, inside the card: what ESipa's HTTPS binding
// (SGP.32 §6.1) and ES9+'s (SGP.22 §6.1) need of a client, event-driven like the Bearer.
//
// TLS is Botan 2's client, fed with the bearer's bytes through its callbacks; the server is
// judged by TlsTrust (a pinned key, a pinned certificate, or CAs) rather than by a system
// store the card does not have. One connection is kept between requests to the same peer
// (ESipa keeps it for a whole procedure), with TLS sessions resumed from an in-memory cache.
// Every size is bounded: headers, body, chunk sizes.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "euiccsim/applets/ipae/bearer.hpp"
#include "euiccsim/applets/ipae/clock.hpp"

namespace Botan {
class RandomNumberGenerator;
}

namespace euiccsim::applets::ipae {

// What makes a TLS server trusted.
struct TlsTrust {
  // SubjectPublicKeyInfo DER: the server's certificate must carry one of these keys
  // (trustedPublicKeyDataTls trustedEimPkTls); no name or chain is checked then.
  std::vector<Bytes> pinned_keys;
  // Certificates DER: the server's own (trustedCertificateTls naming the eIM's certificate)
  // or a CA its chain must lead to, with the host name checked (the CA reading).
  std::vector<Bytes> certificates;
  bool empty() const { return pinned_keys.empty() && certificates.empty(); }
  friend bool operator==(const TlsTrust&, const TlsTrust&) = default;
};

// The reason a certificate chain is refused, or nothing when it is trusted. Exposed for tests.
std::optional<std::string> judge_server_chain(const std::vector<Bytes>& chain_der,
                                              const TlsTrust& trust, const std::string& host,
                                              TimePoint now);

struct HttpRequest {
  std::string host;
  std::uint16_t port = 443;
  std::string path;
  // Sent after Host; Content-Length is added.
  std::vector<std::pair<std::string, std::string>> headers;
  Bytes body;
  TlsTrust trust;
  std::chrono::milliseconds timeout{30000};  // from the request's start to the last byte
  std::size_t max_body = 1u << 20;
};

struct HttpResponse {
  bool ok = false;    // a whole HTTP response arrived (of any status)
  std::string error;  // otherwise one line: connection, TLS, timeout, malformed, too large
  int status = 0;
  std::map<std::string, std::string> headers;  // names in lower case
  Bytes body;
};

// An HTTP/1.1 response read incrementally. Exposed for tests.
class HttpResponseParser {
 public:
  explicit HttpResponseParser(std::size_t max_body) : max_body_(max_body) {}
  // Takes more bytes; false once the response is malformed or too large (error() says why).
  bool feed(ByteView data);
  // The peer closed the connection: a body delimited by the close ends here.
  void end_of_stream();
  bool complete() const { return done_; }
  const std::string& error() const { return error_; }
  HttpResponse take();

 private:
  bool parse_head();
  bool parse_body();
  std::size_t max_body_;
  Bytes buf_;
  bool head_done_ = false, done_ = false, chunked_ = false, until_close_ = false;
  std::size_t content_length_ = 0;
  std::size_t chunk_left_ = 0;
  int chunk_state_ = 0;  // 0 size line, 1 data, 2 CRLF after data, 3 trailers
  std::string error_;
  HttpResponse response_;
};

class HttpsClient {
 public:
  using Done = std::function<void(HttpResponse)>;
  struct Stats {
    std::uint64_t connections = 0, handshakes = 0, resumed = 0, requests = 0;
  };

  HttpsClient(Bearer& bearer, const Clock& clock, Botan::RandomNumberGenerator& rng);
  ~HttpsClient();
  HttpsClient(const HttpsClient&) = delete;
  HttpsClient& operator=(const HttpsClient&) = delete;

  // Starts one request; `done` is called exactly once, later, from on_bearer_event() or
  // tick() (never from within request()). One request at a time.
  void request(HttpRequest request, Done done);
  // Feed every event of this client's channels; false if the channel is not its own.
  bool on_bearer_event(const BearerEvent& event);
  // Fails the request whose deadline has passed.
  void tick();
  std::optional<TimePoint> deadline() const;
  bool busy() const;
  // Ends the kept connection (end of a poll cycle).
  void close();
  const Stats& stats() const { return stats_; }

 private:
  struct Connection;
  void start();
  void fail(std::string why);
  void finish(HttpResponse r);
  void send_request();
  void drop_connection();

  Bearer& bearer_;
  const Clock& clock_;
  Botan::RandomNumberGenerator& rng_;
  struct Shared;
  std::unique_ptr<Shared> shared_;  // TLS session cache, policy, credentials
  std::unique_ptr<Connection> conn_;
  std::optional<HttpRequest> req_;
  Done done_;
  TimePoint deadline_{};
  bool reused_ = false;
  Stats stats_;
};

}  // namespace euiccsim::applets::ipae
