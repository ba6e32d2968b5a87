// A profile package (TCA interoperable format) as C++ values: a sequence of Profile Elements.
// Decoded from DER with asn1c (profiles/asn1/PEDefinitions.asn) and encoded back the same way;
// nothing here holds an asn1c structure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "euiccsim/crypto/bytes.hpp"

namespace euiccsim::profiles {

struct PeHeader {
  bool mandated = false;
  std::uint16_t identification = 0;
};

struct ProprietaryInfo {
  std::optional<Bytes> special_file_information;  // C0
  std::optional<Bytes> fill_pattern;              // C1
  std::optional<Bytes> repeat_pattern;            // C2
  std::optional<Bytes> maximum_file_size;         // 86
  std::optional<Bytes> file_details;              // 84
};

// The FCP data objects a PE may give for a file (ETSI TS 102 222 coding).
struct Fcp {
  std::optional<Bytes> file_descriptor;               // 82
  std::optional<Bytes> file_id;                       // 83
  std::optional<Bytes> df_name;                       // 84
  std::optional<Bytes> lcsi;                          // 8A
  std::optional<Bytes> security_attributes;           // 8B
  std::optional<Bytes> ef_file_size;                  // 80
  std::optional<Bytes> pin_status_template;           // C6
  std::optional<Bytes> short_ef_id;                   // 88
  std::optional<ProprietaryInfo> proprietary;         // A5
  std::optional<Bytes> link_path;                     // C7
};

// One element of a `File` (template member) or of a FileManagement command list.
struct FileItem {
  enum class Kind : std::uint8_t { DoNotCreate, Fcp, FillOffset, FillContent, FilePath };
  Kind kind = Kind::Fcp;
  Fcp fcp;                   // Kind::Fcp
  std::uint16_t offset = 0;  // Kind::FillOffset
  Bytes data;                // Kind::FillContent, Kind::FilePath
};
using File = std::vector<FileItem>;

struct ServicesList {
  // Names of the present services, in ServicesList member order ("usim", "milenage", ...).
  std::vector<std::string> names;
};

struct ProfileHeader {
  std::uint8_t major_version = 2;
  std::uint8_t minor_version = 3;
  std::optional<std::string> profile_type;
  Bytes iccid;  // 10 bytes, digits in plain order
  std::optional<Bytes> pol;
  ServicesList mandatory_services;
  std::vector<std::string> mandatory_gfste;  // dotted OIDs
  std::optional<Bytes> connectivity_parameters;
  struct Aid {
    Bytes aid;
    Bytes version;
  };
  std::vector<Aid> mandatory_aids;
  std::optional<Bytes> iot_pix;
};

// mf, usim, telecom, ...: a template OID plus one File per member the PE carries.
struct TemplatePe {
  std::string pe;  // the ProfileElement alternative, e.g. "usim"
  PeHeader header;
  std::string template_oid;
  struct Member {
    std::string name;  // ASN.1 member name, e.g. "ef-imsi"
    File file;
  };
  std::vector<Member> members;  // in encoding order
};

struct GenericFileManagementPe {
  PeHeader header;
  std::vector<File> commands;  // each a FileManagement list (FilePath / Fcp / fill items)
};

struct PinConfig {
  std::uint8_t key_reference = 0;
  Bytes value;  // 8 bytes, 'FF'-padded
  std::optional<std::uint8_t> unblocking_reference;
  std::uint8_t attributes = 7;
  std::uint8_t attempts = 0x33;  // max attempts (high nibble), retries left (low nibble)
};

struct PinCodesPe {
  PeHeader header;
  std::vector<PinConfig> pins;
  std::optional<Bytes> shared_file_path;  // set instead of pins: share another DF's PINs
};

struct PukConfig {
  std::uint8_t key_reference = 0;
  Bytes value;
  std::uint8_t attempts = 0xAA;
};

struct PukCodesPe {
  PeHeader header;
  std::vector<PukConfig> puks;
};

struct AkaParameterPe {
  PeHeader header;
  enum class Algorithm : std::uint8_t { Milenage = 1, Tuak = 2, TestAlgorithm = 3 };
  // algoParameter
  std::optional<Algorithm> algorithm;
  Bytes algorithm_options;
  SecureBytes key;
  SecureBytes opc;
  std::optional<Bytes> rotation_constants;
  std::optional<Bytes> xoring_constants;
  std::optional<Bytes> auth_counter_max;
  std::optional<std::uint8_t> number_of_keccak;
  // mappingParameter (instead of algoParameter): reuse another NAA's parameters
  std::optional<Bytes> mapping_options;
  std::optional<Bytes> mapping_source;
  std::optional<Bytes> sqn_options;
  std::optional<Bytes> sqn_delta;
  std::optional<Bytes> sqn_age_limit;
  std::vector<Bytes> sqn_init;
};

struct CdmaParameterPe {
  PeHeader header;
  SecureBytes authentication_key;
  std::optional<SecureBytes> ssd;
};

struct KeyObject {
  Bytes usage_qualifier;
  Bytes access;
  std::uint8_t identifier = 0;
  std::uint8_t version = 0;
  std::optional<Bytes> counter;
  struct Component {
    Bytes type;
    SecureBytes data;
    std::uint8_t mac_length = 8;
  };
  std::vector<Component> components;
};

struct ApplicationInstance {
  Bytes load_package_aid;
  Bytes class_aid;
  Bytes instance_aid;
  std::optional<Bytes> extradite_sd_aid;
  Bytes privileges;
  Bytes life_cycle_state;  // default 07
  Bytes specific_parameters;  // C9
};

struct SecurityDomainPe {
  PeHeader header;
  ApplicationInstance instance;
  std::vector<KeyObject> keys;
  std::vector<Bytes> perso_data;
};

struct RfmPe {
  PeHeader header;
  Bytes instance_aid;
  std::optional<Bytes> security_domain_aid;
  std::vector<Bytes> tars;
  Bytes minimum_security_level;
  Bytes uicc_access_domain;
  Bytes uicc_admin_access_domain;
  std::optional<Bytes> adf_aid;
};

struct ApplicationPe {
  PeHeader header;
  std::optional<Bytes> load_package_aid;
  std::size_t load_block_size = 0;  // the package itself is not kept: no Java Card runtime
  std::vector<ApplicationInstance> instances;
};

struct NonStandardPe {
  PeHeader header;
  std::string issuer_oid;
  Bytes content;
};

struct EndPe {
  PeHeader header;
};

// An rfu alternative or a PE type newer than this module (the CHOICE is extensible).
struct UnknownPe {
  Bytes tag;
};

using PeValue = std::variant<ProfileHeader, TemplatePe, GenericFileManagementPe, PinCodesPe,
                             PukCodesPe, AkaParameterPe, CdmaParameterPe, SecurityDomainPe, RfmPe,
                             ApplicationPe, NonStandardPe, EndPe, UnknownPe>;

struct ProfileElement {
  std::string kind;  // the CHOICE alternative: "header", "mf", "pinCodes", ...
  PeValue value;
  std::size_t encoded_size = 0;  // bytes of this PE in the package
  // The PE as received. Security domains, RFM, applications and CDMA parameters are kept as
  // metadata only, so they are re-encoded from these bytes.
  Bytes der;
  // The PE header (identification) for every PE but the profile header.
  const PeHeader* header() const;
};

// Decodes one PE from the start of `der`; `consumed` receives its size.
// Throws asn1::DecodeError.
ProfileElement decode_pe(ByteView der, std::size_t& consumed);
// DER of one PE. Throws asn1::EncodeError for values the module does not allow.
Bytes encode_pe(const ProfileElement& pe);

// Reads a package PE by PE as bytes arrive (during a download it comes in segments):
// push() bytes, then take complete PEs with next().
class PackageReader {
 public:
  void push(ByteView bytes);
  // The next complete PE, or nullopt when more bytes are needed.
  // Throws asn1::DecodeError for a malformed PE (offset() is relative to the PE).
  std::optional<ProfileElement> next();
  // Bytes received but not yet forming a complete PE.
  std::size_t pending() const { return buffer_.size() - start_; }
  // Offset in the whole package of the next PE.
  std::size_t position() const { return consumed_; }

 private:
  Bytes buffer_;
  std::size_t start_ = 0;
  std::size_t consumed_ = 0;
};

// Every PE of a complete package; throws asn1::DecodeError (trailing bytes included).
std::vector<ProfileElement> decode_package(ByteView der);
Bytes encode_package(const std::vector<ProfileElement>& pes);

}  // namespace euiccsim::profiles
