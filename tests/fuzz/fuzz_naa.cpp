// libFuzzer target for the file-system side of the card: a card whose enabled profile is built
// like a TS.48 test profile (the TS 34.108 test algorithm, ADF.USIM with DF.GSM-ACCESS, DF.5GS
// and DF.SAIP, ADF.ISIM, DF.TELECOM), so SELECT, the file, PIN and AUTHENTICATE commands all
// reach real files, PINs and keys. Nothing outside the repository is needed.
//
// The input is a session as for fuzz_apdu: its first byte picks T=0 or T=1, then records of
// [length byte][that many bytes], each a C-APDU; a length byte of FF is a warm reset. Invariants
// checked after every APDU: the card answers, and what the terminal can change is all that
// changed (file bodies keep their sizes, the tree its shape, identity, configuration and
// metadata stay; retry counters stay within their maximum); at the end the card image round
// trip gives back the same state.
#include <cstdint>
#include <cstdlib>

#include "euiccsim/applets/isdp/profile_state.hpp"
#include "euiccsim/profiles/builder.hpp"
#include "euiccsim/profiles/installer.hpp"
#include "euiccsim/profiles/package.hpp"
#include "euiccsim/simulator/card_image.hpp"
#include "euiccsim/simulator/card_simulator.hpp"

namespace {

using namespace euiccsim;

const CardState& initial_state() {
  static const CardState state = [] {
    profiles::ProfileSpec spec;
    spec.iccid = Iccid::parse("89000123456789012341");
    spec.imsi = "001010123456063";
    spec.algorithm = profiles::AkaParameterPe::Algorithm::TestAlgorithm;
    const Bytes k = from_hex("000102030405060708090A0B0C0D0E0F");
    spec.k = SecureBytes(k.begin(), k.end());
    spec.telecom = spec.gsm_access = spec.df_5gs = spec.df_saip = true;
    spec.isim = profiles::IsimSpec{"001010123456063@ims.mnc001.mcc001.3gppnetwork.org",
                                   {"sip:001010123456063@ims.mnc001.mcc001.3gppnetwork.org"},
                                   "ims.mnc001.mcc001.3gppnetwork.org"};
    CardState s(*Eid::parse("89049032123451234512345678901235"));
    applets::isdp::preload(
        s, profiles::install_package(profiles::encode_package(profiles::build_profile(spec))),
        ProfileMetadata{}, true);
    return s;
  }();
  return state;
}

// The same tree: names, FIDs, types, geometry and body sizes.
bool same_shape(const profiles::FileNode& a, const profiles::FileNode& b) {
  if (a.fid != b.fid || a.type != b.type || a.content.size() != b.content.size() ||
      a.record_length != b.record_length || a.children.size() != b.children.size() ||
      a.security_attributes != b.security_attributes || a.lcsi != b.lcsi)
    return false;
  for (std::size_t i = 0; i < a.children.size(); ++i)
    if (!same_shape(a.children[i], b.children[i])) return false;
  return true;
}

bool only_live_state_changed(const CardState& before, const CardState& now) {
  if (!(before.eid == now.eid) || !(before.config == now.config) ||
      !(before.identity == now.identity) || before.profiles.size() != now.profiles.size() ||
      !(before.notifications == now.notifications))
    return false;
  for (std::size_t i = 0; i < now.profiles.size(); ++i) {
    const auto& a = before.profiles[i];
    const auto& b = now.profiles[i];
    if (a.isdp_aid != b.isdp_aid || a.enabled != b.enabled || !(a.metadata == b.metadata) ||
        !same_shape(a.profile.mf, b.profile.mf) || a.profile.pins.size() != b.profile.pins.size() ||
        a.profile.puks.size() != b.profile.puks.size() ||
        a.profile.naas.size() != b.profile.naas.size())
      return false;
    for (const auto* list : {&b.profile.pins, &b.profile.puks})
      for (const auto& p : *list)
        if (p.remaining > p.max_attempts || p.value.size() != 8) return false;
    for (std::size_t n = 0; n < b.profile.naas.size(); ++n)
      if (a.profile.naas[n].key != b.profile.naas[n].key || b.profile.naas[n].sqn.size() != 32)
        return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  CardSimulator::Options o;
  o.seed = 1;
  o.state = initial_state();
  o.protocol = (size > 0 && (data[0] & 1)) ? sim::Protocol::kT0 : sim::Protocol::kT1;
  CardSimulator card(o);
  std::size_t pos = size > 0 ? 1 : 0;
  while (pos < size) {
    const std::size_t n = data[pos++];
    if (n == 0xFF) {
      card.reset();
      continue;
    }
    const std::size_t take = n < size - pos ? n : size - pos;
    Bytes apdu(data + pos, data + pos + take);
    pos += take;
    Bytes r = card.card().transmit(apdu);
    if (r.size() < 2) std::abort();
    if (!only_live_state_changed(initial_state(), card.card().state())) std::abort();
  }
  if (!(sim::decode_image(sim::encode_image(card.card().state())) == card.card().state()))
    std::abort();
  return 0;
}
