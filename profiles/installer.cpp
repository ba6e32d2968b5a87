#include "euiccsim/profiles/installer.hpp"

#include <algorithm>
#include <cstdio>
#include <set>
#include <string_view>

#include "euiccsim/profiles/asn1.hpp"

namespace euiccsim::profiles {
namespace {

using Path = std::vector<std::uint16_t>;

constexpr std::uint16_t kMf = 0x3F00;
constexpr std::size_t kMaxDepth = 5;

std::size_t be_number(const Bytes& b) {
  std::size_t n = 0;
  for (auto x : b) n = (n << 8) | x;
  return n;
}

// A byte pattern filling `size` bytes the way TS 102 222 fills a new file: a fill pattern is
// written once and its last byte repeated, a repeat pattern is repeated whole.
Bytes patterned(std::size_t size, const Bytes& head, const Bytes& repeat, bool repeat_whole) {
  Bytes out(size, 0xFF);
  std::size_t i = 0;
  for (; i < size && i < head.size(); ++i) out[i] = head[i];
  if (repeat.empty()) {
    if (!head.empty())
      for (; i < size; ++i) out[i] = head.back();
    return out;
  }
  for (std::size_t k = 0; i < size; ++i, ++k)
    out[i] = repeat_whole ? repeat[k % repeat.size()] : repeat.back();
  return out;
}

Bytes proprietary_tlv(const ProprietaryInfo& p) {
  Bytes out;
  auto put = [&](std::uint8_t tag, const std::optional<Bytes>& v) {
    if (!v) return;
    out.push_back(tag);
    out.push_back(static_cast<std::uint8_t>(v->size()));
    out.insert(out.end(), v->begin(), v->end());
  };
  put(0xC0, p.special_file_information);
  put(0xC1, p.fill_pattern);
  put(0xC2, p.repeat_pattern);
  put(0x86, p.maximum_file_size);
  put(0x84, p.file_details);
  return out;
}

}  // namespace

const char* to_string(PeStatusCode code) {
  switch (code) {
    case PeStatusCode::Ok: return "ok";
    case PeStatusCode::PeNotSupported: return "pe-not-supported";
    case PeStatusCode::MemoryFailure: return "memory-failure";
    case PeStatusCode::BadValues: return "bad-values";
    case PeStatusCode::NotEnoughMemory: return "not-enough-memory";
    case PeStatusCode::InvalidRequestFormat: return "invalid-request-format";
    case PeStatusCode::InvalidParameter: return "invalid-parameter";
    case PeStatusCode::RuntimeNotSupported: return "runtime-not-supported";
    case PeStatusCode::LibNotSupported: return "lib-not-supported";
    case PeStatusCode::TemplateNotSupported: return "template-not-supported";
    case PeStatusCode::FeatureNotSupported: return "feature-not-supported";
    case PeStatusCode::PinCodeMissing: return "pin-code-missing";
    case PeStatusCode::UnsupportedProfileVersion: return "unsupported-profile-version";
  }
  return "unknown";
}

std::string InstallError::describe() const {
  std::string s = "PE #" + std::to_string(pe_index);
  if (!pe_kind.empty() || identification) {
    s += " (";
    s += pe_kind.empty() ? "?" : pe_kind;
    if (identification) s += ", identification " + std::to_string(*identification);
    s += ")";
  }
  return s + ": " + what() + " [" + to_string(status) + "]";
}

std::vector<std::string> InstallOptions::default_services() {
  // What this card installs. "javacard" is accepted because Java Card applications and
  // security domains are installed as metadata (AIDs, privileges, keys) that the ISD-R and
  // the NAAs report and use, although their code is never run. MULTOS, contactless, CAT_TP,
  // EAP, GBA/MBMS, DNS resolution, SCP11 and S16 need runtimes or protocols the simulator does
  // not have, and a profile that mandates them is refused.
  return {"usim",          "isim",          "csim",          "milenage",
          "tuak128",       "cave",          "javacard",      "multiple-usim",
          "multiple-isim", "multiple-csim", "tuak256",       "usim-test-algorithm",
          "ber-tlv",       "dfLink",        "get-identity",  "profile-a-x25519",
          "profile-b-p256", "suciCalculatorApi"};
}

struct Installer::State {
  InstallOptions options;
  InstalledProfile profile;
  PackageReader reader;
  std::size_t index = 0;  // of the PE being processed
  const ProfileElement* current = nullptr;
  bool header_seen = false;
  bool mf_seen = false;
  bool ended = false;
  std::set<std::uint16_t> identifications;
  Path context;                        // DF/ADF the last root template created (PINs, AKA)
  std::optional<Path> last_usim, last_isim, last_csim;

