// crypto/aes: NIST SP 800-38A (ECB, CBC) and SP 800-38B / RFC 4493 (CMAC) published answers,
// and the sizes refused.
#include <catch.hpp>

#include <algorithm>

#include "../support/vec_file.hpp"
#include "euiccsim/crypto/aes.hpp"

using namespace euiccsim;
using namespace euiccsim::crypto;

namespace {

const std::vector<test::Vector>& section(const std::string& name) {
  static const test::VecFile file = test::read_vec_file(test::test_data_dir() / "crypto/aes.vec");
  auto it = file.find(name);
  if (it == file.end() || it->second.empty())
    throw std::runtime_error("aes.vec has no vectors in [" + name + "]");
  return it->second;
}

}  // namespace

TEST_CASE("SP 800-38A F.1.1: AES-128 of single blocks") {
  for (const auto& v : section("ecb")) {
    INFO("aes.vec line " << v.line_number);
    CHECK(to_hex(aes128_encrypt_block(v.hex("Key"), v.hex("In"))) == to_hex(v.hex("Out")));
  }
}

TEST_CASE("SP 800-38A F.2.1/F.2.2: AES-128-CBC both ways") {
  CHECK(section("cbc").size() == 3);
  for (const auto& v : section("cbc")) {
    INFO("aes.vec line " << v.line_number);
    const Bytes key = v.hex("Key"), iv = v.hex("IV"), plain = v.hex("Plain");
    const Bytes cipher = v.hex("Cipher");
    CHECK(to_hex(aes128_cbc_encrypt(key, iv, plain)) == to_hex(cipher));
    const SecureBytes decrypted = aes128_cbc_decrypt(key, iv, cipher);
    CHECK(to_hex(decrypted) == to_hex(plain));
  }
}

TEST_CASE("CBC chains: a changed ciphertext block garbles its own block and one bit of the next") {
  const auto& v = section("cbc").front();
  Bytes cipher = v.hex("Cipher");
  cipher[0] ^= 0x01;
  const SecureBytes plain = aes128_cbc_decrypt(v.hex("Key"), v.hex("IV"), cipher);
  const Bytes expected = v.hex("Plain");
  CHECK_FALSE(std::equal(plain.begin(), plain.begin() + 16, expected.begin()));
  CHECK(plain[16] == (expected[16] ^ 0x01));
  CHECK(std::equal(plain.begin() + 17, plain.end(), expected.begin() + 17));
}

TEST_CASE("SP 800-38B D.1 / RFC 4493: AES-128-CMAC, 0 to 64 bytes") {
  CHECK(section("cmac").size() == 4);
  for (const auto& v : section("cmac")) {
    INFO("aes.vec line " << v.line_number);
    CHECK(to_hex(aes128_cmac(v.hex("Key"), v.hex("Msg"))) == to_hex(v.hex("Mac")));
  }
}

TEST_CASE("wrong key, IV and data sizes throw AesError") {
  const Bytes key(16, 0x11), iv(16, 0x22), block(16, 0x33);
  for (std::size_t n : {0u, 15u, 17u, 24u, 32u}) {
    INFO("key of " << n << " bytes");
    const Bytes bad(n, 0x11);
    CHECK_THROWS_AS(aes128_encrypt_block(bad, block), AesError);
    CHECK_THROWS_AS(aes128_cbc_encrypt(bad, iv, block), AesError);
    CHECK_THROWS_AS(aes128_cbc_decrypt(bad, iv, block), AesError);
    CHECK_THROWS_AS(aes128_cmac(bad, block), AesError);
  }
  CHECK_THROWS_AS(aes128_encrypt_block(key, Bytes(15)), AesError);
  CHECK_THROWS_AS(aes128_encrypt_block(key, Bytes(32)), AesError);
  CHECK_THROWS_AS(aes128_cbc_encrypt(key, Bytes(8), block), AesError);
  CHECK_THROWS_AS(aes128_cbc_decrypt(key, Bytes(17), block), AesError);
  CHECK_THROWS_WITH(aes128_cbc_encrypt(key, iv, Bytes(17)), Catch::Contains("multiple of 16"));
  CHECK_THROWS_AS(aes128_cbc_decrypt(key, iv, Bytes(31)), AesError);
  // The message names sizes, never the key.
  CHECK_THROWS_WITH(aes128_cmac(Bytes(15, 0xAB), block),
                    !Catch::Contains("ABABAB", Catch::CaseSensitive::No) && Catch::Contains("15"));
  // A CMAC message may have any length.
  CHECK(aes128_cmac(key, Bytes(17)).size() == 16);
}
