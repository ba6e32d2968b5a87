// applets/naa file system: SELECT in every form TS 102 221 §8.4/§11.1.1 gives, FCPs, READ/UPDATE
// BINARY and RECORD, SEARCH RECORD, INCREASE, STATUS, access conditions, channels, no profile,
// and which profile the terminal sees across enable, reset and REFRESH.
//
// Expected contents come from the builder's spec (ICCID, IMSI, AIDs coded by hand from TS 102 221
// and TS 31.102), not from the card.
#include <catch.hpp>

#include <set>

#include "../support/naa_card.hpp"
#include "euiccsim/applets/aids.hpp"
#include "euiccsim/crypto/tlv.hpp"

using namespace euiccsim;
using namespace euiccsim::test;

namespace {

// EF.ICCID of 89001990000000000012: nibble-swapped BCD.
constexpr const char* kIccid = "98009109000000000021";
// EF.IMSI of 001010123456789 (TS 31.102 §4.2.2): length 08, parity nibble 9 with digit 0, then
// digit pairs low nibble first.
constexpr const char* kImsi = "080910101032547698";
constexpr const char* kUsimAid = "A0000000871002FF49FF0589";
constexpr const char* kIsimAid = "A0000000871004FF49FF0589";

// The value of tag `tag` in an FCP answer (62 ...).
std::string fcp_field(const std::string& answer, std::uint32_t tag) {
  const Bytes b = from_hex(data_of(answer));
  auto top = tlv::read(b);
  REQUIRE(top);
  REQUIRE(top->tag == 0x62);
  auto fields = tlv::read_all(top->value);
  REQUIRE(fields);
  auto f = tlv::find(*fields, tag);
  return f ? to_hex(f->value) : std::string("absent");
}

std::string select_usim(NaaCard& c) {
  return c.send(std::string("00A4040C0C") + kUsimAid);
}

}  // namespace

TEST_CASE("After power-on the MF is current; its FCP is TS 102 221's") {
  NaaCard c;
  const auto mf = c.send("00A40004023F0000");
  REQUIRE(sw_of(mf) == "9000");
  CHECK(fcp_field(mf, 0x82) == "7821");
  CHECK(fcp_field(mf, 0x83) == "3F00");
  CHECK(fcp_field(mf, 0x8A) == "05");
  CHECK(fcp_field(mf, 0xA5).substr(0, 6) == "800171");  // UICC characteristics
  // PS_DO: PIN1 disabled, ADM1 enabled, in the order of the MF's PIN references (01, 0A).
  CHECK(fcp_field(mf, 0xC6).substr(0, 6) == "900140");
  CHECK(fcp_field(mf, 0xC6).find("830101") != std::string::npos);
  CHECK(fcp_field(mf, 0xC6).find("83010A") != std::string::npos);
  // STATUS answers the current DF's FCP.
  CHECK(c.send("80F2000000") == mf);
}

TEST_CASE("EF.ICCID and EF.DIR from the MF; ADF.USIM by AID; EF.IMSI by FID, path and SFI") {
  NaaCard c;
  REQUIRE(c.send("00A4000C022FE2") == "9000");
  CHECK(c.send("00B000000A") == std::string(kIccid) + "9000");
  const auto iccid_fcp = c.send("00A40004022FE200");
  CHECK(fcp_field(iccid_fcp, 0x82) == "4121");
  CHECK(fcp_field(iccid_fcp, 0x80) == "000A");
  CHECK(fcp_field(iccid_fcp, 0x88) == "10");  // SFI 02

  // EF.DIR, record 1: 61 { 4F AID, 50 label }.
  REQUIRE(c.send("00A4000C022F00") == "9000");
  const auto dir1 = c.send("00B2010400");
  CHECK(data_of(dir1).find(std::string("4F0C") + kUsimAid) != std::string::npos);
  CHECK(data_of(dir1).find("5553494D") != std::string::npos);  // "USIM"

  // The USIM by its full AID and by the partial one EF.DIR's users send.
  const auto adf = c.send(std::string("00A404040C") + kUsimAid + "00");
  REQUIRE(sw_of(adf) == "9000");
  CHECK(fcp_field(adf, 0x84) == kUsimAid);
  CHECK(fcp_field(adf, 0x83) == "absent");
  CHECK(c.send("00A4040C07A0000000871002") == "9000");
  CHECK(c.send("80F2000100") == std::string("840C") + kUsimAid + "9000");

  REQUIRE(c.send("00A4000C026F07") == "9000");
  CHECK(c.send("00B0000009") == std::string(kImsi) + "9000");
  CHECK(c.send("00A40804047FFF6F0700").substr(0, 2) == "62");
  CHECK(c.send("00B0000009") == std::string(kImsi) + "9000");
  CHECK(c.send("00A4080C023F00") == "9000");  // path "3F00" read leniently: the MF
  CHECK(c.send("00A4080C022FE2") == "9000");
  CHECK(c.send("00B000000A") == std::string(kIccid) + "9000");
  // SFI 07 from the ADF: READ BINARY P1 = 87 (the current DF must be the ADF).
  REQUIRE(c.send("00A4000C027FFF") == "9000");
  CHECK(c.send("00B0870009") == std::string(kImsi) + "9000");
  CHECK(c.send("00B0870109") == std::string(kImsi).substr(2) + "6282");
  CHECK(c.send("00B0870400") == std::string(kImsi).substr(8) + "9000");
  CHECK(c.send("00B0870A00") == "6B00");
  // An SFI no file of the ADF has.
  std::set<int> used;
  for (const auto& f : c.profile().find({c.profile().naas.front().adf_fid})->children)
    used.insert(f.sfi);
  int unused = 1;
  while (used.count(unused)) ++unused;
  char p1[3];
  std::snprintf(p1, sizeof p1, "%02X", static_cast<unsigned>((0x80 | unused) & 0xFF));
  CHECK(c.send(std::string("00B0") + p1 + "0001") == "6A82");
}

