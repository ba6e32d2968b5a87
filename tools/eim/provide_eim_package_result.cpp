// ESipa.ProvideEimPackageResult (SGP.32 v1.2 §3.1.1.1, §3.3.1 steps 10-14; messages §6.3):
// BF50 { 5A eid opt, eimPackageResult } answered BF50 { BF53 eimAcknowledgements } with the
// sequence numbers of every signed result and notification received (the IPA then removes
// them from the card), BF50 { 30 00 } when there is nothing to acknowledge, or
// provideEimPackageResultError.
//
// Order of checks; the first that applies gives the answer:
//   1. (under --accept-sgp32-v1.0, v1.0 shapes are first rewritten to v1.2, sgp32_v1_0.cpp)
//   2. an eidValue that is not 16 bytes of an EID with valid check digits: invalidEid(3);
//   3. anything else that is not one ProvideEimPackageResult: undefinedError(127);
//   4. no eidValue: the EID is that of the queued item the result's eimTransactionId names,
//      else the one the same HTTP connection polled with; neither: missingEid(4);
//   5. an EID the eIM does not know: eidNotFound(2).
// Then by the result's alternative: EuiccPackageResult 'BF51'; ePRAndNotifications '30' (the
// result, then each notification); IpaEuiccDataResponse 'BF52'; ProfileDownloadTriggerResult
// 'BF54'; eimPackageResultResponseError 'A0' (results.cpp records and verifies each).
//
// The same content inside HandleNotification (BF3D { BF50 }) is taken the same way, with no
// answer (HandleNotification has none).
#include <ProvideEimPackageResult.h>
#include <ProvideEimPackageResultResponse.h>

#include <algorithm>

#include "asn1_names.hpp"
#include "eim/esipa.hpp"
#include "euiccsim/applets/rsp_asn1.hpp"

namespace euiccsim::eim::esipa {

namespace {

EsipaAnswer error_answer(EsipaAnswer a, long code, bool via_notification, const std::string& why) {
  a.outcome = asn1::named("ProvideEimPackageResultResponse__provideEimPackageResultError", code) +
              (why.empty() ? "" : ": " + why);
  if (!via_notification) a.body = tlv::encode(0xBF50, tlv::encode(0x02, tlv::der_integer(code)));
  return a;
}

// The eimTransactionId a result carries, wherever its alternative keeps it.
Bytes transaction_id_of(const tlv::Tlv& result) {
  auto at = [](ByteView v, std::uint32_t tag) {
    auto t = child(v, tag);
    return t ? bytes_of(t->value) : Bytes{};
  };
  switch (result.tag) {
    case 0xBF51:
    case 0x30: {
      ByteView bf51 = result.value;
      if (result.tag == 0x30) {
        auto r = child(result.value, 0xBF51);
        if (!r) return {};
        bf51 = r->value;
      }
      auto alt = tlv::read(bf51);  // A0 / A1 { 30 data, 5F37 } or A2 { ... }
      if (!alt) return {};
      if (alt->tag == 0xA2) return at(alt->value, 0x82);
      auto data = child(alt->value, 0x30);
      return data ? at(data->value, 0x82) : Bytes{};
    }
    case 0xBF52: {
      auto alt = tlv::read(result.value);
      if (!alt) return {};
      return at(alt->value, alt->tag == 0xA0 ? 0x87 : 0x80);
    }
    case 0xBF54:
      return at(result.value, 0x82);
    case 0xA0:
      return at(result.value, 0x80);
    default:
      return {};
  }
}

}  // namespace

EsipaAnswer provide_eim_package_result(Eim& eim, ByteView der, const std::string& connection,
                                       bool via_notification) {
  EsipaAnswer a;
  a.function = via_notification ? "HandleNotification" : "ProvideEimPackageResult";
  Store& store = eim.store();

  // 1
  Bytes request = eim.config().accept_v1_0 ? v1_0_provide_eim_package_result(der) : bytes_of(der);
  const bool was_v1_0 = request != bytes_of(der);
  // 2
  auto top = tlv::read(request);
  auto members = children(top->value);
  std::string eid;
  if (auto e = tlv::find(members, 0x5A)) {
    eid = eid_digits(e->value);
    if (eid.empty()) return error_answer(a, 3, via_notification, "not an EID: " + to_hex(e->value));
  }
  a.eid = eid;
  // 3
  if (!valid(asn_DEF_ProvideEimPackageResult, request))
    return error_answer(a, 127, via_notification, "not a ProvideEimPackageResult");
  auto result =
      std::find_if(members.begin(), members.end(), [](const tlv::Tlv& t) { return t.tag != 0x5A; });
  // 4
  if (eid.empty()) {
    const Bytes txid = transaction_id_of(*result);
    if (!txid.empty()) {
      if (auto item = store.item_by_transaction(txid)) eid = item->eid;
    }
    if (eid.empty()) eid = eim.eid_of_connection(connection);
    if (eid.empty())
      return error_answer(
          a, 4, via_notification,
          "no eidValue, no known eimTransactionId, no earlier poll on the connection");
    a.eid = eid;
  }
  // 5
  if (!store.card(eid)) return error_answer(a, 2, via_notification, "");

  Taken taken;
  auto add = [&](const Taken& t) {
    taken.acknowledge.insert(taken.acknowledge.end(), t.acknowledge.begin(), t.acknowledge.end());
    taken.summary += (taken.summary.empty() ? "" : "; ") + t.summary;
  };
  switch (result->tag) {
    case 0xBF51:
      add(take_euicc_package_result(eim, eid, result->bytes()));
      break;
    case 0x30: {
      auto parts = children(result->value);
      add(take_euicc_package_result(eim, eid, parts.at(0).bytes()));
      // v1.0 IPAs remove the result themselves and only the notifications acknowledged.
      if (was_v1_0) taken.acknowledge.clear();
      for (const auto& n : children(parts.at(1).value)) add(take_notification(eim, eid, n.bytes()));
      break;
    }
    case 0xBF52:
      add(take_ipa_euicc_data(eim, eid, result->bytes()));
      break;
    case 0xBF54:
      add(take_download_result(eim, eid, result->bytes()));
      break;
    case 0xA0:
      add(take_result_error(eim, eid, result->bytes()));
      break;
  }
  a.outcome = (was_v1_0 ? "(v1.0) " : "") + taken.summary;

  // Each sequence number once, in the order received.
  std::vector<std::int64_t> acks;
  for (auto s : taken.acknowledge) {
    if (std::find(acks.begin(), acks.end(), s) == acks.end()) acks.push_back(s);
  }
  if (via_notification) return a;
  if (acks.empty()) {
    // v1.2: emptyResponse '30 00'. A v1.0 IPA reads 'BF50 { SEQUENCE { BF53 opt } }': under
    // the v1.0 switch an empty acknowledgement list answers, which is valid in both.
    a.body = eim.config().accept_v1_0 ? Bytes{0xBF, 0x50, 0x03, 0xBF, 0x53, 0x00}
                                      : Bytes{0xBF, 0x50, 0x02, 0x30, 0x00};
  } else {
    Bytes list;
    for (auto s : acks) tlv::append(list, 0x80, tlv::der_integer(s));
    a.body = tlv::encode(0xBF50, tlv::encode(0xBF53, list));
    a.outcome += " -> acknowledged " + std::to_string(acks.size());
  }
  return a;
}

}  // namespace euiccsim::eim::esipa
