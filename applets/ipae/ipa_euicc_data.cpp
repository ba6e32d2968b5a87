// IpaEuiccDataRequest (SGP.32 v1.2 §2.11.1.2, §2.11.2.2; osmocom's TC_proc_euicc_data_req):
// IpaEuiccDataRequest BF52 { 5C tagList, 04 euiccCiPKIdentifierToBeUsed opt, A1
// searchCriteriaNotification opt, A2 searchCriteriaEuiccPackageResult opt, 83 eimTransactionId
// opt } -> ProvideEimPackageResult { BF52 IpaEuiccDataResponse { A0 IpaEuiccData | A1 error } }.
//
// The order of the checks:
//  1. a request that does not decode: eimPackageResultResponseError invalidPackageFormat(1);
//  2. a tag in tagList that is no IpaEuiccData member (ESIPA.md §1.1 item 8: 81 83 84 A0 A2
//     A5 A6 A8 A9 BF20 BF22), or a tagList that is not a list of tags: incorrectTagList(1);
//  3. the Emergency Profile enabled (an eCall may be under way): ecallActive(104);
//  4. a euiccCiPKIdentifierToBeUsed that no CI the card signs with starts with (it may be
//     truncated), when certificates are asked for: euiccCiPKIdNotFound(5).
// Then each member asked for, from the card's own answers, as an IPAd collects them: ES10a
// GetEuiccConfiguredAddresses (81, 83), GetEUICCInfo1/2 (BF20, BF22), GetEimConfigurationData
// (84, this eIM's token), GetCerts (A5, A6), RetrieveNotificationsList (A0, with the request's
// search criteria; A2 the package results, filtered by sequence number), plus ipaCapabilities
// (A8) and deviceInfo (A9) from the card's IPAe configuration, and 87 echoing the transaction
// id. The answer stays in flight until the eIM takes it; notifications and results it
// acknowledges are removed.
#include <algorithm>

#include "euiccsim/crypto/tlv.hpp"
#include "ipae_impl.hpp"

#include <IpaEuiccDataRequest.h>

#include "euiccsim/applets/rsp_asn1.hpp"

