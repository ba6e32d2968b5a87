// What the file-system commands of applets/naa/ share: the call, the files of the profile shown,
// access conditions, PINs, FCPs. Each command lives in a file of its own, named after its
// clause of ETSI TS 102 221 (or 3GPP TS 31.102 / 31.103), opening with the order of its checks.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "euiccsim/applets/naa/file_system.hpp"
#include "euiccsim/profiles/installed_profile.hpp"

namespace euiccsim::applets::naa {

using profiles::FileNode;
using profiles::FileType;
using profiles::InstalledProfile;
using profiles::PinObject;

// Status words of TS 102 221 §10.2.1 and TS 31.102 §7.3 beyond those of apdu.hpp.
namespace sw {
inline constexpr std::uint16_t kEndOfFileReached = 0x6282;
inline constexpr std::uint16_t kIncompatibleFileStructure = 0x6981;
inline constexpr std::uint16_t kSecurityStatusNotSatisfied = 0x6982;
inline constexpr std::uint16_t kPinBlocked = 0x6983;
inline constexpr std::uint16_t kReferencedDataInvalidated = 0x6984;
inline constexpr std::uint16_t kNoEfSelected = 0x6986;
inline constexpr std::uint16_t kRecordNotFound = 0x6A83;
inline constexpr std::uint16_t kWrongParameters = 0x6B00;
inline constexpr std::uint16_t kMaxValueReached = 0x9850;
inline constexpr std::uint16_t kIncorrectMac = 0x9862;
inline constexpr std::uint16_t kContextNotSupported = 0x9864;
// 63Cx: a failed verification with x tries left (x at most 15).
inline std::uint16_t tries_left(unsigned x) {
  return static_cast<std::uint16_t>(0x63C0 | (x > 15 ? 15 : x));
}
}  // namespace sw

struct Call {
  AppletContext& ctx;
  Session& session;
  const apdu::Command& cmd;

  ChannelState& channel() { return session.channels[ctx.channel()]; }
  // The profile shown, or nullptr (none enabled at the last reset, or it has gone since).
  const InstalledProfile* profile() const;
  // The same profile, to change: the command becomes a state change the runtime persists.
  // Only after profile() returned one.
  InstalledProfile& profile_to_change();
};

// ---- files ----

const FileNode* node_at(const InstalledProfile& p, const Path& path);
FileNode* node_at(InstalledProfile& p, const Path& path);
// FIDs as bytes: the form PinObject::scope and linkPath use.
Bytes path_bytes(const Path& path);
// The file whose body `path` shows: the target of a link file (TS 102 222 linkPath), else the
// file itself.
Path body_path(const InstalledProfile& p, const Path& path);
bool is_record_file(const FileNode& f);
std::size_t record_count(const FileNode& body);
// The directory whose PINs and EF.ARR govern `path`: the file itself for a DF, else its parent.
Path governing_df(const InstalledProfile& p, const Path& path);

// The EF a command addresses: with `sfi`, the EF of the current DF with that short file
// identifier, which becomes the current EF (TS 102 221 §8.4.2.2); else the current EF. The
// status word when there is none.
struct AddressedEf {
  std::optional<Path> path;
  std::uint16_t sw = apdu::sw::kOk;
};
AddressedEf addressed_ef(Call& call, std::optional<std::uint8_t> sfi);

// ---- access conditions (TS 102 221 §9.2-9.3: EF.ARR rules in the expanded format) ----

enum class Operation : std::uint8_t { kRead, kUpdate, kIncrease };
bool allowed(const Session& s, const InstalledProfile& p, const Path& file, Operation op);

// ---- PINs (TS 102 221 §9.5) ----

inline bool is_adm(std::uint8_t key) {
  const std::uint8_t n = key & 0x7F;
  return n >= 0x0A && n <= 0x0E;
}
// The PIN `key` names from DF `context`: a global one (b8 = 0) wherever the terminal is, a local
// one (b8 = 1) in the nearest DF up from `context` that defines it. Its index in p.pins.
std::optional<std::size_t> find_pin(const InstalledProfile& p, const Path& context,
                                    std::uint8_t key);
// Verification required: bit 1 of the PIN's attributes (our reading of pinAttributes,
// docs/naa.md); an ADM key always is.
bool pin_enabled(const PinObject& pin);
// May the PIN be disabled: bit 3 of its attributes; never an ADM key.
bool pin_disablable(const PinObject& pin);
// The condition "user verification with `key`" holds: the PIN is verified or disabled.
bool key_satisfied(const Session& s, const InstalledProfile& p, const Path& context,
                   std::uint8_t key);
bool verified(const Session& s, const PinObject& pin);
void set_verified(Session& s, const PinObject& pin, bool yes);
// The key references of a DF's PIN status template, in order.
std::vector<std::uint8_t> template_keys(const FileNode& df);
// The application PIN of an ADF: the first global PIN (01..08) its template lists.
std::optional<std::uint8_t> application_pin(const FileNode& adf);
// No channel has `adf` as its application any more: its local PINs' verification ends.
void forget_application(Session& s, std::uint16_t adf);

// ---- FCP (TS 102 221 §11.1.1.3) ----

Bytes fcp(const InstalledProfile& p, const Path& path);
// The MF of a card that shows no profile: the eUICC's own, empty.
Bytes platform_mf_fcp();

// ---- the commands ----

apdu::Response select(Call& call);         // §11.1.1
apdu::Response status(Call& call);         // §11.1.2
apdu::Response read_binary(Call& call);    // §11.1.3
apdu::Response update_binary(Call& call);  // §11.1.4
apdu::Response read_record(Call& call);    // §11.1.5
apdu::Response update_record(Call& call);  // §11.1.6
apdu::Response search_record(Call& call);  // §11.1.7
apdu::Response increase(Call& call);       // §11.1.8
apdu::Response verify_pin(Call& call);     // §11.1.9
apdu::Response change_pin(Call& call);     // §11.1.10
apdu::Response disable_pin(Call& call);    // §11.1.11
apdu::Response enable_pin(Call& call);     // §11.1.12
apdu::Response unblock_pin(Call& call);    // §11.1.13
apdu::Response authenticate(Call& call);   // TS 31.102 §7.1.2, TS 31.103 §7.1.2

}  // namespace euiccsim::applets::naa
