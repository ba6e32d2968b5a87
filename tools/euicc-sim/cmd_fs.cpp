// euicc-sim fs / aka: the active profile's files and its USIM/ISIM AUTHENTICATE, reached the way
// a terminal reaches them: APDUs on the basic channel (SELECT, READ BINARY/RECORD, VERIFY PIN,
// AUTHENTICATE; 61xx and 6Cxx followed up as T=0 wants), through a PC/SC reader or to a card of
// the state directory run in-process. Nothing here looks inside the card: a directory listing is
// what SELECT finds among the identifiers UICC files use (2Fxx, 4Fxx-7Fxx), and the applications
// are those EF.DIR names.
#include <iostream>
#include <map>
#include <sstream>

#include "common.hpp"
#include "es10_link.hpp"
#include "euiccsim/applets/apdu.hpp"
#include "euiccsim/crypto/aka.hpp"
#include "euiccsim/crypto/tlv.hpp"
#include "euiccsim/profiles/installed_profile.hpp"

namespace euiccsim::tools {

namespace {

struct Answer {
  Bytes data;
  std::uint16_t sw = 0;
};

class Terminal {
 public:
  explicit Terminal(Link& link) : link_(link) {}
  Answer send(Bytes apdu) {
    Answer a;
    Bytes r = link_.transmit(apdu);
    if (r.size() < 2) throw std::runtime_error("the card is mute");
    auto sw = [](const Bytes& b) {
      return static_cast<std::uint16_t>((b[b.size() - 2] << 8) | b.back());
    };
    if (sw(r) >> 8 == 0x6C) {  // wrong Le: repeat with the one the card named
      if (apdu.size() == 5)
        apdu[4] = r.back();
      else
        apdu.push_back(r.back());
      r = link_.transmit(apdu);
      if (r.size() < 2) throw std::runtime_error("the card is mute");
    }
    while (sw(r) >> 8 == 0x61) {
      a.data.insert(a.data.end(), r.begin(), r.end() - 2);
      r = link_.transmit(Bytes{0x00, 0xC0, 0x00, 0x00, r.back()});
      if (r.size() < 2) throw std::runtime_error("the card is mute");
    }
    a.data.insert(a.data.end(), r.begin(), r.end() - 2);
    a.sw = sw(r);
    return a;
  }

