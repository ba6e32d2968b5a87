// The installer on packages written in the test itself: what it builds, and what it refuses.
#include <catch2/catch.hpp>

#include "euiccsim/profiles/installer.hpp"

using namespace euiccsim;
using namespace euiccsim::profiles;

namespace {

const Iccid kIccid = *Iccid::parse("89000123456789012341");

FileItem fcp_item(Fcp fcp) {
  FileItem i;
  i.kind = FileItem::Kind::Fcp;
  i.fcp = std::move(fcp);
  return i;
}
FileItem content(const std::string& hex) {
  FileItem i;
  i.kind = FileItem::Kind::FillContent;
  i.data = from_hex(hex);
  return i;
}
Fcp ef(const std::string& descriptor, const std::string& fid, const std::string& size,
       const std::string& arr, std::optional<std::string> sfi = std::nullopt) {
  Fcp f;
  f.file_descriptor = from_hex(descriptor);
  f.file_id = from_hex(fid);
  f.ef_file_size = from_hex(size);
  f.security_attributes = from_hex(arr);
  if (sfi) f.short_ef_id = from_hex(*sfi);
  return f;
}

ProfileElement pe(std::string kind, PeValue value) {
  ProfileElement p;
  p.kind = std::move(kind);
  p.value = std::move(value);
  return p;
}

ProfileElement header_pe(const Iccid& iccid = kIccid) {
  ProfileHeader h;
  h.major_version = 2;
  h.minor_version = 3;
  h.profile_type = "unit test";
  h.iccid = iccid.plain_bcd();
  h.mandatory_services.names = {"usim", "milenage"};
  h.mandatory_gfste = {"2.23.143.1.2.1", "2.23.143.1.2.4"};
  return pe("header", h);
}

ProfileElement mf_pe(const Iccid& iccid = kIccid) {
  TemplatePe t;
  t.pe = "mf";
  t.header = {true, 1};
  t.template_oid = "2.23.143.1.2.1";
  Fcp mf;
  mf.file_descriptor = from_hex("7821");
  mf.file_id = from_hex("3F00");
  mf.security_attributes = from_hex("2F0601");
  mf.pin_status_template = from_hex("90017083010183010A");
  t.members.push_back({"mf", {fcp_item(mf)}});
  t.members.push_back({"ef-iccid", {fcp_item(ef("4121", "2FE2", "0A", "2F0603", "10")),
                                    content(to_hex(iccid.swapped_bcd()))}});
  t.members.push_back({"ef-dir", {fcp_item(ef("42210026", "2F00", "4C", "2F0602", "F0")),
                                  content("61184F10A0000000871002FF49FF0589FFFFFFFF50045553494D")}});
  t.members.push_back({"ef-arr", {fcp_item(ef("42210020", "2F06", "80", "2F0602")),
                                  content("800101A40683010A950108")}});
  return pe("mf", t);
}

// A USIM with two files given in full (EF.IMSI, EF.AD) and EF.ARR, whose records only the PE can
// give; the template creates the others with its defaults.
ProfileElement usim_pe() {
  TemplatePe t;
  t.pe = "usim";
  t.header = {true, 2};
  t.template_oid = "2.23.143.1.2.4";
  Fcp adf;
  adf.file_descriptor = from_hex("7821");
  adf.file_id = from_hex("7FF1");
  adf.df_name = from_hex("A0000000871002FF49FF0589");
  adf.security_attributes = from_hex("2F0601");
  adf.pin_status_template = from_hex("90017083010183018183010A");
  t.members.push_back({"adf-usim", {fcp_item(adf)}});
  t.members.push_back({"ef-imsi", {fcp_item(ef("4121", "6F07", "09", "6F0602", "38")),
                                   content("080910101032547698")}});
  t.members.push_back({"ef-arr", {fcp_item(ef("42210020", "6F06", "40", "6F0602")),
                                  content("800101A40683010A950108")}});
  for (const char* mandatory : {"ef-ust", "ef-spn", "ef-est", "ef-acc", "ef-ecc"})
    t.members.push_back({mandatory, {}});
  t.members.push_back({"ef-ad", {fcp_item(ef("4121", "6FAD", "04", "6F0602", "18")),
                                 content("00000003")}});
  return pe("usim", t);
}

ProfileElement pin_pe(std::uint16_t id) {
  PinCodesPe p;
  p.header = {true, id};
  PinConfig pin1;
  pin1.key_reference = 1;
  pin1.value = from_hex("31323334FFFFFFFF");
  pin1.unblocking_reference = 1;
  pin1.attempts = 0x33;
  p.pins.push_back(pin1);
  return pe("pinCodes", p);
}

ProfileElement puk_pe(std::uint16_t id) {
  PukCodesPe p;
  p.header = {true, id};
  PukConfig puk;
  puk.key_reference = 1;
  puk.value = from_hex("3132333435363738");
  p.puks.push_back(puk);
  return pe("pukCodes", p);
}

ProfileElement aka_pe(std::uint16_t id) {
  AkaParameterPe a;
  a.header = {true, id};
  a.algorithm = AkaParameterPe::Algorithm::Milenage;
  a.algorithm_options = {0x00};
  auto k = from_hex("000102030405060708090A0B0C0D0E0F");
  auto opc = from_hex("0F0E0D0C0B0A09080706050403020100");
  a.key = SecureBytes(k.begin(), k.end());
  a.opc = SecureBytes(opc.begin(), opc.end());
  return pe("akaParameter", a);
}

ProfileElement end_pe(std::uint16_t id) { return pe("end", EndPe{{true, id}}); }

std::vector<ProfileElement> minimal() {
  return {header_pe(), mf_pe(), puk_pe(3), pin_pe(4), usim_pe(), aka_pe(5), end_pe(6)};
}

// Runs the package through DER, as it reaches a card.
InstalledProfile install(const std::vector<ProfileElement>& pes, InstallOptions options = {}) {
  return install_package(encode_package(pes), options);
}

InstallError install_error(const std::vector<ProfileElement>& pes, InstallOptions options = {}) {
  try {
    install(pes, std::move(options));
  } catch (const InstallError& e) {
    return e;
  }
  FAIL("the package installed");
  throw;
}

}  // namespace