  [[noreturn]] void fail(const std::string& why, PeStatusCode status,
                         InstallFailure failure = InstallFailure::PeProcessingError) const {
    std::optional<std::uint16_t> id;
    std::string kind;
    if (current != nullptr) {
      kind = current->kind;
      if (const auto* h = current->header()) id = h->identification;
    }
    throw InstallError(why, index, kind, id, status, failure);
  }

  FileNode* resolve(const Path& path) {
    FileNode* node = &profile.mf;
    for (auto fid : path) {
      node = node->child(fid);
      if (node == nullptr) return nullptr;
    }
    return node;
  }

  // ---- file creation ----

  // Applies a PE's FCP over the defaults already in `node`.
  void apply_fcp(FileNode& node, const Fcp& fcp, std::size_t& size) {
    if (fcp.file_descriptor) {
      const Bytes& d = *fcp.file_descriptor;
      std::uint8_t fdb = d[0];
      node.shareable = (fdb & 0x40) != 0;
      switch (fdb & 0xBF) {
        case 0x38:
          if (node.type != FileType::Mf && node.type != FileType::Adf) node.type = FileType::Df;
          break;
        case 0x01: node.type = FileType::Transparent; break;
        case 0x02: node.type = FileType::LinearFixed; break;
        case 0x06: node.type = FileType::Cyclic; break;
        case 0x39: node.type = FileType::BerTlv; break;
        default: fail("file descriptor byte " + to_hex(d).substr(0, 2) + " is not a file type",
                      PeStatusCode::BadValues);
      }
      if (node.type == FileType::LinearFixed || node.type == FileType::Cyclic) {
        if (d.size() < 4) fail("record file without a record length", PeStatusCode::BadValues);
        node.record_length = static_cast<std::uint16_t>((d[2] << 8) | d[3]);
        if (d.size() >= 5) node.records = d[4];
      }
    }
    if (fcp.file_id) node.fid = static_cast<std::uint16_t>(be_number(*fcp.file_id));
    if (fcp.df_name) {
      node.df_name = *fcp.df_name;
      node.type = FileType::Adf;
    }
    if (fcp.lcsi) node.lcsi = (*fcp.lcsi)[0];
    if (fcp.security_attributes) node.security_attributes = *fcp.security_attributes;
    if (fcp.pin_status_template) node.pin_status_template = *fcp.pin_status_template;
    if (fcp.short_ef_id) {
      if (fcp.short_ef_id->empty())
        node.sfi = -1;
      else
        node.sfi = static_cast<std::int16_t>((*fcp.short_ef_id)[0] >> 3);
    }
    if (fcp.proprietary) node.proprietary = proprietary_tlv(*fcp.proprietary);
    if (fcp.link_path) node.link_path = *fcp.link_path;
    if (fcp.ef_file_size) {
      if (fcp.ef_file_size->empty() || fcp.ef_file_size->size() > 3)
        fail("efFileSize of " + std::to_string(fcp.ef_file_size->size()) + " bytes",
             PeStatusCode::BadValues);
      size = be_number(*fcp.ef_file_size);
    }
  }

  // The body of a new EF: the template's default content, else the FCP's fill or repeat
  // pattern, else 'FF' (TS 102 222); record files get the pattern per record.
  void initial_content(FileNode& node, std::size_t size, const TemplateFile* t,
                       const std::optional<ProprietaryInfo>& p) {
    Bytes head, repeat;
    bool whole = true;
    if (p && p->fill_pattern) {
      head = *p->fill_pattern;
      whole = false;
    } else if (p && p->repeat_pattern) {
      repeat = *p->repeat_pattern;
    } else if (t != nullptr && (!t->fill.empty() || !t->repeat.empty())) {
      head = from_hex(t->fill);
      repeat = from_hex(t->repeat);
    }
    if (node.type == FileType::LinearFixed || node.type == FileType::Cyclic) {
      Bytes record = patterned(node.record_length, head, repeat, whole);
      node.content.clear();
      for (std::size_t r = 0; r < node.records; ++r)
        node.content.insert(node.content.end(), record.begin(), record.end());
    } else {
      node.content = patterned(size, head, repeat, whole);
    }
  }

