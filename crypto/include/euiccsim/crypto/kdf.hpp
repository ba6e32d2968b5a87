// The key derivation of SGP.22 §2.6.4 / PROTOCOL.md §4.5: ANSI X9.63 with SHA-256 over ShS
// and the sharedInfo built from the BF23 control reference template and the EID.
#pragma once

#include <cstdint>

#include "euiccsim/crypto/bytes.hpp"

namespace euiccsim::crypto {

// ANSI X9.63 KDF (SEC 1 §3.6.1) with SHA-256: Hash(Z || counter32 || sharedInfo) blocks,
// counter from 1, truncated to `length` bytes.
SecureBytes x963_kdf_sha256(ByteView shared_secret, ByteView shared_info, std::size_t length);

// keyType || keyLength || L(hostId) || hostId || L(EID) || EID, lengths as one byte.
// std::invalid_argument if hostId or EID is longer than 127 bytes.
Bytes bsp_shared_info(std::uint8_t key_type, std::uint8_t key_length, ByteView host_id,
                      ByteView eid);

// The three 16-byte values of the 48-byte KDF output, in output order.
struct BspKeys {
  SecureBytes initial_mcv;  // bytes 0-15: the initial MAC chaining value
  SecureBytes s_enc;        // bytes 16-31
  SecureBytes s_mac;        // bytes 32-47
};

BspKeys derive_bsp_keys(ByteView shared_secret, std::uint8_t key_type, std::uint8_t key_length,
                        ByteView host_id, ByteView eid);

}  // namespace euiccsim::crypto
