// The SM-DP+'s side of SCP03t (BSP, SGP.22 §2.5.5 / PROTOCOL.md §4.6-4.7): protecting
// segments and assembling the Bound Profile Package. Written apart from the card's receiver
// (crypto/scp03t.hpp) on purpose.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "euiccsim/crypto/bytes.hpp"

namespace euiccsim::smdp {

// One key set's segment protection: the block counter starts at 1 and advances on every
// segment (MAC-only 88 included); the MAC chain starts at the initial MCV.
class BspSender {
 public:
  // std::invalid_argument unless each value is 16 bytes.
  BspSender(SecureBytes s_enc, SecureBytes s_mac, SecureBytes initial_mcv);
  // tag 0x86 / 0x87: pad (80 00..), encrypt, MAC. tag 0x88: MAC only. Returns the whole
  // segment TLV: tag, BER length, payload, 8-byte C-MAC. Any other tag: std::invalid_argument.
  // It does not cap the size (the 1020-byte limit is the cutter's business, and a reference
  // BPP from another SM-DP+ has larger segments); a payload must fit a 3-byte BER length.
  Bytes wrap(std::uint8_t tag, ByteView plaintext);

 private:
  SecureBytes s_enc_, s_mac_, mcv_;
  std::uint32_t counter_ = 0;
};

// Largest plaintext that fits one protected segment of at most 1020 bytes (tag, 3-byte
// length, padded payload, 8-byte MAC): the padded payload may be 1008 bytes (63 blocks), and
// padding always takes at least one byte.
inline constexpr std::size_t kMaxSegmentPlaintext = 1007;

struct BppParts {
  Bytes initialise_secure_channel;            // BF23 ... (signed)
  Bytes configure_isdp;                       // BF24 ... plaintext
  Bytes store_metadata;                       // BF25 ... plaintext
  std::optional<Bytes> replace_session_keys;  // BF26 ... plaintext, when a PPK is used
  Bytes profile_package;                      // the PE stream
};

struct BindingKeys {
  SecureBytes s_enc, s_mac, initial_mcv;  // session keys from the KDF
  // PPK-ENC, PPK-MAC, initial MCV (as ReplaceSessionKeys sets them): A3 uses them when given.
  std::optional<std::array<SecureBytes, 3>> ppk;
};

// BF36 { BF23, A0 { 87.. }, A1 { 88.. }, [A2 { 87 }], A3 { 86.. } }: BF24, BF25, BF26 and the
// package each cut into plaintext pieces of at most `max_plaintext` bytes (BF23 goes as it is).
// A0, A1 and A2 use the session keys; A3 the PPK set when keys.ppk is given (with or without
// A2: a caller may give the PPK directly, as the reference BPP of PROTOCOL.md's vectors does),
// else the session keys. std::invalid_argument for an A2 without keys.ppk, an empty package,
// or a max_plaintext of 0.
// `max_plaintext` is a parameter only so that a BPP cut by another SM-DP+ can be reproduced:
// osmo-smdpp (pySim bsp.py) cuts 1008-byte pieces, whose 86 segments are 1036 bytes long.
Bytes bind_profile_package(const BppParts& parts, const BindingKeys& keys,
                           std::size_t max_plaintext = kMaxSegmentPlaintext);

// The ES10b pieces an LPA sends, in order (PROTOCOL.md §4.6): BF36 header + BF23, the whole
// A0, the A1 header, each 88, the whole A2, the A3 header, each 86. std::invalid_argument if
// the package is not a well-formed BF36.
std::vector<Bytes> bpp_segments(ByteView bound_profile_package);

}  // namespace euiccsim::smdp
