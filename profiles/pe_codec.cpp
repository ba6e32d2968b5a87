// ProfileElement <-> asn1c structures. The only file of profiles/ that reads asn1c's types for
// the profile package; everything above it works on package.hpp values.
#include "euiccsim/crypto/tlv.hpp"
#include "euiccsim/profiles/asn1.hpp"
#include "euiccsim/profiles/asn1_fields.hpp"
#include "euiccsim/profiles/package.hpp"

#include <cstdlib>
#include <cstring>

#include <OBJECT_IDENTIFIER.h>
#include <ProfileElement.h>

namespace euiccsim::profiles {
namespace {

using asn1::DecodeError;
using asn1::EncodeError;

// ---- reading asn1c values ----

Bytes bytes_of(const OCTET_STRING_t& s) {
  return Bytes(s.buf, s.buf + s.size);
}
SecureBytes secure_of(const OCTET_STRING_t& s) {
  return SecureBytes(s.buf, s.buf + s.size);
}
std::optional<Bytes> opt_bytes(const OCTET_STRING_t* s) {
  if (s == nullptr) return std::nullopt;
  return bytes_of(*s);
}

std::string oid_text(const OBJECT_IDENTIFIER_t& oid) {
  return asn1::oid_of(oid);
}

PeHeader header_of(const PEHeader_t& h) {
  return PeHeader{h.mandated != nullptr, static_cast<std::uint16_t>(h.identification)};
}

ProprietaryInfo proprietary_of(const ProprietaryInfo_t& p) {
  return {opt_bytes(p.specialFileInformation), opt_bytes(p.fillPattern), opt_bytes(p.repeatPattern),
          opt_bytes(p.maximumFileSize), opt_bytes(p.fileDetails)};
}

Fcp fcp_of(const Fcp_t& f) {
  Fcp out;
  out.file_descriptor = opt_bytes(f.fileDescriptor);
  out.file_id = opt_bytes(f.fileID);
  out.df_name = opt_bytes(f.dfName);
  out.lcsi = opt_bytes(f.lcsi);
  out.security_attributes = opt_bytes(f.securityAttributesReferenced);
  out.ef_file_size = opt_bytes(f.efFileSize);
  out.pin_status_template = opt_bytes(f.pinStatusTemplateDO);
  out.short_ef_id = opt_bytes(f.shortEFID);
  if (f.proprietaryEFInfo) out.proprietary = proprietary_of(*f.proprietaryEFInfo);
  out.link_path = opt_bytes(f.linkPath);
  return out;
}

File file_of(const File_t& f) {
  File out;
  for (int i = 0; i < f.list.count; ++i) {
    const auto* m = f.list.array[i];
    FileItem item;
    switch (m->present) {
      case File__Member_PR_doNotCreate:
        item.kind = FileItem::Kind::DoNotCreate;
        break;
      case File__Member_PR_fileDescriptor:
        item.kind = FileItem::Kind::Fcp;
        item.fcp = fcp_of(m->choice.fileDescriptor);
        break;
      case File__Member_PR_fillFileOffset:
        item.kind = FileItem::Kind::FillOffset;
        item.offset = static_cast<std::uint16_t>(m->choice.fillFileOffset);
        break;
      case File__Member_PR_fillFileContent:
        item.kind = FileItem::Kind::FillContent;
        item.data = bytes_of(m->choice.fillFileContent);
        break;
      default:
        throw DecodeError("File: unknown element", 0);
    }
    out.push_back(std::move(item));
  }
  return out;
}

File file_management_of(const FileManagement_t& f) {
  File out;
  for (int i = 0; i < f.list.count; ++i) {
    const auto* m = f.list.array[i];
    FileItem item;
    switch (m->present) {
      case FileManagement__Member_PR_filePath:
        item.kind = FileItem::Kind::FilePath;
        item.data = bytes_of(m->choice.filePath);
        break;
      case FileManagement__Member_PR_createFCP:
        item.kind = FileItem::Kind::Fcp;
        item.fcp = fcp_of(m->choice.createFCP);
        break;
      case FileManagement__Member_PR_fillFileOffset:
        item.kind = FileItem::Kind::FillOffset;
        item.offset = static_cast<std::uint16_t>(m->choice.fillFileOffset);
        break;
      case FileManagement__Member_PR_fillFileContent:
        item.kind = FileItem::Kind::FillContent;
        item.data = bytes_of(m->choice.fillFileContent);
        break;
      default:
        throw DecodeError("FileManagement: unknown element", 0);
    }
    out.push_back(std::move(item));
  }
  return out;
}

// Optional NULL members of a SEQUENCE, by name (ServicesList).
std::vector<std::string> present_members(const asn_TYPE_descriptor_t& type, const void* value) {
  std::vector<std::string> names;
  for (int i = 0; i < type.elements_count; ++i) {
    const auto& m = type.elements[i];
    auto* slot = reinterpret_cast<void* const*>(static_cast<const char*>(value) + m.memb_offset);
    if (*slot != nullptr) names.emplace_back(m.name);
  }
  return names;
}

ProfileHeader profile_header_of(const ProfileHeader_t& h) {
  ProfileHeader out;
  out.major_version = static_cast<std::uint8_t>(h.major_version);
  out.minor_version = static_cast<std::uint8_t>(h.minor_version);
  if (h.profileType)
    out.profile_type =
        std::string(reinterpret_cast<const char*>(h.profileType->buf), h.profileType->size);
  out.iccid = bytes_of(h.iccid);
  out.pol = opt_bytes(h.pol);
  out.mandatory_services.names = present_members(asn_DEF_ServicesList, &h.eUICC_Mandatory_services);
  for (int i = 0; i < h.eUICC_Mandatory_GFSTEList.list.count; ++i)
    out.mandatory_gfste.push_back(oid_text(*h.eUICC_Mandatory_GFSTEList.list.array[i]));
  out.connectivity_parameters = opt_bytes(h.connectivityParameters);
  if (h.eUICC_Mandatory_AIDs)
    for (int i = 0; i < h.eUICC_Mandatory_AIDs->list.count; ++i) {
      const auto* a = h.eUICC_Mandatory_AIDs->list.array[i];
      out.mandatory_aids.push_back({bytes_of(a->aid), bytes_of(a->version)});
    }
  if (h.iotOptions) out.iot_pix = bytes_of(h.iotOptions->pix);
  return out;
}

// Template PEs share one shape: header, templateID, then File members. They are read through
// asn1c's type descriptor so one routine serves all eighteen of them.
TemplatePe template_of(const asn_TYPE_member_t& alternative, const void* pe) {
  const asn_TYPE_descriptor_t& type = *alternative.type;
  const char* base = static_cast<const char*>(pe);
  TemplatePe out;
  out.pe = alternative.name;
  out.header = header_of(*reinterpret_cast<const PEHeader_t*>(base + type.elements[0].memb_offset));
  out.template_oid =
      oid_text(*reinterpret_cast<const OBJECT_IDENTIFIER_t*>(base + type.elements[1].memb_offset));
  for (int i = 2; i < type.elements_count; ++i) {
    const auto& m = type.elements[i];
    const File_t* file = nullptr;
    if (m.flags & ATF_POINTER)
      file = *reinterpret_cast<File_t* const*>(base + m.memb_offset);
    else
      file = reinterpret_cast<const File_t*>(base + m.memb_offset);
    if (file != nullptr) out.members.push_back({m.name, file_of(*file)});
  }
  return out;
}

ApplicationInstance instance_of(const ApplicationInstance_t& a) {
  ApplicationInstance out;
  out.load_package_aid = bytes_of(a.applicationLoadPackageAID);
  out.class_aid = bytes_of(a.classAID);
  out.instance_aid = bytes_of(a.instanceAID);
  out.extradite_sd_aid = opt_bytes(a.extraditeSecurityDomainAID);
  out.privileges = bytes_of(a.applicationPrivileges);
  out.life_cycle_state = a.lifeCycleState ? bytes_of(*a.lifeCycleState) : Bytes{0x07};
  out.specific_parameters = bytes_of(a.applicationSpecificParametersC9);
  return out;
}

std::uint8_t single_byte(const OCTET_STRING_t& s, const char* what) {
  if (s.size != 1) throw DecodeError(std::string(what) + ": not one byte", 0);
  return s.buf[0];
}

PeValue value_of(const ProfileElement_t& pe) {
  switch (pe.present) {
    case ProfileElement_PR_header:
      return profile_header_of(pe.choice.header);
    case ProfileElement_PR_genericFileManagement: {
      const auto& g = pe.choice.genericFileManagement;
      GenericFileManagementPe out{header_of(g.gfm_header), {}};
      for (int i = 0; i < g.fileManagementCMD.list.count; ++i)
        out.commands.push_back(file_management_of(*g.fileManagementCMD.list.array[i]));
      return out;
    }
    case ProfileElement_PR_pinCodes: {
      const auto& p = pe.choice.pinCodes;
      PinCodesPe out{header_of(p.pin_Header), {}, {}};
      if (p.pinCodes.present == PE_PINCodes__pinCodes_PR_filePath) {
        out.shared_file_path = bytes_of(p.pinCodes.choice.filePath);
      } else {
        const auto& list = p.pinCodes.choice.pinconfig.list;
        for (int i = 0; i < list.count; ++i) {
          const auto* c = list.array[i];
          PinConfig pin;
          pin.key_reference = static_cast<std::uint8_t>(c->keyReference);
          pin.value = bytes_of(c->pinValue);
          if (c->unblockingPINReference)
            pin.unblocking_reference = static_cast<std::uint8_t>(*c->unblockingPINReference);
          if (c->pinAttributes) pin.attributes = static_cast<std::uint8_t>(*c->pinAttributes);
          if (c->maxNumOfAttemps_retryNumLeft)
            pin.attempts = static_cast<std::uint8_t>(*c->maxNumOfAttemps_retryNumLeft);
          out.pins.push_back(std::move(pin));
        }
      }
      return out;
    }
    case ProfileElement_PR_pukCodes: {
      const auto& p = pe.choice.pukCodes;
      PukCodesPe out{header_of(p.puk_Header), {}};
      for (int i = 0; i < p.pukCodes.list.count; ++i) {
        const auto* c = p.pukCodes.list.array[i];
        PukConfig puk;
        puk.key_reference = static_cast<std::uint8_t>(c->keyReference);
        puk.value = bytes_of(c->pukValue);
        if (c->maxNumOfAttemps_retryNumLeft)
          puk.attempts = static_cast<std::uint8_t>(*c->maxNumOfAttemps_retryNumLeft);
        out.puks.push_back(std::move(puk));
      }
      return out;
    }
    case ProfileElement_PR_akaParameter: {
      const auto& a = pe.choice.akaParameter;
      AkaParameterPe out;
      out.header = header_of(a.aka_header);
      if (a.algoConfiguration.present == PE_AKAParameter__algoConfiguration_PR_algoParameter) {
        const auto& p = a.algoConfiguration.choice.algoParameter;
        if (p.algorithmID < 1 || p.algorithmID > 3)
          throw DecodeError("AlgoParameter: algorithmID " + std::to_string(p.algorithmID), 0);
        out.algorithm = static_cast<AkaParameterPe::Algorithm>(p.algorithmID);
        out.algorithm_options = bytes_of(p.algorithmOptions);
        out.key = secure_of(p.key);
        out.opc = secure_of(p.opc);
        out.rotation_constants = opt_bytes(p.rotationConstants);
        out.xoring_constants = opt_bytes(p.xoringConstants);
        out.auth_counter_max = opt_bytes(p.authCounterMax);
        if (p.numberOfKeccak) out.number_of_keccak = static_cast<std::uint8_t>(*p.numberOfKeccak);
      } else {
        const auto& m = a.algoConfiguration.choice.mappingParameter;
        out.mapping_options = bytes_of(m.mappingOptions);
        out.mapping_source = bytes_of(m.mappingSource);
      }
      out.sqn_options = opt_bytes(a.sqnOptions);
      out.sqn_delta = opt_bytes(a.sqnDelta);
      out.sqn_age_limit = opt_bytes(a.sqnAgeLimit);
      if (a.sqnInit)
        for (int i = 0; i < a.sqnInit->list.count; ++i)
          out.sqn_init.push_back(bytes_of(*a.sqnInit->list.array[i]));
      return out;
    }
    case ProfileElement_PR_cdmaParameter: {
      const auto& c = pe.choice.cdmaParameter;
      CdmaParameterPe out{header_of(c.cdma_header), secure_of(c.authenticationKey), {}};
      if (c.ssd) out.ssd = secure_of(*c.ssd);
      return out;
    }
    case ProfileElement_PR_securityDomain: {
      const auto& s = pe.choice.securityDomain;
      SecurityDomainPe out;
      out.header = header_of(s.sd_Header);
      out.instance = instance_of(s.instance);
      if (s.keyList)
        for (int i = 0; i < s.keyList->list.count; ++i) {
          const auto* k = s.keyList->list.array[i];
          KeyObject key;
          key.usage_qualifier = bytes_of(k->keyUsageQualifier);
          key.access = k->keyAccess ? bytes_of(*k->keyAccess) : Bytes{0x00};
          key.identifier = single_byte(k->keyIdentifier, "keyIdentifier");
          key.version = single_byte(k->keyVersionNumber, "keyVersionNumber");
          key.counter = opt_bytes(k->keyCounterValue);
          for (int j = 0; j < k->keyComponents.list.count; ++j) {
            const auto* c = k->keyComponents.list.array[j];
            key.components.push_back(
                {bytes_of(c->keyType), secure_of(c->keyData),
                 c->macLength ? static_cast<std::uint8_t>(*c->macLength) : std::uint8_t{8}});
          }
          out.keys.push_back(std::move(key));
        }
      if (s.sdPersoData)
        for (int i = 0; i < s.sdPersoData->list.count; ++i)
          out.perso_data.push_back(bytes_of(*s.sdPersoData->list.array[i]));
      return out;
    }
    case ProfileElement_PR_rfm: {
      const auto& r = pe.choice.rfm;
      RfmPe out;
      out.header = header_of(r.rfm_header);
      out.instance_aid = bytes_of(r.instanceAID);
      out.security_domain_aid = opt_bytes(r.securityDomainAID);
      if (r.tarList)
        for (int i = 0; i < r.tarList->list.count; ++i)
          out.tars.push_back(bytes_of(*r.tarList->list.array[i]));
      out.minimum_security_level = bytes_of(r.minimumSecurityLevel);
      out.uicc_access_domain = bytes_of(r.uiccAccessDomain);
      out.uicc_admin_access_domain = bytes_of(r.uiccAdminAccessDomain);
      if (r.adfRFMAccess) out.adf_aid = bytes_of(r.adfRFMAccess->adfAID);
      return out;
    }
    case ProfileElement_PR_application: {
      const auto& a = pe.choice.application;
      ApplicationPe out;
      out.header = header_of(a.app_Header);
      if (a.loadBlock) {
        out.load_package_aid = bytes_of(a.loadBlock->loadPackageAID);
        out.load_block_size = a.loadBlock->loadBlockObject.size;
      }
      if (a.instanceList)
        for (int i = 0; i < a.instanceList->list.count; ++i)
          out.instances.push_back(instance_of(*a.instanceList->list.array[i]));
      return out;
    }
    case ProfileElement_PR_nonStandard: {
      const auto& n = pe.choice.nonStandard;
      return NonStandardPe{header_of(n.nonStandard_header), oid_text(n.issuerID),
                           bytes_of(n.content)};
    }
    case ProfileElement_PR_end:
      return EndPe{header_of(pe.choice.end.end_header)};
    case ProfileElement_PR_rfu1:
    case ProfileElement_PR_rfu2:
    case ProfileElement_PR_rfu3:
    case ProfileElement_PR_rfu4:
    case ProfileElement_PR_rfu5:
    case ProfileElement_PR_NOTHING:
      return UnknownPe{};
    default: {
      const auto& alt = asn_DEF_ProfileElement.elements[pe.present - 1];
      return template_of(alt, reinterpret_cast<const char*>(&pe) + alt.memb_offset);
    }
  }
}

// ---- building asn1c values ----

using asn1::alloc;
using asn1::append;
using asn1::set_oid;
void set(OCTET_STRING_t& dst, ByteView src) {
  asn1::set_octets(dst, src);
}
OCTET_STRING_t* make_octets(ByteView src) {
  return asn1::new_octets(src);
}
OCTET_STRING_t* make_octets(const std::optional<Bytes>& src) {
  return src ? make_octets(ByteView(*src)) : nullptr;
}

void set_header(PEHeader_t& dst, const PeHeader& h) {
  if (h.mandated) dst.mandated = alloc<NULL_t>();
  dst.identification = h.identification;
}

void set_fcp(Fcp_t& dst, const Fcp& f) {
  dst.fileDescriptor = make_octets(f.file_descriptor);
  dst.fileID = make_octets(f.file_id);
  dst.dfName = make_octets(f.df_name);
  dst.lcsi = make_octets(f.lcsi);
  dst.securityAttributesReferenced = make_octets(f.security_attributes);
  dst.efFileSize = make_octets(f.ef_file_size);
  dst.pinStatusTemplateDO = make_octets(f.pin_status_template);
  dst.shortEFID = make_octets(f.short_ef_id);
  if (f.proprietary) {
    dst.proprietaryEFInfo = alloc<ProprietaryInfo_t>();
    auto& p = *dst.proprietaryEFInfo;
    p.specialFileInformation = make_octets(f.proprietary->special_file_information);
    p.fillPattern = make_octets(f.proprietary->fill_pattern);
    p.repeatPattern = make_octets(f.proprietary->repeat_pattern);
    p.maximumFileSize = make_octets(f.proprietary->maximum_file_size);
    p.fileDetails = make_octets(f.proprietary->file_details);
  }
  dst.linkPath = make_octets(f.link_path);
}

void set_file(File_t& dst, const File& file) {
  using Member = std::remove_pointer_t<std::remove_pointer_t<decltype(dst.list.array)>>;
  for (const auto& item : file) {
    auto* m = alloc<Member>();
    append(dst.list, m);
    switch (item.kind) {
      case FileItem::Kind::DoNotCreate:
        m->present = File__Member_PR_doNotCreate;
        break;
      case FileItem::Kind::Fcp:
        m->present = File__Member_PR_fileDescriptor;
        set_fcp(m->choice.fileDescriptor, item.fcp);
        break;
      case FileItem::Kind::FillOffset:
        m->present = File__Member_PR_fillFileOffset;
        m->choice.fillFileOffset = item.offset;
        break;
      case FileItem::Kind::FillContent:
        m->present = File__Member_PR_fillFileContent;
        set(m->choice.fillFileContent, item.data);
        break;
      case FileItem::Kind::FilePath:
        throw EncodeError("a template File has no filePath");
    }
  }
}

void set_file_management(FileManagement_t& dst, const File& file) {
  using Member = std::remove_pointer_t<std::remove_pointer_t<decltype(dst.list.array)>>;
  for (const auto& item : file) {
    auto* m = alloc<Member>();
    append(dst.list, m);
    switch (item.kind) {
      case FileItem::Kind::FilePath:
        m->present = FileManagement__Member_PR_filePath;
        set(m->choice.filePath, item.data);
        break;
      case FileItem::Kind::Fcp:
        m->present = FileManagement__Member_PR_createFCP;
        set_fcp(m->choice.createFCP, item.fcp);
        break;
      case FileItem::Kind::FillOffset:
        m->present = FileManagement__Member_PR_fillFileOffset;
        m->choice.fillFileOffset = item.offset;
        break;
      case FileItem::Kind::FillContent:
        m->present = FileManagement__Member_PR_fillFileContent;
        set(m->choice.fillFileContent, item.data);
        break;
      case FileItem::Kind::DoNotCreate:
        throw EncodeError("FileManagement has no doNotCreate");
    }
  }
}

const asn_TYPE_member_t* find_element(const asn_TYPE_descriptor_t& type, const std::string& name) {
  for (int i = 0; i < type.elements_count; ++i)
    if (name == type.elements[i].name) return &type.elements[i];
  return nullptr;
}

void set_profile_header(ProfileHeader_t& dst, const ProfileHeader& h) {
  dst.major_version = h.major_version;
  dst.minor_version = h.minor_version;
  if (h.profile_type) {
    dst.profileType = alloc<UTF8String_t>();
    set(*dst.profileType, ByteView(reinterpret_cast<const std::uint8_t*>(h.profile_type->data()),
                                   h.profile_type->size()));
  }
  set(dst.iccid, h.iccid);
  dst.pol = make_octets(h.pol);
  for (const auto& name : h.mandatory_services.names) {
    const auto* m = find_element(asn_DEF_ServicesList, name);
    if (m == nullptr) throw EncodeError("unknown service: " + name);
    *reinterpret_cast<void**>(reinterpret_cast<char*>(&dst.eUICC_Mandatory_services) +
                              m->memb_offset) = alloc<NULL_t>();
  }
  for (const auto& oid : h.mandatory_gfste) {
    auto* o = alloc<OBJECT_IDENTIFIER_t>();
    append(dst.eUICC_Mandatory_GFSTEList.list, o);
    set_oid(*o, oid);
  }
  dst.connectivityParameters = make_octets(h.connectivity_parameters);
  if (!h.mandatory_aids.empty()) {
    dst.eUICC_Mandatory_AIDs = alloc<std::remove_pointer_t<decltype(dst.eUICC_Mandatory_AIDs)>>();
    using Member = std::remove_pointer_t<
        std::remove_pointer_t<decltype(dst.eUICC_Mandatory_AIDs->list.array)>>;
    for (const auto& a : h.mandatory_aids) {
      auto* m = alloc<Member>();
      append(dst.eUICC_Mandatory_AIDs->list, m);
      set(m->aid, a.aid);
      set(m->version, a.version);
    }
  }
  if (h.iot_pix) {
    dst.iotOptions = alloc<IotOptions_t>();
    set(dst.iotOptions->pix, *h.iot_pix);
  }
}

void set_template(const asn_TYPE_member_t& alternative, void* pe, const TemplatePe& t) {
  const asn_TYPE_descriptor_t& type = *alternative.type;
  char* base = static_cast<char*>(pe);
  set_header(*reinterpret_cast<PEHeader_t*>(base + type.elements[0].memb_offset), t.header);
  set_oid(*reinterpret_cast<OBJECT_IDENTIFIER_t*>(base + type.elements[1].memb_offset),
          t.template_oid);
  for (const auto& member : t.members) {
    const auto* m = find_element(type, member.name);
    if (m == nullptr || m->memb_offset == type.elements[0].memb_offset ||
        m->memb_offset == type.elements[1].memb_offset)
      throw EncodeError(t.pe + " has no file member " + member.name);
    File_t* file = nullptr;
    if (m->flags & ATF_POINTER) {
      auto** slot = reinterpret_cast<File_t**>(base + m->memb_offset);
      if (*slot == nullptr) *slot = alloc<File_t>();
      file = *slot;
    } else {
      file = reinterpret_cast<File_t*>(base + m->memb_offset);
    }
    set_file(*file, member.file);
  }
}

void set_value(ProfileElement_t& dst, const ProfileElement& pe) {
  const asn_TYPE_member_t* alt = find_element(asn_DEF_ProfileElement, pe.kind);
  if (alt == nullptr) throw EncodeError("unknown profile element " + pe.kind);
  dst.present = static_cast<ProfileElement_PR>(alt - asn_DEF_ProfileElement.elements + 1);
  void* slot = reinterpret_cast<char*>(&dst) + alt->memb_offset;
  std::visit(
      [&](const auto& v) {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, ProfileHeader>) {
          set_profile_header(*static_cast<ProfileHeader_t*>(slot), v);
        } else if constexpr (std::is_same_v<V, TemplatePe>) {
          set_template(*alt, slot, v);
        } else if constexpr (std::is_same_v<V, GenericFileManagementPe>) {
          auto& g = *static_cast<PE_GenericFileManagement_t*>(slot);
          set_header(g.gfm_header, v.header);
          for (const auto& cmd : v.commands) {
            auto* fm = alloc<FileManagement_t>();
            append(g.fileManagementCMD.list, fm);
            set_file_management(*fm, cmd);
          }
        } else if constexpr (std::is_same_v<V, PinCodesPe>) {
          auto& p = *static_cast<PE_PINCodes_t*>(slot);
          set_header(p.pin_Header, v.header);
          if (v.shared_file_path) {
            p.pinCodes.present = PE_PINCodes__pinCodes_PR_filePath;
            set(p.pinCodes.choice.filePath, *v.shared_file_path);
          } else {
            p.pinCodes.present = PE_PINCodes__pinCodes_PR_pinconfig;
            for (const auto& pin : v.pins) {
              auto* c = alloc<PINConfiguration_t>();
              append(p.pinCodes.choice.pinconfig.list, c);
              c->keyReference = pin.key_reference;
              set(c->pinValue, pin.value);
              if (pin.unblocking_reference) {
                c->unblockingPINReference = alloc<long>();
                *c->unblockingPINReference = *pin.unblocking_reference;
              }
              // Defaults are left out, as DER requires.
              if (pin.attributes != 7) {
                c->pinAttributes = alloc<long>();
                *c->pinAttributes = pin.attributes;
              }
              if (pin.attempts != 0x33) {
                c->maxNumOfAttemps_retryNumLeft = alloc<long>();
                *c->maxNumOfAttemps_retryNumLeft = pin.attempts;
              }
            }
          }
        } else if constexpr (std::is_same_v<V, PukCodesPe>) {
          auto& p = *static_cast<PE_PUKCodes_t*>(slot);
          set_header(p.puk_Header, v.header);
          for (const auto& puk : v.puks) {
            auto* c = alloc<PUKConfiguration_t>();
            append(p.pukCodes.list, c);
            c->keyReference = puk.key_reference;
            set(c->pukValue, puk.value);
            if (puk.attempts != 0xAA) {
              c->maxNumOfAttemps_retryNumLeft = alloc<long>();
              *c->maxNumOfAttemps_retryNumLeft = puk.attempts;
            }
          }
        } else if constexpr (std::is_same_v<V, AkaParameterPe>) {
          auto& a = *static_cast<PE_AKAParameter_t*>(slot);
          set_header(a.aka_header, v.header);
          if (v.algorithm) {
            a.algoConfiguration.present = PE_AKAParameter__algoConfiguration_PR_algoParameter;
            auto& p = a.algoConfiguration.choice.algoParameter;
            p.algorithmID = static_cast<long>(*v.algorithm);
            set(p.algorithmOptions, v.algorithm_options);
            set(p.key, v.key);
            set(p.opc, v.opc);
            p.rotationConstants = make_octets(v.rotation_constants);
            p.xoringConstants = make_octets(v.xoring_constants);
            p.authCounterMax = make_octets(v.auth_counter_max);
            if (v.number_of_keccak) {
              p.numberOfKeccak = alloc<long>();
              *p.numberOfKeccak = *v.number_of_keccak;
            }
          } else {
            a.algoConfiguration.present = PE_AKAParameter__algoConfiguration_PR_mappingParameter;
            auto& m = a.algoConfiguration.choice.mappingParameter;
            set(m.mappingOptions, v.mapping_options.value_or(Bytes{}));
            set(m.mappingSource, v.mapping_source.value_or(Bytes{}));
          }
          a.sqnOptions = make_octets(v.sqn_options);
          a.sqnDelta = make_octets(v.sqn_delta);
          a.sqnAgeLimit = make_octets(v.sqn_age_limit);
          if (!v.sqn_init.empty()) {
            a.sqnInit = alloc<std::remove_pointer_t<decltype(a.sqnInit)>>();
            for (const auto& s : v.sqn_init) append(a.sqnInit->list, make_octets(ByteView(s)));
          }
        } else if constexpr (std::is_same_v<V, NonStandardPe>) {
          auto& n = *static_cast<PE_NonStandard_t*>(slot);
          set_header(n.nonStandard_header, v.header);
          set_oid(n.issuerID, v.issuer_oid);
          set(n.content, v.content);
        } else if constexpr (std::is_same_v<V, EndPe>) {
          set_header(static_cast<PE_End_t*>(slot)->end_header, v.header);
        } else {
          throw EncodeError("encoding " + pe.kind + " from its fields is not supported");
        }
      },
      pe.value);
}

}  // namespace

