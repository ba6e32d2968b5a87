#include "device_name.hpp"

#include <sys/un.h>

#include <utility>

namespace euiccsim::ifd {

namespace {

// Digits only, no sign or spaces (std::stoul would accept " +7").
std::optional<unsigned long> parse_decimal(std::string_view s, unsigned long max) {
  if (s.empty() || s.size() > 6) return std::nullopt;
  unsigned long v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<unsigned long>(c - '0');
  }
  if (v > max) return std::nullopt;
  return v;
}

std::optional<DeviceConfig> fail(std::string* error, std::string message) {
  if (error) *error = std::move(message);
  return std::nullopt;
}

}  // namespace

std::string DeviceConfig::slot_path(int slot) const {
  return dir + "/slot-" + std::to_string(slot) + ".sock";
}

std::string DeviceConfig::describe_slot(int slot) const {
  if (kind == Kind::kUnix) return "unix:" + slot_path(slot);
  return "tcp:127.0.0.1:" + std::to_string(slot_port(slot));
}

std::optional<DeviceConfig> parse_device_name(std::string_view text, std::string* error) {
  if (text.size() >= 2 && (text.front() == '"' || text.front() == '\'') &&
      text.back() == text.front()) {
    text = text.substr(1, text.size() - 2);
  }
  const std::string_view usage = " (expected unix:DIR[,slots=N] or tcp:PORT[,slots=N])";

  DeviceConfig config;
  std::string_view base = text.substr(0, text.find(','));
  std::string_view options = base.size() < text.size() ? text.substr(base.size() + 1) : "";
  while (!options.empty()) {
    std::string_view option = options.substr(0, options.find(','));
    options = option.size() < options.size() ? options.substr(option.size() + 1) : "";
    if (option.substr(0, 6) != "slots=") {
      return fail(error, "unknown option '" + std::string(option) + "'" + std::string(usage));
    }
    auto n = parse_decimal(option.substr(6), kMaxSlots);
    if (!n || *n < 1) {
      return fail(error, "slots must be 1.." + std::to_string(kMaxSlots) + ", got '" +
                             std::string(option.substr(6)) + "'");
    }
    config.slots = static_cast<int>(*n);
  }

  if (base.substr(0, 5) == "unix:") {
    config.kind = DeviceConfig::Kind::kUnix;
    config.dir = std::string(base.substr(5));
    while (config.dir.size() > 1 && config.dir.back() == '/') config.dir.pop_back();
    // pcscd runs with "/" as its working directory, so a relative path would be a surprise.
    if (config.dir.empty() || config.dir.front() != '/') {
      return fail(error, "unix: needs an absolute directory" + std::string(usage));
    }
    if (config.slot_path(config.slots - 1).size() >= sizeof(sockaddr_un{}.sun_path)) {
      return fail(error, "directory too long for a Unix socket path: " + config.dir);
    }
    return config;
  }
  if (base.substr(0, 4) == "tcp:") {
    config.kind = DeviceConfig::Kind::kTcp;
    auto port = parse_decimal(base.substr(4), 65535);
    if (!port || *port == 0) {
      return fail(error, "bad TCP port '" + std::string(base.substr(4)) + "'" + std::string(usage));
    }
    if (*port + static_cast<unsigned long>(config.slots) - 1 > 65535) {
      return fail(error, "ports " + std::to_string(*port) + ".." +
                             std::to_string(*port + config.slots - 1) + " exceed 65535");
    }
    config.port = static_cast<std::uint16_t>(*port);
    return config;
  }
  return fail(error, "unknown kind of socket" + std::string(usage));
}

}  // namespace euiccsim::ifd
