// The FCP template a SELECT or STATUS answers with (ETSI TS 102 221 §11.1.1.3): file descriptor,
// file identifier (not for an ADF), DF name (ADF), proprietary information (the UICC
// characteristics for the MF), life cycle status, the security attributes as the profile
// referenced them (EF.ARR file and record), then for a DF the PIN status template with its
// PS_DO as the PINs stand now, and for an EF its size and short file identifier. A link file
// shows its own identity with its target's size and records.
#include "euiccsim/crypto/tlv.hpp"
#include "naa.hpp"

namespace euiccsim::applets::naa {

namespace {

// `v` big-endian in at least `min_width` bytes.
Bytes be(std::size_t v, std::size_t min_width) {
  std::size_t width = min_width;
  while (width < sizeof v && (v >> (8 * width)) != 0) ++width;
  Bytes out(width);
  for (std::size_t i = width; i-- > 0; v >>= 8) out[i] = static_cast<std::uint8_t>(v & 0xFF);
  return out;
}

// C6 (§9.5.2): PS_DO with one bit per key reference, b8 of its first byte for the first
// reference, set when the PIN is enabled; then each reference as 83.
Bytes pin_status_template(const InstalledProfile& p, const Path& df, const FileNode& node) {
  const auto keys = template_keys(node);
  const std::size_t ps_size = keys.empty() ? 1 : (keys.size() + 7) / 8;
  Bytes out(2 + ps_size, 0x00);
  out[0] = 0x90;
  out[1] = static_cast<std::uint8_t>(ps_size);
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const auto pin = find_pin(p, df, keys[i]);
    if (pin && pin_enabled(p.pins[*pin]))
      out[2 + i / 8] |= static_cast<std::uint8_t>(0x80 >> (i % 8));
  }
  for (auto k : keys) {
    out.push_back(0x83);
    out.push_back(0x01);
    out.push_back(k);
  }
  return out;
}

}  // namespace

Bytes fcp(const InstalledProfile& p, const Path& path) {
  const FileNode& f = *node_at(p, path);
  const FileNode& body = *node_at(p, body_path(p, path));
  const std::uint8_t share = f.shareable ? 0x40 : 0x00;
  Bytes v;
  Bytes descriptor;
  switch (f.type) {
    case FileType::Mf:
    case FileType::Df:
    case FileType::Adf:
      descriptor = {static_cast<std::uint8_t>(0x38 | share), 0x21};
      break;
    case FileType::Transparent:
      descriptor = {static_cast<std::uint8_t>(0x01 | share), 0x21};
      break;
    case FileType::BerTlv:
      descriptor = {static_cast<std::uint8_t>(0x39 | share), 0x21};
      break;
    case FileType::LinearFixed:
    case FileType::Cyclic: {
      const Bytes length = be(body.record_length, 2);
      descriptor = {static_cast<std::uint8_t>((f.type == FileType::Cyclic ? 0x06 : 0x02) | share),
                    0x21, length[length.size() - 2], length.back(),
                    static_cast<std::uint8_t>(record_count(body))};
      break;
    }
  }
  tlv::append(v, 0x82, descriptor);
  if (f.type == FileType::Adf) {
    tlv::append(v, 0x84, f.df_name);
  } else {
    tlv::append(v, 0x83, be(f.fid, 2));
  }
  Bytes proprietary;
  proprietary.reserve(3 + f.proprietary.size());
  if (f.type == FileType::Mf) {
    // §11.1.1.4.6.1: the MF's proprietary information carries the UICC characteristics
    // (clock stop allowed, no preferred level; supply voltage classes A, B and C).
    auto tlvs = tlv::read_all(f.proprietary);
    if (!tlvs || !tlv::find(*tlvs, 0x80)) tlv::append(proprietary, 0x80, Bytes{0x71});
  }
  for (auto b : f.proprietary) proprietary.push_back(b);
  if (!proprietary.empty()) tlv::append(v, 0xA5, proprietary);
  tlv::append(v, 0x8A, Bytes{f.lcsi});
  if (!f.security_attributes.empty()) tlv::append(v, 0x8B, f.security_attributes);
  if (f.is_df()) {
    tlv::append(v, 0xC6, pin_status_template(p, path, f));
  } else {
    tlv::append(v, 0x80, be(body.content.size(), 2));
    if (f.sfi >= 0)
      tlv::append(v, 0x88, Bytes{static_cast<std::uint8_t>(f.sfi << 3)});
    else
      tlv::append(v, 0x88, Bytes{});
  }
  return tlv::encode(0x62, v);
}

Bytes platform_mf_fcp() {
  // No EF.ARR to refer to: the compact security attributes with no access mode granted.
  return from_hex(
      "6218"
      "82027821"
      "83023F00"
      "A503800171"
      "8A0105"
      "8C0100"
      "C603900100");
}

}  // namespace euiccsim::applets::naa
