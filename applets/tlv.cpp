#include "euiccsim/applets/tlv.hpp"

namespace euiccsim::tlv {

bool Tlv::constructed() const {
  std::uint32_t first = tag;
  while (first > 0xFF) first >>= 8;
  return (first & 0x20) != 0;
}

std::optional<Header> read_header(ByteView in) {
  std::size_t pos = 0;
  if (in.empty()) return std::nullopt;
  std::uint32_t tag = in[pos++];
  // 00 and FF are padding/invalid as a first tag byte in card data objects.
  if (tag == 0x00 || tag == 0xFF) return std::nullopt;
  if ((tag & 0x1F) == 0x1F) {
    for (int n = 0;; ++n) {
      if (pos >= in.size() || n == 2) return std::nullopt;
      std::uint8_t b = in[pos++];
      tag = (tag << 8) | b;
      if ((b & 0x80) == 0) break;
    }
  }
  if (pos >= in.size()) return std::nullopt;
  std::size_t length = in[pos++];
  if (length & 0x80) {
    const std::size_t n = length & 0x7F;
    if (n == 0 || n > 3 || pos + n > in.size()) return std::nullopt;  // indefinite or huge
    length = 0;
    for (std::size_t i = 0; i < n; ++i) length = (length << 8) | in[pos++];
  }
  return Header{tag, pos, length};
}

std::optional<Tlv> read(ByteView in) {
  auto h = read_header(in);
  if (!h || h->length > in.size() - h->header_size) return std::nullopt;
  Tlv t;
  t.tag = h->tag;
  t.value = in.subspan(h->header_size, h->length);
  t.size = h->header_size + h->length;
  return t;
}

std::optional<std::vector<Tlv>> read_all(ByteView in) {
  std::vector<Tlv> out;
  while (!in.empty()) {
    auto t = read(in);
    if (!t) return std::nullopt;
    out.push_back(*t);
    in = in.subspan(t->size);
  }
  return out;
}

std::optional<Tlv> find(const std::vector<Tlv>& children, std::uint32_t tag) {
  for (const auto& c : children) {
    if (c.tag == tag) return c;
  }
  return std::nullopt;
}

void append_length(Bytes& out, std::size_t length) {
  if (length < 0x80) {
    out.push_back(static_cast<std::uint8_t>(length));
  } else if (length <= 0xFF) {
    out.push_back(0x81);
    out.push_back(static_cast<std::uint8_t>(length));
  } else if (length <= 0xFFFF) {
    out.push_back(0x82);
    out.push_back(static_cast<std::uint8_t>(length >> 8));
    out.push_back(static_cast<std::uint8_t>(length));
  } else {
    out.push_back(0x83);
    out.push_back(static_cast<std::uint8_t>(length >> 16));
    out.push_back(static_cast<std::uint8_t>(length >> 8));
    out.push_back(static_cast<std::uint8_t>(length));
  }
}

void append(Bytes& out, std::uint32_t tag, ByteView value) {
  if (tag > 0xFFFF) out.push_back(static_cast<std::uint8_t>(tag >> 16));
  if (tag > 0xFF) out.push_back(static_cast<std::uint8_t>(tag >> 8));
  out.push_back(static_cast<std::uint8_t>(tag));
  append_length(out, value.size());
  out.insert(out.end(), value.begin(), value.end());
}

Bytes encode(std::uint32_t tag, ByteView value) {
  Bytes out;
  append(out, tag, value);
  return out;
}

Bytes der_integer(std::int64_t v) {
  Bytes b;
  auto u = static_cast<std::uint64_t>(v);
  for (int i = 0; i < 8; ++i) {
    b.insert(b.begin(), static_cast<std::uint8_t>(u & 0xFF));
    u >>= 8;
  }
  // A leading byte is redundant when it only repeats the sign of the next one.
  while (b.size() > 1 &&
         ((b[0] == 0x00 && (b[1] & 0x80) == 0) || (b[0] == 0xFF && (b[1] & 0x80) != 0)))
    b.erase(b.begin());
  return b;
}

Bytes encode_uint(std::uint64_t v, std::size_t width) {
  Bytes out(width);
  for (std::size_t i = 0; i < width; ++i)
    out[width - 1 - i] = static_cast<std::uint8_t>(v >> (8 * i));
  return out;
}

std::optional<std::uint64_t> decode_uint(ByteView v) {
  if (v.empty() || v.size() > 8) return std::nullopt;
  std::uint64_t x = 0;
  for (auto b : v) x = (x << 8) | b;
  return x;
}

}  // namespace euiccsim::tlv
