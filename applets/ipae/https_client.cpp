#include "euiccsim/applets/ipae/https_client.hpp"

#include <botan/certstor.h>
#include <botan/credentials_manager.h>
#include <botan/tls_callbacks.h>
#include <botan/tls_client.h>
#include <botan/tls_exceptn.h>
#include <botan/tls_policy.h>
#include <botan/tls_session_manager.h>
#include <botan/x509cert.h>
#include <botan/x509path.h>

#include <algorithm>
#include <cctype>

namespace euiccsim::applets::ipae {

namespace {

constexpr std::size_t kMaxHead = 16 * 1024;
constexpr std::size_t kMaxChunkLine = 64;

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

// The index just past the first CRLF CRLF of `b`, or 0.
std::size_t end_of_head(const Bytes& b) {
  for (std::size_t i = 3; i < b.size(); ++i) {
    if (b[i - 3] == '\r' && b[i - 2] == '\n' && b[i - 1] == '\r' && b[i] == '\n') return i + 1;
  }
  return 0;
}

std::optional<std::size_t> parse_decimal(const std::string& s) {
  if (s.empty() || s.size() > 12 || s.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  return static_cast<std::size_t>(std::stoull(s));
}

}  // namespace

// ---- HttpResponseParser ----

bool HttpResponseParser::feed(ByteView data) {
  if (!error_.empty()) return false;
  if (done_) return true;  // bytes after a whole response are not ours to judge
  buf_.insert(buf_.end(), data.begin(), data.end());
  while (!head_done_) {
    if (!parse_head()) return error_.empty();
  }
  return parse_body();
}

bool HttpResponseParser::parse_head() {
  const std::size_t end = end_of_head(buf_);
  if (end == 0) {
    if (buf_.size() > kMaxHead) error_ = "HTTP response head larger than 16 KiB";
    return false;
  }
  if (end > kMaxHead) {
    error_ = "HTTP response head larger than 16 KiB";
    return false;
  }
  std::string head(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(end - 4));
  buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(end));
  HttpResponse r;
  std::size_t pos = head.find("\r\n");
  const std::string status_line = head.substr(0, pos);
  // HTTP/1.x SSS reason
  if (status_line.size() < 12 || status_line.compare(0, 7, "HTTP/1.") != 0 ||
      status_line[8] != ' ' || !std::isdigit(static_cast<unsigned char>(status_line[9])) ||
      !std::isdigit(static_cast<unsigned char>(status_line[10])) ||
      !std::isdigit(static_cast<unsigned char>(status_line[11])) ||
      (status_line.size() > 12 && status_line[12] != ' ')) {
    error_ = "not an HTTP/1.x status line";
    return false;
  }
  r.status = std::stoi(status_line.substr(9, 3));
  while (pos != std::string::npos) {
    const std::size_t start = pos + 2;
    pos = head.find("\r\n", start);
    const std::string line = head.substr(start, pos == std::string::npos ? pos : pos - start);
    if (line.empty()) continue;
    const auto colon = line.find(':');
    if (colon == std::string::npos || colon == 0) {
      error_ = "malformed HTTP header line";
      return false;
    }
    r.headers[lower(line.substr(0, colon))] = trim(std::string_view(line).substr(colon + 1));
  }
  if (r.status >= 100 && r.status < 200) return true;  // interim: the real head follows
  head_done_ = true;
  response_ = std::move(r);
  auto te = response_.headers.find("transfer-encoding");
  auto cl = response_.headers.find("content-length");
  if (te != response_.headers.end()) {
    if (lower(te->second) != "chunked") {
      error_ = "unsupported Transfer-Encoding '" + te->second + "'";
      return false;
    }
    chunked_ = true;
  } else if (cl != response_.headers.end()) {
    auto n = parse_decimal(cl->second);
    if (!n) {
      error_ = "bad Content-Length '" + cl->second + "'";
      return false;
    }
    if (*n > max_body_) {
      error_ = "HTTP body of " + std::to_string(*n) + " bytes exceeds the bound of " +
               std::to_string(max_body_);
      return false;
    }
    content_length_ = *n;
  } else if (response_.status == 204 || response_.status == 304) {
    content_length_ = 0;
  } else {
    until_close_ = true;
  }
  return true;
}

bool HttpResponseParser::parse_body() {
  if (until_close_) {
    if (buf_.size() > max_body_) {
      error_ = "HTTP body exceeds the bound of " + std::to_string(max_body_) + " bytes";
      return false;
    }
    return true;
  }
  if (!chunked_) {
    if (buf_.size() >= content_length_) {
      response_.body.assign(buf_.begin(),
                            buf_.begin() + static_cast<std::ptrdiff_t>(content_length_));
      buf_.clear();
      done_ = true;
    }
    return true;
  }
  for (;;) {
    if (chunk_state_ == 1) {
      const std::size_t n = std::min(chunk_left_, buf_.size());
      response_.body.insert(response_.body.end(), buf_.begin(),
                            buf_.begin() + static_cast<std::ptrdiff_t>(n));
      buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(n));
      chunk_left_ -= n;
      if (chunk_left_ > 0) return true;
      chunk_state_ = 2;
      continue;
    }
    // States 0, 2, 3 read a line.
    auto it = std::search(buf_.begin(), buf_.end(), std::begin("\r\n"), std::begin("\r\n") + 2);
    if (it == buf_.end()) {
      if (buf_.size() > kMaxChunkLine && chunk_state_ != 3) {
        error_ = "malformed chunked body";
        return false;
      }
      if (buf_.size() > kMaxHead) {
        error_ = "chunked trailers larger than 16 KiB";
        return false;
      }
      return true;
    }
    std::string line(buf_.begin(), it);
    buf_.erase(buf_.begin(), it + 2);
    if (chunk_state_ == 2) {
      if (!line.empty()) {
        error_ = "malformed chunked body";
        return false;
      }
      chunk_state_ = 0;
      continue;
    }
    if (chunk_state_ == 3) {
      if (line.empty()) {
        done_ = true;
        return true;
      }
      continue;  // a trailer field: ignored
    }
    const std::string size = trim(line.substr(0, line.find(';')));
    if (size.empty() || size.size() > 8 ||
        size.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
      error_ = "malformed chunked body";
      return false;
    }
    chunk_left_ = std::stoul(size, nullptr, 16);
    if (response_.body.size() + chunk_left_ > max_body_) {
      error_ = "HTTP body exceeds the bound of " + std::to_string(max_body_) + " bytes";
      return false;
    }
    chunk_state_ = chunk_left_ == 0 ? 3 : 1;
  }
}

