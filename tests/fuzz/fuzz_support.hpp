// What the card fuzz targets share: a card built once per process and restored per input, and
// the invariants every answer and every state change must keep.
//
// Building a card issues its identity (key generation, certificate signatures): milliseconds
// that once made a target run at a few hundred inputs a second. A target builds its card state
// once (a function-local static) and gives each input a fresh runtime made from a copy of it,
// with a DRBG from a fixed seed, so one input always meets the same card.
//
// Invariants (an abort is what libFuzzer reports):
// - every R-APDU is well formed (check_response);
// - every state the card persists comes back from its card image as it was, and no state
//   change escapes persistence (PersistCheck);
// - the sanitizers (ASan, UBSan) report nothing.
#pragma once

#include <cstdint>
#include <cstdlib>

#include "euiccsim/applets/apdu.hpp"
#include "euiccsim/simulator/card.hpp"
#include "euiccsim/simulator/card_image.hpp"

namespace euiccsim::fuzz {

// An R-APDU as ISO/IEC 7816-3/-4 allows it for this command under this protocol, as the card
// runtime promises it (simulator/card.hpp): a status word of 6X (X != 0) or 9X; no data beyond
// 256 bytes or the command's Ne, none for a command without Le or an unparsable one, none under
// T=0 except for a case-2 command (a case-4 Le never reaches a T=0 card), none with an error
// status (64xx-6Fxx); 6Cxx (wrong Le) only under T=0.
inline bool well_formed_response(ByteView command, ByteView response, sim::Protocol protocol) {
  if (response.size() < 2) return false;
  const std::uint8_t sw1 = response[response.size() - 2];
  const std::size_t data = response.size() - 2;
  if (!((sw1 >= 0x61 && sw1 <= 0x6F) || (sw1 >= 0x90 && sw1 <= 0x9F))) return false;
  if (data > 256) return false;
  if (sw1 >= 0x64 && sw1 <= 0x6F && data > 0) return false;
  if (sw1 == 0x6C && protocol != sim::Protocol::kT0) return false;
  if (data == 0) return true;
  const auto parsed = apdu::parse(command);
  if (!parsed.command || !parsed.command->ne) return false;
  if (data > *parsed.command->ne) return false;
  if (protocol == sim::Protocol::kT0 && parsed.command->apdu_case != apdu::Case::k2) return false;
  return true;
}

inline void check_response(ByteView command, ByteView response, sim::Protocol protocol) {
  if (!well_formed_response(command, response, protocol)) std::abort();
}

// The card's Persist callback for a fuzzed card: checks that each state it is asked to save
// round-trips through the card image, and counts saves, so that a target can check that the
// state never changed without one.
class PersistCheck {
 public:
  sim::Card::Persist callback() {
    return [this](const CardState& s) {
      ++saves_;
      if (!(sim::decode_image(sim::encode_image(s)) == s)) std::abort();
    };
  }
  std::size_t saves() const { return saves_; }

 private:
  std::size_t saves_ = 0;
};

// One APDU through `card` with every check: a well-formed answer, and a changed state only
// after a save (whose image round-trips, checked by PersistCheck).
inline Bytes transmit_checked(sim::Card& card, PersistCheck& persist, ByteView apdu) {
  const CardState before = card.state();
  const std::size_t saves = persist.saves();
  Bytes r = card.transmit(apdu);
  check_response(apdu, r, card.protocol());
  if (persist.saves() == saves && !(card.state() == before)) std::abort();
  return r;
}

// EUICCSIM_FUZZ_VERBOSE=1 makes a target say what became of each input (for seed authors:
// `EUICCSIM_FUZZ_VERBOSE=1 build/tests/fuzz_replay_download tests/fuzz/corpus/download`).
inline bool verbose() {
  static const bool on = [] {
    const char* v = std::getenv("EUICCSIM_FUZZ_VERBOSE");
    return v != nullptr && *v != '\0' && *v != '0';
  }();
  return on;
}

}  // namespace euiccsim::fuzz
