// `euicc-sim profile inspect|validate|build`: profile packages (TCA interoperable format) as
// a test lab sees them, decoded and installed by the same code the card uses.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>

#include "common.hpp"
#include "euiccsim/profiles/asn1.hpp"
#include "euiccsim/profiles/installer.hpp"
#include "euiccsim/profiles/package.hpp"
#include "profile_spec.hpp"

namespace euiccsim::tools {
namespace {

using namespace euiccsim::profiles;

std::string hex4(std::uint16_t v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04X", v);
  return buf;
}

const char* type_name(FileType t) {
  switch (t) {
    case FileType::Mf:
      return "MF";
    case FileType::Df:
      return "DF";
    case FileType::Adf:
      return "ADF";
    case FileType::Transparent:
      return "transparent";
    case FileType::LinearFixed:
      return "linear-fixed";
    case FileType::Cyclic:
      return "cyclic";
    case FileType::BerTlv:
      return "BER-TLV";
  }
  return "?";
}

const char* naa_name(Naa::Kind k) {
  switch (k) {
    case Naa::Kind::Usim:
      return "USIM";
    case Naa::Kind::Isim:
      return "ISIM";
    case Naa::Kind::Csim:
      return "CSIM";
  }
  return "?";
}

const char* algorithm_name(std::uint8_t a) {
  switch (a) {
    case 1:
      return "milenage";
    case 2:
      return "tuak";
    case 3:
      return "usim-test-algorithm";
    default:
      return "none";
  }
}

std::string pe_identity(const ProfileElement& pe) {
  std::string s = pe.kind;
  if (const auto* t = std::get_if<TemplatePe>(&pe.value)) {
    const Template* tpl = find_template(t->template_oid);
    s += " " + t->template_oid + (tpl ? " (" + std::string(tpl->name) + ")" : "");
  }
  return s;
}

json::Value file_json(const FileNode& f) {
  auto j = json::Value::object();
  j["fid"] = hex4(f.fid);
  if (!f.name.empty()) j["name"] = f.name;
  j["type"] = type_name(f.type);
  if (!f.df_name.empty()) j["aid"] = to_hex(f.df_name);
  if (!f.is_df()) {
    j["size"] = static_cast<std::uint64_t>(f.size());
    if (f.records) {
      j["records"] = f.records;
      j["recordLength"] = f.record_length;
    }
    if (f.sfi >= 0) j["sfi"] = f.sfi;
  } else {
    auto children = json::Value::array();
    for (const auto& c : f.children) children.push_back(file_json(c));
    j["children"] = std::move(children);
  }
  return j;
}

void print_tree(const FileNode& f, int depth) {
  std::cout << std::string(2 + depth * 2, ' ') << hex4(f.fid) << "  " << type_name(f.type);
  if (!f.name.empty()) std::cout << "  " << f.name;
  if (!f.df_name.empty()) std::cout << "  AID " << to_hex(f.df_name);
  if (!f.is_df()) {
    std::cout << "  " << f.size() << " bytes";
    if (f.records) std::cout << " (" << f.records << " x " << f.record_length << ")";
    if (f.sfi >= 0) std::cout << "  SFI " << f.sfi;
  }
  std::cout << '\n';
  for (const auto& c : f.children) print_tree(c, depth + 1);
}

std::size_t count_files(const FileNode& f) {
  std::size_t n = 1;
  for (const auto& c : f.children) n += count_files(c);
  return n;
}

struct InspectOptions {
  std::string file;
  bool json = false;
  bool tree = false;
  bool show_secrets = false;
};

int inspect(const InspectOptions& o) {
  Bytes der = read_file(o.file);
  std::vector<ProfileElement> pes;
  try {
    pes = decode_package(der);
  } catch (const asn1::DecodeError& e) {
    throw std::runtime_error(o.file + ": not a profile package: " + e.what() + " (at byte " +
                             std::to_string(e.offset()) + ")");
  }
  std::optional<InstalledProfile> installed;
  std::string install_error;
  try {
    Installer installer;
    for (const auto& pe : pes) installer.add(pe);
    installed = installer.finish();
  } catch (const InstallError& e) {
    install_error = e.describe();
  }
  const ProfileHeader* header = pes.empty() ? nullptr : std::get_if<ProfileHeader>(&pes[0].value);
  auto secret = [&](const SecureBytes& b) {
    return o.show_secrets ? to_hex(ByteView(b.data(), b.size())) : std::string("(hidden)");
  };

  if (o.json) {
    auto j = json::Value::object();
    j["file"] = o.file;
    j["size"] = static_cast<std::uint64_t>(der.size());
    if (header) {
      j["version"] =
          std::to_string(header->major_version) + "." + std::to_string(header->minor_version);
      if (auto iccid = Iccid::from_plain_bcd(header->iccid)) j["iccid"] = iccid->str();
      if (header->profile_type) j["profileType"] = *header->profile_type;
      auto services = json::Value::array();
      for (const auto& s : header->mandatory_services.names) services.push_back(s);
      j["mandatoryServices"] = std::move(services);
    }
    auto list = json::Value::array();
    for (std::size_t i = 0; i < pes.size(); ++i) {
      auto p = json::Value::object();
      p["index"] = static_cast<std::uint64_t>(i);
      p["type"] = pes[i].kind;
      if (const auto* h = pes[i].header()) p["identification"] = h->identification;
      if (const auto* t = std::get_if<TemplatePe>(&pes[i].value)) p["template"] = t->template_oid;
      p["size"] = static_cast<std::uint64_t>(pes[i].encoded_size);
      list.push_back(std::move(p));
    }
    j["profileElements"] = std::move(list);
    if (installed) {
      auto naas = json::Value::array();
      for (const auto& n : installed->naas) {
        auto nj = json::Value::object();
        nj["type"] = naa_name(n.kind);
        nj["aid"] = to_hex(n.aid);
        nj["algorithm"] = algorithm_name(n.algorithm);
        if (o.show_secrets && !n.key.empty()) {
          nj["k"] = secret(n.key);
          nj["opc"] = secret(n.opc);
        }
        naas.push_back(std::move(nj));
      }
      j["naas"] = std::move(naas);
      if (auto imsi = installed->imsi()) j["imsi"] = *imsi;
      auto pins = json::Value::array();
      for (const auto& p : installed->pins) {
        auto pj = json::Value::object();
        pj["keyReference"] = p.key_reference;
        pj["scope"] = p.scope.empty() ? std::string("MF") : to_hex(p.scope);
        pj["maxAttempts"] = p.max_attempts;
        pj["remaining"] = p.remaining;
        if (o.show_secrets) pj["value"] = secret(p.value);
        pins.push_back(std::move(pj));
      }
      j["pins"] = std::move(pins);
      j["files"] = static_cast<std::uint64_t>(count_files(installed->mf));
      j["occupiedMemory"] = static_cast<std::uint64_t>(installed->occupied_memory());
      if (o.tree) j["tree"] = file_json(installed->mf);
      j["valid"] = true;
    } else {
      j["valid"] = false;
      j["error"] = install_error;
    }
    std::cout << json::dump(j, 2) << '\n';
    return installed ? 0 : 1;
  }

  std::cout << o.file << ": " << der.size() << " bytes, " << pes.size() << " profile elements\n";
  if (header) {
    auto iccid = Iccid::from_plain_bcd(header->iccid);
    std::cout << "  version " << int(header->major_version) << '.' << int(header->minor_version)
              << ", ICCID " << (iccid ? iccid->str() : to_hex(header->iccid) + " (invalid)")
              << ", type \"" << header->profile_type.value_or("") << "\"\n  mandatory services:";
    for (const auto& s : header->mandatory_services.names) std::cout << ' ' << s;
    std::cout << '\n';
  }
  std::cout << "  PEs:\n";
  for (std::size_t i = 0; i < pes.size(); ++i) {
    char line[64];
    if (const auto* h = pes[i].header())
      std::snprintf(line, sizeof line, "    #%-3zu id %-5u %6zu bytes  ", i,
                    unsigned{h->identification}, pes[i].encoded_size);
    else
      std::snprintf(line, sizeof line, "    #%-3zu          %6zu bytes  ", i, pes[i].encoded_size);
    std::cout << line << pe_identity(pes[i]) << '\n';
  }
  if (!installed) {
    std::cout << "  does not install: " << install_error << '\n';
    return 1;
  }
  for (const auto& n : installed->naas) {
    std::cout << "  " << naa_name(n.kind) << " AID " << to_hex(n.aid) << ", algorithm "
              << algorithm_name(n.algorithm);
    if (!n.key.empty()) std::cout << ", K " << secret(n.key) << ", OPc " << secret(n.opc);
    std::cout << '\n';
  }
  if (auto imsi = installed->imsi()) std::cout << "  IMSI " << *imsi << " (from EF.IMSI)\n";
  for (const auto& p : installed->pins)
    std::cout << "  PIN key reference " << int(p.key_reference) << " in "
              << (p.scope.empty() ? std::string("MF") : to_hex(p.scope)) << ": " << int(p.remaining)
              << "/" << int(p.max_attempts) << " tries"
              << (o.show_secrets ? ", value " + secret(p.value) : "") << '\n';
  for (const auto& p : installed->puks)
    std::cout << "  PUK key reference " << int(p.key_reference) << ": " << int(p.remaining) << "/"
              << int(p.max_attempts) << " tries" << '\n';
  std::cout << "  " << count_files(installed->mf) << " files, " << installed->applets.size()
            << " security domains/applications (metadata), occupies "
            << installed->occupied_memory() << " bytes\n";
  if (o.tree) print_tree(installed->mf, 0);
  return 0;
}

int validate(const std::string& file, bool json) {
  Bytes der = read_file(file);
  try {
    InstalledProfile p = install_package(der);
    if (json) {
      auto j = json::Value::object();
      j["file"] = file;
      j["valid"] = true;
      j["iccid"] = p.iccid.str();
      j["profileElements"] = static_cast<std::uint64_t>(p.pe_count);
      std::cout << json::dump(j) << '\n';
    } else {
      std::cout << file << ": valid (" << p.pe_count << " PEs, ICCID " << p.iccid.str() << ")\n";
    }
    return 0;
  } catch (const InstallError& e) {
    if (json) {
      auto j = json::Value::object();
      j["file"] = file;
      j["valid"] = false;
      j["peIndex"] = static_cast<std::uint64_t>(e.pe_index);
      if (!e.pe_kind.empty()) j["peType"] = e.pe_kind;
      if (e.identification) j["identification"] = *e.identification;
      j["status"] = static_cast<std::uint64_t>(e.status);
      j["statusName"] = to_string(e.status);
      j["reason"] = e.what();
      std::cout << json::dump(j) << '\n';
    } else {
      std::cerr << file << ": invalid: " << e.describe() << '\n';
    }
    return 1;
  }
}

struct BuildOptions {
  std::string spec;
  std::string output;
  bool json = false;
};

int build(const BuildOptions& o) {
  std::string text;
  {
    Bytes raw = read_file(o.spec);
    text.assign(raw.begin(), raw.end());
  }
  ProfileSpec spec;
  try {
    spec = parse_profile_spec(text);
  } catch (const std::invalid_argument& e) {
    throw UsageError(o.spec + ": " + e.what());
  }
  Bytes der = encode_package(build_profile(spec));
  // What leaves the builder is checked exactly as a card would install it.
  InstalledProfile p = install_package(der);
  const std::string tmp = o.output + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(der.data()), static_cast<std::streamsize>(der.size()));
    if (!out.flush()) throw std::runtime_error("cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), o.output.c_str()) != 0)
    throw std::runtime_error("cannot write " + o.output);
  if (o.json) {
    auto j = json::Value::object();
    j["file"] = o.output;
    j["size"] = static_cast<std::uint64_t>(der.size());
    j["iccid"] = p.iccid.str();
    j["profileElements"] = static_cast<std::uint64_t>(p.pe_count);
    if (auto imsi = p.imsi()) j["imsi"] = *imsi;
    std::cout << json::dump(j) << '\n';
  } else {
    std::cout << o.output << ": " << der.size() << " bytes, " << p.pe_count << " PEs, ICCID "
              << p.iccid.str() << ", IMSI " << p.imsi().value_or("?") << '\n';
  }
  return 0;
}

}  // namespace

void add_profile_commands(CLI::App& app) {
  auto* profile = app.add_subcommand(
      "profile", "Profile packages (TCA eUICC Profile Package: Interoperable Format, DER)");
  profile->require_subcommand(1);

  auto o = std::make_shared<InspectOptions>();
  auto* ins = profile->add_subcommand(
      "inspect", "Decode a profile package, install it on a scratch card and describe it");
  ins->add_option("FILE", o->file, "Profile package (DER)")->required();
  ins->add_flag("--json", o->json, "Machine-readable output");
  ins->add_flag("--tree", o->tree, "Also list the installed file tree (FIDs, types, sizes)");
  ins->add_flag("--show-secrets", o->show_secrets,
                "Print K, OPc and PIN values (hidden otherwise)");
  ins->footer(
      "Exit status: 0 described, 1 the file is not a profile package that installs, 2 usage.\n"
      "Examples:\n"
      "  euicc-sim profile inspect /tmp/test-profile.der --tree\n"
      "  euicc-sim profile inspect /tmp/test-profile.der --json --show-secrets");
  ins->callback([o] {
    if (int rc = inspect(*o); rc != 0) throw CLI::RuntimeError(rc);
  });

  auto file = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  auto* val = profile->add_subcommand(
      "validate",
      "Check a profile package as the card installs it; exit 0 if it installs, else "
      "print the failing PE (index, type, identification) and the PEStatus reason");
  val->add_option("FILE", *file, "Profile package (DER)")->required();
  val->add_flag("--json", *json, "Machine-readable output");
  val->footer(
      "Exit status: 0 it installs, 1 it does not (the failing PE is printed), 2 usage.\n"
      "Example:\n"
      "  euicc-sim profile validate /tmp/test-profile.der --json");
  val->callback([file, json] {
    if (int rc = validate(*file, *json); rc != 0) throw CLI::RuntimeError(rc);
  });

  auto b = std::make_shared<BuildOptions>();
  auto* bld = profile->add_subcommand(
      "build",
      "Write a profile package from a short JSON description (docs/profile-spec.md): "
      "ICCID, IMSI, K/OPc and algorithm, PINs, NAAs and optional templates, files");
  bld->add_option("SPEC", b->spec, "JSON spec, e.g. docs/examples/test-profile.json")->required();
  bld->add_option("-o,--output", b->output, "Profile package to write (DER)")->required();
  bld->add_flag("--json", b->json, "Machine-readable output");
  bld->footer(
      "Example:\n"
      "  euicc-sim profile build docs/examples/test-profile.json -o /tmp/test-profile.der");
  bld->callback([b] { build(*b); });
  profile->footer(
      "Examples:\n"
      "  euicc-sim profile build docs/examples/test-profile.json -o /tmp/test-profile.der\n"
      "  euicc-sim profile validate /tmp/test-profile.der\n"
      "  euicc-sim profile inspect /tmp/test-profile.der --tree");
}

}  // namespace euiccsim::tools
