// The card's side of SCP03t as SGP.22 uses it for Bound Profile Packages (BSP, PROTOCOL.md
// §4.7): each protected segment `tag L payload C-MAC(8)` is checked against the MAC chain
// first, then (for encrypted tags) decrypted with the counter-derived ICV and unpadded.
//
// One receiver per key set: the session keys from the KDF, then, after ReplaceSessionKeys,
// a fresh receiver with the PPKs (counter back at 1).
#pragma once

#include <cstdint>
#include <stdexcept>

#include "euiccsim/crypto/bytes.hpp"

namespace euiccsim::crypto {

// Why a segment was refused; SGP.22 maps kMac to scp03tSecurityError and the rest to
// scp03tStructureError.
class Scp03tError : public std::runtime_error {
 public:
  enum class Kind : std::uint8_t {
    kStructure,  // not one well-formed TLV, no room for a C-MAC, unknown tag
    kMac,        // C-MAC does not verify
    kPadding,    // decrypted data not a whole number of blocks, or padding not 80 00..
  };
  Scp03tError(Kind kind, const std::string& what) : std::runtime_error(what), kind(kind) {}
  Kind kind;
};

class BspReceiver {
 public:
  // Keys and MCV are 16 bytes each (std::invalid_argument otherwise).
  BspReceiver(SecureBytes s_enc, SecureBytes s_mac, SecureBytes initial_mcv);

  // One whole segment TLV. Tag 0x88: MAC only, the payload is returned as it is. Tags 0x86
  // and 0x87: MAC, then AES-CBC decryption with ICV = AES(S-ENC, counter as 16 bytes
  // big-endian), then padding removal. The block counter advances for every accepted
  // segment, 88 included; the MCV becomes the segment's full CMAC. On an error nothing
  // changes (the caller abandons the session anyway).
  SecureBytes unwrap(ByteView segment);

  // Segments accepted so far (the counter of the next one is this + 1).
  std::uint32_t segments() const { return counter_; }

 private:
  SecureBytes s_enc_;
  SecureBytes s_mac_;
  SecureBytes mcv_;
  std::uint32_t counter_ = 0;
};

}  // namespace euiccsim::crypto
