#include "euiccsim/simulator/host/ipae_runner.hpp"

#include <algorithm>

namespace euiccsim::sim::host {

using applets::ipae::CycleReport;
using applets::ipae::ExchangeRecord;
using applets::ipae::Ipae;

std::string exchange_line(const ExchangeRecord& r) {
  std::string line = r.function + " " + r.url + " -> ";
  if (r.http_status != 0) line += std::to_string(r.http_status) + " ";
  line += r.outcome + " (" + std::to_string(r.duration.count()) + " ms)";
  return line;
}

struct IpaeRunner::Entry final : applets::ipae::BearerEvents, applets::ipae::IpaeObserver {
  IpaeRunner& runner;
  Card& card;
  std::string eid;
  std::unique_ptr<applets::ipae::Bearer> port;
  std::function<void()> pump;
  std::unique_ptr<Ipae> ipae;
  std::atomic<bool> woken{false};
  std::vector<std::function<void(const CycleReport&)>> waiting;
  std::optional<CycleReport> last;

  Entry(IpaeRunner& r, Card& c) : runner(r), card(c), eid(c.id()) {}
  void on_bearer_event(const applets::ipae::BearerEvent& e) override { ipae->on_bearer_event(e); }
  void exchange(const ExchangeRecord& r) override {
    if (runner.options_.log) runner.options_.log(eid, exchange_line(r));
    if (runner.options_.exchange) runner.options_.exchange(eid, r);
    if (auto bus = card.trace_bus(); bus && !bus->empty()) {
      TraceEvent t;
      t.kind = TraceEvent::Kind::kEsipa;
      t.card = eid;
      t.command = r.request;
      t.response = r.response;
      t.peer = "POST " + r.url + " -> " +
               (r.http_status ? std::to_string(r.http_status) + " " : std::string()) + r.outcome;
      t.duration = r.duration;
      t.when = std::chrono::system_clock::now();
      bus->publish(t);
    }
  }
  void note(const std::string& line) override {
    if (runner.options_.log) runner.options_.log(eid, "IPAe: " + line);
  }
  void cycle_ended(const CycleReport& r) override {
    last = r;
    if (runner.options_.cycle_ended) runner.options_.cycle_ended(eid, r);
    auto w = std::move(waiting);
    waiting.clear();
    for (auto& f : w) f(r);
  }
};

IpaeRunner::IpaeRunner(const applets::ipae::Clock& clock, Options options)
    : clock_(clock), options_(std::move(options)) {}

IpaeRunner::~IpaeRunner() {
  for (auto& e : entries_) e->card.set_ipae_listener({});
  entries_.clear();
}

void IpaeRunner::add(Card& card, crypto::Drbg drbg) {
  auto e = std::make_unique<Entry>(*this, card);
  if (options_.bearer) {
    auto p = options_.bearer(card, *e, [this] { bearer_.wake(); });
    e->port = std::move(p.bearer);
    e->pump = std::move(p.pump);
  } else {
    e->port = bearer_.port(*e);
  }
  e->ipae = std::make_unique<Ipae>(card, *e->port, clock_, std::move(drbg), options_.ipae, e.get());
  Entry* raw = e.get();
  // Called with the card's lock held, from whichever thread ran the card: only a flag.
  card.set_ipae_listener([this, raw] {
    raw->woken = true;
    bearer_.wake();
  });
  entries_.push_back(std::move(e));
}

bool IpaeRunner::trigger(const std::string& eid, std::function<void(const CycleReport&)> done) {
  if (std::none_of(entries_.begin(), entries_.end(), [&](const auto& e) { return e->eid == eid; }))
    return false;
  {
    std::lock_guard lock(mu_);
    triggers_.emplace_back(eid, std::move(done));
  }
  bearer_.wake();
  return true;
}

unsigned IpaeRunner::running() const {
  unsigned n = 0;
  for (const auto& e : entries_) n += e->ipae->cycle_running() ? 1 : 0;
  return n;
}

bool IpaeRunner::room() const {
  return options_.max_concurrent_cycles == 0 || running() < options_.max_concurrent_cycles;
}

void IpaeRunner::service(bool start_up) {
  for (auto& e : entries_) {
    if (e->pump) e->pump();
  }
  for (auto& e : entries_) {
    if (start_up) e->woken = true;  // the start-up poll, within the bound like any other
    // A running cycle hears of the wake-up at once (a deactivation stops it); a new one waits
    // for room.
    if (e->woken && (e->ipae->cycle_running() || room())) {
      e->woken = false;
      e->ipae->wake(Ipae::Wake::kReset);
    }
  }
  decltype(triggers_) triggers;
  {
    std::lock_guard lock(mu_);
    triggers.swap(triggers_);
  }
  decltype(triggers_) later;
  for (auto& [eid, done] : triggers) {
    for (auto& e : entries_) {
      if (e->eid != eid) continue;
      if (!e->card.view().active) {
        CycleReport r;
        r.ok = false;
        r.error = "the IPAe is not active (ipaMode ipad: IpaeActivation selects it)";
        if (done) done(r);
        continue;
      }
      // A trigger asks for a cycle that starts after it: one under way may have passed its
      // GetEimPackage before the eIM queued what the trigger is about, so it waits for that
      // cycle's end (and, as any new cycle, for room).
      if (e->ipae->cycle_running() || !room()) {
        later.emplace_back(eid, std::move(done));
        continue;
      }
      if (done) e->waiting.push_back(std::move(done));
      e->ipae->wake(Ipae::Wake::kTrigger);
    }
  }
  if (!later.empty()) {
    std::lock_guard lock(mu_);
    triggers_.insert(triggers_.begin(), std::make_move_iterator(later.begin()),
                     std::make_move_iterator(later.end()));
  }
  const auto now = clock_.now();
  for (auto& e : entries_) {
    auto at = e->ipae->next_wakeup();
    if (!at || *at > now) continue;
    // The deadlines of running cycles always; a poll that is due only with room for it.
    if (e->ipae->cycle_running() || room()) e->ipae->tick();
  }
}

void IpaeRunner::run(int stop_fd) {
  bool stop = false;
  bearer_.watch(stop_fd, [&stop] { stop = true; });
  service(true);
  while (!stop) {
    auto wait = std::chrono::milliseconds(1000);
    const auto now = clock_.now();
    for (auto& e : entries_) {
      if (auto at = e->ipae->next_wakeup()) {
        auto d = std::chrono::duration_cast<std::chrono::milliseconds>(*at - now);
        wait = std::clamp(d + std::chrono::milliseconds(1), std::chrono::milliseconds(0), wait);
      }
    }
    bearer_.run_once(wait);
    service(false);
  }
  bearer_.unwatch(stop_fd);
}

std::vector<CycleReport> IpaeRunner::poll_all(std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  std::vector<std::optional<CycleReport>> out(entries_.size());
  std::vector<bool> started(entries_.size(), false);
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    if (!entries_[i]->card.view().active) {
      CycleReport r;
      r.ok = false;
      r.error = "the IPAe is not active (ipaMode ipad: IpaeActivation selects it)";
      out[i] = r;
      started[i] = true;
    }
  }
  // Starts cycles while there is room, in the order the cards were added.
  auto start_more = [&] {
    for (std::size_t i = 0; i < entries_.size() && room(); ++i) {
      if (started[i]) continue;
      started[i] = true;
      auto& e = *entries_[i];
      e.waiting.push_back([&out, i](const CycleReport& r) { out[i] = r; });
      e.ipae->wake(Ipae::Wake::kTrigger);
    }
  };
  start_more();
  auto pending = [&] {
    return std::any_of(out.begin(), out.end(), [](const auto& r) { return !r; });
  };
  while (pending() && std::chrono::steady_clock::now() < deadline) {
    auto wait = std::chrono::milliseconds(200);
    const auto now = clock_.now();
    for (auto& e : entries_) {
      if (auto at = e->ipae->next_wakeup()) {
        auto d = std::chrono::duration_cast<std::chrono::milliseconds>(*at - now);
        wait = std::clamp(d + std::chrono::milliseconds(1), std::chrono::milliseconds(0), wait);
      }
    }
    bearer_.run_once(wait);
    for (auto& e : entries_) {
      if (e->pump) e->pump();
    }
    const auto t = clock_.now();
    for (auto& e : entries_) {
      // Only the deadlines of the cycles under way; the schedule is for run().
      if (e->ipae->cycle_running()) {
        if (auto at = e->ipae->next_wakeup(); at && *at <= t) e->ipae->tick();
      }
    }
    start_more();
  }
  std::vector<CycleReport> reports;
  for (auto& r : out) {
    if (r) {
      reports.push_back(*r);
    } else {
      CycleReport late;
      late.ok = false;
      late.error = "the cycle did not end within " + std::to_string(limit.count() / 1000) + " s";
      reports.push_back(late);
    }
  }
  return reports;
}

}  // namespace euiccsim::sim::host
