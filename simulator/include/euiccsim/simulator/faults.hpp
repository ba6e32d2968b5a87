// Fault injection on the card side (DESIGN.md "Faults on purpose"): a plan names where a
// fault strikes (the Nth C-APDU, or the APDU that executes an ES10 function) and what happens
// there: power loss before the answer, power loss in the middle of writing the card image (a
// tear), a reset, a different status word, a truncated or bit-flipped answer, a delay.
//
// The injector is the card's TransmitFilter and writes the card's image itself (its
// `save`), so it can stop a write half-way. After a power loss the card restarts from what is
// on disk (`reload`), exactly as a real card finds its NVM at the next power-up; the runtime's
// transactions (docs/architecture.md) are what make that state consistent, and this is what
// tests it. docs/scenarios.md has the plan's file form.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "euiccsim/simulator/card.hpp"

namespace euiccsim::sim {

struct CardFault {
  // ---- where (exactly one of apdu / es10_tag; neither: every APDU) ----
  // The Nth C-APDU the card receives after the plan is armed (1 = the first).
  std::optional<std::size_t> apdu;
  // The APDU that executes an ES10 function: the last STORE DATA block of a request whose
  // top-level tag is this (BF31 EnableProfile, ...). The simulator reads that tag only; which
  // function it names is the tools' business.
  std::optional<std::uint32_t> es10_tag;
  // Which match strikes: 1 = the first; 0 = every one.
  unsigned occurrence = 1;

  // ---- what ----
  enum class Kind : std::uint8_t {
    kPowerLoss,   // the card executes the command (its image is saved), the answer is lost
    kTear,        // power fails while the image is written: the command's change is lost
    kReset,       // the command executes, then a warm reset instead of the answer
    kStatusWord,  // the answer's status word is replaced by `sw`
    kTruncate,    // only the first `keep` bytes of the answer arrive
    kBitFlip,     // bit `bit` of the answer (0 = the MSB of its first byte) is inverted
    kDelay,       // the answer arrives `delay` later
  };
  Kind kind = Kind::kPowerLoss;
  // kTear: kWrite leaves the temporary image half written, kRename leaves it complete but not
  // renamed over the old one; both leave the old image in place.
  enum class TearPoint : std::uint8_t { kWrite, kRename };
  TearPoint tear = TearPoint::kWrite;
  std::uint16_t sw = 0x6F00;
  std::size_t keep = 0;
  std::size_t bit = 0;
  std::chrono::milliseconds delay{0};
};

const char* fault_kind_name(CardFault::Kind kind);
// "power loss before the answer at APDU 12", for traces and reports.
std::string describe(const CardFault& fault);

// What happened when a fault struck.
struct FiredFault {
  std::size_t fault = 0;  // index in the plan
  std::size_t apdu = 0;   // the APDU's number
  // kTear on a command that wrote no image: it became a power loss before the answer.
  bool no_write = false;
  std::string note;
};

// Thrown out of the image save when a tear strikes (the card then rolls the command back).
class PowerLoss : public std::runtime_error {
 public:
  PowerLoss() : std::runtime_error("power lost while the card image was written") {}
};

class FaultInjector final : public TransmitFilter {
 public:
  struct Hooks {
    // The card's state as its image holds it, after a power loss; by default the card keeps
    // its memory (a card that has no image).
    std::function<CardState()> reload;
    // How a delay passes: a runner advances its clock, `serve` sleeps.
    std::function<void(std::chrono::milliseconds)> wait;
  };
  FaultInjector(std::vector<CardFault> plan, Hooks hooks);

  // The card's Persist for an image at `path`: saves it atomically (sim::save_image), unless
  // a tear strikes the command under way.
  void save(const std::filesystem::path& path, const CardState& state);

  Outcome transmit(ByteView command, const std::function<Bytes(ByteView)>& card) override;
  std::optional<CardState> state_after_power_loss() override;

  std::size_t apdus() const;
  std::vector<FiredFault> fired() const;
  // Counting starts again from the next APDU (a runner arms the plan when its action starts).
  void rearm();

 private:
  bool matches(const CardFault& f, std::size_t index, bool es10_exec, std::uint32_t tag);

  mutable std::mutex mu_;
  std::vector<CardFault> plan_;
  std::vector<unsigned> seen_;  // matches so far, per fault
  Hooks hooks_;
  std::size_t apdus_ = 0;
  std::vector<FiredFault> fired_;
  // Per logical channel: the top-level tag of the STORE DATA chain under way.
  std::vector<std::optional<std::uint32_t>> chain_tag_ =
      std::vector<std::optional<std::uint32_t>>(20);
  // The tear armed for the command under way, and whether the save hit it.
  std::optional<CardFault::TearPoint> tear_;
  bool tore_ = false;
};

}  // namespace euiccsim::sim
