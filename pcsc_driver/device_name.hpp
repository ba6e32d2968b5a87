// The DEVICENAME of a reader.conf entry for libifd-euiccsim: where the reader's slots listen.
//
//   unix:DIR[,slots=N]   slot i listens on the Unix socket DIR/slot-i.sock
//   tcp:PORT[,slots=N]   slot i listens on 127.0.0.1:PORT+i
//
// pcscd 1.9.9's reader.conf lexer rejects an unquoted comma, so ",slots=N" needs the value in
// double quotes; pcscd then hands the quotes to the driver, and the parser drops them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace euiccsim::ifd {

inline constexpr int kDefaultSlots = 4;
// pcscd 1.9.9 has 16 reader contexts in all and cannot add slots later.
inline constexpr int kMaxSlots = 16;

struct DeviceConfig {
  enum class Kind { kUnix, kTcp };
  Kind kind = Kind::kUnix;
  std::string dir;         // kUnix: an absolute directory
  std::uint16_t port = 0;  // kTcp: the port of slot 0
  int slots = kDefaultSlots;

  std::string slot_path(int slot) const;  // kUnix
  std::uint16_t slot_port(int slot) const { return static_cast<std::uint16_t>(port + slot); }
  std::string describe_slot(int slot) const;  // for logs: "unix:/run/x/slot-0.sock"
};

// nullopt with a one-line reason in *error when `text` is not a valid DEVICENAME.
std::optional<DeviceConfig> parse_device_name(std::string_view text, std::string* error);

}  // namespace euiccsim::ifd
