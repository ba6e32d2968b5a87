// AES-128 primitives for SCP03t (GlobalPlatform Amendment F as SGP.22 §2.6.6 profiles it):
// single-block ECB (the ICV), CBC without padding, and CMAC. Both ends of a download use them:
// the card's BSP receiver (scp03t.hpp) and the test SM-DP+'s binder (tools/), which share
// nothing above this file so that one mistake cannot hide in both directions.
#pragma once

#include "euiccsim/crypto/bytes.hpp"

#include <stdexcept>

namespace euiccsim::crypto {

inline constexpr std::size_t kAesBlock = 16;

// A key that is not 16 bytes, an IV that is not one block, or CBC input that is not a whole
// number of blocks.
class AesError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// AES-128 of one 16-byte block.
Bytes aes128_encrypt_block(ByteView key, ByteView block);
// AES-128-CBC, no padding: the input must be a multiple of 16 bytes (empty is allowed).
Bytes aes128_cbc_encrypt(ByteView key, ByteView iv, ByteView plaintext);
SecureBytes aes128_cbc_decrypt(ByteView key, ByteView iv, ByteView ciphertext);
// AES-128-CMAC (NIST SP 800-38B), the full 16-byte tag.
Bytes aes128_cmac(ByteView key, ByteView message);

}  // namespace euiccsim::crypto