TEST_CASE("SELECT: child, parent, sibling, path from the current DF, failures keep the selection") {
  NaaCard c;
  REQUIRE(select_usim(c) == "9000");
  CHECK(c.send("00A4010C025F3B") == "9000");  // DF.GSM-ACCESS, child DF
  CHECK(c.send("00A4020C024F20") == "9000");  // EF.Kc, child EF
  CHECK(c.send("00A4030C") == "9000");        // parent of DF.GSM-ACCESS: the ADF
  CHECK(c.send("80F2000000").find(std::string("840C") + kUsimAid) != std::string::npos);
  CHECK(c.send("00A4090C045F3B4F20") == "9000");  // path from the current DF
  CHECK(c.send("00A4000C025FC0") == "9000");      // DF.5GS, a sibling DF of DF.GSM-ACCESS
  CHECK(c.send("00A4000C027F10") == "6A82");      // not beside DF.5GS, nor above it
  CHECK(c.send("00A4030C") == "9000");            // the ADF
  CHECK(c.send("00A4000C027F10") == "9000");      // DF.TELECOM, beside the ADF under the MF
  CHECK(c.send("00A4030C") == "9000");            // its parent, the MF
  CHECK(c.send("00A4030C") == "6A82");            // the MF has none
  CHECK(c.send("00A4000C026F07") == "6A82");      // EF.IMSI is not a child of the MF
  CHECK(c.send("00A4010C022FE2") == "6A82");      // P1 01 names a DF only
  CHECK(c.send("00A4020C027F10") == "6A82");      // P1 02 names an EF only
  // An ADF is not reachable by the temporary FID its package gave it.
  const auto adf_fid = c.profile().naas.front().adf_fid;
  char fid[5];
  std::snprintf(fid, sizeof fid, "%04X", adf_fid);
  CHECK(c.send(std::string("00A4000C02") + fid) == "6A82");
  // Malformed selections.
  CHECK(c.send("00A4000C033F0000") == "6700");
  CHECK(c.send("00A40A0C023F00") == "6A86");
  CHECK(c.send("00A40008023F00") == "6A86");  // FMD not offered
  CHECK(c.send("80A4000C023F00") == "6E00");
  CHECK(c.send("00A4040C0CA0000000871009FF49FF0589") == "6A82");
  // The current EF survives a failed SELECT.
  REQUIRE(c.send("00A4000C022FE2") == "9000");
  CHECK(c.send("00A4000C024444") == "6A82");
  CHECK(c.send("00B000000A") == std::string(kIccid) + "9000");
}

