// The test eIM as a scenario's peer (docs/scenarios.md "peers.eim"): tools/eim in process, on
// its own SQLite database in the case's directory, reached by the IPA in process or over the
// HTTPS binding on a loopback port, with the ESipa fault layer between them. Its eIM identity
// signs with the case PKI's eIM key of its curve, the key the cards' eIM configurations name.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "eim/eim.hpp"
#include "eim/esipa_https.hpp"
#include "esipa_faults.hpp"

namespace euiccsim::scenario {

struct EimPeerOptions {
  std::string eim_id = "eim-1";
  std::optional<crypto::PrivateKey> key;  // required
  bool https = false;
  std::filesystem::path tls_dir;  // https: the folder of write_test_pki (dp-tls.*, ci.pem)
  bool auto_register = false;
  bool accept_v1_0 = false;
  eim::RelayFor relay;
  std::function<std::int64_t()> now_ms;
  std::optional<std::uint64_t> seed;
  EsipaFaultyPost::Options faults;
};

class EimPeer {
 public:
  EimPeer(const std::filesystem::path& db, EimPeerOptions options);
  ~EimPeer();

  // The IPA's way to the eIM: through the fault layer, in process or over HTTPS.
  ipa::EsipaPost post() { return faulty_->post(); }
  eim::Eim& eim() { return *eim_; }
  const std::string& eim_id() const { return options_.eim_id; }
  // "127.0.0.1:PORT" over HTTPS, "in-process" otherwise.
  const std::string& address() const { return address_; }
  // `eim status --json` for the card, as nlohmann JSON (an empty object when unknown).
  nlohmann::json status(const std::string& eid);
  // The item as `eim status` lists it.
  nlohmann::json item(std::int64_t id);
  // A new fault plan (the trace and wait stay).
  void set_faults(std::vector<EsipaFault> plan);
  std::vector<std::string> fired() const;
  // The eIM process ends (as after SIGKILL: only the database survives) and starts again.
  void restart();

 private:
  void open();
  std::filesystem::path db_;
  EimPeerOptions options_;
  std::unique_ptr<eim::Store> store_;
  std::unique_ptr<eim::Eim> eim_;
  std::unique_ptr<eim::EsipaHttpsServer> https_;
  std::thread https_thread_;
  std::string address_ = "in-process";
  std::unique_ptr<EsipaFaultyPost> faulty_;
  std::vector<std::string> fired_before_;
};

}  // namespace euiccsim::scenario
