// ECDSA keys and signatures on the two curves GSMA SGP.22 allows (NIST P-256 and
// brainpoolP256r1), always with SHA-256, and the raw r||s signature form ES10 messages carry
// in tag 5F37 (X.509 certificates carry the DER ECDSA-Sig-Value form; both convert here).
#pragma once

#include <botan/ecdsa.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "euiccsim/crypto/bytes.hpp"
#include "euiccsim/crypto/drbg.hpp"

namespace euiccsim::crypto {

enum class Curve : std::uint8_t { kNistP256, kBrainpoolP256r1 };

// "NIST P-256" / "brainpoolP256r1".
const char* curve_name(Curve);
// The curve's OBJECT IDENTIFIER, dotted: "1.2.840.10045.3.1.7" / "1.3.36.3.3.2.8.1.1.7".
const char* curve_oid(Curve);
// The curve a dotted OID names, if it is one of ours.
std::optional<Curve> curve_from_oid(std::string_view dotted);

// A key that cannot be read or used. Messages are one line and never contain key material.
class KeyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class PublicKey;

// An ECDSA (and ECKA) private key. Copies share one immutable Botan key.
class PrivateKey {
 public:
  // The scalar is drawn from `drbg` alone, as 32-byte big-endian candidates retried until
  // 0 < d < n, so a seeded card's stream does not depend on how Botan draws randomness.
  static PrivateKey generate(Curve, Drbg& drbg);
  // A big-endian scalar of at most 32 bytes with 0 < d < n (test vectors, stored keys).
  static PrivateKey from_scalar(Curve, ByteView scalar);
  // Unencrypted PKCS#8 (RFC 5208/5958) DER of an id-ecPublicKey key on a named curve of ours.
  static PrivateKey from_pkcs8(ByteView der);
  // The first "PRIVATE KEY" (PKCS#8) or "EC PRIVATE KEY" (SEC1 / RFC 5915, OpenSSL's
  // traditional form, which Botan 2 cannot read) block of a PEM text. A SEC1 key without its
  // own curve takes it from a preceding "EC PARAMETERS" block, as `openssl ecparam -genkey`
  // writes them.
  static PrivateKey from_pem(std::string_view pem);

  SecureBytes pkcs8() const;
  std::string pkcs8_pem() const;
  Curve curve() const { return curve_; }
  // Uncompressed 04||X||Y, 65 bytes.
  Bytes public_point() const;
  PublicKey public_key() const;
  // ECDSA with SHA-256 over `message`; the nonce is RFC 6979's, so equal inputs give equal
  // signatures. Raw r||s, 64 bytes.
  Bytes sign(ByteView message) const;

  // For Botan APIs that need the key itself (ECKA builds an ECDH key from it).
  const Botan::ECDSA_PrivateKey& botan() const { return *key_; }

 private:
  PrivateKey(Curve curve, std::shared_ptr<const Botan::ECDSA_PrivateKey> key)
      : curve_(curve), key_(std::move(key)) {}
  Curve curve_;
  std::shared_ptr<const Botan::ECDSA_PrivateKey> key_;
};

class PublicKey {
 public:
  // KeyError unless the point is 04||X||Y (65 bytes) and on the curve.
  static PublicKey from_point(Curve, ByteView uncompressed_point);
  // The subject public key of a DER X.509 certificate; KeyError unless it is an
  // id-ecPublicKey key on one of our named curves.
  static PublicKey from_certificate(ByteView cert_der);
  // A DER SubjectPublicKeyInfo, as in a certificate (or SGP.32's eimPublicKeyData).
  static PublicKey from_subject_public_key_info(ByteView spki_der);

  Curve curve() const { return curve_; }
  // Uncompressed 04||X||Y, 65 bytes.
  Bytes point() const;
  // DER SubjectPublicKeyInfo: id-ecPublicKey, the named curve, the uncompressed point.
  Bytes subject_public_key_info() const;
  // ECDSA with SHA-256 against a raw r||s signature. False, never an exception, for a
  // signature of the wrong size or one that does not verify.
  bool verify(ByteView message, ByteView raw_signature) const;

  const Botan::ECDSA_PublicKey& botan() const { return *key_; }

  friend bool operator==(const PublicKey& a, const PublicKey& b) {
    return a.curve_ == b.curve_ && a.point() == b.point();
  }

 private:
  PublicKey(Curve curve, std::shared_ptr<const Botan::ECDSA_PublicKey> key)
      : curve_(curve), key_(std::move(key)) {}
  Curve curve_;
  std::shared_ptr<const Botan::ECDSA_PublicKey> key_;
};

// ECDSA-Sig-Value (SEQUENCE { r INTEGER, s INTEGER }, strict DER) <-> raw r||s with each half
// 32 bytes, left-padded. KeyError on malformed input: BER that is not DER, negative, zero or
// over-long integers, trailing bytes, or a raw signature that is not 64 bytes.
Bytes signature_der_to_raw(ByteView der);
Bytes signature_raw_to_der(ByteView raw);

}  // namespace euiccsim::crypto
