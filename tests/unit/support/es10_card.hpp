// A ready eUICC for ES10 unit tests: an identity from a throw-away test issuer, profiles built
// by the profile builder and preloaded with the metadata a test asks for, and helpers to send
// ES10 requests through STORE DATA as an LPA does.
#pragma once

#include <catch.hpp>

#include <string>
#include <vector>

#include "euiccsim/applets/isdp/profile_state.hpp"
#include "euiccsim/profiles/asn1.hpp"
#include "euiccsim/profiles/builder.hpp"
#include "euiccsim/profiles/installer.hpp"
#include "euiccsim/profiles/package.hpp"
#include "euiccsim/simulator/card_simulator.hpp"
#include "euiccsim/simulator/identity.hpp"

namespace euiccsim::test {

// A small valid profile whose ICCID is `payload` (18 or 19 digits) plus its Luhn digit.
inline profiles::InstalledProfile small_profile(const std::string& payload) {
  profiles::ProfileSpec spec;
  spec.iccid = Iccid::parse(payload + Iccid::luhn_digit(payload));
  spec.imsi = "001010000000" + payload.substr(payload.size() - 3);
  spec.profile_type = "es10 test";
  auto k = from_hex("465B5CE8B199B49FAA5F0A2EE238A6BC");
  auto opc = from_hex("CD63CB71954A9F4E48A5994E37A02BAF");
  spec.k = SecureBytes(k.begin(), k.end());
  spec.opc = SecureBytes(opc.begin(), opc.end());
  return profiles::install_package(profiles::encode_package(profiles::build_profile(spec)));
}

// The ICCID digits small_profile(payload) gets.
inline std::string iccid_of(const std::string& payload) {
  return payload + Iccid::luhn_digit(payload);
}

// Its 10 bytes as ES10 carries them (tag 5A content): nibble-swapped BCD.
inline Bytes iccid_bytes(const std::string& payload) {
  return Iccid::parse(iccid_of(payload))->swapped_bcd();
}

struct PreloadSpec {
  std::string iccid_payload;  // 19 digits, e.g. "8999900000000000001"
  bool enabled = false;
  ProfileMetadata metadata;
};

// A card state (seeded, so repeatable) with an identity and the given profiles.
inline CardState es10_state(const std::vector<PreloadSpec>& profiles, std::uint64_t seed = 7) {
  CardState state(*Eid::parse("89049032123451234512345678901235"));
  auto drbg = crypto::Drbg::from_seed(seed, "test-issuer");
  sim::issue_identity(state, sim::make_test_issuer(drbg, "89049032"), drbg);
  for (const auto& p : profiles) {
    applets::isdp::preload(state, small_profile(p.iccid_payload), p.metadata, p.enabled);
  }
  return state;
}

// The same for an SGP.32 iot card (`card new --personality iot`).
inline CardState es10_iot_state(const std::vector<PreloadSpec>& profiles = {},
                                std::uint64_t seed = 7) {
  auto state = es10_state(profiles, seed);
  state.config.personality = personality::kIot;
  return state;
}

// The card running `state`, with the ISD-R selected on the basic channel.
inline CardSimulator es10_card(CardState state, std::uint64_t seed = 7) {
  CardSimulator::Options o;
  o.seed = seed;
  o.state = std::move(state);
  CardSimulator card(std::move(o));
  card.select(aid::isd_r());
  return card;
}

// The card's answer decoded as `type`: exactly one value, whose DER re-encoding is the answer
// byte for byte (the DER round trip every ES10 test asserts).
template <class T>
asn1::Value<T> decode_exact(const asn1::Type& type, const Bytes& der) {
  std::size_t consumed = 0;
  auto value = asn1::decode_as<T>(type, der, consumed);
  REQUIRE(consumed == der.size());
  REQUIRE(to_hex(asn1::encode(type, value.get())) == to_hex(der));
  return value;
}

}  // namespace euiccsim::test
