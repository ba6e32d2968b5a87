// applets/naa AUTHENTICATE (TS 31.102 §7.1.2, TS 31.103 §7.1.2): MILENAGE, TUAK and the TS 34.108
// test algorithm answered with the RES, CK, IK (and Kc) of published or hand-worked vectors
// (tests/data/crypto/*.vec); MAC failure; SQN freshness and AUTS; the GSM context; the ISIM;
// the SQN array in the card state, written once per AUTHENTICATE.
#include <catch.hpp>

#include "../support/naa_card.hpp"
#include "../support/vec_file.hpp"
#include "euiccsim/crypto/milenage.hpp"

using namespace euiccsim;
using namespace euiccsim::test;

namespace {

constexpr const char* kUsimAid = "A0000000871002FF49FF0589";
constexpr const char* kIsimAid = "A0000000871004FF49FF0589";

const test::Vector& vec(const std::string& file, const std::string& section, std::size_t i) {
  static std::map<std::string, test::VecFile> files;
  if (!files.count(file))
    files[file] = test::read_vec_file(test::test_data_dir() / "crypto" / file);
  return files[file].at(section).at(i);
}

std::string authenticate(const std::string& rand, const std::string& autn) {
  return "0088008122"
         "10" +
         rand + "10" + autn + "00";
}

std::string xor_hex(const std::string& a, const std::string& b) {
  Bytes x = from_hex(a);
  const Bytes y = from_hex(b);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] ^= y[i];
  return to_hex(x);
}

std::string lower(std::string s) {
  for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

// The builder's example with another algorithm and the widest SQN window the format allows, so
// published vectors with large SQNs are fresh on a new card.
profiles::ProfileSpec wide_window(profiles::ProfileSpec spec) {
  spec.sqn_delta = from_hex("07FFFFFFFFFF");
  return spec;
}

std::string select_usim(NaaCard& c) {
  return c.send(std::string("00A4040C0C") + kUsimAid);
}

}  // namespace

TEST_CASE("MILENAGE: TS 35.208 set 1 answered with its RES, CK, IK and Kc; a replay gets AUTS") {
  const auto& v = vec("milenage.vec", "milenage", 0);
  const auto& autn = vec("milenage.vec", "autn", 0);
  const auto& gsm = vec("milenage.vec", "gsm", 0);
  int persisted = 0;
  CardState saved(*Eid::parse("89049032123451234512345678901235"));
  NaaCard c(naa_state({built(wide_window(example_spec()))}), sim::Protocol::kT1,
            [&](const CardState& s) {
              ++persisted;
              saved = s;
            });
  REQUIRE(select_usim(c) == "9000");
  const std::string rand = v.text("RAND"), token = autn.text("AUTN");
  const auto r = lower(c.send(authenticate(rand, token)));
  CHECK(r == "db08" + v.text("f2") + "10" + v.text("f3") + "10" + v.text("f4") + "08" +
                 gsm.text("Kc") + "9000");
  CHECK(persisted == 1);
  // SQN ff9bb4d0b607: SEQ 07fcdda685b0 (SQN >> 5) under IND 7, stored.
  const auto& naa = saved.profiles.front().profile.naas.front();
  CHECK(to_hex(naa.sqn.at(7)) == "07FCDDA685B0");

  // The same AUTN again: no longer fresh. AUTS = (SQN_MS xor AK*) || MAC-S, SQN_MS the SQN
  // just accepted, AK* TS 35.208's f5*.
  const auto replay = lower(c.send(authenticate(rand, token)));
  REQUIRE(replay.substr(0, 4) == "dc0e");
  REQUIRE(replay.size() == 4 + 28 + 4);
  CHECK(xor_hex(replay.substr(4, 12), v.text("f5star")) == "FF9BB4D0B607");
  const Bytes k = v.hex("K"), opc = v.hex("OPc");
  CHECK(lower(to_hex(crypto::milenage::f1star(k, opc, v.hex("RAND"), v.hex("SQN"), Bytes{0, 0}))) ==
        replay.substr(16, 16));
  CHECK(persisted == 1);  // a sync failure changes nothing

  // A MAC off by one bit.
  std::string bad = token;
  bad.back() = bad.back() == '0' ? '1' : '0';
  CHECK(c.send(authenticate(rand, bad)) == "9862");
  CHECK(persisted == 1);

  // The GSM context (EF.UST service 38): SRES and Kc by c2, c3.
  CHECK(lower(c.send("0088008011"
                     "10" +
                     rand + "00")) == "04" + gsm.text("SRES") + "08" + gsm.text("Kc") + "9000");
}

