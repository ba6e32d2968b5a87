#include "euiccsim/crypto/kdf.hpp"

#include <botan/kdf.h>

#include <stdexcept>
#include <string>

#include "euiccsim/crypto/op_stats.hpp"

namespace euiccsim::crypto {

SecureBytes x963_kdf_sha256(ByteView shared_secret, ByteView shared_info, std::size_t length) {
  OpScope op(Op::kKdf, shared_secret.size() + shared_info.size());
  // Botan 2 names ANSI X9.63 "KDF2": Hash(secret || counter32 (from 1) || salt || label); the
  // sharedInfo goes in the salt, the label stays empty.
  auto kdf = Botan::KDF::create_or_throw("KDF2(SHA-256)");
  return kdf->derive_key(length, shared_secret.data(), shared_secret.size(), shared_info.data(),
                         shared_info.size(), nullptr, 0);
}

Bytes bsp_shared_info(std::uint8_t key_type, std::uint8_t key_length, ByteView host_id,
                      ByteView eid) {
  if (host_id.size() > 127) throw std::invalid_argument("hostId longer than 127 bytes");
  if (eid.size() > 127) throw std::invalid_argument("EID longer than 127 bytes");
  Bytes info{key_type, key_length, static_cast<std::uint8_t>(host_id.size())};
  info.insert(info.end(), host_id.begin(), host_id.end());
  info.push_back(static_cast<std::uint8_t>(eid.size()));
  info.insert(info.end(), eid.begin(), eid.end());
  return info;
}

BspKeys derive_bsp_keys(ByteView shared_secret, std::uint8_t key_type, std::uint8_t key_length,
                        ByteView host_id, ByteView eid) {
  const SecureBytes out =
      x963_kdf_sha256(shared_secret, bsp_shared_info(key_type, key_length, host_id, eid), 48);
  BspKeys keys;
  keys.initial_mcv.assign(out.begin(), out.begin() + 16);
  keys.s_enc.assign(out.begin() + 16, out.begin() + 32);
  keys.s_mac.assign(out.begin() + 32, out.end());
  return keys;
}

}  // namespace euiccsim::crypto
