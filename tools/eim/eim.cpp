#include "eim/eim.hpp"

#include <chrono>

#include "eim/esipa.hpp"
#include "eim/euicc_package.hpp"
#include "euiccsim/applets/eid.hpp"

namespace euiccsim::eim {

const Bytes kAllEuiccDataTags = {0x81, 0x83, 0x84, 0xA0, 0xA2, 0xA5, 0xA6,
                                 0xA8, 0xA9, 0xBF, 0x20, 0xBF, 0x22};

namespace {

std::int64_t system_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::vector<std::string> split_dollar(const std::string& s) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    auto d = s.find('$', start);
    parts.push_back(s.substr(start, d == std::string::npos ? std::string::npos : d - start));
    if (d == std::string::npos) break;
    start = d + 1;
  }
  return parts;
}

// A tag list is tags back to back, read as BER-TLV tags are (ISO/IEC 7816-4 §8.4.2).
bool well_formed_tags(ByteView tags) {
  auto list = tlv::read_tags(tags);
  return list && !list->empty();
}

json::Value opt(const std::optional<std::int64_t>& v) {
  return v ? json::Value(*v) : json::Value();
}

}  // namespace

ActivationCode parse_activation_code(const std::string& text) {
  std::string s = text.rfind("LPA:", 0) == 0 ? text.substr(4) : text;
  auto parts = split_dollar(s);
  if (parts.size() < 3 || parts[0] != "1")
    throw std::invalid_argument("activation code '" + text +
                                "': expected 1$SMDP_ADDRESS$MATCHING_ID[$OID[$CC_FLAG]]");
  if (parts[1].empty())
    throw std::invalid_argument("activation code '" + text + "': no SM-DP+ address");
  if (parts.size() > 5) throw std::invalid_argument("activation code '" + text + "': too many '$'");
  ActivationCode ac;
  ac.smdp_address = parts[1];
  ac.matching_id = parts[2];
  if (parts.size() > 3) ac.smdp_oid = parts[3];
  if (parts.size() > 4) {
    if (parts[4] != "0" && parts[4] != "1")
      throw std::invalid_argument("activation code '" + text + "': the CC flag is 0 or 1");
    ac.confirmation_code_required = parts[4] == "1";
  }
  return ac;
}

Eim::Eim(Store& store, EimConfig config)
    : store_(store),
      config_(std::move(config)),
      drbg_(config_.seed ? crypto::Drbg::from_seed(*config_.seed, "eim")
                         : crypto::Drbg::from_os()) {
  if (!config_.now_ms) config_.now_ms = system_ms;
  // `eim queue` and `eim register` on the same database take this as their default eIM.
  if (!config_.identities.empty())
    store_.set_meta("default_eim_id", config_.identities.front().eim_id);
}

Eim::~Eim() = default;

std::int64_t Eim::now() const {
  return config_.now_ms();
}

const Identity* Eim::identity(const std::string& eim_id) const {
  for (const auto& i : config_.identities) {
    if (i.eim_id == eim_id) return &i;
  }
  return nullptr;
}

std::string Eim::default_eim_id() const {
  if (!config_.identities.empty()) return config_.identities.front().eim_id;
  return store_.meta("default_eim_id").value_or("");
}

Bytes Eim::new_transaction_id() {
  // Unique in this database: a seeded DRBG restarts its stream with the process, so a value
  // already used is drawn again.
  for (;;) {
    Bytes id;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      id = drbg_.bytes(8);
    }
    if (!store_.item_by_transaction(id)) return id;
  }
}

std::string Eim::eid_of_connection(const std::string& connection) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = connections_.find(connection);
  return it == connections_.end() ? std::string() : it->second;
}

void Eim::remember_connection(const std::string& connection, const std::string& eid) {
  if (connection.empty()) return;
  std::lock_guard<std::mutex> lock(mutex_);
  // Bounded: a long-running eIM sees many short connections.
  if (connections_.size() > 65536) connections_.clear();
  connections_[connection] = eid;
}