  void finish_ef_geometry(FileNode& node, std::size_t size) {
    // A link file (TS 102 222 linkPath) has no body of its own: it shows its target's.
    if (!node.link_path.empty()) {
      if (node.link_path.size() % 2 != 0)
        fail("link path of " + name_of(node) + " has an odd length", PeStatusCode::BadValues);
      return;
    }
    if (node.type == FileType::LinearFixed || node.type == FileType::Cyclic) {
      if (node.record_length == 0)
        fail("record file " + name_of(node) + " without a record length", PeStatusCode::BadValues);
      if (size == 0) size = std::size_t{node.records} * node.record_length;
      if (size == 0 || size % node.record_length != 0)
        fail("size " + std::to_string(size) + " of " + name_of(node) +
                 " is not a multiple of its record length " + std::to_string(node.record_length),
             PeStatusCode::BadValues);
      if (size / node.record_length > 254)
        fail("more than 254 records", PeStatusCode::BadValues);
      node.records = static_cast<std::uint16_t>(size / node.record_length);
    } else if (node.type == FileType::Transparent && size == 0 && node.link_path.empty()) {
      fail("transparent file " + name_of(node) + " without a size", PeStatusCode::BadValues);
    }
  }

  static std::string name_of(const FileNode& node) {
    char fid[8];
    std::snprintf(fid, sizeof fid, "%04X", node.fid);
    return node.name.empty() ? std::string(fid) : node.name + " (" + fid + ")";
  }

  // Writes fill items into an EF; the content may not grow past the file.
  void fill(FileNode& node, std::size_t& cursor, const FileItem& item) {
    if (node.is_df()) fail("content for directory " + name_of(node), PeStatusCode::BadValues);
    if (!node.link_path.empty())
      fail("content for link file " + name_of(node), PeStatusCode::BadValues);
    if (item.kind == FileItem::Kind::FillOffset) {
      cursor += item.offset;
      if (node.type != FileType::BerTlv && cursor > node.content.size())
        fail("fill offset past the end of " + name_of(node), PeStatusCode::BadValues);
      return;
    }
    if (node.type == FileType::BerTlv) {
      node.content.insert(node.content.end(), item.data.begin(), item.data.end());
      cursor = node.content.size();
      return;
    }
    if (cursor + item.data.size() > node.content.size())
      fail("content of " + std::to_string(cursor + item.data.size()) + " bytes for " +
               name_of(node) + " of " + std::to_string(node.content.size()) + " bytes",
           PeStatusCode::BadValues);
    std::copy(item.data.begin(), item.data.end(), node.content.begin() + static_cast<std::ptrdiff_t>(cursor));
    cursor += item.data.size();
  }

  // Expands a one-byte ARR reference with the EF.ARR the specification implies.
  void qualify_security_attributes(FileNode& node, bool at_mf_level) {
    if (node.security_attributes.size() == 1) {
      std::uint16_t arr = (at_mf_level || node.type == FileType::Adf) ? 0x2F06 : 0x6F06;
      node.security_attributes = {static_cast<std::uint8_t>(arr >> 8),
                                  static_cast<std::uint8_t>(arr & 0xFF),
                                  node.security_attributes[0]};
    }
  }

  // Adds `node` under `parent_path` and returns the new node's path.
  Path add_node(const Path& parent_path, FileNode node) {
    if (node.type == FileType::Mf) {
      if (!parent_path.empty() || mf_seen) fail("a second MF", PeStatusCode::BadValues);
      node.children = std::move(profile.mf.children);
      profile.mf = std::move(node);
      mf_seen = true;
      return {};
    }
    if (!mf_seen) fail("file " + name_of(node) + " before the MF", PeStatusCode::InvalidRequestFormat);
    // A file path has room for four FIDs below the MF (filePath is at most 8 bytes); deeper
    // trees could not be addressed, and the card image bounds its nesting too.
    if (parent_path.size() >= kMaxDepth)
      fail("file " + name_of(node) + " nested deeper than " + std::to_string(kMaxDepth) +
               " directories",
           PeStatusCode::BadValues);
    FileNode* parent = resolve(parent_path);
    if (parent == nullptr || !parent->is_df())
      fail("parent of " + name_of(node) + " is not a directory", PeStatusCode::BadValues);
    if (node.fid == 0 || node.fid == 0xFFFF || node.fid == kMf)
      fail("file without a valid identifier", PeStatusCode::BadValues);
    if (parent->child(node.fid) != nullptr)
      fail("file " + name_of(node) + " exists twice in its directory", PeStatusCode::BadValues);
    qualify_security_attributes(node, parent_path.empty());
    Path path = parent_path;
    path.push_back(node.fid);
    parent->children.push_back(std::move(node));
    return path;
  }

