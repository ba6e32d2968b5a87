// The catalog of Annex A file-structure templates: the invariants the installer relies on, and
// facts checked against the specifications and the TS.48 test profiles.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "euiccsim/profiles/templates.hpp"

using namespace euiccsim::profiles;

namespace {

constexpr std::string_view kOidPrefix = "2.23.143.1.2.";

bool is_directory(FileType t) {
  return t == FileType::Mf || t == FileType::Df || t == FileType::Adf;
}

bool is_record_file(FileType t) {
  return t == FileType::LinearFixed || t == FileType::Cyclic;
}

bool is_hex(std::string_view s) {
  return s.size() % 2 == 0 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
         });
}

const Template& tpl(std::string_view oid) {
  const Template* t = find_template(oid);
  INFO("template " << oid);
  REQUIRE(t != nullptr);
  return *t;
}

const TemplateFile& file(std::string_view oid, std::string_view member) {
  const TemplateFile* f = find_member(tpl(oid), member);
  INFO(oid << " / " << member);
  REQUIRE(f != nullptr);
  return *f;
}

std::vector<std::string_view> members(const Template& t) {
  std::vector<std::string_view> out;
  for (const auto& f : t.files) out.push_back(f.member);
  return out;
}

// Files a template creates directly in its anchor: its root directory, or for a template without
// one (the optional files of an application) every file whose parent is the anchor.
std::vector<std::pair<std::string_view, std::uint16_t>> anchor_level(const Template& t) {
  std::vector<std::pair<std::string_view, std::uint16_t>> out;
  if (is_directory(t.files.front().type)) {
    out.emplace_back(t.files.front().member, t.files.front().fid);
    return out;
  }
  for (const auto& f : t.files)
    if (f.parent.empty()) out.emplace_back(f.member, f.fid);
  return out;
}

// The files directly inside an application's ADF, as its own template creates them.
std::vector<std::pair<std::string_view, std::uint16_t>> adf_level(const Template& t,
                                                                  std::string_view adf) {
  std::vector<std::pair<std::string_view, std::uint16_t>> out;
  for (const auto& f : t.files)
    if (f.parent == adf ||
        (f.parent.empty() && f.type != FileType::Adf && t.files.front().type == FileType::Adf))
      out.emplace_back(f.member, f.fid);
  return out;
}

}  // namespace

TEST_CASE("templates: every version of Annex A is registered once, under 2.23.143.1.2") {
  const std::vector<std::string> expected = {
      "2.1",    "2.2",    "2.3",    "2.3.2", "2.4",  "2.4.2",  "2.5",  "2.5.2",  "2.5.3", "2.6",
      "2.7",    "2.8",    "2.9",    "2.9.2", "2.10", "2.10.2", "2.11", "2.11.2", "2.12",  "2.13",
      "2.13.2", "2.13.3", "2.13.4", "2.14",  "2.15", "2.16",   "2.17", "2.18"};
  for (const auto& suffix : expected) {
    std::string oid = "2.23.143.1." + suffix;
    INFO(oid);
    const Template* t = find_template(oid);
    REQUIRE(t != nullptr);
    CHECK(t->oid == oid);
  }
  CHECK(all_templates().size() == expected.size());

  std::set<std::string_view> oids;
  for (const auto& t : all_templates()) {
    INFO(t.oid);
    CHECK(oids.insert(t.oid).second);
    REQUIRE(t.oid.size() > kOidPrefix.size());
    CHECK(t.oid.substr(0, kOidPrefix.size()) == kOidPrefix);
    std::string_view arcs = t.oid.substr(kOidPrefix.size());
    CHECK(std::all_of(arcs.begin(), arcs.end(),
                      [](char c) { return c == '.' || (c >= '0' && c <= '9'); }));
    CHECK(arcs.front() != '.');
    CHECK(arcs.back() != '.');
    CHECK_FALSE(t.name.empty());
    CHECK_FALSE(t.files.empty());
  }

  CHECK(find_template("2.23.143.1.2.99") == nullptr);
  CHECK(find_template("2.23.143.1.2.4.3") == nullptr);
  CHECK(find_template("2.23.143.1.2") == nullptr);
  CHECK(find_template("") == nullptr);
}

