// The LPA's part of a profile download (SGP.22 v2.5 §3.1.3, the "LPA role for scripts"):
// drives a card's ES10b functions and an SM-DP+'s ES9+ functions in the order the
// specification gives, relaying what one side says to the other without judging it, as a
// real LPA does (the card and the server are the ones that check).
//
// Transport-free on both sides: `Es10` carries one ES10 request to the card and returns its
// response (the caller handles APDUs, channels and STORE DATA blocks); `smdp::Es9Plus` is the
// server in process or over HTTPS.
#pragma once

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "euiccsim/crypto/bytes.hpp"
#include "smdp/es9plus.hpp"

namespace euiccsim::lpa {

// One ES10 request in, its response out (response data of the last STORE DATA block; empty
// for a piece of a Bound Profile Package that the card accepted without a result).
using Es10 = std::function<Bytes(ByteView request)>;

// A download that could not go on: the step, and what the card or server answered.
class DownloadError : public std::runtime_error {
 public:
  DownloadError(std::string step, const std::string& what)
      : std::runtime_error(step + ": " + what), step(std::move(step)) {}
  std::string step;
};

struct DownloadRequest {
  std::string smdp_address;
  std::string matching_id;
  std::optional<std::string> confirmation_code;
  // DeviceInfo of ctxParams1: the TAC (4 bytes) the LPA reports.
  Bytes tac = {0x35, 0x29, 0x06, 0x11};
};

enum class Step : std::uint8_t {
  kInfo1,
  kChallenge,
  kInitiateAuthentication,
  kAuthenticateServer,
  kAuthenticateClient,
  kPrepareDownload,
  kGetBoundProfilePackage,
  kLoadBoundProfilePackage,
};
const char* step_name(Step);

struct DownloadResult {
  bool installed = false;
  Bytes transaction_id;
  Bytes profile_installation_result;  // BF37 as the card answered
  Bytes isdp_aid;                     // on success
  std::string iccid;                  // of the notificationMetadata, as digits
  std::optional<int> bpp_command_id;  // on failure
  std::optional<int> error_reason;    // on failure
  std::size_t segments = 0;           // ES10b calls of the package
};

// Progress callback: called as each step starts, and per BPP piece with (sent, total).
struct Progress {
  std::function<void(Step)> step;
  std::function<void(std::size_t sent, std::size_t total)> segment;
};

// The whole download. Throws DownloadError when the card or the server refuses a step
// before the package (after trying ES9+ cancelSession where a session exists); a package the
// card refuses is a DownloadResult with installed = false (its BF37 says why).
DownloadResult download(const Es10& card, smdp::Es9Plus& server, const DownloadRequest& request,
                        const Progress& progress = {});

// What became of one pending notification.
struct NotificationOutcome {
  std::int64_t seq_number = 0;
  std::string address;  // notificationAddress
  std::string event;    // "install", "enable", "disable", "delete"
  bool delivered = false;
  std::string error;  // why not ("" when skipped or delivered)
};
// The server a notification address names, or nullptr to leave that notification alone.
using ServerFor = std::function<smdp::Es9Plus*(const std::string& address)>;

// Delivers every pending notification (ListNotification, RetrieveNotificationsList by
// seqNumber, ES9+ handleNotification, RemoveNotificationFromList, in the card's order) to
// the server `server_for` gives for its address. A notification the server could not take
// (unreachable, refused) stays on the card, and the others are still tried; a card that
// answers wrongly ends the run with DownloadError.
std::vector<NotificationOutcome> process_notifications(const Es10& card,
                                                       const ServerFor& server_for);

// The same for one server: the notifications whose address is `address` (empty: any).
// Returns how many were delivered; DownloadError for the first that was not.
std::size_t process_notifications(const Es10& card, smdp::Es9Plus& server,
                                  const std::string& address = {});

}  // namespace euiccsim::lpa
