// ESipa.HandleNotification (SGP.32 v1.2 §3.6 notification delivery, §3.2.3.2 step "install
// notification" of an indirect download; messages §6.3): BF3D { A0 { PendingNotification } }
// or BF3D { BF50 ProvideEimPackageResult }. No response is defined for it: HTTP answers 200
// with an empty body whatever the eIM made of the content (as onomondo-eim and osmocom's
// eIM tests do), and the log line says what that was.
//
// Order of checks:
//   1. (under --accept-sgp32-v1.0, v1.0's 'BF3D { A1 {...} }' is first rewritten, sgp32_v1_0.cpp)
//   2. not one HandleNotificationEsipa: HTTP 400 (there is no ESipa error to answer with);
//   3. the BF50 shape: as ProvideEimPackageResult (provide_eim_package_result.cpp), unanswered;
//   4. a pendingNotification: its EID is the card the eIM can tell: a compact notification's
//      own eidValue, the serialNumber of an OtherSignedNotification's eUICC certificate, the
//      EID of the download whose transactionId a ProfileInstallationResult carries, or the
//      card that last polled on this connection. The notification is recorded
//      (under "" when no card can be told), verified with that card's certificate, and relayed
//      to its SM-DP+ when signed and the eIM can reach it;
//   5. a ProfileInstallationResult (full or compact) of a download the eIM relayed ends it:
//      the download is installed or failed, and its queued trigger done or failed (unless the
//      notification is forged).
#include <HandleNotificationEsipa.h>

#include "eim/esipa.hpp"
#include "euiccsim/applets/eid.hpp"
#include "euiccsim/crypto/certificate.hpp"

namespace euiccsim::eim::esipa {

EsipaAnswer handle_notification(Eim& eim, ByteView der, const std::string& connection) {
  EsipaAnswer a;
  a.function = "HandleNotification";
  // 1
  const Bytes request = eim.config().accept_v1_0 ? v1_0_handle_notification(der) : bytes_of(der);
  // 2
  if (!valid(asn_DEF_HandleNotificationEsipa, request)) {
    a.http_status = 400;
    a.outcome = "not a HandleNotificationEsipa";
    return a;
  }
  auto top = tlv::read(request);
  auto alt = tlv::read(top->value);
  // 3
  if (alt->tag == 0xBF50) return provide_eim_package_result(eim, alt->bytes(), connection, true);
  // 4
  auto notification = tlv::read(alt->value);
  std::string eid;
  if (notification->tag == 0xA1) {
    if (auto e = child(notification->value, 0x5A)) eid = eid_digits(e->value);
  }
  if (eid.empty() && (notification->tag == 0xBF37 || notification->tag == 0xA0)) {
    auto data = child(notification->value, notification->tag == 0xBF37 ? 0xBF27 : 0xA0);
    auto tx = data ? child(data->value, 0x80) : std::nullopt;
    if (tx) {
      if (auto d = eim.store().download_by_transaction(bytes_of(tx->value))) eid = d->eid;
    }
  }
  if (eid.empty() && notification->tag == 0x30) {
    // OtherSignedNotification carries the eUICC certificate: its serialNumber is the EID.
    auto parts = children(notification->value);
    if (parts.size() >= 3) {
      try {
        const std::string serial = crypto::subject_serial_number(parts[2].bytes());
        if (Eid::parse(serial)) eid = serial;
      } catch (const std::exception&) {
      }
    }
  }
  if (eid.empty()) eid = eim.eid_of_connection(connection);
  a.eid = eid;
  auto taken = take_notification(eim, eid, notification->bytes());
  a.outcome = taken.summary;
  if (notification->tag == 0xBF37 || notification->tag == 0xA0) {
    // The install notification of an indirect download: the session is over, and so is the
    // trigger that started it. SGP.32 §3.2.3.2 (and osmocom's TC_proc_indirect_prfle_dwnld)
    // end an indirect download with this HandleNotification; no ProfileDownloadTriggerResult
    // follows, so the queued item is finished here, or it would be handed out again.
    auto data = child(notification->value, notification->tag == 0xBF37 ? 0xBF27 : 0xA0);
    auto tx = data ? child(data->value, 0x80) : std::nullopt;
    auto final_result = data ? child(data->value, 0xA2) : std::nullopt;
    const bool installed = final_result && child(final_result->value, 0xA0).has_value();
    if (tx) {
      Store& store = eim.store();
      if (auto d = store.download_by_transaction(bytes_of(tx->value))) {
        // Worded as a ProfileDownloadTriggerResult's (results.cpp), which may follow.
        std::string outcome = "profileInstallationResult: ";
        if (installed) {
          outcome += "installed " + taken.iccid;
        } else {
          auto err = final_result ? child(final_result->value, 0xA1) : std::nullopt;
          auto cmd = err ? child(err->value, 0x80) : std::nullopt;
          auto reason = err ? child(err->value, 0x81) : std::nullopt;
          outcome += "error, bppCommandId " +
                     std::to_string(cmd ? small_integer(cmd->value).value_or(-1) : -1) +
                     ", errorReason " +
                     std::to_string(reason ? small_integer(reason->value).value_or(-1) : -1);
        }
        outcome += " [" + taken.verdict + "]";
        // A forged or malformed notification changes no state.
        const bool trusted = taken.verdict != "forged" && taken.verdict != "malformed";
        store.transaction([&] {
          if (trusted && d->state != "installed" && d->state != "failed")
            store.update_download(d->id, installed ? "installed" : "failed", outcome, eim.now(),
                                  eid);
          auto item = d->queue_id && trusted ? store.item(*d->queue_id) : std::nullopt;
          if (item && item->state == ItemState::kSent)
            store.finish(item->id, installed ? ItemState::kDone : ItemState::kFailed, outcome,
                         eim.now());
        });
      }
    }
  }
  return a;
}

}  // namespace euiccsim::eim::esipa
