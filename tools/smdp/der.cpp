#include "der.hpp"

#include <charconv>

namespace euiccsim::smdp::der {

Tlv read(ByteView in) {
  std::size_t pos = 0;
  auto next = [&]() -> std::uint8_t {
    if (pos >= in.size()) throw DerError("DER: truncated TLV header");
    return in[pos++];
  };
  const std::uint8_t first = next();
  Tag tag = first;
  if ((first & 0x1F) == 0x1F) {
    // High tag number form: base-128 digits, no leading zero digit, only for numbers >= 31.
    std::uint8_t b = next();
    if (b == 0x80) throw DerError("DER: tag with a leading zero digit");
    std::uint32_t number = b & 0x7F;
    tag = (tag << 8) | b;
    if (b & 0x80) {
      b = next();
      if (b & 0x80) throw DerError("DER: tag longer than three bytes");
      number = (number << 7) | b;
      tag = (tag << 8) | b;
    }
    if (number < 31) throw DerError("DER: tag number below 31 in the long form");
  }
  const std::uint8_t l0 = next();
  std::size_t length = 0;
  if (l0 < 0x80) {
    length = l0;
  } else {
    const std::size_t n = l0 & 0x7F;
    if (n == 0) throw DerError("DER: indefinite length");
    if (n > 3) throw DerError("DER: length field too long");
    for (std::size_t i = 0; i < n; ++i) length = (length << 8) | next();
    // DER: the shortest form, no leading zero byte.
    if (length < 0x80 || (n > 1 && (length >> (8 * (n - 1))) == 0))
      throw DerError("DER: length not in its shortest form");
  }
  if (in.size() - pos < length) throw DerError("DER: TLV longer than its input");
  Tlv t;
  t.tag = tag;
  t.value = in.subspan(pos, length);
  t.whole = in.first(pos + length);
  return t;
}

Tlv read_exact(ByteView in, const char* what) {
  Tlv t;
  try {
    t = read(in);
  } catch (const DerError& e) {
    throw DerError(std::string(what) + ": " + e.what());
  }
  if (t.whole.size() != in.size()) throw DerError(std::string(what) + ": bytes after its end");
  return t;
}

std::vector<Tlv> children(ByteView content) {
  std::vector<Tlv> out;
  while (!content.empty()) {
    out.push_back(read(content));
    content = content.subspan(out.back().whole.size());
  }
  return out;
}

const Tlv* find(const std::vector<Tlv>& list, Tag tag) {
  for (const Tlv& t : list)
    if (t.tag == tag) return &t;
  return nullptr;
}

const Tlv& need(const std::vector<Tlv>& list, Tag tag, const char* what) {
  if (const Tlv* t = find(list, tag)) return *t;
  throw DerError(std::string(what) + " is missing");
}

void append_tag(Bytes& out, Tag tag) {
  if (tag > 0xFFFF) out.push_back(static_cast<std::uint8_t>(tag >> 16));
  if (tag > 0xFF) out.push_back(static_cast<std::uint8_t>(tag >> 8));
  out.push_back(static_cast<std::uint8_t>(tag));
}

void append_length(Bytes& out, std::size_t length) {
  if (length < 0x80) {
    out.push_back(static_cast<std::uint8_t>(length));
  } else if (length <= 0xFF) {
    out.insert(out.end(), {0x81, static_cast<std::uint8_t>(length)});
  } else if (length <= 0xFFFF) {
    out.insert(out.end(),
               {0x82, static_cast<std::uint8_t>(length >> 8), static_cast<std::uint8_t>(length)});
  } else if (length <= 0xFFFFFF) {
    out.insert(out.end(),
               {0x83, static_cast<std::uint8_t>(length >> 16),
                static_cast<std::uint8_t>(length >> 8), static_cast<std::uint8_t>(length)});
  } else {
    throw DerError("DER: value too long to encode");
  }
}

Bytes header(Tag tag, std::size_t length) {
  Bytes out;
  append_tag(out, tag);
  append_length(out, length);
  return out;
}

Bytes tlv(Tag tag, ByteView value) {
  Bytes out = header(tag, value.size());
  out.insert(out.end(), value.begin(), value.end());
  return out;
}

Bytes cat(std::initializer_list<ByteView> parts) {
  Bytes out;
  for (ByteView p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Bytes tlv(Tag tag, std::initializer_list<ByteView> parts) {
  return tlv(tag, cat(parts));
}

std::string oid_to_dotted(ByteView contents) {
  if (contents.empty()) throw DerError("DER: empty OBJECT IDENTIFIER");
  std::vector<std::uint64_t> arcs;
  std::uint64_t v = 0;
  bool fresh = true;
  for (std::size_t i = 0; i < contents.size(); ++i) {
    const std::uint8_t b = contents[i];
    if (fresh && b == 0x80) throw DerError("DER: OBJECT IDENTIFIER arc with a leading zero");
    if (v >> 56) throw DerError("DER: OBJECT IDENTIFIER arc too large");
    v = (v << 7) | (b & 0x7F);
    fresh = !(b & 0x80);
    if (fresh) {
      arcs.push_back(v);
      v = 0;
    }
  }
  if (!fresh) throw DerError("DER: truncated OBJECT IDENTIFIER");
  // The first subidentifier packs two arcs: 40 * first + second, the first at most 2.
  const std::uint64_t f = arcs.front();
  std::string out = f < 40   ? "0." + std::to_string(f)
                    : f < 80 ? "1." + std::to_string(f - 40)
                             : "2." + std::to_string(f - 80);
  for (std::size_t i = 1; i < arcs.size(); ++i) out += "." + std::to_string(arcs[i]);
  return out;
}

Bytes oid_from_dotted(const std::string& dotted) {
  std::vector<std::uint64_t> arcs;
  const char* p = dotted.data();
  const char* end = p + dotted.size();
  while (p < end) {
    std::uint64_t a = 0;
    auto [next, ec] = std::from_chars(p, end, a);
    if (ec != std::errc() || next == p) throw DerError("OID: not dotted decimal: " + dotted);
    arcs.push_back(a);
    p = next;
    if (p < end) {
      if (*p != '.' || p + 1 == end) throw DerError("OID: not dotted decimal: " + dotted);
      ++p;
    }
  }
  if (arcs.size() < 2 || arcs[0] > 2 || (arcs[0] < 2 && arcs[1] >= 40))
    throw DerError("OID: invalid first arcs: " + dotted);
  Bytes out;
  auto put = [&out](std::uint64_t a) {
    std::uint8_t digits[10];
    int n = 0;
    do {
      digits[n++] = static_cast<std::uint8_t>(a & 0x7F);
      a >>= 7;
    } while (a != 0);
    while (n-- > 0) out.push_back(static_cast<std::uint8_t>(digits[n] | (n > 0 ? 0x80 : 0)));
  };
  put(arcs[0] * 40 + arcs[1]);
  for (std::size_t i = 2; i < arcs.size(); ++i) put(arcs[i]);
  return out;
}

}  // namespace euiccsim::smdp::der
