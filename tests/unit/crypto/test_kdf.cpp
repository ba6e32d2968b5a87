// crypto/kdf: ANSI X9.63 KDF (SHA-256) against answers computed by OpenSSL, the BSP key split,
// and the reference [kdf] vectors (a third-party SM-DP+ trace) when ../shared/reference is there.
#include <catch.hpp>

#include <filesystem>
#include <string>

#include "../support/vec_file.hpp"
#include "euiccsim/crypto/kdf.hpp"

using namespace euiccsim;
using namespace euiccsim::crypto;
namespace fs = std::filesystem;

namespace {

const std::vector<test::Vector>& section(const std::string& name) {
  static const test::VecFile file = test::read_vec_file(test::test_data_dir() / "crypto/kdf.vec");
  auto it = file.find(name);
  if (it == file.end() || it->second.empty())
    throw std::runtime_error("kdf.vec has no vectors in [" + name + "]");
  return it->second;
}

std::uint8_t byte(const test::Vector& v, const std::string& key) {
  const Bytes b = v.hex(key);
  REQUIRE(b.size() == 1);
  return b[0];
}

// The whole BSP derivation of one vector, checked part by part.
void check_bsp(const test::Vector& v) {
  const BspKeys keys = derive_bsp_keys(v.hex("ShS"), byte(v, "KeyType"), byte(v, "KeyLength"),
                                       v.hex("HostId"), v.hex("EID"));
  CHECK(to_hex(keys.initial_mcv) == to_hex(v.hex("InitialMCV")));
  CHECK(to_hex(keys.s_enc) == to_hex(v.hex("S_ENC")));
  CHECK(to_hex(keys.s_mac) == to_hex(v.hex("S_MAC")));
}

}  // namespace

TEST_CASE("X9.63 KDF with SHA-256 gives OpenSSL's output, any length") {
  CHECK(section("x963_sha256").size() == 6);
  for (const auto& v : section("x963_sha256")) {
    INFO("kdf.vec line " << v.line_number);
    const std::size_t length = std::stoul(v.text("Length"));
    const SecureBytes out = x963_kdf_sha256(v.hex("Secret"), v.hex("Info"), length);
    CHECK(out.size() == length);
    CHECK(to_hex(out) == to_hex(v.hex("Out")));
  }
  // Shorter outputs are prefixes: the counter blocks do not depend on the length asked for.
  const auto& v = section("x963_sha256")[4];
  CHECK(to_hex(x963_kdf_sha256(v.hex("Secret"), v.hex("Info"), 7)) ==
        to_hex(v.hex("Out")).substr(0, 14));
  CHECK(x963_kdf_sha256(v.hex("Secret"), v.hex("Info"), 0).empty());
}

TEST_CASE("BSP sharedInfo and key split (SGP.22 §2.6.4)") {
  for (const auto& v : section("bsp")) {
    INFO("kdf.vec line " << v.line_number);
    CHECK(to_hex(bsp_shared_info(byte(v, "KeyType"), byte(v, "KeyLength"), v.hex("HostId"),
                                 v.hex("EID"))) == to_hex(v.hex("SharedInfo")));
    check_bsp(v);
  }
  CHECK(to_hex(bsp_shared_info(0x88, 0x10, {}, {})) == "88100000");
  CHECK_NOTHROW(bsp_shared_info(0x88, 0x10, Bytes(127), Bytes(127)));
  CHECK_THROWS_AS(bsp_shared_info(0x88, 0x10, Bytes(128), Bytes(16)), std::invalid_argument);
  CHECK_THROWS_AS(bsp_shared_info(0x88, 0x10, Bytes(8), Bytes(128)), std::invalid_argument);
}

TEST_CASE("reference [kdf]: the SM-DP+ trace's session keys", "[.reference]") {
  const fs::path file = test::reference_dir() / "vectors" / "scp03t.vec";
  REQUIRE(fs::exists(file));
  const test::VecFile reference = test::read_vec_file(file);
  REQUIRE(reference.count("kdf"));
  CHECK(reference.at("kdf").size() == 2);
  for (const auto& v : reference.at("kdf")) {
    INFO("scp03t.vec line " << v.line_number);
    check_bsp(v);
  }
}
