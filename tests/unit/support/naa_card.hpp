// A card showing a profile built by the profile builder, for the file-system and NAA tests:
// the profile enabled, the card powered on (MF current on the basic channel), APDUs as hex.
#pragma once

#include <catch.hpp>

#include <string>

#include "euiccsim/applets/isdp/profile_state.hpp"
#include "euiccsim/profiles/builder.hpp"
#include "euiccsim/profiles/installer.hpp"
#include "euiccsim/profiles/package.hpp"
#include "euiccsim/simulator/card_simulator.hpp"

namespace euiccsim::test {

// The builder's spec of docs/examples/test-profile.json: TS 35.208 set 1's K and OPc, PIN1
// 1234 (disabled, as the builder leaves it), PIN2 5678, ADM1 3838383838383838, DF.TELECOM,
// DF.GSM-ACCESS, DF.5GS and an ISIM.
inline profiles::ProfileSpec example_spec(const std::string& iccid = "89001990000000000012") {
  profiles::ProfileSpec spec;
  spec.iccid = Iccid::parse(iccid);
  spec.imsi = "001010123456789";
  auto k = from_hex("465B5CE8B199B49FAA5F0A2EE238A6BC");
  auto opc = from_hex("CD63CB71954A9F4E48A5994E37A02BAF");
  spec.k = SecureBytes(k.begin(), k.end());
  spec.opc = SecureBytes(opc.begin(), opc.end());
  spec.pin1 = "1234";
  spec.pin2 = "5678";
  spec.puk1 = "12345678";
  spec.puk2 = "87654321";
  spec.adm1 = "3838383838383838";
  spec.spn = "euicc-sim";
  spec.telecom = true;
  spec.gsm_access = true;
  spec.df_5gs = true;
  spec.isim =
      profiles::IsimSpec{"001010123456789@ims.mnc001.mcc001.3gppnetwork.org",
                         {"sip:001010123456789@ims.mnc001.mcc001.3gppnetwork.org", "tel:+15550100"},
                         "ims.mnc001.mcc001.3gppnetwork.org"};
  return spec;
}

inline profiles::InstalledProfile built(const profiles::ProfileSpec& spec) {
  return profiles::install_package(profiles::encode_package(profiles::build_profile(spec)));
}

// A card state holding `profiles` (the first enabled).
inline CardState naa_state(const std::vector<profiles::InstalledProfile>& profiles) {
  CardState state(*Eid::parse("89049032123451234512345678901235"));
  bool first = true;
  for (const auto& p : profiles) {
    applets::isdp::preload(state, p, ProfileMetadata{}, first);
    first = false;
  }
  return state;
}

struct NaaCard {
  explicit NaaCard(CardState state, sim::Protocol protocol = sim::Protocol::kT1,
                   sim::Card::Persist persist = {}) {
    CardSimulator::Options o;
    o.seed = 1;
    o.state = std::move(state);
    o.protocol = protocol;
    o.persist = std::move(persist);
    sim = std::make_unique<CardSimulator>(std::move(o));
  }
  explicit NaaCard(const profiles::ProfileSpec& spec = example_spec())
      : NaaCard(naa_state({built(spec)})) {}

  // The whole R-APDU as hex.
  std::string send(const std::string& hex) { return to_hex(sim->card().transmit(from_hex(hex))); }
  const CardState& state() { return sim->card().state(); }
  const profiles::InstalledProfile& profile() { return state().profiles.front().profile; }

  std::unique_ptr<CardSimulator> sim;
};

inline std::string sw_of(const std::string& r) {
  return r.substr(r.size() - 4);
}
inline std::string data_of(const std::string& r) {
  return r.substr(0, r.size() - 4);
}

}  // namespace euiccsim::test
