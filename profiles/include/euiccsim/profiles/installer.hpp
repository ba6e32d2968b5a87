// Turns a profile package into an InstalledProfile, PE by PE, checking what the interoperable
// format demands as it goes (so `profile validate` and a download share one set of rules).
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "euiccsim/profiles/installed_profile.hpp"
#include "euiccsim/profiles/package.hpp"

namespace euiccsim::profiles {

// PEStatus.status of the interoperable format (PROTOCOL.md §5.4).
enum class PeStatusCode : std::uint16_t {
  Ok = 0,
  PeNotSupported = 1,
  MemoryFailure = 2,
  BadValues = 3,
  NotEnoughMemory = 4,
  InvalidRequestFormat = 5,
  InvalidParameter = 6,
  RuntimeNotSupported = 7,
  LibNotSupported = 8,
  TemplateNotSupported = 9,
  FeatureNotSupported = 10,
  PinCodeMissing = 11,
  UnsupportedProfileVersion = 31,
};
const char* to_string(PeStatusCode code);

// How SGP.22 reports the failure in ProfileInstallationResult (errorReason).
enum class InstallFailure : std::uint8_t {
  PeProcessingError,   // installFailedDueToPEProcessingError (12)
  IccidAlreadyExists,  // iccidAlreadyExists (9)
  DataMismatch,        // installFailedDueToDataMismatch (13)
  InsufficientMemory,  // insufficientMemoryForProfile (10)
};

class InstallError : public std::runtime_error {
 public:
  InstallError(const std::string& what, std::size_t pe_index, std::string pe_kind,
               std::optional<std::uint16_t> identification, PeStatusCode status,
               InstallFailure failure = InstallFailure::PeProcessingError)
      : std::runtime_error(what),
        pe_index(pe_index),
        pe_kind(std::move(pe_kind)),
        identification(identification),
        status(status),
        failure(failure) {}
  std::size_t pe_index;  // 0-based position of the failing PE in the package
  std::string pe_kind;   // "usim", "pinCodes", ... (empty when the PE did not decode)
  std::optional<std::uint16_t> identification;
  PeStatusCode status;
  InstallFailure failure;
  // "PE #7 (usim, identification 8): <reason> [bad-values]"
  std::string describe() const;
};

struct InstallOptions {
  // ServicesList names the card offers (eUICC-Mandatory-services must be a subset).
  std::vector<std::string> supported_services = default_services();
  std::vector<Iccid> existing_iccids;  // already on the card
  // The ICCID the profile was announced with (SGP.22 StoreMetadata): the ProfileHeader must
  // carry it, else DataMismatch as soon as the header is processed.
  std::optional<Iccid> expected_iccid;
  std::size_t free_memory = std::numeric_limits<std::size_t>::max();

  static std::vector<std::string> default_services();
};

class Installer {
 public:
  explicit Installer(InstallOptions options = {});
  ~Installer();
  Installer(Installer&&) noexcept;
  Installer& operator=(Installer&&) noexcept;

  // Bytes of the package as they arrive; installs every PE they complete.
  void push(ByteView bytes);
  // One decoded PE.
  void add(const ProfileElement& pe);
  // After the last byte: the end PE must have arrived and the profile must be consistent.
  InstalledProfile finish();

  bool ended() const;
  std::size_t pe_count() const;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

// Decodes and installs a complete package.
InstalledProfile install_package(ByteView der, const InstallOptions& options = {});

}  // namespace euiccsim::profiles
