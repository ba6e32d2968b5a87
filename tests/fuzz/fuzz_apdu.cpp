// libFuzzer target for the card's APDU entry point.
//
// The input is a session: records of [length byte][that many bytes], each sent to one card
// as a C-APDU; a length byte of FF is a warm reset instead. Invariants checked after every
// APDU: the card answers (at least a status word), never throws, and its identity and
// configuration never change (no command of the foundation may change state).
#include <cstdint>
#include <cstdlib>

#include "euiccsim/simulator/card_simulator.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace euiccsim;
  CardSimulator::Options o;
  o.seed = 1;
  o.eid = "89049032123451234512345678901235";
  o.protocol = (size > 0 && (data[0] & 1)) ? sim::Protocol::kT0 : sim::Protocol::kT1;
  CardSimulator card(o);
  const CardState before = card.card().state();
  std::size_t pos = size > 0 ? 1 : 0;
  while (pos < size) {
    const std::size_t n = data[pos++];
    if (n == 0xFF) {
      card.reset();
      continue;
    }
    const std::size_t take = n < size - pos ? n : size - pos;
    Bytes apdu(data + pos, data + pos + take);
    pos += take;
    Bytes r = card.card().transmit(apdu);
    if (r.size() < 2) std::abort();
    if (!(card.card().state() == before)) std::abort();
  }
  return 0;
}
