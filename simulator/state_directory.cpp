#include "euiccsim/simulator/state_directory.hpp"

#include "euiccsim/applets/isdp/profile_state.hpp"
#include "euiccsim/simulator/identity.hpp"

#include <algorithm>
#include <cstdlib>

#include "euiccsim/simulator/card_image.hpp"

namespace euiccsim::sim {

namespace {
constexpr const char* kSuffix = ".card";
}

StateDirectory::StateDirectory(std::filesystem::path dir) : dir_(std::move(dir)) {}

std::filesystem::path StateDirectory::default_path() {
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg) {
    return std::filesystem::path(xdg) / "euicc-sim";
  }
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home && *home ? home : ".") / ".local" / "share" / "euicc-sim";
}

std::vector<std::string> StateDirectory::list() const {
  std::vector<std::string> out;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir_, ec)) return out;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    const auto name = entry.path().filename().string();
    if (name.size() != Eid::kDigits + 5 || !name.ends_with(kSuffix)) continue;
    const auto eid = name.substr(0, Eid::kDigits);
    if (Eid::parse(eid)) out.push_back(eid);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::filesystem::path StateDirectory::image_path(const std::string& eid) const {
  return dir_ / (eid + kSuffix);
}

bool StateDirectory::contains(const std::string& eid) const {
  std::error_code ec;
  return std::filesystem::exists(image_path(eid), ec);
}

namespace {
void check_named(const std::filesystem::path& image, const CardState& state,
                 const std::string& eid) {
  if (state.eid.str() != eid) {
    throw ImageError(image.string() + ": holds card " + state.eid.str() +
                     ", not the one its name says");
  }
}
}  // namespace

CardState StateDirectory::load(const std::string& eid) const {
  if (!contains(eid)) throw ImageError("no card " + eid + " in " + dir_.string());
  auto state = load_image(image_path(eid));
  check_named(image_path(eid), state, eid);
  return state;
}

ClaimedCard StateDirectory::claim(const std::string& eid) const {
  if (!contains(eid)) throw ImageError("no card " + eid + " in " + dir_.string());
  auto lock = std::make_shared<CardLock>(CardLock::acquire(image_path(eid)));
  auto state = lock->load();
  check_named(image_path(eid), state, eid);
  return ClaimedCard{std::move(state), [lock](const CardState& s) { lock->save(s); }};
}

CardState StateDirectory::create(const NewCard& options, crypto::Drbg& drbg) const {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) throw ImageError("cannot create state directory " + dir_.string() + ": " + ec.message());
  Eid eid = options.eid ? *options.eid : Eid::generate(options.eid_prefix, drbg);
  if (options.eid && contains(eid.str())) {
    throw ImageError("a card with EID " + eid.str() + " already exists in " + dir_.string());
  }
  // A generated EID colliding with an existing card is improbable but cheap to rule out.
  for (int tries = 0; !options.eid && contains(eid.str()); ++tries) {
    if (tries == 100) throw ImageError("cannot find a free EID with prefix " + options.eid_prefix);
    eid = Eid::generate(options.eid_prefix, drbg);
  }
  CardState state(eid);
  state.config = options.config;
  if (options.issuer) {
    issue_identity(state, *options.issuer, drbg);
  } else {
    issue_identity(state, state_directory_issuer(dir_, drbg), drbg);
  }
  for (const auto& p : options.profiles)
    applets::isdp::preload(state, p.profile, p.metadata, p.enabled);
  // A new file: nobody can hold its lock yet.
  save_image(image_path(state.eid.str()), state);
  return state;
}

void StateDirectory::remove(const std::string& eid) const {
  if (!contains(eid)) throw ImageError("no card " + eid + " in " + dir_.string());
  CardLock::acquire(image_path(eid)).remove();
}

}  // namespace euiccsim::sim
