// The IPA in the eUICC (SGP.32 v1.2 "IPAe", docs/ipae.md): the card's own client of its eIMs.
// It polls each associated eIM over ESipa's HTTPS ASN.1 binding (retrieval mode), carries out
// the eIM packages it gets (eUICC packages through ES10b LoadEuiccPackage, IpaEuiccData
// requests, profile download triggers: indirect through the eIM or direct to the SM-DP+ over
// ES9+), reports the results and notifications and removes what the eIM acknowledged.
//
// It is an event-driven state machine: every call does the card's work at once (ES10 through
// the card runtime, TLS records, DER) and returns; what it waits for (the network, the next
// poll) comes back as a bearer event or a tick(). Its lasting state (schedule, the package in
// flight, what each eIM last learned, the rollback watch) is part of the card image, so a
// restart resumes where the card stopped: results are delivered again, never executed again.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "euiccsim/applets/ipae/bearer.hpp"
#include "euiccsim/applets/ipae/clock.hpp"
#include "euiccsim/applets/ipae/es10_endpoint.hpp"
#include "euiccsim/crypto/drbg.hpp"

namespace euiccsim::applets::ipae {

// One exchange with a peer, as the host logs it (one line each) and traces it.
struct ExchangeRecord {
  std::string peer;      // "eIM eim-1" / "SM-DP+ smdp.example.com"
  std::string function;  // "GetEimPackage", "ES9+ initiateAuthentication", ...
  std::string url;       // https://host:port/path
  int http_status = 0;   // 0 without an HTTP answer
  bool ok = false;
  std::string outcome;  // "noEimPackageAvailable(1)", "HTTP 503", "TLS: ...", ...
  Bytes request;
  Bytes response;
  std::chrono::milliseconds duration{0};
};

struct CycleReport {
  bool ok = true;
  std::string error;       // the first failure, one line
  unsigned eims = 0;       // eIMs polled
  unsigned packages = 0;   // eIM packages carried out
  unsigned exchanges = 0;  // ESipa and ES9+ exchanges
  TimePoint next_poll;
};

class IpaeObserver {
 public:
  virtual ~IpaeObserver() = default;
  virtual void exchange(const ExchangeRecord&) {}
  // Other events worth one line: a package carried out, a rollback, a refused peer.
  virtual void note(const std::string&) {}
  virtual void cycle_ended(const CycleReport&) {}
};

struct IpaeOptions {
  // TLS trust anchors besides those of the card (`serve --ipae-ca`), DER certificates.
  std::vector<Bytes> extra_ca_certificates;
  // Bounds of one cycle and one exchange.
  unsigned max_packages_per_cycle = 16;
  std::chrono::milliseconds exchange_timeout{30000};
};

class Ipae final : public BearerEvents {
 public:
  enum class Wake : std::uint8_t { kStartUp, kReset, kTrigger, kModeChange };

  // `card`, `bearer`, `clock` and `observer` must outlive the IPAe; `drbg` feeds TLS and the
  // schedule's jitter.
  Ipae(Es10Endpoint& card, Bearer& bearer, const Clock& clock, crypto::Drbg drbg,
       IpaeOptions options = {}, IpaeObserver* observer = nullptr);
  ~Ipae() override;
  Ipae(const Ipae&) = delete;
  Ipae& operator=(const Ipae&) = delete;

  // Something happened that may start a cycle: the card started or was reset (a poll at
  // once), an explicit trigger (a poll at once), the IPA mode changed (a poll at once if it
  // became ipae, the end of polling if not).
  void wake(Wake why);
  void on_bearer_event(const BearerEvent& event) override;
  // Time passed: starts a cycle that is due, fails an exchange whose deadline passed.
  void tick();
  // When tick() has something to do next; nothing while the IPAe is off or waits only on
  // the bearer.
  std::optional<TimePoint> next_wakeup() const;
  bool cycle_running() const;
  // What it is doing, for status lines: "idle", "GetEimPackage with eim-1", ...
  std::string phase() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace euiccsim::applets::ipae