void HttpResponseParser::end_of_stream() {
  if (done_ || !error_.empty()) return;
  if (head_done_ && until_close_) {
    response_.body = std::move(buf_);
    buf_.clear();
    done_ = true;
    return;
  }
  error_ = head_done_ ? "connection closed inside the HTTP body"
                      : (buf_.empty() ? "connection closed without an HTTP response"
                                      : "connection closed inside the HTTP head");
}

HttpResponse HttpResponseParser::take() {
  HttpResponse r = std::move(response_);
  r.ok = true;
  return r;
}

// ---- Server trust ----

std::optional<std::string> judge_server_chain(const std::vector<Bytes>& chain_der,
                                              const TlsTrust& trust, const std::string& host,
                                              TimePoint now) {
  if (chain_der.empty()) return "the server sent no certificate";
  if (trust.empty()) return "no TLS trust anchor is configured for " + host;
  try {
    std::vector<Botan::X509_Certificate> chain;
    for (const auto& der : chain_der) chain.emplace_back(der.data(), der.size());
    const auto& spki = chain.front().subject_public_key_info();
    for (const auto& k : trust.pinned_keys) {
      if (Bytes(spki.begin(), spki.end()) == k) return std::nullopt;
    }
    for (const auto& c : trust.certificates) {
      if (c == chain_der.front()) return std::nullopt;
    }
    if (trust.certificates.empty()) return "the server's key is not the pinned one";
    Botan::Certificate_Store_In_Memory store;
    for (const auto& c : trust.certificates) {
      try {
        store.add_certificate(Botan::X509_Certificate(c.data(), c.size()));
      } catch (const std::exception&) {
        // A trust anchor Botan cannot read cannot vouch for anyone; the others may.
      }
    }
    Botan::Path_Validation_Restrictions restrictions(false, 110);
    auto result = Botan::x509_path_validate(chain, restrictions, {&store}, host,
                                            Botan::Usage_Type::TLS_SERVER_AUTH, now);
    if (result.successful_validation()) return std::nullopt;
    return "certificate of " + host + " refused: " + result.result_string();
  } catch (const std::exception& e) {
    return std::string("certificate of ") + host + " unreadable: " + e.what();
  }
}

