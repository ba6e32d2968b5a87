#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "profile_spec.hpp"

using namespace euiccsim;
using euiccsim::tools::parse_profile_spec;

namespace {

const char* const kSpec = R"({
  "iccid": "8900199000000000004",
  "imsi": "00101987654321",
  "profileName": "lab",
  "profileClass": "operational",
  "spn": "Lab",
  "algorithm": "tuak",
  "k": "00112233445566778899AABBCCDDEEFF",
  "opc": "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF 00112233445566778899AABBCCDDEEFF",
  "pin1": "4321",
  "puk1Retries": 7,
  "isim": {"impi": "user@ims.example", "impu": "sip:user@ims.example", "domain": "ims.example"},
  "gsmAccess": true,
  "mncLength": 3,
  "files": [{"path": "ADF.USIM/EF.HPPLMN", "content": "00"}]
})";

std::string error_of(const std::string& json) {
  try {
    parse_profile_spec(json);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no error)";
}

// kSpec with one more member.
std::string with(const std::string& member) {
  std::string s = kSpec;
  return s.insert(s.rfind('}'), "," + member);
}

}  // namespace

TEST_CASE("a JSON spec becomes a ProfileSpec; absent fields keep their defaults") {
  auto spec = parse_profile_spec(kSpec);
  REQUIRE(spec.iccid);
  CHECK(spec.iccid->str() == "8900199000000000004");
  CHECK(spec.imsi == "00101987654321");
  CHECK(spec.profile_type == "euicc-sim test profile");
  CHECK(spec.profile_name == "lab");
  CHECK(spec.profile_class == profiles::ProfileClass::Operational);
  CHECK(spec.spn == "Lab");
  CHECK(spec.algorithm == profiles::AkaParameterPe::Algorithm::Tuak);
  CHECK(to_hex(spec.k) == "00112233445566778899AABBCCDDEEFF");
  CHECK(spec.opc.size() == 32);
  CHECK(spec.pin1 == "4321");
  CHECK(spec.pin2 == "9999");
  CHECK(spec.puk1_retries == 7);
  CHECK(spec.pin1_retries == 3);
  REQUIRE(spec.isim);
  CHECK(spec.isim->impu == std::vector<std::string>{"sip:user@ims.example"});
  CHECK(spec.gsm_access);
  CHECK_FALSE(spec.telecom);
  CHECK(spec.mnc_length == 3);
  REQUIRE(spec.files.size() == 1);
  CHECK(spec.files[0].path == "ADF.USIM/EF.HPPLMN");
  CHECK(spec.files[0].content == Bytes{0x00});
  CHECK_NOTHROW(profiles::build_profile(spec));
}

TEST_CASE("the example of docs/profile-spec.md parses") {
  // __FILE__ is the path meson gave the compiler, relative to the build directory the tests
  // run in.
  auto example = std::filesystem::path(__FILE__).parent_path() / "../../../docs/examples" /
                 "test-profile.json";
  std::ifstream in(example);
  INFO("reading " << example.string() << " (run from the build directory, as meson test does)");
  REQUIRE(in);
  std::string json((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto spec = parse_profile_spec(json);
  CHECK(spec.iccid->str() == "89001990000000000012");
  REQUIRE(spec.isim);
  CHECK(spec.isim->impu.size() == 2);
  CHECK(spec.files.size() == 2);
}

TEST_CASE("JSON spec errors are one line naming the JSON field") {
  CHECK(error_of(with(R"("colour": "blue")")) == "colour: unknown field");
  CHECK(error_of(R"({"imsi": "001010123456789", "k": "00"})") == "iccid: missing");

  auto bad_iccid = error_of(R"({"iccid": "8900199000000000005", "imsi": "1", "k": "00"})");
  CHECK(bad_iccid.rfind("iccid: ", 0) == 0);
  CHECK(bad_iccid.find('\n') == std::string::npos);

  std::string short_imsi = kSpec;
  short_imsi.replace(short_imsi.find("00101987654321"), 14, "00101");
  CHECK(error_of(short_imsi).rfind("imsi: ", 0) == 0);

  CHECK(error_of(with(R"("telecom": 1)")) == "telecom: true or false expected");
  std::string mnc4 = kSpec;
  mnc4.replace(mnc4.find(R"("mncLength": 3)"), 14, R"("mncLength": 4)");
  CHECK(error_of(mnc4).rfind("mncLength: ", 0) == 0);
  // A member given twice is refused by the JSON reader, before any field is read.
  CHECK(error_of(with(R"("mncLength": 2)")) ==
        "profile spec: not valid JSON (the name 'mncLength' is given twice)");
  CHECK(error_of(with(R"("pin2Retries": 16)")).rfind("pin2Retries: ", 0) == 0);

  std::string bad_key = kSpec;
  bad_key.replace(bad_key.find("00112233445566778899AABBCCDDEEFF"), 2, "0G");
  CHECK(error_of(bad_key).rfind("k: not hex", 0) == 0);

  std::string bad_isim = kSpec;
  bad_isim.replace(bad_isim.find(R"("impu": "sip:user@ims.example")"), 30, R"("impu": ["a", 2])");
  CHECK(error_of(bad_isim) == "isim.impu[1]: a string expected");

  std::string bad_file = kSpec;
  bad_file.replace(bad_file.find("EF.HPPLMN"), 9, "EF.NOPE");
  CHECK(error_of(bad_file).rfind("files[0].path: ", 0) == 0);

  CHECK(error_of("[1, 2]") == "profile spec: a JSON object expected");
  CHECK(error_of("{\"iccid\": 1.5}").rfind("profile spec: not valid JSON", 0) == 0);
}

TEST_CASE("AKA options of a spec: algorithmOptions, keccakIterations, the SQN window") {
  const std::string base = R"({"iccid": "8900199000000000004", "imsi": "00101987654321", )";
  const auto tuak = parse_profile_spec(
      base + R"("algorithm": "tuak", "k": "00112233445566778899AABBCCDDEEFF", "opc": ")" +
      std::string(64, '0') +
      R"(", "algorithmOptions": "09", "keccakIterations": 3, "sqnDelta": "07FFFFFFFFFF"})");
  CHECK(tuak.algorithm_options == std::optional<std::uint8_t>(0x09));
  CHECK(tuak.keccak_iterations == 3);
  CHECK(tuak.sqn_delta == std::optional<Bytes>(from_hex("07FFFFFFFFFF")));
  CHECK_FALSE(tuak.sqn_age_limit);
  const std::string test =
      base + R"("algorithm": "usim-test-algorithm", "k": "00112233445566778899AABBCCDDEEFF", )";
  CHECK(error_of(test + R"("algorithmOptions": "03"})").rfind("algorithmOptions: ", 0) == 0);
  CHECK(error_of(test + R"("algorithmOptions": "0202"})").rfind("algorithmOptions: ", 0) == 0);
  CHECK(error_of(test + R"("sqnDelta": "080000000000"})").rfind("sqnDelta: ", 0) == 0);
  CHECK(error_of(test + R"("sqnAgeLimit": "0000"})").rfind("sqnAgeLimit: ", 0) == 0);
  CHECK(error_of(test + R"("keccakIterations": 0})").rfind("keccakIterations", 0) == 0);
}