TEST_CASE("a minimal package installs and every file reads back with its FCP") {
  InstalledProfile p = install(minimal());
  CHECK(p.iccid == kIccid);
  CHECK(p.pe_count == 7);

  const FileNode* iccid = p.find({0x2FE2});
  REQUIRE(iccid);
  CHECK(to_hex(iccid->content) == "98001032547698103214");
  CHECK(to_hex(iccid->fcp()) == "621782024121" "83022FE2" "8A0105" "8B032F0603" "8002000A" "880110");

  const FileNode* dir = p.find({0x2F00});
  REQUIRE(dir);
  CHECK(dir->records == 2);
  CHECK(dir->record_length == 0x26);
  CHECK(dir->sfi == 0x1E);
  CHECK(to_hex(dir->fcp()) ==
        "621A820542210026" "02" "83022F00" "8A0105" "8B032F0602" "8002004C" "8801F0");
  // The record was written, the rest of the file keeps the default 'FF' filling.
  CHECK(to_hex(ByteView(dir->content).first(4)) == "61184F10");
  CHECK(dir->content.back() == 0xFF);

  const FileNode* adf = p.find({0x7FF1});
  REQUIRE(adf);
  CHECK(adf->type == FileType::Adf);
  CHECK(to_hex(adf->fcp()) == "622882027821" "840CA0000000871002FF49FF0589" "8A0105" "8B032F0601"
                              "C60C90017083010183018183010A");
  const FileNode* imsi = p.find({0x7FF1, 0x6F07});
  REQUIRE(imsi);
  CHECK(to_hex(imsi->fcp()) == "621782024121" "83026F07" "8A0105" "8B036F0602" "80020009" "880138");
  CHECK(to_hex(imsi->content) == "080910101032547698");
  const FileNode* ad = p.find({0x7FF1, 0x6FAD});
  REQUIRE(ad);
  CHECK(to_hex(ad->fcp()) == "621782024121" "83026FAD" "8A0105" "8B036F0602" "80020004" "880118");
  CHECK(to_hex(ad->content) == "00000003");
  // Files the template creates by default, with its FCP defaults (record 5 of EF.ARR 6F06).
  const FileNode* sms = p.find({0x7FF1, 0x6F3C});
  REQUIRE(sms);
  CHECK(sms->type == FileType::LinearFixed);
  CHECK(sms->records == 10);
  CHECK(sms->record_length == 176);
  CHECK(to_hex(sms->security_attributes) == "6F0605");
  CHECK(sms->content.size() == 1760);
  CHECK(sms->content[0] == 0x00);
  CHECK(sms->content[1] == 0xFF);
  const FileNode* spn = p.find({0x7FF1, 0x6F46});
  REQUIRE(spn);
  CHECK(spn->size() == 17);

  CHECK(p.imsi() == "001010123456789");
  const Naa* usim = p.naa(Naa::Kind::Usim);
  REQUIRE(usim);
  CHECK(usim->algorithm == 1);
  CHECK(to_hex(ByteView(usim->key.data(), usim->key.size())) == "000102030405060708090A0B0C0D0E0F");
  CHECK(to_hex(usim->rotation_constants) == "4000204060");  // the specified default
  CHECK(usim->sqn.size() == 32);

  REQUIRE(p.pins.size() == 1);
  CHECK(p.pins[0].max_attempts == 3);
  CHECK(p.pins[0].remaining == 3);
  REQUIRE(p.puks.size() == 1);
  CHECK(p.puks[0].max_attempts == 10);
  CHECK(p.puks[0].remaining == 10);
}

TEST_CASE("the installed profile survives its card-image form") {
  InstalledProfile p = install(minimal());
  InstalledProfile back = deserialize_profile(serialize(p));
  CHECK(serialize(back) == serialize(p));
  CHECK(back.imsi() == "001010123456789");
  CHECK(back.find({0x7FF1, 0x6FAD})->fcp() == p.find({0x7FF1, 0x6FAD})->fcp());
}

