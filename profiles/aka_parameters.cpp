// How a profile's akaParameter becomes the functions a NAA runs. The interoperable format gives
// algorithmOptions one byte and no public meaning; the reading here takes the only two codings
// seen in public: the TS.48 test profile writes 02 for its 128-bit test-algorithm RES, and
// sysmocom's TUAK configuration byte codes the RES length in bits 3..1 (0: 32, 1: 64, 2: 128,
// 3: 256), the MAC length in bits 6..4 (0: 64, 1: 128, 2: 256) and the CK/IK length in bit 7.
#include <stdexcept>

#include "euiccsim/profiles/installed_profile.hpp"

namespace euiccsim::profiles {

const Naa* aka_source(const InstalledProfile& profile, const Naa& naa) {
  if (naa.algorithm != 0 || naa.mapping_source.empty()) return &naa;
  for (const auto& n : profile.naas)
    if (n.aid == naa.mapping_source && n.algorithm != 0) return &n;
  return nullptr;
}

Naa* aka_source(InstalledProfile& profile, const Naa& naa) {
  // Resolved within `profile` itself, so the answer is always one of its own NAAs.
  for (auto& n : profile.naas) {
    if (n.aid != naa.aid) continue;
    const Naa* src = aka_source(static_cast<const InstalledProfile&>(profile), n);
    for (auto& m : profile.naas)
      if (&m == src) return &m;
  }
  return nullptr;
}

std::optional<crypto::aka::Parameters> aka_parameters(const InstalledProfile& profile,
                                                      const Naa& naa) {
  const Naa* src = aka_source(profile, naa);
  if (src == nullptr) return std::nullopt;
  crypto::aka::Parameters p;
  const std::uint8_t options = src->algorithm_options.empty() ? 0 : src->algorithm_options[0];
  static constexpr std::size_t kRes[] = {4, 8, 16, 32};
  static constexpr std::size_t kMac[] = {8, 16, 32};
  const unsigned res_code = options & 0x07, mac_code = (options >> 3) & 0x07;
  p.k = src->key;
  p.opc = src->opc;
  switch (src->algorithm) {
    case 1:
      p.algorithm = crypto::aka::Algorithm::kMilenage;
      if (p.k.size() != 16 || p.opc.size() != 16) return std::nullopt;
      try {
        p.constants = crypto::milenage::Constants::from_profile(src->rotation_constants,
                                                                src->xoring_constants);
      } catch (const std::invalid_argument&) {
        return std::nullopt;
      }
      break;
    case 2:
      p.algorithm = crypto::aka::Algorithm::kTuak;
      if (res_code > 3 || mac_code > 2 || (p.k.size() != 16 && p.k.size() != 32) ||
          p.opc.size() != 32 || src->number_of_keccak == 0)
        return std::nullopt;
      p.res_length = kRes[res_code];
      p.mac_length = kMac[mac_code];
      p.ck_length = p.ik_length = (options & 0x40) ? 32 : 16;
      p.keccak_iterations = src->number_of_keccak;
      break;
    case 3:
      p.algorithm = crypto::aka::Algorithm::kTestAlgorithm;
      // XDOUT has 128 bits: a 256-bit RES cannot be selected from it.
      if (res_code > 2 || p.k.size() != 16) return std::nullopt;
      p.res_length = kRes[res_code];
      break;
    default:
      return std::nullopt;
  }
  return p;
}

}  // namespace euiccsim::profiles
