// libFuzzer target for the card's APDU entry point.
//
// The input is a session: its first byte's low bit picks the protocol (1: T=0), then records
// of [length byte][that many bytes], each sent to one card as a C-APDU; a length byte of FF is
// a warm reset instead. The card (an SGP.22 card with its identity, no profile) is built once
// per process; each input runs on a fresh runtime made from a copy of its state.
// Invariants after every APDU (fuzz_support.hpp): a well-formed R-APDU, and a state that
// changes only through a save whose card image round-trips. The ISD-R has state-changing
// functions (SetDefaultDpAddress, SetNickname, ...): a change is allowed, an unsaved or
// unrepresentable one is not.
#include <cstdint>
#include <cstdlib>

#include "euiccsim/simulator/card_simulator.hpp"
#include "euiccsim/simulator/identity.hpp"
#include "fuzz_support.hpp"

namespace {
using namespace euiccsim;

const CardState& base_state() {
  // The card CardSimulator makes for seed 1 (an in-memory card with a throw-away issuer).
  static const CardState state = [] {
    CardState s(*Eid::parse("89049032123451234512345678901235"));
    auto drbg = crypto::Drbg::from_seed(1, "issuer");
    sim::issue_identity(s, sim::make_test_issuer(drbg), drbg);
    return s;
  }();
  return state;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::PersistCheck persist;
  CardSimulator::Options o;
  o.seed = 1;
  o.state = base_state();
  o.persist = persist.callback();
  o.protocol = (size > 0 && (data[0] & 1)) ? sim::Protocol::kT0 : sim::Protocol::kT1;
  CardSimulator card(std::move(o));
  std::size_t pos = size > 0 ? 1 : 0;
  while (pos < size) {
    const std::size_t n = data[pos++];
    if (n == 0xFF) {
      card.reset();
      continue;
    }
    const std::size_t take = n < size - pos ? n : size - pos;
    ByteView apdu(data + pos, take);
    pos += take;
    fuzz::transmit_checked(card.card(), persist, apdu);
  }
  return 0;
}