TEST_CASE("READ RECORD modes, UPDATE RECORD, SEARCH RECORD on a linear fixed EF") {
  NaaCard c;
  REQUIRE(c.send("00A4000C022F00") == "9000");
  const auto r1 = c.send("00B2010400"), r2 = c.send("00B2020400");
  REQUIRE(sw_of(r1) == "9000");
  REQUIRE(data_of(r2).find(kIsimAid) != std::string::npos);
  const std::size_t rl = data_of(r1).size() / 2;
  char le[3];
  std::snprintf(le, sizeof le, "%02X", static_cast<unsigned>(rl & 0xFF));
  CHECK(c.send("00B2030400") == "6A83");
  CHECK(c.send("00B2000400") == "6A83");  // no current record yet
  CHECK(c.send("00B2000200") == r1);      // NEXT from nowhere: record 1
  CHECK(c.send("00B2000200") == r2);
  CHECK(c.send("00B2000200") == "6A83");  // the end of a linear fixed EF: no wrap
  CHECK(c.send("00B2000400") == r2);      // current record
  CHECK(c.send("00B2000300") == r1);      // PREVIOUS
  CHECK(c.send("00B2000300") == "6A83");
  CHECK(c.send("00B2010401") == "6C" + std::string(le));  // wrong Le
  CHECK(c.send("00B201F400") == r1);  // SFI 30: EF.DIR, in the current DF (the MF)
  CHECK(c.send("00B2010700") == "6A86");

  // SEARCH RECORD: the ISIM's AID is in record 2; "ISIM" too; nothing matches FFFFFF00.
  CHECK(c.send("00A2010407A000000087100400") == "029000");
  CHECK(c.send("00A2020504A000000000") == "02019000");  // backward from record 2
  CHECK(c.send("00A2010404FFFFFF0000") == "6A83");
  // Enhanced search from offset 4 forward: "5553494D" ("USIM") only in record 1.
  CHECK(c.send("00A20106060404"
               "5553494D"
               "00") == "019000");

  // UPDATE RECORD needs ADM here.
  const std::string record(rl * 2, 'F');
  CHECK(c.send("00DC0104" + std::string(le) + record) == "6982");
  CHECK(c.send("002000"
               "0A08"
               "3838383838383838") == "9000");
  CHECK(c.send("00DC0204" + std::string(le) + record) == "9000");
  CHECK(c.send("00B2020400") == record + "9000");
  CHECK(c.send("00DC0204"
               "02"
               "FFFF") == "6700");
  CHECK(c.send("00B202F400") == record + "9000");  // SFI 30, record 2
}

TEST_CASE("UPDATE BINARY: access conditions, bounds, and the change in the card state") {
  int persisted = 0;
  CardState saved(*Eid::parse("89049032123451234512345678901235"));
  NaaCard c(naa_state({built(example_spec())}), sim::Protocol::kT1, [&](const CardState& s) {
    ++persisted;
    saved = s;
  });
  REQUIRE(select_usim(c) == "9000");
  REQUIRE(c.send("00A4000C026F07") == "9000");
  const std::string imsi = "080910101032547610";
  CHECK(c.send("00D6000009" + imsi) == "6982");  // update ADM
  CHECK(persisted == 0);
  CHECK(c.send("0020000A08"
               "3838383838383837") == "63C9");
  CHECK(persisted == 1);  // the retry counter is state too
  CHECK(c.send("002000"
               "0A08"
               "3838383838383838") == "9000");
  CHECK(c.send("00D6000009" + imsi) == "9000");
  CHECK(c.send("00B0000009") == imsi + "9000");
  const auto* ef = saved.profiles.front().profile.find({c.profile().naas.front().adf_fid, 0x6F07});
  REQUIRE(ef != nullptr);
  CHECK(to_hex(ef->content) == imsi);
  CHECK(c.send("00D600080201") == "6700");  // past the end
  CHECK(c.send("00D6000901FF") == "6B00");  // offset outside
  CHECK(c.send("00D60000") == "6700");      // no data
  // EF.ICCID: update NEVER, whatever is verified.
  REQUIRE(c.send("00A4000C023F00") == "9000");
  REQUIRE(c.send("00A4000C022FE2") == "9000");
  CHECK(c.send("00D6000001FF") == "6982");
  // A record command on a transparent EF, a binary one on a record EF.
  CHECK(c.send("00B2010400") == "6981");
  REQUIRE(c.send("00A4000C022F00") == "9000");
  CHECK(c.send("00B0000001") == "6981");
  REQUIRE(c.send("00A4000C027F10") == "9000");
  CHECK(c.send("00B0000001") == "6986");  // a DF is current, no EF
}

TEST_CASE("A cyclic EF: UPDATE RECORD PREVIOUS, READ RECORD wraps, INCREASE") {
  auto p = built(example_spec());
  // EF.ACM (TS 31.102 §4.2.21): cyclic, 3 records of 3 bytes, no security attributes (open).
  profiles::FileNode acm;
  acm.name = "EF.ACM";
  acm.fid = 0x6F39;
  acm.type = profiles::FileType::Cyclic;
  acm.record_length = 3;
  acm.records = 3;
  acm.sfi = 0x1C;
  acm.content = from_hex(
      "000001"
      "000002"
      "000003");
  for (auto& child : p.mf.children)
    if (child.type == profiles::FileType::Adf && child.df_name == from_hex(kUsimAid))
      child.children.push_back(acm);
  NaaCard c(naa_state({p}));
  REQUIRE(select_usim(c) == "9000");
  const auto fcp = c.send("00A40004026F3900");
  CHECK(fcp_field(fcp, 0x82) == "4621000303");
  CHECK(c.send("00B2000200") == "0000019000");
  CHECK(c.send("00B2000300") == "0000039000");  // PREVIOUS from record 1 wraps to the last
  CHECK(c.send("00DC010403AAAAAA") == "6A86");  // a cyclic EF takes PREVIOUS only
  CHECK(c.send("00DC000303000010") == "9000");  // the oldest (000003) becomes record 1
  CHECK(c.send("00B2010400") == "0000109000");
  CHECK(c.send("00B2020400") == "0000019000");
  CHECK(c.send("00B2030400") == "0000029000");
  // INCREASE: record 1 + 0005 = 000015, answered with the value added.
  CHECK(c.send("8032000002000500") ==
        "0000150005"
        "9000");
  CHECK(c.send("00B2010400") == "0000159000");
  CHECK(c.send("00B2020400") == "0000109000");
  CHECK(c.send("8032000003FFFFFF00") == "9850");  // overflow: nothing written
  CHECK(c.send("00B2010400") == "0000159000");
  CHECK(c.send("003200000101") == "6E00");  // INCREASE is of the proprietary class
}

