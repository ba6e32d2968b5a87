#include "eim/esipa_https.hpp"

#include "tls/identity.hpp"

#include <httplib.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <regex>
#include <stdexcept>

namespace euiccsim::eim {

namespace {

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("cannot read " + path);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The media type without parameters ("application/x-gsma-rsp-asn1; charset=..." counts).
std::string media_type(const std::string& header) {
  auto semi = header.find(';');
  std::string t = header.substr(0, semi);
  while (!t.empty() && t.back() == ' ') t.pop_back();
  while (!t.empty() && t.front() == ' ') t.erase(0, 1);
  return lower(t);
}

}  // namespace

bool admin_protocol_accepted(const std::string& value) {
  static const std::regex v2(R"(gsma/rsp/v2\.[0-9]+\.[0-9]+)", std::regex::icase);
  return std::regex_match(value, v2);
}

struct EsipaHttpsServer::Impl {
  std::unique_ptr<httplib::SSLServer> http;
};

EsipaHttpsServer::EsipaHttpsServer(Eim& eim, const std::string& cert_file,
                                   const std::string& key_file,
                                   std::function<void(const EsipaRequestLog&)> log)
    : impl_(std::make_unique<Impl>()) {
  std::string error;
  slurp(cert_file);  // one-line "cannot read" before OpenSSL's words
  slurp(key_file);
  impl_->http = std::make_unique<httplib::SSLServer>(
      [&](SSL_CTX& ctx) { return tls::load_identity(ctx, cert_file, key_file, error); });
  if (!impl_->http->is_valid())
    throw std::runtime_error(error.empty() ? "TLS: cannot set up " + cert_file : "TLS: " + error);

  auto emit = [log](const httplib::Request& req, int status, const std::string& eid,
                    const std::string& function, const std::string& outcome,
                    std::chrono::steady_clock::time_point start, std::size_t out_bytes) {
    if (!log) return;
    EsipaRequestLog line;
    line.remote = req.remote_addr + ":" + std::to_string(req.remote_port);
    line.eid = eid;
    line.function = function;
    line.http_status = status;
    line.outcome = outcome;
    line.request_bytes = req.body.size();
    line.response_bytes = out_bytes;
    line.us = std::chrono::duration_cast<std::chrono::microseconds>(
                  std::chrono::steady_clock::now() - start)
                  .count();
    log(line);
  };

  auto handler = [&eim, emit](const httplib::Request& req, httplib::Response& res) {
    const auto start = std::chrono::steady_clock::now();
    const bool oirsp = req.path == kOirspPath;
    const char* answer_type = oirsp ? kOirspMediaType : kEsipaMediaType;
    res.set_header("X-Admin-Protocol", kEsipaAdminProtocol);
    auto refuse = [&](int status, const std::string& why) {
      res.status = status;
      res.set_content(why + "\n", "text/plain");
      emit(req, status, "", "?", why, start, 0);
    };
    const std::string type = media_type(req.get_header_value("Content-Type"));
    if (type != kEsipaMediaType && type != kOirspMediaType)
      return refuse(415, "Content-Type '" + req.get_header_value("Content-Type") + "' is not " +
                             kEsipaMediaType);
    const std::string admin = req.get_header_value("X-Admin-Protocol");
    if (!admin_protocol_accepted(admin))
      return refuse(400, "X-Admin-Protocol '" + admin + "' is not gsma/rsp/v2.x.y");
    const std::string connection = req.remote_addr + ":" + std::to_string(req.remote_port);
    const auto& body = req.body;
    EsipaAnswer a = eim.handle(
        ByteView(reinterpret_cast<const std::uint8_t*>(body.data()), body.size()), connection);
    res.status = a.http_status;
    if (a.http_status != 200) {
      res.set_content(a.outcome + "\n", "text/plain");
    } else if (!a.body.empty()) {
      res.set_content(std::string(a.body.begin(), a.body.end()), answer_type);
    } else {
      // No response defined: 200, no body (ESIPA.md §2.1, as onomondo-eim answers).
      res.set_header("Content-Length", "0");
    }
    emit(req, a.http_status, a.eid, a.function, a.outcome, start, a.body.size());
  };
  impl_->http->set_tcp_nodelay(true);
  impl_->http->set_keep_alive_max_count(1000);
  // An IPA keeps its connection for a procedure (onomondo-eim's README); an idle one is
  // closed after 5 s, which also bounds how long stop() waits for it.
  impl_->http->set_keep_alive_timeout(5);
  impl_->http->set_read_timeout(30, 0);
  impl_->http->set_payload_max_length(1 << 20);
  impl_->http->Post(kEsipaPath, handler);
  impl_->http->Post(kOirspPath, handler);
  // Every other request is logged with why it was refused.
  impl_->http->set_error_handler([emit](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;  // an answer of the handler above, already logged
    const auto start = std::chrono::steady_clock::now();
    if (res.status == 404 && (req.path == kEsipaPath || req.path == kOirspPath)) res.status = 405;
    const std::string why = res.status == 405   ? req.method + " is not POST"
                            : res.status == 413 ? "body over 1 MiB"
                            : res.status == 404 ? "no such path " + req.path
                                                : "HTTP " + std::to_string(res.status);
    res.set_content(why + "\n", "text/plain");
    emit(req, res.status, "", "?", why, start, 0);
  });
}

EsipaHttpsServer::~EsipaHttpsServer() = default;

int EsipaHttpsServer::bind(const std::string& host, int port) {
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

void EsipaHttpsServer::run() {
  impl_->http->listen_after_bind();
}

void EsipaHttpsServer::stop() {
  impl_->http->stop();
}

}  // namespace euiccsim::eim
