#include "der.hpp"

namespace euiccsim::crypto::der {

namespace {

[[noreturn]] void fail(const char* what, const char* problem) {
  throw Error(std::string(what) + ": " + problem);
}

}  // namespace

std::optional<std::uint8_t> Reader::peek_tag() const {
  if (at_end()) return std::nullopt;
  return data_[pos_];
}

Tlv Reader::next(const char* what) {
  const std::size_t start = pos_;
  const std::size_t left = data_.size() - pos_;
  if (left < 2) fail(what, left == 0 ? "missing" : "truncated");
  const std::uint8_t tag = data_[pos_];
  if ((tag & 0x1F) == 0x1F) fail(what, "multi-byte tags are not supported here");
  std::size_t p = pos_ + 1;
  std::size_t length = data_[p++];
  if (length == 0x80) fail(what, "indefinite length is not DER");
  if (length > 0x80) {
    const std::size_t n = length & 0x7F;
    if (n > 4) fail(what, "length too large");
    if (data_.size() - p < n) fail(what, "truncated length");
    if (data_[p] == 0) fail(what, "length has a leading zero octet (not DER)");
    length = 0;
    for (std::size_t i = 0; i < n; ++i) length = (length << 8) | data_[p++];
    if (length < 0x80) fail(what, "long-form length for a short length (not DER)");
  }
  if (data_.size() - p < length) fail(what, "length runs past the end of the data");
  Tlv tlv;
  tlv.tag = tag;
  tlv.value = data_.subspan(p, length);
  tlv.encoded = data_.subspan(start, p + length - start);
  pos_ = p + length;
  return tlv;
}

Tlv Reader::next(std::uint8_t tag, const char* what) {
  auto t = peek_tag();
  if (!t) fail(what, "missing");
  if (*t != tag) {
    static constexpr char kDigits[] = "0123456789ABCDEF";
    const char found[] = {kDigits[*t >> 4], kDigits[*t & 0xF], '\0'};
    const char wanted[] = {kDigits[tag >> 4], kDigits[tag & 0xF], '\0'};
    throw Error(std::string(what) + ": tag " + found + " where " + wanted + " was expected");
  }
  return next(what);
}

std::optional<Tlv> Reader::optional(std::uint8_t tag, const char* what) {
  if (peek_tag() != tag) return std::nullopt;
  return next(what);
}

void Reader::expect_end(const char* what) const {
  if (!at_end()) fail(what, "unexpected data after the last element");
}

Tlv single(ByteView data, std::uint8_t tag, const char* what) {
  Reader r(data);
  Tlv t = r.next(tag, what);
  r.expect_end(what);
  return t;
}

std::string oid_text(ByteView c, const char* what) {
  if (c.empty()) fail(what, "empty object identifier");
  if ((c.back() & 0x80) != 0) fail(what, "object identifier ends inside a sub-identifier");
  std::string out;
  std::uint64_t value = 0;
  bool first = true;
  bool start_of_arc = true;
  for (std::uint8_t b : c) {
    if (start_of_arc && b == 0x80) fail(what, "object identifier arc has a leading zero (not DER)");
    if (value > (UINT64_MAX >> 7)) fail(what, "object identifier arc too large");
    value = (value << 7) | (b & 0x7F);
    start_of_arc = (b & 0x80) == 0;
    if (!start_of_arc) continue;
    if (first) {
      // The first sub-identifier packs two arcs: 40 * a + b, with a in 0..2.
      const std::uint64_t a = value < 40 ? 0 : value < 80 ? 1 : 2;
      out = std::to_string(a) + "." + std::to_string(value - 40 * a);
      first = false;
    } else {
      out += "." + std::to_string(value);
    }
    value = 0;
  }
  return out;
}

ByteView bit_string_bytes(const Tlv& tlv, const char* what) {
  if (tlv.value.empty()) fail(what, "empty BIT STRING");
  if (tlv.value[0] != 0) fail(what, "BIT STRING does not hold whole bytes");
  return tlv.value.subspan(1);
}

ByteView unsigned_integer(const Tlv& tlv, const char* what) {
  ByteView v = tlv.value;
  if (v.empty()) fail(what, "empty INTEGER");
  if ((v[0] & 0x80) != 0) fail(what, "negative INTEGER");
  if (v.size() > 1 && v[0] == 0 && (v[1] & 0x80) == 0)
    fail(what, "INTEGER has a superfluous leading zero (not DER)");
  if (v[0] == 0) v = v.subspan(1);
  return v;
}

Bytes encode(std::uint8_t tag, ByteView contents) {
  Bytes out;
  out.reserve(contents.size() + 6);
  out.push_back(tag);
  const std::size_t n = contents.size();
  if (n < 0x80) {
    out.push_back(static_cast<std::uint8_t>(n));
  } else {
    int bytes = 0;
    for (std::size_t v = n; v != 0; v >>= 8) ++bytes;
    out.push_back(static_cast<std::uint8_t>(0x80 | bytes));
    for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(n >> (8 * i)));
  }
  out.insert(out.end(), contents.begin(), contents.end());
  return out;
}

Bytes cat(std::initializer_list<ByteView> parts) {
  Bytes out;
  for (ByteView p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Bytes oid(std::string_view dotted) {
  std::vector<std::uint64_t> arcs;
  std::size_t i = 0;
  while (i <= dotted.size()) {
    std::size_t end = dotted.find('.', i);
    if (end == std::string_view::npos) end = dotted.size();
    std::string_view arc = dotted.substr(i, end - i);
    if (arc.empty() || arc.size() > 18 || (arc.size() > 1 && arc[0] == '0'))
      throw std::invalid_argument("malformed object identifier '" + std::string(dotted) + "'");
    std::uint64_t v = 0;
    for (char c : arc) {
      if (c < '0' || c > '9')
        throw std::invalid_argument("malformed object identifier '" + std::string(dotted) + "'");
      v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    arcs.push_back(v);
    i = end + 1;
  }
  if (arcs.size() < 2 || arcs[0] > 2 || (arcs[0] < 2 && arcs[1] >= 40))
    throw std::invalid_argument("malformed object identifier '" + std::string(dotted) + "'");
  Bytes contents;
  auto put = [&contents](std::uint64_t v) {
    std::uint8_t groups[10];
    int n = 0;
    do {
      groups[n++] = static_cast<std::uint8_t>(v & 0x7F);
      v >>= 7;
    } while (v != 0);
    while (n-- > 0) contents.push_back(static_cast<std::uint8_t>(groups[n] | (n > 0 ? 0x80 : 0)));
  };
  put(arcs[0] * 40 + arcs[1]);
  for (std::size_t k = 2; k < arcs.size(); ++k) put(arcs[k]);
  return encode(kOid, contents);
}

Bytes unsigned_integer_tlv(ByteView big_endian) {
  std::size_t skip = 0;
  while (skip + 1 < big_endian.size() && big_endian[skip] == 0) ++skip;
  ByteView v = big_endian.subspan(skip);
  Bytes contents;
  if (v.empty() || (v[0] & 0x80) != 0) contents.push_back(0);
  contents.insert(contents.end(), v.begin(), v.end());
  return encode(kInteger, contents);
}

}  // namespace euiccsim::crypto::der