  // One File (template member or GFM create): creates zero or more files. Returns the path
  // of the first created (for a template's root DF and for nested DFs).
  std::optional<Path> create_from_file(const Path& parent, const TemplateFile* t, const File& file,
                                       bool create_without_fcp) {
    for (const auto& item : file)
      if (item.kind == FileItem::Kind::DoNotCreate) return std::nullopt;
    std::optional<Path> first;
    std::optional<Path> current;  // EF being filled
    std::size_t cursor = 0;
    auto start_file = [&](const Fcp* fcp) {
      FileNode node;
      std::size_t size = 0;
      if (t != nullptr) {
        node.name = std::string(t->name);
        node.fid = t->fid;
        node.type = t->type;
        node.records = t->records;
        if (t->type == FileType::LinearFixed || t->type == FileType::Cyclic)
          node.record_length = t->size;
        else
          size = t->size;
        if (t->arr_record) node.security_attributes = {t->arr_record};
        node.sfi = t->sfi;
      }
      if (fcp != nullptr) apply_fcp(node, *fcp, size);
      if (!node.is_df()) {
        finish_ef_geometry(node, size);
        if (node.link_path.empty())
          initial_content(node, size, t, fcp ? fcp->proprietary : std::nullopt);
      }
      if (t == nullptr && node.sfi == -1 && !node.is_df() && !(fcp && fcp->short_ef_id))
        node.sfi = static_cast<std::int16_t>(node.fid & 0x1F);  // 102 222: SFI from the FID
      bool is_df = node.is_df();
      Path path = add_node(is_df ? parent : parent, std::move(node));
      if (!first) first = path;
      current = is_df ? std::nullopt : std::optional<Path>(path);
      cursor = 0;
    };
    for (const auto& item : file) {
      switch (item.kind) {
        case FileItem::Kind::Fcp: start_file(&item.fcp); break;
        case FileItem::Kind::FillOffset:
        case FileItem::Kind::FillContent:
          if (!current) {
            if (first) fail("content for a directory", PeStatusCode::BadValues);
            start_file(nullptr);
          }
          fill(*resolve(*current), cursor, item);
          break;
        default: fail("unexpected element in a File", PeStatusCode::InvalidRequestFormat);
      }
    }
    if (!first && create_without_fcp) start_file(nullptr);
    return first;
  }

  // ---- PEs ----

  void header(const ProfileHeader& h) {
    if (index != 0 || header_seen) fail("the profile header must be the first PE, and only it",
                                        PeStatusCode::InvalidRequestFormat);
    header_seen = true;
    if (h.major_version != 2 && h.major_version != 3)
      fail("profile package version " + std::to_string(h.major_version) + "." +
               std::to_string(h.minor_version) + " (this card installs 2.x and 3.x)",
           PeStatusCode::UnsupportedProfileVersion);
    auto iccid = Iccid::from_plain_bcd(h.iccid);
    if (!iccid) fail("ICCID " + to_hex(h.iccid) + " is not a valid ICCID", PeStatusCode::BadValues);
    if (options.expected_iccid && *options.expected_iccid != *iccid)
      fail("the header's ICCID " + iccid->str() + " is not the announced " +
               options.expected_iccid->str(),
           PeStatusCode::BadValues, InstallFailure::DataMismatch);
    for (const auto& other : options.existing_iccids)
      if (other == *iccid)
        fail("a profile with ICCID " + iccid->str() + " is already installed",
             PeStatusCode::BadValues, InstallFailure::IccidAlreadyExists);
    for (const auto& service : h.mandatory_services.names) {
      if (std::find(options.supported_services.begin(), options.supported_services.end(),
                    service) == options.supported_services.end())
        fail("mandatory service '" + service + "' is not supported by this card",
             service == "javacard" || service == "multos" ? PeStatusCode::RuntimeNotSupported
                                                          : PeStatusCode::FeatureNotSupported);
    }
    for (const auto& oid : h.mandatory_gfste)
      if (find_template(oid) == nullptr)
        fail("mandatory template " + oid + " is unknown to this card",
             PeStatusCode::TemplateNotSupported);
    if (!h.mandatory_aids.empty())
      fail("the profile requires " + std::to_string(h.mandatory_aids.size()) +
               " pre-installed application(s); this card has none (no Java Card runtime)",
           PeStatusCode::LibNotSupported);
    profile.iccid = *iccid;
    profile.major_version = h.major_version;
    profile.minor_version = h.minor_version;
    profile.profile_type = h.profile_type.value_or("");
    profile.mandatory_services = h.mandatory_services.names;
  }

  static bool complete_geometry(const TemplateFile& f) {
    switch (f.type) {
      case FileType::Transparent: return f.size != 0;
      case FileType::LinearFixed:
      case FileType::Cyclic: return f.size != 0 && f.records != 0;
      default: return true;
    }
  }