TEST_CASE(
    "MILENAGE on a fresh card with the default window: set 1's SQN is too far, AUTS has SQN_MS 0") {
  const auto& v = vec("milenage.vec", "milenage", 0);
  NaaCard c;
  REQUIRE(select_usim(c) == "9000");
  const auto r =
      lower(c.send(authenticate(v.text("RAND"), vec("milenage.vec", "autn", 0).text("AUTN"))));
  REQUIRE(r.substr(0, 4) == "dc0e");
  CHECK(r.substr(4, 12) == v.text("f5star"));  // SQN_MS = 0: AUTS starts with AK*
}

TEST_CASE("Resynchronisation: magma's AUTS vector, from a stale AUTN") {
  const auto& v = vec("milenage.vec", "resync", 0);
  auto spec = example_spec();
  const Bytes key = v.hex("K");
  spec.k = SecureBytes(key.begin(), key.end());
  const Bytes opc = v.hex("OPc");
  spec.opc = SecureBytes(opc.begin(), opc.end());
  NaaCard c(spec);
  REQUIRE(select_usim(c) == "9000");
  // SQN 0 is not fresh on a new card (SEQ 0 is not above the array's 0). The MAC is right.
  const Bytes rand = v.hex("RAND"), sqn(6, 0), amf = from_hex("8000");
  const auto ak = crypto::milenage::f2345(v.hex("K"), opc, rand).ak;
  const Bytes mac = crypto::milenage::f1(v.hex("K"), opc, rand, sqn, amf);
  const std::string autn = xor_hex(to_hex(sqn), to_hex(ak)) + "8000" + to_hex(mac);
  CHECK(lower(c.send(authenticate(to_hex(rand), autn))) == "dc0e" + v.text("AUTS") + "9000");
}

TEST_CASE("TUAK: TS 35.233 set 1 (K 128, RES 32, MAC 64, CK/IK 128 bits: algorithmOptions 00)") {
  const auto& v = vec("tuak.vec", "tuak", 0);
  auto spec = wide_window(example_spec());
  spec.algorithm = profiles::AkaParameterPe::Algorithm::Tuak;
  const Bytes key = v.hex("K");
  spec.k = SecureBytes(key.begin(), key.end());
  const Bytes topc = v.hex("TOPc");
  spec.opc = SecureBytes(topc.begin(), topc.end());
  spec.gsm_access = false;  // no Kc in the answer
  NaaCard c(spec);
  REQUIRE(select_usim(c) == "9000");
  const std::string autn = xor_hex(v.text("SQN"), v.text("f5")) + v.text("AMF") + v.text("f1");
  CHECK(lower(c.send(authenticate(v.text("RAND"), autn))) ==
        "db04" + v.text("f2") + "10" + v.text("f3") + "10" + v.text("f4") + "9000");
  const auto replay = lower(c.send(authenticate(v.text("RAND"), autn)));
  REQUIRE(replay.substr(0, 4) == "dc0e");
  CHECK(xor_hex(replay.substr(4, 12), v.text("f5star")) == "111111111111");
  CHECK(c.send("0088008011"
               "10" +
               v.text("RAND") + "00") == "9864");  // no GSM access here
}

TEST_CASE("TUAK with a 128-bit MAC: AUTN carries 64 bits, so the context is not supported") {
  auto spec = wide_window(example_spec());
  spec.algorithm = profiles::AkaParameterPe::Algorithm::Tuak;
  const auto& v = vec("tuak.vec", "tuak", 1);
  const Bytes key = v.hex("K");
  spec.k = SecureBytes(key.begin(), key.end());
  const Bytes topc = v.hex("TOPc");
  spec.opc = SecureBytes(topc.begin(), topc.end());
  spec.algorithm_options = 0x09;  // RES 64 (1), MAC 128 (1 << 3)
  NaaCard c(spec);
  REQUIRE(select_usim(c) == "9000");
  const std::string autn =
      xor_hex(v.text("SQN"), v.text("f5")) + v.text("AMF") + v.text("f1").substr(0, 16);
  CHECK(c.send(authenticate(v.text("RAND"), autn)) == "9864");
}

TEST_CASE(
    "Test algorithm (TS 34.108 §8.1.2): the hand-worked vector, RES of 128 bits as in TS.48") {
  const auto& v = vec("aka_test_algorithm.vec", "test_algorithm", 1);
  auto spec = wide_window(example_spec());
  spec.algorithm = profiles::AkaParameterPe::Algorithm::TestAlgorithm;
  const Bytes key = v.hex("K");
  spec.k = SecureBytes(key.begin(), key.end());
  spec.opc.clear();
  NaaCard c(spec);
  REQUIRE(select_usim(c) == "9000");
  CHECK(lower(c.send(authenticate(v.text("RAND"), v.text("AUTN")))) ==
        "db10" + v.text("RES16") + "10" + v.text("CK") + "10" + v.text("IK") + "08" + v.text("Kc") +
            "9000");
  const auto replay = lower(c.send(authenticate(v.text("RAND"), v.text("AUTN"))));
  REQUIRE(replay.substr(0, 4) == "dc0e");
  CHECK(xor_hex(replay.substr(4, 12), v.text("AK")) == "FF9BB4D0B607");
  CHECK(lower(c.send("0088008011"
                     "10" +
                     v.text("RAND") + "00")) ==
        "04" + v.text("SRES16") + "08" + v.text("Kc") + "9000");
}