EsipaAnswer Eim::handle(ByteView request, const std::string& connection) {
  EsipaAnswer answer;
  auto top = tlv::read(request);
  if (!top || top->size != request.size()) {
    answer.http_status = 400;
    answer.function = "?";
    answer.outcome = request.empty() ? "empty body"
                     : !top          ? "not one BER-TLV (truncated or malformed)"
                                     : "bytes after the message";
    return answer;
  }
  try {
    switch (top->tag) {
      case 0xBF4F:
        return esipa::get_eim_package(*this, request, connection);
      case 0xBF50:
        return esipa::provide_eim_package_result(*this, request, connection, false);
      case 0xBF3D:
        return esipa::handle_notification(*this, request, connection);
      case 0xBF39:
        return esipa::initiate_authentication(*this, request, connection);
      case 0xBF3B:
        return esipa::authenticate_client(*this, request, connection);
      case 0xBF3A:
        return esipa::get_bound_profile_package(*this, request, connection);
      case 0xBF41:
        return esipa::cancel_session(*this, request, connection);
      case 0xBF4E:
        answer.http_status = 400;
        answer.function = "TransferEimPackage";
        answer.outcome = "injection mode is not supported by this eIM (retrieval only)";
        return answer;
      default:
        answer.http_status = 400;
        answer.function = "?";
        char tag[16];
        std::snprintf(tag, sizeof tag, "%X", top->tag);
        answer.outcome = std::string("tag ") + tag + " is no ESipa request";
        return answer;
    }
  } catch (const StoreError& e) {
    answer.http_status = 500;
    answer.function = answer.function.empty() ? "?" : answer.function;
    answer.outcome = std::string("database: ") + e.what();
  } catch (const std::exception& e) {
    answer.http_status = 500;
    answer.function = answer.function.empty() ? "?" : answer.function;
    answer.outcome = std::string("internal error: ") + e.what();
  }
  return answer;
}

// ---- administration ----

std::int64_t Eim::enqueue(const QueueRequest& r) {
  if (!Eid::parse(r.eid))
    throw std::invalid_argument("EID '" + r.eid + "': " + Eid::why_invalid(r.eid));
  std::string eim_id = r.eim_id.empty() ? default_eim_id() : r.eim_id;
  if (eim_id.empty()) throw std::invalid_argument("no eimId given and the eIM has no default");
  if (eim_id.size() > 128) throw std::invalid_argument("eimId: 1 to 128 bytes");
  auto spec = json::Value::object();
  switch (r.kind) {
    case ItemKind::kEuiccPackage: {
      if (r.operations.empty())
        throw std::invalid_argument("a package needs at least one operation");
      if (r.operations.size() > 32)
        throw std::invalid_argument("more than 32 operations in one package");
      auto ops = json::Value::array();
      for (std::size_t i = 0; i < r.operations.size(); ++i) {
        Operation op;
        try {
          op = parse_operation(r.operations[i], r.eco);
        } catch (const PackageError& e) {
          throw std::invalid_argument(std::string(r.eco ? "eCO" : "PSMO") + " '" + r.operations[i] +
                                      "': " + e.what());
        }
        auto o = json::Value::object();
        o["text"] = r.operations[i];
        if (op.kind == Operation::Kind::kAddEim || op.kind == Operation::Kind::kUpdateEim) {
          const Bytes cfg = i < r.configurations.size() ? r.configurations[i] : Bytes{};
          if (cfg.empty())
            throw std::invalid_argument("'" + r.operations[i] + "': no EimConfigurationData");
          try {
            eim_id_of_configuration(cfg);
          } catch (const PackageError& e) {
            throw std::invalid_argument("'" + r.operations[i] + "': " + e.what());
          }
          o["configuration"] = to_hex(cfg);
        }
        ops.push_back(std::move(o));
      }
      spec["eco"] = r.eco;
      spec["operations"] = std::move(ops);
      // A package that does not build now never will: try it with a throwaway key.
      static const crypto::PrivateKey probe = [] {
        auto drbg = crypto::Drbg::from_seed(1, "eim-probe");
        return crypto::PrivateKey::generate(crypto::Curve::kNistP256, drbg);
      }();
      try {
        esipa::build_euicc_package(spec, r.eid, eim_id, 1, Bytes(8, 0), probe, std::nullopt);
      } catch (const std::exception& e) {
        throw std::invalid_argument(std::string("the package cannot be built: ") + e.what());
      }
      break;
    }
    case ItemKind::kIpaEuiccData:
      if (!well_formed_tags(r.tag_list))
        throw std::invalid_argument("tag list '" + to_hex(r.tag_list) + "': not a list of tags");
      spec["tagList"] = to_hex(r.tag_list);
      break;
    case ItemKind::kProfileDownload: {
      auto ac = parse_activation_code(r.activation_code);
      if (r.activation_code.size() > 255 + 4)
        throw std::invalid_argument("activation code: at most 255 characters");
      std::string text =
          r.activation_code.rfind("LPA:", 0) == 0 ? r.activation_code.substr(4) : r.activation_code;
      if (text.size() > 255) throw std::invalid_argument("activation code: at most 255 characters");
      spec["activationCode"] = text;
      spec["indirect"] = r.indirect;
      spec["smdpAddress"] = ac.smdp_address;
      spec["matchingId"] = ac.matching_id;
      break;
    }
  }
  std::int64_t id = 0;
  store_.transaction([&] {
    id = store_.enqueue(r.eid, eim_id, r.kind, spec.dump(), new_transaction_id(), now());
    // An eIM the card was never registered with starts at counter 0 without a token; `eim
    // register` or an IpaEuiccData (its associationToken) corrects that before the hand-out.
    if (r.kind == ItemKind::kEuiccPackage && !store_.association(r.eid, eim_id))
      store_.put_association(Association{r.eid, eim_id, 0, {}, false});
  });
  return id;
}