TEST_CASE("Logical channels: each its own selection; a channel opened from another inherits it") {
  NaaCard c;
  REQUIRE(select_usim(c) == "9000");
  REQUIRE(c.send("0070000001") == "019000");
  // Channel 1 starts at the MF with no application.
  CHECK(c.send("81F2000100") == "6A88");
  CHECK(c.send(std::string("01A4040C0C") + kIsimAid) == "9000");
  CHECK(c.send("81F2000100") == std::string("840C") + kIsimAid + "9000");
  CHECK(c.send("80F2000100") == std::string("840C") + kUsimAid + "9000");
  // Opened from channel 1, channel 2 has the ISIM current.
  REQUIRE(c.send("0170000001") == "029000");
  CHECK(c.send("82F2000100") == std::string("840C") + kIsimAid + "9000");
  CHECK(c.send("0070800200") == "9000");
  // The ISD-R on channel 1 takes the channel from the file system; SELECT MF gives it back.
  c.sim->select(aid::isd_r(), 1);
  CHECK(c.send("81F2000100") == "6D00");
  CHECK(c.send("01A4000C023F00") == "9000");
  CHECK(c.send("81F2000100") == "6A88");
}

TEST_CASE("No profile enabled: only the eUICC's own MF; the ISD-R is still reachable") {
  CardState state(*Eid::parse("89049032123451234512345678901235"));
  applets::isdp::preload(state, built(example_spec()), ProfileMetadata{}, false);
  NaaCard c(std::move(state));
  const auto mf = c.send("00A40004023F0000");
  REQUIRE(sw_of(mf) == "9000");
  CHECK(fcp_field(mf, 0x83) == "3F00");
  CHECK(c.send("00A4000C022FE2") == "6A82");
  CHECK(c.send("00A4000C022F00") == "6A82");
  CHECK(c.send(std::string("00A4040C0C") + kUsimAid) == "6A82");
  CHECK(c.send("00B0000001") == "6986");
  CHECK(c.send("00200001") == "6A88");
  CHECK(c.send("0088008122"
               "10" +
               std::string(32, '0') + "10" + std::string(32, '0')) == "6985");
  CHECK_NOTHROW(c.sim->select(aid::isd_r()));
}

TEST_CASE(
    "Enabling another profile switches the file system at the next reset, or at once on REFRESH") {
  auto spec2 = example_spec("89001990000000000020");
  spec2.imsi = "001010000000002";
  NaaCard c(naa_state({built(example_spec()), built(spec2)}));
  auto iccid = [&] {
    REQUIRE(c.send("00A4000C023F00") == "9000");
    REQUIRE(c.send("00A4000C022FE2") == "9000");
    return data_of(c.send("00B000000A"));
  };
  REQUIRE(iccid() == kIccid);
  // EnableProfile (SGP.22 §5.7.16) of the second profile by ICCID, refreshFlag false, from the
  // ISD-R on channel 1.
  REQUIRE(c.send("0070000001") == "019000");
  c.sim->select(aid::isd_r(), 1);
  const std::string second = "98009109000000000002";
  CHECK(to_hex(c.sim->es10(from_hex("BF3111A00C5A0A" + second + "810100"), 1)) == "BF3103800100");
  CHECK(iccid() == kIccid);  // until the reset
  c.sim->reset();
  CHECK(iccid() == second);
  // Back to the first with refreshFlag: the file system switches once the answer is out.
  REQUIRE(c.send("0070000001") == "019000");
  c.sim->select(aid::isd_r(), 1);
  CHECK(to_hex(c.sim->es10(from_hex(std::string("BF3111A00C5A0A") + kIccid + "8101FF"), 1)) ==
        "BF3103800100");
  CHECK(iccid() == kIccid);
}
