// Card-side cost of APDUs in-process: round trips per second and latency percentiles for a
// SELECT and for GetEID over STORE DATA. Prints numbers; never passes or fails on them.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "euiccsim/simulator/card_simulator.hpp"

namespace {
void run(const char* name, euiccsim::CardSimulator& card, const euiccsim::Bytes& apdu, int n) {
  std::vector<double> us;
  us.reserve(static_cast<std::size_t>(n));
  auto all = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) {
    auto t = std::chrono::steady_clock::now();
    auto r = card.card().transmit(apdu);
    us.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t).count());
    if (r.size() < 2) std::abort();
  }
  double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - all).count();
  std::sort(us.begin(), us.end());
  std::printf("%-28s %9.0f APDU/s  p50 %6.2f us  p99 %6.2f us  (n=%d)\n", name, n / total,
              us[us.size() / 2], us[us.size() * 99 / 100], n);
}
}  // namespace

int main() {
  euiccsim::CardSimulator::Options o;
  o.seed = 1;
  euiccsim::CardSimulator card(o);
  run("SELECT ISD-R (P2=0C)", card,
      euiccsim::from_hex("00A4040C10A0000005591010FFFFFFFF8900000100"), 200000);
  run("STORE DATA GetEID (case 4)", card, euiccsim::from_hex("80E2910006BF3E035C015A00"), 200000);
  return 0;
}