void Eim::register_card(const std::string& eid, const std::string& eim_id,
                        std::optional<std::int64_t> counter,
                        std::optional<std::optional<std::int64_t>> association_token,
                        const Bytes& euicc_certificate) {
  if (!Eid::parse(eid)) throw std::invalid_argument("EID '" + eid + "': " + Eid::why_invalid(eid));
  store_.transaction([&] {
    store_.ensure_card(eid, now());
    if (!eim_id.empty()) {
      auto a = store_.association(eid, eim_id).value_or(Association{eid, eim_id, 0, {}, false});
      if (counter) a.counter = *counter;
      if (association_token) a.association_token = *association_token;
      a.deleted = false;
      store_.put_association(a);
    }
    if (!euicc_certificate.empty()) store_.set_certificates(eid, euicc_certificate, {}, "given");
  });
  if (!euicc_certificate.empty()) esipa::reverify(*this, eid);
}

bool Eim::cancel(std::int64_t id) {
  return store_.cancel(id, now());
}

json::Value Eim::status(const std::string& eid) {
  return card_status(store_, eid);
}

json::Value card_status(Store& store, const std::string& eid) {
  auto j = json::Value::object();
  j["eid"] = eid;
  auto card = store.card(eid);
  j["known"] = card.has_value();
  if (!card) return j;
  auto c = json::Value::object();
  c["certificate"] = card->euicc_certificate.empty() ? "none" : card->certificate_source;
  c["createdMs"] = card->created_ms;
  c["lastSeenMs"] = opt(card->last_seen_ms);
  c["polls"] = card->polls;
  c["stateChanges"] = card->state_changes;
  c["lastStateChangeCause"] = opt(card->last_state_change_cause);
  if (!card->last_rplmn.empty()) c["lastRplmn"] = to_hex(card->last_rplmn);
  if (card->default_smdp_address) c["defaultSmdpAddress"] = *card->default_smdp_address;
  if (card->root_smds_address) c["rootSmdsAddress"] = *card->root_smds_address;
  c["euiccInfo1"] = !card->euicc_info1.empty();
  c["euiccInfo2"] = !card->euicc_info2.empty();
  c["ipaCapabilities"] =
      card->ipa_capabilities.empty() ? json::Value() : json::Value(to_hex(card->ipa_capabilities));
  c["deviceInfo"] = !card->device_info.empty();
  j["card"] = std::move(c);

  auto assoc = json::Value::array();
  for (const auto& a : store.associations(eid)) {
    auto x = json::Value::object();
    x["eimId"] = a.eim_id;
    x["counter"] = a.counter;
    x["associationToken"] = opt(a.association_token);
    x["deleted"] = a.deleted;
    assoc.push_back(std::move(x));
  }
  j["associations"] = std::move(assoc);

  const auto items = store.items(eid);
  const auto results = store.results(eid);
  std::map<std::string, std::int64_t> by_state;
  std::int64_t delivered = 0, answered = 0, verified = 0;
  for (const auto& it : items) {
    ++by_state[state_name(it.state)];
    if (it.sends > 0) ++delivered;
  }
  for (const auto& r : results) {
    if (r.queue_id) ++answered;
    if (r.verdict == "verified") ++verified;
  }
  auto counts = json::Value::object();
  for (const char* s : {"queued", "sent", "done", "replayed", "failed", "cancelled"})
    counts[s] = by_state[s];
  counts["delivered"] = delivered;
  counts["answered"] = answered;
  counts["resultsVerified"] = verified;
  j["counts"] = std::move(counts);

  auto queue = json::Value::array();
  for (const auto& it : items) {
    auto x = json::Value::object();
    x["id"] = it.id;
    x["kind"] = kind_name(it.kind);
    x["eimId"] = it.eim_id;
    x["state"] = state_name(it.state);
    x["eimTransactionId"] = to_hex(it.transaction_id);
    x["counter"] = opt(it.counter);
    x["sends"] = it.sends;
    x["createdMs"] = it.created_ms;
    x["firstSentMs"] = opt(it.first_sent_ms);
    x["lastSentMs"] = opt(it.last_sent_ms);
    x["finishedMs"] = opt(it.finished_ms);
    x["outcome"] = it.outcome;
    if (auto spec = json::parse(it.spec)) x["request"] = *spec;
    queue.push_back(std::move(x));
  }
  j["queue"] = std::move(queue);

  auto res = json::Value::array();
  for (const auto& r : results) {
    auto x = json::Value::object();
    x["id"] = r.id;
    x["queueId"] = opt(r.queue_id);
    x["kind"] = r.kind;
    x["form"] = r.form;
    x["eimTransactionId"] =
        r.transaction_id.empty() ? json::Value() : json::Value(to_hex(r.transaction_id));
    x["seqNumber"] = opt(r.seq_number);
    x["verdict"] = r.verdict;
    x["summary"] = r.summary;
    x["deliveries"] = r.deliveries;
    x["receivedMs"] = r.received_ms;
    x["der"] = to_hex(r.der);
    res.push_back(std::move(x));
  }
  j["results"] = std::move(res);

  auto notes = json::Value::array();
  for (const auto& n : store.notifications(eid)) {
    auto x = json::Value::object();
    x["id"] = n.id;
    x["seqNumber"] = opt(n.seq_number);
    x["form"] = n.form;
    x["event"] = n.event;
    x["address"] = n.address;
    x["iccid"] = n.iccid;
    x["verdict"] = n.verdict;
    x["forwarded"] = n.forwarded;
    x["deliveries"] = n.deliveries;
    x["receivedMs"] = n.received_ms;
    notes.push_back(std::move(x));
  }
  j["notifications"] = std::move(notes);

  auto dls = json::Value::array();
  for (const auto& d : store.downloads(eid)) {
    auto x = json::Value::object();
    x["id"] = d.id;
    x["queueId"] = opt(d.queue_id);
    x["smdpAddress"] = d.smdp_address;
    x["matchingId"] = d.matching_id;
    x["transactionId"] = to_hex(d.smdp_transaction_id);
    x["state"] = d.state;
    x["compact"] = d.compact;
    x["startedMs"] = d.started_ms;
    x["updatedMs"] = d.updated_ms;
    x["outcome"] = d.outcome;
    dls.push_back(std::move(x));
  }
  j["downloads"] = std::move(dls);
  return j;
}

}  // namespace euiccsim::eim