TEST_CASE("templates: PE names, anchors and creation by default") {
  const std::set<std::string_view> at_mf = {"mf", "cd", "telecom", "usim", "isim", "csim", "iot"};
  const std::set<std::string_view> in_usim = {"opt-usim", "phonebook",  "gsm-access",
                                              "eap",      "df-5gs",     "df-saip",
                                              "df-snpn",  "df-5gprose", "opt-iot"};
  const std::set<std::string_view> by_default = {"mf", "usim", "isim", "csim", "iot"};
  for (const auto& t : all_templates()) {
    INFO(t.oid << " " << t.pe);
    if (at_mf.count(t.pe))
      CHECK(t.anchor == Anchor::Mf);
    else if (in_usim.count(t.pe))
      CHECK(t.anchor == Anchor::Usim);
    else if (t.pe == "opt-isim")
      CHECK(t.anchor == Anchor::Isim);
    else if (t.pe == "opt-csim")
      CHECK(t.anchor == Anchor::Csim);
    else
      FAIL("unexpected PE " << t.pe);
    CHECK(t.created_by_default == (by_default.count(t.pe) == 1));
  }
}

TEST_CASE("templates: members are unique and parents are earlier directories of the template") {
  for (const auto& t : all_templates()) {
    std::set<std::string_view> seen;
    std::set<std::string_view> directories;
    for (const auto& f : t.files) {
      INFO(t.oid << " / " << f.member);
      CHECK_FALSE(f.member.empty());
      CHECK_FALSE(f.name.empty());
      CHECK(seen.insert(f.member).second);
      if (!f.parent.empty()) CHECK(directories.count(f.parent) == 1);
      if (is_directory(f.type)) directories.insert(f.member);
      CHECK(find_member(t, f.member) == &f);
    }
    CHECK(find_member(t, "ef-no-such-file") == nullptr);
    CHECK(find_member(t, "") == nullptr);
  }
}

TEST_CASE("templates: a root directory comes first; optional files have none") {
  for (const auto& t : all_templates()) {
    INFO(t.oid);
    const TemplateFile& first = t.files.front();
    bool optional = t.pe.substr(0, 4) == "opt-";
    CHECK(is_directory(first.type) != optional);
    CHECK(first.parent.empty());
    // Only the MF template (and the IoT one, which holds the MF) may create the MF.
    for (const auto& f : t.files)
      if (f.type == FileType::Mf) CHECK((t.pe == "mf" || t.pe == "iot"));
  }
}

TEST_CASE("templates: sizes, record counts, SFIs and default contents are well formed") {
  for (const auto& t : all_templates()) {
    for (const auto& f : t.files) {
      INFO(t.oid << " / " << f.member);
      if (is_directory(f.type)) {
        CHECK(f.records == 0);
        CHECK(f.size == 0);
        CHECK(f.sfi == -1);
        CHECK(f.fill.empty());
        CHECK(f.repeat.empty());
        CHECK_FALSE(f.content_required);
      } else if (is_record_file(f.type)) {
        // A fixed record count comes with its record length, except where Annex A fixes the count
        // and leaves the length to the PE that writes the records (EF.IMPU, EF.P-CSCF).
        if (f.records != 0 && !f.content_required) CHECK(f.size > 0);
        CHECK(f.records <= 254);
        CHECK(f.size <= 255);
      } else {
        CHECK(f.records == 0);
      }
      CHECK((f.sfi == -1 || (f.sfi >= 1 && f.sfi <= 30)));
      CHECK(is_hex(f.fill));
      CHECK(is_hex(f.repeat));
      // A file whose content the PE must supply has no default to fall back on.
      if (f.content_required) CHECK((f.fill.empty() && f.repeat.empty()));
      // A default written out whole fits the file it fills.
      if (f.size != 0) CHECK(f.fill.size() / 2 <= f.size);
      CHECK(f.fid != 0xFFFF);
      if (f.type != FileType::Mf) CHECK(f.fid != 0x3F00);
    }
  }
}

