#include "euiccsim/profiles/package.hpp"

#include "euiccsim/profiles/asn1.hpp"

namespace euiccsim::profiles {
namespace {

// Length of the complete TLV at the start of `b`, 0 if more bytes are needed.
// Only definite lengths exist in DER; an indefinite or absurd length is malformed.
std::size_t complete_tlv(ByteView b) {
  std::size_t i = 0;
  if (b.empty()) return 0;
  if ((b[i++] & 0x1F) == 0x1F) {
    for (;; ++i) {
      if (i >= b.size()) return 0;
      if (i > 3) throw asn1::DecodeError("profile element: tag too long", i);
      if (!(b[i] & 0x80)) break;
    }
    ++i;
  }
  if (i >= b.size()) return 0;
  std::uint8_t first = b[i++];
  std::size_t len = first;
  if (first == 0x80) throw asn1::DecodeError("profile element: indefinite length", i - 1);
  if (first > 0x80) {
    std::size_t n = first & 0x7F;
    if (n > 4) throw asn1::DecodeError("profile element: length too long", i - 1);
    if (i + n > b.size()) return 0;
    len = 0;
    for (std::size_t k = 0; k < n; ++k) len = (len << 8) | b[i++];
  }
  if (b.size() - i < len) return 0;
  return i + len;
}

}  // namespace

void PackageReader::push(ByteView bytes) {
  if (start_ > 0 && start_ == buffer_.size()) {
    buffer_.clear();
    start_ = 0;
  }
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
}

std::optional<ProfileElement> PackageReader::next() {
  ByteView rest(buffer_.data() + start_, buffer_.size() - start_);
  std::size_t size = complete_tlv(rest);
  if (size == 0) return std::nullopt;
  std::size_t consumed = 0;
  ProfileElement pe = decode_pe(rest.first(size), consumed);
  if (consumed != size) throw asn1::DecodeError("profile element: trailing bytes", consumed);
  start_ += size;
  consumed_ += size;
  if (start_ > 4096 && start_ * 2 > buffer_.size()) {
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(start_));
    start_ = 0;
  }
  return pe;
}

std::vector<ProfileElement> decode_package(ByteView der) {
  PackageReader reader;
  reader.push(der);
  std::vector<ProfileElement> pes;
  while (auto pe = reader.next()) pes.push_back(std::move(*pe));
  if (reader.pending() != 0)
    throw asn1::DecodeError("package ends inside a profile element", reader.position());
  return pes;
}

Bytes encode_package(const std::vector<ProfileElement>& pes) {
  Bytes out;
  for (const auto& pe : pes) {
    Bytes der = encode_pe(pe);
    out.insert(out.end(), der.begin(), der.end());
  }
  return out;
}

}  // namespace euiccsim::profiles
