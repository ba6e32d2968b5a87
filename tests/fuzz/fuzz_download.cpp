// libFuzzer target for the download path past PrepareDownload: LoadBoundProfilePackage, the BPP
// stream, the SCP03t receiver, InitialiseSecureChannel, ConfigureISDP, StoreMetadata,
// ReplaceSessionKeys and the profile installation they lead to.
//
// Each input starts from a card holding a prepared download session (download_world.hpp: the
// card and the test SM-DP+ ran GetEUICCChallenge, AuthenticateServer and PrepareDownload once
// per process), restored into a fresh runtime. The first byte picks the mode:
// - low bit 0, "wire": the rest is records of [2-byte length][piece], each piece sent as one
//   ES10b call (STORE DATA blocks of 255 bytes), as an LPA sends a Bound Profile Package. The
//   seeds are the SM-DP+'s package cut as lpac cuts it, whole, and valid only up to its k-th
//   piece, so mutations meet the MAC checks at chosen depths.
// - low bit 1, "plain": the rest is records of [ConfigureISDP][StoreMetadata][profile package]
//   in plaintext, which the target binds itself (our own BF23 for the session, its session
//   keys, plaintext segments of (first byte >> 1) * 8 bytes, 0 for the SM-DP+'s 1007) before
//   sending the pieces: mutations reach the card's parsing behind the MAC.
// Invariants: fuzz_support.hpp's (well-formed answers, saved states that round-trip), at most
// one enabled profile, at most one new profile, a notification counter that never goes back.
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "download_world.hpp"

using namespace euiccsim;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const auto& world = fuzz::download_world();
  std::vector<Bytes> owned;
  std::vector<ByteView> pieces;
  const ByteView rest(data + 1, size - 1);
  if ((data[0] & 1) == 0) {
    pieces = fuzz::records(rest);
  } else {
    auto parts = fuzz::records(rest);
    parts.resize(3);
    smdp::BppParts p;
    p.initialise_secure_channel = world.initialise_secure_channel;
    p.configure_isdp.assign(parts[0].begin(), parts[0].end());
    p.store_metadata.assign(parts[1].begin(), parts[1].end());
    p.profile_package.assign(parts[2].begin(), parts[2].end());
    const std::size_t segment =
        (data[0] >> 1) == 0 ? smdp::kMaxSegmentPlaintext : (data[0] >> 1) * 8u;
    try {
      owned = smdp::bpp_segments(smdp::bind_profile_package(p, world.keys, segment));
    } catch (const std::invalid_argument&) {
      return 0;  // nothing to bind (an empty package)
    }
    pieces.assign(owned.begin(), owned.end());
  }

  fuzz::PersistCheck persist;
  auto card = fuzz::restore(*world.prepared, persist);
  const CardState& before = world.prepared->state;
  fuzz::Es10Answer last;
  for (auto piece : pieces) last = fuzz::send_es10(*card, persist, piece, 255);
  if (fuzz::verbose())
    std::printf(
        "%zu pieces, last answer %04X %s, %zu profile(s)\n", pieces.size(), last.sw,
        to_hex(ByteView(last.data).first(std::min<std::size_t>(last.data.size(), 24))).c_str(),
        card->state().profiles.size());

  const CardState& after = card->state();
  int enabled = 0;
  for (const auto& slot : after.profiles) enabled += slot.enabled ? 1 : 0;
  if (enabled > 1) std::abort();
  if (after.profiles.size() > before.profiles.size() + 1) std::abort();
  if (after.last_seq_number < before.last_seq_number) std::abort();
  return 0;
}
