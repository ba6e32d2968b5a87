// libFuzzer target for the ISD-R's ES10 functions: the input is one ES10 request, sent to a
// card holding an identity, three profiles (one enabled, one with PPR1 and PPR2, notification
// configurations) and pending notifications, through STORE DATA blocks as an LPA sends it.
// The first byte picks the block size (1..255).
// The card is built once per process (base_state); each input runs on a fresh runtime made from
// a copy of it. Invariants: the card never crashes and answers well-formed R-APDUs; its state
// changes only through saves whose card images round-trip (fuzz_support.hpp); at most one
// profile is enabled; the notification counter never goes back.
#include <cstdint>
#include <cstdlib>

#include "euiccsim/applets/isdp/profile_state.hpp"
#include "euiccsim/applets/isdr/notifications.hpp"
#include "euiccsim/crypto/ecdsa.hpp"
#include "euiccsim/profiles/builder.hpp"
#include "euiccsim/profiles/installer.hpp"
#include "euiccsim/profiles/package.hpp"
#include "euiccsim/simulator/card_image.hpp"
#include "euiccsim/simulator/euicc.hpp"
#include "euiccsim/simulator/identity.hpp"
#include "fuzz_support.hpp"

namespace {
using namespace euiccsim;

profiles::InstalledProfile profile(const std::string& payload) {
  profiles::ProfileSpec spec;
  spec.iccid = Iccid::parse(payload + Iccid::luhn_digit(payload));
  spec.imsi = "00101000000" + payload.substr(payload.size() - 4);
  auto k = from_hex("465B5CE8B199B49FAA5F0A2EE238A6BC");
  spec.k = SecureBytes(k.begin(), k.end());
  spec.opc = spec.k;
  return profiles::install_package(profiles::encode_package(profiles::build_profile(spec)));
}

const CardState& base_state() {
  static const CardState state = [] {
    CardState s(*Eid::parse("89049032123451234512345678901235"));
    auto drbg = crypto::Drbg::from_seed(1, "fuzz-issuer");
    sim::issue_identity(s, sim::make_test_issuer(drbg), drbg);
    ProfileMetadata notifying;
    notifying.profile_name = "notifying";
    for (auto e :
         {NotificationEvent::kEnable, NotificationEvent::kDisable, NotificationEvent::kDelete})
      notifying.notification_config.push_back({e, "smdp.example.com"});
    ProfileMetadata locked;
    locked.pprs = kPpr1 | kPpr2;
    ProfileMetadata test;
    test.profile_class = ProfileClass::kTest;
    applets::isdp::preload(s, profile("8900199000000000001"), notifying, true);
    applets::isdp::preload(s, profile("8900199000000000002"), locked, false);
    applets::isdp::preload(s, profile("8900199000000000003"), test, false);
    applets::notifications::notify(s, s.profiles[0], NotificationEvent::kDisable);
    applets::notifications::notify(s, s.profiles[0], NotificationEvent::kEnable);
    s.default_dp_address = "smdp.example.com";
#ifdef EUICCSIM_FUZZ_IOT
    s.config.personality = personality::kIot;
    // An eIM whose key is a fixed scalar, so corpus seeds can carry packages it signed (over
    // the package and '84 01 01', its token) and reach the PSMO / eCO code; mutations of them
    // exercise the refusals.
    EimConfig eim;
    eim.eim_id = "fuzz-eim";
    eim.association_token = 1;
    const auto key =
        crypto::PrivateKey::from_scalar(crypto::Curve::kNistP256, from_hex(std::string(64, '1')));
    eim.public_key =
        EimKeyData{EimKeyData::Kind::kPublicKey, key.public_key().subject_public_key_info()};
    s.eims.push_back(eim);
    s.last_association_token = 1;
    // An Emergency and a Fallback Profile, so BF5B-BF5E get past their first check.
    s.profiles[1].fallback_attribute = true;
    s.profiles[2].ecall_indication = true;
#endif
    return s;
  }();
  return state;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::size_t block = data[0] == 0 ? 255 : data[0];
  ByteView request(data + 1, size - 1);
  fuzz::PersistCheck persist;
  auto card = sim::make_euicc(base_state(), crypto::Drbg::from_seed(2), persist.callback());
  card->power_on();
  card->set_protocol(sim::Protocol::kT1);
  Bytes select = from_hex("00A4040010A0000005591010FFFFFFFF8900000100");
  fuzz::transmit_checked(*card, persist, select);
  const std::size_t blocks = (request.size() + block - 1) / block;
  for (std::size_t i = 0; i < blocks && i < 256; ++i) {
    auto chunk = request.subspan(i * block, std::min(block, request.size() - i * block));
    Bytes apdu{0x80, 0xE2, static_cast<std::uint8_t>(i + 1 == blocks ? 0x91 : 0x11),
               static_cast<std::uint8_t>(i), static_cast<std::uint8_t>(chunk.size())};
    apdu.insert(apdu.end(), chunk.begin(), chunk.end());
    apdu.push_back(0x00);
    fuzz::transmit_checked(*card, persist, apdu);
  }
  const CardState& after = card->state();
  int enabled = 0;
  for (const auto& p : after.profiles) enabled += p.enabled ? 1 : 0;
  if (enabled > 1) std::abort();
  if (after.last_seq_number < base_state().last_seq_number) std::abort();
  if (after.eims.size() > kMaxEims) std::abort();
  if (!(sim::decode_image(sim::encode_image(after)) == after)) std::abort();
  return 0;
}