// ---- HttpsClient ----

struct HttpsClient::Shared {
  explicit Shared(Botan::RandomNumberGenerator& rng) : sessions(rng, 16) {}
  Botan::TLS::Session_Manager_In_Memory sessions;
  Botan::Credentials_Manager credentials;
  Botan::TLS::Policy policy;
};

struct HttpsClient::Connection final : Botan::TLS::Callbacks {
  Connection(HttpsClient& owner, const HttpRequest& r)
      : owner(owner), host(r.host), port(r.port), trust(r.trust), parser(r.max_body) {}
  HttpsClient& owner;
  std::string host;
  std::uint16_t port;
  TlsTrust trust;
  ChannelId channel = 0;
  bool open = false;       // the bearer channel is up
  bool sent = false;       // the current request went out
  bool got_bytes = false;  // any response byte for the current request
  bool peer_closed = false;
  std::string refused;  // why the server's certificate was refused
  std::unique_ptr<Botan::TLS::Client> tls;
  HttpResponseParser parser;

  void tls_emit_data(const std::uint8_t data[], std::size_t size) override {
    if (open) owner.bearer_.send(channel, ByteView(data, size));
  }
  void tls_record_received(std::uint64_t, const std::uint8_t data[], std::size_t size) override {
    got_bytes = true;
    parser.feed(ByteView(data, size));
  }
  void tls_alert(Botan::TLS::Alert alert) override {
    if (alert.type() == Botan::TLS::Alert::CLOSE_NOTIFY) peer_closed = true;
  }
  bool tls_session_established(const Botan::TLS::Session&) override {
    ++owner.stats_.handshakes;
    return true;
  }
  void tls_verify_cert_chain(const std::vector<Botan::X509_Certificate>& chain,
                             const std::vector<std::shared_ptr<const Botan::OCSP::Response>>&,
                             const std::vector<Botan::Certificate_Store*>&, Botan::Usage_Type,
                             const std::string&, const Botan::TLS::Policy&) override {
    std::vector<Bytes> der;
    for (const auto& c : chain) {
      auto b = c.BER_encode();
      der.emplace_back(b.begin(), b.end());
    }
    if (auto why = judge_server_chain(der, trust, host, owner.clock_.now())) {
      refused = *why;
      throw Botan::TLS::TLS_Exception(Botan::TLS::Alert::BAD_CERTIFICATE, *why);
    }
  }
};

HttpsClient::HttpsClient(Bearer& bearer, const Clock& clock, Botan::RandomNumberGenerator& rng)
    : bearer_(bearer), clock_(clock), rng_(rng), shared_(std::make_unique<Shared>(rng)) {}

HttpsClient::~HttpsClient() {
  drop_connection();
}

bool HttpsClient::busy() const {
  return req_.has_value();
}

std::optional<TimePoint> HttpsClient::deadline() const {
  if (!req_) return std::nullopt;
  return deadline_;
}

void HttpsClient::drop_connection() {
  if (conn_) {
    // A channel still opening is closed too: a bearer would otherwise keep it (BIP: its OPEN
    // CHANNEL waiting for a terminal that never fetches).
    bearer_.close(conn_->channel);
    conn_.reset();
  }
}

void HttpsClient::close() {
  if (conn_ && conn_->tls && conn_->open && !busy()) {
    try {
      conn_->tls->close();  // close_notify, as a well-behaved client ends
    } catch (const std::exception&) {
    }
  }
  drop_connection();
}

void HttpsClient::request(HttpRequest request, Done done) {
  req_ = std::move(request);
  done_ = std::move(done);
  deadline_ = clock_.now() + req_->timeout;
  ++stats_.requests;
  start();
}

void HttpsClient::start() {
  const auto& r = *req_;
  reused_ = false;
  if (conn_ && conn_->host == r.host && conn_->port == r.port && conn_->trust == r.trust &&
      conn_->open && !conn_->peer_closed && conn_->tls && conn_->tls->is_active()) {
    reused_ = true;
    conn_->parser = HttpResponseParser(r.max_body);
    conn_->sent = false;
    conn_->got_bytes = false;
    send_request();
    return;
  }
  drop_connection();
  conn_ = std::make_unique<Connection>(*this, r);
  ++stats_.connections;
  conn_->channel = bearer_.open(ChannelKind::kStream, r.host, r.port);
}

