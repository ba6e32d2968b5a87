// The SM-DP+'s SCP03t: written from PROTOCOL.md §4.6-4.7 (SGP.22 §2.5.5 / §2.6.4) using only
// crypto/aes.hpp's primitives, never crypto/scp03t.hpp, so that the card's receiver and this
// sender cannot share a mistake.
#include "binder.hpp"

#include <algorithm>
#include <stdexcept>

#include "euiccsim/crypto/aes.hpp"
#include "euiccsim/crypto/tlv.hpp"

namespace euiccsim::smdp {

namespace {

constexpr std::size_t kMacSize = 8;  // C-MAC: the first 8 bytes of the CMAC

SecureBytes checked_key(SecureBytes key, const char* what) {
  if (key.size() != crypto::kAesBlock)
    throw std::invalid_argument(std::string("BspSender: ") + what + " must be 16 bytes");
  return key;
}

}  // namespace

BspSender::BspSender(SecureBytes s_enc, SecureBytes s_mac, SecureBytes initial_mcv)
    : s_enc_(checked_key(std::move(s_enc), "S-ENC")),
      s_mac_(checked_key(std::move(s_mac), "S-MAC")),
      mcv_(checked_key(std::move(initial_mcv), "the initial MCV")) {}

Bytes BspSender::wrap(std::uint8_t tag, ByteView plaintext) {
  if (tag != 0x86 && tag != 0x87 && tag != 0x88)
    throw std::invalid_argument("BspSender: segment tag must be 86, 87 or 88");
  // Every segment takes a block number, MAC-only ones too (SGP.22 §2.6.4.4), so the card's
  // counter and ours stay in step whatever the mix of segments.
  ++counter_;

  Bytes payload;
  if (tag == 0x88) {
    payload.assign(plaintext.begin(), plaintext.end());
  } else {
    // Padding is always added, even to a whole number of blocks: the card strips up to the
    // last 80, so an unpadded block ending in 80 00.. would lose its tail.
    SecureBytes padded(plaintext.begin(), plaintext.end());
    padded.push_back(0x80);
    while (padded.size() % crypto::kAesBlock != 0) padded.push_back(0x00);
    std::uint8_t block[crypto::kAesBlock] = {};
    for (std::size_t i = 0; i < 4; ++i)
      block[crypto::kAesBlock - 1 - i] = static_cast<std::uint8_t>(counter_ >> (8 * i));
    const Bytes icv = crypto::aes128_encrypt_block(s_enc_, block);
    payload = crypto::aes128_cbc_encrypt(s_enc_, icv, padded);
  }

  // The length field covers the payload and the C-MAC; the MAC input carries it as sent.
  Bytes head = tlv::header(tag, payload.size() + kMacSize);
  if (head.size() > 4) throw std::invalid_argument("BspSender: segment too long");
  Bytes mac_input;
  mac_input.reserve(mcv_.size() + head.size() + payload.size());
  mac_input.insert(mac_input.end(), mcv_.begin(), mcv_.end());
  mac_input.insert(mac_input.end(), head.begin(), head.end());
  mac_input.insert(mac_input.end(), payload.begin(), payload.end());
  const Bytes cmac = crypto::aes128_cmac(s_mac_, mac_input);
  // The next segment chains on the full 16-byte CMAC, not the 8 bytes sent.
  mcv_.assign(cmac.begin(), cmac.end());

  Bytes out = std::move(head);
  out.insert(out.end(), payload.begin(), payload.end());
  out.insert(out.end(), cmac.begin(), cmac.begin() + kMacSize);
  return out;
}

namespace {

// The segments of one container: `content` cut into pieces of at most `max` bytes, each
// wrapped, inside `container` (A0/A1/A2/A3).
Bytes protect_all(BspSender& sender, std::uint8_t container, std::uint8_t tag, ByteView content,
                  std::size_t max) {
  Bytes segments;
  while (!content.empty()) {
    const std::size_t n = std::min(max, content.size());
    const Bytes seg = sender.wrap(tag, content.first(n));
    segments.insert(segments.end(), seg.begin(), seg.end());
    content = content.subspan(n);
  }
  return tlv::encode(container, segments);
}

}  // namespace

Bytes bind_profile_package(const BppParts& parts, const BindingKeys& keys,
                           std::size_t max_plaintext) {
  if (max_plaintext == 0) throw std::invalid_argument("bind_profile_package: max_plaintext 0");
  if (parts.profile_package.empty())
    throw std::invalid_argument("bind_profile_package: empty profile package");
  if (parts.replace_session_keys && !keys.ppk)
    throw std::invalid_argument("bind_profile_package: ReplaceSessionKeys without the PPK");

  BspSender session(keys.s_enc, keys.s_mac, keys.initial_mcv);
  const Bytes a0 = protect_all(session, 0xA0, 0x87, parts.configure_isdp, max_plaintext);
  const Bytes a1 = protect_all(session, 0xA1, 0x88, parts.store_metadata, max_plaintext);
  Bytes a2;
  if (parts.replace_session_keys)
    a2 = protect_all(session, 0xA2, 0x87, *parts.replace_session_keys, max_plaintext);
  Bytes a3;
  if (keys.ppk) {
    // After ReplaceSessionKeys the card starts a fresh context: PPK keys, its MCV, counter 1.
    BspSender ppk((*keys.ppk)[0], (*keys.ppk)[1], (*keys.ppk)[2]);
    a3 = protect_all(ppk, 0xA3, 0x86, parts.profile_package, max_plaintext);
  } else {
    a3 = protect_all(session, 0xA3, 0x86, parts.profile_package, max_plaintext);
  }
  return tlv::encode(0xBF36, {parts.initialise_secure_channel, a0, a1, a2, a3});
}

std::vector<Bytes> bpp_segments(ByteView bound_profile_package) {
  std::vector<Bytes> out;
  try {
    const tlv::Tlv bpp = tlv::read_exact(bound_profile_package, "BoundProfilePackage");
    if (bpp.tag != 0xBF36) throw tlv::Error("not a BoundProfilePackage (BF36)");
    const auto items = tlv::children(bpp.value);
    // Exactly BF23, A0, A1, [A2], A3 in this order (SGP.22 BoundProfilePackage).
    const bool has_a2 = items.size() == 5;
    const std::vector<std::uint32_t> expected =
        has_a2 ? std::vector<std::uint32_t>{0xBF23, 0xA0, 0xA1, 0xA2, 0xA3}
               : std::vector<std::uint32_t>{0xBF23, 0xA0, 0xA1, 0xA3};
    if (items.size() != expected.size()) throw tlv::Error("BF36 must hold BF23, A0, A1, [A2], A3");
    for (std::size_t i = 0; i < items.size(); ++i)
      if (items[i].tag != expected[i])
        throw tlv::Error("BF36 must hold BF23, A0, A1, [A2], A3 in this order");
    auto check_inner = [](const tlv::Tlv& container, std::uint32_t tag) {
      auto inner = tlv::children(container.value);
      for (const auto& t : inner)
        if (t.tag != tag) throw tlv::Error("unexpected segment tag in a BPP container");
      return inner;
    };

    // 1: BF36 header + the whole BF23.
    out.push_back(tlv::cat({bpp.header(), items[0].bytes()}));
    // 2: the whole A0.
    check_inner(items[1], 0x87);
    out.emplace_back(items[1].bytes().begin(), items[1].bytes().end());
    // 3, 4: the A1 header, then each 88.
    const auto seq88 = check_inner(items[2], 0x88);
    out.emplace_back(items[2].header().begin(), items[2].header().end());
    for (const auto& t : seq88) out.emplace_back(t.bytes().begin(), t.bytes().end());
    // 5: the whole A2.
    std::size_t next = 3;
    if (has_a2) {
      check_inner(items[3], 0x87);
      out.emplace_back(items[3].bytes().begin(), items[3].bytes().end());
      next = 4;
    }
    // 6, 7: the A3 header, then each 86.
    const auto seq86 = check_inner(items[next], 0x86);
    out.emplace_back(items[next].header().begin(), items[next].header().end());
    for (const auto& t : seq86) out.emplace_back(t.bytes().begin(), t.bytes().end());
  } catch (const tlv::Error& e) {
    throw std::invalid_argument(std::string("bpp_segments: ") + e.what());
  }
  return out;
}

}  // namespace euiccsim::smdp
