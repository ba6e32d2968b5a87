#include "euiccsim/crypto/milenage.hpp"

#include <botan/block_cipher.h>

#include <stdexcept>
#include <string>

namespace euiccsim::crypto::milenage {

namespace {

using Block = std::array<std::uint8_t, 16>;

void need(ByteView v, std::size_t size, const char* what) {
  if (v.size() != size)
    throw std::invalid_argument(std::string("MILENAGE ") + what + " must be " +
                                std::to_string(size) + " bytes, got " + std::to_string(v.size()));
}

Block block(ByteView v) {
  Block b{};
  std::copy(v.begin(), v.end(), b.begin());
  return b;
}

Block xor_of(const Block& a, const Block& b) {
  Block out{};
  for (std::size_t i = 0; i < 16; ++i) out[i] = static_cast<std::uint8_t>(a[i] ^ b[i]);
  return out;
}

// rot(x, r): the 128-bit value x rotated by r bits towards its most significant bit (byte 0
// holds the most significant bits).
Block rot(const Block& x, unsigned r) {
  r %= 128;
  const unsigned bytes = r / 8, bits = r % 8;
  Block out{};
  for (unsigned i = 0; i < 16; ++i) {
    const std::uint8_t hi = x[(i + bytes) % 16];
    const std::uint8_t lo = x[(i + bytes + 1) % 16];
    out[i] = bits == 0 ? hi : static_cast<std::uint8_t>((hi << bits) | (lo >> (8 - bits)));
  }
  return out;
}

class Cipher {
 public:
  explicit Cipher(ByteView k) : aes_(Botan::BlockCipher::create_or_throw("AES-128")) {
    need(k, 16, "K");
    aes_->set_key(k.data(), k.size());
  }
  Block encrypt(Block b) const {
    aes_->encrypt(b.data());
    return b;
  }

 private:
  std::unique_ptr<Botan::BlockCipher> aes_;
};

// TEMP = E_K(RAND xor OPc), shared by every function.
Block temp_of(const Cipher& e, const Block& opc, ByteView rand) {
  need(rand, 16, "RAND");
  return e.encrypt(xor_of(block(rand), opc));
}

// OUTn = E_K(rot(TEMP xor OPc, rn) xor cn) xor OPc for n = 2..5.
Block out_n(const Cipher& e, const Block& temp, const Block& opc, const Constants& k, int n) {
  const auto i = static_cast<std::size_t>(n - 1);
  return xor_of(e.encrypt(xor_of(rot(xor_of(temp, opc), k.r[i]), k.c[i])), opc);
}

// OUT1 = E_K(TEMP xor rot(IN1 xor OPc, r1) xor c1) xor OPc, IN1 = SQN || AMF || SQN || AMF.
Block out1(ByteView k, ByteView opc_in, ByteView rand, ByteView sqn, ByteView amf,
           const Constants& c) {
  need(opc_in, 16, "OPc");
  need(sqn, 6, "SQN");
  need(amf, 2, "AMF");
  const Cipher e(k);
  const Block opc = block(opc_in);
  const Block temp = temp_of(e, opc, rand);
  Block in1{};
  std::copy(sqn.begin(), sqn.end(), in1.begin());
  std::copy(amf.begin(), amf.end(), in1.begin() + 6);
  std::copy(in1.begin(), in1.begin() + 8, in1.begin() + 8);
  return xor_of(e.encrypt(xor_of(xor_of(temp, rot(xor_of(in1, opc), c.r[0])), c.c[0])), opc);
}

}  // namespace

Constants Constants::standard() {
  Constants c;
  c.c[1][15] = 0x01;
  c.c[2][15] = 0x02;
  c.c[3][15] = 0x04;
  c.c[4][15] = 0x08;
  return c;
}

Constants Constants::from_profile(ByteView rotation, ByteView xoring) {
  Constants c = standard();
  if (!rotation.empty()) {
    need(rotation, 5, "rotation constants");
    for (std::size_t i = 0; i < 5; ++i) {
      if (rotation[i] > 127)
        throw std::invalid_argument("MILENAGE rotation constant r" + std::to_string(i + 1) +
                                    " of " + std::to_string(rotation[i]) + " bits (0..127)");
      c.r[i] = rotation[i];
    }
  }
  if (!xoring.empty()) {
    need(xoring, 80, "XOR constants");
    for (std::size_t i = 0; i < 5; ++i)
      std::copy(xoring.begin() + static_cast<std::ptrdiff_t>(16 * i),
                xoring.begin() + static_cast<std::ptrdiff_t>(16 * i + 16), c.c[i].begin());
  }
  return c;
}

Bytes opc(ByteView k, ByteView op) {
  need(op, 16, "OP");
  const Block o = block(op);
  const Block out = xor_of(Cipher(k).encrypt(o), o);
  return Bytes(out.begin(), out.end());
}

Bytes f1(ByteView k, ByteView opc, ByteView rand, ByteView sqn, ByteView amf,
         const Constants& constants) {
  const Block out = out1(k, opc, rand, sqn, amf, constants);
  return Bytes(out.begin(), out.begin() + 8);
}

Bytes f1star(ByteView k, ByteView opc, ByteView rand, ByteView sqn, ByteView amf,
             const Constants& constants) {
  const Block out = out1(k, opc, rand, sqn, amf, constants);
  return Bytes(out.begin() + 8, out.end());
}

Outputs f2345(ByteView k, ByteView opc_in, ByteView rand, const Constants& constants) {
  need(opc_in, 16, "OPc");
  const Cipher e(k);
  const Block opc = block(opc_in);
  const Block temp = temp_of(e, opc, rand);
  const Block o2 = out_n(e, temp, opc, constants, 2);
  const Block o3 = out_n(e, temp, opc, constants, 3);
  const Block o4 = out_n(e, temp, opc, constants, 4);
  Outputs out;
  out.ak.assign(o2.begin(), o2.begin() + 6);
  out.res.assign(o2.begin() + 8, o2.end());
  out.ck.assign(o3.begin(), o3.end());
  out.ik.assign(o4.begin(), o4.end());
  return out;
}

Bytes f5star(ByteView k, ByteView opc_in, ByteView rand, const Constants& constants) {
  need(opc_in, 16, "OPc");
  const Cipher e(k);
  const Block opc = block(opc_in);
  const Block o5 = out_n(e, temp_of(e, opc, rand), opc, constants, 5);
  return Bytes(o5.begin(), o5.begin() + 6);
}

}  // namespace euiccsim::crypto::milenage