TEST_CASE(
    "Test algorithm, vector 1: a small SQN is fresh with the default window; RES 64 with options "
    "01") {
  const auto& v = vec("aka_test_algorithm.vec", "test_algorithm", 0);
  auto spec = example_spec();
  spec.algorithm = profiles::AkaParameterPe::Algorithm::TestAlgorithm;
  const Bytes key = v.hex("K");
  spec.k = SecureBytes(key.begin(), key.end());
  spec.opc.clear();
  spec.algorithm_options = 0x01;
  spec.gsm_access = false;
  NaaCard c(spec);
  REQUIRE(select_usim(c) == "9000");
  CHECK(lower(c.send(authenticate(v.text("RAND"), v.text("AUTN")))) ==
        "db08" + v.text("RES8") + "10" + v.text("CK") + "10" + v.text("IK") + "9000");
  // SQN 000000000021 (SEQ 1, IND 1) is now SQN_MS.
  const auto replay = lower(c.send(authenticate(v.text("RAND"), v.text("AUTN"))));
  CHECK(xor_hex(replay.substr(4, 12), v.text("AK")) == "000000000021");
}

TEST_CASE("The ISIM runs IMS AKA with its own SQN array and no Kc") {
  const auto& v = vec("milenage.vec", "milenage", 0);
  const auto& autn = vec("milenage.vec", "autn", 0);
  NaaCard c(wide_window(example_spec()));
  REQUIRE(c.send(std::string("00A4040C0C") + kIsimAid) == "9000");
  CHECK(lower(c.send(authenticate(v.text("RAND"), autn.text("AUTN")))) ==
        "db08" + v.text("f2") + "10" + v.text("f3") + "10" + v.text("f4") + "9000");
  CHECK(c.send("0088008011"
               "10" +
               v.text("RAND") + "00") == "9864");
  // The USIM has not seen that SQN yet.
  REQUIRE(select_usim(c) == "9000");
  CHECK(c.send(authenticate(v.text("RAND"), autn.text("AUTN"))).substr(0, 4) == "DB08");
}

TEST_CASE("AUTHENTICATE: the checks before the algorithm") {
  const std::string zeros(32, '0');
  NaaCard c;
  CHECK(c.send(authenticate(zeros, zeros)) == "6985");  // no application
  REQUIRE(select_usim(c) == "9000");
  CHECK(c.send("0088018122"
               "10" +
               zeros + "10" + zeros) == "6A86");
  CHECK(c.send("0088008422"
               "10" +
               zeros + "10" + zeros) == "9864");  // GBA
  CHECK(c.send("0088000122"
               "10" +
               zeros + "10" + zeros) == "6A86");
  CHECK(c.send("0088008121"
               "10" +
               zeros + "10" + zeros.substr(2)) == "6700");
  CHECK(c.send("0088008122"
               "0F" +
               zeros + "11" + zeros) == "6A80");
  // PIN1 enabled and not verified: 6982.
  CHECK(c.send("0028000108"
               "31323334FFFFFFFF") == "9000");
  c.sim->reset();
  REQUIRE(select_usim(c) == "9000");
  CHECK(c.send(authenticate(zeros, zeros)) == "6982");
  CHECK(c.send("0020000108"
               "31323334FFFFFFFF") == "9000");
  CHECK(c.send(authenticate(zeros, zeros)) == "9862");
}

TEST_CASE(
    "Under T=0 the answer comes through 61xx and GET RESPONSE, as srsRAN's PC/SC USIM reads it") {
  const auto& v = vec("milenage.vec", "milenage", 0);
  NaaCard c(naa_state({built(wide_window(example_spec()))}), sim::Protocol::kT0);
  REQUIRE(select_usim(c) == "9000");
  const std::string cmd =
      "0088008122"
      "10" +
      v.text("RAND") + "10" + vec("milenage.vec", "autn", 0).text("AUTN");
  CHECK(c.send(cmd) == "6135");
  CHECK(lower(c.send("00C0000035")).substr(0, 20) == "db08" + v.text("f2"));
}
