// TS 35.231 §6 lays the 1600-bit Keccak state out as: TOP or TOPc, INSTANCE, ALGONAME "TUAK1.0",
// RAND, AMF, SQN, KEY (zero-padded to 256 bits), then the fixed padding of its §6.1. Each field
// enters, and each output leaves, least significant byte first: the specification numbers bits
// from the end of a value, while the state's lanes are little-endian 64-bit words.
// Botan 2 flags <botan/sha3.h> as a header it will make internal; SHA_3::permute is the one public
// Keccak-f[1600] it offers. Silence that notice (it must be decided before any Botan header).
#define BOTAN_NO_DEPRECATED_WARNINGS
#include "euiccsim/crypto/tuak.hpp"

#include <botan/sha3.h>

#include <array>
#include <stdexcept>
#include <string>

namespace euiccsim::crypto::tuak {

namespace {

constexpr char kAlgorithmName[] = "TUAK1.0";

void need(ByteView v, std::size_t size, const char* what) {
  if (v.size() != size)
    throw std::invalid_argument(std::string("TUAK ") + what + " must be " + std::to_string(size) +
                                " bytes, got " + std::to_string(v.size()));
}

void need_key(ByteView k) {
  if (k.size() != 16 && k.size() != 32)
    throw std::invalid_argument("TUAK K must be 16 or 32 bytes, got " + std::to_string(k.size()));
}

// The INSTANCE bits that code an output length: 8 bytes 0x08, 16 bytes 0x10, 32 bytes 0x20
// (and, for RES only, 4 bytes 0x00).
std::uint8_t length_bits(std::size_t len, bool res, const char* what) {
  switch (len) {
    case 4:
      if (res) return 0x00;
      break;
    case 8:
      return 0x08;
    case 16:
      return 0x10;
    case 32:
      return 0x20;
    default:
      break;
  }
  throw std::invalid_argument(std::string("TUAK ") + what + " length of " + std::to_string(len) +
                              " bytes is not one TS 35.231 defines");
}

std::uint8_t key_bit(ByteView k) {
  return k.size() == 32 ? 0x01 : 0x00;
}

using State = std::array<std::uint8_t, 200>;

// Runs the permutation over the input TS 35.231 §6 defines; returns the state bytes.
State keccak(ByteView top, std::uint8_t instance, ByteView rand, ByteView amf, ByteView sqn,
             ByteView k, unsigned iterations) {
  if (iterations == 0) throw std::invalid_argument("TUAK needs at least one Keccak iteration");
  need(top, 32, "TOP/TOPc");
  need(rand, 16, "RAND");
  need(amf, 2, "AMF");
  need(sqn, 6, "SQN");
  need_key(k);
  State s{};
  std::size_t at = 0;
  auto push_reversed = [&](ByteView v) {
    for (std::size_t i = v.size(); i-- > 0;) s[at++] = v[i];
  };
  push_reversed(top);
  s[at++] = instance;
  push_reversed(
      ByteView(reinterpret_cast<const std::uint8_t*>(kAlgorithmName), sizeof kAlgorithmName - 1));
  push_reversed(rand);
  push_reversed(amf);
  push_reversed(sqn);
  push_reversed(k);
  at += 32 - k.size();  // the key field is 256 bits; the rest stays zero
  s[at] = 0x1F;         // §6.1 padding: 0x1F, zeros, 0x80, then the capacity (zeros)
  s[at + 39] = 0x80;
  std::array<std::uint64_t, 25> lanes{};
  for (std::size_t i = 0; i < 200; ++i)
    lanes[i / 8] |= static_cast<std::uint64_t>(s[i]) << (8 * (i % 8));
  for (unsigned n = 0; n < iterations; ++n) Botan::SHA_3::permute(lanes.data());
  for (std::size_t i = 0; i < 200; ++i)
    s[i] = static_cast<std::uint8_t>(lanes[i / 8] >> (8 * (i % 8)));
  return s;
}

// `len` bytes of the state from `offset`, most significant byte first.
Bytes take(const State& s, std::size_t offset, std::size_t len) {
  Bytes out(len);
  for (std::size_t i = 0; i < len; ++i) out[i] = s[offset + len - 1 - i];
  return out;
}

const std::array<std::uint8_t, 16> kZero{};

ByteView zeros(std::size_t n) {
  return ByteView(kZero.data(), n);
}

}  // namespace

Bytes topc(ByteView k, ByteView top, unsigned iterations) {
  need_key(k);
  return take(keccak(top, key_bit(k), zeros(16), zeros(2), zeros(6), k, iterations), 0, 32);
}

Bytes f1(ByteView topc, ByteView k, ByteView rand, ByteView sqn, ByteView amf,
         std::size_t mac_length, unsigned iterations) {
  need_key(k);
  const std::uint8_t instance = length_bits(mac_length, false, "MAC-A") | key_bit(k);
  return take(keccak(topc, instance, rand, amf, sqn, k, iterations), 0, mac_length);
}

Bytes f1star(ByteView topc, ByteView k, ByteView rand, ByteView sqn, ByteView amf,
             std::size_t mac_length, unsigned iterations) {
  need_key(k);
  const std::uint8_t instance = 0x80 | length_bits(mac_length, false, "MAC-S") | key_bit(k);
  return take(keccak(topc, instance, rand, amf, sqn, k, iterations), 0, mac_length);
}

Outputs f2345(ByteView topc, ByteView k, ByteView rand, std::size_t res_length,
              std::size_t ck_length, std::size_t ik_length, unsigned iterations) {
  need_key(k);
  if (ck_length != 16 && ck_length != 32)
    throw std::invalid_argument("TUAK CK length must be 16 or 32 bytes");
  if (ik_length != 16 && ik_length != 32)
    throw std::invalid_argument("TUAK IK length must be 16 or 32 bytes");
  const std::uint8_t instance = 0x40 | length_bits(res_length, true, "RES") |
                                (ck_length == 32 ? 0x04 : 0x00) | (ik_length == 32 ? 0x02 : 0x00) |
                                key_bit(k);
  const State s = keccak(topc, instance, rand, zeros(2), zeros(6), k, iterations);
  return Outputs{take(s, 0, res_length), take(s, 32, ck_length), take(s, 64, ik_length),
                 take(s, 96, 6)};
}

Bytes f5star(ByteView topc, ByteView k, ByteView rand, unsigned iterations) {
  need_key(k);
  return take(keccak(topc, 0xC0 | key_bit(k), rand, zeros(2), zeros(6), k, iterations), 96, 6);
}

}  // namespace euiccsim::crypto::tuak
