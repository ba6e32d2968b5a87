// The eIM's admin API: small JSON over plain HTTP, on a loopback address only (docs/eim.md
// "Admin API"). What `eim queue`, `eim register`, `eim status` and `eim cancel` do on the
// database, a program can do here while `eim serve` runs:
//
//   GET  /eim/v1/cards                   {"eids": [...]}
//   GET  /eim/v1/cards/EID               the card's status (as `eim status --json`)
//   POST /eim/v1/cards/EID/register      {"eimId", "counter", "associationToken" (null: none),
//                                         "euiccCertificate" (hex DER)}   -> {"ok": true}
//   POST /eim/v1/queue                   {"eid", "eimId"?, one of "psmo": [...], "eco": [...],
//                                         "download": {"activationCode", "indirect"},
//                                         "euiccData": "HEX TAGS" | "all"}
//                                        -> 201 {"id", "state", "eimTransactionId"}
//   GET  /eim/v1/queue/ID                one item
//   POST /eim/v1/queue/ID/cancel         -> {"cancelled": true} or 409
//
// An operation in "psmo"/"eco" is its text ("enable 8999...") or {"text": "add-eim eim-2",
// "configuration": "HEX EimConfigurationData"}. Errors are {"error": "one line"} with 400,
// 404 or 409.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "eim/eim.hpp"

namespace euiccsim::eim {

struct AdminReply {
  int status = 200;
  std::string body;  // JSON
};

// One admin request, transport-free (tests call it directly).
AdminReply answer_admin(Eim& eim, const std::string& method, const std::string& path,
                        const std::string& body);

// Whether `host` is a loopback address (127.0.0.0/8, ::1, localhost).
bool is_loopback(const std::string& host);

class AdminServer {
 public:
  // `log` gets one line per request.
  AdminServer(Eim& eim, std::function<void(const std::string&)> log);
  ~AdminServer();
  // std::runtime_error for a host that is not loopback, or one it cannot bind.
  int bind(const std::string& host, int port);
  void run();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace euiccsim::eim
