#include "euiccsim/profiles/package.hpp"

#include "euiccsim/crypto/tlv.hpp"
#include "euiccsim/profiles/asn1.hpp"

namespace euiccsim::profiles {
namespace {

// Length of the complete TLV at the start of `b`, 0 if more bytes are needed. A profile
// package is DER (its PEs are decoded by asn1::decode, which wants DER at every depth), so the
// header is read by the same rules; anything else is malformed.
std::size_t complete_tlv(ByteView b) {
  tlv::Problem why = tlv::Problem::kNone;
  auto h = tlv::read_header(b, tlv::Rules::kDer, &why);
  if (!h) {
    if (why == tlv::Problem::kMissing || why == tlv::Problem::kTruncatedTag ||
        why == tlv::Problem::kTruncatedLength)
      return 0;
    throw asn1::DecodeError(std::string("profile element: ") + tlv::describe(why), 0);
  }
  if (b.size() - h->header_size < h->length) return 0;
  return h->header_size + h->length;
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
