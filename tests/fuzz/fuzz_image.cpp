// libFuzzer target for the card-image decoder (simulator/card_image), which reads files from
// disk that may be damaged, truncated or from another version.
//
// The input is an image file. It is decoded twice: as it is (the header, length and digest
// checks), and with its length field and SHA-256 digest made right for its bytes, so that
// mutations of the body get past the digest to the field decoders. The seeds are real images
// of several kinds (make_seeds.cpp: SGP.22 cards with profiles, metadata and notifications, an
// iot card with eIMs and package results) and the golden images of every past version
// (tests/data/images).
// Invariants: decoding either succeeds or throws ImageError with one non-empty line; what
// decodes encodes to an image that decodes to the same state, and that image is canonical.
#include <botan/hash.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "euiccsim/simulator/card_image.hpp"

using namespace euiccsim;

namespace {
void check(ByteView file) {
  std::optional<CardState> state;
  try {
    state.emplace(sim::decode_image(file));
  } catch (const sim::ImageError& e) {
    const char* what = e.what();
    if (*what == '\0' || std::strchr(what, '\n') != nullptr) std::abort();
    return;
  }
  const Bytes again = sim::encode_image(*state);
  const CardState reread = sim::decode_image(again);
  if (!(reread == *state)) std::abort();
  if (sim::encode_image(reread) != again) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteView file(data, size);
  check(file);
  constexpr std::size_t kHeader = 14, kDigest = 32;
  if (size < kHeader + kDigest) return 0;
  Bytes fixed(data, data + size);
  const std::size_t body = size - kHeader - kDigest;
  for (int i = 0; i < 4; ++i) fixed[10 + i] = static_cast<std::uint8_t>(body >> (8 * (3 - i)));
  auto h = Botan::HashFunction::create_or_throw("SHA-256");
  h->update(fixed.data(), size - kDigest);
  const auto digest = h->final();
  std::copy(digest.begin(), digest.end(), fixed.end() - kDigest);
  check(fixed);
  return 0;
}
