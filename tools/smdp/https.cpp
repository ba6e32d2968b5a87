#include "https.hpp"

#include <httplib.h>

#include <chrono>
#include <stdexcept>

#include "euiccsim/simulator/json.hpp"
#include "tls/identity.hpp"

namespace euiccsim::smdp {

namespace {

std::string outcome_of(const HttpReply& reply) {
  if (reply.status == 204) return "Executed-Success";
  auto v = json::parse(reply.body);
  const json::Value* s = v ? json::member(*v, "header") : nullptr;
  s = json::member(s, "functionExecutionStatus");
  if (s == nullptr) return "";
  const std::string* status = json::string_of(json::member(s, "status"));
  std::string out = status ? *status : "";
  if (const json::Value* d = json::member(s, "statusCodeData")) {
    auto text = [&](const char* k) {
      const std::string* f = json::string_of(json::member(d, k));
      return f ? *f : std::string();
    };
    out += " " + text("subjectCode") + "/" + text("reasonCode");
  }
  return out;
}

}  // namespace

std::pair<std::string, int> split_host_port(const std::string& host_port, int default_port) {
  std::string host = host_port;
  int port = default_port;
  // [v6]:port, host:port, host
  if (!host.empty() && host.front() == '[') {
    auto close = host.find(']');
    if (close == std::string::npos) throw std::invalid_argument("'" + host_port + "': no ']'");
    std::string rest = host.substr(close + 1);
    host = host.substr(1, close - 1);
    if (!rest.empty()) {
      if (rest.front() != ':') throw std::invalid_argument("'" + host_port + "': bad port");
      rest.erase(0, 1);
      if (rest.empty() || rest.find_first_not_of("0123456789") != std::string::npos)
        throw std::invalid_argument("'" + host_port + "': bad port");
      port = std::stoi(rest.substr(0, 6));
    }
  } else if (auto colon = host.rfind(':'); colon != std::string::npos && host.find(':') == colon) {
    std::string p = host.substr(colon + 1);
    host.resize(colon);
    if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos)
      throw std::invalid_argument("'" + host_port + "': bad port '" + p + "'");
    port = std::stoi(p);
  }
  if (host.empty()) throw std::invalid_argument("'" + host_port + "': no host");
  if (port < 0 || port > 65535) throw std::invalid_argument("'" + host_port + "': bad port");
  return {host, port};
}

struct Es9PlusHttpsServer::Impl {
  std::unique_ptr<httplib::SSLServer> http;
};

Es9PlusHttpsServer::Es9PlusHttpsServer(Es9Plus& server, const std::string& cert_chain,
                                       const std::string& key,
                                       std::function<void(const HttpsRequestLog&)> log) {
  for (const auto& f : {cert_chain, key}) {
    if (FILE* fp = std::fopen(f.c_str(), "rb")) {
      std::fclose(fp);
    } else {
      throw std::runtime_error("cannot read " + f);
    }
  }
  impl_ = std::make_unique<Impl>();
  std::string error;
  impl_->http = std::make_unique<httplib::SSLServer>(
      [&](SSL_CTX& ctx) { return tls::load_identity(ctx, cert_chain, key, error); });
  if (!impl_->http->is_valid())
    throw std::runtime_error(error.empty() ? "TLS: cannot set up " + cert_chain : "TLS: " + error);
  auto handler = [&server, log](const httplib::Request& req, httplib::Response& res) {
    const auto start = std::chrono::steady_clock::now();
    std::string function = req.matches.size() > 1 ? req.matches[1].str() : "";
    HttpReply reply = answer_es9plus(server, function, req.body);
    res.status = reply.status;
    res.set_header("X-Admin-Protocol", kAdminProtocol);
    if (!reply.body.empty()) res.set_content(reply.body, "application/json;charset=UTF-8");
    if (log) {
      HttpsRequestLog line;
      line.remote = req.remote_addr + ":" + std::to_string(req.remote_port);
      line.path = req.path;
      line.http_status = reply.status;
      line.outcome = outcome_of(reply);
      line.us = std::chrono::duration_cast<std::chrono::microseconds>(
                    std::chrono::steady_clock::now() - start)
                    .count();
      log(line);
    }
  };
  impl_->http->set_tcp_nodelay(true);
  impl_->http->set_payload_max_length(kDefaultMaxRequestBytes);
  impl_->http->Post(R"(/gsma/rsp2/es9plus/([A-Za-z]+))", handler);
  // Anything else: 404, logged too, so a client that took a wrong path sees why.
  impl_->http->set_error_handler([log](const httplib::Request& req, httplib::Response& res) {
    if (log) {
      HttpsRequestLog line;
      line.remote = req.remote_addr + ":" + std::to_string(req.remote_port);
      line.path = req.method + " " + req.path;
      line.http_status = res.status;
      log(line);
    }
  });
}