  std::optional<Path>* naa_slot(std::string_view pe) {
    if (pe == "usim" || pe == "iot") return &last_usim;
    if (pe == "isim") return &last_isim;
    if (pe == "csim") return &last_csim;
    return nullptr;
  }

  void template_pe(const TemplatePe& pe) {
    const Template* t = find_template(pe.template_oid);
    if (t == nullptr)
      fail("unknown template OID " + pe.template_oid, PeStatusCode::TemplateNotSupported);
    if (t->pe != pe.pe)
      fail("template " + pe.template_oid + " (" + std::string(t->name) + ") in a " + pe.pe + " PE",
           PeStatusCode::TemplateNotSupported);
    if (pe.pe != "mf" && !mf_seen)
      fail(pe.pe + " before the MF", PeStatusCode::InvalidRequestFormat);
    for (const auto& m : pe.members)
      if (find_member(*t, m.name) == nullptr)
        fail("member " + m.name + " is not part of template " + pe.template_oid,
             PeStatusCode::TemplateNotSupported);

    Path anchor;
    switch (t->anchor) {
      case Anchor::Mf: break;
      case Anchor::Usim:
      case Anchor::Isim:
      case Anchor::Csim: {
        const auto& slot = t->anchor == Anchor::Usim ? last_usim
                           : t->anchor == Anchor::Isim ? last_isim
                                                       : last_csim;
        if (!slot) fail(pe.pe + " without the application it extends", PeStatusCode::BadValues);
        anchor = *slot;
        break;
      }
    }

    // Paths of the DFs this PE created, by member name, for their children.
    std::vector<std::pair<std::string_view, Path>> dfs;
    std::optional<Path> root;
    for (const auto& f : t->files) {
      const File* file = nullptr;
      for (const auto& m : pe.members)
        if (m.name == f.member) file = &m.file;
      if (file == nullptr && !t->created_by_default) continue;
      // Created by default only when the template alone describes the file: a family needs
      // the PE to name each file, and some files take their size or content from the PE.
      if (file == nullptr && (f.fid == 0 || f.content_required || !complete_geometry(f))) continue;
      Path parent = anchor;
      if (!f.parent.empty()) {
        auto it = std::find_if(dfs.begin(), dfs.end(), [&](const auto& d) { return d.first == f.parent; });
        if (it == dfs.end()) continue;  // its directory was not created
        parent = it->second;
      } else if (root && f.type != FileType::Df && f.type != FileType::Adf) {
        parent = *root;
      }
      static const File empty;
      auto path = create_from_file(parent, &f, file ? *file : empty, true);
      if (!path) continue;
      FileNode* node = resolve(*path);
      if (node->is_df()) {
        dfs.emplace_back(f.member, *path);
        if (!root && f.parent.empty()) root = *path;
      }
    }
    if (t->anchor == Anchor::Mf && root) {
      context = *root;
      if (auto* slot = naa_slot(pe.pe)) {
        FileNode* adf = resolve(*root);
        if (adf->type != FileType::Adf || adf->df_name.empty())
          fail("the " + pe.pe + " PE creates no ADF with an AID", PeStatusCode::BadValues);
        *slot = *root;
        Naa naa;
        naa.kind = pe.pe == "isim" ? Naa::Kind::Isim : pe.pe == "csim" ? Naa::Kind::Csim : Naa::Kind::Usim;
        naa.aid = adf->df_name;
        naa.adf_fid = adf->fid;
        profile.naas.push_back(std::move(naa));
      }
    }
  }

  Path path_from(const Bytes& file_path) {
    if (file_path.size() % 2 != 0) fail("file path of odd length", PeStatusCode::BadValues);
    Path path;
    for (std::size_t i = 0; i < file_path.size(); i += 2) {
      auto fid = static_cast<std::uint16_t>((file_path[i] << 8) | file_path[i + 1]);
      if (i == 0 && fid == kMf) continue;
      path.push_back(fid);
    }
    if (resolve(path) == nullptr || !resolve(path)->is_df())
      fail("file path " + to_hex(file_path) + " names no directory", PeStatusCode::BadValues);
    return path;
  }

