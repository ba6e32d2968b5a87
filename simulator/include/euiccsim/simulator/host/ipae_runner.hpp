// Runs the IPAes of cards (applets/ipae) on one thread: one SocketBearer carries every card's
// channels, one clock serves them all, and each card's exchanges become one log line and a
// trace event (kind esipa). `serve` runs one for its IoT cards; `ipae poll` runs one for one
// card until its cycle ends; a fleet runner will run thousands of cards on a few of them.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "euiccsim/applets/ipae/ipae.hpp"
#include "euiccsim/simulator/card.hpp"
#include "euiccsim/simulator/host/socket_bearer.hpp"

namespace euiccsim::sim::host {

class IpaeRunner {
 public:
  struct Options {
    applets::ipae::IpaeOptions ipae;
    // One line per exchange and per IPAe event, without the EID (given apart).
    std::function<void(const std::string& eid, const std::string& line)> log;
    std::function<void(const std::string& eid, const applets::ipae::CycleReport&)> cycle_ended;
    // At most this many cycles under way at once (0: no bound). A fleet's cards due together
    // then queue instead of all opening connections and all waiting on one thread's image
    // writes at once; a card that waits keeps its place (triggers, resets, schedule).
    unsigned max_concurrent_cycles = 0;
    // Every exchange as recorded (benchmarks: durations, outcomes).
    std::function<void(const std::string& eid, const applets::ipae::ExchangeRecord&)> exchange;
    // Where a card's IPAe reaches the network; empty: the runner's own sockets. `wake` turns
    // the runner's loop from any thread; `pump`, set by the factory, is then called on the
    // runner's thread at every turn to deliver the bearer's events (CAT/BIP: bip_bearer.hpp).
    struct Port {
      std::unique_ptr<applets::ipae::Bearer> bearer;
      std::function<void()> pump;
    };
    std::function<Port(Card&, applets::ipae::BearerEvents&, std::function<void()> wake)> bearer;
  };

  IpaeRunner(const applets::ipae::Clock& clock, Options options);
  ~IpaeRunner();
  IpaeRunner(const IpaeRunner&) = delete;
  IpaeRunner& operator=(const IpaeRunner&) = delete;

  // Drives `card`'s IPAe (a card made with one); `card` must outlive the runner. Before run().
  void add(Card& card, crypto::Drbg drbg);
  std::size_t cards() const { return entries_.size(); }

  // The loop, until `stop_fd` becomes readable: every IPAe is woken at start (a poll at
  // start-up), then on card resets, IPA mode changes, triggers and its own schedule.
  void run(int stop_fd);
  // From any thread: card `eid` polls now; `done` runs on the runner's thread with the report
  // of that cycle. False if the runner has no such card.
  bool trigger(const std::string& eid, std::function<void(const applets::ipae::CycleReport&)> done);
  // On the calling thread, without run(): one cycle of every card, to its end or until
  // `limit` passes (then the report says so). The reports in the order cards were added.
  std::vector<applets::ipae::CycleReport> poll_all(std::chrono::milliseconds limit);
  SocketBearer& bearer() { return bearer_; }

 private:
  struct Entry;
  void service(bool start_up);
  unsigned running() const;
  bool room() const;

  const applets::ipae::Clock& clock_;
  Options options_;
  SocketBearer bearer_;
  std::vector<std::unique_ptr<Entry>> entries_;
  std::mutex mu_;  // guards triggers_
  std::vector<std::pair<std::string, std::function<void(const applets::ipae::CycleReport&)>>>
      triggers_;
};

// One line for an exchange: "GetEimPackage https://h:p/gsma/rsp2/asn1 -> 200
// eimPackageError noEimPackageAvailable(1) (12 ms)".
std::string exchange_line(const applets::ipae::ExchangeRecord& r);

}  // namespace euiccsim::sim::host
