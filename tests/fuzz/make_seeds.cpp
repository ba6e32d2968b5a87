// Writes the seeds of the download, authenticate_server and image fuzz targets from a real
// download (download_world.hpp: a seeded card and test SM-DP+), or checks that the committed
// ones are still what that download gives:
//
//   fuzz_make_seeds CORPUS_DIR            write CORPUS_DIR/<target>/seed-<name>
//   fuzz_make_seeds --check CORPUS_DIR    exit 1, naming each seed that differs or is missing
//
// A change of the card or the SM-DP+ that moves their random draws or their messages makes the
// committed seeds stale (the package's MACs then fail at the first segment, and the fuzzer
// loses its depth); the fuzz/seeds-current test says so, and this program rewrites them.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>

#include "download_world.hpp"
#include "euiccsim/simulator/card_image.hpp"

using namespace euiccsim;
namespace fs = std::filesystem;

namespace {

using Seeds = std::map<std::string, Bytes>;  // "<target>/seed-<name>" -> content

Bytes records_of(std::uint8_t first, const std::vector<Bytes>& rs) {
  Bytes out{first};
  for (const auto& r : rs) fuzz::append_record(out, r);
  return out;
}

void download_seeds(Seeds& seeds) {
  const auto& w = fuzz::download_world();
  const auto pieces = smdp::bpp_segments(w.bound_profile_package);
  seeds["download/seed-wire-lpac-pieces"] = records_of(0, pieces);
  seeds["download/seed-wire-whole"] = records_of(0, {w.bound_profile_package});
  // Valid up to piece k (BF36+BF23, A0, the A1 header, its 88, the A3 header, 86 ...): the
  // card waits for the rest, and a mutation appended there meets the MAC of piece k + 1.
  for (std::size_t k : {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{4},
                        std::size_t{5}, pieces.size() / 2, pieces.size() - 1}) {
    char name[64];
    std::snprintf(name, sizeof name, "download/seed-wire-upto-%02zu-of-%02zu", k, pieces.size());
    seeds[name] = records_of(0, std::vector<Bytes>(pieces.begin(), pieces.begin() + k));
  }
  // With a profile protection key (A2 ReplaceSessionKeys), bound by us.
  {
    smdp::BppParts p{
        w.initialise_secure_channel, w.configure_isdp, w.store_metadata, {}, w.profile_package};
    SecureBytes mcv(16, 0x11), enc(16, 0x22), mac(16, 0x33);
    Bytes rsk;
    tlv::append(rsk, 0x80, mcv);
    tlv::append(rsk, 0x81, enc);
    tlv::append(rsk, 0x82, mac);
    p.replace_session_keys = tlv::encode(0xBF26, rsk);
    smdp::BindingKeys keys = w.keys;
    keys.ppk = std::array<SecureBytes, 3>{enc, mac, mcv};
    seeds["download/seed-wire-ppk"] =
        records_of(0, smdp::bpp_segments(smdp::bind_profile_package(p, keys)));
  }
  seeds["download/seed-plain"] =
      records_of(1, {w.configure_isdp, w.store_metadata, w.profile_package});
  seeds["download/seed-plain-128-byte-segments"] =
      records_of(1 | (16 << 1), {w.configure_isdp, w.store_metadata, w.profile_package});
}

void authenticate_seeds(Seeds& seeds) {
  const auto& w = fuzz::download_world();
  seeds["authenticate_server/seed-valid"] = records_of(120, {w.authenticate_server});
  seeds["authenticate_server/seed-valid-then-prepare-download"] =
      records_of(120, {w.authenticate_server, w.prepare_download});
  seeds["authenticate_server/seed-valid-then-prepare-download-255"] =
      records_of(255, {w.authenticate_server, w.prepare_download});
  // CancelSession with the transaction of serverSigned1 (endUserRejection).
  auto body = tlv::read(w.authenticate_server);
  auto signed1 = tlv::read(body->value);
  auto tid = tlv::read(signed1->value);
  Bytes cancel;
  tlv::append(cancel, 0x80, tid->value);
  tlv::append(cancel, 0x81, Bytes{0x00});
  seeds["authenticate_server/seed-valid-then-cancel"] =
      records_of(120, {w.authenticate_server, tlv::encode(0xBF41, cancel)});
  for (const auto& [name, request] : w.authenticate_server_variants)
    seeds["authenticate_server/seed-" + name] = records_of(120, {request});
}

void image_seeds(Seeds& seeds) {
  const auto& w = fuzz::download_world();
  seeds["image/seed-sgp22-identity"] = sim::encode_image(w.challenged->state);

  // The package installed, then enabled, nicknamed, a default SM-DP+ address set: a profile
  // with metadata and two notifications.
  fuzz::PersistCheck persist;
  auto card = fuzz::restore(*w.prepared, persist);
  for (const auto& piece : smdp::bpp_segments(w.bound_profile_package))
    fuzz::send_es10(*card, persist, piece, 255);
  if (card->state().profiles.size() != 1) {
    std::fprintf(stderr, "make_seeds: the download did not install\n");
    std::exit(1);
  }
  const Bytes aid = card->state().profiles[0].isdp_aid;
  Bytes enable_body;
  tlv::append(enable_body, 0xA0, tlv::encode(0x4F, aid));
  tlv::append(enable_body, 0x81, Bytes{0x00});
  fuzz::send_es10(*card, persist, tlv::encode(0xBF31, enable_body), 255);
  Bytes nick;
  tlv::append(nick, 0x5A, card->state().profiles[0].iccid().swapped_bcd());
  tlv::append(nick, 0x90, Bytes{'m', 'i', 'n', 'e'});
  fuzz::send_es10(*card, persist, tlv::encode(0xBF29, nick), 255);
  fuzz::send_es10(*card, persist,
                  tlv::encode(0xBF3F, tlv::encode(0x80, Bytes{'d', 'p', '.', 'e', 'x'})), 255);
  seeds["image/seed-sgp22-profile-notifications"] = sim::encode_image(card->state());

  // An iot card with SGP.32's state in every field the image keeps.
  CardState iot = card->state();
  iot.config.personality = personality::kIot;
  iot.config.quirks = {quirk::kCatBusy};
  EimConfig eim;
  eim.eim_id = "eim.example.com";
  eim.fqdn = "eim.example.com";
  eim.id_type = kEimIdTypeFqdn;
  eim.counter_value = 5;
  eim.association_token = 1;
  eim.public_key = EimKeyData{EimKeyData::Kind::kCertificate, w.dp_auth->certificate};
  eim.supported_protocols = 0x05;
  eim.euicc_ci_pkid = from_hex("F54172BDF98A95D65CBEB88A38A1C11D800A85C3");
  eim.indirect_profile_download = true;
  EimConfig bare;
  bare.eim_id = "second";
  iot.eims = {eim, bare};
  iot.last_association_token = 1;
  iot.package_results = {{iot.last_seq_number + 1, "eim.example.com", from_hex("BF5103A00100")}};
  iot.last_seq_number += 1;
  iot.profiles[0].fallback_attribute = true;
  iot.profiles[0].fallback_allowed = true;
  iot.rollback = RollbackContext{aid, std::nullopt, "eim.example.com", 5, from_hex("0102")};
  iot.immediate_enable = ImmediateEnableConfig{true, from_hex("2A0301"), "smdp.example.com"};
  iot.ipa_mode = kIpaModeIpae;
  seeds["image/seed-iot-eims-package-results"] = sim::encode_image(iot);
}

Bytes read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace

int main(int argc, char** argv) {
  const bool check = argc == 3 && std::string(argv[1]) == "--check";
  if (argc != 2 && !check) {
    std::fprintf(stderr, "usage: %s [--check] CORPUS_DIR\n", argv[0]);
    return 2;
  }
  const fs::path root = argv[argc - 1];
  Seeds seeds;
  download_seeds(seeds);
  authenticate_seeds(seeds);
  image_seeds(seeds);
  int stale = 0;
  for (const auto& [name, content] : seeds) {
    const fs::path path = root / name;
    if (check) {
      if (!fs::exists(path) || read(path) != content) {
        std::printf("stale: %s\n", path.string().c_str());
        ++stale;
      }
      continue;
    }
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary | std::ios::trunc)
        .write(reinterpret_cast<const char*>(content.data()),
               static_cast<std::streamsize>(content.size()));
  }
  if (stale > 0) {
    std::printf(
        "%d seed(s) no longer match the download they come from; rewrite them with\n"
        "  build/tests/fuzz_make_seeds %s\n",
        stale, root.string().c_str());
    return 1;
  }
  std::printf("%zu seeds %s\n", seeds.size(), check ? "current" : "written");
  return 0;
}
