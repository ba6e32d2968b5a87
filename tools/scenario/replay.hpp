// Recorded card exchanges, for replay against a card (docs/scenarios.md "Replay"): GSMTAP-SIM
// captures (pcap/pcapng, from us, Wireshark or SIMtrace2), pcsc-tools scriptor scripts and
// their output logs, our own traces (JSON lines and text) and our APDU scripts (`apdu
// --script`, with expected answers). What a recording lacks (scriptor scripts have no
// answers) is simply not compared.
//
// The comparison masks what legitimately differs between two cards or two runs: BER-TLV
// fields by tag path (a challenge, a signature, an EID, a certificate), byte ranges, the
// status word.
#pragma once

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "apdu_script.hpp"
#include "euiccsim/crypto/bytes.hpp"

namespace euiccsim::scenario {

class ReplayError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Recorded {
  enum class Kind { kApdu, kReset, kPowerOn, kPowerOff };
  Kind kind = Kind::kApdu;
  Bytes command;
  std::optional<Bytes> response;                 // what the recorded card answered
  std::optional<tools::ResponsePattern> expect;  // an APDU script's expected answer
  std::string where;                             // "frame 12", "line 7"
  std::string card;                              // our traces: the card's EID
};

enum class RecordingFormat { kAuto, kCapture, kScriptor, kJsonl, kText, kApduScript };
// "auto", "pcap", "scriptor", "jsonl", "text", "apdu"; nothing for another word.
std::optional<RecordingFormat> recording_format(std::string_view name);
const char* recording_format_name(RecordingFormat f);

// Reads a recording; kAuto looks at the contents (pcap magic, JSON lines, our text trace,
// scriptor's "> " lines, "->" of an APDU script) and the file name. ReplayError naming the file
// and the line or frame at fault.
std::vector<Recorded> read_recording(const std::filesystem::path& path,
                                     RecordingFormat format = RecordingFormat::kAuto,
                                     RecordingFormat* detected = nullptr);
std::vector<Recorded> parse_recording(std::string_view text, RecordingFormat format,
                                      const std::string& name, RecordingFormat* detected = nullptr);

// Hex with '.' for any digit and at most one '*' for any run of bytes ("80E2....BF2E*").
class HexPattern {
 public:
  static HexPattern parse(std::string_view text);  // std::invalid_argument
  bool matches(ByteView bytes) const;
  const std::string& text() const { return text_; }

 private:
  std::vector<int> before_, after_;
  bool star_ = false;
  std::string text_;
};

struct Mask {
  std::optional<HexPattern> command;  // which exchanges it applies to (absent: all)
  // Tag paths ("5F37", "BF2E/80", "BF38/A0/30"): a TLV whose enclosing tags end with the
  // path has its value ignored (its length may differ too).
  std::vector<std::vector<std::uint32_t>> tags;
  std::vector<std::pair<std::size_t, std::size_t>> bytes;  // offset, length in the data
  bool sw = false;                                         // the status word is not compared
  bool data = false;                                       // nothing of the data is compared
  std::string name;                                        // for reports
};

// "5F37" / "BF2E/80" as a tag path; std::invalid_argument if malformed.
std::vector<std::uint32_t> parse_tag_path(std::string_view text);

// Masks a scenario may name instead of spelling them out: "challenge" (GetEUICCChallenge's
// 80), "signatures" (every 5F37), "eid" (GetEID's 5A and ECASD GET DATA), "certificates"
// (the eUICC and EUM certificates of AuthenticateServer and GetCerts), "transaction-id",
// "one-time-key" (5F49). Nothing for an unknown name.
std::optional<Mask> named_mask(std::string_view name);
std::vector<std::string> named_masks();

// Empty when `actual` matches `recorded` under the masks that apply to `command`; otherwise
// one line saying where they first differ.
std::string compare_response(ByteView command, ByteView recorded, ByteView actual,
                             const std::vector<Mask>& masks);

}  // namespace euiccsim::scenario
