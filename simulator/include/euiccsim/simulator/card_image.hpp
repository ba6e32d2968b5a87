// The card image: everything one card keeps across power loss, in one versioned file.
//
// Layout (all integers big-endian), documented in docs/card-image.md:
//   "EUICCSIM"  8-byte magic
//   version     2 bytes (kImageVersion)
//   length      4 bytes, length of the body
//   body        BER-TLV fields of that version
//   digest      32 bytes, SHA-256 of everything before it
// A file is written in full to a temporary file of its own, fsynced, renamed over the old image and
// the directory fsynced, so a card killed at any instant finds either the old or the new image.
#pragma once

#include <filesystem>
#include <functional>
#include <stdexcept>

#include "euiccsim/applets/card_state.hpp"

namespace euiccsim::sim {

inline constexpr std::uint16_t kImageVersion = 6;

// One line naming what is wrong with an image (and which file, when read from disk).
class ImageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

Bytes encode_image(const CardState& state);
CardState decode_image(ByteView file);

struct SaveHooks {
  // Runs with the temporary file's descriptor once it is written and fsynced: a CardLock
  // locks the new file here, so the lock passes to the new image with the rename.
  std::function<void(int fd)> written;
  // Runs after the temporary file is written and fsynced, before the rename: the point
  // where a crash must leave the old image in place (tests kill the process here).
  std::function<void(const std::filesystem::path& temporary)> before_rename;
};

// The temporary file of a save has a name of its own (mkstemp: `.<name>.XXXXXX` beside the
// image), so concurrent saves never share one; it is removed on every failure.
void save_image(const std::filesystem::path& path, const CardState& state,
                const SaveHooks& hooks = {});
// The prefix of the temporary files of saves of `image` (".<file name>.").
std::string temporary_prefix(const std::filesystem::path& image);
CardState load_image(const std::filesystem::path& path);

}  // namespace euiccsim::sim
