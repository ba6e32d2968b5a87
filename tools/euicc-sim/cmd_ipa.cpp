// euicc-sim ipa: a minimal IPAd (SGP.32 v1.2) for scripts. It carries what an eIM prepared
// (`euicc-sim eim`) to a card and shows what the card answers: AddInitialEim (BF57),
// LoadEuiccPackage (BF51), GetEimConfigurationData (BF55), GetCerts (BF56),
// RetrieveNotificationsList (BF2B) with the package-result search, RemoveNotificationFromList
// (BF30). The card is a PC/SC reader (--reader) or a card of the state directory
// (--card), reached as `es10` and `lpa` reach it.
#include <fstream>
#include <iostream>

#include "asn1_names.hpp"
#include "common.hpp"
#include "eim/euicc_package.hpp"
#include "eim_report.hpp"
#include "es10_link.hpp"
#include "euiccsim/applets/rsp_asn1.hpp"
#include "euiccsim/crypto/certificate.hpp"
#include "euiccsim/crypto/tlv.hpp"
#include "euiccsim/profiles/iccid.hpp"

#include <AddInitialEimResponse.h>
#include <EimConfigurationData.h>
#include <EimPublicKeyData.h>
#include <GetCertsResponse.h>
#include <GetEimConfigurationDataResponse.h>
#include <IotPendingNotification.h>
#include <IotRetrieveNotificationsListResponse.h>
#include <NotificationMetadata.h>
#include <NotificationSentResponse.h>