const PeHeader* ProfileElement::header() const {
  return std::visit(
      [](const auto& v) -> const PeHeader* {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, ProfileHeader> || std::is_same_v<V, UnknownPe>)
          return nullptr;
        else
          return &v.header;
      },
      value);
}

ProfileElement decode_pe(ByteView der, std::size_t& consumed) {
  auto value = asn1::decode_as<ProfileElement_t>(asn_DEF_ProfileElement, der, consumed);
  ProfileElement pe;
  if (value->present == ProfileElement_PR_NOTHING) {
    // An extension alternative this module does not know.
    pe.kind = "unknown";
    Bytes tag;
    if (auto h = tlv::read_header(der)) tlv::append_tag(tag, h->tag);
    pe.value = UnknownPe{std::move(tag)};
  } else {
    pe.kind = asn_DEF_ProfileElement.elements[value->present - 1].name;
    pe.value = value_of(*value);
  }
  pe.encoded_size = consumed;
  pe.der.assign(der.begin(), der.begin() + consumed);
  return pe;
}

Bytes encode_pe(const ProfileElement& pe) {
  const bool lossy = std::holds_alternative<SecurityDomainPe>(pe.value) ||
                     std::holds_alternative<RfmPe>(pe.value) ||
                     std::holds_alternative<ApplicationPe>(pe.value) ||
                     std::holds_alternative<CdmaParameterPe>(pe.value) ||
                     std::holds_alternative<UnknownPe>(pe.value);
  if (lossy) {
    if (pe.der.empty())
      throw EncodeError("encoding " + pe.kind + " from its fields is not supported");
    return pe.der;
  }
  auto owned = asn1::make(asn_DEF_ProfileElement);
  set_value(*static_cast<ProfileElement_t*>(owned.get()), pe);
  return asn1::encode(asn_DEF_ProfileElement, owned.get());
}

}  // namespace euiccsim::profiles
