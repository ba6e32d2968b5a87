// The file-structure templates of the TCA interoperable profile format (Annex A of the
// "eUICC Profile Package: Interoperable Format Technical Specification").
//
// A template PE (mf, usim, telecom, ...) names a template by OID and carries one `File`
// member per file the template defines. An empty `File` means "create it with the template's
// defaults"; the PE's own FCP, fill offsets and contents override those defaults. This catalog
// holds the defaults: what the card creates when the PE says nothing more.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace euiccsim::profiles {

enum class FileType : std::uint8_t {
  Mf,
  Df,
  Adf,
  Transparent,
  LinearFixed,
  Cyclic,
  BerTlv,
};

// Where a template's root is created.
enum class Anchor : std::uint8_t {
  Mf,    // the root DF/ADF of the template is created under the MF (the MF template is the MF)
  Usim,  // inside the most recently created ADF.USIM (opt-usim, gsm-access, df-5gs, ...)
  Isim,  // inside the most recently created ADF.ISIM
  Csim,  // inside the most recently created ADF.CSIM
};

// One `File` member of a template PE.
struct TemplateFile {
  std::string_view member;  // the ASN.1 member name in the PE, e.g. "ef-imsi"
  std::string_view name;    // the file's name in the specifications, e.g. "EF.IMSI"
  std::uint16_t fid;        // default file identifier; 0 when the PE must give one
  FileType type;
  std::uint16_t records;      // linear fixed / cyclic: number of records; 0 when the PE gives it
  std::uint16_t size;         // transparent / BER-TLV: file size; linear fixed / cyclic: record
                              // length; 0 when the PE must give it
  std::uint8_t arr_record;    // record number in the governing EF.ARR (securityAttributesReferenced)
  std::int16_t sfi;           // short file identifier (1..30), -1 for none
  std::string_view fill;      // default content: hex of explicit leading bytes ("00" or "")
  std::string_view repeat;    // default content: hex byte(s) repeated to fill the rest ("FF"),
                              // "" for no default content (the PE must supply it, or 00s)
  std::string_view parent;    // member name of the DF this file sits in; "" for the template root
                              // (or, for templates without a root DF, the anchor itself)
  bool content_required;      // the PE must supply the content (no meaningful default)
};

struct Template {
  std::string_view oid;   // dotted, e.g. "2.23.143.1.2.4"
  std::string_view name;  // e.g. "ADF.USIM"
  std::string_view pe;    // the ProfileElement alternative using it, e.g. "usim"
  Anchor anchor;
  bool created_by_default;  // files of the template are created even when the PE omits them
  std::span<const TemplateFile> files;  // in the PE's member order
};

// The template registered for an OID, or nullptr for an unknown OID.
const Template* find_template(std::string_view oid);
std::span<const Template> all_templates();

// The entry for a member name within a template, or nullptr.
const TemplateFile* find_member(const Template& t, std::string_view member);

}  // namespace euiccsim::profiles