TEST_CASE("templates: no two files of one directory share a FID") {
  for (const auto& t : all_templates()) {
    std::set<std::pair<std::string_view, std::uint16_t>> seen;
    for (const auto& f : t.files) {
      INFO(t.oid << " / " << f.member);
      if (f.fid != 0) CHECK(seen.insert({f.parent, f.fid}).second);
    }
  }

  // The templates that fill one application's ADF must not collide with each other either.
  struct Group {
    const char* adf_template;
    std::string_view adf;
    std::vector<const char*> extensions;
  };
  const Group groups[] = {
      {"2.23.143.1.2.4.2",
       "adf-usim",
       {"2.23.143.1.2.5.3", "2.23.143.1.2.6", "2.23.143.1.2.7", "2.23.143.1.2.12",
        "2.23.143.1.2.13.4", "2.23.143.1.2.14", "2.23.143.1.2.15", "2.23.143.1.2.16"}},
      {"2.23.143.1.2.4", "adf-usim", {"2.23.143.1.2.5", "2.23.143.1.2.13"}},
      {"2.23.143.1.2.8", "adf-isim", {"2.23.143.1.2.9.2"}},
      {"2.23.143.1.2.10.2", "adf-csim", {"2.23.143.1.2.11.2"}},
      {"2.23.143.1.2.17", "adf-usim", {"2.23.143.1.2.18"}},
  };
  for (const auto& g : groups) {
    std::set<std::uint16_t> fids;
    auto add = [&](const char* oid, std::string_view member, std::uint16_t fid) {
      INFO(g.adf_template << " + " << oid << " / " << member);
      if (fid != 0) CHECK(fids.insert(fid).second);
    };
    for (const auto& [m, fid] : adf_level(tpl(g.adf_template), g.adf)) add(g.adf_template, m, fid);
    for (const char* oid : g.extensions)
      for (const auto& [m, fid] : anchor_level(tpl(oid))) add(oid, m, fid);
  }
}

TEST_CASE("templates: a later version keeps the files of the earlier one, in order") {
  const std::pair<const char*, const char*> pairs[] = {
      {"2.23.143.1.2.3", "2.23.143.1.2.3.2"},     {"2.23.143.1.2.4", "2.23.143.1.2.4.2"},
      {"2.23.143.1.2.5", "2.23.143.1.2.5.2"},     {"2.23.143.1.2.5.2", "2.23.143.1.2.5.3"},
      {"2.23.143.1.2.9", "2.23.143.1.2.9.2"},     {"2.23.143.1.2.10", "2.23.143.1.2.10.2"},
      {"2.23.143.1.2.11", "2.23.143.1.2.11.2"},   {"2.23.143.1.2.13", "2.23.143.1.2.13.2"},
      {"2.23.143.1.2.13.2", "2.23.143.1.2.13.3"}, {"2.23.143.1.2.13.3", "2.23.143.1.2.13.4"},
  };
  for (const auto& [older, newer] : pairs) {
    INFO(older << " -> " << newer);
    const Template& a = tpl(older);
    const Template& b = tpl(newer);
    CHECK(a.pe == b.pe);
    CHECK(a.anchor == b.anchor);
    auto ma = members(a);
    auto mb = members(b);
    REQUIRE(ma.size() <= mb.size());
    CHECK(std::equal(ma.begin(), ma.end(), mb.begin()));
    for (const auto& f : a.files) {
      INFO(f.member);
      const TemplateFile* g = find_member(b, f.member);
      REQUIRE(g != nullptr);
      CHECK(g->fid == f.fid);
      CHECK(g->type == f.type);
      CHECK(g->parent == f.parent);
    }
  }
  // Members a newer PE type carries are not part of an older template that lacks the file.
  CHECK(find_member(tpl("2.23.143.1.2.3"), "df-v2x") == nullptr);
  CHECK(find_member(tpl("2.23.143.1.2.3.2"), "df-v2x") != nullptr);
  CHECK(find_member(tpl("2.23.143.1.2.5"), "ef-epdgid") == nullptr);
  CHECK(find_member(tpl("2.23.143.1.2.5.2"), "ef-eaka") == nullptr);
  CHECK(find_member(tpl("2.23.143.1.2.5.3"), "ef-eaka") != nullptr);
  CHECK(find_member(tpl("2.23.143.1.2.9"), "ef-webrtcuri") == nullptr);
  CHECK(find_member(tpl("2.23.143.1.2.13"), "ef-ursp") == nullptr);
  CHECK(find_member(tpl("2.23.143.1.2.13.3"), "ef-cag") == nullptr);
  CHECK(find_member(tpl("2.23.143.1.2.13.4"), "ef-kausf-derivation") != nullptr);
}

