// libFuzzer target for the test SM-DP+'s ES9+ front (`smdp serve`): the input is one HTTP
// request body, sent to the function its first byte picks, answered by answer_es9plus with a
// real server (test PKI, one profile offered). A peer on the network chooses these bytes.
// Invariants: the server never crashes; every answer is 204 without a body, or JSON with an
// ES9+ header (404 for no such function); nothing but a bad request reaches 500.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "euiccsim/crypto/test_pki.hpp"
#include "euiccsim/profiles/builder.hpp"
#include "euiccsim/profiles/package.hpp"
#include "euiccsim/simulator/json.hpp"
#include "smdp/es9plus_json.hpp"
#include "smdp/server.hpp"

namespace {
using namespace euiccsim;

smdp::Server& server() {
  static crypto::Drbg drbg = crypto::Drbg::from_seed(3, "fuzz-es9plus");
  static std::unique_ptr<smdp::Server> s = [] {
    auto ci = crypto::make_ci({}, drbg);
    auto dp_auth = crypto::make_dp_auth(ci, {}, drbg);
    auto dp_pb = crypto::make_dp_pb(ci, {}, drbg);
    auto server = std::make_unique<smdp::Server>(
        smdp::ServerConfig{"smdp.example.com", dp_auth, dp_pb, {ci.certificate}}, drbg);
    profiles::ProfileSpec spec;
    spec.iccid = Iccid::parse("89001990000000000012");
    spec.imsi = "001010000000001";
    auto k = from_hex("465B5CE8B199B49FAA5F0A2EE238A6BC");
    spec.k = SecureBytes(k.begin(), k.end());
    spec.opc = spec.k;
    smdp::ProfileOffer offer;
    offer.matching_id = "FUZZ";
    offer.package = profiles::encode_package(profiles::build_profile(spec));
    server->add_profile(std::move(offer));
    return server;
  }();
  return *s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const char* const functions[] = {"initiateAuthentication", "authenticateClient",
                                          "getBoundProfilePackage", "handleNotification",
                                          "cancelSession",          "bogus"};
  if (size == 0) return 0;
  const char* function = functions[data[0] % 6];
  std::string body(reinterpret_cast<const char*>(data + 1), size - 1);
  smdp::HttpReply r = smdp::answer_es9plus(server(), function, body);
  if (r.status == 204) {
    if (!r.body.empty()) std::abort();
    return 0;
  }
  if (r.status != 200 && r.status != 404) std::abort();
  auto v = json::parse(r.body);
  if (!v || !json::member(json::member(&*v, "header"), "functionExecutionStatus")) std::abort();
  return 0;
}
