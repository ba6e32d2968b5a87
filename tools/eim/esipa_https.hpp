// ESipa over HTTPS, ASN.1 function binding (SGP.32 v1.2 §6.1, §6.3; ESIPA.md §2.1, §6):
// POST /gsma/rsp2/asn1 with Content-Type application/x-gsma-rsp-asn1 and X-Admin-Protocol
// gsma/rsp/v2.x.y, one DER ESipa message as the body; the answer carries the same headers
// (X-Admin-Protocol gsma/rsp/v2.1.0), and "no response" (HandleNotification) is HTTP 200
// with an empty body. openiotrsp's variant is accepted too: path /esipa with
// application/vnd.gsma.esipa.ber-tlv (answered in its own media type).
//
// What is refused before Eim::handle sees it, one log line each: another path (404), another
// method (405), another or no Content-Type (415), another or no X-Admin-Protocol (400), a body
// over 1 MiB (413).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "eim/eim.hpp"

namespace euiccsim::eim {

inline constexpr const char* kEsipaPath = "/gsma/rsp2/asn1";
inline constexpr const char* kEsipaMediaType = "application/x-gsma-rsp-asn1";
inline constexpr const char* kEsipaAdminProtocol = "gsma/rsp/v2.1.0";
// openiotrsp's (ESIPA.md §2.1 "oirsp deviates").
inline constexpr const char* kOirspPath = "/esipa";
inline constexpr const char* kOirspMediaType = "application/vnd.gsma.esipa.ber-tlv";

// Whether an X-Admin-Protocol value is one this eIM speaks: gsma/rsp/v2.<minor>.<patch>.
bool admin_protocol_accepted(const std::string& value);

struct EsipaRequestLog {
  std::string remote;  // "127.0.0.1:50412"
  std::string eid;     // "" when unknown
  std::string function;
  int http_status = 0;
  std::string outcome;
  std::int64_t us = 0;
  std::size_t request_bytes = 0, response_bytes = 0;
};

class EsipaHttpsServer {
 public:
  // `cert_file`: the TLS certificate (PEM, then its issuers; or one DER certificate);
  // `key_file`: its private key (PEM or DER, PKCS#8 or SEC1). std::runtime_error naming the
  // file that cannot be used.
  EsipaHttpsServer(Eim& eim, const std::string& cert_file, const std::string& key_file,
                   std::function<void(const EsipaRequestLog&)> log);
  ~EsipaHttpsServer();

  // Binds (port 0: any free port); returns the port. std::runtime_error on failure.
  int bind(const std::string& host, int port);
  // Answers until stop().
  void run();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace euiccsim::eim
