// A state directory: one card image per card, named <EID>.card.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "euiccsim/applets/card_state.hpp"
#include "euiccsim/crypto/drbg.hpp"
#include "euiccsim/simulator/card_lock.hpp"
#include "euiccsim/simulator/identity.hpp"

namespace euiccsim::sim {

// A profile a card leaves the factory with.
struct Preload {
  profiles::InstalledProfile profile;
  ProfileMetadata metadata;
  bool enabled = false;
};

struct NewCard {
  std::optional<Eid> eid;           // otherwise generated
  std::string eid_prefix = "8900";  // digits the generated EID starts with
  // Who issues the card's eUICC certificate and which CIs it trusts; otherwise the state
  // directory's own test PKI (pki/, made on first use).
  std::optional<CardIssuer> issuer;
  CardConfig config;
  // Installed in new ISD-Ps, in order (at most one enabled).
  std::vector<Preload> profiles;
};

// A card of a state directory claimed by this process (StateDirectory::claim): its state, and
// the function that saves a new state of it, which holds the card's lock for as long as it (or
// a copy of it) lives. Give it to the Card that runs the card.
struct ClaimedCard {
  CardState state;
  std::function<void(const CardState&)> persist;
};

class StateDirectory {
 public:
  explicit StateDirectory(std::filesystem::path dir);
  // $XDG_DATA_HOME/euicc-sim, else ~/.local/share/euicc-sim.
  static std::filesystem::path default_path();

  const std::filesystem::path& path() const { return dir_; }
  // EIDs of the images present, sorted; files that are not <EID>.card are ignored.
  std::vector<std::string> list() const;
  std::filesystem::path image_path(const std::string& eid) const;
  bool contains(const std::string& eid) const;
  // A snapshot of the card's image, for reading (`card show`); takes no lock.
  CardState load(const std::string& eid) const;
  // Locks the card for this process and loads it: CardBusy when another process runs it.
  ClaimedCard claim(const std::string& eid) const;
  // Creates the directory if needed and writes a new card's image; refuses an EID in use.
  // The card's eUICC certificate comes from options.issuer, else from the directory's own
  // issuer (pki/, made on first use).
  CardState create(const NewCard& options, crypto::Drbg& drbg) const;
  // Deletes the card's image, under its lock: CardBusy when another process runs the card.
  void remove(const std::string& eid) const;

 private:
  std::filesystem::path dir_;
};

}  // namespace euiccsim::sim
