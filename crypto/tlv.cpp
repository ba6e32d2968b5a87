#include "euiccsim/crypto/tlv.hpp"

namespace euiccsim::tlv {

namespace {

constexpr std::size_t kMaxTagOctets = 4;
constexpr std::size_t kMaxLengthOctets = 4;
constexpr int kMaxDepth = 32;

std::optional<Header> fail(Problem* why, Problem p) {
  if (why) *why = p;
  return std::nullopt;
}

[[noreturn]] void throw_problem(const char* what, Problem p) {
  throw Error(std::string(what) + ": " + describe(p));
}

std::string hex_tag(std::uint32_t tag) {
  Bytes b;
  append_tag(b, tag);
  return to_hex(b);
}

bool well_formed_at(ByteView in, Rules rules, int depth) {
  if (depth > kMaxDepth) return false;
  while (!in.empty()) {
    auto t = read(in, rules);
    if (!t) return false;
    if (t->constructed() && !t->value.empty() && !well_formed_at(t->value, rules, depth + 1))
      return false;
    in = in.subspan(t->size);
  }
  return true;
}

}  // namespace

const char* describe(Problem p) {
  switch (p) {
    case Problem::kNone:
      return "no problem";
    case Problem::kMissing:
      return "missing";
    case Problem::kInvalidTag:
      return "tag starts with 00 or FF";
    case Problem::kTruncatedTag:
      return "truncated tag";
    case Problem::kTagTooLong:
      return "tag longer than four bytes";
    case Problem::kNonMinimalTag:
      return "tag not in its shortest form";
    case Problem::kTruncatedLength:
      return "truncated length";
    case Problem::kIndefiniteLength:
      return "indefinite length";
    case Problem::kLengthTooLong:
      return "length field longer than four bytes";
    case Problem::kNonMinimalLength:
      return "length not in its shortest form (not DER)";
    case Problem::kTruncatedValue:
      return "length runs past the end of the data";
    case Problem::kTrailingBytes:
      return "unexpected data after the last element";
  }
  return "malformed";
}

bool Tlv::constructed() const {
  std::uint32_t first = tag;
  while (first > 0xFF) first >>= 8;
  return (first & 0x20) != 0;
}

// The identifier octets at the start of `in`: the tag and how many octets it took.
static std::optional<std::uint32_t> read_tag(ByteView in, std::size_t& pos, Problem* why) {
  if (in.size() <= pos) {
    if (why) *why = pos == 0 ? Problem::kMissing : Problem::kTruncatedTag;
    return std::nullopt;
  }
  auto bad = [why](Problem p) -> std::optional<std::uint32_t> {
    if (why) *why = p;
    return std::nullopt;
  };
  const std::size_t start = pos;
  const std::uint8_t first = in[pos++];
  if (first == 0x00 || first == 0xFF) return bad(Problem::kInvalidTag);
  std::uint32_t tag = first;
  if ((first & 0x1F) == 0x1F) {
    // X.690 §8.1.2.4: base-128 digits, the last without bit 8; the first is not zero, and
    // the number is at least 31 (smaller numbers have the one-octet form).
    std::uint32_t number = 0;
    for (;;) {
      if (pos >= in.size()) return bad(Problem::kTruncatedTag);
      if (pos - start == kMaxTagOctets) return bad(Problem::kTagTooLong);
      const std::uint8_t b = in[pos++];
      if (pos - start == 2 && (b & 0x7F) == 0) return bad(Problem::kNonMinimalTag);
      tag = (tag << 8) | b;
      number = (number << 7) | (b & 0x7F);
      if ((b & 0x80) == 0) break;
    }
    if (number < 31) return bad(Problem::kNonMinimalTag);
  }
  return tag;
}

std::optional<Header> read_header(ByteView in, Rules rules, Problem* why) {
  std::size_t pos = 0;
  auto tag = read_tag(in, pos, why);
  if (!tag) return std::nullopt;
  if (pos >= in.size()) return fail(why, Problem::kTruncatedLength);
  const std::uint8_t l0 = in[pos++];
  std::size_t length = l0;
  if (l0 == 0x80) return fail(why, Problem::kIndefiniteLength);
  if (l0 > 0x80) {
    const std::size_t n = l0 & 0x7F;
    if (n > kMaxLengthOctets) return fail(why, Problem::kLengthTooLong);
    if (in.size() - pos < n) return fail(why, Problem::kTruncatedLength);
    length = 0;
    for (std::size_t i = 0; i < n; ++i) length = (length << 8) | in[pos++];
    // DER (X.690 §10.1): no leading zero octet, and no long form for a length below 128.
    if (rules == Rules::kDer && (in[pos - n] == 0 || length < 0x80))
      return fail(why, Problem::kNonMinimalLength);
  }
  return Header{*tag, pos, length};
}

std::optional<Tlv> read(ByteView in, Rules rules, Problem* why) {
  auto h = read_header(in, rules, why);
  if (!h) return std::nullopt;
  if (h->length > in.size() - h->header_size) {
    if (why) *why = Problem::kTruncatedValue;
    return std::nullopt;
  }
  Tlv t;
  t.tag = h->tag;
  t.value = in.subspan(h->header_size, h->length);
  t.size = h->header_size + h->length;
  return t;
}

std::optional<std::vector<Tlv>> read_all(ByteView in, Rules rules, Problem* why) {
  std::vector<Tlv> out;
  while (!in.empty()) {
    auto t = read(in, rules, why);
    if (!t) return std::nullopt;
    out.push_back(*t);
    in = in.subspan(t->size);
  }
  return out;
}

bool well_formed(ByteView in, Rules rules) {
  return !in.empty() && well_formed_at(in, rules, 0);
}

std::optional<std::vector<std::uint32_t>> read_tags(ByteView list, Problem* why) {
  std::vector<std::uint32_t> tags;
  std::size_t pos = 0;
  while (pos < list.size()) {
    auto tag = read_tag(list, pos, why);
    if (!tag) return std::nullopt;
    tags.push_back(*tag);
  }
  return tags;
}

std::optional<Tlv> find(const std::vector<Tlv>& children, std::uint32_t tag) {
  for (const auto& c : children) {
    if (c.tag == tag) return c;
  }
  return std::nullopt;
}

// ---- Reader ----

std::optional<std::uint32_t> Reader::peek_tag() const {
  auto h = read_header(data_.subspan(pos_), rules_);
  if (!h) return std::nullopt;
  return h->tag;
}

Tlv Reader::next(const char* what) {
  Problem why = Problem::kNone;
  auto t = read(data_.subspan(pos_), rules_, &why);
  if (!t) throw_problem(what, why);
  pos_ += t->size;
  return *t;
}

Tlv Reader::next(std::uint32_t tag, const char* what) {
  if (at_end()) throw_problem(what, Problem::kMissing);
  Problem why = Problem::kNone;
  auto h = read_header(data_.subspan(pos_), rules_, &why);
  if (!h) throw_problem(what, why);
  if (h->tag != tag) {
    throw Error(std::string(what) + ": tag " + hex_tag(h->tag) + " where " + hex_tag(tag) +
                " was expected");
  }
  return next(what);
}

std::optional<Tlv> Reader::optional(std::uint32_t tag, const char* what) {
  if (peek_tag() != tag) return std::nullopt;
  return next(what);
}

void Reader::expect_end(const char* what) const {
  if (!at_end()) throw_problem(what, Problem::kTrailingBytes);
}

Tlv read_exact(ByteView data, const char* what, Rules rules) {
  Reader r(data, rules);
  Tlv t = r.next(what);
  r.expect_end(what);
  return t;
}

Tlv single(ByteView data, std::uint32_t tag, const char* what, Rules rules) {
  Reader r(data, rules);
  Tlv t = r.next(tag, what);
  r.expect_end(what);
  return t;
}

std::vector<Tlv> children(ByteView content, const char* what, Rules rules) {
  std::vector<Tlv> out;
  Reader r(content, rules);
  while (!r.at_end()) out.push_back(r.next(what));
  return out;
}

Tlv need(const std::vector<Tlv>& children, std::uint32_t tag, const char* what) {
  if (auto t = find(children, tag)) return *t;
  throw Error(std::string(what) + " is missing");
}

// ---- writing ----

void append_tag(Bytes& out, std::uint32_t tag) {
  if (tag > 0xFFFFFF) out.push_back(static_cast<std::uint8_t>(tag >> 24));
  if (tag > 0xFFFF) out.push_back(static_cast<std::uint8_t>(tag >> 16));
  if (tag > 0xFF) out.push_back(static_cast<std::uint8_t>(tag >> 8));
  out.push_back(static_cast<std::uint8_t>(tag));
}

void append_length(Bytes& out, std::size_t length) {
  if (length < 0x80) {
    out.push_back(static_cast<std::uint8_t>(length));
    return;
  }
  std::size_t n = 0;
  for (std::size_t v = length; v != 0; v >>= 8) ++n;
  if (n > kMaxLengthOctets) throw std::length_error("TLV value too long to encode");
  out.push_back(static_cast<std::uint8_t>(0x80 | n));
  for (std::size_t i = n; i-- > 0;) out.push_back(static_cast<std::uint8_t>(length >> (8 * i)));
}

void append(Bytes& out, std::uint32_t tag, ByteView value) {
  append_tag(out, tag);
  append_length(out, value.size());
  out.insert(out.end(), value.begin(), value.end());
}

Bytes encode(std::uint32_t tag, ByteView value) {
  Bytes out;
  out.reserve(value.size() + 8);
  append(out, tag, value);
  return out;
}

Bytes encode(std::uint32_t tag, std::initializer_list<ByteView> parts) {
  return encode(tag, cat(parts));
}

Bytes header(std::uint32_t tag, std::size_t length) {
  Bytes out;
  append_tag(out, tag);
  append_length(out, length);
  return out;
}

Bytes cat(std::initializer_list<ByteView> parts) {
  Bytes out;
  for (ByteView p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// ---- values ----

Bytes encode_uint(std::uint64_t v, std::size_t width) {
  Bytes out(width);
  for (std::size_t i = 0; i < width && i < 8; ++i)
    out[width - 1 - i] = static_cast<std::uint8_t>(v >> (8 * i));
  return out;
}

std::optional<std::uint64_t> decode_uint(ByteView v) {
  if (v.empty() || v.size() > 8) return std::nullopt;
  std::uint64_t x = 0;
  for (auto b : v) x = (x << 8) | b;
  return x;
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

Bytes unsigned_integer_tlv(ByteView big_endian) {
  std::size_t skip = 0;
  while (skip + 1 < big_endian.size() && big_endian[skip] == 0) ++skip;
  ByteView v = big_endian.subspan(skip);
  Bytes contents;
  if (v.empty() || (v[0] & 0x80) != 0) contents.push_back(0);
  contents.insert(contents.end(), v.begin(), v.end());
  return encode(kInteger, contents);
}

ByteView unsigned_integer(const Tlv& tlv, const char* what) {
  ByteView v = tlv.value;
  if (v.empty()) throw Error(std::string(what) + ": empty INTEGER");
  if ((v[0] & 0x80) != 0) throw Error(std::string(what) + ": negative INTEGER");
  if (v.size() > 1 && v[0] == 0 && (v[1] & 0x80) == 0)
    throw Error(std::string(what) + ": INTEGER has a superfluous leading zero (not DER)");
  if (v[0] == 0) v = v.subspan(1);
  return v;
}

ByteView bit_string_bytes(const Tlv& tlv, const char* what) {
  if (tlv.value.empty()) throw Error(std::string(what) + ": empty BIT STRING");
  if (tlv.value[0] != 0) throw Error(std::string(what) + ": BIT STRING does not hold whole bytes");
  return tlv.value.subspan(1);
}

std::string oid_to_dotted(ByteView c, const char* what) {
  if (c.empty()) throw Error(std::string(what) + ": empty object identifier");
  if ((c.back() & 0x80) != 0)
    throw Error(std::string(what) + ": object identifier ends inside an arc");
  std::string out;
  std::uint64_t value = 0;
  bool first = true;
  bool start_of_arc = true;
  for (std::uint8_t b : c) {
    if (start_of_arc && b == 0x80)
      throw Error(std::string(what) + ": object identifier arc has a leading zero (not DER)");
    if (value > (UINT64_MAX >> 7))
      throw Error(std::string(what) + ": object identifier arc too large");
    value = (value << 7) | (b & 0x7F);
    start_of_arc = (b & 0x80) == 0;
    if (!start_of_arc) continue;
    if (first) {
      // The first arc packs two: 40 * a + b, with a in 0..2.
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

Bytes oid_from_dotted(std::string_view dotted) {
  auto malformed = [&] {
    return std::invalid_argument("malformed object identifier '" + std::string(dotted) + "'");
  };
  std::vector<std::uint64_t> arcs;
  std::size_t i = 0;
  while (i <= dotted.size()) {
    std::size_t end = dotted.find('.', i);
    if (end == std::string_view::npos) end = dotted.size();
    std::string_view arc = dotted.substr(i, end - i);
    if (arc.empty() || arc.size() > 18 || (arc.size() > 1 && arc[0] == '0')) throw malformed();
    std::uint64_t v = 0;
    for (char c : arc) {
      if (c < '0' || c > '9') throw malformed();
      v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    arcs.push_back(v);
    i = end + 1;
  }
  if (arcs.size() < 2 || arcs[0] > 2 || (arcs[0] < 2 && arcs[1] >= 40)) throw malformed();
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
  return contents;
}

Bytes oid(std::string_view dotted) {
  return encode(kOid, oid_from_dotted(dotted));
}

}  // namespace euiccsim::tlv
