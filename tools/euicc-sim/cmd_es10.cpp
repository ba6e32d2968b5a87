// euicc-sim es10: send one ES10 function to a card, as an LPA does, and print the answer
// decoded. The card is a PC/SC reader (--reader: through pcscd, exactly the path lpac takes)
// or a card of the state directory run in-process (--card).
//
// The request is built here from the function's fields with plain TLV code, and the answer is
// decoded with the card's own ASN.1 module: a client whose encoder shares nothing with the
// card's decoder, so a tag mistake on either side shows.
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <sstream>

#include "asn1_json.hpp"
#include "common.hpp"
#include "es10_link.hpp"
#include "euiccsim/crypto/tlv.hpp"
#include "euiccsim/profiles/asn1.hpp"
#include "euiccsim/profiles/asn1_fields.hpp"

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
#include <ExecuteFallbackMechanismResponse.h>
#include <GetCertsResponse.h>
#include <GetConnectivityParametersResponse.h>
#include <GetEimConfigurationDataResponse.h>
#include <GetEuiccChallengeResponse.h>
#include <GetEuiccDataResponse.h>
#include <GetRatResponse.h>
#include <ImmediateEnableResponse.h>
#include <IotEuiccMemoryResetResponse.h>
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

namespace {

struct Es10Options : CardLinkOptions {
  std::string isdr_aid = "A0000005591010FFFFFFFF8900000100";
  bool json = false;
  std::vector<std::string> args;
};

struct Function {
  const char* name;
  const char* usage;
  const char* help;
  const asn1::Type* response;
};

const std::vector<Function>& functions() {
  static const std::vector<Function> all{
      {"eid", "eid", "GetEID (BF3E)", &asn_DEF_GetEuiccDataResponse},
      {"info1", "info1", "GetEUICCInfo1 (BF20)", &asn_DEF_EUICCInfo1},
      {"info2", "info2", "GetEUICCInfo2 (BF22)", &asn_DEF_EUICCInfo2},
      {"addresses", "addresses", "GetEuiccConfiguredAddresses (BF3C)",
       &asn_DEF_EuiccConfiguredAddressesResponse},
      {"set-default-dp", "set-default-dp FQDN", "SetDefaultDpAddress (BF3F); '' clears it",
       &asn_DEF_SetDefaultDpAddressResponse},
      {"challenge", "challenge", "GetEUICCChallenge (BF2E)", &asn_DEF_GetEuiccChallengeResponse},
      {"profiles", "profiles [iccid=D|aid=HEX|class=N] [tags=HEX]",
       "GetProfilesInfo (BF2D) with optional search criterion and tag list",
       &asn_DEF_ProfileInfoListResponse},
      {"enable", "enable ICCID|AID [refresh]", "EnableProfile (BF31); refreshFlag with 'refresh'",
       &asn_DEF_EnableProfileResponse},
      {"disable", "disable ICCID|AID [refresh]", "DisableProfile (BF32)",
       &asn_DEF_DisableProfileResponse},
      {"delete", "delete ICCID|AID", "DeleteProfile (BF33)", &asn_DEF_DeleteProfileResponse},
      {"nickname", "nickname ICCID TEXT", "SetNickname (BF29)", &asn_DEF_SetNicknameResponse},
      {"notifications", "notifications [install|enable|disable|delete]", "ListNotification (BF28)",
       &asn_DEF_ListNotificationResponse},
      {"retrieve", "retrieve [SEQ|install|enable|disable|delete]",
       "RetrieveNotificationsList (BF2B)", &asn_DEF_RetrieveNotificationsListResponse},
      {"remove", "remove SEQ", "RemoveNotificationFromList (BF30)",
       &asn_DEF_NotificationSentResponse},
      {"reset", "reset [operational] [test] [default-dp]",
       "eUICCMemoryReset (BF34) with the given resetOptions", &asn_DEF_EuiccMemoryResetResponse},
      {"rat", "rat", "GetRAT (BF43)", &asn_DEF_GetRatResponse},
      {"cancel-session", "cancel-session TRANSACTION_ID_HEX REASON", "CancelSession (BF41)",
       &asn_DEF_CancelSessionResponse},
      {"eim-config", "eim-config [EIM_ID]",
       "GetEimConfigurationData (BF55; SGP.32 iot cards): every eIM, or the one named",
       &asn_DEF_GetEimConfigurationDataResponse},
      {"certs", "certs [CI_PKID_HEX]",
       "GetCerts (BF56; SGP.32 iot cards): EUM and eUICC certificates", &asn_DEF_GetCertsResponse},
      {"rollback", "rollback [refresh]", "ProfileRollback (BF58; iot)",
       &asn_DEF_ProfileRollbackResponse},
      {"configure-immediate-enable",
       "configure-immediate-enable [flag] [smdp-oid=OID] [smdp-address=FQDN]",
       "ConfigureImmediateProfileEnabling (BF59; iot)",
       &asn_DEF_ConfigureImmediateProfileEnablingResponse},
      {"immediate-enable", "immediate-enable [refresh]", "ImmediateEnable (BF5A; iot)",
       &asn_DEF_ImmediateEnableResponse},
      {"emergency-enable", "emergency-enable [refresh]", "EnableEmergencyProfile (BF5B; iot)",
       &asn_DEF_EnableEmergencyProfileResponse},
      {"emergency-disable", "emergency-disable [refresh]", "DisableEmergencyProfile (BF5C; iot)",
       &asn_DEF_DisableEmergencyProfileResponse},
      {"fallback", "fallback [refresh]", "ExecuteFallbackMechanism (BF5D; iot)",
       &asn_DEF_ExecuteFallbackMechanismResponse},
      {"fallback-return", "fallback-return [refresh]", "ReturnFromFallback (BF5E; iot)",
       &asn_DEF_ReturnFromFallbackResponse},
      {"connectivity", "connectivity", "GetConnectivityParameters (BF5F; iot)",
       &asn_DEF_GetConnectivityParametersResponse},
      {"iot-reset", "iot-reset OPTION...",
       "eUICCMemoryReset, SGP.32 form (BF64; iot): operational test default-dp preloaded-test "
       "provisioning eims immediate-enable",
       &asn_DEF_IotEuiccMemoryResetResponse},
      {"iot-set-default-dp", "iot-set-default-dp FQDN",
       "SetDefaultDpAddress, SGP.32 form (BF65; iot)", &asn_DEF_IotSetDefaultDpAddressResponse},
      {"ipae-activation", "ipae-activation on|off", "IpaeActivation (BF42; iot)",
       &asn_DEF_IpaeActivationResponse},
      {"raw", "raw HEX", "any DER request; the answer is printed as hex", nullptr},
  };
  return all;
}

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

Bytes build_request(const std::string& fn, const std::vector<std::string>& a) {
  auto need = [&](std::size_t min, std::size_t max) {
    if (a.size() < min || a.size() > max) {
      for (const auto& f : functions()) {
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
  if (fn == "raw") return need(1, 1), from_hex(a[0]);
  throw UsageError("unknown ES10 function '" + fn + "' (see: euicc-sim es10 --help)");
}

int collect_xer(const void* buffer, size_t size, void* out) {
  static_cast<std::string*>(out)->append(static_cast<const char*>(buffer), size);
  return 0;
}

// The answer in XER (X.693), the standard textual form of an ASN.1 value.
std::string xer_of(const asn1::Type& type, const void* value) {
  std::string out;
  xer_encode(const_cast<asn1::Type*>(&type), const_cast<void*>(value), XER_F_BASIC, collect_xer,
             &out);
  return out;
}

int run(GlobalOptions& global, const Es10Options& o) {
  if (o.args.empty()) throw UsageError("name an ES10 function (see: euicc-sim es10 --help)");
  const std::string fn = o.args.front();
  const std::vector<std::string> rest(o.args.begin() + 1, o.args.end());
  Bytes request;
  try {
    request = build_request(fn, rest);
  } catch (const HexError& e) {
    throw UsageError(fn + ": " + e.what());
  }
  Es10ChannelOptions channel_options = tools::channel_options(o);
  Bytes isdr;
  try {
    isdr = from_hex(o.isdr_aid);
  } catch (const HexError& e) {
    throw UsageError(std::string("--isdr-aid: ") + e.what());
  }
  std::unique_ptr<Link> link = open_link(global, o);
  channel_options.isdr_aid = isdr;
  Bytes answer;
  {
    Es10Channel channel(*link, channel_options);
    answer = channel.call(request);
  }

  const Function* f = nullptr;
  for (const auto& g : functions()) {
    if (fn == g.name) f = &g;
  }
  std::string decoded;
  std::string error;
  json::Value answer_json;
  std::optional<Outcome> outcome;
  if (f != nullptr && f->response != nullptr) {
    try {
      std::size_t consumed = 0;
      auto value = asn1::decode(*f->response, answer, consumed);
      if (consumed != answer.size())
        throw asn1::DecodeError("trailing bytes after the answer", consumed);
      decoded = xer_of(*f->response, value.get());
      answer_json = asn1_to_json(*f->response, value.get());
      outcome = asn1_outcome(*f->response, value.get());
    } catch (const asn1::DecodeError& e) {
      error = std::string("the answer does not decode as ") + f->response->name + ": " + e.what();
    }
  }
  if (o.json) {
    auto j = json::Value::object();
    j["function"] = fn;
    j["request"] = to_hex(request);
    j["response"] = to_hex(answer);
    if (!decoded.empty()) j["answer"] = std::move(answer_json);
    if (outcome) {
      auto r = json::Value::object();
      r["field"] = outcome->field;
      r["name"] = outcome->name.empty() ? json::Value() : json::Value(outcome->name);
      r["value"] = outcome->value;
      j["result"] = std::move(r);
    }
    j["ok"] = error.empty() && (!outcome || outcome->ok);
    if (!error.empty()) j["error"] = error;
    std::cout << json::dump(j) << '\n';
  } else {
    std::cout << to_hex(answer) << '\n';
    if (!decoded.empty()) std::cout << decoded << '\n';
    if (!error.empty()) std::cerr << "euicc-sim: " << error << '\n';
  }
  if (!error.empty()) return 1;
  if (outcome && !outcome->ok) {
    // The card said no: exit status 1, and the reason in one line (stdout keeps the answer).
    if (!o.json)
      std::cerr << "euicc-sim: " << fn << ": the card answered " << outcome->field << " "
                << (outcome->name.empty()
                        ? std::to_string(outcome->value)
                        : outcome->name + "(" + std::to_string(outcome->value) + ")")
                << '\n';
    return 1;
  }
  return 0;
}

}  // namespace

void add_es10_command(CLI::App& app, GlobalOptions& global) {
  auto o = std::make_shared<Es10Options>();
  auto* cmd = app.add_subcommand(
      "es10", "Send one ES10 function to a card (PC/SC reader or in-process) and decode it");
  add_card_link_options(cmd, *o);
  cmd->add_option("--isdr-aid", o->isdr_aid, "ISD-R AID to select")->capture_default_str();
  cmd->add_flag("--json", o->json,
                "One JSON line: request and response hex, the answer decoded, the result");
  cmd->add_option("function", o->args, "The function and its arguments (below)")->required();
  std::ostringstream footer;
  footer << "Functions:\n";
  for (const auto& f : functions()) {
    // Whole lines however long the help: the usage column is padded, never cut.
    std::string usage = f.usage;
    if (usage.size() < 48) usage.resize(48, ' ');
    footer << "  " << usage << " " << f.help << "\n";
  }
  footer << "The answer prints as hex, then decoded (XER); --json gives it as JSON with names\n"
            "and values, and the result code as {field, name, value}.\n"
            "Exit status: 0 the card answered ok, 1 the card said no (a result code other than\n"
            "ok, an error alternative) or the answer does not decode, 2 usage error.\n"
            "Examples:\n"
            "  euicc-sim es10 --reader 'euicc-sim 00 00' info2\n"
            "  euicc-sim es10 --card 89049032123451234512345678901235 enable 89999000000000000007 "
            "refresh\n"
            "  euicc-sim es10 --card EID delete 89999000000000000007 && echo deleted\n";
  cmd->footer(footer.str());
  cmd->callback([&global, o] { std::exit(run(global, *o)); });
}

}  // namespace euiccsim::tools