namespace euiccsim::tools {

namespace {

struct CardOptions : CardLinkOptions {
  bool json = false;
};

struct IpaOptions {
  CardOptions card;
  std::vector<std::string> files;  // add-initial-eim
  std::string file;                // load-package
  std::string result_file;         // load-package -o
  std::optional<std::string> eim_id;
  std::optional<std::string> ci_pkid;
  std::string out_dir;  // certs -o
  bool package_results = false;
  std::vector<long> remove;
  bool refresh = false;  // rollback
};

void add_card_options(CLI::App* cmd, CardOptions& o) {
  add_card_link_options(cmd, o);
  cmd->add_flag("--json", o.json, "One JSON object");
}

// Sends one ES10 request and returns the answer; the channel lives only for this call.
Bytes call(GlobalOptions& global, const CardOptions& o, ByteView request) {
  const auto options = channel_options(o);
  auto link = open_link(global, o);
  Es10Channel channel(*link, options);
  return channel.call(request);
}

template <class T>
asn1::Value<T> decode_answer(const asn1::Type& type, ByteView der) {
  try {
    std::size_t consumed = 0;
    auto v = asn1::decode_as<T>(type, der, consumed);
    if (consumed != der.size()) throw std::runtime_error("the card's answer has trailing bytes");
    return v;
  } catch (const asn1::DecodeError& e) {
    throw std::runtime_error(std::string("the card's answer is not a ") + type.name + ": " +
                             e.what() + " (" + to_hex(der) + ")");
  }
}

void write_bytes(const std::filesystem::path& path, ByteView data) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
  if (!f.flush()) throw std::runtime_error("cannot write " + path.string());
}

void print(const CardOptions& o, const json::Value& j) {
  if (o.json) std::cout << json::dump(j) << '\n';
}

// ---- add-initial-eim ----

int run_add_initial_eim(GlobalOptions& global, const IpaOptions& o) {
  Bytes list;
  std::vector<std::string> ids;
  for (const auto& f : o.files) {
    Bytes der = read_der_or_hex(f);
    try {
      ids.push_back(eim::eim_id_of_configuration(der));
    } catch (const eim::PackageError& e) {
      throw std::runtime_error(f + ": " + e.what());
    }
    list.insert(list.end(), der.begin(), der.end());
  }
  const Bytes answer = call(global, o.card, tlv::encode(0xBF57, tlv::encode(0xA0, list)));
  auto rsp = decode_answer<AddInitialEimResponse_t>(asn_DEF_AddInitialEimResponse, answer);
  auto j = json::Value::object();
  j["function"] = "AddInitialEim";
  j["response"] = to_hex(answer);
  if (rsp->present == AddInitialEimResponse_PR_addInitialEimError) {
    const long code = rsp->choice.addInitialEimError;
    const auto text = asn1::named("AddInitialEimResponse__addInitialEimError", code);
    j["ok"] = false;
    j["errorCode"] = static_cast<std::int64_t>(code);
    j["error"] = text;
    if (o.card.json)
      print(o.card, j);
    else
      std::cout << "addInitialEimError " << text << '\n';
    return 1;
  }
  const auto& entries = rsp->choice.addInitialEimOk.list;
  auto eims = json::Value::array();
  for (int i = 0; i < entries.count; ++i) {
    const std::string id = static_cast<std::size_t>(i) < ids.size() ? ids[i] : "?";
    auto e = json::Value::object();
    e["eimId"] = id;
    if (entries.array[i]->present == AddInitialEimOkEntry_PR_associationToken) {
      const long token = entries.array[i]->choice.associationToken;
      e["associationToken"] = static_cast<std::int64_t>(token);
      if (!o.card.json) std::cout << id << ": associationToken " << token << '\n';
    } else {
      e["result"] = "addOk";
      if (!o.card.json) std::cout << id << ": addOk\n";
    }
    eims.push_back(std::move(e));
  }
  j["ok"] = true;
  j["eims"] = std::move(eims);
  print(o.card, j);
  return 0;
}

// ---- load-package ----

int run_load_package(GlobalOptions& global, const IpaOptions& o) {
  const Bytes request = read_der_or_hex(o.file);
  if (request.size() < 2 || request[0] != 0xBF || request[1] != 0x51)
    throw std::runtime_error(o.file + ": not an EuiccPackageRequest (BF51)");
  const Bytes answer = call(global, o.card, request);
  if (!o.result_file.empty()) write_bytes(o.result_file, answer);
  eim::PackageResult r;
  try {
    r = eim::decode_package_result(answer);
  } catch (const eim::PackageError& e) {
    throw std::runtime_error(std::string("the card's answer: ") + e.what() + " (" + to_hex(answer) +
                             ")");
  }
  if (o.card.json) {
    auto j = package_result_json(r, false);
    j["function"] = "LoadEuiccPackage";
    j["response"] = to_hex(answer);
    if (!o.result_file.empty()) j["resultFile"] = o.result_file;
    std::cout << json::dump(j) << '\n';
  } else {
    print_package_result(std::cout, r, false);
    if (!o.result_file.empty()) std::cout << "wrote " << o.result_file << '\n';
  }
  return r.form == eim::PackageResult::Form::kResult ? 0 : 1;
}

// ---- rollback ----

// The name of a cmdResult, or "unknown".
const char* rollback_result_name(long v) {
  const char* n = asn1::number_name("ProfileRollbackResponse__cmdResult", v);
  return n ? n : "unknown";
}

// ProfileRollback BF58 { 80 refreshFlag } -> BF58 { 02 cmdResult, BF51 result opt }. Read with
// the TLV reader: the answer has two fields, and the package result is the shared reader's.
int run_rollback(GlobalOptions& global, const IpaOptions& o) {
  const Bytes request = from_hex(o.refresh ? "BF5803800101" : "BF5803800100");
  const Bytes answer = call(global, o.card, request);
  auto top = tlv::read(answer);
  auto fields = top && top->tag == 0xBF58 && top->size == answer.size() ? tlv::read_all(top->value)
                                                                        : std::nullopt;
  auto code_field = fields ? tlv::find(*fields, 0x02) : std::nullopt;
  if (!code_field || code_field->value.size() != 1) {
    throw std::runtime_error("the card's answer is not a ProfileRollbackResponse (" +
                             to_hex(answer) + ")");
  }
  const long code = code_field->value[0];
  std::optional<eim::PackageResult> result;
  if (auto r = tlv::find(*fields, 0xBF51)) {
    try {
      result = eim::decode_package_result(r->bytes());
    } catch (const eim::PackageError& e) {
      throw std::runtime_error(std::string("the card's package result: ") + e.what());
    }
    if (!o.result_file.empty()) write_bytes(o.result_file, r->bytes());
  }
  if (o.card.json) {
    json::Value j = json::Value::object();
    j["function"] = "ProfileRollback";
    j["ok"] = code == 0;
    j["cmdResult"] = code;
    j["cmdResultName"] = rollback_result_name(code);
    j["response"] = to_hex(answer);
    if (result) j["packageResult"] = package_result_json(*result, false);
    std::cout << json::dump(j) << '\n';
  } else {
    std::cout << "cmdResult " << rollback_result_name(code) << "(" << code << ")\n";
    if (result) print_package_result(std::cout, *result, false);
    if (result && !o.result_file.empty()) std::cout << "wrote " << o.result_file << '\n';
  }
  return code == 0 ? 0 : 1;
}

// ---- eim-config ----

int run_eim_config(GlobalOptions& global, const IpaOptions& o) {
  Bytes request;
  if (o.eim_id) {
    if (o.eim_id->empty() || o.eim_id->size() > 128)
      throw UsageError("EIM_ID: an eimId has 1 to 128 bytes");
    request = tlv::encode(
        0xBF55, tlv::encode(0xA0, tlv::encode(0x80, ByteView(reinterpret_cast<const std::uint8_t*>(
                                                                 o.eim_id->data()),
                                                             o.eim_id->size()))));
  } else {
    request = from_hex("BF5500");
  }
  const Bytes answer = call(global, o.card, request);
  auto rsp = decode_answer<GetEimConfigurationDataResponse_t>(
      asn_DEF_GetEimConfigurationDataResponse, answer);
  const auto& list = rsp->eimConfigurationDataList.list;
  auto eims = json::Value::array();
  if (!o.card.json && list.count == 0) std::cout << "no eIM\n";
  for (int i = 0; i < list.count; ++i) {
    const auto& d = *list.array[i];
    auto e = json::Value::object();
    std::string line = "eIM '" + asn1::string_of(d.eimId) + "'";
    e["eimId"] = asn1::string_of(d.eimId);
    if (d.eimFqdn) {
      e["eimFqdn"] = asn1::string_of(*d.eimFqdn);
      line += ", fqdn " + asn1::string_of(*d.eimFqdn);
    }
    if (d.eimIdType) {
      e["eimIdType"] = static_cast<std::int64_t>(*d.eimIdType);
      line += ", idType " + std::to_string(*d.eimIdType);
    }
    if (d.counterValue) {
      e["counterValue"] = static_cast<std::int64_t>(*d.counterValue);
      line += ", counterValue " + std::to_string(*d.counterValue);
    }
    if (d.associationToken) {
      e["associationToken"] = static_cast<std::int64_t>(*d.associationToken);
      line += ", associationToken " + std::to_string(*d.associationToken);
    }
    if (d.eimPublicKeyData) {
      const char* form = d.eimPublicKeyData->present == EimPublicKeyData_PR_eimCertificate
                             ? "certificate"
                             : "publicKey";
      e["eimPublicKeyData"] = form;
      line += std::string(", key as ") + form;
    }
    if (d.euiccCiPKId) {
      e["euiccCiPKId"] = to_hex(asn1::bytes_of(*d.euiccCiPKId));
      line += ", euiccCiPKId " + to_hex(asn1::bytes_of(*d.euiccCiPKId));
    }
    if (d.eimSupportedProtocol) {
      e["eimSupportedProtocol"] =
          static_cast<std::uint64_t>(asn1::bits_of(*d.eimSupportedProtocol));
    }
    if (d.indirectProfileDownload) {
      e["indirectProfileDownload"] = true;
      line += ", indirectProfileDownload";
    }
    if (!o.card.json) std::cout << line << '\n';
    eims.push_back(std::move(e));
  }
  auto j = json::Value::object();
  j["function"] = "GetEimConfigurationData";
  j["eims"] = std::move(eims);
  print(o.card, j);
  return 0;
}

// ---- certs ----

int run_certs(GlobalOptions& global, const IpaOptions& o) {
  Bytes request = from_hex("BF5600");
  if (o.ci_pkid) {
    Bytes pkid;
    try {
      pkid = from_hex(*o.ci_pkid);
    } catch (const HexError& e) {
      throw UsageError(std::string("--ci-pkid: ") + e.what());
    }
    if (pkid.empty() || pkid.size() > 32) throw UsageError("--ci-pkid: 1 to 32 bytes");
    request = tlv::encode(0xBF56, tlv::encode(0x80, pkid));  // 80: docs/sgp32.md finding 1
  }
  const Bytes answer = call(global, o.card, request);
  auto rsp = decode_answer<GetCertsResponse_t>(asn_DEF_GetCertsResponse, answer);
  auto j = json::Value::object();
  j["function"] = "GetCerts";
  if (rsp->present == GetCertsResponse_PR_getCertsError) {
    const long code = rsp->choice.getCertsError;
    const auto text = asn1::named("GetCertsResponse__getCertsError", code);
    j["ok"] = false;
    j["errorCode"] = static_cast<std::int64_t>(code);
    j["error"] = text;
    if (o.card.json)
      print(o.card, j);
    else
      std::cout << "getCertsError " << text << '\n';
    return 1;
  }
  // The certificates sit under implicit A5/A6 (finding 5): their own '30' comes back here.
  auto top = tlv::read(answer);
  auto certs = top ? tlv::read(top->value) : std::nullopt;
  auto parts = certs ? tlv::read_all(certs->value) : std::nullopt;
  auto eum = parts ? tlv::find(*parts, 0xA5) : std::nullopt;
  auto euicc = parts ? tlv::find(*parts, 0xA6) : std::nullopt;
  if (!eum || !euicc) throw std::runtime_error("the card's GetCerts answer lacks A5 or A6");
  const Bytes eum_der = tlv::encode(0x30, eum->value);
  const Bytes euicc_der = tlv::encode(0x30, euicc->value);
  j["ok"] = true;
  j["eumCertificate"] = to_hex(eum_der);
  j["euiccCertificate"] = to_hex(euicc_der);
  j["eumSubject"] = crypto::subject_name(eum_der);
  j["euiccSubject"] = crypto::subject_name(euicc_der);
  if (!o.out_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(o.out_dir, ec);
    if (ec) throw std::runtime_error("cannot create " + o.out_dir + ": " + ec.message());
    const auto dir = std::filesystem::path(o.out_dir);
    write_bytes(dir / "eum.der", eum_der);
    write_bytes(dir / "euicc.der", euicc_der);
    j["written"] = json::Value{(dir / "eum.der").string(), (dir / "euicc.der").string()};
  }
  if (o.card.json) {
    print(o.card, j);
  } else {
    std::cout << "EUM certificate (" << eum_der.size()
              << " bytes): " << crypto::subject_name(eum_der) << '\n'
              << "eUICC certificate (" << euicc_der.size()
              << " bytes): " << crypto::subject_name(euicc_der) << '\n';
    if (!o.out_dir.empty()) std::cout << "wrote " << o.out_dir << "/eum.der and euicc.der\n";
  }
  return 0;
}

// ---- notifications ----

json::Value metadata_json(const NotificationMetadata_t& m, std::string& line) {
  static const char* events[] = {"install", "enable", "disable", "delete"};
  auto j = json::Value::object();
  j["seqNumber"] = static_cast<std::int64_t>(m.seqNumber);
  const auto bits = asn1::bits_of(m.profileManagementOperation);
  std::string event;
  for (unsigned b = 0; b < 4; ++b) {
    if (bits & (1u << b)) event += (event.empty() ? "" : "+") + std::string(events[b]);
  }
  j["event"] = event;
  j["address"] = asn1::string_of(m.notificationAddress);
  line = "notification " + std::to_string(m.seqNumber) + " (" + event + ") to " +
         asn1::string_of(m.notificationAddress);
  if (m.iccid) {
    auto iccid = Iccid::from_swapped_bcd(asn1::bytes_of(*m.iccid));
    const auto text = iccid ? iccid->str() : to_hex(asn1::bytes_of(*m.iccid));
    j["iccid"] = text;
    line += ", ICCID " + text;
  }
  return j;
}

int run_remove(GlobalOptions& global, const IpaOptions& o) {
  auto list = json::Value::array();
  bool all_ok = true;
  for (long seq : o.remove) {
    if (seq < 0) throw UsageError("--remove: sequence numbers are 0 or more");
    const Bytes answer =
        call(global, o.card, tlv::encode(0xBF30, tlv::encode(0x80, tlv::der_integer(seq))));
    auto rsp = decode_answer<NotificationSentResponse_t>(asn_DEF_NotificationSentResponse, answer);
    const long s = rsp->deleteNotificationStatus;
    const auto text = asn1::named("NotificationSentResponse__deleteNotificationStatus", s);
    all_ok = all_ok && s == 0;
    list.push_back(json::Value{{"seqNumber", static_cast<std::int64_t>(seq)},
                               {"code", static_cast<std::int64_t>(s)},
                               {"result", text}});
    if (!o.card.json) std::cout << "remove " << seq << ": " << text << '\n';
  }
  auto j = json::Value::object();
  j["function"] = "RemoveNotificationFromList";
  j["removed"] = std::move(list);
  print(o.card, j);
  return all_ok ? 0 : 1;
}

int run_notifications(GlobalOptions& global, const IpaOptions& o) {
  if (!o.remove.empty()) {
    if (o.package_results) throw UsageError("--remove and --package-results exclude each other");
    return run_remove(global, o);
  }
  // searchCriteria A0 { 82 00 }: euiccPackageResults [2] NULL inside the explicit [0] CHOICE.
  const Bytes request = o.package_results ? from_hex("BF2B04A0028200") : from_hex("BF2B00");
  const Bytes answer = call(global, o.card, request);
  auto rsp = decode_answer<IotRetrieveNotificationsListResponse_t>(
      asn_DEF_IotRetrieveNotificationsListResponse, answer);
  auto j = json::Value::object();
  j["function"] = "RetrieveNotificationsList";
  switch (rsp->present) {
    case IotRetrieveNotificationsListResponse_PR_notificationsListResultError: {
      const long code = rsp->choice.notificationsListResultError;
      const auto text =
          asn1::named("IotRetrieveNotificationsListResponse__notificationsListResultError", code);
      j["ok"] = false;
      j["errorCode"] = static_cast<std::int64_t>(code);
      j["error"] = text;
      if (o.card.json)
        print(o.card, j);
      else
        std::cout << "notificationsListResultError " << text << '\n';
      return 1;
    }
    case IotRetrieveNotificationsListResponse_PR_notificationList: {
      const auto& list = rsp->choice.notificationList.list;
      auto all = json::Value::array();
      if (!o.card.json && list.count == 0) std::cout << "no notification\n";
      for (int i = 0; i < list.count; ++i) {
        const auto& n = *list.array[i];
        std::string line;
        json::Value e;
        if (n.present == IotPendingNotification_PR_profileInstallationResult) {
          e = metadata_json(
              n.choice.profileInstallationResult.profileInstallationResultData.notificationMetadata,
              line);
          e["form"] = "profileInstallationResult";
        } else if (n.present == IotPendingNotification_PR_otherSignedNotification) {
          e = metadata_json(n.choice.otherSignedNotification.tbsOtherNotification, line);
          e["form"] = "otherSignedNotification";
        } else if (n.present == IotPendingNotification_PR_compactOtherSignedNotification) {
          e = metadata_json(n.choice.compactOtherSignedNotification.tbsOtherNotification, line);
          e["form"] = "compactOtherSignedNotification";
        } else {
          e = json::Value::object();
          e["form"] = "compactProfileInstallationResult";
          line = "a compact profile installation result";
        }
        if (!o.card.json) std::cout << line << '\n';
        all.push_back(std::move(e));
      }
      j["ok"] = true;
      j["notifications"] = std::move(all);
      break;
    }
    case IotRetrieveNotificationsListResponse_PR_euiccPackageResultList: {
      // Each result as its own DER, as received: BF2B { A2 { BF51 ... } }.
      auto top = tlv::read(answer);
      auto a2 = top ? tlv::read(top->value) : std::nullopt;
      auto items = a2 ? tlv::read_all(a2->value) : std::nullopt;
      if (!items) throw std::runtime_error("the card's package result list does not parse");
      auto all = json::Value::array();
      if (!o.card.json && items->empty()) std::cout << "no package result\n";
      for (const auto& item : *items) {
        const Bytes der(item.bytes().begin(), item.bytes().end());
        auto r = eim::decode_package_result(der);
        auto e = package_result_json(r, false);
        e["der"] = to_hex(der);
        if (!o.card.json) {
          print_package_result(std::cout, r, false);
          std::cout << "  der " << to_hex(der) << '\n';
        }
        all.push_back(std::move(e));
      }
      j["ok"] = true;
      j["packageResults"] = std::move(all);
      break;
    }
    default:
      throw std::runtime_error("the card's answer is an empty choice");
  }
  print(o.card, j);
  return 0;
}

}  // namespace

