// tools/smdp/binder: the SM-DP+'s SCP03t sender and BPP assembly against segments computed with
// the OpenSSL CLI (tests/data/tools/bsp_sender_vec.sh), the reference vectors of
// ../shared/reference when present (a third-party SM-DP+'s trace and a whole osmo-smdpp BPP),
// and the cut of a BPP into the ES10b pieces LPAs send.
#include <catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "../support/vec_file.hpp"
#include "euiccsim/crypto/aes.hpp"
#include "smdp/binder.hpp"

using namespace euiccsim;
using namespace euiccsim::smdp;
namespace fs = std::filesystem;

namespace {

SecureBytes secure(const Bytes& b) {
  return SecureBytes(b.begin(), b.end());
}

Bytes read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

const test::VecFile& own_vectors() {
  static const test::VecFile file =
      test::read_vec_file(test::test_data_dir() / "tools/bsp_sender.vec");
  return file;
}

// Runs a [segments] vector: one sender, its Op/Tag/In/Out lines in order. Returns how many
// operations were checked.
int run_segments(const test::Vector& v) {
  BspSender sender(secure(v.hex("S_ENC")), secure(v.hex("S_MAC")), secure(v.hex("InitialMCV")));
  std::string op, tag, in;
  int checked = 0;
  for (const auto& [key, value] : v.lines) {
    if (key == "Op") op = value;
    if (key == "Tag") tag = value;
    if (key == "In") in = value;
    if (key != "Out") continue;
    const std::uint8_t t = from_hex(tag).at(0);
    CHECK((op == "enc") == (t != 0x88));
    INFO("operation " << checked + 1 << " (" << op << " " << tag << ")");
    CHECK(to_hex(sender.wrap(t, from_hex(in))) == to_hex(from_hex(value)));
    ++checked;
  }
  return checked;
}

// The length of a TLV's tag and length fields.
std::size_t header_size(ByteView tlv) {
  std::size_t i = (tlv[0] & 0x1F) == 0x1F ? 2 : 1;
  return i + (tlv[i] < 0x80 ? 1 : 1 + (tlv[i] & 0x7F));
}

Bytes concat(const std::vector<Bytes>& parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// ICV of block number n under S-ENC, as PROTOCOL.md §4.7 defines it.
Bytes icv(const Bytes& s_enc, std::uint8_t n) {
  Bytes block(16, 0);
  block[15] = n;
  return crypto::aes128_encrypt_block(s_enc, block);
}

}  // namespace

TEST_CASE("BspSender: the OpenSSL-computed segments") {
  REQUIRE(own_vectors().count("segments"));
  const auto& vectors = own_vectors().at("segments");
  REQUIRE(vectors.size() == 2);
  int ops = 0;
  for (const auto& v : vectors) {
    INFO("bsp_sender.vec line " << v.line_number);
    ops += run_segments(v);
  }
  CHECK(ops == 11);
}

TEST_CASE("bind_profile_package: the OpenSSL-computed packages") {
  REQUIRE(own_vectors().count("bpp"));
  const auto& vectors = own_vectors().at("bpp");
  REQUIRE(vectors.size() == 2);
  for (const auto& v : vectors) {
    INFO("bsp_sender.vec line " << v.line_number);
    BppParts parts;
    parts.initialise_secure_channel = v.hex("BF23");
    parts.configure_isdp = v.hex("BF24");
    parts.store_metadata = v.hex("BF25");
    if (v.has("BF26")) parts.replace_session_keys = v.hex("BF26");
    parts.profile_package = v.hex("Package");
    BindingKeys keys{secure(v.hex("S_ENC")), secure(v.hex("S_MAC")), secure(v.hex("InitialMCV")),
                     std::nullopt};
    if (v.has("PPK_ENC"))
      keys.ppk = std::array<SecureBytes, 3>{secure(v.hex("PPK_ENC")), secure(v.hex("PPK_MAC")),
                                            secure(v.hex("PPK_InitialMCV"))};
    const Bytes bpp = bind_profile_package(parts, keys);
    CHECK(to_hex(bpp) == to_hex(v.hex("Bpp")));

    // Cut as an LPA does: no protected segment over 1020 bytes, and the pieces join back.
    const auto segments = bpp_segments(bpp);
    CHECK(concat(segments) == bpp);
    for (const auto& seg : segments)
      if (seg[0] == 0x86 || seg[0] == 0x87 || seg[0] == 0x88) CHECK(seg.size() <= 1020);
  }
}

TEST_CASE("BspSender: padding is always added, the counter counts 88 segments too") {
  const Bytes s_enc = from_hex("000102030405060708090A0B0C0D0E0F");
  const Bytes s_mac = from_hex("101112131415161718191A1B1C1D1E1F");
  const Bytes mcv = from_hex("202122232425262728292A2B2C2D2E2F");
  BspSender sender(secure(s_enc), secure(s_mac), secure(mcv));

  // A whole block of plaintext still gets a block of padding: 16 -> 32 bytes (+ 8 MAC).
  const Bytes block(16, 0xAB);
  const Bytes first = sender.wrap(0x86, block);
  REQUIRE(first.size() == 2 + 32 + 8);
  CHECK(first[1] == 40);
  const SecureBytes plain1 =
      crypto::aes128_cbc_decrypt(s_enc, icv(s_enc, 1), ByteView(first).subspan(2, 32));
  CHECK(to_hex(plain1) == to_hex(block) + "80000000000000000000000000000000");

  // MAC only: the payload goes as it is, and takes block number 2.
  const Bytes second = sender.wrap(0x88, from_hex("BF2500"));
  CHECK(to_hex(second).substr(0, 10) == "880BBF2500");

  // An empty plaintext becomes one padding block, encrypted under block number 3.
  const Bytes third = sender.wrap(0x87, {});
  REQUIRE(third.size() == 2 + 16 + 8);
  const SecureBytes plain3 =
      crypto::aes128_cbc_decrypt(s_enc, icv(s_enc, 3), ByteView(third).subspan(2, 16));
  CHECK(to_hex(plain3) == "80000000000000000000000000000000");

  // The C-MAC of the first segment: CMAC over the initial MCV, tag, length and ciphertext.
  Bytes mac_input = mcv;
  mac_input.insert(mac_input.end(), first.begin(), first.end() - 8);
  const Bytes cmac = crypto::aes128_cmac(s_mac, mac_input);
  CHECK(Bytes(first.end() - 8, first.end()) == Bytes(cmac.begin(), cmac.begin() + 8));
}

TEST_CASE("BspSender and bind_profile_package: refused arguments") {
  const SecureBytes k(16, 1);
  CHECK_THROWS_AS(BspSender(SecureBytes(15, 1), k, k), std::invalid_argument);
  CHECK_THROWS_AS(BspSender(k, SecureBytes(17, 1), k), std::invalid_argument);
  CHECK_THROWS_AS(BspSender(k, k, SecureBytes()), std::invalid_argument);
  BspSender sender(k, k, k);
  CHECK_THROWS_AS(sender.wrap(0x85, Bytes{1}), std::invalid_argument);
  CHECK_THROWS_AS(sender.wrap(0xA3, Bytes{1}), std::invalid_argument);

  BppParts parts;
  parts.initialise_secure_channel = from_hex("BF2300");
  parts.configure_isdp = from_hex("BF2400");
  parts.store_metadata = from_hex("BF2500");
  parts.profile_package = Bytes(10, 0x55);
  BindingKeys keys{k, k, k, std::nullopt};
  CHECK_NOTHROW(bind_profile_package(parts, keys));
  CHECK_THROWS_AS(bind_profile_package(parts, keys, 0), std::invalid_argument);
  parts.replace_session_keys = from_hex("BF2600");
  CHECK_THROWS_AS(bind_profile_package(parts, keys), std::invalid_argument);
  parts.replace_session_keys.reset();
  parts.profile_package.clear();
  CHECK_THROWS_AS(bind_profile_package(parts, keys), std::invalid_argument);
}

TEST_CASE("bind_profile_package: segment sizes at the 1020-byte limit") {
  const SecureBytes k(16, 7);
  BppParts parts;
  parts.initialise_secure_channel = from_hex("BF2303820101");
  parts.configure_isdp = from_hex("BF2400");
  // A StoreMetadata with a large icon needs several 88 segments.
  parts.store_metadata = Bytes(2500, 0x25);
  parts.profile_package = Bytes(3 * kMaxSegmentPlaintext + 1, 0x86);
  parts.replace_session_keys = Bytes(0x36 + 2, 0x26);
  BindingKeys keys{k, k, k, std::array<SecureBytes, 3>{k, k, k}};
  const Bytes bpp = bind_profile_package(parts, keys);
  const auto segments = bpp_segments(bpp);
  CHECK(concat(segments) == bpp);

  std::size_t n86 = 0, n88 = 0, largest = 0;
  for (const auto& seg : segments) {
    if (seg[0] == 0x86) ++n86;
    if (seg[0] == 0x88) ++n88;
    if (seg[0] == 0x86 || seg[0] == 0x87 || seg[0] == 0x88) largest = std::max(largest, seg.size());
  }
  CHECK(n86 == 4);
  CHECK(n88 == 3);         // 2500 = 1007 + 1007 + 486
  CHECK(largest == 1020);  // a full 1007-byte piece: 1 + 3 + 1008 + 8
  // BF36+BF23, A0, A1 header, 3 x 88, A2, A3 header, 4 x 86.
  CHECK(segments.size() == 1 + 1 + 1 + 3 + 1 + 1 + 4);
  CHECK(to_hex(segments[2]).substr(0, 2) == "A1");
  CHECK(segments[2].size() == header_size(segments[2]));
  CHECK(segments[6][0] == 0xA2);
  CHECK(segments[7][0] == 0xA3);
  CHECK(segments[7].size() == header_size(segments[7]));
}

TEST_CASE("bpp_segments: the pieces an LPA sends, and malformed packages") {
  // A small package: BF23 {82 01 01}, A0 {87 00}, A1 {88 00, 88 00}, A3 {86 00}.
  const Bytes good = from_hex(
      "BF3614"
      "BF2303820101"
      "A0028700"
      "A10488008800"
      "A3028600");
  const auto segments = bpp_segments(good);
  REQUIRE(segments.size() == 7);
  CHECK(to_hex(segments[0]) == "BF3614BF2303820101");
  CHECK(to_hex(segments[1]) == "A0028700");
  CHECK(to_hex(segments[2]) == "A104");
  CHECK(to_hex(segments[3]) == "8800");
  CHECK(to_hex(segments[4]) == "8800");
  CHECK(to_hex(segments[5]) == "A302");
  CHECK(to_hex(segments[6]) == "8600");
  CHECK(concat(segments) == good);

  const Bytes with_a2 = from_hex(
      "BF3618"
      "BF2303820101"
      "A0028700"
      "A1028800"
      "A2028700"
      "A30486008600");
  const auto s2 = bpp_segments(with_a2);
  REQUIRE(s2.size() == 8);
  CHECK(to_hex(s2[4]) == "A2028700");
  CHECK(to_hex(s2[5]) == "A304");
  CHECK(concat(s2) == with_a2);

  auto refused = [](const std::string& hex) {
    INFO(hex);
    CHECK_THROWS_AS(bpp_segments(from_hex(hex)), std::invalid_argument);
  };
  refused("");
  refused("BF3600");                                                  // empty
  refused("BF3714BF2303820101A0028700A10488008800A3028600");          // not BF36
  refused("BF3614BF2303820101A0028700A10488008800A302860000");        // a byte after it
  refused("BF3614BF2303820101A0028700A10488008800A30286");            // truncated
  refused("BF360EA0028700A10488008800A3028600");                      // no BF23
  refused("BF3614BF2303820101A10488008800A0028700A3028600");          // A1 before A0
  refused("BF3614BF2303820101A0028700A10488008800A3028700");          // 87 inside A3
  refused("BF3614BF2303820101A0028800A10488008800A3028600");          // 88 inside A0
  refused("BF3614BF2303820101A0028700A10488008800A3028601");          // 86 cut short
  refused("BF3618BF2303820101A0028700A1028800A4028700A30486008600");  // A4 element
  refused("BF3680BF2303820101A0028700A10488008800A30286000000");      // indefinite length
  refused("BF368114BF2303820101A0028700A10488008800A3028600");        // non-minimal length
}

TEST_CASE("reference [segments]: a third-party SM-DP+'s segments", "[.reference]") {
  const fs::path file = test::reference_dir() / "vectors" / "scp03t.vec";
  REQUIRE(fs::exists(file));
  const test::VecFile reference = test::read_vec_file(file);
  REQUIRE(reference.count("segments"));
  int ops = 0;
  for (const auto& v : reference.at("segments")) {
    INFO("scp03t.vec line " << v.line_number);
    ops += run_segments(v);
  }
  CHECK(ops >= 4);
}

TEST_CASE("reference [bpp]: re-binding osmo-smdpp's package gives its segments", "[.reference]") {
  const fs::path dir = test::reference_dir() / "vectors";
  REQUIRE(fs::exists(dir / "scp03t.vec"));
  const test::VecFile reference = test::read_vec_file(dir / "scp03t.vec");
  REQUIRE(reference.count("bpp"));
  const test::Vector& v = reference.at("bpp").at(0);
  const Bytes expected = read_file(dir / v.text("File"));
  const auto expected_segments = bpp_segments(expected);

  BppParts parts;
  // BF23 is signed by their SM-DP+ and goes through unchanged: take it from the package.
  const Bytes& first = expected_segments.at(0);
  parts.initialise_secure_channel.assign(first.begin() + header_size(first), first.end());
  parts.configure_isdp = v.hex("A0_Plain");
  parts.store_metadata = v.hex("A1_Plain");
  parts.profile_package = read_file(dir / v.text("A3_PlainFile"));
  // No A2 here: the PPK is given directly (see the vector's comment).
  BindingKeys keys{secure(v.hex("S_ENC")), secure(v.hex("S_MAC")), secure(v.hex("InitialMCV")),
                   std::array<SecureBytes, 3>{secure(v.hex("PPK_ENC")), secure(v.hex("PPK_MAC")),
                                              secure(v.hex("PPK_InitialMCV"))}};
  // osmo-smdpp cuts 1008-byte pieces (pySim bsp.py: 1020 - tag - 3-byte length - MAC), so its
  // full 86 segments are 1036 bytes, past the 1020 our own cut keeps to.
  const Bytes bpp = bind_profile_package(parts, keys, 1008);
  const auto segments = bpp_segments(bpp);
  REQUIRE(segments.size() == expected_segments.size());
  CHECK(segments.size() == 1 + 1 + 1 + 1 + 1 + 13);
  for (std::size_t i = 0; i < segments.size(); ++i) {
    INFO("segment " << i);
    CHECK(to_hex(segments[i]) == to_hex(expected_segments[i]));
  }
  CHECK(bpp == expected);
  CHECK(expected_segments.at(5).size() == 1036);
  // Our own cut of the same package stays within 1020 bytes per segment.
  for (const auto& seg : bpp_segments(bind_profile_package(parts, keys)))
    if (seg[0] == 0x86) CHECK(seg.size() <= 1020);
}
