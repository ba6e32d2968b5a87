// crypto/scp03t: the card's BSP receiver against segments computed with the OpenSSL CLI
// (tests/data/crypto/scp03t.vec), the reference trace's segments and a whole Bound Profile
// Package when ../shared/reference is there, and every way a segment can be refused.
#include <catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "../support/vec_file.hpp"
#include "euiccsim/crypto/aes.hpp"
#include "euiccsim/crypto/scp03t.hpp"

using namespace euiccsim;
using namespace euiccsim::crypto;
namespace fs = std::filesystem;
using Kind = Scp03tError::Kind;

namespace {

const test::VecFile& own_vectors() {
  static const test::VecFile file =
      test::read_vec_file(test::test_data_dir() / "crypto/scp03t.vec");
  return file;
}

const std::vector<test::Vector>& section(const test::VecFile& file, const std::string& name) {
  auto it = file.find(name);
  if (it == file.end() || it->second.empty())
    throw std::runtime_error("no vectors in [" + name + "]");
  return it->second;
}

SecureBytes secure(const Bytes& b) {
  return SecureBytes(b.begin(), b.end());
}

BspReceiver receiver(const test::Vector& v, const std::string& prefix = "S_",
                     const std::string& mcv = "InitialMCV") {
  return BspReceiver(secure(v.hex(prefix + "ENC")), secure(v.hex(prefix + "MAC")),
                     secure(v.hex(mcv)));
}

struct Op {
  std::string kind;
  Bytes tag, in, out;
};

// The Op/Tag/In/Out groups of a vector, in order.
std::vector<Op> ops(const test::Vector& v) {
  std::vector<Op> out;
  for (const auto& [key, value] : v.lines) {
    if (key == "Op") {
      out.push_back({value, {}, {}, {}});
    } else if (!out.empty()) {
      if (key == "Tag") out.back().tag = from_hex(value);
      if (key == "In") out.back().in = from_hex(value);
      if (key == "Out") out.back().out = from_hex(value);
    }
  }
  return out;
}

// Unwraps every operation of a [segments] vector in order; returns how many.
std::size_t check_session(const test::Vector& v) {
  BspReceiver rx = receiver(v);
  const std::vector<Op> list = ops(v);
  for (std::size_t i = 0; i < list.size(); ++i) {
    INFO("operation " << i + 1 << " (" << list[i].kind << ")");
    REQUIRE(list[i].out.size() > 1);
    CHECK(list[i].out[0] == list[i].tag.at(0));
    CHECK(to_hex(rx.unwrap(list[i].out)) == to_hex(list[i].in));
    CHECK(rx.segments() == i + 1);
  }
  return list.size();
}

Kind refusal(BspReceiver& rx, ByteView segment) {
  try {
    rx.unwrap(segment);
  } catch (const Scp03tError& e) {
    return e.kind;
  }
  FAIL("segment accepted");
  return Kind::kStructure;
}

Bytes read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + p.string());
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// BER-TLV with multi-byte tags (BF36, BF23), enough to take a Bound Profile Package apart.
struct Tlv {
  unsigned tag = 0;
  ByteView value;
  ByteView whole;
};

std::vector<Tlv> tlvs(ByteView data) {
  std::vector<Tlv> out;
  std::size_t pos = 0;
  auto at = [&data](std::size_t i) {
    if (i >= data.size()) throw std::runtime_error("TLV truncated");
    return data[i];
  };
  while (pos < data.size()) {
    const std::size_t start = pos;
    unsigned tag = at(pos++);
    if ((tag & 0x1F) == 0x1F) {
      do tag = (tag << 8) | at(pos);
      while (at(pos++) & 0x80);
    }
    std::size_t length = at(pos++);
    if (length > 0x80) {
      const std::size_t n = length & 0x7F;
      length = 0;
      for (std::size_t i = 0; i < n; ++i) length = (length << 8) | at(pos++);
    }
    if (data.size() - pos < length) throw std::runtime_error("TLV runs past the end");
    out.push_back({tag, data.subspan(pos, length), data.subspan(start, pos + length - start)});
    pos += length;
  }
  return out;
}

// A segment with a correct C-MAC over any payload (for refusals after the MAC check),
// under the first own vector's keys and initial MCV.
Bytes maced_segment(std::uint8_t tag, const Bytes& payload) {
  const test::Vector& v = section(own_vectors(), "segments").front();
  Bytes segment{tag, static_cast<std::uint8_t>(payload.size() + 8)};
  segment.insert(segment.end(), payload.begin(), payload.end());
  Bytes input = v.hex("InitialMCV");
  input.insert(input.end(), segment.begin(), segment.end());
  const Bytes mac = aes128_cmac(v.hex("S_MAC"), input);
  segment.insert(segment.end(), mac.begin(), mac.begin() + 8);
  return segment;
}

}  // namespace

