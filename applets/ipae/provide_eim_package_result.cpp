// ProvideEimPackageResult (SGP.32 v1.2 §3.1.1.1, ESipa §6.3.2): ProvideEimPackageResult BF50
// { 5A eid, eimPackageResult: BF51 | 30 ePRAndNotifications { BF51, A0 notifications } | BF52
// | BF54 | A0 eimPackageResultResponseError } -> ProvideEimPackageResultResponse BF50 { BF53
// eimAcknowledgements | 30 emptyResponse | 02 error }.
//
// The answer, in this order of checks:
//  1. no good HTTP answer: the eIM's turn fails; what was sent stays on the card (or in
//     flight) and goes again in the next cycle;
//  2. an empty body or emptyResponse: taken, nothing acknowledged;
//  3. BF53: RemoveNotificationFromList for each acknowledged sequence number that this
//     message carried (an eIM cannot make the card drop what it never received);
//  4. 02 provideEimPackageResultError or anything else: the eIM's turn fails, naming it.
// Results the card keeps (signed EuiccPackageResults) are offered again at the start of every
// cycle until acknowledged; this is how a restart re-delivers rather than re-executes.
#include <algorithm>

#include "euiccsim/crypto/tlv.hpp"
#include "ipae_impl.hpp"

namespace euiccsim::applets::ipae {

std::vector<Bytes> Ipae::Impl::pending_notifications(std::vector<std::uint64_t>& seqs) {
  const Bytes rsp = es10(Bytes{0xBF, 0x2B, 0x00});
  auto body = esipa::value_of(rsp, 0xBF2B);
  auto list = body ? esipa::child(*body, 0xA0) : std::nullopt;
  auto items = list ? tlv::read_all(*list) : std::nullopt;
  std::vector<Bytes> out;
  if (!items) return out;
  // The installation result of a direct download goes to its SM-DP+, not to the eIM.
  const auto view = card.view();
  Bytes reserved;
  if (view.state.in_flight && view.state.in_flight->kind == IpaeState::InFlight::Kind::kDownload &&
      !view.state.in_flight->indirect) {
    reserved = view.state.in_flight->smdp_transaction_id;
  }
  for (const auto& n : *items) {
    if (!reserved.empty() && n.tag == 0xBF37) {
      auto data = esipa::child(n.value, 0xBF27);
      auto tid = data ? esipa::child(*data, 0x80) : std::nullopt;
      if (tid && Bytes(tid->begin(), tid->end()) == reserved) continue;
    }
    auto seq = esipa::seq_number_of(n.bytes());
    if (!seq) continue;
    seqs.push_back(*seq);
    out.emplace_back(n.bytes().begin(), n.bytes().end());
  }
  return out;
}

void Ipae::Impl::provide_result(Bytes eim_package_result, std::vector<std::uint64_t> sent,
                                std::function<void(std::vector<std::uint64_t>)> then) {
  Bytes body;
  tlv::append(body, 0x5A, eid());
  body.insert(body.end(), eim_package_result.begin(), eim_package_result.end());
  send_esipa("ProvideEimPackageResult", tlv::encode(0xBF50, body),
             [this, sent = std::move(sent), then = std::move(then)](Reply r) {
               if (!r.ok) {
                 eim_failed(r.error);
                 return;
               }
               std::vector<std::uint64_t> acked;
               if (!r.body.empty()) {
                 auto outer = esipa::value_of(r.body, 0xBF50);
                 auto inner = outer ? tlv::read_all(*outer) : std::nullopt;
                 if (!inner || inner->size() != 1 ||
                     (inner->front().tag != 0xBF53 && inner->front().tag != 0x30)) {
                   eim_failed("ProvideEimPackageResult: the answer is " + esipa::describe(r.body));
                   return;
                 }
                 if (inner->front().tag == 0xBF53) {
                   auto acks = tlv::read_all(inner->front().value);
                   if (!acks) {
                     eim_failed("ProvideEimPackageResult: malformed eimAcknowledgements");
                     return;
                   }
                   for (const auto& a : *acks) {
                     auto n = a.tag == 0x80 ? esipa::uint_of(a.value) : std::nullopt;
                     if (!n) {
                       eim_failed("ProvideEimPackageResult: malformed eimAcknowledgements");
                       return;
                     }
                     if (std::find(sent.begin(), sent.end(), *n) != sent.end()) {
                       acked.push_back(*n);
                     } else {
                       note(eim().id + ": acknowledged sequence number " + std::to_string(*n) +
                            " that this result did not carry; ignored");
                     }
                   }
                 }
               }
               remove_notifications(acked);
               const auto watch = card.view().state.rollback_watch;
               if (watch && watch->eim_id == eim().id &&
                   std::find(acked.begin(), acked.end(), watch->seq_number) != acked.end()) {
                 save([](IpaeState& s) { s.rollback_watch.reset(); });
               }
               then(std::move(acked));
             });
}

void Ipae::Impl::refuse_package(const Bytes& eim_transaction_id, long code) {
  Bytes err;
  if (!eim_transaction_id.empty()) tlv::append(err, 0x80, eim_transaction_id);
  tlv::append(err, 0x02, tlv::der_integer(code));
  note(eim().id + ": eIM package refused, eimPackageResultResponseError " + std::to_string(code));
  provide_result(tlv::encode(0xA0, err), {},
                 [this](std::vector<std::uint64_t>) { package_done(); });
}

void Ipae::Impl::deliver_stored_results() {
  // RetrieveNotificationsList { A0 { 82 euiccPackageResults } } -> BF2B { A2 { BF51 ... } }.
  const Bytes rsp = es10(from_hex("BF2B04A0028200"));
  auto body = esipa::value_of(rsp, 0xBF2B);
  auto list = body ? esipa::child(*body, 0xA2) : std::nullopt;
  auto items = list ? tlv::read_all(*list) : std::nullopt;
  std::vector<Bytes> mine;
  for (std::size_t i = 0; items && i < items->size(); ++i) {
    const auto b = (*items)[i].bytes();
    if (esipa::eim_id_of_result(b) == eim().id) mine.emplace_back(b.begin(), b.end());
  }
  deliver_next_stored(std::move(mine));
}

void Ipae::Impl::deliver_next_stored(std::vector<Bytes> results) {
  if (results.empty()) {
    deliver_notifications();
    return;
  }
  Bytes result = std::move(results.front());
  results.erase(results.begin());
  std::vector<std::uint64_t> sent;
  auto notifications = pending_notifications(sent);
  if (auto seq = esipa::seq_number_of(result)) sent.push_back(*seq);
  Bytes eim_result = result;
  if (!notifications.empty()) {
    Bytes l;
    for (const auto& n : notifications) l.insert(l.end(), n.begin(), n.end());
    eim_result = tlv::encode(0x30, esipa::concat({result, tlv::encode(0xA0, l)}));
  }
  phase = "delivering a stored result to " + eim().id;
  provide_result(std::move(eim_result), std::move(sent),
                 [this, rest = std::move(results)](std::vector<std::uint64_t>) mutable {
                   deliver_next_stored(std::move(rest));
                 });
}

}  // namespace euiccsim::applets::ipae
