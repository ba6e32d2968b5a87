// A private pcscd for tests and the quick start, so nothing touches a system pcscd.
//
// pcscd 1.9.9 always binds /run/pcscd/pcscd.comm (only clients read PCSCLITE_CSOCK_NAME), so
// it runs in a mount namespace of its own where a private directory is bind-mounted over
// /run/pcscd; the socket then lives in that directory, where clients outside find it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace euiccsim::tools {

class PrivatePcscd {
 public:
  struct Options {
    std::filesystem::path dir = "/run/euicc-sim/private";
    unsigned slots = 4;
    std::filesystem::path driver;  // libifd-euiccsim.so
    bool debug = false;            // pcscd -d, into DIR/pcscd.log
    // Also load Debian's vsmartcard-vpcd reader (cards attach at localhost:35963).
    bool vpcd = false;
  };
  static constexpr const char* kVpcdDriver = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so";

  // The driver next to this build of euicc-sim, else the installed one.
  static std::optional<std::filesystem::path> find_driver();
  // Why a private pcscd cannot start here (not root, no pcscd, no unshare), or empty.
  static std::string why_unavailable();

  explicit PrivatePcscd(Options options);  // starts pcscd; throws on failure
  ~PrivatePcscd();                         // stops it
  PrivatePcscd(const PrivatePcscd&) = delete;
  PrivatePcscd& operator=(const PrivatePcscd&) = delete;

  std::string socket_path() const;  // for PCSCLITE_CSOCK_NAME
  std::string device_name() const;  // where cards attach: "unix:DIR/slots"
  std::filesystem::path log_path() const;
  pid_t pid() const { return pid_; }
  bool running();

  // Polls SCardListReaders until all slots are readers (or throws after `timeout`).
  std::vector<std::string> wait_for_readers(std::chrono::milliseconds timeout);

 private:
  Options options_;
  pid_t pid_ = -1;
};

}  // namespace euiccsim::tools
