// The ES10 functions by name, shared by `euicc-sim es10` and the scenario runner: each one's
// SGP.22/SGP.32 name, request tag, how its request is built from words, the ASN.1 type of its
// answer and where that answer carries its result code.
//
// The request is built here from the function's fields with plain TLV code, and the answer is
// decoded with the card's own ASN.1 module: a client whose encoder shares nothing with the
// card's decoder, so a tag mistake on either side shows.
#include "es10_functions.hpp"

#include <algorithm>
#include <cstdlib>

#include "common.hpp"
#include "euiccsim/crypto/tlv.hpp"
#include "euiccsim/profiles/asn1.hpp"
#include "euiccsim/profiles/asn1_fields.hpp"

#include <AddInitialEimResponse.h>
#include <CancelSessionResponse.h>
#include <ConfigureImmediateProfileEnablingResponse.h>
#include <DeleteProfileResponse.h>
#include <DisableEmergencyProfileResponse.h>
#include <DisableProfileResponse.h>
#include <EUICCInfo1.h>
#include <EUICCInfo2.h>
#include <EnableEmergencyProfileResponse.h>
#include <EnableProfileResponse.h>
#include <EuiccConfiguredAddressesResponse.h>
#include <EuiccMemoryResetResponse.h>
#include <EuiccPackageResult.h>
#include <ExecuteFallbackMechanismResponse.h>
#include <GetCertsResponse.h>
#include <GetConnectivityParametersResponse.h>
#include <GetEimConfigurationDataResponse.h>
#include <GetEuiccChallengeResponse.h>
#include <GetEuiccDataResponse.h>
#include <GetRatResponse.h>
#include <ImmediateEnableResponse.h>
#include <IotEUICCInfo2.h>
#include <IotEuiccMemoryResetResponse.h>
#include <IotProfileInfoListResponse.h>
#include <IotRetrieveNotificationsListResponse.h>
#include <IotSetDefaultDpAddressResponse.h>
#include <IpaeActivationResponse.h>
#include <ListNotificationResponse.h>
#include <NotificationSentResponse.h>
#include <ProfileInfoListResponse.h>
#include <ProfileRollbackResponse.h>
#include <RetrieveNotificationsListResponse.h>
#include <ReturnFromFallbackResponse.h>
#include <SetDefaultDpAddressResponse.h>
#include <SetNicknameResponse.h>

