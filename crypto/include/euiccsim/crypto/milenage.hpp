// MILENAGE (3GPP TS 35.206): the UMTS/LTE/5G AKA functions f1, f1*, f2, f3, f4, f5 and f5* over
// AES-128, with the operator variant OPc and the rotation and XOR constants r1..r5, c1..c5 that
// TS 35.206 §4.1 lets an operator choose (a profile package carries them as
// rotationConstants and xoringConstants of its akaParameter).
//
// Lengths: K, OPc, OP, RAND 16 bytes; SQN and AK 6; AMF 2; MAC-A, MAC-S and RES 8; CK, IK 16.
// A wrong length throws std::invalid_argument naming the input.
#pragma once

#include <array>
#include <cstdint>

#include "euiccsim/crypto/bytes.hpp"

namespace euiccsim::crypto::milenage {

struct Constants {
  std::array<std::uint8_t, 5> r{64, 0, 32, 64, 96};  // rotations r1..r5, in bits
  std::array<std::array<std::uint8_t, 16>, 5> c{};   // c1..c5
  // TS 35.206 §4.1's values: r = 64, 0, 32, 64, 96; c1 = 0, c2 = ..01, c3 = ..02, c4 = ..04,
  // c5 = ..08 (the last byte of each).
  static Constants standard();
  // From a profile's 5 rotation bytes (bits, 0..127) and 80 XOR bytes (c1..c5 in order);
  // empty values take the standard ones.
  static Constants from_profile(ByteView rotation, ByteView xoring);
};

// OPc = E_K(OP) xor OP (TS 35.206 §4.1).
Bytes opc(ByteView k, ByteView op);

// MAC-A (f1) and MAC-S (f1*): both come out of the same block OUT1.
Bytes f1(ByteView k, ByteView opc, ByteView rand, ByteView sqn, ByteView amf,
         const Constants& constants = Constants::standard());
Bytes f1star(ByteView k, ByteView opc, ByteView rand, ByteView sqn, ByteView amf,
             const Constants& constants = Constants::standard());

struct Outputs {
  Bytes res;  // f2, 8 bytes
  Bytes ck;   // f3, 16 bytes
  Bytes ik;   // f4, 16 bytes
  Bytes ak;   // f5, 6 bytes
};
Outputs f2345(ByteView k, ByteView opc, ByteView rand,
              const Constants& constants = Constants::standard());
// AK for resynchronisation (f5*), 6 bytes.
Bytes f5star(ByteView k, ByteView opc, ByteView rand,
             const Constants& constants = Constants::standard());

}  // namespace euiccsim::crypto::milenage
