// ES9+ over HTTPS (SGP.22 v2.5 §6.1: TLS 1.2, server authentication with the SM-DP+'s TLS
// certificate) with cpp-httplib and OpenSSL: the listening side of `euicc-sim smdp serve` and
// the POSTs of the LPA role. The JSON lives in es9plus_json.hpp; this file only moves bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "es9plus_json.hpp"

namespace euiccsim::smdp {

// One line of the server's log: every request, whether or not it reached a function.
struct HttpsRequestLog {
  std::string remote;   // "127.0.0.1:50412"
  std::string path;     // "/gsma/rsp2/es9plus/initiateAuthentication"
  int http_status = 0;  // 200, 204, 404, ...
  std::string outcome;  // "Executed-Success", "Failed 8.1.1/6.1", "" for non-ES9+ paths
  std::int64_t us = 0;  // time to answer, microseconds
};

// The largest ES9+ request body the server reads, by default: a few times the largest an LPA
// sends (authenticateClient with two certificates, or a notification carrying them, is about
// 3 KB of JSON). A longer body is refused with HTTP 413 before it is read, and never reaches
// an ES9+ function.
inline constexpr std::size_t kDefaultMaxRequestBytes = 64 * 1024;

class Es9PlusHttpsServer {
 public:
  // `cert_chain`: the TLS certificate then its issuers (PEM), or one DER certificate; `key`:
  // its key (SEC1 or PKCS#8, PEM or DER). std::runtime_error naming the file that cannot be
  // used.
  Es9PlusHttpsServer(Es9Plus& server, const std::string& cert_chain, const std::string& key,
                     std::function<void(const HttpsRequestLog&)> log);
  ~Es9PlusHttpsServer();

  // The body limit (kDefaultMaxRequestBytes unless set); call before run().
  void set_max_request_bytes(std::size_t bytes);
  // Binds (port 0: any free port); returns the port. std::runtime_error on failure.
  int bind(const std::string& host, int port);
  // Answers until stop() (from any thread or a signal-watching thread).
  void run();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct TlsClientOptions {
  std::string ca_file;    // trust only these certificates (PEM); empty: the system's
  bool insecure = false;  // no verification at all (test servers with self-made names)
  int timeout_seconds = 30;
};

// POSTs to https://`host_port` (HOST or HOST:PORT, port 443 by default) with the ES9+ headers,
// reusing one connection. The error of a failed exchange (refused connection, certificate
// that does not verify, timeout) is a std::runtime_error naming the URL.
Es9Post https_post(const std::string& host_port, const TlsClientOptions& options);

// "HOST[:PORT]" split; std::invalid_argument for an empty host or a bad port.
std::pair<std::string, int> split_host_port(const std::string& host_port, int default_port);

}  // namespace euiccsim::smdp