 private:
  Link& link_;
};

Bytes apdu(std::uint8_t cla, std::uint8_t ins, std::uint8_t p1, std::uint8_t p2, ByteView data,
           std::optional<std::uint8_t> le = std::nullopt) {
  Bytes a{cla, ins, p1, p2};
  if (!data.empty()) {
    a.push_back(static_cast<std::uint8_t>(data.size()));
    a.insert(a.end(), data.begin(), data.end());
  }
  if (le) a.push_back(*le);
  return a;
}
Bytes fid_bytes(std::uint16_t fid) {
  return Bytes{static_cast<std::uint8_t>(fid >> 8), static_cast<std::uint8_t>(fid)};
}
std::string fid_hex(std::uint16_t fid) {
  return to_hex(fid_bytes(fid));
}

// What an FCP (TS 102 221 §11.1.1.3) says about a file.
struct FileInfo {
  std::uint16_t fid = 0;
  Bytes aid;
  std::string type = "?";  // MF, DF, ADF, transparent, linear-fixed, cyclic, ber-tlv
  std::size_t size = 0, record_length = 0, records = 0;
  int sfi = -1;
  std::uint8_t lcsi = 0;
  Bytes security;
  bool is_df() const { return type == "MF" || type == "DF" || type == "ADF"; }
};

FileInfo parse_fcp(ByteView fcp) {
  FileInfo f;
  auto top = tlv::read(fcp);
  if (!top || top->tag != 0x62) throw std::runtime_error("the card answered SELECT without an FCP");
  auto fields = tlv::read_all(top->value);
  if (!fields) throw std::runtime_error("malformed FCP " + to_hex(fcp));
  for (const auto& t : *fields) {
    const auto v = t.value;
    switch (t.tag) {
      case 0x82:
        if (v.empty()) break;
        switch (v[0] & 0xBF) {
          case 0x38:
            f.type = "DF";
            break;
          case 0x01:
            f.type = "transparent";
            break;
          case 0x02:
            f.type = "linear-fixed";
            break;
          case 0x06:
            f.type = "cyclic";
            break;
          case 0x39:
            f.type = "ber-tlv";
            break;
          default:
            break;
        }
        if (v.size() >= 5) {
          f.record_length = (std::size_t{v[2]} << 8) | v[3];
          f.records = v[4];
        }
        break;
      case 0x83:
        if (v.size() == 2) f.fid = static_cast<std::uint16_t>((v[0] << 8) | v[1]);
        break;
      case 0x84:
        f.aid.assign(v.begin(), v.end());
        break;
      case 0x80:
        for (auto b : v) f.size = (f.size << 8) | b;
        break;
      case 0x88:
        f.sfi = v.empty() ? -1 : v[0] >> 3;
        break;
      case 0x8A:
        if (!v.empty()) f.lcsi = v[0];
        break;
      case 0x8B:
      case 0x8C:
      case 0xAB:
        f.security.assign(t.bytes().begin(), t.bytes().end());
        break;
      default:
        break;
    }
  }
  if (!f.aid.empty()) f.type = "ADF";
  if (f.fid == 0x3F00) f.type = "MF";
  return f;
}

// Names of the files TS 102 221, TS 31.102 and TS 31.103 define, by the DF they sit in; for
// output and for paths, the card itself never names a file.
const std::map<std::string, std::map<std::uint16_t, std::string>>& known_names() {
  static const std::map<std::string, std::map<std::uint16_t, std::string>> names{
      {"MF",
       {{0x2FE2, "EF.ICCID"},
        {0x2F00, "EF.DIR"},
        {0x2F05, "EF.PL"},
        {0x2F06, "EF.ARR"},
        {0x2F08, "EF.UMPC"},
        {0x7F10, "DF.TELECOM"},
        {0x7F20, "DF.GSM"}}},
      {"USIM", {{0x6F07, "EF.IMSI"},     {0x6F06, "EF.ARR"},       {0x6F08, "EF.Keys"},
                {0x6F09, "EF.KeysPS"},   {0x6F31, "EF.HPPLMN"},    {0x6F38, "EF.UST"},
                {0x6F3B, "EF.FDN"},      {0x6F3C, "EF.SMS"},       {0x6F40, "EF.MSISDN"},
                {0x6F42, "EF.SMSP"},     {0x6F43, "EF.SMSS"},      {0x6F46, "EF.SPN"},
                {0x6F56, "EF.EST"},      {0x6F5B, "EF.START-HFN"}, {0x6F5C, "EF.THRESHOLD"},
                {0x6F73, "EF.PSLOCI"},   {0x6F78, "EF.ACC"},       {0x6F7B, "EF.FPLMN"},
                {0x6F7E, "EF.LOCI"},     {0x6FAD, "EF.AD"},        {0x6FB7, "EF.ECC"},
                {0x6FC4, "EF.NETPAR"},   {0x6FE3, "EF.EPSLOCI"},   {0x6FE4, "EF.EPSNSC"},
                {0x6F60, "EF.PLMNwAcT"}, {0x6F61, "EF.OPLMNwAcT"}, {0x6F62, "EF.HPLMNwAcT"},
                {0x6F05, "EF.LI"},       {0x6F39, "EF.ACM"},       {0x6F3E, "EF.GID1"},
                {0x6F3F, "EF.GID2"},     {0x6FD9, "EF.EHPLMN"},    {0x5F3B, "DF.GSM-ACCESS"},
                {0x5FC0, "DF.5GS"},      {0x5FD0, "DF.SAIP"}}},
      {"ISIM",
       {{0x6F02, "EF.IMPI"},
        {0x6F04, "EF.IMPU"},
        {0x6F03, "EF.DOMAIN"},
        {0x6F07, "EF.IST"},
        {0x6FAD, "EF.AD"},
        {0x6F06, "EF.ARR"},
        {0x6F09, "EF.P-CSCF"},
        {0x6FD5, "EF.GBABP"}}},
      {"DF.GSM-ACCESS",
       {{0x4F20, "EF.Kc"}, {0x4F52, "EF.KcGPRS"}, {0x4F63, "EF.CPBCCH"}, {0x4F64, "EF.InvScan"}}},
      {"DF.5GS",
       {{0x4F01, "EF.5GS3GPPLOCI"},
        {0x4F02, "EF.5GSN3GPPLOCI"},
        {0x4F03, "EF.5GS3GPPNSC"},
        {0x4F04, "EF.5GSN3GPPNSC"},
        {0x4F05, "EF.5GAUTHKEYS"},
        {0x4F06, "EF.UAC_AIC"},
        {0x4F07, "EF.SUCI_Calc_Info"},
        {0x4F08, "EF.OPL5G"},
        {0x4F0A, "EF.Routing_Indicator"}}},
      {"DF.TELECOM", {{0x6F06, "EF.ARR"}, {0x5F50, "DF.GRAPHICS"}, {0x5F3A, "DF.PHONEBOOK"}}},
  };
  return names;
}

std::string name_in(const std::string& parent, std::uint16_t fid) {
  const auto& n = known_names();
  if (auto p = n.find(parent); p != n.end())
    if (auto f = p->second.find(fid); f != p->second.end()) return f->second;
  return "";
}

// ISO/IEC 7816-4 §9.5.2 coding of a PIN typed as digits; ADM keys are given as 16 hex digits.
Bytes pin_value(const std::string& text) {
  const bool digits = !text.empty() && text.size() <= 8 &&
                      text.find_first_not_of("0123456789") == std::string::npos;
  if (digits && text.size() >= 4) {
    Bytes v(8, 0xFF);
    std::copy(text.begin(), text.end(), v.begin());
    return v;
  }
  Bytes v;
  try {
    v = from_hex(text);
  } catch (const HexError&) {
  }
  if (v.size() != 8) throw UsageError("--verify: a value of 4 to 8 digits, or 16 hex digits");
  return v;
}

struct Application {
  std::string label;
  Bytes aid;
};

class FileSystemClient {
 public:
  explicit FileSystemClient(Terminal& t) : t_(t) {}

