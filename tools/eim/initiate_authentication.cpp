// ESipa.InitiateAuthentication (SGP.32 v1.2 §3.2.3.2 indirect profile download; messages
// §6.3): BF39 { 81 euiccChallenge, 83 smdpAddress opt, BF20 euiccInfo1 opt, 82 eimTransactionId
// opt }, relayed as ES9+ initiateAuthentication to the SM-DP+ (the eIM in the LPA role),
// answered BF39 { A0 InitiateAuthenticationOkEsipa } or BF39 { 81 error }.
//
// Order of checks; the first that applies gives the answer:
//   1. not one InitiateAuthenticationRequestEsipa: undefinedError(127);
//   2. an eimTransactionId that names no queued profile download: invalidEimTransactionId(52);
//   3. the download it belongs to: the one that eimTransactionId names, else the download
//      handed out last to the card that polled on this connection (none: a download the
//      eIM did not order, relayed to the smdpAddress given);
//   4. an smdpAddress other than the download's activation code names: smdpAddressMismatch(50);
//   5. no SM-DP+ address at all: invalidDpAddress(1);
//   6. no euiccInfo1 in the request and none known for the card: undefinedError(127);
//   7. an SM-DP+ the eIM cannot reach: invalidDpAddress(1);
//   8. the SM-DP+'s refusal, mapped (relay.cpp): invalidDpAddress(1),
//      euiccVersionNotSupportedByDp(2), ciPKIdNotSupported(3), else undefinedError(127); a
//      transport failure: undefinedError(127).
// With the card's minimizeEsipaBytes the answer leaves out the transactionId (serverSigned1
// carries it); with eimCtxParams1Generation it adds matchingId and ctxParams1 built from the
// deviceInfo the card's IpaEuiccData gave.
#include <InitiateAuthenticationRequestEsipa.h>

#include "asn1_names.hpp"
#include "eim/relay.hpp"
#include "euiccsim/applets/rsp_asn1.hpp"

#include <InitiateAuthenticationResponseEsipa.h>

