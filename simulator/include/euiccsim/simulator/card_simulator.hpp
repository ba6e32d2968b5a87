// The in-process API: a virtual eUICC in a few lines, for tests and IPA/LPA developers.
//
//   euiccsim::CardSimulator card;                     // a fresh card, in memory
//   card.select(euiccsim::aid::isd_r());
//   euiccsim::Bytes eid = card.es10(euiccsim::from_hex("BF3E035C015A"));
//   auto r = card.transmit("80CA005A00");           // any APDU, as hex or bytes
//   assert(r.sw == 0x9000);
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string_view>

#include "euiccsim/applets/aids.hpp"
#include "euiccsim/simulator/card.hpp"

namespace euiccsim {

// A status word where success was required.
class CardError : public std::runtime_error {
 public:
  CardError(const std::string& what, std::uint16_t sw) : std::runtime_error(what), sw(sw) {}
  std::uint16_t sw;
};

class CardSimulator {
 public:
  struct Options {
    // Out of line: g++ 12 inlining the moves of this struct warns falsely of an uninitialised
    // std::optional<path> (-Wmaybe-uninitialized) in callers.
    Options();
    Options(const Options&);
    Options(Options&&) noexcept;
    Options& operator=(const Options&);
    Options& operator=(Options&&) noexcept;
    ~Options();
    // Repeatable randomness; by default the operating system's.
    std::optional<std::uint64_t> seed;
    // Keep the card's image in this state directory; by default the card lives in memory. The
    // simulator then holds the card's lock while it lives: sim::CardBusy if another process
    // (or another simulator) runs the card.
    std::optional<std::filesystem::path> state_dir;
    // Open this card of state_dir, or give a new card this EID.
    std::optional<std::string> eid;
    // Run this card state as it is (in memory; state_dir and eid are then ignored).
    std::optional<CardState> state;
    // For a card not kept in state_dir: called with each new state before the response leaves
    // the card (e.g. sim::save_image to a file of the caller's); by default such a card lives
    // in memory only. std::invalid_argument when the card is state_dir's, which saves it.
    sim::Card::Persist persist;
    // T=1 honours Le directly; T=0 answers case-4 commands with 61xx, as PC/SC clients see.
    sim::Protocol protocol = sim::Protocol::kT1;
    std::shared_ptr<sim::TraceBus> trace;
  };

  CardSimulator();
  explicit CardSimulator(Options options);
  ~CardSimulator();
  CardSimulator(CardSimulator&&) noexcept;
  CardSimulator& operator=(CardSimulator&&) noexcept;

  const Bytes& atr() const;
  const Eid& eid() const;
  sim::Card& card() { return *card_; }

  apdu::Response transmit(ByteView command);
  apdu::Response transmit(std::string_view hex);
  // SELECT by AID on `channel`, fetching the FCI; throws CardError unless it succeeds.
  Bytes select(ByteView aid, unsigned channel = 0);
  // One ES10 function as an LPA sends it: STORE DATA blocks of `block_size` bytes, then
  // GET RESPONSE until the whole answer is in. Throws CardError on any other status word.
  Bytes es10(ByteView request, unsigned channel = 0, std::size_t block_size = 120);
  // Warm reset; returns the ATR.
  const Bytes& reset();

 private:
  // Collects 61xx continuations of `r` with GET RESPONSE on `channel`.
  apdu::Response fetch_all(apdu::Response r, unsigned channel);
  std::unique_ptr<sim::Card> card_;
};

}  // namespace euiccsim
