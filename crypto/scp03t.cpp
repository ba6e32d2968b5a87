#include "euiccsim/crypto/scp03t.hpp"

#include <botan/mem_ops.h>

#include <limits>
#include <string>

#include "euiccsim/crypto/aes.hpp"
#include "euiccsim/crypto/tlv.hpp"

namespace euiccsim::crypto {

namespace {

constexpr std::size_t kCmacSize = 8;

void check_size(const SecureBytes& v, const char* what) {
  if (v.size() != 16)
    throw std::invalid_argument(std::string("SCP03t ") + what + " must be 16 bytes, got " +
                                std::to_string(v.size()));
}

[[noreturn]] void fail(Scp03tError::Kind kind, const std::string& what) {
  throw Scp03tError(kind, "SCP03t segment: " + what);
}

struct Segment {
  std::uint32_t tag;
  ByteView header;   // tag and length, exactly as received: the C-MAC covers them
  ByteView payload;  // ciphertext (86, 87) or plaintext (88)
  ByteView cmac;
};

// One TLV read by DER rules (as every SM-DP+ writes it; the C-MAC covers the header as
// received, so a second encoding of the same length must not pass), filling the segment.
Segment split(ByteView s) {
  tlv::Problem why = tlv::Problem::kNone;
  auto t = tlv::read(s, tlv::Rules::kDer, &why);
  if (!t) fail(Scp03tError::Kind::kStructure, tlv::describe(why));
  if (t->tag != 0x86 && t->tag != 0x87 && t->tag != 0x88)
    fail(Scp03tError::Kind::kStructure, "tag is not 86, 87 or 88");
  if (t->size != s.size())
    fail(Scp03tError::Kind::kStructure, "length does not match the segment's size");
  if (t->value.size() < kCmacSize) fail(Scp03tError::Kind::kStructure, "no room for the C-MAC");
  return {t->tag, t->header(), t->value.first(t->value.size() - kCmacSize),
          t->value.last(kCmacSize)};
}

}  // namespace

BspReceiver::BspReceiver(SecureBytes s_enc, SecureBytes s_mac, SecureBytes initial_mcv)
    : s_enc_(std::move(s_enc)), s_mac_(std::move(s_mac)), mcv_(std::move(initial_mcv)) {
  check_size(s_enc_, "S-ENC");
  check_size(s_mac_, "S-MAC");
  check_size(mcv_, "MAC chaining value");
}

SecureBytes BspReceiver::unwrap(ByteView segment) {
  const Segment seg = split(segment);
  if (counter_ == std::numeric_limits<std::uint32_t>::max())
    fail(Scp03tError::Kind::kStructure, "block counter exhausted");

  // The MAC first, over the bytes as received, so that nothing unauthenticated is decrypted
  // and the padding check below cannot serve as an oracle.
  SecureBytes mac_input(mcv_.begin(), mcv_.end());
  mac_input.insert(mac_input.end(), seg.header.begin(), seg.header.end());
  mac_input.insert(mac_input.end(), seg.payload.begin(), seg.payload.end());
  const Bytes mac = aes128_cmac(s_mac_, mac_input);
  if (!Botan::constant_time_compare(mac.data(), seg.cmac.data(), kCmacSize))
    fail(Scp03tError::Kind::kMac, "C-MAC does not verify");

  const std::uint32_t counter = counter_ + 1;
  SecureBytes plain;
  if (seg.tag == 0x88) {
    plain.assign(seg.payload.begin(), seg.payload.end());
  } else {
    if (seg.payload.empty() || seg.payload.size() % kAesBlock != 0)
      fail(Scp03tError::Kind::kPadding, "ciphertext is not a whole number of blocks");
    std::uint8_t block[kAesBlock] = {};
    for (int i = 0; i < 4; ++i)
      block[kAesBlock - 1 - i] = static_cast<std::uint8_t>(counter >> (8 * i));
    const Bytes icv = aes128_encrypt_block(s_enc_, block);
    plain = aes128_cbc_decrypt(s_enc_, icv, seg.payload);
    // 80 then 0 to 15 zero bytes: the marker must lie in the last block.
    std::size_t end = plain.size();
    while (end > 0 && plain[end - 1] == 0x00 && plain.size() - end < kAesBlock) --end;
    if (end == 0 || plain[end - 1] != 0x80 || plain.size() - end >= kAesBlock)
      fail(Scp03tError::Kind::kPadding, "padding is not 80 00..");
    plain.resize(end - 1);
  }
  mcv_.assign(mac.begin(), mac.end());
  counter_ = counter;
  return plain;
}

}  // namespace euiccsim::crypto