Es9PlusHttpsServer::~Es9PlusHttpsServer() = default;

void Es9PlusHttpsServer::set_max_request_bytes(std::size_t bytes) {
  impl_->http->set_payload_max_length(bytes);
}

int Es9PlusHttpsServer::bind(const std::string& host, int port) {
  if (port == 0) {
    int p = impl_->http->bind_to_any_port(host.c_str());
    if (p <= 0) throw std::runtime_error("cannot listen on " + host + " (any port)");
    return p;
  }
  if (!impl_->http->bind_to_port(host.c_str(), port))
    throw std::runtime_error("cannot listen on " + host + ":" + std::to_string(port) +
                             " (in use, or not an address of this machine)");
  return port;
}

void Es9PlusHttpsServer::run() {
  impl_->http->listen_after_bind();
}

void Es9PlusHttpsServer::stop() {
  impl_->http->stop();
}

Es9Post https_post(const std::string& host_port, const TlsClientOptions& options) {
  auto [host, port] = split_host_port(host_port, 443);
  auto client = std::make_shared<httplib::SSLClient>(host, port);
  client->set_keep_alive(true);
  // Each call is one small request and one answer: without TCP_NODELAY a kept-alive
  // connection waits out the peer's delayed ACK (about 40 ms) on every call.
  client->set_tcp_nodelay(true);
  // OpenSSL 3.0 offers no brainpool group by default, and a server whose TLS certificate is
  // on brainpoolP256r1 (an SGP.22 curve) then fails the handshake; offer them after the usual
  // ones (TLS 1.2 then carries the brainpool certificate).
  SSL_CTX_set1_groups_list(
      client->ssl_context(),
      "X25519:P-256:P-384:P-521:brainpoolP256r1:brainpoolP384r1:brainpoolP512r1");
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
  const std::string base = "https://" + host_port;
  return [client, base](const std::string& path, const std::string& body) {
    httplib::Headers headers{{"X-Admin-Protocol", kAdminProtocol}, {"User-Agent", "euicc-sim-lpa"}};
    auto res = client->Post(path.c_str(), headers, body, "application/json;charset=UTF-8");
    if (!res) {
      std::string why;
      switch (res.error()) {
        case httplib::Error::Connection:
          why = "cannot connect";
          break;
        case httplib::Error::SSLConnection:
          why = "TLS handshake failed";
          break;
        case httplib::Error::SSLServerVerification:
          why = std::string("the server's TLS certificate does not verify (") +
                X509_verify_cert_error_string(client->get_openssl_verify_result()) +
                "; --ca FILE names the issuer, --insecure-tls skips the check)";
          break;
        case httplib::Error::Read:
          why = "no answer (connection closed or timed out)";
          break;
        case httplib::Error::Write:
          why = "the request could not be sent";
          break;
        default:
          why = httplib::to_string(res.error());
      }
      throw std::runtime_error(base + path + ": " + why);
    }
    return HttpReply{res->status, res->body};
  };
}

}  // namespace euiccsim::smdp