TEST_CASE("templates: facts of TS 102 221, TS 31.102 and the TS.48 profiles") {
  SECTION("MF") {
    const Template& mf = tpl("2.23.143.1.2.1");
    CHECK(mf.pe == "mf");
    CHECK(mf.files.front().type == FileType::Mf);
    CHECK(mf.files.front().fid == 0x3F00);
    const auto& iccid = file("2.23.143.1.2.1", "ef-iccid");
    CHECK(iccid.fid == 0x2FE2);
    CHECK(iccid.type == FileType::Transparent);
    CHECK(iccid.size == 10);
    CHECK(iccid.content_required);
    const auto& dir = file("2.23.143.1.2.1", "ef-dir");
    CHECK(dir.fid == 0x2F00);
    CHECK(dir.type == FileType::LinearFixed);
    CHECK(dir.sfi == 0x1E);
    const auto& pl = file("2.23.143.1.2.1", "ef-pl");
    CHECK(pl.fid == 0x2F05);
    CHECK(pl.fill.empty());
    CHECK(pl.repeat == "FF");
    CHECK(file("2.23.143.1.2.1", "ef-arr").fid == 0x2F06);
  }
  SECTION("ADF.USIM") {
    for (const char* oid : {"2.23.143.1.2.4", "2.23.143.1.2.4.2"}) {
      INFO(oid);
      const auto& adf = file(oid, "adf-usim");
      CHECK(adf.type == FileType::Adf);
      CHECK(adf.fid == 0);  // the temporary FID is the PE's
      const auto& imsi = file(oid, "ef-imsi");
      CHECK(imsi.fid == 0x6F07);
      CHECK(imsi.type == FileType::Transparent);
      CHECK(imsi.size == 9);
      CHECK(imsi.sfi == 0x07);
      CHECK(imsi.parent.empty());
      CHECK(file(oid, "ef-arr").fid == 0x6F06);
      const auto& keys = file(oid, "ef-keys");
      CHECK(keys.fill == "07");
      CHECK(keys.repeat == "FF");
      CHECK(file(oid, "ef-keysPS").fid == 0x6F09);
      CHECK(file(oid, "ef-ecc").type == FileType::LinearFixed);
    }
    CHECK(file("2.23.143.1.2.4", "ef-ust").size == 14);
    CHECK(file("2.23.143.1.2.4.2", "ef-ust").size == 17);
    CHECK(members(tpl("2.23.143.1.2.4")).front() == "adf-usim");
  }
  SECTION("optional USIM files") {
    CHECK(file("2.23.143.1.2.5", "ef-ext7").fid == 0x6FCC);
    CHECK(file("2.23.143.1.2.5", "ef-cfis").fid == 0x6FCB);
    CHECK(file("2.23.143.1.2.5.2", "ef-mudmidconfigdata").fid == 0x6FFE);
    CHECK(file("2.23.143.1.2.5.2", "ef-earfcnlist").fid == 0x6FFD);
    CHECK(file("2.23.143.1.2.5.3", "ef-eaka").fid == 0x6F01);
    const auto& plmn = file("2.23.143.1.2.5", "ef-plmnwact");
    CHECK(plmn.repeat == "FFFFFF0000");
    CHECK(plmn.sfi == 0x0A);
    CHECK(file("2.23.143.1.2.5", "ef-acm").type == FileType::Cyclic);
  }
  SECTION("DF.TELECOM and its nested DFs") {
    const char* oid = "2.23.143.1.2.3.2";
    CHECK(file(oid, "df-telecom").fid == 0x7F10);
    CHECK(file(oid, "df-graphics").parent == "df-telecom");
    CHECK(file(oid, "ef-img").parent == "df-graphics");
    CHECK(file(oid, "df-phonebook").parent == "df-telecom");
    CHECK(file(oid, "ef-pbr").parent == "df-phonebook");
    // A DF after a nested DF is its sibling, not its child.
    CHECK(file(oid, "df-multimedia").parent == "df-telecom");
    CHECK(file(oid, "df-mmss").parent == "df-telecom");
    CHECK(file(oid, "ef-mmssmode").fid == 0x4F22);
    CHECK(file(oid, "ef-mmssmode").parent == "df-mmss");
    CHECK(file(oid, "ef-v2xp-Uu").parent == "df-v2x");
    // Families: the PE names each file.
    CHECK(file(oid, "ef-iidf").fid == 0);
    CHECK(file(oid, "ef-adn").fid == 0);
    CHECK(file("2.23.143.1.2.2", "ef-icon").fid == 0);
    CHECK(file("2.23.143.1.2.2", "df-cd").fid == 0x7F11);
  }
  SECTION("DFs of ADF.USIM") {
    for (const char* oid :
         {"2.23.143.1.2.13", "2.23.143.1.2.13.2", "2.23.143.1.2.13.3", "2.23.143.1.2.13.4"}) {
      INFO(oid);
      CHECK(tpl(oid).anchor == Anchor::Usim);
      const auto& df = file(oid, "df-df-5gs");
      CHECK(df.fid == 0x5FC0);
      CHECK(df.type == FileType::Df);
      CHECK(file(oid, "ef-5gs3gpploci").fid == 0x4F01);
      CHECK(file(oid, "ef-supinai").fid == 0x4F09);
    }
    CHECK(file("2.23.143.1.2.13", "ef-5gs3gppnsc").size == 57);
    CHECK(file("2.23.143.1.2.13.3", "ef-5gs3gppnsc").records == 2);
    CHECK(file("2.23.143.1.2.14", "df-df-saip").fid == 0x5FD0);
    CHECK(file("2.23.143.1.2.15", "df-df-snpn").fid == 0x5FE0);
    CHECK(file("2.23.143.1.2.16", "df-df-5g-prose").fid == 0x5FF0);
    CHECK(file("2.23.143.1.2.7", "df-gsm-access").fid == 0x5F3B);
    const auto& kc = file("2.23.143.1.2.7", "ef-kc");
    CHECK(kc.size == 9);
    CHECK(kc.fill == "FFFFFFFFFFFFFFFF07");
    CHECK(file("2.23.143.1.2.6", "df-phonebook").fid == 0x5F3A);
    CHECK(file("2.23.143.1.2.12", "df-eap").fid == 0);
  }
  SECTION("ADF.ISIM and ADF.CSIM") {
    CHECK(file("2.23.143.1.2.8", "adf-isim").type == FileType::Adf);
    CHECK(file("2.23.143.1.2.8", "ef-impi").fid == 0x6F02);
    CHECK(file("2.23.143.1.2.8", "ef-impu").records == 1);
    CHECK(file("2.23.143.1.2.9.2", "ef-mudmidconfigdata").fid == 0x6FFE);
    CHECK(file("2.23.143.1.2.10", "adf-csim").type == FileType::Adf);
    CHECK(file("2.23.143.1.2.10", "ef-imsi-m").fid == 0x6F22);
    CHECK(file("2.23.143.1.2.10", "ef-imsi-m").size == 10);
    CHECK(file("2.23.143.1.2.10", "ef-call-count").type == FileType::Cyclic);
    CHECK(file("2.23.143.1.2.10", "ef-csim-st").fid == 0x6F32);
    CHECK(file("2.23.143.1.2.11", "ef-spn").fid == 0x6F41);
  }
  SECTION("IoT minimal profile") {
    const char* oid = "2.23.143.1.2.17";
    CHECK(file(oid, "mf").type == FileType::Mf);
    CHECK(file(oid, "ef-iccid").fid == 0x2FE2);
    CHECK(file(oid, "ef-iccid").parent.empty());
    CHECK(file(oid, "adf-usim").type == FileType::Adf);
    CHECK(file(oid, "adf-usim").parent == "mf");
    CHECK(file(oid, "ef-imsi").parent == "adf-usim");
    CHECK(file(oid, "ef-arr-usim").fid == 0x6F06);
    CHECK(file("2.23.143.1.2.18", "df-df-5gs").parent.empty());
    CHECK(file("2.23.143.1.2.18", "ef-supi-nai").parent == "df-df-5gs");
    CHECK(find_member(tpl("2.23.143.1.2.18"), "ef-supinai") == nullptr);
  }
}