TEST_CASE("the package may arrive in pieces of any size") {
  Bytes der = encode_package(minimal());
  for (std::size_t piece : {1u, 7u, 100u}) {
    Installer installer;
    for (std::size_t i = 0; i < der.size(); i += piece)
      installer.push(ByteView(der).subspan(i, std::min(piece, der.size() - i)));
    CHECK(installer.finish().imsi() == "001010123456789");
  }
}

TEST_CASE("bad packages name the failing PE and the PEStatus") {
  SECTION("no end PE") {
    auto pes = minimal();
    pes.pop_back();
    auto e = install_error(pes);
    CHECK(e.status == PeStatusCode::InvalidRequestFormat);
    CHECK(std::string(e.what()).find("end PE") != std::string::npos);
  }
  SECTION("a PE after the end PE") {
    auto pes = minimal();
    pes.push_back(aka_pe(9));
    auto e = install_error(pes);
    CHECK(e.pe_index == 7);
    CHECK(e.pe_kind == "akaParameter");
    CHECK(e.identification == 9);
  }
  SECTION("an unknown template OID") {
    auto pes = minimal();
    std::get<TemplatePe>(pes[4].value).template_oid = "2.23.143.1.2.99";
    auto e = install_error(pes);
    CHECK(e.pe_index == 4);
    CHECK(e.status == PeStatusCode::TemplateNotSupported);
    CHECK(e.describe() == "PE #4 (usim, identification 2): unknown template OID 2.23.143.1.2.99 "
                          "[template-not-supported]");
  }
  SECTION("file content longer than its file") {
    auto pes = minimal();
    std::get<TemplatePe>(pes[4].value).members.back().file[1] = content("0000000203");
    auto e = install_error(pes);
    CHECK(e.pe_index == 4);
    CHECK(e.status == PeStatusCode::BadValues);
    CHECK(std::string(e.what()) == "content of 5 bytes for EF.AD (6FAD) of 4 bytes");
  }
  SECTION("an ICCID the card already has") {
    InstallOptions o;
    o.existing_iccids = {kIccid};
    auto e = install_error(minimal(), o);
    CHECK(e.pe_index == 0);
    CHECK(e.failure == InstallFailure::IccidAlreadyExists);
  }
  SECTION("the header names another ICCID than the one announced (StoreMetadata)") {
    InstallOptions o;
    o.expected_iccid = *Iccid::parse("89000123456789012358");
    auto e = install_error(minimal(), o);
    CHECK(e.pe_index == 0);
    CHECK(e.status == PeStatusCode::BadValues);
    CHECK(e.failure == InstallFailure::DataMismatch);
    o.expected_iccid = kIccid;
    CHECK_NOTHROW(install_package(encode_package(minimal()), o));
  }
  SECTION("EF.ICCID disagrees with the header") {
    auto pes = minimal();
    pes[1] = mf_pe(*Iccid::parse("89000123456789012358"));
    auto e = install_error(pes);
    CHECK(e.failure == InstallFailure::DataMismatch);
  }
  SECTION("a mandatory service the card lacks") {
    auto pes = minimal();
    std::get<ProfileHeader>(pes[0].value).mandatory_services.names.push_back("multos");
    CHECK(install_error(pes).status == PeStatusCode::RuntimeNotSupported);
  }
  SECTION("a PIN naming a PUK that does not exist") {
    auto pes = minimal();
    std::swap(pes[2], pes[3]);  // PINs before PUKs
    CHECK(install_error(pes).status == PeStatusCode::PinCodeMissing);
  }
  SECTION("the header is not first") {
    auto pes = minimal();
    std::swap(pes[0], pes[1]);
    auto e = install_error(pes);
    CHECK(e.pe_index == 0);
    CHECK(e.status == PeStatusCode::InvalidRequestFormat);
  }
  SECTION("two PEs with one identification") {
    auto pes = minimal();
    std::get<AkaParameterPe>(pes[5].value).header.identification = 2;
    CHECK(install_error(pes).status == PeStatusCode::BadValues);
  }
  SECTION("directories nested too deep") {
    GenericFileManagementPe g;
    g.header = {false, 7};
    File command;
    for (int i = 0; i < 6; ++i) {
      Fcp df;
      df.file_descriptor = from_hex("7821");
      df.file_id = Bytes{0x5F, static_cast<std::uint8_t>(0x10 + i)};
      df.pin_status_template = from_hex("90017083010183010A");
      command.push_back(fcp_item(df));  // each DF created becomes the current directory
    }
    g.commands.push_back(command);
    auto pes = minimal();
    pes.insert(pes.end() - 1, pe("genericFileManagement", g));
    auto e = install_error(pes);
    CHECK(e.pe_kind == "genericFileManagement");
    CHECK(std::string(e.what()).find("nested deeper") != std::string::npos);
  }
  SECTION("not enough memory") {
    InstallOptions o;
    o.free_memory = 100;
    CHECK(install_error(minimal(), o).failure == InstallFailure::InsufficientMemory);
  }
}
