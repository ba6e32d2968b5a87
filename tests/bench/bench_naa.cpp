// Card-side cost of USIM AUTHENTICATE in-process, per algorithm: the algorithm alone (the
// network's f1..f5), the whole command with the card state in memory, and the whole command
// with the card image written before each answer as `serve` does (one image write per
// AUTHENTICATE). Prints numbers; never passes or fails on them.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <vector>

#include <unistd.h>

#include "euiccsim/applets/isdp/profile_state.hpp"
#include "euiccsim/crypto/aka.hpp"
#include "euiccsim/profiles/builder.hpp"
#include "euiccsim/profiles/installer.hpp"
#include "euiccsim/profiles/package.hpp"
#include "euiccsim/simulator/card_image.hpp"
#include "euiccsim/simulator/card_simulator.hpp"

namespace {

using namespace euiccsim;

struct Case {
  const char* name;
  profiles::AkaParameterPe::Algorithm algorithm;
  const char* k;
  const char* opc;
};

CardState state_for(const Case& c) {
  profiles::ProfileSpec spec;
  spec.iccid = Iccid::parse("89001990000000000012");
  spec.imsi = "001010123456789";
  spec.algorithm = c.algorithm;
  const Bytes k = from_hex(c.k), opc = from_hex(c.opc);
  spec.k = SecureBytes(k.begin(), k.end());
  spec.opc = SecureBytes(opc.begin(), opc.end());
  spec.gsm_access = true;
  CardState s(*Eid::parse("89049032123451234512345678901235"));
  applets::isdp::preload(
      s, profiles::install_package(profiles::encode_package(profiles::build_profile(spec))),
      ProfileMetadata{}, true);
  return s;
}

void report(const char* what, const char* algorithm, std::vector<double>& us, double seconds) {
  std::sort(us.begin(), us.end());
  std::printf("%-20s %-34s %9.0f /s  p50 %8.2f us  p99 %8.2f us  (n=%zu)\n", algorithm, what,
              static_cast<double>(us.size()) / seconds, us[us.size() / 2], us[us.size() * 99 / 100],
              us.size());
}

void run(const Case& c, int n, const std::filesystem::path& dir) {
  const CardState state = state_for(c);
  const auto* naa = state.profiles.front().profile.naa(profiles::Naa::Kind::Usim);
  const auto params = *profiles::aka_parameters(state.profiles.front().profile, *naa);
  const Bytes rand = from_hex("00112233445566778899AABBCCDDEEFF"), amf = from_hex("8000");
  auto autn_for = [&](int i) {
    const std::uint64_t sqn_value = static_cast<std::uint64_t>(i + 1) << 5;
    Bytes sqn(6);
    for (int b = 0; b < 6; ++b) sqn[5 - b] = static_cast<std::uint8_t>(sqn_value >> (8 * b));
    const auto out = crypto::aka::f2345(params, rand);
    Bytes autn = sqn;
    for (int b = 0; b < 6; ++b) autn[b] ^= out.ak[b];
    autn.insert(autn.end(), amf.begin(), amf.end());
    const Bytes mac = crypto::aka::mac_a(params, rand, sqn, amf);
    autn.insert(autn.end(), mac.begin(), mac.end());
    return autn;
  };
  std::vector<Bytes> commands;
  for (int i = 0; i < n; ++i) {
    Bytes cmd = from_hex("008800812210");
    cmd.insert(cmd.end(), rand.begin(), rand.end());
    cmd.push_back(0x10);
    const Bytes autn = autn_for(i);
    cmd.insert(cmd.end(), autn.begin(), autn.end());
    cmd.push_back(0x00);
    commands.push_back(std::move(cmd));
  }

  {
    std::vector<double> us;
    const auto all = std::chrono::steady_clock::now();
    for (int i = 0; i < n; ++i) {
      const auto t = std::chrono::steady_clock::now();
      (void)crypto::aka::f2345(params, rand);
      (void)crypto::aka::mac_a(params, rand, Bytes(6, 0), amf);
      us.push_back(
          std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t).count());
    }
    report("algorithm alone (f1..f5)", c.name, us,
           std::chrono::duration<double>(std::chrono::steady_clock::now() - all).count());
  }
  for (bool persist : {false, true}) {
    CardSimulator::Options o;
    o.seed = 1;
    o.state = state;
    const auto image = dir / (std::string(c.name) + ".card");
    if (persist) o.persist = [image](const CardState& s) { sim::save_image(image, s); };
    CardSimulator card(std::move(o));
    card.transmit("00A4040C07A0000000871002");
    const int count = persist ? std::min(n, 300) : n;
    std::vector<double> us;
    const auto all = std::chrono::steady_clock::now();
    for (int i = 0; i < count; ++i) {
      const auto t = std::chrono::steady_clock::now();
      const Bytes r = card.card().transmit(commands[static_cast<std::size_t>(i)]);
      us.push_back(
          std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t).count());
      if (r.empty() || r[0] != 0xDB) {
        std::printf("%s: AUTHENTICATE %d answered %s\n", c.name, i, to_hex(r).c_str());
        std::exit(1);
      }
    }
    report(persist ? "AUTHENTICATE, image written" : "AUTHENTICATE, state in memory", c.name, us,
           std::chrono::duration<double>(std::chrono::steady_clock::now() - all).count());
  }
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 20000;
  const auto dir =
      std::filesystem::temp_directory_path() / ("euiccsim-bench-naa-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const Case cases[] = {
      {"usim-test-algorithm", profiles::AkaParameterPe::Algorithm::TestAlgorithm,
       "000102030405060708090A0B0C0D0E0F", ""},
      {"milenage", profiles::AkaParameterPe::Algorithm::Milenage,
       "465B5CE8B199B49FAA5F0A2EE238A6BC", "CD63CB71954A9F4E48A5994E37A02BAF"},
      {"tuak", profiles::AkaParameterPe::Algorithm::Tuak, "ABABABABABABABABABABABABABABABAB",
       "BD04D9530E87513C5D837AC2AD954623A8E2330C115305A73EB45D1F40CCCBFF"},
  };
  for (const auto& c : cases) run(c, n, dir);
  std::filesystem::remove_all(dir);
  return 0;
}