TEST_CASE("SCP03t: segments computed with the OpenSSL CLI unwrap to their plaintext") {
  const auto& sessions = section(own_vectors(), "segments");
  REQUIRE(sessions.size() == 2);
  std::size_t total = 0;
  for (const auto& v : sessions) {
    INFO("scp03t.vec line " << v.line_number);
    total += check_session(v);
  }
  CHECK(total == 10);
}

TEST_CASE("SCP03t: the reference trace's segments and whole Bound Profile Package",
          "[.reference]") {
  const fs::path dir = test::reference_dir() / "vectors";
  REQUIRE(fs::exists(dir / "scp03t.vec"));
  const test::VecFile reference = test::read_vec_file(dir / "scp03t.vec");

  SECTION("[segments]: session keys, then a PPK session") {
    const auto& sessions = section(reference, "segments");
    CHECK(sessions.size() == 2);
    std::size_t total = 0;
    for (const auto& v : sessions) {
      INFO("reference scp03t.vec line " << v.line_number);
      total += check_session(v);
    }
    CHECK(total == 5);
  }

  SECTION("[bpp]: every 87, 88 and 86 segment of bpp-osmocom-ppk.der") {
    const auto& bpp_vectors = section(reference, "bpp");
    REQUIRE(bpp_vectors.size() == 1);
    const test::Vector& v = bpp_vectors.front();
    const Bytes bpp = read(dir / v.text("File"));
    const Bytes upp = read(dir / v.text("A3_PlainFile"));

    const auto top = tlvs(bpp);
    REQUIRE(top.size() == 1);
    REQUIRE(top[0].tag == 0xBF36);
    const auto parts = tlvs(top[0].value);
    REQUIRE(parts.size() == 4);
    CHECK(parts[0].tag == 0xBF23);
    REQUIRE(parts[1].tag == 0xA0);
    REQUIRE(parts[2].tag == 0xA1);
    REQUIRE(parts[3].tag == 0xA3);

    BspReceiver session = receiver(v);
    auto unwrap_all = [](BspReceiver& rx, const Tlv& list, unsigned tag) {
      Bytes plain;
      for (const Tlv& segment : tlvs(list.value)) {
        REQUIRE(segment.tag == tag);
        const SecureBytes p = rx.unwrap(segment.whole);
        plain.insert(plain.end(), p.begin(), p.end());
      }
      return plain;
    };
    CHECK(to_hex(unwrap_all(session, parts[1], 0x87)) == to_hex(v.hex("A0_Plain")));
    CHECK(to_hex(unwrap_all(session, parts[2], 0x88)) == to_hex(v.hex("A1_Plain")));
    CHECK(session.segments() == 2);

    BspReceiver ppk = receiver(v, "PPK_", "PPK_InitialMCV");
    const Bytes profile = unwrap_all(ppk, parts[3], 0x86);
    CHECK(ppk.segments() == 13);
    CHECK(profile.size() == upp.size());
    CHECK(profile == upp);
    // The 86 segments belong to the PPK session: under the session keys they fail the MAC.
    BspReceiver wrong = receiver(v);
    CHECK(refusal(wrong, tlvs(parts[3].value).front().whole) == Kind::kMac);
  }
}

TEST_CASE("SCP03t: a changed payload or C-MAC byte fails the MAC and changes nothing") {
  const test::Vector& v = section(own_vectors(), "segments").front();
  const std::vector<Op> list = ops(v);
  BspReceiver rx = receiver(v);
  REQUIRE(to_hex(rx.unwrap(list[0].out)) == to_hex(list[0].in));

  // The second (88) and fifth (86, long length form) operations, every byte after the header.
  const Bytes& segment = list[1].out;
  for (std::size_t i = 2; i < segment.size(); ++i) {
    Bytes changed = segment;
    changed[i] ^= 0x01;
    INFO("byte " << i);
    CHECK(refusal(rx, changed) == Kind::kMac);
    CHECK(rx.segments() == 1);
  }
  // The tag is under the MAC too: an 88 relabelled 86 or 87 is not accepted as either.
  for (std::uint8_t tag : {0x86, 0x87}) {
    Bytes relabelled = segment;
    relabelled[0] = tag;
    CHECK(refusal(rx, relabelled) == Kind::kMac);
  }
  CHECK(rx.segments() == 1);
  CHECK(to_hex(rx.unwrap(segment)) == to_hex(list[1].in));
  CHECK(rx.segments() == 2);

  REQUIRE(to_hex(rx.unwrap(list[2].out)) == to_hex(list[2].in));
  REQUIRE(to_hex(rx.unwrap(list[3].out)) == to_hex(list[3].in));
  Bytes payload_changed = list[4].out;
  payload_changed[100] ^= 0x80;
  CHECK(refusal(rx, payload_changed) == Kind::kMac);
  Bytes mac_changed = list[4].out;
  mac_changed.back() ^= 0x01;
  CHECK(refusal(rx, mac_changed) == Kind::kMac);
  CHECK(rx.segments() == 4);
  CHECK(to_hex(rx.unwrap(list[4].out)) == to_hex(list[4].in));
}

