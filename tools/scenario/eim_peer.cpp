#include "eim_peer.hpp"

#include "ipa/esipa_https.hpp"

namespace euiccsim::scenario {

EimPeer::EimPeer(const std::filesystem::path& db, EimPeerOptions options)
    : db_(db), options_(std::move(options)) {
  open();
}

EimPeer::~EimPeer() {
  if (https_) {
    https_->stop();
    if (https_thread_.joinable()) https_thread_.join();
  }
}

void EimPeer::open() {
  // WAL's NORMAL sync: the cases kill the process, never the machine's power.
  store_ = eim::Store::open(db_.string(), false);
  eim::EimConfig c;
  c.identities.push_back({options_.eim_id, *options_.key});
  c.relay = options_.relay;
  c.accept_v1_0 = options_.accept_v1_0;
  c.auto_register = options_.auto_register;
  c.now_ms = options_.now_ms;
  c.seed = options_.seed;
  c.forward_timeout_seconds = 5;
  eim_ = std::make_unique<eim::Eim>(*store_, std::move(c));
  ipa::EsipaPost inner;
  if (options_.https) {
    https_ = std::make_unique<eim::EsipaHttpsServer>(
        *eim_, (options_.tls_dir / "dp-tls.chain.pem").string(),
        (options_.tls_dir / "dp-tls.key.pem").string(), nullptr);
    const int port = https_->bind("127.0.0.1", 0);
    https_thread_ = std::thread([h = https_.get()] { h->run(); });
    address_ = "localhost:" + std::to_string(port);
    smdp::TlsClientOptions tls;
    tls.ca_file = (options_.tls_dir / "ci.pem").string();
    inner = ipa::esipa_https_post(address_, tls);
  } else {
    inner = [e = eim_.get()](ByteView request) {
      auto a = e->handle(request, "ipa");
      return ipa::EsipaReply{a.http_status, a.body};
    };
  }
  faulty_ = std::make_unique<EsipaFaultyPost>(inner, options_.faults);
}

void EimPeer::restart() {
  fired_before_ = fired();
  if (https_) {
    https_->stop();
    if (https_thread_.joinable()) https_thread_.join();
    https_.reset();
  }
  eim_.reset();
  store_.reset();
  open();
}

void EimPeer::set_faults(std::vector<EsipaFault> plan) {
  fired_before_ = fired();
  options_.faults.plan = std::move(plan);
  ipa::EsipaPost inner;
  if (https_) {
    smdp::TlsClientOptions tls;
    tls.ca_file = (options_.tls_dir / "ci.pem").string();
    inner = ipa::esipa_https_post(address_, tls);
  } else {
    inner = [e = eim_.get()](ByteView request) {
      auto a = e->handle(request, "ipa");
      return ipa::EsipaReply{a.http_status, a.body};
    };
  }
  faulty_ = std::make_unique<EsipaFaultyPost>(inner, options_.faults);
}

std::vector<std::string> EimPeer::fired() const {
  auto out = fired_before_;
  for (const auto& f : faulty_->fired()) out.push_back(f);
  return out;
}

nlohmann::json EimPeer::status(const std::string& eid) {
  if (!store_->card(eid)) return nlohmann::json::object();
  return nlohmann::json::parse(eim_->status(eid).dump());
}

nlohmann::json EimPeer::item(std::int64_t id) {
  auto it = store_->item(id);
  if (!it) return nullptr;
  const nlohmann::json all = status(it->eid);
  for (const auto& i : all.value("queue", nlohmann::json::array())) {
    if (i.value("id", std::int64_t{-1}) == id) return i;
  }
  return nullptr;
}

}  // namespace euiccsim::scenario
