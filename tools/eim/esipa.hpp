// Internal to the eIM: the ESipa functions (one file each) and what they share. Not for
// callers outside tools/eim/; they use Eim::handle.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "eim/eim.hpp"
#include "euiccsim/crypto/tlv.hpp"
#include "euiccsim/profiles/asn1.hpp"

namespace euiccsim::eim::esipa {

// ---- the functions (each in its own file) ----
// `der`: the whole request as received (its top-level tag tells which function).
EsipaAnswer get_eim_package(Eim& eim, ByteView der, const std::string& connection);
// `via_notification`: it arrived inside HandleNotification (BF3D { BF50 }), which has no
// response: the answer's body is then empty whatever happened.
EsipaAnswer provide_eim_package_result(Eim& eim, ByteView der, const std::string& connection,
                                       bool via_notification);
EsipaAnswer handle_notification(Eim& eim, ByteView der, const std::string& connection);
EsipaAnswer initiate_authentication(Eim& eim, ByteView der, const std::string& connection);
EsipaAnswer authenticate_client(Eim& eim, ByteView der, const std::string& connection);
EsipaAnswer get_bound_profile_package(Eim& eim, ByteView der, const std::string& connection);
EsipaAnswer cancel_session(Eim& eim, ByteView der, const std::string& connection);

// ---- shared by them (results.cpp) ----

// What one received item contributed: the sequence numbers to acknowledge and a phrase for
// the log line.
struct Taken {
  std::vector<std::int64_t> acknowledge;
  std::string summary;
  // take_notification: the notification's verdict (verified, forged, ...) and ICCID.
  std::string verdict;
  std::string iccid;
};

// An EuiccPackageResult (BF51, as received): matched to its queued item by (EID,
// eimTransactionId), else by (EID, eimId, counterValue); verified with the card's
// certificate and the association token; recorded once per bytes; the item's state and the
// association (counter, token, deleted) follow a result that is not forged.
Taken take_euicc_package_result(Eim& eim, const std::string& eid, ByteView der);
// A PendingNotification (BF37, 30, or the compact A0/A1), verified and recorded once; an
// install notification is relayed to its SM-DP+ over ES9+ when the eIM can reach it.
Taken take_notification(Eim& eim, const std::string& eid, ByteView der);
// IpaEuiccDataResponse (BF52): what the card told about itself, its notifications and stored
// package results, or its error.
Taken take_ipa_euicc_data(Eim& eim, const std::string& eid, ByteView der);
// ProfileDownloadTriggerResult (BF54).
Taken take_download_result(Eim& eim, const std::string& eid, ByteView der);
// eimPackageResultResponseError (A0 { 80 txid, 02 code }): the IPA could not run a package.
Taken take_result_error(Eim& eim, const std::string& eid, ByteView der);

// The signed EuiccPackageRequest of a queued euiccPackage item (its JSON spec), for the EID,
// eIM, counter and transaction id given (get_eim_package.cpp). PackageError or
// std::invalid_argument when it cannot be built.
Bytes build_euicc_package(const json::Value& spec, const std::string& eid,
                          const std::string& eim_id, std::int64_t counter,
                          const Bytes& transaction_id, const crypto::PrivateKey& key,
                          std::optional<std::int64_t> token);

// SGP.32 v1.0 shapes rewritten to v1.2 (sgp32_v1_0.cpp, under --accept-sgp32-v1.0); a request
// with nothing v1.0-only in it comes back unchanged.
Bytes v1_0_provide_eim_package_result(ByteView bf50);
Bytes v1_0_handle_notification(ByteView bf3d);

// After a certificate became known: verify what was recorded as unverified.
void reverify(Eim& eim, const std::string& eid);

// ---- small helpers ----

// The EID as 32 digits, from its 16 BCD bytes; "" when they are not an EID.
std::string eid_digits(ByteView bcd);
// The children of a constructed TLV's value; empty when malformed.
std::vector<tlv::Tlv> children(ByteView value);
std::optional<tlv::Tlv> child(ByteView value, std::uint32_t tag);
// A non-negative INTEGER's content as a number (seqNumber, codes); nothing when it is not one.
std::optional<std::int64_t> small_integer(ByteView content);
Bytes bytes_of(ByteView v);
// The TLV `t` with its tag replaced (implicit tags of certificates: A6 -> 30).
Bytes retag(const tlv::Tlv& t, std::uint32_t tag);
// `der` is exactly one valid value of the SGP.32/SGP.22 type; used to check what the eIM
// sends (a bug, never the peer's fault) and, on requests, to refuse malformed ones.
bool valid(const asn1::Type& type, ByteView der);

}  // namespace euiccsim::eim::esipa
