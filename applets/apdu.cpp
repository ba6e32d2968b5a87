#include "euiccsim/applets/apdu.hpp"

#include <cstdio>

namespace euiccsim::apdu {

ParseResult parse(ByteView raw) {
  ParseResult r;
  if (raw.size() < 4) {
    r.error = ParseError::kTooShort;
    return r;
  }
  Command c;
  c.cla = raw[0];
  c.ins = raw[1];
  c.p1 = raw[2];
  c.p2 = raw[3];
  const std::size_t body = raw.size() - 4;
  const auto* b = raw.data() + 4;
  if (body == 0) {
    c.apdu_case = Case::k1;
  } else if (body == 1) {
    c.apdu_case = Case::k2;
    c.ne = b[0] == 0 ? 256 : b[0];
  } else if (b[0] != 0) {
    // Short Lc.
    const std::size_t lc = b[0];
    if (body == 1 + lc) {
      c.apdu_case = Case::k3;
    } else if (body == 2 + lc) {
      c.apdu_case = Case::k4;
      c.ne = b[1 + lc] == 0 ? 256 : b[1 + lc];
    } else {
      r.error = ParseError::kLengthMismatch;
      return r;
    }
    c.data.assign(b + 1, b + 1 + lc);
  } else {
    // First body byte 00 with more bytes: extended length (ISO/IEC 7816-3 §12.1.3).
    c.extended = true;
    if (body < 3) {
      r.error = ParseError::kLengthMismatch;
      return r;
    }
    if (body == 3) {
      c.apdu_case = Case::k2;
      std::size_t le = (std::size_t{b[1]} << 8) | b[2];
      c.ne = le == 0 ? 65536 : le;
    } else {
      const std::size_t lc = (std::size_t{b[1]} << 8) | b[2];
      if (lc == 0) {
        r.error = ParseError::kLengthMismatch;
        return r;
      }
      if (body == 3 + lc) {
        c.apdu_case = Case::k3;
      } else if (body == 5 + lc) {
        c.apdu_case = Case::k4;
        std::size_t le = (std::size_t{b[3 + lc]} << 8) | b[4 + lc];
        c.ne = le == 0 ? 65536 : le;
      } else {
        r.error = ParseError::kLengthMismatch;
        return r;
      }
      c.data.assign(b + 3, b + 3 + lc);
    }
  }
  r.command = std::move(c);
  return r;
}

Bytes Command::encode() const {
  Bytes out{cla, ins, p1, p2};
  const bool ext = extended || data.size() > 255 || (ne && *ne > 256);
  if (has_data()) {
    if (ext) {
      out.push_back(0);
      out.push_back(static_cast<std::uint8_t>(data.size() >> 8));
    }
    out.push_back(static_cast<std::uint8_t>(data.size()));
    out.insert(out.end(), data.begin(), data.end());
  }
  if (ne) {
    if (ext) {
      if (!has_data()) out.push_back(0);
      std::size_t le = *ne == 65536 ? 0 : *ne;
      out.push_back(static_cast<std::uint8_t>(le >> 8));
      out.push_back(static_cast<std::uint8_t>(le));
    } else {
      out.push_back(static_cast<std::uint8_t>(*ne == 256 ? 0 : *ne));
    }
  }
  return out;
}

Bytes Response::encode() const {
  Bytes out = data;
  out.push_back(sw1());
  out.push_back(sw2());
  return out;
}

ClassByte decode_cla(std::uint8_t cla) {
  ClassByte c;
  // FF is PPS; 2x and 3x are reserved for future use (ISO/IEC 7816-4 §5.4.1).
  if (cla == 0xFF || (cla & 0xE0) == 0x20) return c;
  c.valid = true;
  c.proprietary = (cla & 0x80) != 0;
  if ((cla & 0x40) == 0) {
    // First interindustry coding (and GlobalPlatform's 80..8F): channels 0..3.
    c.channel = cla & 0x03;
    c.chaining = (cla & 0x10) != 0;
    c.secure_messaging = (cla & 0x0C) != 0;
  } else {
    // Further interindustry coding (and GlobalPlatform's C0..CF): channels 4..19.
    c.channel = 4 + (cla & 0x0F);
    c.chaining = (cla & 0x10) != 0;
    c.secure_messaging = (cla & 0x20) != 0;
  }
  return c;
}

std::uint8_t with_channel(std::uint8_t cla, unsigned channel) {
  return static_cast<std::uint8_t>((cla & ~0x43) | (channel & 0x03));
}

std::string sw_hex(std::uint16_t sw) {
  char buf[5];
  std::snprintf(buf, sizeof buf, "%04X", sw);
  return buf;
}

}  // namespace euiccsim::apdu
