// GSMTAP-SIM (osmocom gsmtap.h; ../shared/reference/CONFORMANCE.md §3): the trace form
// Wireshark, tshark, SIMtrace2 and pySim-trace read. Each APDU is one UDP datagram to port
// 4729 carrying a 16-byte GSMTAP header (version 2, type SIM) and `CLA INS P1 P2 P3 ‖ data ‖
// response data ‖ SW1 SW2`; a power-on or reset is an ATR datagram (sub-type 1).
//
// Two sinks: live UDP (`--trace gsmtap:HOST:PORT`) and a pcapng file with Ethernet/IPv4/UDP
// framing (`--trace pcap:FILE`), and the reader the replay uses, which takes pcap and pcapng
// from us, Wireshark or SIMtrace2.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "euiccsim/simulator/trace.hpp"

namespace euiccsim::sim {

inline constexpr std::uint16_t kGsmtapPort = 4729;
inline constexpr std::uint8_t kGsmtapTypeSim = 0x04;
inline constexpr std::uint8_t kGsmtapSimApdu = 0x00;
inline constexpr std::uint8_t kGsmtapSimAtr = 0x01;

// The 16-byte header then `payload`.
Bytes gsmtap_frame(std::uint8_t sub_type, ByteView payload);
// The APDU payload of one exchange: the command as T=0 carries it (P3 = Lc, or Le for a
// command without data; a case-4 command's Le is dropped), then the whole answer.
Bytes gsmtap_apdu_payload(ByteView command, ByteView response);

struct GsmtapOptions {
  // Only APDU datagrams: Wireshark's gsm_sim dissects every SIM datagram as an APDU, so an
  // ATR would show as a bogus command (CONFORMANCE.md §7).
  bool apdu_only = false;
};

// The GSMTAP datagrams of one trace event (none for power-off and peer messages).
std::vector<Bytes> gsmtap_datagrams(const TraceEvent& e, const GsmtapOptions& o);

// Sends each datagram to HOST:PORT from an ephemeral port (never binding 4729, which a
// listener such as pySim-trace owns). std::runtime_error if the address does not resolve.
class GsmtapUdpSink final : public TraceSink {
 public:
  GsmtapUdpSink(const std::string& host, std::uint16_t port, GsmtapOptions o = {});
  ~GsmtapUdpSink() override;
  void write(const TraceEvent& e) override;

 private:
  int fd_ = -1;
  GsmtapOptions options_;
};

// A pcapng file (Wireshark's native format): one Ethernet interface, each datagram in an
// Ethernet/IPv4/UDP frame from 127.0.0.1 to 127.0.0.1:4729, microsecond timestamps from the
// event. std::runtime_error if the file cannot be written.
class PcapngSink final : public TraceSink {
 public:
  PcapngSink(const std::filesystem::path& path, GsmtapOptions o = {});
  void write(const TraceEvent& e) override;

 private:
  void write_block(std::uint32_t type, const Bytes& body);
  std::ofstream out_;
  GsmtapOptions options_;
  std::uint16_t ip_id_ = 0;
};

// ---- reading captures ----

// One GSMTAP-SIM datagram of a capture.
struct CapturedApdu {
  enum class Kind { kApdu, kAtr };
  Kind kind = Kind::kApdu;
  Bytes command;   // kApdu: header (P3 included) and the command data
  Bytes response;  // kApdu: response data and SW; kAtr: the ATR
  std::uint64_t time_us = 0;
  std::size_t packet = 0;  // 1-based frame number in the file
};

// Every GSMTAP-SIM datagram (UDP port 4729 either way) of a pcap or pcapng file, in order;
// frames of any other kind are skipped. Link types: Ethernet, raw IP, Linux cooked (v1, v2),
// BSD loopback. std::runtime_error naming the file and what is wrong.
std::vector<CapturedApdu> read_gsmtap_capture(const std::filesystem::path& path);
std::vector<CapturedApdu> read_gsmtap_capture(ByteView file);
// Whether `file` starts like a pcap or pcapng file.
bool is_capture(ByteView file);

// Splits a GSMTAP APDU payload into command and response, as Wireshark and pySim do: the
// first 5 + P3 bytes are the command when its instruction carries data (SELECT, STORE DATA,
// UPDATE, VERIFY, ...), else the 5-byte header alone.
void split_gsmtap_apdu(ByteView payload, Bytes& command, Bytes& response);

}  // namespace euiccsim::sim
