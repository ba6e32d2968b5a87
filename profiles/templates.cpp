// The file-structure templates of Annex A of the TCA "eUICC Profile Package: Interoperable Format
// Technical Specification" (PE definitions v3.3.1), as tables.
//
// Sources: pySim's transcription of Annex A (pySim/esim/saip/templates.py) for MF, DF.CD,
// DF.TELECOM, the USIM and ISIM templates, DF.PHONEBOOK, DF.GSM-ACCESS, DF.EAP and the DF.5GS,
// DF.SAIP, DF.SNPN and DF.5G_ProSe templates; the PE definitions for member names and order; and
// the TS.48 test profiles, whose FCPs were checked against every row they touch. Where these
// disagree the table says which one it follows, and why. pySim has no CSIM or IoT tables; those
// are built as their comments explain.
//
// A table lists a template's files in the member order of its PE type, one row per member:
//   member, name, FID (0: the PE names the file), type, records (0: the PE gives them),
//   size or record length (0: the PE gives it), record in EF.ARR (0: none), SFI (-1: none),
//   fill, repeat, parent DF ("": the template root or, for the root, the anchor),
//   content required.
// Annex A's "FF...FF" is fill "" repeat "FF" and "00FF...FF" fill "00" repeat "FF"; a value of
// that shape at the file's size ("0000", "F0FFFFFF") is written the same way. Any other default
// is written out whole in fill; kPlmnAct repeats a whole 5-byte entry.
//
// An older version of a template whose files are a prefix of a newer one's is that table cut
// where the newer version's first added member begins (before() below); versions that differ in
// a value have tables of their own.
#include "euiccsim/profiles/templates.hpp"

#include <cstddef>
#include <iterator>

