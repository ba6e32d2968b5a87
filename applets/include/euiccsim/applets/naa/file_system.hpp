// The UICC side of the eUICC: the file system of the active profile (ETSI TS 102 221, 3GPP
// TS 31.102 / 31.103) and its network access applications, as the terminal meets them on every
// logical channel: SELECT by file identifier, path or application name, the file commands,
// the PIN commands and the USIM/ISIM AUTHENTICATE (docs/naa.md lists what is covered).
//
// The card runtime owns one FileSystem and hands it every SELECT no applet takes and every
// command on a channel with no applet selected. Which profile it shows is the runtime's call
// (the enabled one as of the last reset or REFRESH). What the terminal selected and which PINs
// it verified are volatile, kept here; what a command changes (file contents, PIN values and
// counters, SQN arrays) lives in the card state and is changed through the AppletContext, so
// it persists before the answer leaves.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "euiccsim/applets/applet.hpp"

namespace euiccsim::applets::naa {

// A file below the MF: the FIDs of its DFs and its own, an ADF by its temporary FID.
using Path = std::vector<std::uint16_t>;

// What one logical channel has selected (TS 102 221 §8.4).
struct ChannelState {
  Path df;                           // current DF; empty: the MF
  std::optional<std::uint16_t> ef;   // current EF, a child of df
  std::optional<std::uint16_t> adf;  // current application: its ADF's temporary FID
  std::uint16_t record = 0;          // record pointer in ef; 0: not set
};

// A PIN (or ADM key) verified since the last reset: the DF or ADF it belongs to (empty for a
// global one) and its key reference.
struct Verified {
  Bytes scope;
  std::uint8_t key = 0;
  friend bool operator==(const Verified&, const Verified&) = default;
};

struct Session {
  static constexpr unsigned kChannels = 20;  // ISO/IEC 7816-4 numbers channels 0..19
  std::optional<Bytes> isdp;                 // the profile shown, by ISD-P AID
  std::array<ChannelState, kChannels> channels{};
  std::vector<Verified> verified;
};

class FileSystem {
 public:
  // A card reset or REFRESH: show `isdp`'s profile (or none); on every channel the MF is the
  // current DF again and no application is selected; every PIN verification is forgotten.
  void reset(std::optional<Bytes> isdp);
  const std::optional<Bytes>& profile_aid() const { return session_.isdp; }

  // MANAGE CHANNEL opened `ch`: from the basic channel with the MF current (ISO/IEC 7816-4
  // §7.1.2), from another channel with that channel's selection.
  void open_channel(unsigned ch, unsigned from);
  void close_channel(unsigned ch);
  // An applet was selected on `ch`: the channel's file selection and application end.
  void leave_channel(unsigned ch);

  // SELECT (TS 102 221 §11.1.1) on ctx.channel(): by FID or path, or by DF name when no applet
  // took the AID. The channel's selection changes only on success.
  apdu::Response select(AppletContext& ctx, const apdu::Command& cmd);
  // Any other command on a channel where no applet is selected.
  apdu::Response process(AppletContext& ctx, const apdu::Command& cmd);

  const Session& session() const { return session_; }
  // Back to an earlier session: the runtime's roll-back of a command that failed.
  void restore(Session s) { session_ = std::move(s); }

 private:
  Session session_;
};

}  // namespace euiccsim::applets::naa
