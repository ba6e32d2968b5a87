// Access conditions (ETSI TS 102 221 §9.2-9.3, ISO/IEC 7816-4 §9.3): a file's security attributes
// refer to a record of an EF.ARR (tag 8B: its FID and record, or its FID and one record per
// security environment), searched for in the file's DF and then each DF above it up to the MF.
// The record is a list of rules, each an access-mode DO followed by the security-condition DOs
// of which one must hold:
//   AM_DO 80 (access mode byte: b1 READ/SEARCH, b2 UPDATE, ...) or 84 (one instruction code);
//   SC_DO 90 always, 97 never, A4 user verification (83 key reference, 95 usage qualifier),
//   A0 one of, AF all of, A7 none of; anything else never holds.
// An operation no rule names is never allowed. INCREASE is allowed by a rule naming INS 32, or,
// when no rule names it, by the UPDATE rule (our reading). Of the security environments, SE01
// applies while the global application PIN is enabled, SE00 otherwise (§9.5.1 Table 9.2);
// a file without security attributes is not restricted.
#include "euiccsim/crypto/tlv.hpp"
#include "naa.hpp"

namespace euiccsim::applets::naa {

namespace {

struct Context {
  const Session& s;
  const InstalledProfile& p;
  const Path& df;  // where local key references are resolved
};

bool holds(const Context& c, const tlv::Tlv& sc, int depth) {
  if (depth > 4) return false;
  switch (sc.tag) {
    case 0x90:
      return true;
    case 0x97:
      return false;
    case 0xA4: {
      auto parts = tlv::read_all(sc.value);
      if (!parts) return false;
      auto key = tlv::find(*parts, 0x83);
      return key && key->value.size() == 1 && key_satisfied(c.s, c.p, c.df, key->value[0]);
    }
    case 0xA0:
    case 0xAF:
    case 0xA7: {
      auto parts = tlv::read_all(sc.value);
      if (!parts || parts->empty()) return false;
      bool any = false, all = true;
      for (const auto& part : *parts) {
        const bool h = holds(c, part, depth + 1);
        any = any || h;
        all = all && h;
      }
      return sc.tag == 0xA0 ? any : sc.tag == 0xAF ? all : !any;
    }
    default:
      return false;
  }
}

// The rule record as TLVs, up to the 'FF' padding of the record.
std::vector<tlv::Tlv> parse_record(ByteView record) {
  std::vector<tlv::Tlv> out;
  while (!record.empty()) {
    auto t = tlv::read(record);
    if (!t) break;
    out.push_back(*t);
    record = record.subspan(t->size);
  }
  return out;
}

// Does AM_DO `am` name `op`? `increase_named` reports whether any rule names INCREASE.
bool names(const tlv::Tlv& am, Operation op) {
  if (am.tag == 0x84)
    return am.value.size() == 1 && op == Operation::kIncrease && am.value[0] == 0x32;
  if (am.tag != 0x80 || am.value.empty() || (am.value[0] & 0x80) != 0) return false;
  switch (op) {
    case Operation::kRead:
      return (am.value[0] & 0x01) != 0;
    case Operation::kUpdate:
      return (am.value[0] & 0x02) != 0;
    case Operation::kIncrease:
      return false;
  }
  return false;
}

std::optional<Bytes> arr_record(const InstalledProfile& p, const Path& df, std::uint16_t arr_fid,
                                std::uint8_t record) {
  for (std::size_t len = df.size() + 1; len-- > 0;) {
    const FileNode* dir =
        node_at(p, Path(df.begin(), df.begin() + static_cast<std::ptrdiff_t>(len)));
    if (dir == nullptr) continue;
    const FileNode* arr = dir->child(arr_fid);
    if (arr == nullptr || arr->is_df()) continue;
    Path arr_path(df.begin(), df.begin() + static_cast<std::ptrdiff_t>(len));
    arr_path.push_back(arr_fid);
    const FileNode& body = *node_at(p, body_path(p, arr_path));
    if (record == 0 || record > record_count(body)) return std::nullopt;
    const auto at = static_cast<std::ptrdiff_t>((record - 1) * body.record_length);
    return Bytes(body.content.begin() + at, body.content.begin() + at + body.record_length);
  }
  return std::nullopt;
}

}  // namespace

bool allowed(const Session& s, const InstalledProfile& p, const Path& file, Operation op) {
  const FileNode* f = node_at(p, file);
  if (f == nullptr) return false;
  const Bytes& sa = f->security_attributes;
  if (sa.empty()) return true;
  if (sa.size() < 3 || (sa.size() > 3 && sa.size() % 2 != 0)) return false;
  const auto arr_fid = static_cast<std::uint16_t>((sa[0] << 8) | sa[1]);
  std::uint8_t record = sa[2];
  if (sa.size() > 3) {
    // Pairs of (SE number, record): SE01 while the global application PIN is enabled.
    const auto pin1 = find_pin(p, {}, 0x01);
    const std::uint8_t se = pin1 && pin_enabled(p.pins[*pin1]) ? 0x01 : 0x00;
    record = sa[3];
    for (std::size_t i = 2; i + 1 < sa.size(); i += 2)
      if (sa[i] == se) record = sa[i + 1];
  }
  // For a DF the ARR reference is resolved from the DF's parent, as for an EF.
  const Path parent = file.empty() ? Path{} : Path(file.begin(), file.end() - 1);
  const auto rule = arr_record(p, parent, arr_fid, record);
  if (!rule) return false;
  const Context c{s, p, governing_df(p, file)};
  const auto dos = parse_record(*rule);
  auto evaluate = [&](Operation wanted, bool& named) {
    bool ok = false;
    for (std::size_t i = 0; i < dos.size();) {
      const bool am = dos[i].tag == 0x80 || dos[i].tag == 0x84;
      if (!am) {
        ++i;
        continue;
      }
      const bool match = names(dos[i], wanted);
      named = named || match;
      std::size_t j = i + 1;
      for (; j < dos.size() && dos[j].tag != 0x80 && dos[j].tag != 0x84; ++j)
        if (match && holds(c, dos[j], 0)) ok = true;
      i = j;
    }
    return ok;
  };
  bool named = false;
  const bool ok = evaluate(op, named);
  if (op == Operation::kIncrease && !named) {
    bool update_named = false;
    return evaluate(Operation::kUpdate, update_named);
  }
  return ok;
}

}  // namespace euiccsim::applets::naa
