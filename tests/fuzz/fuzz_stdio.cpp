// libFuzzer target for lpac's stdio backend: each input line is one request from the peer; the
// first byte's low bit picks the protocol (1: T=1). The card (an SGP.22 card with its identity)
// is built once per process; each input runs on a fresh runtime made from a copy of its state.
// Invariants: every line that parses as an "apdu" request, or does not parse at all, gets
// exactly one answer line of JSON with an ecode; a transmit's data is a well-formed R-APDU for
// its command; the card's state changes only through a save whose card image round-trips
// (fuzz_support.hpp); nothing throws.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "euiccsim/simulator/euicc.hpp"
#include "euiccsim/simulator/host/stdio_backend.hpp"
#include "euiccsim/simulator/identity.hpp"
#include "euiccsim/simulator/json.hpp"
#include "fuzz_support.hpp"

namespace {
using namespace euiccsim;

const CardState& base_state() {
  static const CardState state = [] {
    CardState s(*Eid::parse("89049032123451234512345678901235"));
    auto drbg = crypto::Drbg::from_seed(1, "issuer");
    sim::issue_identity(s, sim::make_test_issuer(drbg), drbg);
    return s;
  }();
  return state;
}

// The C-APDU of a transmit request, if the line is one the backend sends to the card.
std::optional<Bytes> transmitted(const std::string& line) {
  auto doc = json::parse(line);
  if (!doc) return std::nullopt;
  const auto* payload = json::member(*doc, "payload");
  const auto* func = json::string_of(json::member(payload, "func"));
  const auto* param = json::string_of(json::member(payload, "param"));
  if (!func || *func != "transmit" || !param) return std::nullopt;
  try {
    return from_hex(*param);
  } catch (const HexError&) {
    return std::nullopt;
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::PersistCheck persist;
  auto card = sim::make_euicc(base_state(), crypto::Drbg::from_seed(1), persist.callback());
  const sim::Protocol protocol =
      size > 0 && (data[0] & 1) ? sim::Protocol::kT1 : sim::Protocol::kT0;
  host::StdioBackend backend(*card, protocol);
  std::string text(reinterpret_cast<const char*>(data), size);
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(start, end - start);
    start = end + 1;
    const CardState before = card->state();
    const std::size_t saves = persist.saves();
    auto reply = backend.handle(line);
    if (persist.saves() == saves && !(card->state() == before)) std::abort();
    if (!reply) continue;
    auto parsed = json::parse(*reply);
    const json::Value* payload = parsed ? json::member(*parsed, "payload") : nullptr;
    if (!payload || !json::member(payload, "ecode")) std::abort();
    const auto* r = json::member(payload, "data");
    if (r == nullptr) continue;
    auto command = transmitted(line);
    if (!command || !json::string_of(r)) std::abort();
    fuzz::check_response(*command, from_hex(*json::string_of(r)), protocol);
  }
  return 0;
}
