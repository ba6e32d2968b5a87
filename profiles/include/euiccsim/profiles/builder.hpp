// A profile package built from a handful of personalisation values (ICCID, IMSI, keys, PINs)
// instead of edited by hand: the profile test labs and our own tests load onto the card.
//
// The package uses the TCA templates (MF, ADF.USIM and optionally DF.TELECOM, DF.GSM-ACCESS,
// DF.5GS, DF.SAIP, ADF.ISIM) and gives every file it creates a complete FCP and its whole
// content, so what the card holds never depends on template defaults. Access rules follow the
// interoperable format's own EF.ARR records (its "Access Rules Definition"), so a file the card
// creates from a template default refers to the rule the template intends.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "euiccsim/crypto/bytes.hpp"
#include "euiccsim/profiles/iccid.hpp"
#include "euiccsim/profiles/package.hpp"

namespace euiccsim::profiles {

// SGP.22 profileClass. Metadata for whoever installs the profile: not part of the package.
enum class ProfileClass : std::uint8_t { Test, Provisioning, Operational };

struct IsimSpec {
  std::string impi;               // EF.IMPI: the private user identity (NAI)
  std::vector<std::string> impu;  // EF.IMPU: public user identities (SIP/tel URIs), one record each
  std::string domain;             // EF.DOMAIN: the home network domain name
};

// Content that replaces what the builder would write into one file.
struct FileOverride {
  // The file's specification name with those of its parent directories, from the MF (left
  // out): "EF.DIR", "ADF.USIM/EF.SPN", "ADF.USIM/DF.5GS/EF.SUCI_CALC_INFO". Case-insensitive.
  std::string path;
  // Written from the file's first byte (records one after another); the rest of the file is
  // 'FF'. May not be longer than the file.
  Bytes content;
};

struct ProfileSpec {
  std::optional<Iccid> iccid;                           // required
  std::string imsi;                                     // 6 to 15 digits
  std::string profile_type = "euicc-sim test profile";  // ProfileHeader.profileType
  std::string spn;           // EF.SPN: up to 16 characters of the GSM 7-bit default alphabet
  std::string profile_name;  // metadata only (SGP.22 profileName, up to 64 bytes)
  ProfileClass profile_class = ProfileClass::Test;  // metadata only

  AkaParameterPe::Algorithm algorithm = AkaParameterPe::Algorithm::Milenage;
  SecureBytes k;    // 16 bytes; TUAK also takes 32
  SecureBytes opc;  // Milenage: 16 bytes; TUAK: TOPc, 32 bytes; test algorithm: 16 or none
  // akaParameter algorithmOptions, whose bits the card reads as output lengths (docs/naa.md):
  // by default 00 (TUAK: RES 32, MAC 64, CK/IK 128 bits), and 02 for the test algorithm (a
  // 128-bit RES, as in the TS.48 test profile). MILENAGE ignores it.
  std::optional<std::uint8_t> algorithm_options;
  std::uint8_t keccak_iterations = 1;  // TUAK numberOfKeccak, 1 to 255
  // SQN freshness window (TS 33.102 Annex C), 6 bytes each, at most 07FFFFFFFFFF; the format's
  // default 000010000000 when absent.
  std::optional<Bytes> sqn_delta;
  std::optional<Bytes> sqn_age_limit;

  // PIN and PUK values are digits, stored ASCII-coded and 'FF'-padded to 8 bytes (the usual
  // coding); ADM1 may instead be 16 hex digits giving its 8 bytes. Defaults: the values of the
  // GSMA TS.48 test profile.
  std::string pin1 = "0000";  // 4 to 8 digits
  std::string pin2 = "9999";
  std::string puk1 = "11111111";  // 8 digits
  std::string puk2 = "22222222";
  std::string adm1 = "55555555";
  // Tries before blocking, 1 to 15.
  std::uint8_t pin1_retries = 3;
  std::uint8_t pin2_retries = 3;
  std::uint8_t puk1_retries = 10;
  std::uint8_t puk2_retries = 10;
  std::uint8_t adm1_retries = 10;

  // The USIM is always there; these add to it.
  std::optional<IsimSpec> isim;
  bool telecom = false;     // DF.TELECOM (with its EF.ARR)
  bool gsm_access = false;  // DF.GSM-ACCESS in ADF.USIM
  bool df_5gs = false;      // DF.5GS in ADF.USIM
  bool df_saip = false;     // DF.SAIP in ADF.USIM

  int mnc_length = 2;  // EF.AD: digits of the MNC in the IMSI, 2 or 3

  std::vector<FileOverride> files;
};

// The PEs of the package, header to end. Throws std::invalid_argument with a one-line message
// that starts with the offending field ("imsi: ...", "files[1].path: ...").
std::vector<ProfileElement> build_profile(const ProfileSpec& spec);

}  // namespace euiccsim::profiles