  Answer select_mf() { return t_.send(apdu(0x00, 0xA4, 0x00, 0x04, fid_bytes(0x3F00), 0x00)); }

  // EF.DIR's applications (TS 102 221 §13.1): each record 61 { 4F AID, 50 label }.
  std::vector<Application> applications() {
    std::vector<Application> apps;
    if (select_mf().sw != 0x9000) return apps;
    auto dir = t_.send(apdu(0x00, 0xA4, 0x00, 0x04, fid_bytes(0x2F00), 0x00));
    if (dir.sw != 0x9000) return apps;
    const FileInfo f = parse_fcp(dir.data);
    for (std::size_t r = 1; r <= f.records; ++r) {
      auto rec = t_.send(apdu(0x00, 0xB2, static_cast<std::uint8_t>(r), 0x04, {},
                              static_cast<std::uint8_t>(f.record_length)));
      if (rec.sw != 0x9000) continue;
      auto t = tlv::read(rec.data);
      if (!t || t->tag != 0x61) continue;
      auto parts = tlv::read_all(t->value);
      if (!parts) continue;
      Application a;
      if (auto aid = tlv::find(*parts, 0x4F)) a.aid.assign(aid->value.begin(), aid->value.end());
      if (auto label = tlv::find(*parts, 0x50))
        a.label.assign(label->value.begin(), label->value.end());
      if (!a.aid.empty()) apps.push_back(std::move(a));
    }
    return apps;
  }

  // Selects `path` ("MF", "2FE2", "ADF.USIM/EF.IMSI", "ADF.ISIM/6F02", "7F10/5F3A") segment by
  // segment; the FCP of the last one. Names from known_names() are accepted where the card's
  // file has that FID. std::runtime_error with the status word when a SELECT fails.
  FileInfo select(const std::string& path, std::string* context = nullptr) {
    auto mf = select_mf();
    if (mf.sw != 0x9000) throw std::runtime_error("SELECT MF: status word " + apdu::sw_hex(mf.sw));
    FileInfo f = parse_fcp(mf.data);
    std::string where = "MF";
    std::istringstream in(path);
    std::string seg;
    bool first = true;
    while (std::getline(in, seg, '/')) {
      if (seg.empty() || ((seg == "MF" || seg == "3F00") && first)) {
        first = false;
        continue;
      }
      Answer a;
      if (first && seg.rfind("ADF.", 0) == 0) {
        const std::string label = seg.substr(4);
        Bytes aid;
        for (const auto& app : applications())
          if (app.label == label || to_hex(app.aid) == label) aid = app.aid;
        if (aid.empty()) {
          try {
            aid = from_hex(label);
          } catch (const HexError&) {
          }
        }
        if (aid.empty()) throw std::runtime_error(seg + ": no such application in EF.DIR");
        a = t_.send(apdu(0x00, 0xA4, 0x04, 0x04, aid, 0x00));
        where = label == "USIM" || label == "ISIM" ? label : seg;
      } else {
        std::uint16_t fid = 0;
        bool found = false;
        if (auto p = known_names().find(where); p != known_names().end())
          for (const auto& [id, name] : p->second)
            if (name == seg) {
              fid = id;
              found = true;
            }
        if (!found) {
          Bytes b;
          try {
            b = from_hex(seg);
          } catch (const HexError&) {
          }
          if (b.size() != 2)
            throw UsageError("path segment '" + seg + "': a FID (4 hex digits) or a known name");
          fid = static_cast<std::uint16_t>((b[0] << 8) | b[1]);
        }
        a = t_.send(apdu(0x00, 0xA4, 0x09, 0x04, fid_bytes(fid), 0x00));
        const std::string n = name_in(where, fid);
        where = n.empty() ? fid_hex(fid) : n;
      }
      if (a.sw != 0x9000)
        throw std::runtime_error("SELECT " + seg + ": status word " + apdu::sw_hex(a.sw));
      f = parse_fcp(a.data);
      first = false;
    }
    if (context) *context = where;
    return f;
  }

