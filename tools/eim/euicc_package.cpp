#include "eim/euicc_package.hpp"

#include <map>
#include <sstream>

#include "asn1_names.hpp"
#include "euiccsim/applets/eid.hpp"
#include "euiccsim/applets/rsp_asn1.hpp"
#include "euiccsim/crypto/tlv.hpp"
#include "euiccsim/profiles/iccid.hpp"

#include <Certificate.h>
#include <Eco.h>
#include <EimConfigurationData.h>
#include <EimIdInfo.h>
#include <EimPublicKeyData.h>
#include <EuiccPackageRequest.h>
#include <EuiccPackageResult.h>
#include <EuiccResultData.h>
#include <IotProfileInfo.h>
#include <Psmo.h>
#include <SubjectPublicKeyInfo.h>

namespace euiccsim::eim {

namespace {

using Kind = Operation::Kind;

void decode_member(const asn1::Type& type, void* member, ByteView der, const std::string& what) {
  try {
    applets::rsp::decode_into(type, member, der);
  } catch (const asn1::DecodeError& e) {
    throw PackageError(what + " does not decode: " + e.what());
  }
}

Bytes iccid_bytes(const std::string& digits) {
  auto iccid = Iccid::parse(digits);
  if (!iccid) throw PackageError("ICCID '" + digits + "': " + Iccid::why_invalid(digits));
  return iccid->swapped_bcd();
}

// ---- Result codes, named from the ASN.1 modules' one table (asn1_names.hpp) ----

ResultItem coded(const char* name, std::string_view scope, long v) {
  ResultItem item;
  item.name = name;
  item.code = v;
  const char* n = asn1::number_name(scope, v);
  item.code_name = n ? n : "";
  return item;
}

ResultItem result_item(const EuiccResultData_t& r) {
  const auto& c = r.choice;
  switch (r.present) {
    case EuiccResultData_PR_enableResult:
      return coded("enableResult", "EnableProfileResult", c.enableResult);
    case EuiccResultData_PR_disableResult:
      return coded("disableResult", "DisableProfileResult", c.disableResult);
    case EuiccResultData_PR_deleteResult:
      return coded("deleteResult", "DeleteProfileResult", c.deleteResult);
    case EuiccResultData_PR_listProfileInfoResult: {
      const auto& l = c.listProfileInfoResult;
      if (l.present == IotProfileInfoListResponse_PR_profileInfoListError) {
        return coded("listProfileInfoResult", "IotProfileInfoListResponse__profileInfoListError",
                     l.choice.profileInfoListError);
      }
      ResultItem item;
      item.name = "listProfileInfoResult";
      for (int i = 0; i < l.choice.profileInfoListOk.list.count; ++i) {
        const auto& p = *l.choice.profileInfoListOk.list.array[i];
        ResultItem::Profile out;
        if (p.iccid != nullptr) {
          auto iccid = Iccid::from_swapped_bcd(asn1::bytes_of(*p.iccid));
          out.iccid = iccid ? iccid->str() : to_hex(asn1::bytes_of(*p.iccid));
        }
        if (p.isdpAid != nullptr) out.isdp_aid = asn1::bytes_of(*p.isdpAid);
        if (p.profileState != nullptr) out.state = *p.profileState;
        if (p.profileName != nullptr) out.name = asn1::string_of(*p.profileName);
        item.profiles.push_back(std::move(out));
      }
      return item;
    }
    case EuiccResultData_PR_getRATResult: {
      ResultItem item;
      item.name = "getRATResult";
      item.rules = static_cast<std::size_t>(c.getRATResult.list.count);
      return item;
    }
    case EuiccResultData_PR_configureImmediateEnableResult:
      return coded("configureImmediateEnableResult", "ConfigureImmediateEnableResult",
                   c.configureImmediateEnableResult);
    case EuiccResultData_PR_addEimResult: {
      if (c.addEimResult.present == AddEimResult_PR_associationToken) {
        ResultItem item;
        item.name = "addEimResult";
        item.association_token = c.addEimResult.choice.associationToken;
        return item;
      }
      return coded("addEimResult", "AddEimResult__addEimResultCode",
                   c.addEimResult.choice.addEimResultCode);
    }
    case EuiccResultData_PR_deleteEimResult:
      return coded("deleteEimResult", "DeleteEimResult", c.deleteEimResult);
    case EuiccResultData_PR_updateEimResult:
      return coded("updateEimResult", "UpdateEimResult", c.updateEimResult);
    case EuiccResultData_PR_listEimResult: {
      if (c.listEimResult.present == ListEimResult_PR_listEimError)
        return coded("listEimResult", "ListEimResult__listEimError",
                     c.listEimResult.choice.listEimError);
      ResultItem item;
      item.name = "listEimResult";
      const auto& list = c.listEimResult.choice.eimIdList.list;
      for (int i = 0; i < list.count; ++i) {
        ResultItem::Eim e;
        e.id = asn1::string_of(list.array[i]->eimId);
        if (list.array[i]->eimIdType != nullptr) e.type = *list.array[i]->eimIdType;
        item.eims.push_back(std::move(e));
      }
      return item;
    }
    case EuiccResultData_PR_rollbackResult:
      return coded("rollbackResult", "RollbackProfileResult", c.rollbackResult);
    case EuiccResultData_PR_setFallbackAttributeResult:
      return coded("setFallbackAttributeResult", "SetFallbackAttributeResult",
                   c.setFallbackAttributeResult);
    case EuiccResultData_PR_unsetFallbackAttributeResult:
      return coded("unsetFallbackAttributeResult", "UnsetFallbackAttributeResult",
                   c.unsetFallbackAttributeResult);
    case EuiccResultData_PR_processingTerminated:
      return coded("processingTerminated", "EuiccResultData__processingTerminated",
                   c.processingTerminated);
    case EuiccResultData_PR_setDefaultDpAddressResult:
      return coded("setDefaultDpAddressResult",
                   "IotSetDefaultDpAddressResponse__setDefaultDpAddressResult",
                   c.setDefaultDpAddressResult.setDefaultDpAddressResult);
    default:
      break;
  }
  ResultItem unknown;
  unknown.name = "unknown";
  return unknown;
}

// ---- Operation words ----

struct Words {
  std::string name;
  std::vector<std::string> positional;
  std::map<std::string, std::string> options;  // flags map to ""
};

bool valued(const std::string& key) {
  return key == "iccid" || key == "aid" || key == "class" || key == "tags" || key == "smdp-oid" ||
         key == "smdp-address";
}

Words split(std::string_view text) {
  std::istringstream in{std::string(text)};
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  if (words.empty()) throw PackageError("an empty operation");
  Words out;
  out.name = words[0];
  for (std::size_t i = 1; i < words.size(); ++i) {
    std::string w = words[i];
    const bool dashed = w.rfind("--", 0) == 0;
    if (dashed) w = w.substr(2);
    auto eq = w.find('=');
    std::string key = eq == std::string::npos ? w : w.substr(0, eq);
    if (eq != std::string::npos && valued(key)) {
      out.options[key] = w.substr(eq + 1);
    } else if (valued(key) && (dashed || i + 1 < words.size())) {
      if (i + 1 >= words.size()) throw PackageError("'" + key + "' needs a value");
      out.options[key] = words[++i];
    } else if (dashed || key == "rollback" || key == "flag") {
      out.options[key] = "";
    } else {
      out.positional.push_back(words[i]);
    }
  }
  return out;
}

void expect(const Words& w, std::size_t positional, std::initializer_list<const char*> allowed,
            const char* usage) {
  if (w.positional.size() != positional) throw PackageError(std::string("usage: ") + usage);
  for (const auto& [key, value] : w.options) {
    bool ok = false;
    for (const char* a : allowed) ok = ok || key == a;
    if (!ok) throw PackageError(w.name + ": unknown option '" + key + "' (usage: " + usage + ")");
  }
}

Bytes hex_option(const std::string& key, const std::string& value) {
  try {
    return from_hex(value);
  } catch (const HexError& e) {
    throw PackageError(key + "=" + value + ": " + e.what());
  }
}

long number_option(const std::string& key, const std::string& value) {
  if (value.empty() || value.size() > 9 ||
      value.find_first_not_of("0123456789") != std::string::npos)
    throw PackageError(key + "=" + value + ": not a number");
  return std::stol(value);
}

// ---- Building ----

void fill_psmo(Psmo_t& p, const Operation& op) {
  switch (op.kind) {
    case Kind::kEnable:
      p.present = Psmo_PR_enable;
      asn1::set_octets(p.choice.enable.iccid, iccid_bytes(op.iccid));
      if (op.rollback) p.choice.enable.rollbackFlag = asn1::alloc<NULL_t>();
      return;
    case Kind::kDisable:
      p.present = Psmo_PR_disable;
      asn1::set_octets(p.choice.disable.iccid, iccid_bytes(op.iccid));
      return;
    case Kind::kDelete:
      p.present = Psmo_PR_delete;
      asn1::set_octets(p.choice.delete_.iccid, iccid_bytes(op.iccid));
      return;
    case Kind::kListProfileInfo: {
      p.present = Psmo_PR_listProfileInfo;
      auto& r = p.choice.listProfileInfo;
      using Criteria = ProfileInfoListRequest::ProfileInfoListRequest__searchCriteria;
      if (op.search_iccid) {
        r.searchCriteria = asn1::alloc<Criteria>();
        r.searchCriteria->present = ProfileInfoListRequest__searchCriteria_PR_iccid;
        asn1::set_octets(r.searchCriteria->choice.iccid, iccid_bytes(*op.search_iccid));
      } else if (op.search_aid) {
        r.searchCriteria = asn1::alloc<Criteria>();
        r.searchCriteria->present = ProfileInfoListRequest__searchCriteria_PR_isdpAid;
        asn1::set_octets(r.searchCriteria->choice.isdpAid, *op.search_aid);
      } else if (op.search_class) {
        r.searchCriteria = asn1::alloc<Criteria>();
        r.searchCriteria->present = ProfileInfoListRequest__searchCriteria_PR_profileClass;
        r.searchCriteria->choice.profileClass = *op.search_class;
      }
      if (op.tag_list) r.tagList = asn1::new_octets(*op.tag_list);
      return;
    }
    case Kind::kGetRat:
      p.present = Psmo_PR_getRAT;
      return;
    case Kind::kConfigureImmediateEnable: {
      p.present = Psmo_PR_configureImmediateEnable;
      auto& c = p.choice.configureImmediateEnable;
      if (op.immediate_enable_flag) c.immediateEnableFlag = asn1::alloc<NULL_t>();
      if (op.smdp_oid) {
        c.defaultSmdpOid = asn1::alloc<OBJECT_IDENTIFIER_t>();
        try {
          asn1::set_oid(*c.defaultSmdpOid, *op.smdp_oid);
        } catch (const std::exception&) {
          throw PackageError("smdp-oid '" + *op.smdp_oid + "' is not a dotted OID");
        }
      }
      if (op.smdp_address) c.defaultSmdpAddress = asn1::new_string<UTF8String_t>(*op.smdp_address);
      return;
    }
    case Kind::kSetFallbackAttribute:
      p.present = Psmo_PR_setFallbackAttribute;
      asn1::set_octets(p.choice.setFallbackAttribute.iccid, iccid_bytes(op.iccid));
      return;
    case Kind::kUnsetFallbackAttribute:
      p.present = Psmo_PR_unsetFallbackAttribute;
      return;
    case Kind::kSetDefaultDpAddress:
      p.present = Psmo_PR_setDefaultDpAddress;
      asn1::set_string(p.choice.setDefaultDpAddress.defaultDpAddress, op.address);
      return;
    default:
      throw PackageError("an eCO among PSMOs");
  }
}

void fill_eco(Eco_t& e, const Operation& op) {
  switch (op.kind) {
    case Kind::kAddEim:
    case Kind::kUpdateEim: {
      const bool add = op.kind == Kind::kAddEim;
      if (op.eim_configuration.empty())
        throw PackageError(std::string(add ? "add-eim" : "update-eim") +
                           ": no EimConfigurationData");
      e.present = add ? Eco_PR_addEim : Eco_PR_updateEim;
      decode_member(asn_DEF_EimConfigurationData, add ? &e.choice.addEim : &e.choice.updateEim,
                    op.eim_configuration,
                    (add ? "add-eim " : "update-eim ") +
                        (op.file.empty() ? std::string("EimConfigurationData") : op.file));
      return;
    }
    case Kind::kDeleteEim:
      e.present = Eco_PR_deleteEim;
      asn1::set_string(e.choice.deleteEim.eimId, op.eim_id);
      return;
    case Kind::kListEim:
      e.present = Eco_PR_listEim;
      return;
    default:
      throw PackageError("a PSMO among eCOs");
  }
}

}  // namespace

Bytes association_token_do(std::optional<long> token) {
  return tlv::encode(0x84, tlv::der_integer(token.value_or(0)));
}

std::string named(const std::string& name, long value) {
  return name.empty() ? std::to_string(value) : name + "(" + std::to_string(value) + ")";
}

// ---- EimConfigurationData ----

Bytes encode_eim_configuration(const EimConfiguration& c) {
  if (c.eim_id.empty() || c.eim_id.size() > 128)
    throw PackageError("eimId '" + c.eim_id + "': 1 to 128 bytes");
  if (c.certificate.empty() == c.public_key.empty())
    throw PackageError("eimPublicKeyData: give a certificate or a public key");
  auto v = applets::rsp::make<EimConfigurationData_t>(asn_DEF_EimConfigurationData);
  asn1::set_string(v->eimId, c.eim_id);
  if (c.fqdn) v->eimFqdn = asn1::new_string<UTF8String_t>(*c.fqdn);
  if (c.id_type) {
    if (*c.id_type < 1 || *c.id_type > 3) throw PackageError("eimIdType: 1, 2 or 3");
    v->eimIdType = asn1::alloc<EimIdType_t>();
    *v->eimIdType = *c.id_type;
  }
  if (c.counter_value) {
    v->counterValue = asn1::alloc<long>();
    *v->counterValue = *c.counter_value;
  }
  if (c.association_token) {
    v->associationToken = asn1::alloc<long>();
    *v->associationToken = *c.association_token;
  }
  v->eimPublicKeyData = asn1::alloc<EimPublicKeyData_t>();
  if (!c.certificate.empty()) {
    v->eimPublicKeyData->present = EimPublicKeyData_PR_eimCertificate;
    decode_member(asn_DEF_Certificate, &v->eimPublicKeyData->choice.eimCertificate, c.certificate,
                  "the eIM certificate");
  } else {
    v->eimPublicKeyData->present = EimPublicKeyData_PR_eimPublicKey;
    decode_member(asn_DEF_SubjectPublicKeyInfo, &v->eimPublicKeyData->choice.eimPublicKey,
                  c.public_key, "the eIM public key");
  }
  if (c.supported_protocols) v->eimSupportedProtocol = asn1::new_bits(*c.supported_protocols);
  if (c.euicc_ci_pkid) {
    if (c.euicc_ci_pkid->empty()) throw PackageError("euiccCiPKId: empty");
    v->euiccCiPKId = asn1::new_octets<SubjectKeyIdentifier_t>(*c.euicc_ci_pkid);
  }
  if (c.indirect_profile_download) v->indirectProfileDownload = asn1::alloc<NULL_t>();
  try {
    return asn1::encode(asn_DEF_EimConfigurationData, v.get());
  } catch (const asn1::EncodeError& e) {
    throw PackageError(std::string("EimConfigurationData: ") + e.what());
  }
}

std::string eim_id_of_configuration(ByteView der) {
  try {
    std::size_t consumed = 0;
    auto v = asn1::decode_as<EimConfigurationData_t>(asn_DEF_EimConfigurationData, der, consumed);
    if (consumed != der.size()) throw PackageError("bytes after the EimConfigurationData");
    return asn1::string_of(v->eimId);
  } catch (const asn1::DecodeError& e) {
    throw PackageError(std::string("not an EimConfigurationData: ") + e.what());
  }
}

std::optional<unsigned> supported_protocol_bit(std::string_view name) {
  static const char* names[] = {"retrieve-https", "retrieve-coaps", "inject-https", "inject-coaps",
                                "proprietary"};
  for (unsigned i = 0; i < 5; ++i) {
    if (name == names[i]) return i;
  }
  return std::nullopt;
}

// ---- Operations ----

const char* operation_syntax() {
  return "PSMOs (--psmo):\n"
         "  enable ICCID [rollback]\n"
         "  disable ICCID\n"
         "  delete ICCID\n"
         "  list-profile-info [iccid=ICCID | aid=HEX | class=N] [tags=HEX]\n"
         "  get-rat\n"
         "  configure-immediate-enable [flag] [smdp-oid=OID] [smdp-address=ADDR]\n"
         "  set-fallback-attribute ICCID\n"
         "  unset-fallback-attribute\n"
         "  set-default-dp-address ADDR\n"
         "eCOs (--eco):\n"
         "  add-eim FILE        (EimConfigurationData DER, from `eim config`)\n"
         "  delete-eim EIM_ID\n"
         "  update-eim FILE\n"
         "  list-eim\n"
         "ICCIDs are the printed digits. Options may also be written --rollback, --smdp-oid OID.\n";
}

Operation parse_operation(std::string_view text, bool eco) {
  Words w = split(text);
  Operation op;
  const std::string& n = w.name;
  auto one_iccid = [&](Kind kind, const char* usage) {
    expect(w, 1, {}, usage);
    op.kind = kind;
    op.iccid = w.positional[0];
    iccid_bytes(op.iccid);  // refuse it now, naming it
  };
  if (!eco) {
    if (n == "enable") {
      expect(w, 1, {"rollback"}, "enable ICCID [rollback]");
      op.kind = Kind::kEnable;
      op.iccid = w.positional[0];
      iccid_bytes(op.iccid);
      op.rollback = w.options.count("rollback") != 0;
    } else if (n == "disable") {
      one_iccid(Kind::kDisable, "disable ICCID");
    } else if (n == "delete") {
      one_iccid(Kind::kDelete, "delete ICCID");
    } else if (n == "set-fallback-attribute") {
      one_iccid(Kind::kSetFallbackAttribute, "set-fallback-attribute ICCID");
    } else if (n == "list-profile-info") {
      const char* usage = "list-profile-info [iccid=ICCID | aid=HEX | class=N] [tags=HEX]";
      expect(w, 0, {"iccid", "aid", "class", "tags"}, usage);
      op.kind = Kind::kListProfileInfo;
      if (w.options.count("iccid") + w.options.count("aid") + w.options.count("class") > 1)
        throw PackageError("list-profile-info: one search criterion at most");
      if (auto it = w.options.find("iccid"); it != w.options.end()) {
        op.search_iccid = it->second;
        iccid_bytes(it->second);
      }
      if (auto it = w.options.find("aid"); it != w.options.end()) {
        op.search_aid = hex_option("aid", it->second);
        if (op.search_aid->size() < 5 || op.search_aid->size() > 16)
          throw PackageError("aid=" + it->second + ": an AID has 5 to 16 bytes");
      }
      if (auto it = w.options.find("class"); it != w.options.end())
        op.search_class = number_option("class", it->second);
      if (auto it = w.options.find("tags"); it != w.options.end())
        op.tag_list = hex_option("tags", it->second);
    } else if (n == "get-rat") {
      expect(w, 0, {}, "get-rat");
      op.kind = Kind::kGetRat;
    } else if (n == "configure-immediate-enable") {
      expect(w, 0, {"flag", "smdp-oid", "smdp-address"},
             "configure-immediate-enable [flag] [smdp-oid=OID] [smdp-address=ADDR]");
      op.kind = Kind::kConfigureImmediateEnable;
      op.immediate_enable_flag = w.options.count("flag") != 0;
      if (auto it = w.options.find("smdp-oid"); it != w.options.end()) op.smdp_oid = it->second;
      if (auto it = w.options.find("smdp-address"); it != w.options.end())
        op.smdp_address = it->second;
    } else if (n == "unset-fallback-attribute") {
      expect(w, 0, {}, "unset-fallback-attribute");
      op.kind = Kind::kUnsetFallbackAttribute;
    } else if (n == "set-default-dp-address") {
      expect(w, 1, {}, "set-default-dp-address ADDR");
      op.kind = Kind::kSetDefaultDpAddress;
      op.address = w.positional[0];
    } else {
      throw PackageError("unknown PSMO '" + n + "'");
    }
    return op;
  }
  if (n == "add-eim" || n == "update-eim") {
    expect(w, 1, {}, n == "add-eim" ? "add-eim FILE" : "update-eim FILE");
    op.kind = n == "add-eim" ? Kind::kAddEim : Kind::kUpdateEim;
    op.file = w.positional[0];
  } else if (n == "delete-eim") {
    expect(w, 1, {}, "delete-eim EIM_ID");
    op.kind = Kind::kDeleteEim;
    op.eim_id = w.positional[0];
    if (op.eim_id.size() > 128) throw PackageError("delete-eim: an eimId has 1 to 128 bytes");
  } else if (n == "list-eim") {
    expect(w, 0, {}, "list-eim");
    op.kind = Kind::kListEim;
  } else {
    throw PackageError("unknown eCO '" + n + "'");
  }
  return op;
}

Bytes build_package(const PackageSpec& spec, const crypto::PrivateKey& key,
                    std::optional<long> association_token) {
  if (spec.eim_id.empty() || spec.eim_id.size() > 128)
    throw PackageError("eimId '" + spec.eim_id + "': 1 to 128 bytes");
  auto eid = Eid::parse(spec.eid);
  if (!eid) throw PackageError("EID '" + spec.eid + "': " + Eid::why_invalid(spec.eid));
  if (spec.operations.empty()) throw PackageError("a package needs at least one operation");
  const bool eco = spec.operations.front().is_eco();
  for (const auto& op : spec.operations) {
    if (op.is_eco() != eco) throw PackageError("a package holds PSMOs or eCOs, never both");
  }
  if (spec.transaction_id && (spec.transaction_id->empty() || spec.transaction_id->size() > 16))
    throw PackageError("eimTransactionId: 1 to 16 bytes");

  auto req = applets::rsp::make<EuiccPackageRequest_t>(asn_DEF_EuiccPackageRequest);
  auto& s = req->euiccPackageSigned;
  asn1::set_string(s.eimId, spec.eim_id);
  asn1::set_octets(s.eidValue, eid->bytes());
  s.counterValue = spec.counter_value;
  if (spec.transaction_id)
    s.eimTransactionId = asn1::new_octets<TransactionId_t>(*spec.transaction_id);
  if (eco) {
    s.euiccPackage.present = EuiccPackage_PR_ecoList;
    for (const auto& op : spec.operations) {
      auto* e = asn1::alloc<Eco_t>();
      asn1::append(s.euiccPackage.choice.ecoList.list, e);
      fill_eco(*e, op);
    }
  } else {
    s.euiccPackage.present = EuiccPackage_PR_psmoList;
    for (const auto& op : spec.operations) {
      auto* p = asn1::alloc<Psmo_t>();
      asn1::append(s.euiccPackage.choice.psmoList.list, p);
      fill_psmo(*p, op);
    }
  }
  try {
    Bytes input = asn1::encode_member(asn_DEF_EuiccPackageSigned, &s);
    Bytes token = association_token_do(association_token);
    input.insert(input.end(), token.begin(), token.end());
    asn1::set_octets(req->eimSignature, key.sign(input));
    return asn1::encode(asn_DEF_EuiccPackageRequest, req.get());
  } catch (const asn1::EncodeError& e) {
    throw PackageError(std::string("EuiccPackageRequest: ") + e.what());
  }
}

// ---- Results ----

std::string ResultItem::summary() const {
  std::string out = name;
  if (code) out += " " + named(code_name, *code);
  if (association_token) out += " associationToken " + std::to_string(*association_token);
  if (rules) out += " " + std::to_string(*rules) + " rule(s)";
  if (name == "listEimResult" && !code) {
    out += " [";
    for (std::size_t i = 0; i < eims.size(); ++i) {
      out += (i ? ", " : "") + eims[i].id;
      if (eims[i].type) out += " (type " + std::to_string(*eims[i].type) + ")";
    }
    out += "]";
  }
  if (name == "listProfileInfoResult" && !code) {
    out += " [";
    for (std::size_t i = 0; i < profiles.size(); ++i) {
      const auto& p = profiles[i];
      out += (i ? ", " : "") + (p.iccid.empty() ? to_hex(p.isdp_aid) : p.iccid);
      if (p.state)
        out += *p.state == 1   ? " enabled"
               : *p.state == 0 ? " disabled"
                               : " state " + std::to_string(*p.state);
    }
    out += "]";
  }
  return out;
}

const char* form_name(PackageResult::Form form) {
  switch (form) {
    case PackageResult::Form::kResult:
      return "euiccPackageResultSigned";
    case PackageResult::Form::kSignedError:
      return "euiccPackageErrorSigned";
    case PackageResult::Form::kUnsignedError:
      return "euiccPackageErrorUnsigned";
  }
  return "?";
}

PackageResult decode_package_result(ByteView der) {
  asn1::Value<EuiccPackageResult_t> v;
  try {
    std::size_t consumed = 0;
    v = asn1::decode_as<EuiccPackageResult_t>(asn_DEF_EuiccPackageResult, der, consumed);
    if (consumed != der.size()) throw PackageError("bytes after the EuiccPackageResult");
  } catch (const asn1::DecodeError& e) {
    throw PackageError(std::string("not an EuiccPackageResult: ") + e.what());
  }
  PackageResult out;
  auto tx = [](const TransactionId_t* t) { return t ? asn1::bytes_of(*t) : Bytes{}; };
  if (v->present == EuiccPackageResult_PR_euiccPackageErrorUnsigned) {
    const auto& u = v->choice.euiccPackageErrorUnsigned;
    out.form = PackageResult::Form::kUnsignedError;
    out.eim_id = asn1::string_of(u.eimId);
    out.transaction_id = tx(u.eimTransactionId);
    if (u.associationToken) out.association_token = *u.associationToken;
    return out;
  }
  // The signed data as received: BF51 { A0|A1 { 30 data, 5F37 sig } }.
  auto outer = tlv::read(der);
  auto alt = outer ? tlv::read(outer->value) : std::nullopt;
  auto parts = alt ? tlv::read_all(alt->value) : std::nullopt;
  if (!parts || parts->size() < 2 || (*parts)[0].tag != 0x30)
    throw PackageError("the signed EuiccPackageResult has no data TLV");
  out.signed_data = Bytes((*parts)[0].bytes().begin(), (*parts)[0].bytes().end());
  if (v->present == EuiccPackageResult_PR_euiccPackageResultSigned) {
    const auto& r = v->choice.euiccPackageResultSigned;
    const auto& d = r.euiccPackageResultDataSigned;
    out.form = PackageResult::Form::kResult;
    out.eim_id = asn1::string_of(d.eimId);
    out.counter_value = d.counterValue;
    out.transaction_id = tx(d.eimTransactionId);
    out.seq_number = d.seqNumber;
    for (int i = 0; i < d.euiccResult.list.count; ++i)
      out.results.push_back(result_item(*d.euiccResult.list.array[i]));
    out.signature = asn1::bytes_of(r.euiccSignEPR);
  } else {
    const auto& r = v->choice.euiccPackageErrorSigned;
    const auto& d = r.euiccPackageErrorDataSigned;
    out.form = PackageResult::Form::kSignedError;
    out.eim_id = asn1::string_of(d.eimId);
    out.counter_value = d.counterValue;
    out.transaction_id = tx(d.eimTransactionId);
    out.error_code = d.euiccPackageErrorCode;
    const char* error_name = asn1::number_name("EuiccPackageErrorCode", d.euiccPackageErrorCode);
    out.error_name = error_name ? error_name : "";
    out.signature = asn1::bytes_of(r.euiccSignEPE);
  }
  return out;
}

bool verify_package_result(PackageResult& result, const crypto::PublicKey& euicc_key,
                           std::optional<long> association_token) {
  result.verified = false;
  if (result.form == PackageResult::Form::kUnsignedError || result.signed_data.empty())
    return false;
  Bytes input = result.signed_data;
  Bytes token = association_token_do(association_token);
  input.insert(input.end(), token.begin(), token.end());
  result.verified = euicc_key.verify(input, result.signature);
  return result.verified;
}

}  // namespace euiccsim::eim