  void generic_file_management(const GenericFileManagementPe& pe) {
    if (!mf_seen) fail("file management before the MF", PeStatusCode::InvalidRequestFormat);
    for (const auto& command : pe.commands) {
      Path dir;  // each command list starts at the MF
      std::optional<Path> ef;
      std::size_t cursor = 0;
      for (const auto& item : command) {
        switch (item.kind) {
          case FileItem::Kind::FilePath:
            dir = path_from(item.data);
            ef.reset();
            break;
          case FileItem::Kind::Fcp: {
            File one{item};
            auto path = create_from_file(dir, nullptr, one, false);
            FileNode* node = resolve(*path);
            // 102 222: a created DF becomes the current directory, an EF the current file.
            if (node->is_df()) {
              dir = *path;
              ef.reset();
            } else {
              ef = path;
              cursor = 0;
            }
            break;
          }
          case FileItem::Kind::FillOffset:
          case FileItem::Kind::FillContent:
            if (!ef) fail("content with no file created", PeStatusCode::BadValues);
            fill(*resolve(*ef), cursor, item);
            break;
          default: fail("unexpected file management command", PeStatusCode::InvalidRequestFormat);
        }
      }
    }
  }

  void pin_codes(const PinCodesPe& pe) {
    if (!mf_seen) fail("PINs before the MF", PeStatusCode::InvalidRequestFormat);
    if (pe.shared_file_path) {
      Path other = path_from(*pe.shared_file_path);
      for (auto pin : profile.pins)
        if (Bytes(pin.scope) == scope_bytes(other)) {
          pin.scope = scope_bytes(context);
          profile.pins.push_back(pin);
        }
      return;
    }
    std::set<std::uint8_t> seen;
    for (const auto& p : pe.pins) {
      if (!seen.insert(p.key_reference).second)
        fail("PIN key reference " + std::to_string(p.key_reference) + " twice",
             PeStatusCode::BadValues);
      if (p.value.size() != 8) fail("PIN value not 8 bytes", PeStatusCode::BadValues);
      if (p.unblocking_reference &&
          std::none_of(profile.puks.begin(), profile.puks.end(),
                       [&](const PinObject& k) { return k.key_reference == *p.unblocking_reference; }))
        fail("PIN " + std::to_string(p.key_reference) + " refers to PUK " +
                 std::to_string(*p.unblocking_reference) + ", which the profile does not define",
             PeStatusCode::PinCodeMissing);
      PinObject pin;
      pin.key_reference = p.key_reference;
      pin.value = SecureBytes(p.value.begin(), p.value.end());
      pin.unblocking_reference = p.unblocking_reference;
      pin.attributes = p.attributes;
      pin.max_attempts = p.attempts >> 4;
      pin.remaining = p.attempts & 0x0F;
      pin.scope = scope_bytes(context);
      profile.pins.push_back(std::move(pin));
    }
  }

  static Bytes scope_bytes(const Path& path) {
    Bytes b;
    for (auto fid : path) {
      b.push_back(static_cast<std::uint8_t>(fid >> 8));
      b.push_back(static_cast<std::uint8_t>(fid & 0xFF));
    }
    return b;
  }

  void puk_codes(const PukCodesPe& pe) {
    for (const auto& p : pe.puks) {
      if (p.value.size() != 8) fail("PUK value not 8 bytes", PeStatusCode::BadValues);
      if (std::any_of(profile.puks.begin(), profile.puks.end(),
                      [&](const PinObject& k) { return k.key_reference == p.key_reference; }))
        fail("PUK key reference " + std::to_string(p.key_reference) + " twice",
             PeStatusCode::BadValues);
      PinObject puk;
      puk.key_reference = p.key_reference;
      puk.value = SecureBytes(p.value.begin(), p.value.end());
      puk.max_attempts = p.attempts >> 4;
      puk.remaining = p.attempts & 0x0F;
      profile.puks.push_back(std::move(puk));
    }
  }

  Naa& context_naa(const char* what) {
    FileNode* node = resolve(context);
    if (node != nullptr && node->type == FileType::Adf)
      for (auto& naa : profile.naas)
        if (naa.aid == node->df_name) return naa;
    fail(std::string(what) + " outside a network access application", PeStatusCode::BadValues);
  }

