#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "euiccsim/profiles/builder.hpp"
#include "euiccsim/profiles/installer.hpp"
#include "euiccsim/profiles/package.hpp"

using namespace euiccsim;
using namespace euiccsim::profiles;

namespace {

SecureBytes secure(std::string_view hex) {
  Bytes b = from_hex(hex);
  return SecureBytes(b.begin(), b.end());
}

ProfileSpec minimal_spec() {
  ProfileSpec s;
  s.iccid = Iccid::parse("89000123456789012341");
  s.imsi = "001010123456789";
  s.spn = "euicc-sim";
  s.k = secure("000102030405060708090A0B0C0D0E0F");
  s.opc = secure("F0E0D0C0B0A090807060504030201000");
  return s;
}

ProfileSpec full_spec() {
  ProfileSpec s = minimal_spec();
  s.telecom = s.gsm_access = s.df_5gs = s.df_saip = true;
  s.isim = IsimSpec{"001010123456789@ims.mnc001.mcc001.3gppnetwork.org",
                    {"sip:001010123456789@ims.mnc001.mcc001.3gppnetwork.org", "tel:+15550100"},
                    "ims.mnc001.mcc001.3gppnetwork.org"};
  return s;
}

// Through DER and back, as a card receives it.
std::vector<ProfileElement> round_trip(const ProfileSpec& s) {
  return decode_package(encode_package(build_profile(s)));
}

std::vector<std::string> kinds(const std::vector<ProfileElement>& pes) {
  std::vector<std::string> out;
  for (const auto& pe : pes) out.push_back(pe.kind);
  return out;
}

const TemplatePe& template_pe(const std::vector<ProfileElement>& pes, std::string_view kind) {
  for (const auto& pe : pes)
    if (pe.kind == kind) return std::get<TemplatePe>(pe.value);
  FAIL("no " << kind << " PE");
  throw std::logic_error("unreachable");
}

const File& member(const TemplatePe& t, std::string_view name) {
  for (const auto& m : t.members)
    if (m.name == name) return m.file;
  FAIL("no member " << name << " in " << t.pe);
  throw std::logic_error("unreachable");
}

const Fcp& fcp_of(const File& f) {
  REQUIRE_FALSE(f.empty());
  REQUIRE(f.front().kind == FileItem::Kind::Fcp);
  return f.front().fcp;
}

// The fill contents of a file, one after another (the builder writes no offsets).
std::string content_hex(const File& f) {
  Bytes out;
  for (const auto& item : f) {
    CHECK(item.kind != FileItem::Kind::FillOffset);
    if (item.kind == FileItem::Kind::FillContent)
      out.insert(out.end(), item.data.begin(), item.data.end());
  }
  return to_hex(out);
}

std::string error_of(const ProfileSpec& s) {
  try {
    build_profile(s);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no error)";
}

bool starts_with(const std::string& s, std::string_view prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace

TEST_CASE("a minimal spec gives a USIM profile that survives DER unchanged") {
  auto pes = build_profile(minimal_spec());
  Bytes der = encode_package(pes);
  auto back = decode_package(der);
  CHECK(kinds(back) == std::vector<std::string>{"header", "mf", "pukCodes", "pinCodes", "usim",
                                                "pinCodes", "akaParameter", "end"});
  CHECK(encode_package(back) == der);

  // Identification numbers: unique and increasing, every PE mandated.
  int last = 0;
  for (const auto& pe : back) {
    if (pe.kind == "header") continue;
    REQUIRE(pe.header() != nullptr);
    CHECK(pe.header()->identification > last);
    CHECK(pe.header()->mandated);
    last = pe.header()->identification;
  }

  const auto& h = std::get<ProfileHeader>(back[0].value);
  CHECK(h.major_version == 2);
  CHECK(h.minor_version == 3);
  CHECK(h.profile_type == "euicc-sim test profile");
  CHECK(h.mandatory_services.names == std::vector<std::string>{"usim", "milenage"});
  CHECK(h.mandatory_gfste == std::vector<std::string>{"2.23.143.1.2.1", "2.23.143.1.2.4"});
}

TEST_CASE("every optional part, in the order the templates need") {
  auto pes = round_trip(full_spec());
  CHECK(kinds(pes) == std::vector<std::string>{"header", "mf", "pukCodes", "pinCodes", "telecom",
                                               "usim", "pinCodes", "akaParameter", "gsm-access",
                                               "df-5gs", "df-saip", "isim", "pinCodes",
                                               "akaParameter", "end"});
  const auto& h = std::get<ProfileHeader>(pes[0].value);
  CHECK(h.mandatory_services.names == std::vector<std::string>{"usim", "isim", "milenage"});
  CHECK(h.mandatory_gfste == std::vector<std::string>{"2.23.143.1.2.1", "2.23.143.1.2.3",
                                                      "2.23.143.1.2.4", "2.23.143.1.2.7",
                                                      "2.23.143.1.2.13", "2.23.143.1.2.14",
                                                      "2.23.143.1.2.8"});

  // EF.DIR: one record per application (61 { 4F AID, 50 label }).
  const auto& dir = member(template_pe(pes, "mf"), "ef-dir");
  CHECK(to_hex(*fcp_of(dir).file_descriptor) == "42210016");
  CHECK(content_hex(dir) ==
        "61144F0CA0000000871002FF49FF058950045553494D"
        "61144F0CA0000000871004FF49FF058950044953494D");

  const auto& isim = template_pe(pes, "isim");
  CHECK(to_hex(*fcp_of(member(isim, "adf-isim")).df_name) == "A0000000871004FF49FF0589");
  CHECK(starts_with(content_hex(member(isim, "ef-impu")),
                    "80357369703A303031303130313233343536373839"));
}

TEST_CASE("every mandatory USIM member is there, in ASN.1 order, with a full FCP") {
  const auto pes = round_trip(minimal_spec());
  const auto& usim = template_pe(pes, "usim");
  std::vector<std::string> names;
  for (const auto& m : usim.members) names.push_back(m.name);
  CHECK(names == std::vector<std::string>{
                     "adf-usim",  "ef-imsi",   "ef-arr",     "ef-keys",      "ef-keysPS",
                     "ef-hpplmn", "ef-ust",    "ef-fdn",     "ef-sms",       "ef-smsp",
                     "ef-smss",   "ef-spn",    "ef-est",     "ef-start-hfn", "ef-threshold",
                     "ef-psloci", "ef-acc",    "ef-fplmn",   "ef-loci",      "ef-ad",
                     "ef-ecc",    "ef-netpar", "ef-epsloci", "ef-epsnsc"});
  CHECK(usim.template_oid == "2.23.143.1.2.4");

  const auto& adf = fcp_of(member(usim, "adf-usim"));
  CHECK(to_hex(*adf.file_descriptor) == "7821");
  CHECK(to_hex(*adf.df_name) == "A0000000871002FF49FF0589");
  CHECK(to_hex(*adf.lcsi) == "05");
  CHECK(to_hex(*adf.security_attributes) == "2F060E");
  CHECK(to_hex(*adf.pin_status_template) == "01810A");

  const auto& imsi = fcp_of(member(usim, "ef-imsi"));
  CHECK(to_hex(*imsi.file_descriptor) == "4121");
  CHECK(to_hex(*imsi.file_id) == "6F07");
  CHECK(to_hex(*imsi.security_attributes) == "6F0602");  // read PIN1, update ADM1
  CHECK(to_hex(*imsi.ef_file_size) == "09");
  CHECK(to_hex(*imsi.short_ef_id) == "38");  // SFI 07
  // No SFI for EF.SPN: said with an empty shortEFID.
  CHECK(member(usim, "ef-spn").front().fcp.short_ef_id == Bytes{});

  // Every member but the ADF carries its whole content.
  for (const auto& m : usim.members) {
    if (m.name == "adf-usim") continue;
    INFO(m.name);
    const auto& f = fcp_of(m.file);
    REQUIRE(f.ef_file_size);
    std::size_t size = 0;
    for (auto b : *f.ef_file_size) size = size << 8 | b;
    CHECK(content_hex(m.file).size() == 2 * size);
  }
}

TEST_CASE("the card installs what the builder makes") {
  auto profile = install_package(encode_package(build_profile(full_spec())));
  CHECK(profile.iccid.str() == "89000123456789012341");
  CHECK(profile.imsi() == "001010123456789");
  CHECK(profile.naas.size() == 2);
  const Naa* usim = profile.naa(Naa::Kind::Usim);
  REQUIRE(usim != nullptr);
  CHECK(to_hex(usim->key) == "000102030405060708090A0B0C0D0E0F");
  // Every file of the tree is one the builder gave: none came from a template default.
  CHECK(profile.mf.children.size() == 8);  // 5 EFs, DF.TELECOM, ADF.USIM, ADF.ISIM
  const FileNode* adf_usim = profile.mf.child(0x7FD0);
  REQUIRE(adf_usim != nullptr);
  CHECK(adf_usim->children.size() == 26);  // 23 EFs, DF.GSM-ACCESS, DF.5GS, DF.SAIP
}

TEST_CASE("ICCID: plain BCD in the header, swapped in EF.ICCID") {
  auto pes = round_trip(minimal_spec());
  CHECK(to_hex(std::get<ProfileHeader>(pes[0].value).iccid) == "89000123456789012341");
  CHECK(content_hex(member(template_pe(pes, "mf"), "ef-iccid")) == "98001032547698103214");
}

TEST_CASE("EF.IMSI, EF.ACC and EF.AD follow the IMSI and the MNC length") {
  auto pes = round_trip(minimal_spec());
  const auto& usim = template_pe(pes, "usim");
  CHECK(content_hex(member(usim, "ef-imsi")) == "080910101032547698");
  CHECK(content_hex(member(usim, "ef-acc")) == "0200");  // last digit 9: access class 9
  CHECK(content_hex(member(usim, "ef-ad")) == "00000002");
  CHECK(content_hex(member(usim, "ef-spn")) == "0165756963632D73696DFFFFFFFFFFFFFF");

  ProfileSpec even = minimal_spec();
  even.imsi = "00101012345670";  // 14 digits: parity nibble 1, 'F' filler
  even.mnc_length = 3;
  const auto even_pes = round_trip(even);
  const auto& usim2 = template_pe(even_pes, "usim");
  CHECK(content_hex(member(usim2, "ef-imsi")) == "0801101010325476F0");
  CHECK(content_hex(member(usim2, "ef-acc")) == "0001");
  CHECK(content_hex(member(usim2, "ef-ad")) == "00000003");
}

TEST_CASE("AKA parameters round-trip; defaults are left to the format") {
  for (const auto& pe : round_trip(full_spec())) {
    if (pe.kind != "akaParameter") continue;
    const auto& a = std::get<AkaParameterPe>(pe.value);
    CHECK(a.algorithm == AkaParameterPe::Algorithm::Milenage);
    CHECK(to_hex(a.algorithm_options) == "00");
    CHECK(to_hex(a.key) == "000102030405060708090A0B0C0D0E0F");
    CHECK(to_hex(a.opc) == "F0E0D0C0B0A090807060504030201000");
    CHECK_FALSE(a.rotation_constants);
    CHECK_FALSE(a.xoring_constants);
    CHECK_FALSE(a.sqn_options);
    CHECK(a.sqn_init.empty());
  }

  ProfileSpec tuak = minimal_spec();
  tuak.algorithm = AkaParameterPe::Algorithm::Tuak;
  tuak.k = secure("00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF");
  tuak.opc = tuak.k;
  auto pes = round_trip(tuak);
  CHECK(std::get<ProfileHeader>(pes[0].value).mandatory_services.names ==
        std::vector<std::string>{"usim", "tuak256"});
  CHECK(std::get<AkaParameterPe>(pes[6].value).key.size() == 32);

  ProfileSpec test = minimal_spec();
  test.algorithm = AkaParameterPe::Algorithm::TestAlgorithm;
  test.opc.clear();
  const auto test_pes = round_trip(test);
  const auto& a = std::get<AkaParameterPe>(test_pes[6].value);
  CHECK(a.algorithm == AkaParameterPe::Algorithm::TestAlgorithm);
  CHECK(to_hex(a.opc) == std::string(32, '0'));
}

TEST_CASE("PINs and PUKs: ASCII digits padded with FF, references, retry counters") {
  ProfileSpec s = minimal_spec();
  s.pin1 = "1234";
  s.pin1_retries = 5;
  s.adm1 = "0102030405060708";  // 16 hex digits: the bytes themselves
  auto pes = round_trip(s);
  const auto& puks = std::get<PukCodesPe>(pes[2].value).puks;
  REQUIRE(puks.size() == 2);
  CHECK(puks[0].key_reference == 1);
  CHECK(to_hex(puks[0].value) == "3131313131313131");
  CHECK(puks[1].key_reference == 129);
  CHECK(puks[1].attempts == 0xAA);

  const auto& global = std::get<PinCodesPe>(pes[3].value).pins;
  REQUIRE(global.size() == 2);
  CHECK(global[0].key_reference == 1);
  CHECK(to_hex(global[0].value) == "31323334FFFFFFFF");
  CHECK(global[0].unblocking_reference == 1);
  CHECK(global[0].attempts == 0x55);
  CHECK(global[1].key_reference == 10);
  CHECK(to_hex(global[1].value) == "0102030405060708");
  CHECK_FALSE(global[1].unblocking_reference);

  const auto& local = std::get<PinCodesPe>(pes[5].value).pins;
  REQUIRE(local.size() == 1);
  CHECK(local[0].key_reference == 129);  // secondPINAppl1: PIN2
  CHECK(to_hex(local[0].value) == "39393939FFFFFFFF");
  CHECK(local[0].unblocking_reference == 129);
}

TEST_CASE("file overrides replace a file's content, padded with FF") {
  ProfileSpec s = full_spec();
  s.files = {{"adf.usim/ef.hpplmn", from_hex("00")},
             {"ADF.USIM/DF.5GS/EF.ROUTING_INDICATOR", from_hex("1234")},
             {"EF.PL", from_hex("6465")}};
  auto pes = round_trip(s);
  CHECK(content_hex(member(template_pe(pes, "usim"), "ef-hpplmn")) == "00");
  CHECK(content_hex(member(template_pe(pes, "df-5gs"), "ef-routing-indicator")) == "1234FFFF");
  CHECK(content_hex(member(template_pe(pes, "mf"), "ef-pl")) == "6465FFFFFFFF");
}

TEST_CASE("bad specs are refused with the field named") {
  ProfileSpec s = minimal_spec();
  s.iccid = Iccid::parse("89000123456789012342");  // wrong check digit: nothing parsed
  CHECK(starts_with(error_of(s), "iccid: "));

  s = minimal_spec();
  s.imsi = "00101";
  CHECK(starts_with(error_of(s), "imsi: "));
  s.imsi = "00101012345678A";
  CHECK(starts_with(error_of(s), "imsi: "));

  s = minimal_spec();
  s.k = secure("000102030405060708090A0B0C0D0E");
  CHECK(starts_with(error_of(s), "k: 15 bytes"));
  s.k = secure("00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF");
  CHECK(starts_with(error_of(s), "k: 32 bytes"));  // only TUAK takes 256-bit keys

  s = minimal_spec();
  s.opc.clear();
  CHECK(starts_with(error_of(s), "opc: "));

  s = minimal_spec();
  s.spn = "a[b]";
  CHECK(starts_with(error_of(s), "spn: "));
  s.spn = "seventeen chars!!";
  CHECK(starts_with(error_of(s), "spn: "));

  s = minimal_spec();
  s.pin1 = "12";
  CHECK(starts_with(error_of(s), "pin1: "));
  s = minimal_spec();
  s.puk2 = "1234567";
  CHECK(starts_with(error_of(s), "puk2: "));
  s = minimal_spec();
  s.adm1_retries = 0;
  CHECK(starts_with(error_of(s), "adm1_retries: "));
  s = minimal_spec();
  s.mnc_length = 4;
  CHECK(starts_with(error_of(s), "mnc_length: "));

  s = full_spec();
  s.isim->impu.push_back("");
  CHECK(starts_with(error_of(s), "isim.impu[2]: "));

  s = minimal_spec();
  s.files = {{"ADF.USIM/EF.SPN", from_hex("00")}, {"ADF.USIM/EF.GID1", from_hex("00")}};
  CHECK(starts_with(error_of(s), "files[1].path: "));  // no EF.GID1 in this profile
  s.files = {{"ADF.ISIM/EF.IMPI", from_hex("00")}};
  CHECK(starts_with(error_of(s), "files[0].path: "));  // no ISIM asked for
  s.files = {{"ADF.USIM", from_hex("00")}};
  CHECK(starts_with(error_of(s), "files[0].path: "));
  s.files = {{"EF.ICCID", from_hex("98")}};
  CHECK(starts_with(error_of(s), "files[0].path: "));
  s.files = {{"ADF.USIM/EF.IMSI", Bytes(10, 0)}};
  CHECK(starts_with(error_of(s), "files[0].content: "));
  s.files = {{"EF.PL", from_hex("00")}, {"ef.pl", from_hex("00")}};
  CHECK(starts_with(error_of(s), "files[1].path: "));
}

TEST_CASE(
    "AKA options: the test algorithm's 128-bit RES by default, the spec's options and SQN window") {
  ProfileSpec test = minimal_spec();
  test.algorithm = AkaParameterPe::Algorithm::TestAlgorithm;
  test.opc.clear();
  CHECK(to_hex(std::get<AkaParameterPe>(round_trip(test)[6].value).algorithm_options) == "02");
  ProfileSpec tuak = minimal_spec();
  tuak.algorithm = AkaParameterPe::Algorithm::Tuak;
  tuak.opc = secure(std::string(64, '1'));
  tuak.algorithm_options = 0x01;
  tuak.keccak_iterations = 2;
  tuak.sqn_delta = from_hex("07FFFFFFFFFF");
  const auto pes = round_trip(tuak);
  const auto& a = std::get<AkaParameterPe>(pes[6].value);
  CHECK(to_hex(a.algorithm_options) == "01");
  CHECK(a.number_of_keccak == std::optional<std::uint8_t>(2));
  CHECK(a.sqn_delta == std::optional<Bytes>(from_hex("07FFFFFFFFFF")));
  tuak.algorithm_options = 0x18;  // MAC code 3: no such length
  CHECK_THROWS_WITH(build_profile(tuak), Catch::StartsWith("algorithm_options"));
  tuak.algorithm_options.reset();
  tuak.sqn_delta = from_hex("080000000000");
  CHECK_THROWS_WITH(build_profile(tuak), Catch::StartsWith("sqn_delta"));
}

TEST_CASE("GSM access comes with the GSM security context in EF.UST (services 27 and 38)") {
  ProfileSpec spec = minimal_spec();
  spec.gsm_access = true;
  const Bytes ust = from_hex(content_hex(member(template_pe(round_trip(spec), "usim"), "ef-ust")));
  CHECK((ust.at(3) & 0x04) != 0);  // service 27: byte 4, bit 3
  CHECK((ust.at(4) & 0x20) != 0);  // service 38: byte 5, bit 6
  spec.gsm_access = false;
  const Bytes without =
      from_hex(content_hex(member(template_pe(round_trip(spec), "usim"), "ef-ust")));
  CHECK((without.at(3) & 0x04) == 0);
  CHECK((without.at(4) & 0x20) == 0);
}
