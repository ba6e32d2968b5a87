#include "euiccsim/profiles/builder.hpp"

#include <algorithm>
#include <cctype>
#include <set>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "euiccsim/crypto/tlv.hpp"

namespace euiccsim::profiles {
namespace {

[[noreturn]] void bad(const std::string& field, const std::string& why) {
  throw std::invalid_argument(field + ": " + why);
}

// Template OIDs (interoperable format, Annex B; prefix joint-iso-itu-t 23 tca 143).
constexpr const char* kMfOid = "2.23.143.1.2.1";
constexpr const char* kTelecomOid = "2.23.143.1.2.3";
constexpr const char* kUsimOid = "2.23.143.1.2.4";
constexpr const char* kGsmAccessOid = "2.23.143.1.2.7";
constexpr const char* kIsimOid = "2.23.143.1.2.8";
constexpr const char* kDf5gsOid = "2.23.143.1.2.13";
constexpr const char* kDfSaipOid = "2.23.143.1.2.14";

// ADFs are created under a temporary file ID (the TS.48 profile's) and found by AID later.
constexpr std::uint16_t kUsimTempFid = 0x7FD0;
constexpr std::uint16_t kIsimTempFid = 0x7FB0;
// EF.ARR: '2F06' under the MF, '6F06' in a DF or ADF.
constexpr std::uint16_t kMfArr = 0x2F06;
constexpr std::uint16_t kDfArr = 0x6F06;

// Key references (TS 102 221): PIN1 of the first application, its second PIN (PIN2),
// ADM1. PUKs use the same numbers.
constexpr std::uint8_t kPin1 = 0x01;
constexpr std::uint8_t kPin2 = 0x81;
constexpr std::uint8_t kAdm1 = 0x0A;

// Access rules by their number in the interoperable format's "Access Rules Definition".
// Template tables give each file one of these numbers, so every EF.ARR written here holds rule
// n in record n and a file the card creates by default gets the rule its template intends.
enum Rule : std::uint8_t {
  kReadAlwUpdatePin1 = 1,
  kReadPin1UpdateAdm = 2,
  kAdmOnly = 3,
  kReadPin1UpdatePin1 = 5,
  kReadPin1UpdatePin2 = 8,
  kReadAlwUpdateAdm = 10,
  kReadAlwUpdateNever = 11,
  kDirectoryAdm = 14,
};

// Rule n as an EF.ARR record in TS 102 221's expanded format: AM_DO '80' (access mode
// byte: 01 read, 02 update, 08 deactivate, 10 activate, 40 delete; for a DF 02/04 create EF/DF)
// followed by its SC_DO: '90 00' always, '97 00' never, 'A4' a PIN key reference ('83') used
// for user verification ('95 08').
Bytes access_rule(int n) {
  const std::string alw = "9000", never = "9700";
  const std::string pin1 = "A406830101950108", pin2 = "A406830181950108";
  const std::string adm = "A40683010A950108";
  auto am = [](const char* mode, const std::string& condition) {
    return std::string("8001") + mode + condition;
  };
  switch (n) {
    case 1:
      return from_hex(am("01", alw) + am("02", pin1) + am("58", adm));
    case 2:
      return from_hex(am("01", pin1) + am("5A", adm));
    case 3:
      return from_hex(am("5B", adm));
    case 4:
      return from_hex(am("01", alw) + am("1A", never) + am("40", adm));
    case 5:
      return from_hex(am("03", pin1) + am("58", adm));
    case 6:
      return from_hex(am("11", pin1) + am("4A", adm));
    // INCREASE ('84': command header, INS 32) for cyclic counters such as EF.ACM.
    case 7:
      return from_hex(am("03", pin1) + am("58", adm) + "840132" + pin1);
    case 8:
      return from_hex(am("01", pin1) + am("02", pin2) + am("58", adm));
    case 9:
      return from_hex(am("01", alw) + am("1A", pin1) + am("40", adm));
    case 10:
      return from_hex(am("01", alw) + am("5A", adm));
    case 11:
      return from_hex(am("01", alw) + am("18", adm) + am("42", never));
    case 12:
      return from_hex(am("01", pin1) + am("5A", never));
    case 13:
      return from_hex(am("13", pin1) + am("48", adm));
    default:
      return from_hex(am("5E", adm));  // 14
  }
}
constexpr int kAccessRules = 14;

// ---- file contents ----

Bytes u16(std::uint16_t v) {
  return {static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v & 0xFF)};
}

// A size as efFileSize carries it: big-endian without leading zero bytes.
Bytes size_bytes(std::size_t n) {
  Bytes out;
  do {
    out.insert(out.begin(), static_cast<std::uint8_t>(n & 0xFF));
    n >>= 8;
  } while (n != 0);
  return out;
}

// 'FF' is the unused-byte value of TS 102 221 files.
Bytes padded(Bytes b, std::size_t size) {
  b.resize(std::max(size, b.size()), 0xFF);
  return b;
}

std::size_t longest(const std::vector<Bytes>& records) {
  std::size_t n = 0;
  for (const auto& r : records) n = std::max(n, r.size());
  return n;
}

Bytes concat_records(const std::vector<Bytes>& records, std::size_t length) {
  Bytes out;
  for (const auto& r : records) {
    Bytes p = padded(r, length);
    out.insert(out.end(), p.begin(), p.end());
  }
  return out;
}

Bytes text_bytes(std::string_view s) {
  return Bytes(s.begin(), s.end());
}

// TS 31.102 4.2.2: the number of bytes that follow, then the digits in BCD (low nibble
// first) behind a nibble of 1 or 9 (9 for an odd number of digits), 'F'-padded to 9 bytes.
Bytes ef_imsi(const std::string& imsi) {
  std::vector<std::uint8_t> nibbles{static_cast<std::uint8_t>(imsi.size() % 2 ? 0x9 : 0x1)};
  for (char c : imsi) nibbles.push_back(static_cast<std::uint8_t>(c - '0'));
  if (nibbles.size() % 2) nibbles.push_back(0xF);
  Bytes out{static_cast<std::uint8_t>(nibbles.size() / 2)};
  for (std::size_t i = 0; i < nibbles.size(); i += 2)
    out.push_back(static_cast<std::uint8_t>(nibbles[i] | (nibbles[i + 1] << 4)));
  return padded(out, 9);
}

// TS 31.102 4.2.15: one bit per access class 0..9; subscribers are spread over the classes by
// the last IMSI digit (TS 22.011: classes 0..9 are allocated at random).
Bytes ef_acc(const std::string& imsi) {
  auto bits = static_cast<std::uint16_t>(1u << (imsi.back() - '0'));
  return u16(bits);
}

// TS 23.038 default alphabet for the characters it shares with ASCII (the ones that need no
// escape); EF.SPN holds them unpacked, bit 8 zero.
int gsm7(char c) {
  if (std::isalnum(static_cast<unsigned char>(c)) && static_cast<unsigned char>(c) < 0x80) return c;
  switch (c) {
    case '@':
      return 0x00;
    case '$':
      return 0x02;
    case '_':
      return 0x11;
    default:
      break;
  }
  if (std::string_view(" !\"#%&'()*+,-./:;<=>?").find(c) != std::string_view::npos) return c;
  return -1;
}

// TS 31.102 4.2.12: display condition, then the name. Condition 01: show the registered PLMN's
// name too at home, as the TS.48 profile does.
Bytes ef_spn(const std::string& spn) {
  Bytes out{0x01};
  for (char c : spn) out.push_back(static_cast<std::uint8_t>(gsm7(c)));
  return padded(out, 17);
}

// EF.DIR (TS 102 221): one application template per record: '61' { '4F' AID, '50' label }.
Bytes dir_record(const Bytes& aid, std::string_view label) {
  Bytes inner = tlv::encode(0x4F, aid);
  Bytes l = tlv::encode(0x50, text_bytes(label));
  inner.insert(inner.end(), l.begin(), l.end());
  return tlv::encode(0x61, inner);
}

// A service table (EF.UST, EF.IST): service n is bit (n-1)%8 of byte (n-1)/8.
Bytes service_table(const std::vector<int>& services, std::size_t size) {
  Bytes out(size, 0x00);
  for (int n : services) out[static_cast<std::size_t>(n - 1) / 8] |= 1 << ((n - 1) % 8);
  return out;
}

// PINs and PUKs: ASCII digits, 'FF'-padded to 8 bytes (TS 102 221's PIN coding).
Bytes secret_value(const std::string& field, const std::string& value, std::size_t min,
                   std::size_t max, bool hex_allowed) {
  if (hex_allowed && value.size() == 16) {
    try {
      return from_hex(value);
    } catch (const HexError&) {
      bad(field, "16 characters but not hex");
    }
  }
  if (value.size() < min || value.size() > max ||
      !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    std::string want = min == max ? std::to_string(min) + " digits"
                                  : std::to_string(min) + " to " + std::to_string(max) + " digits";
    bad(field, want + (hex_allowed ? " or 16 hex digits" : "") + " expected");
  }
  return padded(text_bytes(value), 8);
}

std::uint8_t attempts(const std::string& field, std::uint8_t retries) {
  if (retries < 1 || retries > 15) bad(field, "must be 1 to 15");
  // maxNumOfAttemps-retryNumLeft: maximum in the high nibble, tries left in the low one.
  return static_cast<std::uint8_t>(retries << 4 | retries);
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// ---- files and template PEs ----

struct Ef {
  std::string_view member;  // ASN.1 member of the PE
  std::string_view name;    // specification name, for override paths
  std::uint16_t fid;
  std::uint8_t rule;         // access rule: record of the governing EF.ARR
  int sfi = -1;              // -1: none
  bool high_update = false;  // TS 102 222 special file information: updated often
};

FileItem fcp_item(Fcp fcp) {
  FileItem item;
  item.kind = FileItem::Kind::Fcp;
  item.fcp = std::move(fcp);
  return item;
}

FileItem content_item(Bytes data) {
  FileItem item;
  item.kind = FileItem::Kind::FillContent;
  item.data = std::move(data);
  return item;
}

Bytes arr_reference(std::uint16_t arr_fid, std::uint8_t rule) {
  Bytes b = u16(arr_fid);
  b.push_back(rule);
  return b;
}

// One template PE being written, and where its files went (for overrides).
class TemplateWriter {
 public:
  struct Placed {
    std::string path;
    std::size_t member = 0;
    std::size_t size = 0;
    bool directory = false;
  };

  TemplateWriter(std::string pe, PeHeader header, std::string oid) {
    pe_.pe = std::move(pe);
    pe_.header = header;
    pe_.template_oid = std::move(oid);
  }

  // MF, DF or ADF (TS 102 222 file descriptor '78 21': a shareable DF).
  void directory(std::string_view member, std::string path, std::uint16_t fid,
                 std::uint16_t arr_fid, Bytes pin_references,
                 const std::optional<Bytes>& aid = std::nullopt) {
    Fcp fcp;
    fcp.file_descriptor = Bytes{0x78, 0x21};
    fcp.file_id = u16(fid);
    fcp.df_name = aid;
    fcp.lcsi = Bytes{0x05};  // operational, activated
    fcp.security_attributes = arr_reference(arr_fid, kDirectoryAdm);
    // SAIP's pinStatusTemplateDO: the key references of the PINs guarding this directory.
    fcp.pin_status_template = std::move(pin_references);
    add(member, std::move(path), File{fcp_item(std::move(fcp))}, 0, true);
  }

  void transparent(const Ef& ef, const std::string& dir, std::uint16_t arr_fid, Bytes content) {
    file(ef, dir, arr_fid, 0, std::move(content));
  }

  // A linear fixed file; `length` 0: that of the longest record.
  void records(const Ef& ef, const std::string& dir, std::uint16_t arr_fid,
               const std::vector<Bytes>& records, std::size_t length = 0) {
    if (length == 0) length = longest(records);
    file(ef, dir, arr_fid, length, concat_records(records, length));
  }

  TemplatePe& pe() { return pe_; }
  const std::vector<Placed>& placed() const { return placed_; }

 private:
  // TS 102 222 file descriptors, shareable, data coding byte 21: transparent '41 21';
  // linear fixed '42 21' and the record length on two bytes.
  void file(const Ef& ef, const std::string& dir, std::uint16_t arr_fid, std::size_t record_length,
            Bytes content) {
    Fcp fcp;
    if (record_length == 0)
      fcp.file_descriptor = Bytes{0x41, 0x21};
    else
      fcp.file_descriptor = Bytes{0x42, 0x21, 0x00, static_cast<std::uint8_t>(record_length)};
    fcp.file_id = u16(ef.fid);
    fcp.lcsi = Bytes{0x05};
    fcp.security_attributes = arr_reference(arr_fid, ef.rule);
    fcp.ef_file_size = size_bytes(content.size());
    // An empty shortEFID says "no SFI"; leaving it out would mean one derived from the FID.
    fcp.short_ef_id = ef.sfi < 0 ? Bytes{} : Bytes{static_cast<std::uint8_t>(ef.sfi << 3)};
    if (ef.high_update) {
      fcp.proprietary = ProprietaryInfo{};
      fcp.proprietary->special_file_information = Bytes{0x80};
    }
    std::size_t size = content.size();
    add(ef.member, dir.empty() ? std::string(ef.name) : dir + "/" + std::string(ef.name),
        File{fcp_item(std::move(fcp)), content_item(std::move(content))}, size, false);
  }

  void add(std::string_view member, std::string path, File file, std::size_t size, bool directory) {
    placed_.push_back({std::move(path), pe_.members.size(), size, directory});
    pe_.members.push_back({std::string(member), std::move(file)});
  }

  TemplatePe pe_;
  std::vector<Placed> placed_;
};

struct PlacedFile {
  std::string path;
  std::size_t pe = 0;
  std::size_t member = 0;
  std::size_t size = 0;
  bool directory = false;
};

class PackageWriter {
 public:
  PeHeader next_header() { return PeHeader{true, next_id_++}; }

  void add(std::string kind, PeValue value) {
    ProfileElement pe;
    pe.kind = std::move(kind);
    pe.value = std::move(value);
    pes_.push_back(std::move(pe));
  }

  void add(TemplateWriter&& t) {
    for (const auto& p : t.placed())
      placed_.push_back({p.path, pes_.size(), p.member, p.size, p.directory});
    std::string kind = t.pe().pe;
    add(std::move(kind), std::move(t.pe()));
  }

  void apply(const std::vector<FileOverride>& overrides) {
    std::set<std::string> seen;
    for (std::size_t i = 0; i < overrides.size(); ++i) {
      const auto& o = overrides[i];
      const std::string field = "files[" + std::to_string(i) + "]";
      const std::string path = upper(o.path);
      auto it = std::find_if(placed_.begin(), placed_.end(),
                             [&](const PlacedFile& p) { return upper(p.path) == path; });
      if (it == placed_.end()) bad(field + ".path", "this profile has no file " + o.path);
      if (it->directory) bad(field + ".path", o.path + " is a directory");
      // The card refuses a profile whose EF.ICCID differs from the header's ICCID.
      if (path == "EF.ICCID") bad(field + ".path", "EF.ICCID is written from the iccid field");
      if (!seen.insert(path).second) bad(field + ".path", o.path + " is given twice");
      if (o.content.size() > it->size)
        bad(field + ".content", std::to_string(o.content.size()) + " bytes for " + o.path + " of " +
                                    std::to_string(it->size) + " bytes");
      File& file = std::get<TemplatePe>(pes_[it->pe].value).members[it->member].file;
      std::erase_if(file, [](const FileItem& item) {
        return item.kind == FileItem::Kind::FillContent || item.kind == FileItem::Kind::FillOffset;
      });
      file.push_back(content_item(padded(o.content, it->size)));
    }
  }

  std::vector<ProfileElement> take() { return std::move(pes_); }

 private:
  std::vector<ProfileElement> pes_;
  std::vector<PlacedFile> placed_;
  std::uint16_t next_id_ = 1;
};

// ---- checks ----

bool all_digits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

void check_text(const std::string& field, const std::string& value, std::size_t max) {
  if (value.empty()) bad(field, "must not be empty");
  if (value.size() > max) bad(field, "longer than " + std::to_string(max) + " bytes");
}

void check(const ProfileSpec& spec) {
  if (!spec.iccid) bad("iccid", "no valid ICCID given");
  if (spec.imsi.size() < 6 || spec.imsi.size() > 15 || !all_digits(spec.imsi))
    bad("imsi", "6 to 15 digits expected, got '" + spec.imsi + "'");
  if (spec.profile_type.empty() || spec.profile_type.size() > 100)
    bad("profile_type", "1 to 100 bytes expected");
  if (spec.profile_name.size() > 64) bad("profile_name", "longer than 64 bytes");
  if (spec.spn.size() > 16) bad("spn", "longer than 16 characters");
  for (char c : spec.spn) {
    if (static_cast<unsigned char>(c) >= 0x80)
      bad("spn", "only ASCII characters of the GSM 7-bit default alphabet are supported");
    if (gsm7(c) < 0)
      bad("spn", std::string("character '") + c + "' is not in the GSM 7-bit default alphabet");
  }

  using Algorithm = AkaParameterPe::Algorithm;
  const bool tuak = spec.algorithm == Algorithm::Tuak;
  if (spec.k.size() != 16 && !(tuak && spec.k.size() == 32))
    bad("k", std::to_string(spec.k.size()) + " bytes, " + (tuak ? "16 or 32" : "16") + " expected");
  switch (spec.algorithm) {
    case Algorithm::Milenage:
      if (spec.opc.size() != 16)
        bad("opc", std::to_string(spec.opc.size()) + " bytes, 16 expected");
      break;
    case Algorithm::Tuak:
      if (spec.opc.size() != 32)
        bad("opc", std::to_string(spec.opc.size()) + " bytes, 32 (TOPc) expected");
      break;
    case Algorithm::TestAlgorithm:
      if (!spec.opc.empty() && spec.opc.size() != 16)
        bad("opc", std::to_string(spec.opc.size()) + " bytes, 16 or none expected");
      break;
  }
  if (spec.algorithm_options && spec.algorithm != Algorithm::Milenage) {
    // Lengths the card can produce (aka_parameters): RES 0..3, MAC 0..2 for TUAK; RES 0..2 for
    // the test algorithm, whose XDOUT has 128 bits.
    const unsigned res = *spec.algorithm_options & 0x07,
                   mac = (*spec.algorithm_options >> 3) & 0x07;
    if (tuak ? (res > 3 || mac > 2) : (res > 2 || (*spec.algorithm_options & 0xF8) != 0))
      bad("algorithm_options", "names output lengths the algorithm does not have");
  }
  if (spec.keccak_iterations == 0) bad("keccak_iterations", "must be 1 to 255");
  for (const auto* window : {&spec.sqn_delta, &spec.sqn_age_limit}) {
    if (!*window) continue;
    const char* field = window == &spec.sqn_delta ? "sqn_delta" : "sqn_age_limit";
    if ((*window)->size() != 6) bad(field, "6 bytes expected");
    if ((**window)[0] > 0x07) bad(field, "at most 07FFFFFFFFFF");
  }
  if (spec.mnc_length != 2 && spec.mnc_length != 3) bad("mnc_length", "must be 2 or 3");
  if (spec.isim) {
    check_text("isim.impi", spec.isim->impi, 127);
    if (spec.isim->impu.empty()) bad("isim.impu", "at least one public identity expected");
    for (std::size_t i = 0; i < spec.isim->impu.size(); ++i)
      check_text("isim.impu[" + std::to_string(i) + "]", spec.isim->impu[i], 127);
    check_text("isim.domain", spec.isim->domain, 127);
  }
}

// ---- the PEs ----

ProfileHeader header(const ProfileSpec& spec) {
  ProfileHeader h;
  h.major_version = 2;
  h.minor_version = 3;
  h.profile_type = spec.profile_type;
  h.iccid = spec.iccid->plain_bcd();
  auto& services = h.mandatory_services.names;
  services.push_back("usim");
  if (spec.isim) services.push_back("isim");
  switch (spec.algorithm) {
    case AkaParameterPe::Algorithm::Milenage:
      services.push_back("milenage");
      break;
    case AkaParameterPe::Algorithm::Tuak:
      services.push_back(spec.k.size() == 32 ? "tuak256" : "tuak128");
      break;
    case AkaParameterPe::Algorithm::TestAlgorithm:
      services.push_back("usim-test-algorithm");
      break;
  }
  // In the order the PEs use them.
  h.mandatory_gfste.push_back(kMfOid);
  if (spec.telecom) h.mandatory_gfste.push_back(kTelecomOid);
  h.mandatory_gfste.push_back(kUsimOid);
  if (spec.gsm_access) h.mandatory_gfste.push_back(kGsmAccessOid);
  if (spec.df_5gs) h.mandatory_gfste.push_back(kDf5gsOid);
  if (spec.df_saip) h.mandatory_gfste.push_back(kDfSaipOid);
  if (spec.isim) h.mandatory_gfste.push_back(kIsimOid);
  return h;
}

std::vector<Bytes> access_rules() {
  std::vector<Bytes> out;
  for (int n = 1; n <= kAccessRules; ++n) out.push_back(access_rule(n));
  return out;
}

Bytes usim_aid() {
  return from_hex("A0000000871002FF49FF0589");
}
Bytes isim_aid() {
  return from_hex("A0000000871004FF49FF0589");
}

TemplateWriter mf(const ProfileSpec& spec, PeHeader h) {
  TemplateWriter t("mf", h, kMfOid);
  // Global PINs: PIN1 and ADM1.
  t.directory("mf", "MF", 0x3F00, kMfArr, Bytes{kPin1, kAdm1});
  // EF.PL: ISO 639 language codes, most preferred first.
  t.transparent({"ef-pl", "EF.PL", 0x2F05, kReadAlwUpdatePin1, 0x05}, "", kMfArr,
                padded(text_bytes("en"), 6));
  t.transparent({"ef-iccid", "EF.ICCID", 0x2FE2, kReadAlwUpdateNever, 0x02}, "", kMfArr,
                spec.iccid->swapped_bcd());
  std::vector<Bytes> dir{dir_record(usim_aid(), "USIM")};
  if (spec.isim) dir.push_back(dir_record(isim_aid(), "ISIM"));
  t.records({"ef-dir", "EF.DIR", 0x2F00, kReadAlwUpdateAdm, 0x1E}, "", kMfArr, dir);
  t.records({"ef-arr", "EF.ARR", 0x2F06, kReadAlwUpdateAdm, 0x06}, "", kMfArr, access_rules());
  // EF.UMPC: at most 60 mA, 60 s operator timeout (TS.48's values).
  t.transparent({"ef-umpc", "EF.UMPC", 0x2F08, kReadAlwUpdateAdm, 0x08}, "", kMfArr,
                from_hex("3C3C000000"));
  return t;
}

TemplateWriter telecom(PeHeader h) {
  TemplateWriter t("telecom", h, kTelecomOid);
  t.directory("df-telecom", "DF.TELECOM", 0x7F10, kMfArr, Bytes{kPin1, kAdm1});
  t.records({"ef-arr", "EF.ARR", 0x6F06, kReadAlwUpdateAdm}, "DF.TELECOM", kDfArr, access_rules());
  return t;
}

TemplateWriter usim(const ProfileSpec& spec, PeHeader h) {
  TemplateWriter t("usim", h, kUsimOid);
  const std::string d = "ADF.USIM";
  t.directory("adf-usim", d, kUsimTempFid, kMfArr, Bytes{kPin1, kPin2, kAdm1}, usim_aid());
  t.transparent({"ef-imsi", "EF.IMSI", 0x6F07, kReadPin1UpdateAdm, 0x07}, d, kDfArr,
                ef_imsi(spec.imsi));
  t.records({"ef-arr", "EF.ARR", 0x6F06, kReadAlwUpdateAdm, 0x17}, d, kDfArr, access_rules());
  // EF.KEYS, EF.KEYSPS: key set identifier '07' (no key), keys unknown.
  Bytes no_keys = padded(Bytes{0x07}, 33);
  t.transparent({"ef-keys", "EF.KEYS", 0x6F08, kReadPin1UpdatePin1, 0x08, true}, d, kDfArr,
                no_keys);
  t.transparent({"ef-keysPS", "EF.KEYSPS", 0x6F09, kReadPin1UpdatePin1, 0x09, true}, d, kDfArr,
                no_keys);
  // Higher priority PLMN search period '0A', the template's default.
  t.transparent({"ef-hpplmn", "EF.HPPLMN", 0x6F31, kReadPin1UpdateAdm, 0x12}, d, kDfArr,
                Bytes{0x0A});
  // Services whose files this profile has: SMS 10, SMS parameters 12, SPN 19, GSM access 27,
  // PS domain 33, EPS mobility management 85, 5GS mobility management 122, 5G security
  // parameters 123, UAC access identities 126. No FDN, no SUCI concealment by the ME.
  std::vector<int> services{10, 12, 33, 85};
  if (!spec.spn.empty()) services.push_back(19);
  // GSM access (27) with the GSM security context (38), so AUTHENTICATE offers P2 = 80.
  if (spec.gsm_access) services.insert(services.end(), {27, 38});
  if (spec.df_5gs) services.insert(services.end(), {122, 123, 126});
  t.transparent({"ef-ust", "EF.UST", 0x6F38, kReadPin1UpdateAdm, 0x04}, d, kDfArr,
                service_table(services, 17));
  t.records({"ef-fdn", "EF.FDN", 0x6F3B, kReadPin1UpdatePin2}, d, kDfArr,
            std::vector<Bytes>(10, Bytes{}), 26);
  // EF.SMS: status byte 00, a free record.
  t.records({"ef-sms", "EF.SMS", 0x6F3C, kReadPin1UpdatePin1}, d, kDfArr,
            std::vector<Bytes>(10, Bytes{0x00}), 176);
  t.records({"ef-smsp", "EF.SMSP", 0x6F42, kReadPin1UpdatePin1}, d, kDfArr, {Bytes{}}, 38);
  t.transparent({"ef-smss", "EF.SMSS", 0x6F43, kReadPin1UpdatePin1}, d, kDfArr, from_hex("FFFF"));
  t.transparent({"ef-spn", "EF.SPN", 0x6F46, kReadAlwUpdateAdm}, d, kDfArr, ef_spn(spec.spn));
  // FDN, BDN and ACL all off.
  t.transparent({"ef-est", "EF.EST", 0x6F56, kReadPin1UpdatePin2, 0x05}, d, kDfArr, Bytes{0x00});
  t.transparent({"ef-start-hfn", "EF.START-HFN", 0x6F5B, kReadPin1UpdatePin1, 0x0F, true}, d,
                kDfArr, from_hex("F00000F00000"));
  t.transparent({"ef-threshold", "EF.THRESHOLD", 0x6F5C, kReadPin1UpdateAdm, 0x10}, d, kDfArr,
                from_hex("FFFFFF"));
  // Location information: no temporary identity, location area unknown, "not updated" (01).
  t.transparent({"ef-psloci", "EF.PSLOCI", 0x6F73, kReadPin1UpdatePin1, 0x0C, true}, d, kDfArr,
                from_hex("FFFFFFFFFFFFFFFFFFFF0000FF01"));
  t.transparent({"ef-acc", "EF.ACC", 0x6F78, kReadPin1UpdateAdm, 0x06}, d, kDfArr,
                ef_acc(spec.imsi));
  t.transparent({"ef-fplmn", "EF.FPLMN", 0x6F7B, kReadPin1UpdatePin1, 0x0D}, d, kDfArr,
                padded({}, 12));
  t.transparent({"ef-loci", "EF.LOCI", 0x6F7E, kReadPin1UpdatePin1, 0x0B, true}, d, kDfArr,
                from_hex("FFFFFFFFFFFFFF0000FF01"));
  // TS 31.102 4.2.18 EF.AD: normal operation, no additional information, then the MNC length.
  t.transparent({"ef-ad", "EF.AD", 0x6FAD, kReadAlwUpdateAdm, 0x03}, d, kDfArr,
                Bytes{0x00, 0x00, 0x00, static_cast<std::uint8_t>(spec.mnc_length)});
  // EF.ECC: emergency numbers 112 and 911 (BCD, 'F'-padded), no alpha identifier,
  // no service category.
  t.records({"ef-ecc", "EF.ECC", 0x6FB7, kReadAlwUpdateAdm, 0x01}, d, kDfArr,
            {from_hex("11F2FF00"), from_hex("19F1FF00")});
  t.transparent({"ef-netpar", "EF.NETPAR", 0x6FC4, kReadPin1UpdatePin1, -1, true}, d, kDfArr,
                padded({}, 128));
  t.transparent({"ef-epsloci", "EF.EPSLOCI", 0x6FE3, kReadPin1UpdatePin1, 0x1E, true}, d, kDfArr,
                from_hex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFF000001"));
  t.records({"ef-epsnsc", "EF.EPSNSC", 0x6FE4, kReadPin1UpdatePin1, 0x18, true}, d, kDfArr,
            {Bytes{}}, 80);
  return t;
}

// Directories inside ADF.USIM carry its PIN status and answer to its EF.ARR.
const Bytes kUsimPins{kPin1, kPin2, kAdm1};

TemplateWriter gsm_access(PeHeader h) {
  TemplateWriter t("gsm-access", h, kGsmAccessOid);
  const std::string d = "ADF.USIM/DF.GSM-ACCESS";
  t.directory("df-gsm-access", d, 0x5F3B, kDfArr, kUsimPins);
  // EF.KC, EF.KCGPRS: Kc unknown, cipher key sequence number 07 (no key).
  Bytes no_kc = from_hex("FFFFFFFFFFFFFFFF07");
  t.transparent({"ef-kc", "EF.KC", 0x4F20, kReadPin1UpdatePin1, 0x01, true}, d, kDfArr, no_kc);
  t.transparent({"ef-kcgprs", "EF.KCGPRS", 0x4F52, kReadPin1UpdatePin1, 0x02, true}, d, kDfArr,
                no_kc);
  t.transparent({"ef-cpbcch", "EF.CPBCCH", 0x4F63, kReadPin1UpdatePin1, -1, true}, d, kDfArr,
                padded({}, 10));
  t.transparent({"ef-invscan", "EF.INVSCAN", 0x4F64, kReadPin1UpdateAdm}, d, kDfArr, Bytes{0x00});
  return t;
}

TemplateWriter df_5gs(PeHeader h) {
  TemplateWriter t("df-5gs", h, kDf5gsOid);
  const std::string d = "ADF.USIM/DF.5GS";
  t.directory("df-df-5gs", d, 0x5FC0, kDfArr, kUsimPins);
  // The 5GS location files: no 5G-GUTI, tracking area unknown, "not updated" (01).
  Bytes no_loci = from_hex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000001");
  t.transparent({"ef-5gs3gpploci", "EF.5GS3GPPLOCI", 0x4F01, kReadPin1UpdatePin1, 0x01, true}, d,
                kDfArr, no_loci);
  t.transparent({"ef-5gsn3gpploci", "EF.5GSN3GPPLOCI", 0x4F02, kReadPin1UpdatePin1, 0x02, true}, d,
                kDfArr, no_loci);
  t.records({"ef-5gs3gppnsc", "EF.5GS3GPPNSC", 0x4F03, kReadPin1UpdatePin1, 0x03, true}, d, kDfArr,
            {Bytes{}}, 57);
  t.records({"ef-5gsn3gppnsc", "EF.5GSN3GPPNSC", 0x4F04, kReadPin1UpdatePin1, 0x04, true}, d,
            kDfArr, {Bytes{}}, 57);
  t.transparent({"ef-5gauthkeys", "EF.5GAUTHKEYS", 0x4F05, kReadPin1UpdatePin1, 0x05, true}, d,
                kDfArr, padded({}, 110));
  // No access identity (TS 24.501) configured.
  t.transparent({"ef-uac-aic", "EF.UAC_AIC", 0x4F06, kReadPin1UpdateAdm, 0x06}, d, kDfArr,
                Bytes(4, 0x00));
  // Empty: service 124 (SUCI calculation) is off, so the ME sends the SUPI in the clear.
  t.transparent({"ef-suci-calc-info", "EF.SUCI_CALC_INFO", 0x4F07, kReadPin1UpdateAdm, 0x07}, d,
                kDfArr, padded({}, 128));
  t.records({"ef-opl5g", "EF.OPL5G", 0x4F08, kReadAlwUpdateAdm, 0x08}, d, kDfArr,
            std::vector<Bytes>(5, Bytes{}), 10);
  // Routing indicator 0, 'F'-padded.
  t.transparent({"ef-routing-indicator", "EF.ROUTING_INDICATOR", 0x4F0A, kReadPin1UpdateAdm, 0x0A},
                d, kDfArr, from_hex("F0FFFFFF"));
  return t;
}

TemplateWriter df_saip(PeHeader h) {
  TemplateWriter t("df-saip", h, kDfSaipOid);
  const std::string d = "ADF.USIM/DF.SAIP";
  t.directory("df-df-saip", d, 0x5FD0, kDfArr, kUsimPins);
  // Read by the USIM itself when it computes the SUCI: no access from outside but ADM.
  t.transparent({"ef-suci-calc-info-usim", "EF.SUCI_CALC_INFO_USIM", 0x4F01, kAdmOnly}, d, kDfArr,
                padded({}, 128));
  return t;
}

TemplateWriter isim(const IsimSpec& spec, PeHeader h) {
  TemplateWriter t("isim", h, kIsimOid);
  const std::string d = "ADF.ISIM";
  t.directory("adf-isim", d, kIsimTempFid, kMfArr, Bytes{kPin1, kPin2, kAdm1}, isim_aid());
  // TS 31.103: each identity in a '80' TLV, UTF-8; at least 32 bytes, room for a longer
  // identity written later.
  Bytes impi = tlv::encode(0x80, text_bytes(spec.impi));
  t.transparent({"ef-impi", "EF.IMPI", 0x6F02, kReadPin1UpdateAdm, 0x02}, d, kDfArr,
                padded(impi, std::max<std::size_t>(impi.size(), 32)));
  std::vector<Bytes> impu;
  for (const auto& u : spec.impu) impu.push_back(tlv::encode(0x80, text_bytes(u)));
  t.records({"ef-impu", "EF.IMPU", 0x6F04, kReadPin1UpdateAdm, 0x04}, d, kDfArr, impu,
            std::max<std::size_t>(longest(impu), 32));
  Bytes domain = tlv::encode(0x80, text_bytes(spec.domain));
  t.transparent({"ef-domain", "EF.DOMAIN", 0x6F03, kReadPin1UpdateAdm, 0x05}, d, kDfArr,
                padded(domain, std::max<std::size_t>(domain.size(), 32)));
  // No ISIM services: none of their files is created.
  t.transparent({"ef-ist", "EF.IST", 0x6F07, kReadPin1UpdateAdm, 0x07}, d, kDfArr, Bytes(3, 0x00));
  t.transparent({"ef-ad", "EF.AD", 0x6FAD, kReadAlwUpdateAdm, 0x03}, d, kDfArr, Bytes(3, 0x00));
  t.records({"ef-arr", "EF.ARR", 0x6F06, kReadAlwUpdateAdm, 0x06}, d, kDfArr, access_rules());
  return t;
}

// The second PIN of an ADF, local to it.
PinCodesPe local_pin2(const ProfileSpec& spec, PeHeader h) {
  PinConfig pin2{kPin2, secret_value("pin2", spec.pin2, 4, 8, false), kPin2, 3,
                 attempts("pin2_retries", spec.pin2_retries)};
  return PinCodesPe{h, {pin2}, std::nullopt};
}

AkaParameterPe aka(const ProfileSpec& spec, PeHeader h) {
  AkaParameterPe a;
  a.header = h;
  a.algorithm = spec.algorithm;
  const bool test_algorithm = spec.algorithm == AkaParameterPe::Algorithm::TestAlgorithm;
  a.algorithm_options = Bytes{spec.algorithm_options.value_or(test_algorithm ? 0x02 : 0x00)};
  a.key = spec.k;
  if (spec.algorithm == AkaParameterPe::Algorithm::Tuak && spec.keccak_iterations != 1)
    a.number_of_keccak = spec.keccak_iterations;
  a.sqn_delta = spec.sqn_delta;
  a.sqn_age_limit = spec.sqn_age_limit;
  // The test algorithm ignores OPc, but algoParameter must carry one.
  a.opc = spec.opc.empty() ? SecureBytes(16, 0x00) : spec.opc;
  return a;
}

}  // namespace

std::vector<ProfileElement> build_profile(const ProfileSpec& spec) {
  check(spec);
  // Values checked before any PE is written, so errors come out in field order.
  const Bytes pin1 = secret_value("pin1", spec.pin1, 4, 8, false);
  secret_value("pin2", spec.pin2, 4, 8, false);
  const Bytes puk1 = secret_value("puk1", spec.puk1, 8, 8, false);
  const Bytes puk2 = secret_value("puk2", spec.puk2, 8, 8, false);
  const Bytes adm1 = secret_value("adm1", spec.adm1, 4, 8, true);
  const auto pin1_attempts = attempts("pin1_retries", spec.pin1_retries);
  attempts("pin2_retries", spec.pin2_retries);
  const auto puk1_attempts = attempts("puk1_retries", spec.puk1_retries);
  const auto puk2_attempts = attempts("puk2_retries", spec.puk2_retries);
  const auto adm1_attempts = attempts("adm1_retries", spec.adm1_retries);

  PackageWriter w;
  w.add("header", header(spec));
  w.add(mf(spec, w.next_header()));
  w.add("pukCodes",
        PukCodesPe{w.next_header(),
                   {PukConfig{kPin1, puk1, puk1_attempts}, PukConfig{kPin2, puk2, puk2_attempts}}});
  // Global PINs, right after the MF that is their context. pinAttributes as in the TS.48
  // profile: 6 for PIN1, 3 for the others.
  w.add("pinCodes", PinCodesPe{w.next_header(),
                               {PinConfig{kPin1, pin1, kPin1, 6, pin1_attempts},
                                PinConfig{kAdm1, adm1, std::nullopt, 3, adm1_attempts}},
                               std::nullopt});
  if (spec.telecom) w.add(telecom(w.next_header()));
  w.add(usim(spec, w.next_header()));
  w.add("pinCodes", local_pin2(spec, w.next_header()));
  w.add("akaParameter", aka(spec, w.next_header()));
  if (spec.gsm_access) w.add(gsm_access(w.next_header()));
  if (spec.df_5gs) w.add(df_5gs(w.next_header()));
  if (spec.df_saip) w.add(df_saip(w.next_header()));
  if (spec.isim) {
    w.add(isim(*spec.isim, w.next_header()));
    w.add("pinCodes", local_pin2(spec, w.next_header()));
    w.add("akaParameter", aka(spec, w.next_header()));
  }
  w.add("end", EndPe{w.next_header()});
  w.apply(spec.files);
  return w.take();
}

}  // namespace euiccsim::profiles
