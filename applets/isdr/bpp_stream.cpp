#include "bpp_stream.hpp"

#include <array>

#include "euiccsim/crypto/tlv.hpp"

namespace euiccsim::applets::isdr {

namespace {

constexpr std::uint32_t kBpp = 0xBF36;
constexpr std::uint32_t kInitialiseSecureChannel = 0xBF23;

struct Part {
  std::uint32_t tag;
  std::uint32_t child;  // the leaf tag inside (0: the part is itself a leaf)
  bool optional;
};
// BoundProfilePackage's members in order (RSPDefinitions).
constexpr std::array<Part, 5> kParts{{
    {kInitialiseSecureChannel, 0, false},
    {0xA0, 0x87, false},  // firstSequenceOf87: ConfigureISDP
    {0xA1, 0x88, false},  // sequenceOf88: StoreMetadata
    {0xA2, 0x87, true},   // secondSequenceOf87: ReplaceSessionKeys
    {0xA3, 0x86, false},  // sequenceOf86: the profile package
}};

std::string hex_tag(std::uint32_t tag) {
  Bytes b;
  if (tag > 0xFF) b.push_back(static_cast<std::uint8_t>(tag >> 8));
  b.push_back(static_cast<std::uint8_t>(tag));
  return to_hex(b);
}

const Part* part_of(std::uint32_t tag) {
  for (const auto& p : kParts) {
    if (p.tag == tag) return &p;
  }
  return nullptr;
}

}  // namespace

bool BppStream::fail(std::string why) {
  error_ = std::move(why);
  return false;
}

std::uint32_t BppStream::expected_part() const {
  return next_part_ < kParts.size() ? kParts[next_part_].tag : 0;
}

// May `tag` come next inside the innermost open container?
bool BppStream::accept_child(std::uint32_t tag) {
  if (open_.empty()) {
    if (started_) return fail("data after the end of the Bound Profile Package");
    if (tag != kBpp) return fail("a Bound Profile Package starts with BF36, not " + hex_tag(tag));
    return true;
  }
  const auto parent = open_.back().tag;
  if (parent == kBpp) {
    // Skip an optional part that did not come.
    std::size_t i = next_part_;
    while (i < kParts.size() && kParts[i].tag != tag && kParts[i].optional) ++i;
    if (i == kParts.size() || kParts[i].tag != tag) {
      const auto want = expected_part();
      return fail(want ? hex_tag(tag) + " where " + hex_tag(want) + " was expected"
                       : hex_tag(tag) + " after the last part of BF36");
    }
    next_part_ = i + 1;
    return true;
  }
  const Part* p = part_of(parent);
  if (!p || p->child != tag) {
    return fail(hex_tag(tag) + " inside " + hex_tag(parent) + " (only " +
                hex_tag(p ? p->child : 0) + " may be there)");
  }
  return true;
}

std::optional<std::vector<BppStream::Event>> BppStream::feed(ByteView piece) {
  std::vector<Event> events;
  if (piece.empty()) {
    fail("an empty piece");
    return std::nullopt;
  }
  while (!piece.empty()) {
    auto h = tlv::read_header(piece);
    last_tag_ = h ? h->tag : 0;
    if (!h) {
      fail("a piece that does not start with a tag and length");
      return std::nullopt;
    }
    if (!accept_child(h->tag)) return std::nullopt;
    const std::uint32_t parent = container();
    const std::size_t whole = h->header_size + h->length;
    // The parent must have room for the whole child, header included.
    if (!open_.empty() && whole > open_.back().remaining) {
      fail(hex_tag(h->tag) + " overruns its container " + hex_tag(parent));
      return std::nullopt;
    }
    const bool is_container = h->tag == kBpp || (parent == kBpp && part_of(h->tag) &&
                                                 part_of(h->tag)->child != 0);
    std::size_t consumed;
    if (is_container) {
      consumed = h->header_size;
      if (h->tag == kBpp) started_ = true;
      if (!open_.empty()) {
        open_.back().remaining -= whole;
        ++open_.back().children;
      }
      open_.push_back(Open{h->tag, h->length});
      events.push_back(Event{Event::Kind::kOpened, h->tag, parent, {}});
    } else {
      if (whole > piece.size()) {
        fail(hex_tag(h->tag) + " split across pieces: each segment must arrive whole");
        return std::nullopt;
      }
      consumed = whole;
      open_.back().remaining -= whole;
      ++open_.back().children;
      events.push_back(Event{Event::Kind::kLeaf, h->tag, parent, piece.first(whole)});
    }
    piece = piece.subspan(consumed);
    // Close every container the piece has filled (a leaf may end several at once).
    while (!open_.empty() && open_.back().remaining == 0) {
      const Open done = open_.back();
      if (done.children == 0) {
        fail("an empty " + hex_tag(done.tag));
        return std::nullopt;
      }
      if (done.tag == kBpp) {
        for (std::size_t i = next_part_; i < kParts.size(); ++i) {
          if (kParts[i].optional) continue;
          fail("BF36 ended before its " + hex_tag(kParts[i].tag));
          return std::nullopt;
        }
      }
      open_.pop_back();
      events.push_back(Event{Event::Kind::kClosed, done.tag, container(), {}});
    }
  }
  return events;
}

}  // namespace euiccsim::applets::isdr
