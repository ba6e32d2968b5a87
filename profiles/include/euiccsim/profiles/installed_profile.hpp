// What an installed profile is on the card: the file system its PEs built, its network access
// applications with their authentication parameters, PINs and PUKs, security domains and
// applications (kept as metadata: the simulator runs no Java Card code), and the facts the
// ISD-R reports about it. It is a value: copied for transactions, serialised into the card image.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "euiccsim/crypto/aka.hpp"
#include "euiccsim/crypto/bytes.hpp"
#include "euiccsim/profiles/iccid.hpp"
#include "euiccsim/profiles/templates.hpp"

namespace euiccsim::profiles {

// One file of the profile's tree (ETSI TS 102 221 / 102 222).
struct FileNode {
  std::string name;  // from the template when known ("EF.IMSI"), else empty
  std::uint16_t fid = 0;  // for an ADF: the temporary ID used while the profile was created
  FileType type = FileType::Transparent;
  Bytes df_name;                   // ADF AID
  std::uint8_t lcsi = 0x05;        // operational, activated
  Bytes security_attributes;       // 8B value, as given (1 or 3 bytes)
  std::int16_t sfi = -1;           // -1: none
  std::uint16_t record_length = 0;  // linear fixed / cyclic
  std::uint16_t records = 0;
  Bytes pin_status_template;       // C6 value (DFs)
  Bytes proprietary;               // A5 value (TS 102 222), as given
  Bytes link_path;                 // C7 value: this file shares the content of that file
  bool shareable = true;
  Bytes content;                   // EFs: the whole body (records one after another)
  std::vector<FileNode> children;  // DFs

  bool is_df() const {
    return type == FileType::Mf || type == FileType::Df || type == FileType::Adf;
  }
  // The file size in bytes (EFs), from the body; BER-TLV files report their allocation.
  std::size_t size() const { return content.size(); }
  // The FCP template (tag 62) this file answers a SELECT with.
  Bytes fcp() const;
  const FileNode* child(std::uint16_t fid) const;
  FileNode* child(std::uint16_t fid);

  friend bool operator==(const FileNode&, const FileNode&) = default;
};

struct Naa {
  enum class Kind : std::uint8_t { Usim, Isim, Csim };
  Kind kind = Kind::Usim;
  Bytes aid;
  std::uint16_t adf_fid = 0;  // the ADF's temporary file ID in the tree
  // AKA (akaParameter PE); algorithm 0 when the PE has not arrived (or maps another NAA).
  std::uint8_t algorithm = 0;  // 1 Milenage, 2 TUAK, 3 USIM test algorithm
  Bytes algorithm_options;
  SecureBytes key;
  SecureBytes opc;
  Bytes rotation_constants;
  Bytes xoring_constants;
  Bytes auth_counter_max;
  std::uint8_t number_of_keccak = 1;
  Bytes mapping_source;  // set when the parameters are those of another NAA
  Bytes sqn_options;
  Bytes sqn_delta;
  Bytes sqn_age_limit;
  std::vector<Bytes> sqn;  // 32 entries of 6 bytes
  SecureBytes cdma_authentication_key;  // CSIM (cdmaParameter PE)

  friend bool operator==(const Naa&, const Naa&) = default;
};

struct PinObject {
  std::uint8_t key_reference = 0;
  SecureBytes value;
  std::optional<std::uint8_t> unblocking_reference;
  std::uint8_t attributes = 7;
  std::uint8_t max_attempts = 3;
  std::uint8_t remaining = 3;
  Bytes scope;  // path (FIDs) of the DF/ADF the PIN belongs to; empty for the MF

  friend bool operator==(const PinObject&, const PinObject&) = default;
};

struct SecurityDomainKey {
  std::uint8_t identifier = 0;
  std::uint8_t version = 0;
  Bytes usage;
  Bytes access;
  Bytes type;  // key type of the (first) component, e.g. 88 for AES
  SecureBytes data;

  friend bool operator==(const SecurityDomainKey&, const SecurityDomainKey&) = default;
};

struct AppletInfo {
  enum class Role : std::uint8_t { SecurityDomain, Application, Rfm };
  Role role = Role::Application;
  Bytes aid;
  Bytes class_aid;
  Bytes package_aid;
  Bytes privileges;
  Bytes life_cycle_state;
  std::vector<Bytes> tars;         // RFM
  std::vector<SecurityDomainKey> keys;  // security domains
  std::size_t load_block_size = 0;

  friend bool operator==(const AppletInfo&, const AppletInfo&) = default;
};

struct InstalledProfile {
  // Replaced by the header's ICCID; the placeholder only keeps the type default-constructible.
  Iccid iccid = *Iccid::parse(std::string("8900000000000000000") +
                              Iccid::luhn_digit("8900000000000000000"));
  std::uint8_t major_version = 0;
  std::uint8_t minor_version = 0;
  std::string profile_type;
  std::vector<std::string> mandatory_services;
  FileNode mf;
  std::vector<Naa> naas;
  std::vector<PinObject> pins;
  std::vector<PinObject> puks;
  std::vector<AppletInfo> applets;
  std::size_t pe_count = 0;
  std::size_t package_size = 0;

  // The file at `path` (FIDs from the MF; an ADF by its temporary ID), or nullptr.
  const FileNode* find(const std::vector<std::uint16_t>& path) const;
  const FileNode* adf(const Bytes& aid_prefix) const;
  const Naa* naa(Naa::Kind kind) const;
  // The IMSI digits from EF.IMSI of the first USIM, if it decodes.
  std::optional<std::string> imsi() const;
  // Bytes the profile occupies in the card's memory (files, keys, applications), the figure
  // extCardResource reports against.
  std::size_t occupied_memory() const;

  friend bool operator==(const InstalledProfile&, const InstalledProfile&) = default;
};

// The AKA functions `naa` computes, as its akaParameter configures them (a mappingParameter is
// followed to the NAA whose parameters it reuses). Nothing if it has none, or if its
// algorithmOptions name output lengths the algorithm cannot produce. algorithmOptions is read
// as docs/naa.md states: bits 3..1 the RES length (0: 32, 1: 64, 2: 128, 3: 256 bits; TUAK and
// the test algorithm), bits 6..4 the MAC length (0: 64, 1: 128, 2: 256 bits; TUAK), bit 7 the
// CK and IK length (0: 128, 1: 256 bits; TUAK); MILENAGE ignores it.
std::optional<crypto::aka::Parameters> aka_parameters(const InstalledProfile& profile,
                                                      const Naa& naa);
// The NAA whose AKA parameters and SQN array `naa` uses: itself, or the one its mappingParameter
// names (nullptr if that one is missing).
const Naa* aka_source(const InstalledProfile& profile, const Naa& naa);
Naa* aka_source(InstalledProfile& profile, const Naa& naa);

// Card-image form of an installed profile (our TLV layout; docs/card-image.md).
Bytes serialize(const InstalledProfile& profile);
// Throws std::runtime_error naming what is wrong.
InstalledProfile deserialize_profile(ByteView bytes);

}  // namespace euiccsim::profiles