namespace euiccsim::applets::ipae {

namespace {
constexpr long kInvalidPackageFormat = 1;
constexpr long kIncorrectTagList = 1;
constexpr long kEuiccCiPKIdNotFound = 5;
constexpr long kEcallActive = 104;

const std::uint32_t kMembers[] = {0x81, 0x83, 0x84, 0xA0,   0xA2,  0xA5,
                                  0xA6, 0xA8, 0xA9, 0xBF20, 0xBF22};

// The tags of a tagList ('5C' content), or nothing if it is not a list of whole tags.
std::optional<std::vector<std::uint32_t>> tags_of(ByteView list) {
  std::vector<std::uint32_t> out;
  std::size_t i = 0;
  while (i < list.size()) {
    std::uint32_t tag = list[i++];
    if ((tag & 0x1F) == 0x1F) {
      int more = 0;
      do {
        if (i >= list.size() || ++more > 2) return std::nullopt;
        tag = (tag << 8) | list[i];
      } while (list[i++] & 0x80);
    }
    out.push_back(tag);
  }
  return out;
}

// A BIT STRING's content (DER: trailing zero bits dropped) for bits 0..7 of `mask`.
Bytes bits(unsigned mask) {
  if (mask == 0) return Bytes{0x00};
  std::uint8_t byte = 0;
  unsigned highest = 0;
  for (unsigned b = 0; b < 8; ++b) {
    if (mask & (1u << b)) {
      byte |= static_cast<std::uint8_t>(0x80u >> b);
      highest = b;
    }
  }
  return Bytes{static_cast<std::uint8_t>(7 - highest), byte};
}
}  // namespace

void Ipae::Impl::ipa_euicc_data(Bytes request) {
  phase = "IpaEuiccData for " + eim().id;
  auto req = rsp::decode_request<IpaEuiccDataRequest_t>(asn_DEF_IpaEuiccDataRequest, request);
  Bytes tid;
  if (req && req->eimTransactionId) tid = asn1::bytes_of(*req->eimTransactionId);
  if (!req) {
    refuse_package(esipa::transaction_id_of(request, 0xBF52, 0x83), kInvalidPackageFormat);
    return;
  }
  std::vector<std::uint64_t> sent;
  const Bytes result = build_ipa_euicc_data(request, sent);
  IpaeState::InFlight in;
  in.kind = IpaeState::InFlight::Kind::kIpaEuiccData;
  in.eim_id = eim().id;
  in.eim_transaction_id = tid;
  in.result = result;
  save([&](IpaeState& s) { s.in_flight = in; });
  const auto body = esipa::value_of(result, 0xBF52);
  const bool refused = body && !body->empty() && (*body)[0] == 0xA1;
  note(eim().id + ": IpaEuiccData " + (refused ? "refused" : "collected"));
  provide_result(result, std::move(sent), [this](std::vector<std::uint64_t>) {
    save([](IpaeState& s) { s.in_flight.reset(); });
    package_done();
  });
}

Bytes Ipae::Impl::build_ipa_euicc_data(ByteView request, std::vector<std::uint64_t>& sent) {
  auto req = rsp::decode_request<IpaEuiccDataRequest_t>(asn_DEF_IpaEuiccDataRequest, request);
  if (!req) throw CardFault("IpaEuiccDataRequest no longer decodes");
  Bytes tid;
  if (req->eimTransactionId) tid = asn1::bytes_of(*req->eimTransactionId);
  auto error = [&](long code) {
    Bytes e;
    if (!tid.empty()) tlv::append(e, 0x80, tid);
    tlv::append(e, 0x02, tlv::der_integer(code));
    return tlv::encode(0xBF52, tlv::encode(0xA1, e));
  };
  auto tags = tags_of(asn1::bytes_of(req->tagList));
  if (!tags) return error(kIncorrectTagList);
  for (auto t : *tags) {
    if (std::find(std::begin(kMembers), std::end(kMembers), t) == std::end(kMembers))
      return error(kIncorrectTagList);
  }
  const auto view = card.view();
  if (view.emergency_in_force) return error(kEcallActive);
  auto wants = [&](std::uint32_t t) {
    return std::find(tags->begin(), tags->end(), t) != tags->end();
  };

  Bytes data;
  // A0 notificationsList: RetrieveNotificationsList with the request's search criteria.
  if (wants(0xA0)) {
    Bytes search;
    if (req->searchCriteriaNotification) {
      auto body = esipa::value_of(request, 0xBF52);
      auto a1 = body ? esipa::child(*body, 0xA1) : std::nullopt;
      if (a1) search = tlv::encode(0xA0, *a1);
    }
    const Bytes rsp = es10(tlv::encode(0xBF2B, search));
    auto body = esipa::value_of(rsp, 0xBF2B);
    auto list = body ? esipa::child(*body, 0xA0) : std::nullopt;
    Bytes content;
    if (list) {
      content.assign(list->begin(), list->end());
      auto items = tlv::read_all(*list);
      for (std::size_t i = 0; items && i < items->size(); ++i) {
        if (auto seq = esipa::seq_number_of((*items)[i].bytes())) sent.push_back(*seq);
      }
    }
    tlv::append(data, 0xA0, content);
  }
  Bytes addresses;
  if (wants(0x81) || wants(0x83)) {
    const Bytes rsp = es10(Bytes{0xBF, 0x3C, 0x00});
    auto body = esipa::value_of(rsp, 0xBF3C);
    if (body) addresses.assign(body->begin(), body->end());
  }
  if (wants(0x81)) {
    if (auto dp = esipa::child(addresses, 0x80)) tlv::append(data, 0x81, *dp);
  }
  if (wants(0xA2)) {
    const Bytes rsp = es10(from_hex("BF2B04A0028200"));
    auto body = esipa::value_of(rsp, 0xBF2B);
    auto list = body ? esipa::child(*body, 0xA2) : std::nullopt;
    auto items = list ? tlv::read_all(*list) : std::nullopt;
    std::optional<std::uint64_t> only;
    if (req->searchCriteriaEuiccPackageResult) {
      only = static_cast<std::uint64_t>(req->searchCriteriaEuiccPackageResult->choice.seqNumber);
    }
    Bytes content;
    for (std::size_t i = 0; items && i < items->size(); ++i) {
      const auto b = (*items)[i].bytes();
      auto seq = esipa::seq_number_of(b);
      if (only && seq != only) continue;
      if (seq) sent.push_back(*seq);
      content.insert(content.end(), b.begin(), b.end());
    }
    tlv::append(data, 0xA2, content);
  }
  Bytes info1;
  if (wants(0xBF20) || (wants(0xA5) || wants(0xA6))) info1 = es10(Bytes{0xBF, 0x20, 0x00});
  if (wants(0xBF20)) data.insert(data.end(), info1.begin(), info1.end());
  if (wants(0xBF22)) {
    const Bytes info2 = es10(Bytes{0xBF, 0x22, 0x00});
    data.insert(data.end(), info2.begin(), info2.end());
  }
  if (wants(0x83)) {
    if (auto ds = esipa::child(addresses, 0x81)) tlv::append(data, 0x83, *ds);
  }
  if (wants(0x84)) {
    auto cfg = esipa::value_of(eim().configuration, 0x30);
    if (auto token = cfg ? esipa::child_tlv(*cfg, 0x84) : std::nullopt) {
      data.insert(data.end(), token->begin(), token->end());
    }
  }
  if (wants(0xA5) || wants(0xA6)) {
    Bytes get_certs = Bytes{0xBF, 0x56, 0x00};
    if (req->euiccCiPKIdentifierToBeUsed) {
      // A possibly truncated identifier: the CI the card signs with whose PKID starts so.
      const Bytes wanted = asn1::bytes_of(*req->euiccCiPKIdentifierToBeUsed);
      auto body = esipa::value_of(info1, 0xBF20);
      auto signing = body ? esipa::child(*body, 0xAA) : std::nullopt;
      auto ids = signing ? tlv::read_all(*signing) : std::nullopt;
      std::optional<Bytes> found;
      for (std::size_t i = 0; ids && i < ids->size() && !found; ++i) {
        const auto id = (*ids)[i].value;
        if (!wanted.empty() && wanted.size() <= id.size() &&
            std::equal(wanted.begin(), wanted.end(), id.begin()))
          found = Bytes(id.begin(), id.end());
      }
      if (!found) return error(kEuiccCiPKIdNotFound);
      get_certs = tlv::encode(0xBF56, tlv::encode(0x80, *found));
    }
    const Bytes rsp = es10(get_certs);
    auto body = esipa::value_of(rsp, 0xBF56);
    auto certs = body ? esipa::child(*body, 0xA0) : std::nullopt;
    if (!certs) return error(kEuiccCiPKIdNotFound);
    if (wants(0xA5)) {
      if (auto c = esipa::child_tlv(*certs, 0xA5)) data.insert(data.end(), c->begin(), c->end());
    }
    if (wants(0xA6)) {
      if (auto c = esipa::child_tlv(*certs, 0xA6)) data.insert(data.end(), c->begin(), c->end());
    }
  }
  if (!tid.empty()) tlv::append(data, 0x87, tid);
  if (wants(0xA8)) {
    // ipaFeatures: directRspServerCommunication (0), indirectRspServerCommunication (1),
    // eimCtxParams1Generation (3: a ctxParams1 from the eIM is used), minimizeEsipaBytes (5)
    // when configured; ipaSupportedProtocols: ipaRetrieveHttps (0).
    unsigned features = (1u << 0) | (1u << 1) | (1u << 3);
    if (view.config.minimize_esipa_bytes) features |= 1u << 5;
    Bytes caps;
    tlv::append(caps, 0x80, bits(features));
    tlv::append(caps, 0x81, bits(1u << 0));
    tlv::append(data, 0xA8, caps);
  }
  if (wants(0xA9)) {
    const Bytes device_info = ctx_params1();
    // ctx_params1() is A0 { 80 matchingId?, A1 deviceInfo { ... } }: take deviceInfo's content.
    auto a0 = esipa::value_of(device_info, 0xA0);
    auto info = a0 ? esipa::child(*a0, 0xA1) : std::nullopt;
    if (info) tlv::append(data, 0xA9, *info);
  }
  return tlv::encode(0xBF52, tlv::encode(0xA0, data));
}

}  // namespace euiccsim::applets::ipae
