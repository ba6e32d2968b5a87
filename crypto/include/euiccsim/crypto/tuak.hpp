// TUAK (3GPP TS 35.231): the AKA functions f1, f1*, f2, f3, f4, f5, f5* built on the
// Keccak-f[1600] permutation, with the operator variant TOPc and a configurable number of
// Keccak iterations.
//
// Lengths: K 16 or 32 bytes; TOP and TOPc 32; RAND 16; SQN and AK 6; AMF 2. Output lengths are
// parameters, in bytes: MAC-A / MAC-S 8, 16 or 32; RES 4, 8, 16 or 32; CK and IK 16 or 32.
// A wrong length or an iteration count of 0 throws std::invalid_argument naming the input.
#pragma once

#include <cstddef>

#include "euiccsim/crypto/bytes.hpp"

namespace euiccsim::crypto::tuak {

// TOPc from the operator's TOP and the subscriber key (TS 35.231 §6.2).
Bytes topc(ByteView k, ByteView top, unsigned iterations = 1);

Bytes f1(ByteView topc, ByteView k, ByteView rand, ByteView sqn, ByteView amf,
         std::size_t mac_length, unsigned iterations = 1);
Bytes f1star(ByteView topc, ByteView k, ByteView rand, ByteView sqn, ByteView amf,
             std::size_t mac_length, unsigned iterations = 1);

struct Outputs {
  Bytes res;  // f2
  Bytes ck;   // f3
  Bytes ik;   // f4
  Bytes ak;   // f5, 6 bytes
};
Outputs f2345(ByteView topc, ByteView k, ByteView rand, std::size_t res_length,
              std::size_t ck_length, std::size_t ik_length, unsigned iterations = 1);
Bytes f5star(ByteView topc, ByteView k, ByteView rand, unsigned iterations = 1);

}  // namespace euiccsim::crypto::tuak