  void aka_parameter(const AkaParameterPe& pe) {
    Naa& naa = context_naa("akaParameter");
    if (pe.algorithm) {
      naa.algorithm = static_cast<std::uint8_t>(*pe.algorithm);
      const std::size_t key_len = pe.key.size();
      if (*pe.algorithm != AkaParameterPe::Algorithm::Tuak ? key_len != 16
                                                           : (key_len != 16 && key_len != 32))
        fail("AKA key of " + std::to_string(key_len) + " bytes", PeStatusCode::BadValues);
      if (*pe.algorithm == AkaParameterPe::Algorithm::Milenage && pe.opc.size() != 16)
        fail("Milenage OPc of " + std::to_string(pe.opc.size()) + " bytes", PeStatusCode::BadValues);
      naa.algorithm_options = pe.algorithm_options;
      naa.key = pe.key;
      naa.opc = pe.opc;
      naa.rotation_constants = pe.rotation_constants.value_or(from_hex("4000204060"));
      if (pe.xoring_constants) {
        naa.xoring_constants = *pe.xoring_constants;
      } else {
        naa.xoring_constants.assign(80, 0);
        naa.xoring_constants[31] = 1;
        naa.xoring_constants[47] = 2;
        naa.xoring_constants[63] = 4;
        naa.xoring_constants[79] = 8;
      }
      naa.auth_counter_max = pe.auth_counter_max.value_or(Bytes{});
      naa.number_of_keccak = pe.number_of_keccak.value_or(1);
    } else {
      naa.mapping_source = pe.mapping_source.value_or(Bytes{});
      if (std::none_of(profile.naas.begin(), profile.naas.end(),
                       [&](const Naa& n) { return n.aid == naa.mapping_source && n.algorithm; }))
        fail("mapping to an application without AKA parameters", PeStatusCode::BadValues);
    }
    naa.sqn_options = pe.sqn_options.value_or(Bytes{0x02});
    naa.sqn_delta = pe.sqn_delta.value_or(from_hex("000010000000"));
    naa.sqn_age_limit = pe.sqn_age_limit.value_or(from_hex("000010000000"));
    if (!pe.sqn_init.empty() && pe.sqn_init.size() != 32)
      fail("sqnInit with " + std::to_string(pe.sqn_init.size()) + " entries (32 expected)",
           PeStatusCode::BadValues);
    naa.sqn = pe.sqn_init.empty() ? std::vector<Bytes>(32, Bytes(6, 0)) : pe.sqn_init;
  }

  void applet_pe(const ProfileElement& pe) {
    if (const auto* sd = std::get_if<SecurityDomainPe>(&pe.value)) {
      AppletInfo a;
      a.role = AppletInfo::Role::SecurityDomain;
      a.aid = sd->instance.instance_aid;
      a.class_aid = sd->instance.class_aid;
      a.package_aid = sd->instance.load_package_aid;
      a.privileges = sd->instance.privileges;
      a.life_cycle_state = sd->instance.life_cycle_state;
      for (const auto& k : sd->keys) {
        SecurityDomainKey key;
        key.identifier = k.identifier;
        key.version = k.version;
        key.usage = k.usage_qualifier;
        key.access = k.access;
        if (!k.components.empty()) {
          key.type = k.components[0].type;
          key.data = k.components[0].data;
        }
        a.keys.push_back(std::move(key));
      }
      profile.applets.push_back(std::move(a));
    } else if (const auto* rfm = std::get_if<RfmPe>(&pe.value)) {
      AppletInfo a;
      a.role = AppletInfo::Role::Rfm;
      a.aid = rfm->instance_aid;
      a.tars = rfm->tars;
      profile.applets.push_back(std::move(a));
    } else if (const auto* app = std::get_if<ApplicationPe>(&pe.value)) {
      for (const auto& inst : app->instances) {
        AppletInfo a;
        a.role = AppletInfo::Role::Application;
        a.aid = inst.instance_aid;
        a.class_aid = inst.class_aid;
        a.package_aid = inst.load_package_aid;
        a.privileges = inst.privileges;
        a.life_cycle_state = inst.life_cycle_state;
        a.load_block_size = app->load_block_size;
        profile.applets.push_back(std::move(a));
      }
      if (app->instances.empty() && app->load_package_aid) {
        AppletInfo a;
        a.role = AppletInfo::Role::Application;
        a.package_aid = *app->load_package_aid;
        a.load_block_size = app->load_block_size;
        profile.applets.push_back(std::move(a));
      }
    }
  }

