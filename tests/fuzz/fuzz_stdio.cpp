// libFuzzer target for lpac's stdio backend: each input line is one request from the peer.
// Invariants: every line that parses as an "apdu" request, or does not parse at all, gets
// exactly one answer line of JSON; nothing throws; the card's identity never changes.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "euiccsim/simulator/euicc.hpp"
#include "euiccsim/simulator/host/stdio_backend.hpp"
#include "euiccsim/simulator/json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace euiccsim;
  auto card = sim::make_euicc(CardState(*Eid::parse("89049032123451234512345678901235")),
                              crypto::Drbg::from_seed(1));
  host::StdioBackend backend(*card,
                             size > 0 && (data[0] & 1) ? sim::Protocol::kT1 : sim::Protocol::kT0);
  const CardState before = card->state();
  std::string text(reinterpret_cast<const char*>(data), size);
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(start, end - start);
    start = end + 1;
    auto reply = backend.handle(line);
    if (reply) {
      auto parsed = json::parse(*reply);
      if (!parsed || !json::member(json::member(&*parsed, "payload"), "ecode")) std::abort();
    }
    if (!(card->state() == before)) std::abort();
  }
  return 0;
}
