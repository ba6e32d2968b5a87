// The IPAe's poll cycle (SGP.32 v1.2 §3.1.1.1, eIM package retrieval; docs/ipae.md): the
// schedule that starts cycles, the walk over the associated eIMs, and the exchanges every
// procedure file uses.
//
// One cycle, per eIM with an eimFqdn that retrieves over HTTPS, in the card's order:
//  1. the package in flight for that eIM, if a restart interrupted one (its result again);
//  2. the card's stored EuiccPackageResults of that eIM (ProvideEimPackageResult), removed
//     once acknowledged;
//  3. for the first eIM only, every other pending notification (HandleNotification);
//  4. GetEimPackage, the package carried out and reported, again until noEimPackageAvailable
//     (at most max_packages_per_cycle).
// A failed exchange ends that eIM's turn; the cycle still visits the others. The next cycle
// comes after poll_interval_s (+- jitter) when all went well, else after the back-off.
#include <algorithm>

#include "euiccsim/crypto/tlv.hpp"
#include "ipae_impl.hpp"

#include <EimConfigurationData.h>
#include <GetEimConfigurationDataResponse.h>
#include <SubjectPublicKeyInfo.h>

#include "euiccsim/applets/rsp_asn1.hpp"

namespace euiccsim::applets::ipae {

namespace {
constexpr const char* kUserAgent = "euicc-sim-ipae/0.1";
// ESipa exchanges are bounded: an answer carries at most a Bound Profile Package.
constexpr std::size_t kMaxEsipaBody = 1u << 20;
// ES9+'s JSON carries a package in base64.
constexpr std::size_t kMaxEs9Body = 2u << 20;
}  // namespace

Ipae::Impl::Impl(Es10Endpoint& card, Bearer& bearer, const Clock& clock, crypto::Drbg drbg,
                 IpaeOptions options, IpaeObserver* observer)
    : card(card),
      bearer(bearer),
      clock(clock),
      drbg(std::move(drbg)),
      options(std::move(options)),
      observer(observer),
      https(bearer, clock, this->drbg.rng()) {}

// ---- schedule ----

void Ipae::Impl::wake(Wake why) {
  const auto view = card.view();
  if (!view.active) {
    // Deactivated (IpaeActivation, a terminal's IPAd): the cycle under way stops at the next
    // eIM boundary, and no other starts.
    stop_requested = running;
    return;
  }
  stop_requested = false;
  if (running) return;
  (void)why;  // start-up, reset, trigger and activation all poll at once
  if (view.state.next_poll_ms != 0) {
    try {
      save([](IpaeState& s) { s.next_poll_ms = 0; });
    } catch (const std::exception& e) {
      note(std::string("cannot save the IPAe state: ") + e.what());
    }
  }
  start_cycle();
}

std::optional<TimePoint> Ipae::Impl::next_wakeup() const {
  if (running) return https.deadline();
  const auto view = card.view();
  if (!view.active) return std::nullopt;
  return from_unix_ms(view.state.next_poll_ms);
}

void Ipae::Impl::tick() {
  if (running) {
    https.tick();
    return;
  }
  const auto view = card.view();
  if (view.active && unix_ms(clock.now()) >= view.state.next_poll_ms) start_cycle();
}

TimePoint Ipae::Impl::schedule_after(bool ok, std::uint32_t failed_cycles, const IpaeConfig& cfg) {
  using std::chrono::seconds;
  const auto now = clock.now();
  std::int64_t base_s = cfg.poll_interval_s;
  if (!ok) {
    // backoff_min, doubled per failed cycle, at most backoff_max.
    std::int64_t d = std::max<std::int64_t>(cfg.backoff_min_s, 1);
    for (std::uint32_t i = 1; i < failed_cycles && d < cfg.backoff_max_s; ++i) d *= 2;
    base_s = std::min<std::int64_t>(d, std::max(cfg.backoff_max_s, cfg.backoff_min_s));
  }
  // Jitter spreads a fleet's cards over time; never more than half the delay.
  const std::int64_t jitter = std::min<std::int64_t>(cfg.poll_jitter_s, base_s / 2);
  std::int64_t offset_ms = 0;
  if (jitter > 0) {
    offset_ms =
        static_cast<std::int64_t>(drbg.uniform(static_cast<std::uint64_t>(jitter) * 2000 + 1)) -
        jitter * 1000;
  }
  return now + seconds(base_s) + std::chrono::milliseconds(offset_ms);
}

// ---- the cycle ----

void Ipae::Impl::start_cycle() {
  running = true;
  stop_requested = false;
  report = CycleReport{};
  eim_index = 0;
  download.reset();
  phase = "starting a cycle";
  try {
    targets = read_eims();
    cycle_start_view = profiles_view();
  } catch (const std::exception& e) {
    report.ok = false;
    report.error = std::string("the card: ") + e.what();
    targets.clear();
  }
  next_eim();
}

void Ipae::Impl::next_eim() {
  if (stop_requested || eim_index >= targets.size()) {
    end_cycle();
    return;
  }
  ++report.eims;
  phase = "with " + eim().id;
  try {
    const auto view = card.view();
    if (view.state.in_flight && view.state.in_flight->eim_id == eim().id) {
      resume_in_flight();
    } else {
      deliver_stored_results();
    }
  } catch (const std::exception& e) {
    eim_failed(std::string("the card: ") + e.what());
  }
}

void Ipae::Impl::eim_done() {
  ++eim_index;
  next_eim();
}

void Ipae::Impl::eim_failed(const std::string& why) {
  // The exchange that failed was logged already; the cycle's report carries the first error.
  if (report.ok) {
    report.ok = false;
    report.error = eim().id + ": " + why;
  }
  https.close();
  download.reset();
  try {
    count_rollback_failure();
  } catch (const std::exception& e) {
    note(std::string("ProfileRollback: ") + e.what());
  }
  ++eim_index;
  next_eim();
}

void Ipae::Impl::end_cycle() {
  https.close();
  running = false;
  phase = "idle";
  const auto view = card.view();
  const auto& cfg = view.config;
  const std::uint32_t failed = report.ok ? 0 : view.state.failed_cycles + 1;
  const TimePoint next = schedule_after(report.ok, failed, cfg);
  report.next_poll = next;
  try {
    save([&](IpaeState& s) {
      s.next_poll_ms = unix_ms(next);
      s.last_cycle_ms = unix_ms(clock.now());
      s.failed_cycles = failed;
      ++s.cycles;
      s.packages += report.packages;
      s.last_error = report.ok ? std::string() : report.error;
    });
  } catch (const std::exception& e) {
    note(std::string("cannot save the IPAe state: ") + e.what());
  }
  if (observer) observer->cycle_ended(report);
}

// ---- the card ----

apdu::Response Ipae::Impl::es10_raw(ByteView request) {
  return card.es10(request);
}

Bytes Ipae::Impl::es10(ByteView request) {
  auto r = card.es10(request);
  if (r.sw != apdu::sw::kOk || r.data.empty()) {
    char sw[8];
    std::snprintf(sw, sizeof sw, "%04X", r.sw);
    const auto head = tlv::read_header(request);
    throw CardFault("ES10 " + to_hex(tlv::encode_uint(head ? head->tag : 0, 2)) + " answered " +
                    sw);
  }
  return std::move(r.data);
}

void Ipae::Impl::save(const std::function<void(IpaeState&)>& change) {
  card.update_ipae(change);
}

Bytes Ipae::Impl::eid() {
  return card.view().eid.bytes();
}

void Ipae::Impl::remove_notifications(const std::vector<std::uint64_t>& seqs) {
  for (auto seq : seqs) {
    // RemoveNotificationFromList BF30 { 80 seqNumber }.
    const Bytes req =
        tlv::encode(0xBF30, tlv::encode(0x80, tlv::der_integer(static_cast<std::int64_t>(seq))));
    es10(req);
  }
}

std::vector<EimTarget> Ipae::Impl::read_eims() {
  const Bytes rsp = es10(Bytes{0xBF, 0x55, 0x00});
  auto list = rsp::decode_request<GetEimConfigurationDataResponse_t>(
      asn_DEF_GetEimConfigurationDataResponse, rsp);
  if (!list) throw CardFault("GetEimConfigurationData answered what does not decode");
  const auto view = card.view();
  std::vector<EimTarget> out;
  auto body = esipa::value_of(rsp, 0xBF55);
  auto a0 = body ? esipa::child(*body, 0xA0) : std::nullopt;
  auto raw = a0 ? tlv::read_all(*a0) : std::nullopt;
  for (int i = 0; i < list->eimConfigurationDataList.list.count; ++i) {
    const auto& c = *list->eimConfigurationDataList.list.array[i];
    EimTarget t;
    t.id = asn1::string_of(c.eimId);
    if (raw && static_cast<std::size_t>(i) < raw->size()) {
      auto b = (*raw)[static_cast<std::size_t>(i)].bytes();
      t.configuration.assign(b.begin(), b.end());
    }
    if (c.eimFqdn == nullptr) continue;  // nothing to reach: an eIM that injects, or none
    if (c.eimSupportedProtocol != nullptr && (asn1::bits_of(*c.eimSupportedProtocol) & 1u) == 0) {
      continue;  // no eimRetrieveHttps: not this transport's to poll
    }
    auto hp = esipa::host_port(asn1::string_of(*c.eimFqdn), 443);
    if (!hp) {
      note(t.id + ": eimFqdn '" + asn1::string_of(*c.eimFqdn) + "' is not host[:port]; skipped");
      continue;
    }
    t.host = hp->first;
    t.port = hp->second;
    t.indirect = c.indirectProfileDownload != nullptr;
    if (c.trustedPublicKeyDataTls != nullptr) {
      const auto& k = *c.trustedPublicKeyDataTls;
      try {
        if (k.present == TrustedPublicKeyDataTls_PR_trustedEimPkTls) {
          t.trust.pinned_keys.push_back(
              asn1::encode(asn_DEF_SubjectPublicKeyInfo, &k.choice.trustedEimPkTls));
        } else if (k.present == TrustedPublicKeyDataTls_PR_trustedCertificateTls) {
          t.trust.certificates.push_back(
              asn1::encode(asn_DEF_Certificate, &k.choice.trustedCertificateTls));
        }
      } catch (const std::exception&) {
      }
    }
    for (const auto& ca : view.config.tls_ca_certificates) t.trust.certificates.push_back(ca);
    for (const auto& ca : options.extra_ca_certificates) t.trust.certificates.push_back(ca);
    out.push_back(std::move(t));
  }
  return out;
}

TlsTrust Ipae::Impl::smdp_trust() {
  // SGP.22 §2.6.6: an SM-DP+'s TLS certificate chains to a GSMA CI, so the card's own CIs are
  // anchors; the configured CAs are added for test servers with their own CA.
  const auto view = card.view();
  TlsTrust t;
  t.certificates = view.ci_certificates;
  for (const auto& ca : view.config.tls_ca_certificates) t.certificates.push_back(ca);
  for (const auto& ca : options.extra_ca_certificates) t.certificates.push_back(ca);
  return t;
}

// ---- peers ----

void Ipae::Impl::note(const std::string& line) {
  if (observer) observer->note(line);
}

void Ipae::Impl::record(const std::string& peer, const std::string& function,
                        const std::string& url, const HttpRequest& req, const HttpResponse& rsp,
                        bool ok, const std::string& outcome, TimePoint started) {
  ++report.exchanges;
  if (!observer) return;
  ExchangeRecord r;
  r.peer = peer;
  r.function = function;
  r.url = url;
  r.http_status = rsp.ok ? rsp.status : 0;
  r.ok = ok;
  r.outcome = outcome;
  r.request = req.body;
  r.response = rsp.body;
  r.duration = std::chrono::duration_cast<std::chrono::milliseconds>(clock.now() - started);
  observer->exchange(r);
}

void Ipae::Impl::send_esipa(const std::string& function, Bytes body,
                            std::function<void(Reply)> next) {
  const EimTarget& t = eim();
  HttpRequest req;
  req.host = t.host;
  req.port = t.port;
  req.path = esipa::kPath;
  // ESIPA.md §2.1: the headers of the public IPAd; X-Admin-Protocol the value the strict eIM
  // accepts.
  req.headers = {{"User-Agent", kUserAgent},
                 {"X-Admin-Protocol", esipa::kAdminProtocol},
                 {"Content-Type", esipa::kContentType},
                 {"Accept", ""}};
  req.body = std::move(body);
  req.trust = t.trust;
  req.timeout = options.exchange_timeout;
  req.max_body = kMaxEsipaBody;
  const std::string url = "https://" + t.host + ":" + std::to_string(t.port) + esipa::kPath;
  const std::string peer = "eIM " + t.id;
  const auto started = clock.now();
  phase = function + " with " + t.id;
  auto copy = req;
  https.request(std::move(req), [this, function, url, peer, started, copy,
                                 next = std::move(next)](HttpResponse rsp) {
    Reply reply;
    std::string outcome;
    if (!rsp.ok) {
      outcome = rsp.error;
    } else if (rsp.status != 200 && rsp.status != 204) {
      outcome = "HTTP " + std::to_string(rsp.status);
    } else if (!rsp.body.empty()) {
      auto ct = rsp.headers.find("content-type");
      const std::string type =
          ct == rsp.headers.end() ? "" : ct->second.substr(0, ct->second.find(';'));
      if (!type.empty() && type != esipa::kContentType && type != esipa::kAltContentType) {
        outcome = "HTTP " + std::to_string(rsp.status) + " with Content-Type '" + type + "'";
      } else {
        reply.ok = true;
        outcome = esipa::describe(rsp.body);
      }
    } else {
      reply.ok = true;
      outcome = "HTTP " + std::to_string(rsp.status) + ", empty";
    }
    reply.status = rsp.ok ? rsp.status : 0;
    reply.error = reply.ok ? "" : function + ": " + outcome;
    record(peer, function, url, copy, rsp, reply.ok, outcome, started);
    reply.body = std::move(rsp.body);
    try {
      next(std::move(reply));
    } catch (const std::exception& e) {
      eim_failed(std::string("the card: ") + e.what());
    }
  });
}

void Ipae::Impl::send_es9(const std::string& host, std::uint16_t port, const std::string& function,
                          std::string json, std::function<void(Reply)> next) {
  HttpRequest req;
  req.host = host;
  req.port = port;
  req.path = std::string("/gsma/rsp2/es9plus/") + function;
  req.headers = {{"User-Agent", kUserAgent},
                 {"X-Admin-Protocol", "gsma/rsp/v2.2.0"},
                 {"Content-Type", "application/json;charset=UTF-8"},
                 {"Accept", "application/json"}};
  req.body.assign(json.begin(), json.end());
  req.trust = smdp_trust();
  req.timeout = options.exchange_timeout;
  req.max_body = kMaxEs9Body;
  const std::string url = "https://" + host + ":" + std::to_string(port) + req.path;
  const std::string peer = "SM-DP+ " + host;
  const auto started = clock.now();
  phase = "ES9+ " + function + " with " + host;
  auto copy = req;
  https.request(std::move(req), [this, function, url, peer, started, copy,
                                 next = std::move(next)](HttpResponse rsp) {
    Reply reply;
    std::string outcome;
    if (!rsp.ok) {
      outcome = rsp.error;
    } else if (rsp.status != 200 && rsp.status != 204) {
      outcome = "HTTP " + std::to_string(rsp.status);
    } else {
      reply.ok = true;
      outcome = "HTTP " + std::to_string(rsp.status);
    }
    reply.status = rsp.ok ? rsp.status : 0;
    reply.error = reply.ok ? "" : "ES9+ " + function + ": " + outcome;
    record(peer, "ES9+ " + function, url, copy, rsp, reply.ok, outcome, started);
    reply.body = std::move(rsp.body);
    try {
      next(std::move(reply));
    } catch (const std::exception& e) {
      eim_failed(std::string("the card: ") + e.what());
    }
  });
}

// ---- Ipae ----

Ipae::Ipae(Es10Endpoint& card, Bearer& bearer, const Clock& clock, crypto::Drbg drbg,
           IpaeOptions options, IpaeObserver* observer)
    : impl_(std::make_unique<Impl>(card, bearer, clock, std::move(drbg), std::move(options),
                                   observer)) {}

Ipae::~Ipae() = default;

void Ipae::wake(Wake why) {
  impl_->wake(why);
}

void Ipae::on_bearer_event(const BearerEvent& event) {
  impl_->https.on_bearer_event(event);
}

void Ipae::tick() {
  impl_->tick();
}

std::optional<TimePoint> Ipae::next_wakeup() const {
  return impl_->next_wakeup();
}

bool Ipae::cycle_running() const {
  return impl_->running;
}

std::string Ipae::phase() const {
  return impl_->phase;
}

}  // namespace euiccsim::applets::ipae