namespace euiccsim::tools {

const std::vector<Es10Function>& es10_functions() {
  static const std::vector<Es10Function> all{
      {"eid", "GetEID", 0xBF3E, "eid", "GetEID (BF3E)", &asn_DEF_GetEuiccDataResponse, {}},
      {"info1", "GetEUICCInfo1", 0xBF20, "info1", "GetEUICCInfo1 (BF20)", &asn_DEF_EUICCInfo1, {}},
      {"info2", "GetEUICCInfo2", 0xBF22, "info2", "GetEUICCInfo2 (BF22)", &asn_DEF_EUICCInfo2, {}},
      {"addresses",
       "GetEuiccConfiguredAddresses",
       0xBF3C,
       "addresses",
       "GetEuiccConfiguredAddresses (BF3C)",
       &asn_DEF_EuiccConfiguredAddressesResponse,
       {}},
      {"set-default-dp",
       "SetDefaultDpAddress",
       0xBF3F,
       "set-default-dp FQDN",
       "SetDefaultDpAddress (BF3F); '' clears it",
       &asn_DEF_SetDefaultDpAddressResponse,
       {"/setDefaultDpAddressResult"}},
      {"challenge",
       "GetEUICCChallenge",
       0xBF2E,
       "challenge",
       "GetEUICCChallenge (BF2E)",
       &asn_DEF_GetEuiccChallengeResponse,
       {}},
      {"profiles",
       "GetProfilesInfo",
       0xBF2D,
       "profiles [iccid=D|aid=HEX|class=N] [tags=HEX]",
       "GetProfilesInfo (BF2D) with optional search criterion and tag list",
       &asn_DEF_ProfileInfoListResponse,
       {"/profileInfoListError"}},
      {"enable",
       "EnableProfile",
       0xBF31,
       "enable ICCID|AID [refresh]",
       "EnableProfile (BF31); refreshFlag with 'refresh'",
       &asn_DEF_EnableProfileResponse,
       {"/enableResult"}},
      {"disable",
       "DisableProfile",
       0xBF32,
       "disable ICCID|AID [refresh]",
       "DisableProfile (BF32)",
       &asn_DEF_DisableProfileResponse,
       {"/disableResult"}},
      {"delete",
       "DeleteProfile",
       0xBF33,
       "delete ICCID|AID",
       "DeleteProfile (BF33)",
       &asn_DEF_DeleteProfileResponse,
       {"/deleteResult"}},
      {"nickname",
       "SetNickname",
       0xBF29,
       "nickname ICCID TEXT",
       "SetNickname (BF29)",
       &asn_DEF_SetNicknameResponse,
       {"/setNicknameResult"}},
      {"notifications",
       "ListNotification",
       0xBF28,
       "notifications [install|enable|disable|delete]",
       "ListNotification (BF28)",
       &asn_DEF_ListNotificationResponse,
       {"/listNotificationsResultError"}},
      {"retrieve",
       "RetrieveNotificationsList",
       0xBF2B,
       "retrieve [SEQ|install|enable|disable|delete]",
       "RetrieveNotificationsList (BF2B)",
       &asn_DEF_RetrieveNotificationsListResponse,
       {"/notificationsListResultError"}},
      {"remove",
       "RemoveNotificationFromList",
       0xBF30,
       "remove SEQ",
       "RemoveNotificationFromList (BF30)",
       &asn_DEF_NotificationSentResponse,
       {"/deleteNotificationStatus"}},
      {"reset",
       "eUICCMemoryReset",
       0xBF34,
       "reset [operational] [test] [default-dp]",
       "eUICCMemoryReset (BF34) with the given resetOptions",
       &asn_DEF_EuiccMemoryResetResponse,
       {"/resetResult"}},
      {"rat", "GetRAT", 0xBF43, "rat", "GetRAT (BF43)", &asn_DEF_GetRatResponse, {}},
      {"cancel-session",
       "CancelSession",
       0xBF41,
       "cancel-session TRANSACTION_ID_HEX REASON",
       "CancelSession (BF41)",
       &asn_DEF_CancelSessionResponse,
       {"/cancelSessionResponseError"}},
      {"eim-config",
       "GetEimConfigurationData",
       0xBF55,
       "eim-config [EIM_ID]",
       "GetEimConfigurationData (BF55; SGP.32 iot cards): every eIM, or the one named",
       &asn_DEF_GetEimConfigurationDataResponse,
       {}},
      {"certs",
       "GetCerts",
       0xBF56,
       "certs [CI_PKID_HEX]",
       "GetCerts (BF56; SGP.32 iot cards): EUM and eUICC certificates",
       &asn_DEF_GetCertsResponse,
       {"/getCertsError"}},
      {"rollback",
       "ProfileRollback",
       0xBF58,
       "rollback [refresh]",
       "ProfileRollback (BF58; iot)",
       &asn_DEF_ProfileRollbackResponse,
       {"/cmdResult"}},
      {"configure-immediate-enable",
       "ConfigureImmediateProfileEnabling",
       0xBF59,
       "configure-immediate-enable [flag] [smdp-oid=OID] [smdp-address=FQDN]",
       "ConfigureImmediateProfileEnabling (BF59; iot)",
       &asn_DEF_ConfigureImmediateProfileEnablingResponse,
       {"/configImmediateEnableResult"}},
      {"immediate-enable",
       "ImmediateEnable",
       0xBF5A,
       "immediate-enable [refresh]",
       "ImmediateEnable (BF5A; iot)",
       &asn_DEF_ImmediateEnableResponse,
       {"/immediateEnableResult"}},
      {"emergency-enable",
       "EnableEmergencyProfile",
       0xBF5B,
       "emergency-enable [refresh]",
       "EnableEmergencyProfile (BF5B; iot)",
       &asn_DEF_EnableEmergencyProfileResponse,
       {"/enableEmergencyProfileResult"}},
      {"emergency-disable",
       "DisableEmergencyProfile",
       0xBF5C,
       "emergency-disable [refresh]",
       "DisableEmergencyProfile (BF5C; iot)",
       &asn_DEF_DisableEmergencyProfileResponse,
       {"/disableEmergencyProfileResult"}},
      {"fallback",
       "ExecuteFallbackMechanism",
       0xBF5D,
       "fallback [refresh]",
       "ExecuteFallbackMechanism (BF5D; iot)",
       &asn_DEF_ExecuteFallbackMechanismResponse,
       {"/executeFallbackMechanismResult"}},
      {"fallback-return",
       "ReturnFromFallback",
       0xBF5E,
       "fallback-return [refresh]",
       "ReturnFromFallback (BF5E; iot)",
       &asn_DEF_ReturnFromFallbackResponse,
       {"/returnFromFallbackResult"}},
      {"connectivity",
       "GetConnectivityParameters",
       0xBF5F,
       "connectivity",
       "GetConnectivityParameters (BF5F; iot)",
       &asn_DEF_GetConnectivityParametersResponse,
       {"/connectivityParametersError"}},
      {"iot-reset",
       "IotEuiccMemoryReset",
       0xBF64,
       "iot-reset OPTION...",
       "eUICCMemoryReset, SGP.32 form (BF64; iot): operational test default-dp preloaded-test "
       "provisioning eims immediate-enable",
       &asn_DEF_IotEuiccMemoryResetResponse,
       {"/resetResult"}},
      {"iot-set-default-dp",
       "IotSetDefaultDpAddress",
       0xBF65,
       "iot-set-default-dp FQDN",
       "SetDefaultDpAddress, SGP.32 form (BF65; iot)",
       &asn_DEF_IotSetDefaultDpAddressResponse,
       {"/setDefaultDpAddressResult"}},
      {"ipae-activation",
       "IpaeActivation",
       0xBF42,
       "ipae-activation on|off",
       "IpaeActivation (BF42; iot)",
       &asn_DEF_IpaeActivationResponse,
       {"/ipaeActivationResult"}},
      {"add-initial-eim",
       "AddInitialEim",
       0xBF57,
       "add-initial-eim CONFIG_HEX...",
       "AddInitialEim (BF57; iot): each argument a DER EimConfigurationData",
       &asn_DEF_AddInitialEimResponse,
       {"/addInitialEimError"}},
      {"load-package",
       "LoadEuiccPackage",
       0xBF51,
       "load-package PACKAGE_HEX",
       "LoadEuiccPackage (BF51; iot): a signed EuiccPackageRequest, e.g. from `eim package --hex`",
       &asn_DEF_EuiccPackageResult,
       {}},
      {"raw", "", 0x0, "raw HEX", "any DER request; the answer is printed as hex", nullptr, {}},
  };
  return all;
}

namespace {

// The content octets of a dotted OBJECT IDENTIFIER, through the ASN.1 runtime's own encoder.
Bytes oid_content(const std::string& dotted) {
  OBJECT_IDENTIFIER_t oid{};
  try {
    asn1::set_oid(oid, dotted);
  } catch (const std::exception&) {
    throw UsageError("'" + dotted + "' is not a dotted OID");
  }
  Bytes out(oid.buf, oid.buf + oid.size);
  std::free(oid.buf);
  return out;
}

ByteView text(const std::string& s) {
  return ByteView(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

std::uint64_t number(const std::string& s, const char* what) {
  if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos)
    throw UsageError(std::string(what) + ": '" + s + "' is not a number");
  // ES10 integers are signed 64-bit at most (asn1c's long); larger ones cannot be sent.
  if (s.size() > 18) throw UsageError(std::string(what) + ": '" + s + "' is too large");
  return std::stoull(s);
}

// A profile identifier: 18-20 digits are an ICCID (5A, nibble-swapped), hex of 10+ bytes an AID.
Bytes profile_identifier(const std::string& id) {
  if (id.size() <= 20 && id.find_first_not_of("0123456789") == std::string::npos) {
    auto iccid = Iccid::parse(id);
    if (!iccid) throw UsageError("'" + id + "': " + Iccid::why_invalid(id));
    return tlv::encode(0x5A, iccid->swapped_bcd());
  }
  try {
    auto aid = from_hex(id);
    if (aid.size() < 5 || aid.size() > 16)
      throw UsageError("'" + id + "': an AID has 5 to 16 bytes");
    return tlv::encode(0x4F, aid);
  } catch (const HexError&) {
    throw UsageError("'" + id + "' is neither an ICCID nor an ISD-P AID");
  }
}

// NotificationEvent with one bit: '07 80' install ... '04 10' delete.
Bytes event_bits(const std::string& name) {
  static const std::vector<std::string> names{"install", "enable", "disable", "delete"};
  auto it = std::find(names.begin(), names.end(), name);
  if (it == names.end()) throw UsageError("event: one of install, enable, disable, delete");
  auto n = static_cast<unsigned>(it - names.begin());
  return Bytes{static_cast<std::uint8_t>(7 - n), static_cast<std::uint8_t>(0x80 >> n)};
}

// The search criterion goes before the tag list, whichever order the user gave.
Bytes prepend(Bytes head, const Bytes& tail) {
  head.insert(head.end(), tail.begin(), tail.end());
  return head;
}

Bytes hex_argument(const std::string& fn, const std::string& value) {
  try {
    return from_hex(value);
  } catch (const HexError& e) {
    throw UsageError(fn + ": " + e.what());
  }
}

}  // namespace

Bytes build_es10_request(const std::string& fn, const std::vector<std::string>& a) {
  auto need = [&](std::size_t min, std::size_t max) {
    if (a.size() < min || a.size() > max) {
      for (const auto& f : es10_functions()) {
        if (fn == f.name) throw UsageError(std::string("usage: es10 ") + f.usage);
      }
    }
  };
  if (fn == "eid") return need(0, 0), from_hex("BF3E035C015A");
  if (fn == "info1") return need(0, 0), from_hex("BF2000");
  if (fn == "info2") return need(0, 0), from_hex("BF2200");
  if (fn == "addresses") return need(0, 0), from_hex("BF3C00");
  if (fn == "challenge") return need(0, 0), from_hex("BF2E00");
  if (fn == "rat") return need(0, 0), from_hex("BF4300");
  if (fn == "eim-config") {
    need(0, 1);
    if (a.empty()) return from_hex("BF5500");
    if (a[0].empty() || a[0].size() > 128)
      throw UsageError("eim-config: an eimId has 1 to 128 bytes");
    return tlv::encode(0xBF55, tlv::encode(0xA0, tlv::encode(0x80, text(a[0]))));
  }
  if (fn == "certs") {
    need(0, 1);
    if (a.empty()) return from_hex("BF5600");
    Bytes pkid = from_hex(a[0]);
    if (pkid.empty() || pkid.size() > 32) throw UsageError("certs: a CI PKID has 1 to 32 bytes");
    return tlv::encode(0xBF56, tlv::encode(0x80, pkid));  // 80, not 04: docs/sgp32.md
  }
  if (fn == "set-default-dp") return need(1, 1), tlv::encode(0xBF3F, tlv::encode(0x80, text(a[0])));
  if (fn == "profiles") {
    need(0, 2);
    Bytes body;
    for (const auto& arg : a) {
      auto eq = arg.find('=');
      if (eq == std::string::npos) throw UsageError("profiles: arguments are key=value");
      auto key = arg.substr(0, eq), value = arg.substr(eq + 1);
      if (key == "iccid") {
        auto iccid = Iccid::parse(value);
        if (!iccid) throw UsageError("iccid=" + value + ": " + Iccid::why_invalid(value));
        body = prepend(tlv::encode(0xA0, tlv::encode(0x5A, iccid->swapped_bcd())), body);
      } else if (key == "aid") {
        body = prepend(tlv::encode(0xA0, tlv::encode(0x4F, from_hex(value))), body);
      } else if (key == "class") {
        body = prepend(
            tlv::encode(0xA0, tlv::encode(0x95, tlv::der_integer(number(value, "class")))), body);
      } else if (key == "tags") {
        tlv::append(body, 0x5C, from_hex(value));
      } else {
        throw UsageError("profiles: unknown criterion '" + key + "'");
      }
    }
    return tlv::encode(0xBF2D, body);
  }
  if (fn == "enable" || fn == "disable") {
    need(1, 2);
    if (a.size() == 2 && a[1] != "refresh") throw UsageError(fn + ": the second word is 'refresh'");
    Bytes body = tlv::encode(0xA0, profile_identifier(a[0]));
    tlv::append(body, 0x81, Bytes{static_cast<std::uint8_t>(a.size() == 2 ? 0xFF : 0x00)});
    return tlv::encode(fn == "enable" ? 0xBF31 : 0xBF32, body);
  }
  if (fn == "delete") return need(1, 1), tlv::encode(0xBF33, profile_identifier(a[0]));
  if (fn == "nickname") {
    need(2, 2);
    auto iccid = Iccid::parse(a[0]);
    if (!iccid) throw UsageError("'" + a[0] + "': " + Iccid::why_invalid(a[0]));
    Bytes body = tlv::encode(0x5A, iccid->swapped_bcd());
    tlv::append(body, 0x90, text(a[1]));
    return tlv::encode(0xBF29, body);
  }
  if (fn == "notifications") {
    need(0, 1);
    return tlv::encode(0xBF28, a.empty() ? Bytes{} : tlv::encode(0x81, event_bits(a[0])));
  }
  if (fn == "retrieve") {
    need(0, 1);
    if (a.empty()) return from_hex("BF2B00");
    bool numeric = a[0].find_first_not_of("0123456789") == std::string::npos;
    Bytes criterion = numeric ? tlv::encode(0x80, tlv::der_integer(number(a[0], "seq")))
                              : tlv::encode(0x81, event_bits(a[0]));
    return tlv::encode(0xBF2B, tlv::encode(0xA0, criterion));
  }
  if (fn == "remove") {
    need(1, 1);
    return tlv::encode(0xBF30, tlv::encode(0x80, tlv::der_integer(number(a[0], "seq"))));
  }
  if (fn == "reset") {
    need(0, 3);
    std::uint8_t bits = 0;
    for (const auto& o : a) {
      if (o == "operational")
        bits |= 0x80;
      else if (o == "test")
        bits |= 0x40;
      else if (o == "default-dp")
        bits |= 0x20;
      else
        throw UsageError("reset: options are operational, test, default-dp");
    }
    // DER BIT STRING of three named bits: the unused-bit count drops trailing zeros.
    Bytes value{0x00};
    if (bits) {
      unsigned unused = 0;
      while (!(bits & (1u << unused))) ++unused;
      value = Bytes{static_cast<std::uint8_t>(unused), bits};
    }
    return tlv::encode(0xBF34, tlv::encode(0x82, value));
  }
  if (fn == "cancel-session") {
    need(2, 2);
    Bytes body = tlv::encode(0x80, from_hex(a[0]));
    tlv::append(body, 0x81, tlv::der_integer(number(a[1], "reason")));
    return tlv::encode(0xBF41, body);
  }
  // SGP.32: the functions whose only field is refreshFlag ('80' BOOLEAN).
  static const std::vector<std::pair<std::string, std::uint32_t>> refresh_only{
      {"rollback", 0xBF58},          {"immediate-enable", 0xBF5A}, {"emergency-enable", 0xBF5B},
      {"emergency-disable", 0xBF5C}, {"fallback", 0xBF5D},         {"fallback-return", 0xBF5E}};
  for (const auto& [name, tag] : refresh_only) {
    if (fn != name) continue;
    need(0, 1);
    if (a.size() == 1 && a[0] != "refresh") throw UsageError(fn + ": the only word is 'refresh'");
    return tlv::encode(
        tag, tlv::encode(0x80, Bytes{static_cast<std::uint8_t>(a.empty() ? 0x00 : 0xFF)}));
  }
  if (fn == "configure-immediate-enable") {
    need(0, 3);
    Bytes flag, oid, address;
    for (const auto& arg : a) {
      if (arg == "flag") {
        flag = tlv::encode(0x80, Bytes{});
      } else if (arg.rfind("smdp-oid=", 0) == 0) {
        oid = tlv::encode(0x81, oid_content(arg.substr(9)));
      } else if (arg.rfind("smdp-address=", 0) == 0) {
        address = tlv::encode(0x82, text(arg.substr(13)));
      } else {
        throw UsageError(fn + ": arguments are flag, smdp-oid=OID, smdp-address=FQDN");
      }
    }
    Bytes body = flag;
    body.insert(body.end(), oid.begin(), oid.end());
    body.insert(body.end(), address.begin(), address.end());
    return tlv::encode(0xBF59, body);
  }
  if (fn == "connectivity") return need(0, 0), from_hex("BF5F00");
  if (fn == "iot-reset") {
    need(1, 7);
    static const std::vector<std::string> names{"operational",     "test",         "default-dp",
                                                "preloaded-test",  "provisioning", "eims",
                                                "immediate-enable"};
    std::uint8_t bits = 0;  // bit n of the ASN.1 list is 0x80 >> n
    for (const auto& o : a) {
      auto it = std::find(names.begin(), names.end(), o);
      if (it == names.end()) {
        throw UsageError(
            "iot-reset: options are operational, test, default-dp, preloaded-test, "
            "provisioning, eims, immediate-enable");
      }
      bits |= static_cast<std::uint8_t>(0x80u >> (it - names.begin()));
    }
    unsigned unused = 0;
    while (!(bits & (1u << unused))) ++unused;
    return tlv::encode(0xBF64, tlv::encode(0x82, Bytes{static_cast<std::uint8_t>(unused), bits}));
  }
  if (fn == "iot-set-default-dp")
    return need(1, 1), tlv::encode(0xBF65, tlv::encode(0x80, text(a[0])));
  if (fn == "ipae-activation") {
    need(1, 1);
    if (a[0] != "on" && a[0] != "off") throw UsageError("ipae-activation: on or off");
    return tlv::encode(0xBF42, tlv::encode(0x80, a[0] == "on" ? Bytes{0x07, 0x80} : Bytes{0x00}));
  }
  if (fn == "add-initial-eim") {
    need(1, 16);
    Bytes list;
    for (const auto& c : a) {
      Bytes der = hex_argument(fn, c);
      list.insert(list.end(), der.begin(), der.end());
    }
    return tlv::encode(0xBF57, tlv::encode(0xA0, list));
  }
  if (fn == "load-package") return need(1, 1), hex_argument(fn, a[0]);
  if (fn == "raw") return need(1, 1), from_hex(a[0]);
  throw UsageError("unknown ES10 function '" + fn + "' (see: euicc-sim es10 --help)");
}

namespace {
int collect_xer(const void* buffer, size_t size, void* out) {
  static_cast<std::string*>(out)->append(static_cast<const char*>(buffer), size);
  return 0;
}

}  // namespace

std::string es10_xer(const asn1::Type& type, ByteView der) {
  std::size_t consumed = 0;
  auto value = asn1::decode(type, der, consumed);
  if (consumed != der.size()) throw asn1::DecodeError("trailing bytes after the answer", consumed);
  std::string out;
  xer_encode(const_cast<asn1::Type*>(&type), value.get(), XER_F_BASIC, collect_xer, &out);
  return out;
}

const asn_TYPE_descriptor_s* iot_response(const Es10Function& f) {
  const std::string_view n = f.name;
  if (n == "info2") return &asn_DEF_IotEUICCInfo2;
  if (n == "profiles") return &asn_DEF_IotProfileInfoListResponse;
  if (n == "retrieve") return &asn_DEF_IotRetrieveNotificationsListResponse;
  return f.response;
}

const Es10Function* find_es10_function(std::string_view name) {
  for (const auto& f : es10_functions()) {
    if (name == f.name || (f.spec[0] != 0 && name == f.spec)) return &f;
  }
  return nullptr;
}

}  // namespace euiccsim::tools