TEST_CASE("SCP03t: segments out of order, replayed or from another session fail the MAC") {
  const auto& sessions = section(own_vectors(), "segments");
  const std::vector<Op> list = ops(sessions[0]);
  BspReceiver rx = receiver(sessions[0]);
  CHECK(refusal(rx, list[1].out) == Kind::kMac);  // skipped the first
  CHECK(refusal(rx, list[2].out) == Kind::kMac);
  CHECK(refusal(rx, ops(sessions[1])[0].out) == Kind::kMac);  // another key set
  CHECK(rx.segments() == 0);
  CHECK(to_hex(rx.unwrap(list[0].out)) == to_hex(list[0].in));
  CHECK(refusal(rx, list[0].out) == Kind::kMac);  // replayed
  CHECK(to_hex(rx.unwrap(list[1].out)) == to_hex(list[1].in));
  CHECK(rx.segments() == 2);
}

TEST_CASE("SCP03t: a correctly MACed segment with bad padding is refused as padding") {
  const auto& bad = section(own_vectors(), "bad_padding");
  CHECK(bad.size() == 4);
  for (const auto& v : bad) {
    INFO("scp03t.vec line " << v.line_number << ": decrypted " << v.text("Decrypted"));
    BspReceiver rx = receiver(v);
    CHECK(refusal(rx, v.hex("Segment")) == Kind::kPadding);
    CHECK(rx.segments() == 0);
  }
  // Not a whole number of blocks, or nothing at all, behind a correct C-MAC.
  for (std::size_t n : {0u, 1u, 15u, 17u}) {
    INFO(n << " bytes of ciphertext");
    BspReceiver rx = receiver(section(own_vectors(), "segments").front());
    for (std::uint8_t tag : {0x86, 0x87})
      CHECK(refusal(rx, maced_segment(tag, Bytes(n, 0x5A))) == Kind::kPadding);
    CHECK(rx.segments() == 0);
  }
  // The same bytes as MAC-only: accepted as they are, since 88 is not encrypted.
  BspReceiver rx = receiver(section(own_vectors(), "segments").front());
  CHECK(to_hex(rx.unwrap(maced_segment(0x88, Bytes(15, 0x5A)))) == to_hex(Bytes(15, 0x5A)));
}

TEST_CASE("SCP03t: what is not one segment TLV is a structure error") {
  const test::Vector& v = section(own_vectors(), "segments").front();
  const Bytes good = ops(v)[0].out;       // 87 18 ...
  const Bytes long_form = ops(v)[3].out;  // 88 81 D0 ...
  BspReceiver rx = receiver(v);
  auto with = [](Bytes b, std::size_t at, std::uint8_t value) {
    b[at] = value;
    return b;
  };
  Bytes trailing = good;
  trailing.push_back(0x00);
  Bytes non_minimal = {0x87, 0x81, 0x18};
  non_minimal.insert(non_minimal.end(), good.begin() + 2, good.end());
  const Bytes cases[] = {
      {},
      {0x87},
      with(good, 0, 0x89),  // not a segment tag
      with(good, 0, 0x30),
      Bytes(good.begin(), good.end() - 1),  // truncated
      trailing,                             // more than one TLV
      {0x88, 0x07, 1, 2, 3, 4, 5, 6, 7},    // no room for the C-MAC
      {0x88, 0x00},
      {0x88, 0x80, 0x00, 0x00},     // indefinite length
      {0x88, 0x85, 0, 0, 0, 0, 8},  // length of length too large
      {0x88, 0x82, 0x00},           // truncated length
      non_minimal,
      with(long_form, 1, 0x82),  // 82 D0 xx: wrong length form
  };
  for (std::size_t i = 0; i < std::size(cases); ++i) {
    INFO("case " << i);
    CHECK(refusal(rx, cases[i]) == Kind::kStructure);
  }
  CHECK(rx.segments() == 0);
  CHECK(to_hex(rx.unwrap(good)) == to_hex(ops(v)[0].in));
}

TEST_CASE("SCP03t: keys and MCV must be 16 bytes") {
  const SecureBytes k(16, 0x01);
  CHECK_NOTHROW(BspReceiver(k, k, k));
  CHECK_THROWS_AS(BspReceiver(SecureBytes(15), k, k), std::invalid_argument);
  CHECK_THROWS_AS(BspReceiver(k, SecureBytes(32), k), std::invalid_argument);
  CHECK_THROWS_AS(BspReceiver(k, k, SecureBytes{}), std::invalid_argument);
  CHECK(BspReceiver(k, k, k).segments() == 0);
}
