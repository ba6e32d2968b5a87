// The GSMA TS.48 generic test profiles of ../shared/reference/profiles: decoded, validated and
// installed. The reference tree is not part of the repository; without it the test reports
// itself skipped (exit 77), as meson expects.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>

#include "../support/vec_file.hpp"
#include "euiccsim/profiles/asn1.hpp"
#include "euiccsim/profiles/installer.hpp"

using namespace euiccsim;
using namespace euiccsim::profiles;
namespace fs = std::filesystem;

namespace {

using test::reference_dir;

Bytes read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

const char* const kProfiles[] = {"TS48v1_A.der", "TS48v2_SAIP2.1_BERTLV.der",
                                 "TS48v3_SAIP2.3_NoBERTLV.der", "TS48v4_SAIP2.1A_NoBERTLV.der"};

std::vector<std::uint16_t> fids(const FileNode& dir) {
  std::vector<std::uint16_t> out;
  for (const auto& c : dir.children) out.push_back(c.fid);
  std::sort(out.begin(), out.end());
  return out;
}

std::size_t count(const FileNode& f) {
  std::size_t n = 1;
  for (const auto& c : f.children) n += count(c);
  return n;
}

}  // namespace

TEST_CASE("every TS.48 reference profile decodes, re-encodes identically and installs") {
  for (const char* name : kProfiles) {
    INFO(name);
    Bytes der = read(reference_dir() / "profiles" / name);
    REQUIRE(der.size() > 10000);
    auto pes = decode_package(der);
    CHECK(encode_package(pes) == der);

    InstalledProfile p = install_package(der);
    CHECK(p.iccid.str() == "89000123456789012341");
    // The header carries the digits in plain order.
    CHECK(to_hex(std::get<ProfileHeader>(pes[0].value).iccid) == "89000123456789012341");
    CHECK(p.imsi() == "001010123456063");

    const Naa* usim = p.naa(Naa::Kind::Usim);
    REQUIRE(usim);
    CHECK(to_hex(usim->aid) == "A0000000871002FF49FF0589");
    CHECK(usim->algorithm == 3);  // TS.48 profiles use the USIM test algorithm
    CHECK(usim->key.size() == 16);
    const Naa* isim = p.naa(Naa::Kind::Isim);
    REQUIRE(isim);
    CHECK(to_hex(isim->aid).rfind("A0000000871004", 0) == 0);

    // PIN1 (global, key reference 1) and PUK1 with their retry counters.
    auto pin1 = std::find_if(p.pins.begin(), p.pins.end(),
                             [](const PinObject& x) { return x.key_reference == 1; });
    REQUIRE(pin1 != p.pins.end());
    CHECK(pin1->max_attempts == 3);
    CHECK(pin1->remaining == 3);
    CHECK(pin1->unblocking_reference == 1);
    auto puk1 = std::find_if(p.puks.begin(), p.puks.end(),
                             [](const PinObject& x) { return x.key_reference == 1; });
    REQUIRE(puk1 != p.puks.end());
    CHECK(puk1->max_attempts == 10);
    CHECK(puk1->remaining == 10);

    const FileNode* adf_usim = p.find({usim->adf_fid});
    REQUIRE(adf_usim);
    const FileNode* adf_isim = p.find({isim->adf_fid});
    REQUIRE(adf_isim);
    INFO("USIM files: " << fids(*adf_usim).size() << ", ISIM files: " << fids(*adf_isim).size());
    // EF.IMSI, EF.UST, EF.SPN, EF.ACC are where TS 31.102 puts them.
    for (std::uint16_t fid : {0x6F07, 0x6F38, 0x6F46, 0x6F78, 0x6FAD, 0x6F06})
      CHECK(adf_usim->child(fid) != nullptr);
    for (std::uint16_t fid : {0x6F02, 0x6F04, 0x6F03, 0x6F07, 0x6FAD, 0x6F06})
      CHECK(adf_isim->child(fid) != nullptr);
  }
}

TEST_CASE("the number and identities of USIM and ISIM files per reference profile") {
  // Counted from the PEs' own FCPs (usim, opt-usim, gsm-access, df-5gs, df-saip and the files
  // genericFileManagement creates in the ADF) with an independent BER walk.
  struct Expect {
    const char* name;
    std::size_t usim_files;
    std::size_t all_files;
  };
  for (auto e : {Expect{"TS48v1_A.der", 77, 237}, Expect{"TS48v2_SAIP2.1_BERTLV.der", 79, 254},
                 Expect{"TS48v3_SAIP2.3_NoBERTLV.der", 79, 253},
                 Expect{"TS48v4_SAIP2.1A_NoBERTLV.der", 79, 253}}) {
    INFO(e.name);
    InstalledProfile p = install_package(read(reference_dir() / "profiles" / e.name));
    const FileNode* usim = p.find({p.naa(Naa::Kind::Usim)->adf_fid});
    const FileNode* isim = p.find({p.naa(Naa::Kind::Isim)->adf_fid});
    CHECK(usim->children.size() == e.usim_files);
    CHECK(count(p.mf) == e.all_files);
    CHECK(fids(*isim) == std::vector<std::uint16_t>{0x6F02, 0x6F03, 0x6F04, 0x6F06, 0x6F07, 0x6F09,
                                                    0x6FAD, 0x6FD5, 0x6FD7});
    // DF.GSM-ACCESS and (from SAIP 2.1 on) DF.5GS and DF.SAIP sit inside the USIM.
    CHECK(usim->child(0x5F3B) != nullptr);
    CHECK((usim->child(0x5FC0) != nullptr) == (e.usim_files == 79));
    // The PE gives EF.IMSI's type, FID and ARR only; size 9 and SFI 07 come from the template.
    CHECK(to_hex(usim->child(0x6F07)->fcp()) ==
          "621782024121"
          "83026F07"
          "8A0105"
          "8B036F060A"
          "80020009"
          "880138");
  }
}

TEST_CASE("a reference profile cut at every byte never crashes the installer") {
  Bytes der = read(reference_dir() / "profiles" / kProfiles[2]);
  std::size_t errors = 0;
  for (std::size_t cut = 0; cut < der.size(); ++cut) {
    try {
      install_package(ByteView(der).first(cut));
    } catch (const InstallError& e) {
      ++errors;
      CHECK(!std::string(e.what()).empty());
    }
  }
  CHECK(errors == der.size());  // every prefix is refused with a reason
}

int main(int argc, char** argv) {
  if (reference_dir().empty() || !fs::is_directory(reference_dir() / "profiles")) {
    std::cout << "skipped: no reference directory " << (reference_dir() / "profiles").string()
              << " (EUICCSIM_REFERENCE names ../shared/reference)\n";
    return 77;
  }
  return Catch::Session().run(argc, argv);
}
