#include "euiccsim/crypto/aka.hpp"

#include <stdexcept>
#include <string>

#include "euiccsim/crypto/tuak.hpp"

namespace euiccsim::crypto::aka {

namespace {

void need(ByteView v, std::size_t size, const char* what) {
  if (v.size() != size)
    throw std::invalid_argument(std::string("test algorithm ") + what + " must be " +
                                std::to_string(size) + " bytes, got " + std::to_string(v.size()));
}

Bytes xdout(ByteView k, ByteView rand) {
  need(k, 16, "K");
  need(rand, 16, "RAND");
  Bytes x(16);
  for (std::size_t i = 0; i < 16; ++i) x[i] = static_cast<std::uint8_t>(k[i] ^ rand[i]);
  return x;
}

Bytes rotated(const Bytes& x, std::size_t bytes) {
  Bytes out(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) out[i] = x[(i + bytes) % x.size()];
  return out;
}

Bytes fold(ByteView in, std::size_t width) {
  Bytes out(width, 0);
  for (std::size_t i = 0; i < in.size(); ++i) out[i % width] ^= in[i];
  return out;
}

}  // namespace

namespace test_algorithm {

Bytes f1(ByteView k, ByteView rand, ByteView sqn, ByteView amf) {
  need(sqn, 6, "SQN");
  need(amf, 2, "AMF");
  const Bytes x = xdout(k, rand);
  Bytes mac(8);
  for (std::size_t i = 0; i < 8; ++i)
    mac[i] = static_cast<std::uint8_t>(x[i] ^ (i < 6 ? sqn[i] : amf[i - 6]));
  return mac;
}

Outputs f2345(ByteView k, ByteView rand, std::size_t res_length) {
  if (res_length < 4 || res_length > 16)
    throw std::invalid_argument("test algorithm RES of " + std::to_string(res_length) +
                                " bytes (4 to 16)");
  const Bytes x = xdout(k, rand);
  Outputs out;
  out.res.assign(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(res_length));
  out.ck = rotated(x, 1);
  out.ik = rotated(x, 2);
  out.ak.assign(x.begin() + 3, x.begin() + 9);
  return out;
}

}  // namespace test_algorithm

Bytes mac_a(const Parameters& p, ByteView rand, ByteView sqn, ByteView amf) {
  switch (p.algorithm) {
    case Algorithm::kMilenage:
      return milenage::f1(p.k, p.opc, rand, sqn, amf, p.constants);
    case Algorithm::kTuak:
      return tuak::f1(p.opc, p.k, rand, sqn, amf, p.mac_length, p.keccak_iterations);
    case Algorithm::kTestAlgorithm:
      return test_algorithm::f1(p.k, rand, sqn, amf);
  }
  throw std::invalid_argument("unknown AKA algorithm");
}

Bytes mac_s(const Parameters& p, ByteView rand, ByteView sqn, ByteView amf) {
  switch (p.algorithm) {
    case Algorithm::kMilenage:
      return milenage::f1star(p.k, p.opc, rand, sqn, amf, p.constants);
    case Algorithm::kTuak:
      return tuak::f1star(p.opc, p.k, rand, sqn, amf, p.mac_length, p.keccak_iterations);
    case Algorithm::kTestAlgorithm:
      return test_algorithm::f1(p.k, rand, sqn, amf);
  }
  throw std::invalid_argument("unknown AKA algorithm");
}

Outputs f2345(const Parameters& p, ByteView rand) {
  switch (p.algorithm) {
    case Algorithm::kMilenage: {
      auto o = milenage::f2345(p.k, p.opc, rand, p.constants);
      return Outputs{std::move(o.res), std::move(o.ck), std::move(o.ik), std::move(o.ak)};
    }
    case Algorithm::kTuak: {
      auto o = tuak::f2345(p.opc, p.k, rand, p.res_length, p.ck_length, p.ik_length,
                           p.keccak_iterations);
      return Outputs{std::move(o.res), std::move(o.ck), std::move(o.ik), std::move(o.ak)};
    }
    case Algorithm::kTestAlgorithm: {
      auto o = test_algorithm::f2345(p.k, rand, p.res_length);
      return Outputs{std::move(o.res), std::move(o.ck), std::move(o.ik), std::move(o.ak)};
    }
  }
  throw std::invalid_argument("unknown AKA algorithm");
}

Bytes ak_star(const Parameters& p, ByteView rand) {
  switch (p.algorithm) {
    case Algorithm::kMilenage:
      return milenage::f5star(p.k, p.opc, rand, p.constants);
    case Algorithm::kTuak:
      return tuak::f5star(p.opc, p.k, rand, p.keccak_iterations);
    // TS 34.108 §8.1.2.2: f5* selects the same bits as f5.
    case Algorithm::kTestAlgorithm:
      return test_algorithm::f2345(p.k, rand, 4).ak;
  }
  throw std::invalid_argument("unknown AKA algorithm");
}

Bytes c2(ByteView res) {
  if (res.empty()) throw std::invalid_argument("c2 of an empty RES");
  return fold(res, 4);
}

Bytes c3(ByteView ck, ByteView ik) {
  if (ck.size() % 8 != 0 || ik.size() % 8 != 0 || ck.empty() || ik.empty())
    throw std::invalid_argument("c3 needs CK and IK of whole 64-bit halves");
  Bytes kc = fold(ck, 8);
  const Bytes i = fold(ik, 8);
  for (std::size_t n = 0; n < 8; ++n) kc[n] ^= i[n];
  return kc;
}

}  // namespace euiccsim::crypto::aka
