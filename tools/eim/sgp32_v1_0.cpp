// SGP.32 v1.0's ESipa shapes, read under the named switch --accept-sgp32-v1.0 (docs/eim.md
// "SGP.32 v1.0 peers"). onomondo-ipa implements v1.0 (its README says so; laf0rge/onomondo-ipa
// 47da8835, asn1/SGP32Definitions.asn), where the ESipa messages differ from v1.2 in:
//
//   ProvideEimPackageResult  v1.0: [80] CHOICE, so 'BF50 { result }' with no eidValue, and
//                              ePRAndNotifications '30 { BF51, BF2B { A0 { notifications } } }'
//                              (a whole RetrieveNotificationsListResponse), eimPackageError a bare
//                              INTEGER '02'.
//                            v1.2: 'BF50 { 5A opt, result }', '30 { BF51, A0 { notifications } }',
//                              'A0 { 80 txid opt, 02 code }'.
//   IpaEuiccDataResponse     v1.0: error '81' (a bare INTEGER under automatic tagging); in the
//   data,
//                              defaultSmdpAddress '80' and notificationsList 'BF2B { A0 {...} }'.
//                            v1.2: error 'A1 { 80 opt, 02 }'; '81' and 'A0 { ... }'.
//   ProfileDownloadTriggerResult's error  v1.0: '30 { 04 errorResponse opt }';
//                            v1.2: '30 { 80 reason, 04 opt }' (reason mandatory).
//   HandleNotification       v1.0: CHOICE of two untagged alternatives, so automatic tags:
//                              'BF3D { A0 { notification } }' (as v1.2) or
//                              'BF3D { A1 { the BF50 CHOICE's content } }' (v1.2: 'BF3D { BF50 ...
//                              }').
//   ProvideEimPackageResultResponse  v1.0: SEQUENCE { BF53 opt }; v1.2: CHOICE { BF53 / 30 00 / 02
//   }.
//
// Each rewrite applies only to a shape v1.2 does not allow, so a v1.2 request passes unchanged.
#include "eim/esipa.hpp"

namespace euiccsim::eim::esipa {

namespace {

Bytes join(const std::vector<Bytes>& parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// RetrieveNotificationsListResponse's content as v1.2's list: 'A0 { ... }' for its
// notificationList, an empty list for its error (nothing to deliver).
Bytes notification_list_of(const tlv::Tlv& bf2b) {
  auto inner = tlv::read(bf2b.value);
  if (inner && inner->tag == 0xA0) return bytes_of(inner->bytes());
  return Bytes{0xA0, 0x00};
}

Bytes ipa_euicc_data_v1_2(const tlv::Tlv& bf52) {
  auto alt = tlv::read(bf52.value);
  if (!alt) return bytes_of(bf52.bytes());
  if (alt->tag == 0x81) {  // v1.0 ipaEuiccDataError INTEGER
    return tlv::encode(0xBF52, tlv::encode(0xA1, tlv::encode(0x02, alt->value)));
  }
  if (alt->tag != 0xA0) return bytes_of(bf52.bytes());
  std::vector<Bytes> members;
  bool changed = false;
  for (const auto& m : children(alt->value)) {
    if (m.tag == 0x80) {  // v1.0 defaultSmdpAddress [0]
      members.push_back(tlv::encode(0x81, m.value));
      changed = true;
    } else if (m.tag == 0xBF2B) {  // v1.0 notificationsList [43]
      members.push_back(notification_list_of(m));
      changed = true;
    } else {
      members.push_back(bytes_of(m.bytes()));
    }
  }
  if (!changed) return bytes_of(bf52.bytes());
  return tlv::encode(0xBF52, tlv::encode(0xA0, join(members)));
}

Bytes download_result_v1_2(const tlv::Tlv& bf54) {
  std::vector<Bytes> members;
  bool changed = false;
  for (const auto& m : children(bf54.value)) {
    if (m.tag == 0x30 && !child(m.value, 0x80)) {
      // v1.0 profileDownloadError has no reason: undefinedError(127) says as much.
      members.push_back(tlv::encode(0x30, join({Bytes{0x80, 0x01, 0x7F}, bytes_of(m.value)})));
      changed = true;
    } else {
      members.push_back(bytes_of(m.bytes()));
    }
  }
  return changed ? tlv::encode(0xBF54, join(members)) : bytes_of(bf54.bytes());
}

// One EimPackageResult alternative in v1.2 form.
Bytes result_v1_2(const tlv::Tlv& r) {
  switch (r.tag) {
    case 0x02:  // v1.0 eimPackageError INTEGER
      return tlv::encode(0xA0, bytes_of(r.bytes()));
    case 0x30: {
      auto parts = children(r.value);
      if (parts.size() == 2 && parts[0].tag == 0xBF51 && parts[1].tag == 0xBF2B)
        return tlv::encode(0x30,
                           join({bytes_of(parts[0].bytes()), notification_list_of(parts[1])}));
      return bytes_of(r.bytes());
    }
    case 0xBF52:
      return ipa_euicc_data_v1_2(r);
    case 0xBF54:
      return download_result_v1_2(r);
    default:
      return bytes_of(r.bytes());
  }
}

}  // namespace

Bytes v1_0_provide_eim_package_result(ByteView bf50) {
  auto top = tlv::read(bf50);
  if (!top || top->tag != 0xBF50) return bytes_of(bf50);
  std::vector<Bytes> members;
  for (const auto& m : children(top->value))
    members.push_back(m.tag == 0x5A ? bytes_of(m.bytes()) : result_v1_2(m));
  return tlv::encode(0xBF50, join(members));
}

Bytes v1_0_handle_notification(ByteView bf3d) {
  auto top = tlv::read(bf3d);
  if (!top || top->tag != 0xBF3D) return bytes_of(bf3d);
  auto alt = tlv::read(top->value);
  if (!alt || alt->tag != 0xA1 || alt->size != top->value.size()) return bytes_of(bf3d);
  // v1.0 provideEimPackageResult under automatic tag [1]: the BF50 CHOICE's content.
  return tlv::encode(0xBF3D, v1_0_provide_eim_package_result(tlv::encode(0xBF50, alt->value)));
}

}  // namespace euiccsim::eim::esipa
