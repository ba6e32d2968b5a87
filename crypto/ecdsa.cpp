#include "euiccsim/crypto/ecdsa.hpp"

#include <botan/base64.h>
#include <botan/bigint.h>
#include <botan/ec_group.h>
#include <botan/pkcs8.h>
#include <botan/pubkey.h>
#include <botan/system_rng.h>

#include <algorithm>

#include "euiccsim/crypto/certificate.hpp"
#include "euiccsim/crypto/op_stats.hpp"
#include "euiccsim/crypto/tlv.hpp"
#include "x509.hpp"

namespace euiccsim::crypto {

namespace {

constexpr std::string_view kIdEcPublicKey = "1.2.840.10045.2.1";
constexpr std::size_t kScalarSize = 32;
constexpr std::size_t kPointSize = 1 + 2 * kScalarSize;
// Botan 2's name for "ECDSA over the SHA-256 hash, truncated to the order's size".
constexpr const char* kEmsa = "EMSA1(SHA-256)";

const Botan::EC_Group& group(Curve curve) {
  static const Botan::EC_Group p256("secp256r1");
  static const Botan::EC_Group brainpool("brainpool256r1");
  return curve == Curve::kNistP256 ? p256 : brainpool;
}

// Only for Botan's side-channel blinding (scalar multiplication, signing): its bytes never
// reach an output, so a seeded card's DRBG stays out of it and the stream does not depend on
// how much blinding Botan's version draws.
Botan::RandomNumberGenerator& blinding_rng() {
  return Botan::system_rng();
}

// Full public-key validation (SEC 1 v2 §3.2.2.1) of a point OS2ECP accepted, which has already
// refused coordinates outside [1, p-1] and points off the curve: what is left is P != O and
// n*P = O. When the cofactor is 1, as for both our curves, the group of points has prime order
// n and every point but O has order n, so n*P = O needs no scalar multiplication (Botan's
// verify_public_element spends one on it, dearer than an ECDSA verification).
bool valid_public_point(const Botan::EC_Group& g, const Botan::PointGFp& p) {
  if (g.get_cofactor() != 1) return g.verify_public_element(p);
  return !p.is_zero() && p.on_the_curve();
}

Curve curve_or_throw(std::string_view dotted) {
  if (auto c = curve_from_oid(dotted)) return *c;
  throw KeyError("EC key on curve " + std::string(dotted) +
                 " is not supported (only NIST P-256 and brainpoolP256r1)");
}

// The named curve of EC domain parameters (RFC 5480 ECParameters): only the OID choice. `r`
// stands just before the parameters, which must be the last element.
Curve named_curve(tlv::Reader r, const char* what) {
  auto tag = r.peek_tag();
  if (tag == tlv::kSequence) {
    throw KeyError(std::string(what) +
                   ": explicit curve parameters are not supported (only named curves)");
  }
  if (tag != tlv::kOid) throw KeyError(std::string(what) + ": no named curve");
  tlv::Tlv oid = r.next(tlv::kOid, what);
  r.expect_end(what);
  return curve_or_throw(tlv::oid_to_dotted(oid.value, what));
}

// SEC1 ECPrivateKey (RFC 5915): version 1, the scalar, and optionally the curve and the
// public point.
struct Sec1 {
  SecureBytes scalar;
  std::optional<Curve> curve;
  std::optional<Bytes> public_point;
};

Sec1 parse_ec_private_key(ByteView der_bytes) {
  Sec1 out;
  tlv::Tlv seq = tlv::single(der_bytes, tlv::kSequence, "ECPrivateKey");
  tlv::Reader r = tlv::contents(seq);
  tlv::Tlv version = r.next(tlv::kInteger, "ECPrivateKey version");
  if (version.value.size() != 1 || version.value[0] != 1)
    throw KeyError("EC private key: ECPrivateKey version is not 1");
  tlv::Tlv scalar = r.next(tlv::kOctetString, "ECPrivateKey privateKey");
  out.scalar.assign(scalar.value.begin(), scalar.value.end());
  if (auto params = r.optional(tlv::context(0), "ECPrivateKey parameters"))
    out.curve = named_curve(tlv::contents(*params), "EC private key parameters");
  if (auto pub = r.optional(tlv::context(1), "ECPrivateKey publicKey")) {
    tlv::Tlv bits = tlv::single(pub->value, tlv::kBitString, "ECPrivateKey publicKey");
    ByteView point = tlv::bit_string_bytes(bits, "ECPrivateKey publicKey");
    out.public_point = Bytes(point.begin(), point.end());
  }
  r.expect_end("ECPrivateKey");
  return out;
}

PrivateKey key_from_sec1(const Sec1& sec1, Curve curve) {
  PrivateKey key = PrivateKey::from_scalar(curve, sec1.scalar);
  if (sec1.public_point && *sec1.public_point != key.public_point())
    throw KeyError("EC private key: the public key stored with it does not match the private key");
  return key;
}

PrivateKey key_from_pkcs8(ByteView der_bytes) {
  tlv::Tlv info = tlv::single(der_bytes, tlv::kSequence, "PrivateKeyInfo");
  tlv::Reader r = tlv::contents(info);
  tlv::Tlv version = r.next(tlv::kInteger, "PrivateKeyInfo version");
  if (version.value.size() != 1 || version.value[0] > 1)
    throw KeyError("PKCS#8 key: unknown PrivateKeyInfo version");
  tlv::Tlv alg = r.next(tlv::kSequence, "PrivateKeyInfo algorithm");
  tlv::Reader ar = tlv::contents(alg);
  std::string alg_oid = tlv::oid_to_dotted(ar.next(tlv::kOid, "PrivateKeyInfo algorithm").value,
                                           "PrivateKeyInfo algorithm");
  if (alg_oid != kIdEcPublicKey)
    throw KeyError("PKCS#8 key is not an EC key (algorithm " + alg_oid + ")");
  Curve curve = named_curve(ar, "PKCS#8 EC key parameters");
  tlv::Tlv key = r.next(tlv::kOctetString, "PrivateKeyInfo privateKey");
  // Attributes [0] and (RFC 5958) the public key [1] may follow; neither is needed.
  while (!r.at_end()) {
    tlv::Tlv extra = r.next("PrivateKeyInfo");
    if (extra.tag != tlv::context(0) && extra.tag != tlv::context_primitive(1))
      throw KeyError("PKCS#8 key: unexpected element after the private key");
  }
  Sec1 sec1 = parse_ec_private_key(key.value);
  if (sec1.curve && *sec1.curve != curve)
    throw KeyError("PKCS#8 key: the curve in the algorithm and in the EC key disagree");
  return key_from_sec1(sec1, curve);
}

// One "-----BEGIN <label>-----" ... "-----END <label>-----" block of a PEM text.
struct PemBlock {
  std::string label;
  std::string_view body;
};

std::vector<PemBlock> pem_blocks(std::string_view text) {
  static constexpr std::string_view kBegin = "-----BEGIN ";
  static constexpr std::string_view kDashes = "-----";
  std::vector<PemBlock> blocks;
  std::size_t pos = 0;
  while ((pos = text.find(kBegin, pos)) != std::string_view::npos) {
    const std::size_t label_start = pos + kBegin.size();
    const std::size_t label_end = text.find(kDashes, label_start);
    if (label_end == std::string_view::npos) throw KeyError("PEM: unterminated BEGIN line");
    std::string label(text.substr(label_start, label_end - label_start));
    const std::size_t body_start = label_end + kDashes.size();
    const std::string end_line = "-----END " + label + "-----";
    const std::size_t body_end = text.find(end_line, body_start);
    if (body_end == std::string_view::npos) throw KeyError("PEM: no END line for " + label);
    blocks.push_back({label, text.substr(body_start, body_end - body_start)});
    pos = body_end + end_line.size();
  }
  return blocks;
}

SecureBytes pem_body(const PemBlock& block) {
  // RFC 1421 headers ("Proc-Type: 4,ENCRYPTED", "DEK-Info: ...") mark OpenSSL's legacy
  // password-encrypted keys.
  if (block.body.find(':') != std::string_view::npos)
    throw KeyError("PEM: encrypted " + block.label + " blocks are not supported");
  try {
    return Botan::base64_decode(std::string(block.body), true);
  } catch (const std::exception&) {
    throw KeyError("PEM: the " + block.label + " block is not valid base64");
  }
}

template <typename F>
auto rethrow_der_as_key_error(const char* what, F&& f) {
  try {
    return f();
  } catch (const tlv::Error& e) {
    throw KeyError(std::string(what) + ": " + e.what());
  }
}

}  // namespace

const char* curve_name(Curve curve) {
  return curve == Curve::kNistP256 ? "NIST P-256" : "brainpoolP256r1";
}

const char* curve_oid(Curve curve) {
  return curve == Curve::kNistP256 ? "1.2.840.10045.3.1.7" : "1.3.36.3.3.2.8.1.1.7";
}

std::optional<Curve> curve_from_oid(std::string_view dotted) {
  for (Curve c : {Curve::kNistP256, Curve::kBrainpoolP256r1})
    if (dotted == curve_oid(c)) return c;
  return std::nullopt;
}

// --- PrivateKey ---

PrivateKey PrivateKey::generate(Curve curve, Drbg& drbg) {
  OpScope op(Op::kKeygen);
  const Botan::BigInt& order = group(curve).get_order();
  SecureBytes candidate(kScalarSize);
  for (;;) {
    drbg.fill(candidate);
    Botan::BigInt d(candidate.data(), candidate.size());
    if (d > 0 && d < order) return from_scalar(curve, candidate);
  }
}

PrivateKey PrivateKey::from_scalar(Curve curve, ByteView scalar) {
  OpScope op(Op::kKeyCodec);
  // SEC1 writes the scalar at the order's full size; other writers drop leading zeros.
  if (scalar.size() > kScalarSize) throw KeyError("EC private key: scalar longer than 32 bytes");
  const Botan::EC_Group& g = group(curve);
  Botan::BigInt d(scalar.data(), scalar.size());
  if (d == 0 || d >= g.get_order())
    throw KeyError(std::string("EC private key: scalar out of range for ") + curve_name(curve));
  return PrivateKey(curve, std::make_shared<const Botan::ECDSA_PrivateKey>(blinding_rng(), g, d));
}

PrivateKey PrivateKey::from_pkcs8(ByteView der_bytes) {
  return rethrow_der_as_key_error("PKCS#8 key", [&] { return key_from_pkcs8(der_bytes); });
}

PrivateKey PrivateKey::from_pem(std::string_view pem) {
  std::optional<Curve> parameters;  // from an "EC PARAMETERS" block
  for (const PemBlock& block : pem_blocks(pem)) {
    if (block.label == "EC PARAMETERS") {
      SecureBytes body = pem_body(block);
      parameters = rethrow_der_as_key_error(
          "PEM EC PARAMETERS", [&] { return named_curve(tlv::Reader(body), "PEM EC PARAMETERS"); });
    } else if (block.label == "PRIVATE KEY") {
      return from_pkcs8(pem_body(block));
    } else if (block.label == "EC PRIVATE KEY") {
      SecureBytes body = pem_body(block);
      Sec1 sec1 =
          rethrow_der_as_key_error("EC PRIVATE KEY", [&] { return parse_ec_private_key(body); });
      if (sec1.curve && parameters && *sec1.curve != *parameters)
        throw KeyError("PEM: the EC PARAMETERS and EC PRIVATE KEY blocks name different curves");
      if (!sec1.curve && !parameters)
        throw KeyError(
            "PEM: the EC PRIVATE KEY names no curve and no EC PARAMETERS block precedes it");
      return key_from_sec1(sec1, sec1.curve ? *sec1.curve : *parameters);
    } else if (block.label == "ENCRYPTED PRIVATE KEY") {
      throw KeyError("PEM: encrypted PKCS#8 keys are not supported");
    }
  }
  throw KeyError("PEM: no PRIVATE KEY or EC PRIVATE KEY block");
}

SecureBytes PrivateKey::pkcs8() const {
  return Botan::PKCS8::BER_encode(*key_);
}

std::string PrivateKey::pkcs8_pem() const {
  return Botan::PKCS8::PEM_encode(*key_);
}

Bytes PrivateKey::public_point() const {
  OpScope op(Op::kKeyCodec);  // the affine form costs a field inversion
  return key_->public_point().encode(Botan::PointGFp::UNCOMPRESSED);
}

PublicKey PrivateKey::public_key() const {
  return PublicKey::from_point(curve_, public_point());
}

Bytes PrivateKey::sign(ByteView message) const {
  OpScope op(Op::kSign, message.size());
  Botan::PK_Signer signer(*key_, blinding_rng(), kEmsa, Botan::IEEE_1363);
  return signer.sign_message(message.data(), message.size(), blinding_rng());
}

// --- PublicKey ---

PublicKey PublicKey::from_point(Curve curve, ByteView point) {
  OpScope op(Op::kKeyCodec);
  if (point.size() != kPointSize || point[0] != 0x04)
    throw KeyError("EC public key: not an uncompressed point (04||X||Y, 65 bytes)");
  const Botan::EC_Group& g = group(curve);
  Botan::PointGFp p;
  try {
    p = g.OS2ECP(point.data(), point.size());
  } catch (const std::exception&) {
    throw KeyError(std::string("EC public key: the point is not on ") + curve_name(curve));
  }
  if (!valid_public_point(g, p))
    throw KeyError(std::string("EC public key: the point is not a valid ") + curve_name(curve) +
                   " public key");
  return PublicKey(curve, std::make_shared<const Botan::ECDSA_PublicKey>(g, p));
}

PublicKey PublicKey::from_subject_public_key_info(ByteView spki) {
  return rethrow_der_as_key_error("SubjectPublicKeyInfo", [&] {
    tlv::Tlv info = tlv::single(spki, tlv::kSequence, "SubjectPublicKeyInfo");
    tlv::Reader r = tlv::contents(info);
    tlv::Tlv alg = r.next(tlv::kSequence, "SubjectPublicKeyInfo algorithm");
    tlv::Reader ar = tlv::contents(alg);
    std::string alg_oid =
        tlv::oid_to_dotted(ar.next(tlv::kOid, "SubjectPublicKeyInfo algorithm").value,
                           "SubjectPublicKeyInfo algorithm");
    if (alg_oid != kIdEcPublicKey)
      throw KeyError("public key is not an EC key (algorithm " + alg_oid + ")");
    Curve curve = named_curve(ar, "EC public key parameters");
    ByteView point =
        tlv::bit_string_bytes(r.next(tlv::kBitString, "subjectPublicKey"), "subjectPublicKey");
    r.expect_end("SubjectPublicKeyInfo");
    return from_point(curve, point);
  });
}

PublicKey PublicKey::from_certificate(ByteView cert_der) {
  x509::Parts parts;
  try {
    parts = x509::split(cert_der);
  } catch (const CertificateError& e) {
    throw KeyError(e.what());
  }
  return from_subject_public_key_info(parts.subject_public_key_info);
}

Bytes PublicKey::point() const {
  return key_->public_point().encode(Botan::PointGFp::UNCOMPRESSED);
}

Bytes PublicKey::subject_public_key_info() const {
  Bytes alg = tlv::encode(tlv::kSequence,
                          tlv::cat({tlv::oid(kIdEcPublicKey), tlv::oid(curve_oid(curve_))}));
  Bytes bits = point();
  bits.insert(bits.begin(), 0x00);  // no unused bits
  return tlv::encode(tlv::kSequence, tlv::cat({alg, tlv::encode(tlv::kBitString, bits)}));
}

bool PublicKey::verify(ByteView message, ByteView raw_signature) const {
  OpScope op(Op::kVerify, message.size());
  if (raw_signature.size() != 2 * kScalarSize) return false;
  try {
    Botan::PK_Verifier verifier(*key_, kEmsa, Botan::IEEE_1363);
    return verifier.verify_message(message.data(), message.size(), raw_signature.data(),
                                   raw_signature.size());
  } catch (const std::exception&) {
    return false;
  }
}

// --- signature forms ---

Bytes signature_der_to_raw(ByteView der_bytes) {
  return rethrow_der_as_key_error("ECDSA signature", [&] {
    tlv::Tlv seq = tlv::single(der_bytes, tlv::kSequence, "ECDSA-Sig-Value");
    tlv::Reader r = tlv::contents(seq);
    ByteView rv = tlv::unsigned_integer(r.next(tlv::kInteger, "ECDSA-Sig-Value r"), "r");
    ByteView sv = tlv::unsigned_integer(r.next(tlv::kInteger, "ECDSA-Sig-Value s"), "s");
    r.expect_end("ECDSA-Sig-Value");
    if (rv.empty() || sv.empty()) throw KeyError("ECDSA signature: r or s is zero");
    if (rv.size() > kScalarSize || sv.size() > kScalarSize)
      throw KeyError("ECDSA signature: r or s is longer than 32 bytes");
    Bytes raw(2 * kScalarSize, 0);
    std::copy(rv.begin(), rv.end(),
              raw.begin() + static_cast<std::ptrdiff_t>(kScalarSize - rv.size()));
    std::copy(sv.begin(), sv.end(), raw.end() - static_cast<std::ptrdiff_t>(sv.size()));
    return raw;
  });
}

Bytes signature_raw_to_der(ByteView raw) {
  if (raw.size() != 2 * kScalarSize)
    throw KeyError("ECDSA signature: raw r||s must be 64 bytes, not " + std::to_string(raw.size()));
  ByteView r = raw.first(kScalarSize);
  ByteView s = raw.last(kScalarSize);
  auto zero = [](ByteView v) {
    return std::all_of(v.begin(), v.end(), [](auto b) { return b == 0; });
  };
  if (zero(r) || zero(s)) throw KeyError("ECDSA signature: r or s is zero");
  return tlv::encode(tlv::kSequence,
                     tlv::cat({tlv::unsigned_integer_tlv(r), tlv::unsigned_integer_tlv(s)}));
}

}  // namespace euiccsim::crypto
