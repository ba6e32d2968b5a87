// The rest of what a USIM computes for AKA besides MILENAGE and TUAK: the test algorithm every
// test USIM runs (3GPP TS 34.108 §8.1.2, the "XOR" algorithm of test networks), and the
// conversion functions c2 and c3 that turn a UMTS vector into GSM's SRES and Kc (TS 33.102
// §6.8.1.2).
#pragma once

#include <cstddef>
#include <cstdint>

#include "euiccsim/crypto/bytes.hpp"
#include "euiccsim/crypto/milenage.hpp"

namespace euiccsim::crypto::aka {

// TS 34.108 §8.1.2: XDOUT = K xor RAND (K and RAND 16 bytes); every output is a selection of
// XDOUT's bits, and the MACs XDOUT's first 64 bits xor SQN || AMF.
namespace test_algorithm {
// MAC-A (f1) with the AMF of AUTN; MAC-S (f1*) is the same function, called with SQN_MS and
// an AMF of 0000 for resynchronisation (§8.1.2.2).
Bytes f1(ByteView k, ByteView rand, ByteView sqn, ByteView amf);
struct Outputs {
  Bytes res;  // f2: XDOUT's first res_length bytes (4 to 16)
  Bytes ck;   // f3: XDOUT rotated left by 8 bits
  Bytes ik;   // f4: XDOUT rotated left by 16 bits
  Bytes ak;   // f5: XDOUT bits 24..71 (f5* is the same selection)
};
Outputs f2345(ByteView k, ByteView rand, std::size_t res_length);
}  // namespace test_algorithm

// One subscriber's AKA functions, whichever algorithm computes them: what a USIM runs and what
// the network side (a test's AuC) runs to build AUTN.
enum class Algorithm : std::uint8_t { kMilenage = 1, kTuak = 2, kTestAlgorithm = 3 };

struct Parameters {
  Algorithm algorithm = Algorithm::kMilenage;
  SecureBytes k;
  SecureBytes opc;  // MILENAGE: OPc; TUAK: TOPc; the test algorithm: unused
  milenage::Constants constants = milenage::Constants::standard();
  // Output lengths in bytes. MILENAGE's are fixed (8, 8, 16, 16); TUAK's are chosen by the
  // profile (4/8/16/32, 8/16/32, 16/32, 16/32); the test algorithm's RES is 4 to 16 bytes.
  std::size_t res_length = 8;
  std::size_t mac_length = 8;
  std::size_t ck_length = 16;
  std::size_t ik_length = 16;
  unsigned keccak_iterations = 1;  // TUAK only
};

struct Outputs {
  Bytes res, ck, ik, ak;
};

// f1: MAC-A over SQN and AMF (mac_length bytes).
Bytes mac_a(const Parameters& p, ByteView rand, ByteView sqn, ByteView amf);
// f1*: MAC-S, for AUTS (TS 33.102 §6.3.3 computes it with AMF 0000).
Bytes mac_s(const Parameters& p, ByteView rand, ByteView sqn, ByteView amf);
// f2, f3, f4, f5.
Outputs f2345(const Parameters& p, ByteView rand);
// f5*: the anonymity key that conceals SQN_MS in AUTS.
Bytes ak_star(const Parameters& p, ByteView rand);

// c2: SRES (4 bytes) as the xor of RES's 32-bit words, RES padded with zeros to a whole number
// of them (TS 33.102 §6.8.1.2 for RES up to 128 bits; longer TUAK RES values fold the same way).
Bytes c2(ByteView res);
// c3: Kc (8 bytes) as CK1 xor CK2 xor IK1 xor IK2, the 64-bit halves of CK and IK (256-bit
// TUAK keys fold all their 64-bit quarters the same way).
Bytes c3(ByteView ck, ByteView ik);

}  // namespace euiccsim::crypto::aka
