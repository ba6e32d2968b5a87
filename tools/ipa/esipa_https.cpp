#include "esipa_https.hpp"

#include <httplib.h>

#include <cstdio>
#include <memory>
#include <stdexcept>

namespace euiccsim::ipa {

EsipaPost esipa_https_post(const std::string& host_port, const smdp::TlsClientOptions& options) {
  auto [host, port] = smdp::split_host_port(host_port, 443);
  auto client = std::make_shared<httplib::SSLClient>(host, port);
  client->set_keep_alive(true);
  // One small request and answer per call: without TCP_NODELAY a kept-alive connection waits
  // out the peer's delayed ACK on every call.
  client->set_tcp_nodelay(true);
  client->set_connection_timeout(options.timeout_seconds, 0);
  client->set_read_timeout(options.timeout_seconds, 0);
  client->set_write_timeout(options.timeout_seconds, 0);
  if (options.insecure) {
    client->enable_server_certificate_verification(false);
  } else {
    client->enable_server_certificate_verification(true);
    if (!options.ca_file.empty()) {
      if (FILE* fp = std::fopen(options.ca_file.c_str(), "rb")) {
        std::fclose(fp);
      } else {
        throw std::runtime_error("cannot read " + options.ca_file);
      }
      client->set_ca_cert_path(options.ca_file.c_str());
    }
  }
  const std::string url = "https://" + host_port + "/gsma/rsp2/asn1";
  return [client, url](ByteView request) {
    httplib::Headers headers{{"X-Admin-Protocol", "gsma/rsp/v2.1.0"},
                             {"User-Agent", "euicc-sim-ipa"}};
    const std::string body(request.begin(), request.end());
    auto res = client->Post("/gsma/rsp2/asn1", headers, body, "application/x-gsma-rsp-asn1");
    if (!res) throw std::runtime_error(url + ": " + httplib::to_string(res.error()));
    return EsipaReply{res->status, Bytes(res->body.begin(), res->body.end())};
  };
}

}  // namespace euiccsim::ipa