  // The children of the current DF `dir` (named `context`): every FID of the ranges UICC files
  // use that SELECT (P1 09, from the current DF) finds.
  std::vector<std::pair<FileInfo, std::string>> children(const std::string& context, bool is_mf) {
    std::vector<std::pair<FileInfo, std::string>> out;
    for (std::uint16_t high : {0x2F, 0x4F, 0x5F, 0x6F, 0x7F}) {
      if (high == 0x2F && !is_mf) continue;
      for (std::uint16_t low = 0; low < 0x100; ++low) {
        const auto fid = static_cast<std::uint16_t>((high << 8) | low);
        if (fid == 0x7FFF) continue;  // the current application, not a child
        auto a = t_.send(apdu(0x00, 0xA4, 0x09, 0x04, fid_bytes(fid), 0x00));
        if (a.sw != 0x9000) continue;
        FileInfo f = parse_fcp(a.data);
        out.emplace_back(f, name_in(context, fid));
        if (f.is_df()) t_.send(apdu(0x00, 0xA4, 0x03, 0x0C, {}));  // back to `dir`
      }
    }
    return out;
  }

  Terminal& terminal() { return t_; }

 private:
  Terminal& t_;
};

std::string describe(const FileInfo& f) {
  std::string s = f.type;
  if (f.type == "transparent" || f.type == "ber-tlv") s += "  " + std::to_string(f.size) + " bytes";
  if (f.type == "linear-fixed" || f.type == "cyclic")
    s += "  " + std::to_string(f.records) + " x " + std::to_string(f.record_length);
  if (f.sfi >= 0) s += "  SFI " + std::to_string(f.sfi);
  return s;
}

json::Value file_json(const FileInfo& f, const std::string& name) {
  auto j = json::Value::object();
  if (f.type == "ADF") {
    j["aid"] = to_hex(f.aid);
  } else {
    j["fid"] = fid_hex(f.fid);
  }
  if (!name.empty()) j["name"] = name;
  j["type"] = f.type;
  if (!f.is_df()) j["size"] = static_cast<std::uint64_t>(f.size);
  if (f.records) {
    j["records"] = static_cast<std::uint64_t>(f.records);
    j["record_length"] = static_cast<std::uint64_t>(f.record_length);
  }
  if (f.sfi >= 0) j["sfi"] = f.sfi;
  j["security_attributes"] = to_hex(f.security);
  return j;
}

struct FsOptions {
  CardLinkOptions link;
  std::string action;
  std::string path;
  std::vector<std::string> verify;
  bool json = false;
};

void verify_pins(Terminal& t, const std::vector<std::string>& verify) {
  for (const auto& v : verify) {
    const auto eq = v.find('=');
    if (eq == std::string::npos)
      throw UsageError("--verify REF=VALUE, e.g. 01=1234 or 0A=3838383838383838");
    Bytes ref;
    try {
      ref = from_hex(v.substr(0, eq));
    } catch (const HexError&) {
    }
    if (ref.size() != 1)
      throw UsageError("--verify: the key reference is one byte in hex (01, 81, 0A)");
    auto a = t.send(apdu(0x00, 0x20, 0x00, ref[0], pin_value(v.substr(eq + 1))));
    if (a.sw != 0x9000)
      throw std::runtime_error("VERIFY PIN " + to_hex(ref) + ": status word " + apdu::sw_hex(a.sw));
  }
}

// Prints the tree below the current DF, depth first; each DF is entered and left again.
void tree(FileSystemClient& fs, const std::string& context, bool is_mf, int depth, json::Value* out,
          std::ostream& text) {
  for (auto& [f, name] : fs.children(context, is_mf)) {
    text << std::string(2 * depth, ' ') << (f.type == "ADF" ? to_hex(f.aid) : fid_hex(f.fid))
         << "  " << (name.empty() ? "" : name + "  ") << describe(f) << '\n';
    auto j = file_json(f, name);
    if (f.is_df() && depth < 6) {
      auto a = fs.terminal().send(apdu(0x00, 0xA4, 0x09, 0x0C, fid_bytes(f.fid)));
      if (a.sw == 0x9000) {
        auto kids = json::Value::array();
        tree(fs, name.empty() ? fid_hex(f.fid) : name, false, depth + 1, &kids, text);
        j["children"] = std::move(kids);
        fs.terminal().send(apdu(0x00, 0xA4, 0x03, 0x0C, {}));
      }
    }
    if (out) out->push_back(std::move(j));
  }
}

int run_fs(GlobalOptions& global, const FsOptions& o) {
  channel_options(o.link);  // validates --reader/--card
  auto link = open_link(global, o.link);
  Terminal t(*link);
  FileSystemClient fs(t);
  std::string context;
  const FileInfo target = fs.select(o.path, &context);
  verify_pins(t, o.verify);
  std::ostringstream text;
  auto result = json::Value::object();
  result["path"] = o.path.empty() ? "MF" : o.path;
  result["file"] = file_json(target, context);
  if (o.action == "cat") {
    if (target.is_df()) throw UsageError("cat: " + o.path + " is a directory (use ls)");
    auto records = json::Value::array();
    if (target.type == "transparent") {
      Bytes content;
      for (std::size_t off = 0; off < target.size;) {
        const std::size_t n = std::min<std::size_t>(255, target.size - off);
        auto a = t.send(apdu(0x00, 0xB0, static_cast<std::uint8_t>(off >> 8),
                             static_cast<std::uint8_t>(off), {}, static_cast<std::uint8_t>(n)));
        if (a.sw != 0x9000)
          throw std::runtime_error("READ BINARY at " + std::to_string(off) + ": status word " +
                                   apdu::sw_hex(a.sw) +
                                   (a.sw == 0x6982 ? " (access condition not met; --verify)" : ""));
        content.insert(content.end(), a.data.begin(), a.data.end());
        off += n;
      }
      result["content"] = to_hex(content);
      text << to_hex(content) << '\n';
    } else if (target.type == "linear-fixed" || target.type == "cyclic") {
      for (std::size_t r = 1; r <= target.records; ++r) {
        auto a = t.send(apdu(0x00, 0xB2, static_cast<std::uint8_t>(r), 0x04, {},
                             static_cast<std::uint8_t>(target.record_length)));
        if (a.sw != 0x9000)
          throw std::runtime_error("READ RECORD " + std::to_string(r) + ": status word " +
                                   apdu::sw_hex(a.sw) +
                                   (a.sw == 0x6982 ? " (access condition not met; --verify)" : ""));
        records.push_back(to_hex(a.data));
        text << r << ": " << to_hex(a.data) << '\n';
      }
      result["records"] = std::move(records);
    } else {
      throw std::runtime_error("cat: " + target.type + " files are not read by this command");
    }
  } else {
    if (!target.is_df()) throw UsageError(o.action + ": " + o.path + " is not a directory");
    auto list = json::Value::array();
    const bool is_mf = target.type == "MF";
    if (o.action == "ls") {
      for (auto& [f, name] : fs.children(context, is_mf)) {
        text << (f.type == "ADF" ? to_hex(f.aid) : fid_hex(f.fid)) << "  "
             << (name.empty() ? "" : name + "  ") << describe(f) << '\n';
        list.push_back(file_json(f, name));
      }
    } else {
      tree(fs, context, is_mf, 0, &list, text);
    }
    if (is_mf) {
      // The applications EF.DIR lists, reached by AID rather than by FID.
      auto apps = json::Value::array();
      for (const auto& app : fs.applications()) {
        text << to_hex(app.aid) << "  ADF." << app.label << '\n';
        auto j = json::Value::object();
        j["aid"] = to_hex(app.aid);
        j["label"] = app.label;
        if (o.action == "tree") {
          auto sel = t.send(apdu(0x00, 0xA4, 0x04, 0x0C, app.aid));
          if (sel.sw == 0x9000) {
            auto kids = json::Value::array();
            tree(fs, app.label, false, 1, &kids, text);
            j["children"] = std::move(kids);
          }
        }
        apps.push_back(std::move(j));
      }
      result["applications"] = std::move(apps);
    }
    result["children"] = std::move(list);
  }
  if (o.json)
    std::cout << result.dump() << '\n';
  else
    std::cout << text.str();
  return 0;
}

// ---- aka ----

struct AkaOptions {
  CardLinkOptions link;
  std::string rand, autn, sqn, amf = "8000";
  std::string k, opc, algorithm, options;
  unsigned keccak = 1;
  bool isim = false, gsm = false, json = false;
  std::vector<std::string> verify;
};

Bytes hex_arg(const std::string& name, const std::string& value, std::size_t size) {
  Bytes b;
  try {
    b = from_hex(value);
  } catch (const HexError&) {
    throw UsageError(name + ": not hex");
  }
  if (size != 0 && b.size() != size)
    throw UsageError(name + ": " + std::to_string(size) + " bytes expected, got " +
                     std::to_string(b.size()));
  return b;
}

// The subscriber's AKA parameters as the network knows them: from the options, else from the
// profile the card image enables (in-process cards only).
crypto::aka::Parameters network_side(GlobalOptions& global, const AkaOptions& o) {
  profiles::Naa naa;
  profiles::InstalledProfile holder;
  if (!o.k.empty()) {
    if (o.algorithm == "milenage" || o.algorithm.empty())
      naa.algorithm = 1;
    else if (o.algorithm == "tuak")
      naa.algorithm = 2;
    else if (o.algorithm == "usim-test-algorithm")
      naa.algorithm = 3;
    else
      throw UsageError("--algorithm: milenage, tuak or usim-test-algorithm");
    const Bytes k = hex_arg("--k", o.k, 0),
                opc = o.opc.empty() ? Bytes(16, 0) : hex_arg("--opc", o.opc, 0);
    naa.key = SecureBytes(k.begin(), k.end());
    naa.opc = SecureBytes(opc.begin(), opc.end());
    naa.algorithm_options = o.options.empty()
                                ? Bytes{static_cast<std::uint8_t>(naa.algorithm == 3 ? 0x02 : 0x00)}
                                : hex_arg("--options", o.options, 1);
    naa.number_of_keccak = static_cast<std::uint8_t>(o.keccak);
  } else {
    if (!o.link.reader.empty())
      throw UsageError(
          "--sqn through a reader needs the subscriber's --k (and --opc, --algorithm)");
    auto dir = global.state();
    const CardState state = dir.load(choose_card(dir, o.link.card));
    const auto* slot = state.enabled_profile();
    if (slot == nullptr) throw std::runtime_error("the card has no enabled profile");
    const auto kind = o.isim ? profiles::Naa::Kind::Isim : profiles::Naa::Kind::Usim;
    const auto* n = slot->profile.naa(kind);
    if (n == nullptr)
      throw std::runtime_error(std::string("the enabled profile has no ") +
                               (o.isim ? "ISIM" : "USIM"));
    auto p = profiles::aka_parameters(slot->profile, *n);
    if (!p)
      throw std::runtime_error("the profile's AKA parameters are not ones this command can run");
    return *p;
  }
  auto p = profiles::aka_parameters(holder, naa);
  if (!p) throw UsageError("--k/--opc/--options: not a configuration the card could run");
  return *p;
}

int run_aka(GlobalOptions& global, const AkaOptions& o) {
  channel_options(o.link);
  const Bytes rand = hex_arg("--rand", o.rand, 16);
  const bool three_g = !o.autn.empty() || !o.sqn.empty();
  if (o.gsm && three_g) throw UsageError("--gsm takes RAND alone (no --autn, no --sqn)");
  if (!o.gsm && !three_g) throw UsageError("give --autn A or --sqn S (or --gsm)");
  if (!o.autn.empty() && !o.sqn.empty()) throw UsageError("--autn and --sqn exclude each other");
  std::optional<crypto::aka::Parameters> net;
  Bytes autn;
  std::optional<crypto::aka::Outputs> expected;
  if (!o.sqn.empty()) {
    net = network_side(global, o);
    const Bytes sqn = hex_arg("--sqn", o.sqn, 6), amf = hex_arg("--amf", o.amf, 2);
    expected = crypto::aka::f2345(*net, rand);
    autn = sqn;
    for (std::size_t i = 0; i < 6; ++i) autn[i] ^= expected->ak[i];
    autn.insert(autn.end(), amf.begin(), amf.end());
    const Bytes mac = crypto::aka::mac_a(*net, rand, sqn, amf);
    autn.insert(autn.end(), mac.begin(), mac.end());
  } else if (!o.autn.empty()) {
    autn = hex_arg("--autn", o.autn, 16);
  }

  auto link = open_link(global, o.link);
  Terminal t(*link);
  FileSystemClient fs(t);
  fs.select(o.isim ? "ADF.ISIM" : "ADF.USIM");
  verify_pins(t, o.verify);
  Bytes data{0x10};
  data.insert(data.end(), rand.begin(), rand.end());
  if (!o.gsm) {
    data.push_back(0x10);
    data.insert(data.end(), autn.begin(), autn.end());
  }
  const auto a = t.send(apdu(0x00, 0x88, 0x00, o.gsm ? 0x80 : 0x81, data, 0x00));

  auto j = json::Value::object();
  std::ostringstream text;
  j["rand"] = to_hex(rand);
  if (!o.gsm) j["autn"] = to_hex(autn);
  j["sw"] = apdu::sw_hex(a.sw);
  int status = 1;
  ByteView d(a.data);
  auto take_lv = [&d]() -> std::optional<Bytes> {
    if (d.empty() || d[0] + 1u > d.size()) return std::nullopt;
    Bytes v(d.begin() + 1, d.begin() + 1 + d[0]);
    d = d.subspan(1 + v.size());
    return v;
  };
  if (a.sw != 0x9000) {
    j["result"] = "error";
    text << "AUTHENTICATE: status word " << apdu::sw_hex(a.sw)
         << (a.sw == 0x9862   ? " (MAC failure)"
             : a.sw == 0x6982 ? " (PIN not verified; --verify)"
                              : "")
         << '\n';
  } else if (o.gsm) {
    auto sres = take_lv(), kc = take_lv();
    if (!sres || !kc) throw std::runtime_error("malformed GSM answer " + to_hex(a.data));
    j["result"] = "ok";
    j["sres"] = to_hex(*sres);
    j["kc"] = to_hex(*kc);
    text << "SRES " << to_hex(*sres) << "\nKc   " << to_hex(*kc) << '\n';
    status = 0;
  } else if (!d.empty() && d[0] == 0xDB) {
    d = d.subspan(1);
    auto res = take_lv(), ck = take_lv(), ik = take_lv(), kc = take_lv();
    if (!res || !ck || !ik)
      throw std::runtime_error("malformed AUTHENTICATE answer " + to_hex(a.data));
    j["result"] = "ok";
    j["res"] = to_hex(*res);
    j["ck"] = to_hex(*ck);
    j["ik"] = to_hex(*ik);
    if (kc) j["kc"] = to_hex(*kc);
    text << "RES " << to_hex(*res) << "\nCK  " << to_hex(*ck) << "\nIK  " << to_hex(*ik) << '\n';
    if (kc) text << "Kc  " << to_hex(*kc) << '\n';
    status = 0;
    if (expected) {
      const bool match = *res == expected->res && *ck == expected->ck && *ik == expected->ik;
      j["matches_network"] = match;
      text << (match ? "RES, CK and IK match the network's\n"
                     : "MISMATCH with the network's XRES/CK/IK\n");
      if (!match) status = 1;
    }
  } else if (!d.empty() && d[0] == 0xDC && d.size() == 16 && d[1] == 14) {
    const Bytes auts(d.begin() + 2, d.end());
    j["result"] = "sync-failure";
    j["auts"] = to_hex(auts);
    text << "synchronisation failure: AUTS " << to_hex(auts) << '\n';
    if (net) {
      const Bytes ak_star = crypto::aka::ak_star(*net, rand);
      Bytes sqn_ms(auts.begin(), auts.begin() + 6);
      for (std::size_t i = 0; i < 6; ++i) sqn_ms[i] ^= ak_star[i];
      const Bytes mac_s = crypto::aka::mac_s(*net, rand, sqn_ms, Bytes{0, 0});
      const bool valid = std::equal(mac_s.begin(), mac_s.end(), auts.begin() + 6);
      j["sqn_ms"] = to_hex(sqn_ms);
      j["mac_s_valid"] = valid;
      text << "SQN_MS " << to_hex(sqn_ms) << (valid ? " (MAC-S valid)" : " (MAC-S INVALID)")
           << '\n';
    }
  } else {
    throw std::runtime_error("unexpected AUTHENTICATE answer " + to_hex(a.data));
  }
  if (o.json)
    std::cout << j.dump() << '\n';
  else
    std::cout << text.str();
  return status;
}

}  // namespace

void add_fs_commands(CLI::App& app, GlobalOptions& global) {
  auto o = std::make_shared<FsOptions>();
  auto* fs = app.add_subcommand("fs",
                                "The enabled profile's files over APDUs (SELECT, READ "
                                "BINARY/RECORD), as a terminal sees them");
  fs->add_option("--reader", o->link.reader, "PC/SC reader name (through pcscd)");
  fs->add_option("--card", o->link.card, "EID of a card of the state directory, run in-process");
  fs->add_option("--verify", o->verify,
                 "Present a PIN first: REF=VALUE, e.g. 01=1234 (PIN1), 81=5678 (PIN2), "
                 "0A=3838383838383838 (ADM1 as 16 hex digits)");
  fs->add_flag("--json", o->json, "One JSON object");
  fs->add_option("action", o->action, "ls, cat or tree")
      ->required()
      ->check(CLI::IsMember({"ls", "cat", "tree"}));
  fs->add_option("path", o->path,
                 "The file: FIDs or known names from the MF, an application as ADF.<EF.DIR label> "
                 "(default: the MF)");
  fs->footer(
      "ls lists a directory's files (those SELECT finds among the FIDs UICC files use), cat reads "
      "a\n"
      "file whole (every record of a record file), tree lists everything below a directory.\n"
      "Examples:\n"
      "  euicc-sim fs --card 89049032123451234512345678901235 cat ADF.USIM/EF.IMSI\n"
      "  euicc-sim fs --reader 'euicc-sim 00 00' ls ADF.USIM\n"
      "  euicc-sim fs --card EID --json tree\n"
      "  euicc-sim fs --card EID --verify 0A=3838383838383838 cat 2FE2\n"
      "Exit status: 0 success, 1 the card refused (the status word is named), 2 usage error.");
  fs->callback([&global, o] { std::exit(run_fs(global, *o)); });

  auto a = std::make_shared<AkaOptions>();
  auto* aka = app.add_subcommand(
      "aka", "USIM/ISIM AUTHENTICATE with a given RAND and AUTN, or an AUTN computed from --sqn");
  aka->add_option("--reader", a->link.reader, "PC/SC reader name (through pcscd)");
  aka->add_option("--card", a->link.card, "EID of a card of the state directory, run in-process");
  aka->add_option("--rand", a->rand, "RAND, 16 bytes hex")->required();
  aka->add_option("--autn", a->autn, "AUTN, 16 bytes hex, sent as given");
  aka->add_option("--sqn", a->sqn,
                  "Compute AUTN as the network would, for this SQN (6 bytes hex), with the key of "
                  "the card image's enabled profile (--card) or --k/--opc; the answer is checked "
                  "against XRES, CK, IK, or AUTS is decoded");
  aka->add_option("--amf", a->amf, "AMF for --sqn (2 bytes hex)")->capture_default_str();
  aka->add_option("--k", a->k, "Subscriber key for --sqn (instead of the card image's)");
  aka->add_option("--opc", a->opc, "OPc (MILENAGE) or TOPc (TUAK) for --sqn");
  aka->add_option("--algorithm", a->algorithm, "milenage (default), tuak or usim-test-algorithm");
  aka->add_option("--options", a->options,
                  "algorithmOptions byte for --k (output lengths, docs/naa.md)");
  aka->add_option("--keccak", a->keccak, "TUAK Keccak iterations for --k")->capture_default_str();
  aka->add_flag("--isim", a->isim, "Authenticate on ADF.ISIM (IMS AKA) instead of ADF.USIM");
  aka->add_flag("--gsm", a->gsm, "The GSM context (P2 = 80): RAND only, SRES and Kc back");
  aka->add_option("--verify", a->verify, "Present a PIN first: REF=VALUE (as for fs)");
  aka->add_flag("--json", a->json, "One JSON object");
  aka->footer(
      "Prints RES, CK, IK (and Kc) on success, AUTS (and, with --sqn, the SQN_MS it carries) on a\n"
      "synchronisation failure, the status word otherwise.\n"
      "Examples:\n"
      "  euicc-sim aka --card EID --rand 23553CBE9637A89D218AE64DAE47BF35 --sqn 000000000021\n"
      "  euicc-sim aka --reader 'euicc-sim 00 00' --rand R --autn A --json\n"
      "Exit status: 0 authenticated (and, with --sqn, matching the network), 1 MAC or\n"
      "synchronisation failure or another refusal, 2 usage error.");
  aka->callback([&global, a] { std::exit(run_aka(global, *a)); });
}

}  // namespace euiccsim::tools
