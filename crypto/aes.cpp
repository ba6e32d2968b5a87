#include "euiccsim/crypto/aes.hpp"

#include <botan/block_cipher.h>
#include <botan/cipher_mode.h>
#include <botan/mac.h>

#include "euiccsim/crypto/op_stats.hpp"

namespace euiccsim::crypto {

namespace {

void check_key(ByteView key) {
  if (key.size() != 16)
    throw AesError("AES-128 key must be 16 bytes, got " + std::to_string(key.size()));
}

void check_cbc(ByteView iv, ByteView data) {
  if (iv.size() != kAesBlock)
    throw AesError("CBC IV must be 16 bytes, got " + std::to_string(iv.size()));
  if (data.size() % kAesBlock != 0) {
    throw AesError("CBC input must be a multiple of 16 bytes, got " + std::to_string(data.size()));
  }
}

template <typename Out>
Out cbc(Botan::Cipher_Dir dir, ByteView key, ByteView iv, ByteView input) {
  OpScope op(Op::kAesCbc, input.size());
  check_key(key);
  check_cbc(iv, input);
  // Botan's CBC decryption refuses an empty message; no blocks in, no blocks out.
  if (input.empty()) return Out();
  auto mode = Botan::Cipher_Mode::create_or_throw("AES-128/CBC/NoPadding", dir);
  mode->set_key(key.data(), key.size());
  mode->start(iv.data(), iv.size());
  Botan::secure_vector<std::uint8_t> buf(input.begin(), input.end());
  mode->finish(buf);
  return Out(buf.begin(), buf.end());
}

}  // namespace

Bytes aes128_encrypt_block(ByteView key, ByteView block) {
  OpScope op(Op::kAesBlock, block.size());
  check_key(key);
  if (block.size() != kAesBlock)
    throw AesError("AES block must be 16 bytes, got " + std::to_string(block.size()));
  auto aes = Botan::BlockCipher::create_or_throw("AES-128");
  aes->set_key(key.data(), key.size());
  Bytes out(block.begin(), block.end());
  aes->encrypt(out.data());
  return out;
}

Bytes aes128_cbc_encrypt(ByteView key, ByteView iv, ByteView plaintext) {
  return cbc<Bytes>(Botan::ENCRYPTION, key, iv, plaintext);
}

SecureBytes aes128_cbc_decrypt(ByteView key, ByteView iv, ByteView ciphertext) {
  return cbc<SecureBytes>(Botan::DECRYPTION, key, iv, ciphertext);
}

Bytes aes128_cmac(ByteView key, ByteView message) {
  OpScope op(Op::kCmac, message.size());
  check_key(key);
  auto mac = Botan::MessageAuthenticationCode::create_or_throw("CMAC(AES-128)");
  mac->set_key(key.data(), key.size());
  mac->update(message.data(), message.size());
  auto tag = mac->final();
  return Bytes(tag.begin(), tag.end());
}

}  // namespace euiccsim::crypto