namespace euiccsim::eim::esipa {

namespace {

EsipaAnswer error_answer(EsipaAnswer a, long code, const std::string& why) {
  a.body = tlv::encode(0xBF39, tlv::encode(0x81, tlv::der_integer(code)));
  a.outcome =
      asn1::named("InitiateAuthenticationResponseEsipa__initiateAuthenticationErrorEsipa", code) +
      (why.empty() ? "" : ": " + why);
  return a;
}

bool same_address(std::string a, std::string b) {
  auto lower = [](std::string& s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  };
  lower(a);
  lower(b);
  return a == b;
}

}  // namespace

EsipaAnswer initiate_authentication(Eim& eim, ByteView der, const std::string& connection) {
  EsipaAnswer a;
  a.function = "InitiateAuthentication";
  Store& store = eim.store();
  // 1
  auto req = applets::rsp::decode_request<InitiateAuthenticationRequestEsipa_t>(
      asn_DEF_InitiateAuthenticationRequestEsipa, der);
  if (!req) return error_answer(a, 127, "not an InitiateAuthenticationRequestEsipa");
  auto top = tlv::read(der);
  // 2, 3
  std::optional<QueueItem> item;
  if (req->eimTransactionId) {
    item = store.item_by_transaction(asn1::bytes_of(*req->eimTransactionId));
    if (!item || item->kind != ItemKind::kProfileDownload)
      return error_answer(a, 52, to_hex(asn1::bytes_of(*req->eimTransactionId)));
  } else if (auto eid = eim.eid_of_connection(connection); !eid.empty()) {
    for (const auto& it : store.items(eid)) {
      if (it.kind == ItemKind::kProfileDownload && it.state == ItemState::kSent &&
          (!item || it.last_sent_ms >= item->last_sent_ms))
        item = it;
    }
  }
  std::string eid = item ? item->eid : eim.eid_of_connection(connection);
  a.eid = eid;
  std::string address, matching_id;
  if (item) {
    auto spec = json::parse(item->spec);
    if (spec && json::member(*spec, "smdpAddress") &&
        json::string_of(json::member(*spec, "smdpAddress")))
      address = *json::string_of(json::member(*spec, "smdpAddress"));
    if (spec && json::member(*spec, "matchingId") &&
        json::string_of(json::member(*spec, "matchingId")))
      matching_id = *json::string_of(json::member(*spec, "matchingId"));
  }
  // 4, 5
  if (req->smdpAddress) {
    const std::string asked = asn1::string_of(*req->smdpAddress);
    if (!address.empty() && !same_address(asked, address))
      return error_answer(a, 50, "asked " + asked + ", the activation code names " + address);
    address = asked;
  }
  if (address.empty()) return error_answer(a, 1, "no SM-DP+ address");
  // 6
  auto card = eid.empty() ? std::nullopt : store.card(eid);
  Bytes info1;
  if (auto i = child(top->value, 0xBF20))
    info1 = bytes_of(i->bytes());
  else if (card)
    info1 = card->euicc_info1;
  if (info1.empty())
    return error_answer(a, 127, "no euiccInfo1 in the request and none known for the card");
  // 7
  smdp::Es9Plus* server = eim.config().relay ? eim.config().relay(address) : nullptr;
  if (server == nullptr) return error_answer(a, 1, "no relay to " + address);
  // 8
  smdp::InitiateAuthenticationRequest es9{asn1::bytes_of(req->euiccChallenge), info1, address};
  smdp::InitiateAuthenticationResponse rsp;
  try {
    rsp = server->initiate_authentication(es9);
  } catch (const smdp::Es9Error& e) {
    return error_answer(a, map_es9_error(e, Es9Function::kInitiateAuthentication),
                        std::string("SM-DP+: ") + e.what());
  } catch (const std::exception& e) {
    return error_answer(a, 127, std::string("SM-DP+ unreachable: ") + e.what());
  }

  const Bytes caps = card ? card->ipa_capabilities : Bytes{};
  const bool compact = minimize_esipa_bytes(caps);
  Bytes ctx;
  if (ctx_params1_by_eim(caps) && card && !card->device_info.empty()) {
    // CtxParams1 { ctxParamsForCommonAuthentication 'A0' { 80 matchingId, A1 deviceInfo } }
    Bytes common;
    if (!matching_id.empty())
      tlv::append(
          common, 0x80,
          ByteView(reinterpret_cast<const std::uint8_t*>(matching_id.data()), matching_id.size()));
    auto device = tlv::read(card->device_info);
    tlv::append(common, 0xA1, device->value);
    ctx = tlv::encode(0xA0, common);
  }
  Bytes ok;
  if (!compact) tlv::append(ok, 0x80, rsp.transaction_id);
  for (const Bytes* part : {&rsp.server_signed1, &rsp.server_signature1,
                            &rsp.euicc_ci_pkid_to_be_used, &rsp.server_certificate})
    ok.insert(ok.end(), part->begin(), part->end());
  if (!ctx.empty()) {
    if (!matching_id.empty())
      tlv::append(
          ok, 0x0C,
          ByteView(reinterpret_cast<const std::uint8_t*>(matching_id.data()), matching_id.size()));
    tlv::append(ok, 0xA2, ctx);
  }
  Bytes body = tlv::encode(0xBF39, tlv::encode(0xA0, ok));
  if (!valid(asn_DEF_InitiateAuthenticationResponseEsipa, body))
    return error_answer(a, 127, "the SM-DP+'s answer does not fit InitiateAuthenticationOkEsipa");

  DownloadRecord d;
  d.eid = eid;
  if (item) d.queue_id = item->id;
  d.smdp_address = address;
  d.matching_id = matching_id;
  d.smdp_transaction_id = rsp.transaction_id;
  d.state = "initiated";
  d.server_signed1 = rsp.server_signed1;
  d.server_certificate = rsp.server_certificate;
  d.euicc_info1 = info1;
  d.ctx_params1 = ctx;
  d.compact = compact;
  d.started_ms = eim.now();
  store.add_download(d);
  a.body = std::move(body);
  a.outcome = "relayed to " + address + ", transactionId " + to_hex(rsp.transaction_id) +
              (item ? " for #" + std::to_string(item->id) : std::string(" (not queued)"));
  return a;
}

}  // namespace euiccsim::eim::esipa