namespace euiccsim::profiles {
namespace {

// Annex A's own abbreviations, so that a row reads like the specification's.
constexpr FileType MF = FileType::Mf;
constexpr FileType DF = FileType::Df;
constexpr FileType ADF = FileType::Adf;
constexpr FileType TR = FileType::Transparent;
constexpr FileType LF = FileType::LinearFixed;
constexpr FileType CY = FileType::Cyclic;
constexpr FileType BT = FileType::BerTlv;

// Defaults Annex A gives as a value rather than a pattern, too long for a table column.
// EF.Kc and EF.KcGPRS: no key, and key set identifier 07 ("no key available").
constexpr std::string_view kKcDefault = "FFFFFFFFFFFFFFFF07";
// The location files: no TMSI / GUTI, an undefined LAI / RAI / TAI, "not updated".
constexpr std::string_view kLoci = "FFFFFFFFFFFFFF0000FF01";
constexpr std::string_view kPsLoci = "FFFFFFFFFFFFFFFFFFFF0000FF01";
constexpr std::string_view kEpsLoci = "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFF000001";
constexpr std::string_view k5gsLoci = "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000001";
// EF.ICI / EF.OCI records: an empty entry, no call duration, then status and link bytes.
constexpr std::string_view kIciRecord =
    "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"  // alpha id .. time stamp
    "0000000001FFFF";
constexpr std::string_view kOciRecord =
    "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"  // alpha id .. time stamp
    "00000001FFFF";
constexpr std::string_view kUfc = "801E60C01E900080040000000000000000F0000000004000000000000080";
// The PLMN selector files repeat one empty entry: no PLMN, no access technology.
constexpr std::string_view kPlmnAct = "FFFFFF0000";

// clang-format off

// MF (2.1). pySim gives EF.ICCID as 2F02; TS 102 221 and every TS.48 profile have 2FE2. Annex A
// gives EF.ICCID and EF.ARR no SFI (the later TS.48 profiles add 02 and 06 in their FCPs).
constexpr TemplateFile kMfFiles[] = {
    {"mf",       "MF",       0x3F00, MF, 0,  0, 14,   -1, "", "",   "", false},
    {"ef-pl",    "EF.PL",    0x2F05, TR, 0,  2,  1, 0x05, "", "FF", "", false},
    {"ef-iccid", "EF.ICCID", 0x2FE2, TR, 0, 10, 11,   -1, "", "",   "", true},
    {"ef-dir",   "EF.DIR",   0x2F00, LF, 0,  0, 10, 0x1E, "", "",   "", true},
    {"ef-arr",   "EF.ARR",   0x2F06, LF, 0,  0, 10,   -1, "", "",   "", true},
    {"ef-umpc",  "EF.UMPC",  0x2F08, TR, 0,  5, 10, 0x08, "", "",   "", false},
};

// DF.CD (2.2). EF.ICON is a family, 6F40..6F7E: the PE names each file.
constexpr TemplateFile kCdFiles[] = {
    {"df-cd",        "DF.CD",        0x7F11, DF, 0, 0, 14, -1, "", "", "", false},
    {"ef-launchpad", "EF.LAUNCHPAD", 0x6F01, TR, 0, 0,  2, -1, "", "", "", true},
    {"ef-icon",      "EF.ICON",      0,      TR, 0, 0,  2, -1, "", "", "", true},
};

// DF.TELECOM, version 2 (2.3.2); version 1 (2.3) lacks DF.MCS and DF.V2X. DF.TELECOM is 7F10 (an
// older pySim gave it DF.CD's 7F11). Nested DFs are children of DF.TELECOM; a DF after a nested
// DF is its sibling, as in pySim's reading of the tables.
constexpr TemplateFile kTelecomFiles[] = {
    {"df-telecom",      "DF.TELECOM",      0x7F10, DF,  0,  0, 14,   -1, "",   "",   "",              false},
    {"ef-arr",          "EF.ARR",          0x6F06, LF,  0,  0, 10,   -1, "",   "",   "",              true},
    {"ef-rma",          "EF.RMA",          0x6F53, LF,  0,  0,  3,   -1, "",   "",   "",              true},
    {"ef-sume",         "EF.SUME",         0x6F54, TR,  0, 22,  3,   -1, "",   "",   "",              true},
    {"ef-ice-dn",       "EF.ICE_DN",       0x6FE0, LF, 50, 24,  9,   -1, "",   "FF", "",              false},
    {"ef-ice-ff",       "EF.ICE_FF",       0x6FE1, LF,  0,  0,  9,   -1, "",   "FF", "",              false},
    {"ef-psismsc",      "EF.PSISMSC",      0x6FE5, LF,  0,  0,  5,   -1, "",   "",   "",              true},
    {"df-graphics",     "DF.GRAPHICS",     0x5F50, DF,  0,  0, 14,   -1, "",   "",   "df-telecom",    false},
    {"ef-img",          "EF.IMG",          0x4F20, LF,  0,  0,  2,   -1, "00", "FF", "df-graphics",   false},
    // EF.IIDF is a family, 4F40..4F7F, and EF.ICON one, 4F80..4FBF: the PE names each file.
    {"ef-iidf",         "EF.IIDF",         0,      TR,  0,  0,  2,   -1, "",   "FF", "df-graphics",   false},
    {"ef-ice-graphics", "EF.ICE_GRAPHICS", 0x4F21, BT,  0,  0,  9,   -1, "",   "",   "df-graphics",   false},
    {"ef-launch-scws",  "EF.LAUNCH_SCWS",  0x4F01, TR,  0,  0, 10,   -1, "",   "",   "df-graphics",   true},
    {"ef-icon",         "EF.ICON",         0,      TR,  0,  0, 10,   -1, "",   "",   "df-graphics",   true},
    // The phonebook families below are those of DF.PHONEBOOK (2.6), in the same DF tree.
    {"df-phonebook",    "DF.PHONEBOOK",    0x5F3A, DF,  0,  0, 14,   -1, "",   "",   "df-telecom",    false},
    {"ef-pbr",          "EF.PBR",          0x4F30, LF,  0,  0,  2,   -1, "",   "",   "df-phonebook",  true},
    {"ef-ext1",         "EF.EXT1",         0,      LF,  0, 13,  5,   -1, "00", "FF", "df-phonebook",  false},
    {"ef-aas",          "EF.AAS",          0,      LF,  0,  0,  5,   -1, "",   "FF", "df-phonebook",  false},
    {"ef-gas",          "EF.GAS",          0,      LF,  0,  0,  5,   -1, "",   "FF", "df-phonebook",  false},
    {"ef-psc",          "EF.PSC",          0x4F22, TR,  0,  4,  5,   -1, "",   "00", "df-phonebook",  false},
    {"ef-cc",           "EF.CC",           0x4F23, TR,  0,  2,  5,   -1, "",   "00", "df-phonebook",  false},
    {"ef-puid",         "EF.PUID",         0x4F24, TR,  0,  2,  5,   -1, "",   "00", "df-phonebook",  false},
    {"ef-iap",          "EF.IAP",          0,      LF,  0,  0,  5,   -1, "",   "FF", "df-phonebook",  false},
    {"ef-adn",          "EF.ADN",          0,      LF,  0,  0,  5,   -1, "",   "FF", "df-phonebook",  false},
    {"ef-pbc",          "EF.PBC",          0,      LF,  0,  2,  5,   -1, "",   "00", "df-phonebook",  false},
    {"ef-anr",          "EF.ANR",          0,      LF,  0,  0,  5,   -1, "",   "FF", "df-phonebook",  false},
    {"ef-puri",         "EF.PURI",         0,      LF,  0,  0,  5,   -1, "",   "",   "df-phonebook",  true},
    {"ef-email",        "EF.EMAIL",        0,      LF,  0,  0,  5,   -1, "",   "FF", "df-phonebook",  false},
    {"ef-sne",          "EF.SNE",          0,      LF,  0,  0,  5,   -1, "",   "FF", "df-phonebook",  false},
    {"ef-uid",          "EF.UID",          0,      LF,  0,  2,  5,   -1, "",   "00", "df-phonebook",  false},
    {"ef-grp",          "EF.GRP",          0,      LF,  0,  0,  5,   -1, "",   "00", "df-phonebook",  false},
    {"ef-ccp1",         "EF.CCP1",         0,      LF,  0,  0,  5,   -1, "",   "FF", "df-phonebook",  false},
    {"df-multimedia",   "DF.MULTIMEDIA",   0x5F3B, DF,  0,  0, 14,   -1, "",   "",   "df-telecom",    false},
    {"ef-mml",          "EF.MML",          0x4F47, BT,  0,  0,  5,   -1, "",   "",   "df-multimedia", false},
    {"ef-mmdf",         "EF.MMDF",         0x4F48, BT,  0,  0,  5,   -1, "",   "",   "df-multimedia", false},
    // pySim repeats EF.MSPL's 4F21 for EF.MMSSMODE; TS 31.102 has 4F22.
    {"df-mmss",         "DF.MMSS",         0x5F3C, DF,  0,  0, 14,   -1, "",   "",   "df-telecom",    false},
    {"ef-mlpl",         "EF.MLPL",         0x4F20, TR,  0,  0,  2, 0x01, "",   "",   "df-mmss",       true},
    {"ef-mspl",         "EF.MSPL",         0x4F21, TR,  0,  0,  2, 0x02, "",   "",   "df-mmss",       true},
    {"ef-mmssmode",     "EF.MMSSMODE",     0x4F22, TR,  0,  1,  2, 0x03, "",   "",   "df-mmss",       true},
    // Version 2 (2.3.2) adds DF.MCS and DF.V2X; version 1 (2.3) is the table cut here.
    {"df-mcs",          "DF.MCS",          0x5F3D, DF,  0,  0, 14,   -1, "",   "",   "df-telecom",    false},
    {"ef-mst",          "EF.MST",          0x4F01, TR,  0,  0,  2, 0x01, "",   "",   "df-mcs",        true},
    {"ef-mcs-config",   "EF.MCS_CONFIG",   0x4F02, BT,  0,  0,  2, 0x02, "",   "",   "df-mcs",        true},
    {"df-v2x",          "DF.V2X",          0x5F3E, DF,  0,  0, 14,   -1, "",   "",   "df-telecom",    false},
    {"ef-vst",          "EF.VST",          0x4F01, TR,  0,  0,  2, 0x01, "",   "",   "df-v2x",        true},
    {"ef-v2x-config",   "EF.V2X_CONFIG",   0x4F02, BT,  0,  0,  2, 0x02, "",   "",   "df-v2x",        true},
    {"ef-v2xp-pc5",     "EF.V2XP_PC5",     0x4F03, TR,  0,  0,  2,   -1, "",   "",   "df-v2x",        true},
    {"ef-v2xp-Uu",      "EF.V2XP_Uu",      0x4F04, TR,  0,  0,  2,   -1, "",   "",   "df-v2x",        true},
};

// ADF.USIM (2.4) and version 2 (2.4.2), which differ only in the size of EF.UST. The ADF's
// temporary FID and AID come from the PE.
constexpr TemplateFile kUsimFiles[] = {
    {"adf-usim",     "ADF.USIM",     0,      ADF,  0,   0, 14,   -1, "",             "",   "", false},
    {"ef-imsi",      "EF.IMSI",      0x6F07, TR,   0,   9,  2, 0x07, "",             "",   "", true},
    {"ef-arr",       "EF.ARR",       0x6F06, LF,   0,   0, 10, 0x17, "",             "",   "", true},
    {"ef-keys",      "EF.Keys",      0x6F08, TR,   0,  33,  5, 0x08, "07",           "FF", "", false},
    {"ef-keysPS",    "EF.KeysPS",    0x6F09, TR,   0,  33,  5, 0x09, "07",           "FF", "", false},
    {"ef-hpplmn",    "EF.HPPLMN",    0x6F31, TR,   0,   1,  2, 0x12, "0A",           "",   "", false},
    {"ef-ust",       "EF.UST",       0x6F38, TR,   0,  14,  2, 0x04, "",             "",   "", true},
    {"ef-fdn",       "EF.FDN",       0x6F3B, LF,  20,  26,  8,   -1, "",             "FF", "", false},
    {"ef-sms",       "EF.SMS",       0x6F3C, LF,  10, 176,  5,   -1, "00",           "FF", "", false},
    {"ef-smsp",      "EF.SMSP",      0x6F42, LF,   1,  38,  5,   -1, "",             "FF", "", false},
    {"ef-smss",      "EF.SMSS",      0x6F43, TR,   0,   2,  5,   -1, "",             "FF", "", false},
    {"ef-spn",       "EF.SPN",       0x6F46, TR,   0,  17, 10,   -1, "",             "",   "", true},
    {"ef-est",       "EF.EST",       0x6F56, TR,   0,   1,  8, 0x05, "",             "",   "", true},
    {"ef-start-hfn", "EF.START-HFN", 0x6F5B, TR,   0,   6,  5, 0x0F, "F00000F00000", "",   "", false},
    {"ef-threshold", "EF.THRESHOLD", 0x6F5C, TR,   0,   3,  2, 0x10, "",             "FF", "", false},
    {"ef-psloci",    "EF.PSLOCI",    0x6F73, TR,   0,  14,  5, 0x0C, kPsLoci,        "",   "", false},
    {"ef-acc",       "EF.ACC",       0x6F78, TR,   0,   2,  2, 0x06, "",             "",   "", true},
    {"ef-fplmn",     "EF.FPLMN",     0x6F7B, TR,   0,  12,  5, 0x0D, "",             "FF", "", false},
    {"ef-loci",      "EF.LOCI",      0x6F7E, TR,   0,  11,  5, 0x0B, kLoci,          "",   "", false},
    {"ef-ad",        "EF.AD",        0x6FAD, TR,   0,   4, 10, 0x03, "00000002",     "",   "", false},
    {"ef-ecc",       "EF.ECC",       0x6FB7, LF,   1,   4, 10, 0x01, "",             "",   "", true},
    {"ef-netpar",    "EF.NETPAR",    0x6FC4, TR,   0, 128,  5,   -1, "",             "FF", "", false},
    {"ef-epsloci",   "EF.EPSLOCI",   0x6FE3, TR,   0,  18,  5, 0x1E, kEpsLoci,       "",   "", false},
    {"ef-epsnsc",    "EF.EPSNSC",    0x6FE4, LF,   1,  80,  5, 0x18, "",             "FF", "", false},
};

constexpr TemplateFile kUsimV2Files[] = {
    {"adf-usim",     "ADF.USIM",     0,      ADF,  0,   0, 14,   -1, "",             "",   "", false},
    {"ef-imsi",      "EF.IMSI",      0x6F07, TR,   0,   9,  2, 0x07, "",             "",   "", true},
    {"ef-arr",       "EF.ARR",       0x6F06, LF,   0,   0, 10, 0x17, "",             "",   "", true},
    {"ef-keys",      "EF.Keys",      0x6F08, TR,   0,  33,  5, 0x08, "07",           "FF", "", false},
    {"ef-keysPS",    "EF.KeysPS",    0x6F09, TR,   0,  33,  5, 0x09, "07",           "FF", "", false},
    {"ef-hpplmn",    "EF.HPPLMN",    0x6F31, TR,   0,   1,  2, 0x12, "0A",           "",   "", false},
    {"ef-ust",       "EF.UST",       0x6F38, TR,   0,  17,  2, 0x04, "",             "",   "", true},
    {"ef-fdn",       "EF.FDN",       0x6F3B, LF,  20,  26,  8,   -1, "",             "FF", "", false},
    {"ef-sms",       "EF.SMS",       0x6F3C, LF,  10, 176,  5,   -1, "00",           "FF", "", false},
    {"ef-smsp",      "EF.SMSP",      0x6F42, LF,   1,  38,  5,   -1, "",             "FF", "", false},
    {"ef-smss",      "EF.SMSS",      0x6F43, TR,   0,   2,  5,   -1, "",             "FF", "", false},
    {"ef-spn",       "EF.SPN",       0x6F46, TR,   0,  17, 10,   -1, "",             "",   "", true},
    {"ef-est",       "EF.EST",       0x6F56, TR,   0,   1,  8, 0x05, "",             "",   "", true},
    {"ef-start-hfn", "EF.START-HFN", 0x6F5B, TR,   0,   6,  5, 0x0F, "F00000F00000", "",   "", false},
    {"ef-threshold", "EF.THRESHOLD", 0x6F5C, TR,   0,   3,  2, 0x10, "",             "FF", "", false},
    {"ef-psloci",    "EF.PSLOCI",    0x6F73, TR,   0,  14,  5, 0x0C, kPsLoci,        "",   "", false},
    {"ef-acc",       "EF.ACC",       0x6F78, TR,   0,   2,  2, 0x06, "",             "",   "", true},
    {"ef-fplmn",     "EF.FPLMN",     0x6F7B, TR,   0,  12,  5, 0x0D, "",             "FF", "", false},
    {"ef-loci",      "EF.LOCI",      0x6F7E, TR,   0,  11,  5, 0x0B, kLoci,          "",   "", false},
    {"ef-ad",        "EF.AD",        0x6FAD, TR,   0,   4, 10, 0x03, "00000002",     "",   "", false},
    {"ef-ecc",       "EF.ECC",       0x6FB7, LF,   1,   4, 10, 0x01, "",             "",   "", true},
    {"ef-netpar",    "EF.NETPAR",    0x6FC4, TR,   0, 128,  5,   -1, "",             "FF", "", false},
    {"ef-epsloci",   "EF.EPSLOCI",   0x6FE3, TR,   0,  18,  5, 0x1E, kEpsLoci,       "",   "", false},
    {"ef-epsnsc",    "EF.EPSNSC",    0x6FE4, LF,   1,  80,  5, 0x18, "",             "FF", "", false},
};

// Optional files of ADF.USIM, version 3 (2.5.3); versions 1 (2.5) and 2 (2.5.2) are cut from it.
// No root DF: the rows are created in the ADF.USIM the PE extends.
constexpr TemplateFile kOptUsimFiles[] = {
    {"ef-li",        "EF.LI",        0x6F05, TR,  0,   6,  1, 0x02, "",           "FF",     "", false},
    {"ef-acmax",     "EF.ACMmax",    0x6F37, TR,  0,   3,  5,   -1, "",           "00",     "", false},
    {"ef-acm",       "EF.ACM",       0x6F39, CY,  1,   3,  7,   -1, "",           "00",     "", false},
    {"ef-gid1",      "EF.GID1",      0x6F3E, TR,  0,   8,  2,   -1, "",           "",       "", true},
    {"ef-gid2",      "EF.GID2",      0x6F3F, TR,  0,   8,  2,   -1, "",           "",       "", true},
    {"ef-msisdn",    "EF.MSISDN",    0x6F40, LF,  1,  24,  2,   -1, "",           "FF",     "", false},
    {"ef-puct",      "EF.PUCT",      0x6F41, TR,  0,   5,  5,   -1, "FFFFFF0000", "",       "", false},
    {"ef-cbmi",      "EF.CBMI",      0x6F45, TR,  0,  10,  5,   -1, "",           "FF",     "", false},
    {"ef-cbmid",     "EF.CBMID",     0x6F48, TR,  0,  10,  2, 0x0E, "",           "FF",     "", false},
    {"ef-sdn",       "EF.SDN",       0x6F49, LF, 10,  24,  2,   -1, "",           "FF",     "", false},
    {"ef-ext2",      "EF.EXT2",      0x6F4B, LF, 10,  13,  8,   -1, "00",         "FF",     "", false},
    {"ef-ext3",      "EF.EXT3",      0x6F4C, LF, 10,  13,  2,   -1, "00",         "FF",     "", false},
    {"ef-cbmir",     "EF.CBMIR",     0x6F50, TR,  0,  20,  5,   -1, "",           "FF",     "", false},
    {"ef-plmnwact",  "EF.PLMNwAcT",  0x6F60, TR,  0,  40,  5, 0x0A, "",           kPlmnAct, "", false},
    {"ef-oplmnwact", "EF.OPLMNwAcT", 0x6F61, TR,  0,  40,  2, 0x11, "",           kPlmnAct, "", false},
    {"ef-hplmnwact", "EF.HPLMNwAcT", 0x6F62, TR,  0,   5,  2, 0x13, "",           kPlmnAct, "", false},
    {"ef-dck",       "EF.DCK",       0x6F2C, TR,  0,  16,  5,   -1, "",           "FF",     "", false},
    {"ef-cnl",       "EF.CNL",       0x6F32, TR,  0,  30,  2,   -1, "",           "FF",     "", false},
    {"ef-smsr",      "EF.SMSR",      0x6F47, LF, 10,  30,  5,   -1, "00",         "FF",     "", false},
    {"ef-bdn",       "EF.BDN",       0x6F4D, LF, 10,  25,  8,   -1, "",           "FF",     "", false},
    {"ef-ext5",      "EF.EXT5",      0x6F4E, LF, 10,  13,  5,   -1, "00",         "FF",     "", false},
    {"ef-ccp2",      "EF.CCP2",      0x6F4F, LF,  5,  15,  5, 0x16, "",           "FF",     "", false},
    {"ef-ext4",      "EF.EXT4",      0x6F55, LF, 10,  13,  8,   -1, "00",         "FF",     "", false},
    {"ef-acl",       "EF.ACL",       0x6F57, TR,  0, 101,  8,   -1, "00",         "FF",     "", false},
    {"ef-cmi",       "EF.CMI",       0x6F58, LF, 10,  11,  2,   -1, "",           "FF",     "", false},
    {"ef-ici",       "EF.ICI",       0x6F80, CY, 20,  38,  5, 0x14, kIciRecord,   "",       "", false},
    {"ef-oci",       "EF.OCI",       0x6F81, CY, 20,  37,  5, 0x15, kOciRecord,   "",       "", false},
    {"ef-ict",       "EF.ICT",       0x6F82, CY,  1,   3,  7,   -1, "",           "00",     "", false},
    {"ef-oct",       "EF.OCT",       0x6F83, CY,  1,   3,  7,   -1, "",           "00",     "", false},
    {"ef-vgcs",      "EF.VGCS",      0x6FB1, TR,  0,  20,  2,   -1, "",           "",       "", true},
    {"ef-vgcss",     "EF.VGCSS",     0x6FB2, TR,  0,   7,  5,   -1, "",           "",       "", true},
    {"ef-vbs",       "EF.VBS",       0x6FB3, TR,  0,  20,  2,   -1, "",           "",       "", true},
    {"ef-vbss",      "EF.VBSS",      0x6FB4, TR,  0,   7,  5,   -1, "",           "",       "", true},
    {"ef-emlpp",     "EF.eMLPP",     0x6FB5, TR,  0,   2,  2,   -1, "",           "",       "", true},
    {"ef-aaem",      "EF.AaeM",      0x6FB6, TR,  0,   1,  5,   -1, "00",         "",       "", false},
    {"ef-hiddenkey", "EF.HiddenKey", 0x6FC3, TR,  0,   4,  5,   -1, "",           "FF",     "", false},
    {"ef-pnn",       "EF.PNN",       0x6FC5, LF, 10,  16, 10, 0x19, "",           "",       "", true},
    {"ef-opl",       "EF.OPL",       0x6FC6, LF,  5,   8, 10, 0x1A, "",           "",       "", true},
    {"ef-mbdn",      "EF.MBDN",      0x6FC7, LF,  3,  24,  5,   -1, "",           "",       "", true},
    {"ef-ext6",      "EF.EXT6",      0x6FC8, LF, 10,  13,  5,   -1, "00",         "FF",     "", false},
    {"ef-mbi",       "EF.MBI",       0x6FC9, LF, 10,   5,  5,   -1, "",           "",       "", true},
    {"ef-mwis",      "EF.MWIS",      0x6FCA, LF, 10,   6,  5,   -1, "",           "00",     "", false},
    {"ef-cfis",      "EF.CFIS",      0x6FCB, LF, 10,  16,  5,   -1, "0100",       "FF",     "", false},
    // pySim repeats EF.CFIS's 6FCB for EF.EXT7; TS 31.102 has 6FCC.
    {"ef-ext7",      "EF.EXT7",      0x6FCC, LF, 10,  13,  5,   -1, "00",         "FF",     "", false},
    {"ef-spdi",      "EF.SPDI",      0x6FCD, TR,  0,  17,  2, 0x1B, "",           "",       "", true},
    {"ef-mmsn",      "EF.MMSN",      0x6FCE, LF, 10,   6,  5,   -1, "000000",     "FF",     "", false},
    {"ef-ext8",      "EF.EXT8",      0x6FCF, LF, 10,  13,  5,   -1, "00",         "FF",     "", false},
    {"ef-mmsicp",    "EF.MMSICP",    0x6FD0, TR,  0, 100,  2,   -1, "",           "FF",     "", false},
    {"ef-mmsup",     "EF.MMSUP",     0x6FD1, LF,  0,   0,  5,   -1, "",           "FF",     "", false},
    {"ef-mmsucp",    "EF.MMSUCP",    0x6FD2, TR,  0, 100,  5,   -1, "",           "FF",     "", false},
    {"ef-nia",       "EF.NIA",       0x6FD3, LF,  5,  11,  2,   -1, "",           "FF",     "", false},
    {"ef-vgcsca",    "EF.VGCSCA",    0x6FD4, TR,  0,   0,  2,   -1, "",           "00",     "", false},
    {"ef-vbsca",     "EF.VBSCA",     0x6FD5, TR,  0,   0,  2,   -1, "",           "00",     "", false},
    {"ef-gbabp",     "EF.GBABP",     0x6FD6, TR,  0,   0,  5,   -1, "",           "FF",     "", false},
    {"ef-msk",       "EF.MSK",       0x6FD7, LF,  0,   0,  2,   -1, "",           "FF",     "", false},
    {"ef-muk",       "EF.MUK",       0x6FD8, LF,  0,   0,  2,   -1, "",           "FF",     "", false},
    {"ef-ehplmn",    "EF.EHPLMN",    0x6FD9, TR,  0,  15,  2, 0x1D, "",           "FF",     "", false},
    {"ef-gbanl",     "EF.GBANL",     0x6FDA, LF,  0,   0,  2,   -1, "",           "FF",     "", false},
    {"ef-ehplmnpi",  "EF.EHPLMNPI",  0x6FDB, TR,  0,   1,  2,   -1, "00",         "",       "", false},
    {"ef-lrplmnsi",  "EF.LRPLMNSI",  0x6FDC, TR,  0,   1,  2,   -1, "00",         "",       "", false},
    {"ef-nafkca",    "EF.NAFKCA",    0x6FDD, LF,  0,   0,  2,   -1, "",           "FF",     "", false},
    {"ef-spni",      "EF.SPNI",      0x6FDE, TR,  0,   0, 10,   -1, "00",         "FF",     "", false},
    {"ef-pnni",      "EF.PNNI",      0x6FDF, LF,  0,   0, 10,   -1, "00",         "FF",     "", false},
    {"ef-ncp-ip",    "EF.NCP-IP",    0x6FE2, LF,  0,   0,  2,   -1, "",           "",       "", true},
    {"ef-ufc",       "EF.UFC",       0x6FE6, TR,  0,  30, 10,   -1, kUfc,         "",       "", false},
    {"ef-nasconfig", "EF.NASCONFIG", 0x6FE8, TR,  0,  18,  2,   -1, "",           "",       "", true},
    {"ef-uicciari",  "EF.UICCIARI",  0x6FE7, LF,  0,   0,  2,   -1, "",           "",       "", true},
    {"ef-pws",       "EF.PWS",       0x6FEC, TR,  0,   0, 10,   -1, "",           "",       "", true},
    {"ef-fdnuri",    "EF.FDNURI",    0x6FED, LF,  0,   0,  8,   -1, "",           "FF",     "", false},
    {"ef-bdnuri",    "EF.BDNURI",    0x6FEE, LF,  0,   0,  8,   -1, "",           "FF",     "", false},
    {"ef-sdnuri",    "EF.SDNURI",    0x6FEF, LF,  0,   0,  2,   -1, "",           "FF",     "", false},
    // Named ef-iwl (EF.IWL) up to version 3.2 of the PE definitions.
    {"ef-ial",       "EF.IAL",       0x6FF0, LF,  0,   0,  3,   -1, "",           "FF",     "", false},
    {"ef-ips",       "EF.IPS",       0x6FF1, CY,  0,   4, 10,   -1, "",           "FF",     "", false},
    {"ef-ipd",       "EF.IPD",       0x6FF2, LF,  0,   0,  3,   -1, "",           "FF",     "", false},
    // Version 2 (2.5.2) adds the files from here on; version 1 (2.5) is the table cut here.
    {"ef-epdgid",                   "EF.ePDGId",                   0x6FF3, TR, 0, 0,  2, -1, "",   "", "", true},
    {"ef-epdgselection",            "EF.ePDGSelection",            0x6FF4, TR, 0, 0,  2, -1, "",   "", "", true},
    {"ef-epdgidem",                 "EF.ePDGIdEm",                 0x6FF5, TR, 0, 0,  2, -1, "",   "", "", true},
    {"ef-epdgselectionem",          "EF.ePDGSelectionEm",          0x6FF6, TR, 0, 0,  2, -1, "",   "", "", true},
    {"ef-frompreferred",            "EF.FromPreferred",            0x6FF7, TR, 0, 1,  2, -1, "00", "", "", false},
    {"ef-imsconfigdata",            "EF.IMSConfigData",            0x6FF8, BT, 0, 0,  2, -1, "",   "", "", true},
    {"ef-3gpppsdataoff",            "EF.3GPPPSDATAOFF",            0x6FF9, TR, 0, 4,  2, -1, "",   "", "", true},
    {"ef-3gpppsdataoffservicelist", "EF.3GPPPSDATAOFFservicelist", 0x6FFA, LF, 0, 0,  2, -1, "",   "", "", true},
    {"ef-xcapconfigdata",           "EF.XCAPConfigData",           0x6FFC, BT, 0, 0,  2, -1, "",   "", "", true},
    {"ef-earfcnlist",               "EF.EARFCNList",               0x6FFD, TR, 0, 0, 10, -1, "",   "", "", true},
    // pySim repeats EF.EARFCNList's 6FFD; TS 31.102 has 6FFE.
    {"ef-mudmidconfigdata",         "EF.MuDMiDConfigData",         0x6FFE, BT, 0, 0,  2, -1, "",   "", "", true},
    // Version 3 (2.5.3) adds EF.eAKA.
    {"ef-eaka",                     "EF.eAKA",                     0x6F01, TR, 0, 1,  3, -1, "",   "", "", true},
};

// DF.PHONEBOOK of ADF.USIM (2.6).
constexpr TemplateFile kPhonebookFiles[] = {
    {"df-phonebook", "DF.PHONEBOOK", 0x5F3A, DF, 0,  0, 14, -1, "",   "",   "", false},
    {"ef-pbr",       "EF.PBR",       0x4F30, LF, 0,  0,  2, -1, "",   "",   "", true},
    // Families, the PE names each file: EXT1 4F38..4F3F, AAS 4F40.., GAS 4F48.., IAP 4F50..,
    // ADN 4F58.., PBC 4F60.. (pySim labels it a second EF.ADN), ANR 4F68.., PURI 4F70..,
    // EMAIL 4F78.., SNE 4F80.., UID 4F88.., GRP 4F90.., CCP1 4F98..4F9F. Their SFIs, and
    // those of EF.PSC/CC/PUID, are parameters of the PE: -1 here.
    {"ef-ext1",      "EF.EXT1",      0,      LF, 0, 13,  5, -1, "00", "FF", "", false},
    {"ef-aas",       "EF.AAS",       0,      LF, 0,  0,  5, -1, "",   "FF", "", false},
    {"ef-gas",       "EF.GAS",       0,      LF, 0,  0,  5, -1, "",   "FF", "", false},
    {"ef-psc",       "EF.PSC",       0x4F22, TR, 0,  4,  5, -1, "",   "00", "", false},
    {"ef-cc",        "EF.CC",        0x4F23, TR, 0,  2,  5, -1, "",   "00", "", false},
    {"ef-puid",      "EF.PUID",      0x4F24, TR, 0,  2,  5, -1, "",   "00", "", false},
    {"ef-iap",       "EF.IAP",       0,      LF, 0,  0,  5, -1, "",   "FF", "", false},
    {"ef-adn",       "EF.ADN",       0,      LF, 0,  0,  5, -1, "",   "FF", "", false},
    {"ef-pbc",       "EF.PBC",       0,      LF, 0,  2,  5, -1, "",   "00", "", false},
    {"ef-anr",       "EF.ANR",       0,      LF, 0,  0,  5, -1, "",   "FF", "", false},
    {"ef-puri",      "EF.PURI",      0,      LF, 0,  0,  5, -1, "",   "",   "", true},
    {"ef-email",     "EF.EMAIL",     0,      LF, 0,  0,  5, -1, "",   "FF", "", false},
    {"ef-sne",       "EF.SNE",       0,      LF, 0,  0,  5, -1, "",   "FF", "", false},
    {"ef-uid",       "EF.UID",       0,      LF, 0,  2,  5, -1, "",   "00", "", false},
    {"ef-grp",       "EF.GRP",       0,      LF, 0,  0,  5, -1, "",   "00", "", false},
    {"ef-ccp1",      "EF.CCP1",      0,      LF, 0,  0,  5, -1, "",   "FF", "", false},
};

// DF.GSM-ACCESS of ADF.USIM (2.7).
constexpr TemplateFile kGsmAccessFiles[] = {
    {"df-gsm-access", "DF.GSM-ACCESS", 0x5F3B, DF, 0,  0, 14,   -1, "",         "",   "", false},
    {"ef-kc",         "EF.Kc",         0x4F20, TR, 0,  9,  5, 0x01, kKcDefault, "",   "", false},
    {"ef-kcgprs",     "EF.KcGPRS",     0x4F52, TR, 0,  9,  5, 0x02, kKcDefault, "",   "", false},
    {"ef-cpbcch",     "EF.CPBCCH",     0x4F63, TR, 0, 10,  5,   -1, "",         "FF", "", false},
    {"ef-invscan",    "EF.InvScan",    0x4F64, TR, 0,  1,  2,   -1, "00",       "",   "", false},
};

// ADF.ISIM (2.8). EF.IMPU has one record whose length the PE gives.
constexpr TemplateFile kIsimFiles[] = {
    {"adf-isim",  "ADF.ISIM",  0,      ADF, 0,  0, 14,   -1, "", "",   "", false},
    {"ef-impi",   "EF.IMPI",   0x6F02, TR,  0,  0,  2, 0x02, "", "",   "", true},
    {"ef-impu",   "EF.IMPU",   0x6F04, LF,  1,  0,  2, 0x04, "", "",   "", true},
    {"ef-domain", "EF.DOMAIN", 0x6F03, TR,  0,  0,  2, 0x05, "", "",   "", true},
    {"ef-ist",    "EF.IST",    0x6F07, TR,  0, 14,  2, 0x07, "", "",   "", true},
    {"ef-ad",     "EF.AD",     0x6FAD, TR,  0,  3, 10, 0x03, "", "00", "", false},
    {"ef-arr",    "EF.ARR",    0x6F06, LF,  0,  0, 10, 0x06, "", "",   "", true},
};

// Optional files of ADF.ISIM, version 2 (2.9.2); version 1 (2.9) is cut from it.
constexpr TemplateFile kOptIsimFiles[] = {
    {"ef-pcscf",            "EF.P-CSCF",           0x6F09, LF,  1,   0, 2, -1, "",   "",   "", true},
    {"ef-sms",              "EF.SMS",              0x6F3C, LF, 10, 176, 5, -1, "00", "FF", "", false},
    {"ef-smsp",             "EF.SMSP",             0x6F42, LF,  1,  38, 5, -1, "",   "FF", "", false},
    {"ef-smss",             "EF.SMSS",             0x6F43, TR,  0,   2, 5, -1, "",   "FF", "", false},
    {"ef-smsr",             "EF.SMSR",             0x6F47, LF, 10,  30, 5, -1, "00", "FF", "", false},
    {"ef-gbabp",            "EF.GBABP",            0x6FD5, TR,  0,   0, 5, -1, "",   "FF", "", false},
    {"ef-gbanl",            "EF.GBANL",            0x6FD7, LF,  0,   0, 2, -1, "",   "FF", "", false},
    {"ef-nafkca",           "EF.NAFKCA",           0x6FDD, LF,  0,   0, 2, -1, "",   "FF", "", false},
    {"ef-uicciari",         "EF.UICCIARI",         0x6FE7, LF,  0,   0, 2, -1, "",   "",   "", true},
    // Version 2 (2.9.2) adds the files from here on; version 1 (2.9) is the table cut here.
    {"ef-frompreferred",    "EF.FromPreferred",    0x6FF7, TR,  0,   1, 2, -1, "00", "",   "", false},
    {"ef-imsconfigdata",    "EF.IMSConfigData",    0x6FF8, BT,  0,   0, 2, -1, "",   "",   "", true},
    {"ef-xcapconfigdata",   "EF.XCAPConfigData",   0x6FFC, BT,  0,   0, 2, -1, "",   "",   "", true},
    {"ef-webrtcuri",        "EF.WebRTCURI",        0x6FFA, LF,  0,   0, 2, -1, "",   "",   "", true},
    // pySim repeats EF.WebRTCURI's 6FFA; TS 31.103 has 6FFE.
    {"ef-mudmidconfigdata", "EF.MuDMiDConfigData", 0x6FFE, BT,  0,   0, 2, -1, "",   "",   "", true},
};

// ADF.CSIM (2.10 and 2.10.2, taken to define the same files: no public transcription shows how
// they differ). pySim leaves the CSIM templates undone, so these rows come from 3GPP2 C.S0065:
// FIDs and structures (each agrees with the TS.48 profiles' CSIM files) and its fixed file sizes;
// a size C.S0065 leaves open is 0. Annex A's CSIM access rules and SFIs could not be checked, so
// the ARR record is 0 and the SFI -1: the TS.48 profiles give both for every CSIM file.
constexpr TemplateFile kCsimFiles[] = {
    {"adf-csim",        "ADF.CSIM",        0,      ADF, 0,  0, 0, -1, "", "", "", false},
    {"ef-arr",          "EF.ARR",          0x6F06, LF,  0,  0, 0, -1, "", "", "", true},
    // One 2-byte record: the TS.48 profiles give this cyclic file no size.
    {"ef-call-count",   "EF.CallCount",    0x6F21, CY,  1,  2, 0, -1, "", "", "", false},
    {"ef-imsi-m",       "EF.IMSI_M",       0x6F22, TR,  0, 10, 0, -1, "", "", "", true},
    {"ef-imsi-t",       "EF.IMSI_T",       0x6F23, TR,  0, 10, 0, -1, "", "", "", true},
    {"ef-tmsi",         "EF.TMSI",         0x6F24, TR,  0, 16, 0, -1, "", "", "", false},
    {"ef-ah",           "EF.AH",           0x6F25, TR,  0,  2, 0, -1, "", "", "", false},
    {"ef-aop",          "EF.AOP",          0x6F26, TR,  0,  1, 0, -1, "", "", "", false},
    {"ef-aloc",         "EF.ALOC",         0x6F27, TR,  0,  7, 0, -1, "", "", "", false},
    {"ef-cdmahome",     "EF.CDMAHOME",     0x6F28, LF,  0,  5, 0, -1, "", "", "", true},
    {"ef-znregi",       "EF.ZNREGI",       0x6F29, LF,  0,  8, 0, -1, "", "", "", false},
    {"ef-snregi",       "EF.SNREGI",       0x6F2A, TR,  0,  7, 0, -1, "", "", "", false},
    {"ef-distregi",     "EF.DISTREGI",     0x6F2B, TR,  0,  7, 0, -1, "", "", "", false},
    {"ef-accolc",       "EF.ACCOLC",       0x6F2C, TR,  0,  1, 0, -1, "", "", "", false},
    {"ef-term",         "EF.TERM",         0x6F2D, TR,  0,  1, 0, -1, "", "", "", false},
    {"ef-acp",          "EF.ACP",          0x6F2F, TR,  0,  7, 0, -1, "", "", "", false},
    {"ef-prl",          "EF.PRL",          0x6F30, TR,  0,  0, 0, -1, "", "", "", true},
    {"ef-ruimid",       "EF.RUIMID",       0x6F31, TR,  0,  0, 0, -1, "", "", "", true},
    {"ef-csim-st",      "EF.CSIM_ST",      0x6F32, TR,  0,  0, 0, -1, "", "", "", true},
    {"ef-spc",          "EF.SPC",          0x6F33, TR,  0,  3, 0, -1, "", "", "", false},
    {"ef-otapaspc",     "EF.OTAPASPC",     0x6F34, TR,  0,  1, 0, -1, "", "", "", false},
    {"ef-namlock",      "EF.NAMLOCK",      0x6F35, TR,  0,  1, 0, -1, "", "", "", false},
    // A count byte and eight feature/revision pairs: the TS.48 profiles write 17 bytes here
    // without giving a size, so the template must.
    {"ef-ota",          "EF.OTA",          0x6F36, TR,  0, 17, 0, -1, "", "", "", false},
    {"ef-sp",           "EF.SP",           0x6F37, TR,  0,  1, 0, -1, "", "", "", false},
    {"ef-esn-meid-me",  "EF.ESN_MEID_ME",  0x6F38, TR,  0,  8, 0, -1, "", "", "", false},
    {"ef-li",           "EF.LI",           0x6F3A, TR,  0,  0, 0, -1, "", "", "", false},
    {"ef-usgind",       "EF.USGIND",       0x6F42, TR,  0,  1, 0, -1, "", "", "", false},
    {"ef-ad",           "EF.AD",           0x6F43, TR,  0,  3, 0, -1, "", "", "", false},
    {"ef-max-prl",      "EF.MAXPRL",       0x6F45, TR,  0,  4, 0, -1, "", "", "", false},
    {"ef-spcs",         "EF.SPCS",         0x6F46, TR,  0,  1, 0, -1, "", "", "", false},
    {"ef-mecrp",        "EF.MECRP",        0x6F55, TR,  0,  3, 0, -1, "", "", "", false},
    {"ef-home-tag",     "EF.HOME_TAG",     0x6F70, TR,  0,  0, 0, -1, "", "", "", false},
    {"ef-group-tag",    "EF.GROUP_TAG",    0x6F71, TR,  0,  0, 0, -1, "", "", "", false},
    {"ef-specific-tag", "EF.SPECIFIC_TAG", 0x6F72, TR,  0,  0, 0, -1, "", "", "", false},
    {"ef-call-prompt",  "EF.CALL_PROMPT",  0x6F73, TR,  0,  0, 0, -1, "", "", "", false},
};

// Optional files of ADF.CSIM (2.11 and 2.11.2), built as ADF.CSIM above.
constexpr TemplateFile kOptCsimFiles[] = {
    {"ef-ssci",            "EF.SSCI",           0x6F2E, TR, 0,   1, 0, -1, "", "", "", false},
    {"ef-fdn",             "EF.FDN",            0x6F3B, LF, 0,   0, 0, -1, "", "", "", false},
    {"ef-sms",             "EF.SMS",            0x6F3C, LF, 0,   0, 0, -1, "", "", "", false},
    {"ef-smsp",            "EF.SMSP",           0x6F3D, LF, 0,   0, 0, -1, "", "", "", false},
    {"ef-smss",            "EF.SMSS",           0x6F3E, TR, 0,   5, 0, -1, "", "", "", false},
    {"ef-ssfc",            "EF.SSFC",           0x6F3F, TR, 0,   0, 0, -1, "", "", "", false},
    {"ef-spn",             "EF.SPN",            0x6F41, TR, 0,  35, 0, -1, "", "", "", false},
    {"ef-mdn",             "EF.MDN",            0x6F44, LF, 0,  11, 0, -1, "", "", "", false},
    {"ef-ecc",             "EF.ECC",            0x6F47, TR, 0,   0, 0, -1, "", "", "", false},
    {"ef-me3gpdopc",       "EF.ME3GPDOPC",      0x6F48, TR, 0,   1, 0, -1, "", "", "", false},
    {"ef-3gpdopm",         "EF.3GPDOPM",        0x6F49, TR, 0,   1, 0, -1, "", "", "", false},
    {"ef-sipcap",          "EF.SIPCAP",         0x6F4A, TR, 0,   4, 0, -1, "", "", "", false},
    {"ef-mipcap",          "EF.MIPCAP",         0x6F4B, TR, 0,   5, 0, -1, "", "", "", false},
    {"ef-sipupp",          "EF.SIPUPP",         0x6F4C, TR, 0,   0, 0, -1, "", "", "", false},
    {"ef-mipupp",          "EF.MIPUPP",         0x6F4D, TR, 0,   0, 0, -1, "", "", "", false},
    {"ef-sipsp",           "EF.SIPSP",          0x6F4E, TR, 0,   1, 0, -1, "", "", "", false},
    {"ef-mipsp",           "EF.MIPSP",          0x6F4F, TR, 0,   0, 0, -1, "", "", "", false},
    {"ef-sippapss",        "EF.SIPPAPSS",       0x6F50, TR, 0,   0, 0, -1, "", "", "", false},
    {"ef-puzl",            "EF.PUZL",           0x6F53, TR, 0,   0, 0, -1, "", "", "", false},
    {"ef-maxpuzl",         "EF.MAXPUZL",        0x6F54, TR, 0,   0, 0, -1, "", "", "", false},
    {"ef-hrpdcap",         "EF.HRPDCAP",        0x6F56, TR, 0,   3, 0, -1, "", "", "", false},
    {"ef-hrpdupp",         "EF.HRPDUPP",        0x6F57, TR, 0,   0, 0, -1, "", "", "", false},
    {"ef-csspr",           "EF.CSSPR",          0x6F58, TR, 0,   1, 0, -1, "", "", "", false},
    {"ef-atc",             "EF.ATC",            0x6F59, TR, 0,   1, 0, -1, "", "", "", false},
    {"ef-eprl",            "EF.EPRL",           0x6F5A, TR, 0,   0, 0, -1, "", "", "", false},
    {"ef-bcsmscfg",        "EF.BCSMScfg",       0x6F5B, TR, 0,   1, 0, -1, "", "", "", false},
    {"ef-bcsmspref",       "EF.BCSMSpref",      0x6F5C, TR, 0,   1, 0, -1, "", "", "", false},
    {"ef-bcsmstable",      "EF.BCSMStable",     0x6F5D, LF, 0,   0, 0, -1, "", "", "", false},
    {"ef-bcsmsp",          "EF.BCSMSP",         0x6F5E, LF, 0,   2, 0, -1, "", "", "", false},
    {"ef-bakpara",         "EF.BAKPARA",        0x6F63, LF, 0,   0, 0, -1, "", "", "", false},
    {"ef-upbakpara",       "EF.UpBAKPARA",      0x6F64, LF, 0,   0, 0, -1, "", "", "", false},
    {"ef-mmsn",            "EF.MMSN",           0x6F65, LF, 0,   0, 0, -1, "", "", "", false},
    {"ef-ext8",            "EF.EXT8",           0x6F66, LF, 0,   0, 0, -1, "", "", "", false},
    {"ef-mmsicp",          "EF.MMSICP",         0x6F67, TR, 0,   0, 0, -1, "", "", "", false},
    {"ef-mmsup",           "EF.MMSUP",          0x6F68, LF, 0,   0, 0, -1, "", "", "", false},
    {"ef-mmsucp",          "EF.MMSUCP",         0x6F69, TR, 0,   0, 0, -1, "", "", "", false},
    {"ef-auth-capability", "EF.AuthCapability", 0x6F6A, TR, 0,   0, 0, -1, "", "", "", false},
    // CK and IK, 16 bytes each (C.S0065); the TS.48 profiles give no size.
    {"ef-3gcik",           "EF.3GCIK",          0x6F6B, TR, 0,  32, 0, -1, "", "", "", false},
    {"ef-dck",             "EF.DCK",            0x6F6C, TR, 0,   0, 0, -1, "", "", "", false},
    {"ef-gid1",            "EF.GID1",           0x6F6D, TR, 0,   0, 0, -1, "", "", "", false},
    {"ef-gid2",            "EF.GID2",           0x6F6E, TR, 0,   0, 0, -1, "", "", "", false},
    {"ef-cdmacnl",         "EF.CDMACNL",        0x6F6F, TR, 0,   0, 0, -1, "", "", "", false},
    {"ef-sf-euimid",       "EF.SF_EUIMID",      0x6F74, TR, 0,   7, 0, -1, "", "", "", false},
    {"ef-est",             "EF.EST",            0x6F75, TR, 0,   0, 0, -1, "", "", "", false},
    {"ef-hidden-key",      "EF.HiddenKey",      0x6F76, TR, 0,   0, 0, -1, "", "", "", false},
    {"ef-lcsver",          "EF.LCSVER",         0x6F77, TR, 0,   0, 0, -1, "", "", "", false},
    {"ef-lcscp",           "EF.LCSCP",          0x6F78, TR, 0,   0, 0, -1, "", "", "", false},
    {"ef-sdn",             "EF.SDN",            0x6F79, LF, 0,   0, 0, -1, "", "", "", false},
    {"ef-ext2",            "EF.EXT2",           0x6F7A, LF, 0,   0, 0, -1, "", "", "", false},
    {"ef-ext3",            "EF.EXT3",           0x6F7B, LF, 0,   0, 0, -1, "", "", "", false},
    {"ef-ici",             "EF.ICI",            0x6F7C, CY, 0,   0, 0, -1, "", "", "", false},
    {"ef-oci",             "EF.OCI",            0x6F7D, CY, 0,   0, 0, -1, "", "", "", false},
    {"ef-ext5",            "EF.EXT5",           0x6F7E, LF, 0,   0, 0, -1, "", "", "", false},
    {"ef-ccp2",            "EF.CCP2",           0x6F7F, LF, 0,   0, 0, -1, "", "", "", false},
    {"ef-applabels",       "EF.AppLabels",      0x6F80, TR, 0,   0, 0, -1, "", "", "", false},
    {"ef-model",           "EF.Model",          0x6F81, TR, 0, 126, 0, -1, "", "", "", false},
    {"ef-rc",              "EF.RC",             0x6F82, TR, 0,   0, 0, -1, "", "", "", false},
    {"ef-smscap",          "EF.SMSCAP",         0x6F83, TR, 0,   0, 0, -1, "", "", "", false},
    {"ef-mipflags",        "EF.MIPFlags",       0x6F84, TR, 0,   1, 0, -1, "", "", "", false},
    {"ef-3gpduppext",      "EF.3GPDUPPExt",     0x6F85, TR, 0,   0, 0, -1, "", "", "", false},
    {"ef-ipv6cap",         "EF.IPV6CAP",        0x6F87, TR, 0,   0, 0, -1, "", "", "", false},
    {"ef-tcpconfig",       "EF.TCPConfig",      0x6F88, TR, 0,   0, 0, -1, "", "", "", false},
    {"ef-dgc",             "EF.DGC",            0x6F89, TR, 0,   0, 0, -1, "", "", "", false},
    {"ef-wapbrowsercp",    "EF.WAPBrowserCP",   0x6F8A, TR, 0,   0, 0, -1, "", "", "", false},
    {"ef-wapbrowserbm",    "EF.WAPBrowserBM",   0x6F8B, TR, 0,   0, 0, -1, "", "", "", false},
    {"ef-mmsconfig",       "EF.MMSConfig",      0x6F8C, TR, 0,   0, 0, -1, "", "", "", false},
    {"ef-jdl",             "EF.JDL",            0x6F8D, TR, 0,   0, 0, -1, "", "", "", false},
};

// DF.EAP (2.12). TS 102 310 puts DF.EAP inside the ADF of the application it serves, and Annex A
// leaves its FID to the PE; the USIM is taken as that application, as for the other DFs of
// ADF.USIM. pySim names 4F21 EF.RelID; TS 102 310 and the PE member call it EF.ReID.
constexpr TemplateFile kEapFiles[] = {
    {"df-eap",       "DF.EAP",       0,      DF, 0, 0, 14, -1, "",   "",   "", false},
    {"ef-eapkeys",   "EF.EAPKEYS",   0x4F01, TR, 0, 0,  2, -1, "",   "",   "", true},
    {"ef-eapstatus", "EF.EAPSTATUS", 0x4F02, TR, 0, 1,  2, -1, "00", "",   "", false},
    {"ef-puid",      "EF.PUId",      0x4F03, TR, 0, 0,  2, -1, "",   "",   "", true},
    {"ef-ps",        "EF.Ps",        0x4F04, TR, 0, 0,  5, -1, "",   "FF", "", false},
    {"ef-curid",     "EF.CurID",     0x4F20, TR, 0, 0,  5, -1, "",   "FF", "", false},
    {"ef-reid",      "EF.ReID",      0x4F21, TR, 0, 0,  5, -1, "",   "",   "", true},
    {"ef-realm",     "EF.Realm",     0x4F22, TR, 0, 0,  5, -1, "",   "",   "", true},
};

// DF.5GS of ADF.USIM, version 2 (2.13.2); version 1 (2.13) is cut from it. DF.5GS is 5FC0, as in
// TS 31.102 and the TS.48 profiles (pySim has 6FC0).
constexpr TemplateFile k5gsFiles[] = {
    {"df-df-5gs",            "DF.5GS",               0x5FC0, DF, 0,   0, 14,   -1, "",       "",   "", false},
    {"ef-5gs3gpploci",       "EF.5GS3GPPLOCI",       0x4F01, TR, 0,  20,  5, 0x01, k5gsLoci, "",   "", false},
    {"ef-5gsn3gpploci",      "EF.5GSN3GPPLOCI",      0x4F02, TR, 0,  20,  5, 0x02, k5gsLoci, "",   "", false},
    {"ef-5gs3gppnsc",        "EF.5GS3GPPNSC",        0x4F03, LF, 1,  57,  5, 0x03, "",       "FF", "", false},
    {"ef-5gsn3gppnsc",       "EF.5GSN3GPPNSC",       0x4F04, LF, 1,  57,  5, 0x04, "",       "FF", "", false},
    {"ef-5gauthkeys",        "EF.5GAUTHKEYS",        0x4F05, TR, 0, 110,  5, 0x05, "",       "",   "", true},
    {"ef-uac-aic",           "EF.UAC_AIC",           0x4F06, TR, 0,   4,  2, 0x06, "",       "",   "", true},
    {"ef-suci-calc-info",    "EF.SUCI_Calc_Info",    0x4F07, TR, 0,   0,  2, 0x07, "",       "FF", "", false},
    {"ef-opl5g",             "EF.OPL5G",             0x4F08, LF, 0,  10, 10, 0x08, "",       "FF", "", false},
    {"ef-supinai",           "EF.SUPI_NAI",          0x4F09, TR, 0,   0,  2, 0x09, "",       "",   "", true},
    {"ef-routing-indicator", "EF.Routing_Indicator", 0x4F0A, TR, 0,   4,  2, 0x0A, "F0",     "FF", "", false},
    // Version 2 (2.13.2) adds EF.URSP and EF.TN3GPPSNN; version 1 (2.13) is the table cut here.
    {"ef-ursp",              "EF.URSP",              0x4F0B, BT, 0,   0,  2,   -1, "",       "",   "", false},
    {"ef-tn3gppsnn",         "EF.TN3GPPSNN",         0x4F0C, TR, 0,   1,  2, 0x0C, "00",     "",   "", false},
};

// DF.5GS version 3 (2.13.3): two records of 62 bytes in the NSC files.
constexpr TemplateFile k5gsV3Files[] = {
    {"df-df-5gs",            "DF.5GS",               0x5FC0, DF, 0,   0, 14,   -1, "",       "",   "", false},
    {"ef-5gs3gpploci",       "EF.5GS3GPPLOCI",       0x4F01, TR, 0,  20,  5, 0x01, k5gsLoci, "",   "", false},
    {"ef-5gsn3gpploci",      "EF.5GSN3GPPLOCI",      0x4F02, TR, 0,  20,  5, 0x02, k5gsLoci, "",   "", false},
    {"ef-5gs3gppnsc",        "EF.5GS3GPPNSC",        0x4F03, LF, 2,  62,  5, 0x03, "",       "FF", "", false},
    {"ef-5gsn3gppnsc",       "EF.5GSN3GPPNSC",       0x4F04, LF, 2,  62,  5, 0x04, "",       "FF", "", false},
    {"ef-5gauthkeys",        "EF.5GAUTHKEYS",        0x4F05, TR, 0, 110,  5, 0x05, "",       "",   "", true},
    {"ef-uac-aic",           "EF.UAC_AIC",           0x4F06, TR, 0,   4,  2, 0x06, "",       "",   "", true},
    {"ef-suci-calc-info",    "EF.SUCI_Calc_Info",    0x4F07, TR, 0,   0,  2, 0x07, "",       "FF", "", false},
    {"ef-opl5g",             "EF.OPL5G",             0x4F08, LF, 0,  10, 10, 0x08, "",       "FF", "", false},
    {"ef-supinai",           "EF.SUPI_NAI",          0x4F09, TR, 0,   0,  2, 0x09, "",       "",   "", true},
    {"ef-routing-indicator", "EF.Routing_Indicator", 0x4F0A, TR, 0,   4,  2, 0x0A, "F0",     "FF", "", false},
    {"ef-ursp",              "EF.URSP",              0x4F0B, BT, 0,   0,  2,   -1, "",       "",   "", false},
    {"ef-tn3gppsnn",         "EF.TN3GPPSNN",         0x4F0C, TR, 0,   1,  2, 0x0C, "00",     "",   "", false},
};

// DF.5GS version 4 (2.13.4): a new EF.Routing_Indicator default, and seven files more.
constexpr TemplateFile k5gsV4Files[] = {
    {"df-df-5gs",            "DF.5GS",               0x5FC0, DF, 0,   0, 14,   -1, "",         "",   "", false},
    {"ef-5gs3gpploci",       "EF.5GS3GPPLOCI",       0x4F01, TR, 0,  20,  5, 0x01, k5gsLoci,   "",   "", false},
    {"ef-5gsn3gpploci",      "EF.5GSN3GPPLOCI",      0x4F02, TR, 0,  20,  5, 0x02, k5gsLoci,   "",   "", false},
    {"ef-5gs3gppnsc",        "EF.5GS3GPPNSC",        0x4F03, LF, 2,  62,  5, 0x03, "",         "FF", "", false},
    {"ef-5gsn3gppnsc",       "EF.5GSN3GPPNSC",       0x4F04, LF, 2,  62,  5, 0x04, "",         "FF", "", false},
    {"ef-5gauthkeys",        "EF.5GAUTHKEYS",        0x4F05, TR, 0, 110,  5, 0x05, "",         "",   "", true},
    {"ef-uac-aic",           "EF.UAC_AIC",           0x4F06, TR, 0,   4,  2, 0x06, "",         "",   "", true},
    {"ef-suci-calc-info",    "EF.SUCI_Calc_Info",    0x4F07, TR, 0,   0,  2, 0x07, "",         "FF", "", false},
    {"ef-opl5g",             "EF.OPL5G",             0x4F08, LF, 0,  10, 10, 0x08, "",         "FF", "", false},
    {"ef-supinai",           "EF.SUPI_NAI",          0x4F09, TR, 0,   0,  2, 0x09, "",         "",   "", true},
    {"ef-routing-indicator", "EF.Routing_Indicator", 0x4F0A, TR, 0,   4,  2, 0x0A, "F0FF0000", "",   "", false},
    {"ef-ursp",              "EF.URSP",              0x4F0B, BT, 0,   0,  2,   -1, "",         "",   "", false},
    {"ef-tn3gppsnn",         "EF.TN3GPPSNN",         0x4F0C, TR, 0,   1,  2, 0x0C, "00",       "",   "", false},
    // Files new in version 4.
    {"ef-cag",               "EF.CAG",               0x4F0D, TR, 0,   2,  2, 0x0D, "",         "",   "", true},
    {"ef-sor-cmci",          "EF.SOR_CMCI",          0x4F0E, TR, 0,   0,  2, 0x0E, "",         "",   "", true},
    {"ef-dri",               "EF.DRI",               0x4F0F, TR, 0,   7,  2, 0x0F, "",         "",   "", true},
    {"ef-5gsedrx",           "EF.5GSEDRX",           0x4F10, TR, 0,   2,  2, 0x10, "",         "",   "", true},
    {"ef-5gnswo-conf",       "EF.5GNSWO_CONF",       0x4F11, TR, 0,   1,  2, 0x11, "",         "",   "", true},
    {"ef-mchpplmn",          "EF.MCHPPLMN",          0x4F15, TR, 0,   1,  2, 0x15, "",         "",   "", true},
    {"ef-kausf-derivation",  "EF.KAUSF_DERIVATION",  0x4F16, TR, 0,   1,  2, 0x16, "",         "",   "", true},
};

// DF.SAIP of ADF.USIM (2.14): 5FD0, as in the TS.48 profiles (pySim has 6FD0).
constexpr TemplateFile kSaipFiles[] = {
    {"df-df-saip",             "DF.SAIP",         0x5FD0, DF, 0, 0, 14, -1, "", "",   "", false},
    {"ef-suci-calc-info-usim", "EF.SUCICalcInfo", 0x4F01, TR, 0, 0,  3, -1, "", "FF", "", false},
};

// DF.SNPN of ADF.USIM (2.15).
constexpr TemplateFile kSnpnFiles[] = {
    {"df-df-snpn",  "DF.SNPN",     0x5FE0, DF, 0, 0, 14, -1, "", "", "", false},
    {"ef-pws-snpn", "EF.PWS_SNPN", 0x4F01, TR, 0, 1, 10, -1, "", "", "", true},
};

// DF.5G_ProSe of ADF.USIM (2.16).
constexpr TemplateFile k5gProseFiles[] = {
    {"df-df-5g-prose",    "DF.5G_ProSe",       0x5FF0, DF, 0,  0, 14,   -1, "", "", "", false},
    {"ef-5g-prose-st",    "EF.5G_PROSE_ST",    0x4F01, TR, 0,  1,  2, 0x01, "", "", "", true},
    {"ef-5g-prose-dd",    "EF.5G_PROSE_DD",    0x4F02, TR, 0, 26,  2, 0x02, "", "", "", true},
    {"ef-5g-prose-dc",    "EF.5G_PROSE_DC",    0x4F03, TR, 0, 12,  2, 0x03, "", "", "", true},
    {"ef-5g-prose-u2nru", "EF.5G_PROSE_U2NRU", 0x4F04, TR, 0, 32,  2, 0x04, "", "", "", true},
    {"ef-5g-prose-ru",    "EF.5G_PROSE_RU",    0x4F05, TR, 0, 29,  2, 0x05, "", "", "", true},
    {"ef-5g-prose-uir",   "EF.5G_PROSE_UIR",   0x4F06, TR, 0, 32,  2, 0x06, "", "", "", true},
};

// IoT minimal profile (2.17): the MF and an ADF.USIM in one PE. pySim has no IoT tables; each
// member is the file of the same name in the MF and ADF.USIM v2 templates, whose rows it repeats.
constexpr TemplateFile kIotFiles[] = {
    {"mf",           "MF",           0x3F00, MF,  0,   0, 14,   -1, "",             "",   "",         false},
    {"ef-pl",        "EF.PL",        0x2F05, TR,  0,   2,  1, 0x05, "",             "FF", "",         false},
    {"ef-iccid",     "EF.ICCID",     0x2FE2, TR,  0,  10, 11,   -1, "",             "",   "",         true},
    {"ef-dir",       "EF.DIR",       0x2F00, LF,  0,   0, 10, 0x1E, "",             "",   "",         true},
    {"ef-arr",       "EF.ARR",       0x2F06, LF,  0,   0, 10,   -1, "",             "",   "",         true},
    {"ef-umpc",      "EF.UMPC",      0x2F08, TR,  0,   5, 10, 0x08, "",             "",   "",         false},
    // The ADF's temporary FID comes from the PE, as in ADF.USIM.
    {"adf-usim",     "ADF.USIM",     0,      ADF, 0,   0, 14,   -1, "",             "",   "mf",       false},
    {"ef-imsi",      "EF.IMSI",      0x6F07, TR,  0,   9,  2, 0x07, "",             "",   "adf-usim", true},
    {"ef-arr-usim",  "EF.ARR",       0x6F06, LF,  0,   0, 10, 0x17, "",             "",   "adf-usim", true},
    {"ef-keys",      "EF.Keys",      0x6F08, TR,  0,  33,  5, 0x08, "07",           "FF", "adf-usim", false},
    {"ef-keysPS",    "EF.KeysPS",    0x6F09, TR,  0,  33,  5, 0x09, "07",           "FF", "adf-usim", false},
    {"ef-hpplmn",    "EF.HPPLMN",    0x6F31, TR,  0,   1,  2, 0x12, "0A",           "",   "adf-usim", false},
    {"ef-ust",       "EF.UST",       0x6F38, TR,  0,  17,  2, 0x04, "",             "",   "adf-usim", true},
    {"ef-start-hfn", "EF.START-HFN", 0x6F5B, TR,  0,   6,  5, 0x0F, "F00000F00000", "",   "adf-usim", false},
    {"ef-threshold", "EF.THRESHOLD", 0x6F5C, TR,  0,   3,  2, 0x10, "",             "FF", "adf-usim", false},
    {"ef-psloci",    "EF.PSLOCI",    0x6F73, TR,  0,  14,  5, 0x0C, kPsLoci,        "",   "adf-usim", false},
    {"ef-acc",       "EF.ACC",       0x6F78, TR,  0,   2,  2, 0x06, "",             "",   "adf-usim", true},
    {"ef-fplmn",     "EF.FPLMN",     0x6F7B, TR,  0,  12,  5, 0x0D, "",             "FF", "adf-usim", false},
    {"ef-loci",      "EF.LOCI",      0x6F7E, TR,  0,  11,  5, 0x0B, kLoci,          "",   "adf-usim", false},
    {"ef-ad",        "EF.AD",        0x6FAD, TR,  0,   4, 10, 0x03, "00000002",     "",   "adf-usim", false},
    {"ef-ecc",       "EF.ECC",       0x6FB7, LF,  1,   4, 10, 0x01, "",             "",   "adf-usim", true},
    {"ef-netpar",    "EF.NETPAR",    0x6FC4, TR,  0, 128,  5,   -1, "",             "FF", "adf-usim", false},
};

// Optional files of the IoT minimal profile (2.18), created in its ADF.USIM. Rows repeat those of
// ADF.USIM v2, its optional files and DF.5GS v4 / DF.SAIP; this PE spells ef-supinai ef-supi-nai.
constexpr TemplateFile kOptIotFiles[] = {
    {"ef-fdn",       "EF.FDN",       0x6F3B, LF, 20,  26,  8,   -1, "",       "FF",     "", false},
    {"ef-sms",       "EF.SMS",       0x6F3C, LF, 10, 176,  5,   -1, "00",     "FF",     "", false},
    {"ef-smsp",      "EF.SMSP",      0x6F42, LF,  1,  38,  5,   -1, "",       "FF",     "", false},
    {"ef-smss",      "EF.SMSS",      0x6F43, TR,  0,   2,  5,   -1, "",       "FF",     "", false},
    {"ef-spn",       "EF.SPN",       0x6F46, TR,  0,  17, 10,   -1, "",       "",       "", true},
    {"ef-est",       "EF.EST",       0x6F56, TR,  0,   1,  8, 0x05, "",       "",       "", true},
    {"ef-oplmnwact", "EF.OPLMNwAcT", 0x6F61, TR,  0,  40,  2, 0x11, "",       kPlmnAct, "", false},
    {"ef-hplmnwact", "EF.HPLMNwAcT", 0x6F62, TR,  0,   5,  2, 0x13, "",       kPlmnAct, "", false},
    {"ef-ehplmn",    "EF.EHPLMN",    0x6FD9, TR,  0,  15,  2, 0x1D, "",       "FF",     "", false},
    {"ef-epsloci",   "EF.EPSLOCI",   0x6FE3, TR,  0,  18,  5, 0x1E, kEpsLoci, "",       "", false},
    {"ef-epsnsc",    "EF.EPSNSC",    0x6FE4, LF,  1,  80,  5, 0x18, "",       "FF",     "", false},
    // DF.5GS and DF.SAIP are created in the ADF, not in each other: parent "" is the anchor.
    {"df-df-5gs",            "DF.5GS",               0x5FC0, DF, 0,   0, 14,   -1, "",         "",   "",          false},
    {"ef-5gs3gpploci",       "EF.5GS3GPPLOCI",       0x4F01, TR, 0,  20,  5, 0x01, k5gsLoci,   "",   "df-df-5gs", false},
    {"ef-5gsn3gpploci",      "EF.5GSN3GPPLOCI",      0x4F02, TR, 0,  20,  5, 0x02, k5gsLoci,   "",   "df-df-5gs", false},
    {"ef-5gs3gppnsc",        "EF.5GS3GPPNSC",        0x4F03, LF, 2,  62,  5, 0x03, "",         "FF", "df-df-5gs", false},
    {"ef-5gsn3gppnsc",       "EF.5GSN3GPPNSC",       0x4F04, LF, 2,  62,  5, 0x04, "",         "FF", "df-df-5gs", false},
    {"ef-5gauthkeys",        "EF.5GAUTHKEYS",        0x4F05, TR, 0, 110,  5, 0x05, "",         "",   "df-df-5gs", true},
    {"ef-uac-aic",           "EF.UAC_AIC",           0x4F06, TR, 0,   4,  2, 0x06, "",         "",   "df-df-5gs", true},
    {"ef-suci-calc-info",    "EF.SUCI_Calc_Info",    0x4F07, TR, 0,   0,  2, 0x07, "",         "FF", "df-df-5gs", false},
    {"ef-opl5g",             "EF.OPL5G",             0x4F08, LF, 0,  10, 10, 0x08, "",         "FF", "df-df-5gs", false},
    {"ef-supi-nai",          "EF.SUPI_NAI",          0x4F09, TR, 0,   0,  2, 0x09, "",         "",   "df-df-5gs", true},
    {"ef-routing-indicator", "EF.Routing_Indicator", 0x4F0A, TR, 0,   4,  2, 0x0A, "F0FF0000", "",   "df-df-5gs", false},
    {"ef-ursp",              "EF.URSP",              0x4F0B, BT, 0,   0,  2,   -1, "",         "",   "df-df-5gs", false},
    {"ef-tn3gppsnn",         "EF.TN3GPPSNN",         0x4F0C, TR, 0,   1,  2, 0x0C, "00",       "",   "df-df-5gs", false},
    {"df-df-saip",             "DF.SAIP",         0x5FD0, DF, 0, 0, 14, -1, "", "",   "",           false},
    {"ef-suci-calc-info-usim", "EF.SUCICalcInfo", 0x4F01, TR, 0, 0,  3, -1, "", "FF", "df-df-saip", false},
};

// clang-format on

using Files = std::span<const TemplateFile>;

// The rows of `files` before `first_new`; empty (and caught below) for a member not in `files`.
constexpr Files before(Files files, std::string_view first_new) {
  for (std::size_t i = 0; i < files.size(); ++i)
    if (files[i].member == first_new) return files.first(i);
  return {};
}

constexpr Files kTelecomV1Files = before(kTelecomFiles, "df-mcs");
constexpr Files kOptUsimV1Files = before(kOptUsimFiles, "ef-epdgid");
constexpr Files kOptUsimV2Files = before(kOptUsimFiles, "ef-eaka");
constexpr Files kOptIsimV1Files = before(kOptIsimFiles, "ef-frompreferred");
constexpr Files k5gsV1Files = before(k5gsFiles, "ef-ursp");

using enum Anchor;

// clang-format off
constexpr Template kTemplates[] = {
    {"2.23.143.1.2.1",    "MF",                   "mf",         Mf,   true,  kMfFiles},
    {"2.23.143.1.2.2",    "DF.CD",                "cd",         Mf,   false, kCdFiles},
    {"2.23.143.1.2.3",    "DF.TELECOM",           "telecom",    Mf,   false, kTelecomV1Files},
    {"2.23.143.1.2.3.2",  "DF.TELECOM v2",        "telecom",    Mf,   false, kTelecomFiles},
    {"2.23.143.1.2.4",    "ADF.USIM",             "usim",       Mf,   true,  kUsimFiles},
    {"2.23.143.1.2.4.2",  "ADF.USIM v2",          "usim",       Mf,   true,  kUsimV2Files},
    {"2.23.143.1.2.5",    "ADF.USIM optional",    "opt-usim",   Usim, false, kOptUsimV1Files},
    {"2.23.143.1.2.5.2",  "ADF.USIM optional v2", "opt-usim",   Usim, false, kOptUsimV2Files},
    {"2.23.143.1.2.5.3",  "ADF.USIM optional v3", "opt-usim",   Usim, false, kOptUsimFiles},
    {"2.23.143.1.2.6",    "DF.PHONEBOOK",         "phonebook",  Usim, false, kPhonebookFiles},
    {"2.23.143.1.2.7",    "DF.GSM-ACCESS",        "gsm-access", Usim, false, kGsmAccessFiles},
    {"2.23.143.1.2.8",    "ADF.ISIM",             "isim",       Mf,   true,  kIsimFiles},
    {"2.23.143.1.2.9",    "ADF.ISIM optional",    "opt-isim",   Isim, false, kOptIsimV1Files},
    {"2.23.143.1.2.9.2",  "ADF.ISIM optional v2", "opt-isim",   Isim, false, kOptIsimFiles},
    {"2.23.143.1.2.10",   "ADF.CSIM",             "csim",       Mf,   true,  kCsimFiles},
    {"2.23.143.1.2.10.2", "ADF.CSIM v2",          "csim",       Mf,   true,  kCsimFiles},
    {"2.23.143.1.2.11",   "ADF.CSIM optional",    "opt-csim",   Csim, false, kOptCsimFiles},
    {"2.23.143.1.2.11.2", "ADF.CSIM optional v2", "opt-csim",   Csim, false, kOptCsimFiles},
    {"2.23.143.1.2.12",   "DF.EAP",               "eap",        Usim, false, kEapFiles},
    {"2.23.143.1.2.13",   "DF.5GS",               "df-5gs",     Usim, false, k5gsV1Files},
    {"2.23.143.1.2.13.2", "DF.5GS v2",            "df-5gs",     Usim, false, k5gsFiles},
    {"2.23.143.1.2.13.3", "DF.5GS v3",            "df-5gs",     Usim, false, k5gsV3Files},
    {"2.23.143.1.2.13.4", "DF.5GS v4",            "df-5gs",     Usim, false, k5gsV4Files},
    {"2.23.143.1.2.14",   "DF.SAIP",              "df-saip",    Usim, false, kSaipFiles},
    {"2.23.143.1.2.15",   "DF.SNPN",              "df-snpn",    Usim, false, kSnpnFiles},
    {"2.23.143.1.2.16",   "DF.5G_ProSe",          "df-5gprose", Usim, false, k5gProseFiles},
    {"2.23.143.1.2.17",   "IoT minimal",          "iot",        Mf,   true,  kIotFiles},
    {"2.23.143.1.2.18",   "IoT minimal optional", "opt-iot",    Usim, false, kOptIotFiles},
};
// clang-format on

constexpr bool is_directory(FileType type) {
  return type == MF || type == DF || type == ADF;
}

// A slip in a row (a repeated member, a parent that is not an earlier DF) fails the build here
// rather than an installation later.
constexpr bool well_formed(const Template& t) {
  if (t.files.empty()) return false;
  for (std::size_t i = 0; i < t.files.size(); ++i) {
    const TemplateFile& f = t.files[i];
    bool parent_known = f.parent.empty();
    for (std::size_t j = 0; j < i; ++j) {
      if (t.files[j].member == f.member) return false;
      if (t.files[j].member == f.parent && is_directory(t.files[j].type)) parent_known = true;
    }
    if (!parent_known) return false;
    if (is_directory(f.type) && (f.records != 0 || f.size != 0)) return false;
    if (f.sfi != -1 && (f.sfi < 1 || f.sfi > 30)) return false;
  }
  return true;
}

constexpr bool catalog_well_formed() {
  for (std::size_t i = 0; i < std::size(kTemplates); ++i) {
    if (!well_formed(kTemplates[i])) return false;
    for (std::size_t j = 0; j < i; ++j)
      if (kTemplates[j].oid == kTemplates[i].oid) return false;
  }
  return true;
}
static_assert(catalog_well_formed());

}  // namespace

const Template* find_template(std::string_view oid) {
  for (const Template& t : kTemplates)
    if (t.oid == oid) return &t;
  return nullptr;
}

std::span<const Template> all_templates() {
  return kTemplates;
}

const TemplateFile* find_member(const Template& t, std::string_view member) {
  for (const TemplateFile& f : t.files)
    if (f.member == member) return &f;
  return nullptr;
}

}  // namespace euiccsim::profiles