void add_ipa_commands(CLI::App& app, GlobalOptions& global) {
  auto* ipa = app.add_subcommand(
      "ipa", "A minimal IPAd (SGP.32): carry eIM data to a card's ISD-R and show its answers");
  ipa->require_subcommand(1);
  ipa->footer(
      "Exit status: 0 when the card said ok, 1 when it answered an error (printed by name and\n"
      "number) or could not be reached, 2 usage.\n"
      "Examples:\n"
      "  euicc-sim ipa add-initial-eim --card EID eim-1.der\n"
      "  euicc-sim ipa load-package --reader 'euicc-sim 00 00' pkg.der -o result.der\n"
      "  euicc-sim ipa certs --card EID -o certs/");

  auto add = std::make_shared<IpaOptions>();
  auto* add_cmd = ipa->add_subcommand(
      "add-initial-eim", "AddInitialEim (BF57) with each EimConfigurationData file, in order");
  add_card_options(add_cmd, add->card);
  add_cmd->add_option("files", add->files, "EimConfigurationData files (DER or hex; `eim config`)")
      ->required();
  add_cmd->footer(
      "Prints per eIM its associationToken or addOk, or the error by name and code.\n"
      "Example:\n  euicc-sim ipa add-initial-eim --card EID eim-1.der eim-2.der");
  add_cmd->callback([&global, add] { std::exit(run_add_initial_eim(global, *add)); });

  auto load = std::make_shared<IpaOptions>();
  auto* load_cmd = ipa->add_subcommand(
      "load-package", "LoadEuiccPackage (BF51): send a signed eUICC package, show the result");
  add_card_options(load_cmd, load->card);
  load_cmd->add_option("file", load->file, "The EuiccPackageRequest (DER or hex; `eim package`)")
      ->required();
  load_cmd->add_option("-o,--output", load->result_file,
                       "Write the card's raw EuiccPackageResult (BF51) here");
  load_cmd->footer(
      "The signature of the result is not checked here (that is the eIM's job: `eim\n"
      "verify-result`). Exit status 0 for a euiccPackageResultSigned, 1 for an error.\n"
      "Example:\n  euicc-sim ipa load-package --card EID pkg.der -o result.der");
  load_cmd->callback([&global, load] { std::exit(run_load_package(global, *load)); });

  auto back = std::make_shared<IpaOptions>();
  auto* back_cmd = ipa->add_subcommand(
      "rollback",
      "ProfileRollback (BF58): undo the last enable an eIM sent with rollbackFlag, and show the "
      "signed result the card gives its eIM");
  add_card_options(back_cmd, back->card);
  back_cmd->add_flag("--refresh", back->refresh, "Set refreshFlag (the card REFRESHes)");
  back_cmd->add_option("-o,--output", back->result_file,
                       "Write the card's EuiccPackageResult (BF51) here, when it gives one");
  back_cmd->footer(
      "Exit status 0 when the card answered ok(0).\n"
      "Example:\n  euicc-sim ipa rollback --card EID -o rollback-result.der");
  back_cmd->callback([&global, back] { std::exit(run_rollback(global, *back)); });

  auto cfg = std::make_shared<IpaOptions>();
  auto* cfg_cmd = ipa->add_subcommand(
      "eim-config", "GetEimConfigurationData (BF55): every associated eIM, or the one named");
  add_card_options(cfg_cmd, cfg->card);
  cfg_cmd->add_option("eim_id", cfg->eim_id, "Only this eIM");
  cfg_cmd->footer("Example:\n  euicc-sim ipa eim-config --card EID eim-1");
  cfg_cmd->callback([&global, cfg] { std::exit(run_eim_config(global, *cfg)); });

  auto certs = std::make_shared<IpaOptions>();
  auto* certs_cmd =
      ipa->add_subcommand("certs", "GetCerts (BF56): the card's EUM and eUICC certificates");
  add_card_options(certs_cmd, certs->card);
  certs_cmd->add_option("--ci-pkid", certs->ci_pkid, "The CI's SKI (hex) the chain must lead to");
  certs_cmd->add_option("-o,--output", certs->out_dir,
                        "Write DIR/eum.der and DIR/euicc.der (created if needed)");
  certs_cmd->footer("Example:\n  euicc-sim ipa certs --card EID -o certs/");
  certs_cmd->callback([&global, certs] { std::exit(run_certs(global, *certs)); });

  auto notes = std::make_shared<IpaOptions>();
  auto* notes_cmd = ipa->add_subcommand(
      "notifications",
      "RetrieveNotificationsList (BF2B): pending notifications, or the stored eUICC package "
      "results; RemoveNotificationFromList (BF30) with --remove");
  add_card_options(notes_cmd, notes->card);
  notes_cmd->add_flag("--package-results", notes->package_results,
                      "Ask for the eUICC package results (searchCriteria A0 { 82 00 })");
  notes_cmd->add_option("--remove", notes->remove,
                        "Remove these sequence numbers from the card (BF30 each)");
  notes_cmd->footer(
      "Examples:\n"
      "  euicc-sim ipa notifications --card EID\n"
      "  euicc-sim ipa notifications --card EID --package-results --json\n"
      "  euicc-sim ipa notifications --card EID --remove 3 4");
  notes_cmd->callback([&global, notes] { std::exit(run_notifications(global, *notes)); });
}

}  // namespace euiccsim::tools
