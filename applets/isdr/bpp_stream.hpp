// The shape of a Bound Profile Package as it arrives in pieces (SGP.22 v2.5 §2.5.5, §5.7.6;
// PROTOCOL.md §4.6):
//
//   BF36 { BF23, A0 { 87+ }, A1 { 88+ }, [A2 { 87+ }], A3 { 86+ } }
//
// LPAs cut it differently (lpac: the BF36 header with BF23, the whole A0, the A1 header, each
// 88, the whole A2, the A3 header, each 86; onomondo-ipa: the A0 header with its first 87;
// some send it whole), so a piece may hold container headers and whole leaves in any
// grouping. What it may not do is split a leaf (BF23, 87, 88, 86): each protected segment is
// checked and decrypted as it arrives, and the card keeps no partial segment across calls.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "euiccsim/crypto/bytes.hpp"

namespace euiccsim::applets::isdr {

class BppStream {
 public:
  struct Event {
    enum class Kind : std::uint8_t { kOpened, kLeaf, kClosed };
    Kind kind;
    std::uint32_t tag;     // the container's or the leaf's tag
    std::uint32_t parent;  // the container a leaf is in (0 for BF36 itself)
    ByteView tlv;          // kLeaf: the whole leaf TLV (tag, length, value)
  };

  // The events of one piece, in order, or nothing (and `error()` says why) if the piece does
  // not continue the package's shape. The events' views point into `piece`.
  std::optional<std::vector<Event>> feed(ByteView piece);

  // The innermost open container (0 before BF36 has opened, and after it has closed).
  std::uint32_t container() const { return open_.empty() ? 0 : open_.back().tag; }
  // The next top-level part BF36 expects (BF23, A0, A1, A2 or A3, 0 when all came).
  std::uint32_t expected_part() const;
  bool started() const { return started_; }
  bool done() const { return started_ && open_.empty(); }
  const std::string& error() const { return error_; }
  // The tag of the last TLV header read: after a failure, the one refused (0 if the piece did
  // not start with a tag and length).
  std::uint32_t last_tag() const { return last_tag_; }

 private:
  struct Open {
    std::uint32_t tag;
    std::size_t remaining;
    std::size_t children = 0;
  };
  bool fail(std::string why);
  bool accept_child(std::uint32_t tag);

  std::vector<Open> open_;
  // Index into kParts of the next BF36 child expected.
  std::size_t next_part_ = 0;
  bool started_ = false;
  std::uint32_t last_tag_ = 0;
  std::string error_;
};

}  // namespace euiccsim::applets::isdr