  void add(const ProfileElement& pe) {
    current = &pe;
    if (ended) fail("PE after the end PE", PeStatusCode::InvalidRequestFormat);
    if (index == 0 && !std::holds_alternative<ProfileHeader>(pe.value))
      fail("the first PE must be the profile header", PeStatusCode::InvalidRequestFormat);
    if (const auto* h = pe.header(); h != nullptr && !identifications.insert(h->identification).second)
      fail("identification " + std::to_string(h->identification) + " used twice",
           PeStatusCode::BadValues);
    std::visit(
        [&](const auto& v) {
          using V = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<V, ProfileHeader>) {
            header(v);
          } else if constexpr (std::is_same_v<V, TemplatePe>) {
            template_pe(v);
          } else if constexpr (std::is_same_v<V, GenericFileManagementPe>) {
            generic_file_management(v);
          } else if constexpr (std::is_same_v<V, PinCodesPe>) {
            pin_codes(v);
          } else if constexpr (std::is_same_v<V, PukCodesPe>) {
            puk_codes(v);
          } else if constexpr (std::is_same_v<V, AkaParameterPe>) {
            aka_parameter(v);
          } else if constexpr (std::is_same_v<V, CdmaParameterPe>) {
            Naa& naa = context_naa("cdmaParameter");
            naa.cdma_authentication_key = v.authentication_key;
          } else if constexpr (std::is_same_v<V, EndPe>) {
            if (!mf_seen) fail("end before the MF", PeStatusCode::InvalidRequestFormat);
            ended = true;
          } else if constexpr (std::is_same_v<V, UnknownPe>) {
            fail("PE type " + (v.tag.empty() ? pe.kind : to_hex(v.tag)) + " is not supported",
                 PeStatusCode::PeNotSupported);
          } else if constexpr (std::is_same_v<V, NonStandardPe>) {
            // Issuer-specific content the card does not interpret (allowed unless mandated).
            if (v.header.mandated)
              fail("mandated non-standard PE of issuer " + v.issuer_oid,
                   PeStatusCode::PeNotSupported);
          } else {
            applet_pe(pe);
          }
        },
        pe.value);
    profile.package_size += pe.encoded_size;
    ++index;
    current = nullptr;
  }
};

Installer::Installer(InstallOptions options) : s_(std::make_unique<State>()) {
  s_->options = std::move(options);
}
Installer::~Installer() = default;
Installer::Installer(Installer&&) noexcept = default;
Installer& Installer::operator=(Installer&&) noexcept = default;

void Installer::push(ByteView bytes) {
  s_->reader.push(bytes);
  for (;;) {
    std::optional<ProfileElement> pe;
    try {
      pe = s_->reader.next();
    } catch (const asn1::DecodeError& e) {
      throw InstallError(std::string("does not decode: ") + e.what(), s_->index, "", std::nullopt,
                         PeStatusCode::InvalidRequestFormat);
    }
    if (!pe) return;
    add(*pe);
  }
}

void Installer::add(const ProfileElement& pe) { s_->add(pe); }

InstalledProfile Installer::finish() {
  State& s = *s_;
  if (s.reader.pending() != 0)
    throw InstallError("the package ends inside a PE (" + std::to_string(s.reader.pending()) +
                           " bytes left over)",
                       s.index, "", std::nullopt, PeStatusCode::InvalidRequestFormat);
  if (!s.ended)
    throw InstallError("the package has no end PE", s.index, "", std::nullopt,
                       PeStatusCode::InvalidRequestFormat);
  const FileNode* ef_iccid = s.profile.mf.child(0x2FE2);
  if (ef_iccid == nullptr || ef_iccid->content != s.profile.iccid.swapped_bcd())
    throw InstallError("EF.ICCID does not hold the header's ICCID " + s.profile.iccid.str(), 1,
                       "mf", std::nullopt, PeStatusCode::BadValues, InstallFailure::DataMismatch);
  // Links may point forward (CSIM to USIM files created later), so they resolve at the end.
  std::vector<const FileNode*> todo{&s.profile.mf};
  while (!todo.empty()) {
    const FileNode* f = todo.back();
    todo.pop_back();
    for (const auto& c : f->children) todo.push_back(&c);
    if (f->link_path.empty()) continue;
    std::vector<std::uint16_t> path;
    for (std::size_t i = 0; i + 1 < f->link_path.size(); i += 2) {
      auto fid = static_cast<std::uint16_t>((f->link_path[i] << 8) | f->link_path[i + 1]);
      if (!(i == 0 && fid == 0x3F00)) path.push_back(fid);
    }
    const FileNode* target = s.profile.find(path);
    if (target == nullptr || target->is_df() || !target->link_path.empty())
      throw InstallError("link file " + State::name_of(*f) + " points to " + to_hex(f->link_path) +
                             ", which is not a file with its own content",
                         s.index - 1, "end", std::nullopt, PeStatusCode::BadValues);
  }
  s.profile.pe_count = s.index;
  if (s.profile.occupied_memory() > s.options.free_memory)
    throw InstallError("the profile needs " + std::to_string(s.profile.occupied_memory()) +
                           " bytes, " + std::to_string(s.options.free_memory) + " are free",
                       s.index - 1, "end", std::nullopt, PeStatusCode::NotEnoughMemory,
                       InstallFailure::InsufficientMemory);
  return std::move(s.profile);
}

bool Installer::ended() const { return s_->ended; }
std::size_t Installer::pe_count() const { return s_->index; }

InstalledProfile install_package(ByteView der, const InstallOptions& options) {
  Installer installer(options);
  installer.push(der);
  return installer.finish();
}

}  // namespace euiccsim::profiles
