#include "euiccsim/applets/security_domain.hpp"

#include "euiccsim/crypto/tlv.hpp"

namespace euiccsim::applets {

namespace {
// {globalPlatform 1}, card management type and version (GP 2.3.1), card identification
// scheme: the object identifiers GP defines under 1.2.840.114283.
const Bytes& management_data() {
  static const Bytes data = [] {
    Bytes d;
    tlv::append(d, 0x06, from_hex("2A864886FC6B01"));
    tlv::append(d, 0x60, tlv::encode(0x06, from_hex("2A864886FC6B02020301")));
    tlv::append(d, 0x63, tlv::encode(0x06, from_hex("2A864886FC6B03")));
    return d;
  }();
  return data;
}
}  // namespace

Bytes security_domain_fci(ByteView aid, ByteView extra) {
  Bytes proprietary;
  tlv::append(proprietary, 0x73, management_data());
  // Largest command data field the card accepts: short APDUs only.
  tlv::append(proprietary, 0x9F65, Bytes{0xFF});
  Bytes body;
  tlv::append(body, 0x84, aid);
  tlv::append(body, 0xA5, proprietary);
  body.insert(body.end(), extra.begin(), extra.end());
  return tlv::encode(0x6F, body);
}

}  // namespace euiccsim::applets