void HttpsClient::send_request() {
  const auto& r = *req_;
  std::string host = r.host.find(':') != std::string::npos ? "[" + r.host + "]" : r.host;
  if (r.port != 443) host += ":" + std::to_string(r.port);
  std::string head = "POST " + r.path + " HTTP/1.1\r\nHost: " + host + "\r\n";
  for (const auto& [name, value] : r.headers) head += name + ": " + value + "\r\n";
  head += "Content-Length: " + std::to_string(r.body.size()) + "\r\n\r\n";
  Bytes out(head.begin(), head.end());
  out.insert(out.end(), r.body.begin(), r.body.end());
  conn_->sent = true;
  conn_->tls->send(out.data(), out.size());
}

void HttpsClient::finish(HttpResponse r) {
  req_.reset();
  auto done = std::move(done_);
  done_ = nullptr;
  if (done) done(std::move(r));
}

void HttpsClient::fail(std::string why) {
  drop_connection();
  HttpResponse r;
  r.error = std::move(why);
  finish(std::move(r));
}

bool HttpsClient::on_bearer_event(const BearerEvent& e) {
  if (!conn_ || e.channel != conn_->channel) return false;
  auto& c = *conn_;
  switch (e.kind) {
    case BearerEvent::Kind::kFailed:
      c.open = false;
      if (busy()) {
        fail("cannot connect to " + c.host + ":" + std::to_string(c.port) + ": " + e.error);
      } else {
        conn_.reset();
      }
      return true;
    case BearerEvent::Kind::kOpened:
      c.open = true;
      try {
        // The ClientHello leaves through tls_emit_data at once.
        c.tls = std::make_unique<Botan::TLS::Client>(
            c, shared_->sessions, shared_->credentials, shared_->policy, rng_,
            Botan::TLS::Server_Information(c.host, c.port));
      } catch (const std::exception& ex) {
        fail(std::string("TLS: ") + ex.what());
      }
      return true;
    case BearerEvent::Kind::kClosed: {
      c.open = false;
      if (!busy()) {
        conn_.reset();
        return true;
      }
      // A kept connection the server dropped before answering: once more on a new one.
      if (reused_ && !c.got_bytes) {
        conn_.reset();
        reused_ = false;
        start();
        return true;
      }
      c.parser.end_of_stream();
      if (c.parser.complete()) {
        auto r = c.parser.take();
        conn_.reset();
        finish(std::move(r));
      } else {
        const std::string why = !c.refused.empty() ? "TLS: " + c.refused
                                : !c.sent          ? "connection closed during the TLS handshake"
                                                   : c.parser.error();
        fail(why);
      }
      return true;
    }
    case BearerEvent::Kind::kData:
      break;
  }
  if (!c.tls) return true;
  try {
    c.tls->received_data(e.data.data(), e.data.size());
  } catch (const std::exception& ex) {
    if (busy())
      fail("TLS: " + (c.refused.empty() ? std::string(ex.what()) : c.refused));
    else
      drop_connection();
    return true;
  }
  if (!busy()) return true;  // bytes while idle: a late alert or close_notify
  if (!c.sent && c.tls->is_active()) {
    if (c.tls->is_closed()) {
      fail("TLS closed by the server");
      return true;
    }
    try {
      send_request();
    } catch (const std::exception& ex) {
      fail(std::string("TLS: ") + ex.what());
      return true;
    }
  }
  if (!c.parser.error().empty()) {
    fail(c.parser.error());
  } else if (c.parser.complete()) {
    auto r = c.parser.take();
    auto conn = r.headers.find("connection");
    const bool keep = !c.peer_closed && !c.tls->is_closed() &&
                      (conn == r.headers.end() || lower(conn->second) != "close");
    if (!keep) drop_connection();
    finish(std::move(r));
  } else if (c.peer_closed || c.tls->is_closed()) {
    c.parser.end_of_stream();
    if (c.parser.complete()) {
      auto r = c.parser.take();
      drop_connection();
      finish(std::move(r));
    } else {
      fail(c.parser.error());
    }
  }
  return true;
}

void HttpsClient::tick() {
  if (busy() && clock_.now() >= deadline_) {
    const auto& r = *req_;
    fail("no answer from " + r.host + ":" + std::to_string(r.port) + " within " +
         std::to_string(r.timeout.count() / 1000) + " s");
  }
}

}  // namespace euiccsim::applets::ipae
