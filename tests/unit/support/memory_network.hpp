// An in-process network for IPAe tests: the Bearer an IPAe opens channels on reaches servers
// registered by host:port, each a TLS server (Botan's, written apart from the IPAe's client)
// in front of an HTTP/1.1 handler. Nothing runs by itself: pump() delivers what is queued, so
// a test with a ManualClock decides every step and never sleeps.
#pragma once

#include <botan/credentials_manager.h>
#include <botan/tls_callbacks.h>
#include <botan/tls_policy.h>
#include <botan/tls_server.h>
#include <botan/tls_session_manager.h>
#include <botan/x509cert.h>

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "euiccsim/applets/ipae/bearer.hpp"
#include "euiccsim/crypto/drbg.hpp"
#include "euiccsim/crypto/test_pki.hpp"

namespace euiccsim::test {

namespace ipae = applets::ipae;

struct HttpIn {
  std::string method, path;
  std::map<std::string, std::string> headers;  // lower-case names
  Bytes body;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct HttpOut {
  int status = 200;
  std::string content_type = "application/x-gsma-rsp-asn1";
  Bytes body;
  std::vector<std::pair<std::string, std::string>> extra_headers;
  // Faults.
  bool no_answer = false;       // never answer (the client's deadline runs out)
  bool close_after = false;     // close the connection after answering
  std::optional<Bytes> raw;     // these bytes instead of a formatted response
  std::size_t cut_body_at = 0;  // > 0: send only so many body bytes, then close
  bool chunked = false;         // Transfer-Encoding: chunked, in chunks of 7 bytes
};

class MemoryNetwork final : public ipae::Bearer {
 public:
  using Handler = std::function<HttpOut(const HttpIn&)>;

  explicit MemoryNetwork(std::uint64_t seed = 99)
      : rng_(crypto::Drbg::from_seed(seed, "network")) {}

  // A TLS server at host:port presenting `chain` (leaf first) with `key`.
  void listen(const std::string& host, std::uint16_t port, std::vector<Bytes> chain,
              crypto::PrivateKey key, Handler handler) {
    auto s = std::make_shared<Server>();
    for (const auto& c : chain) s->chain.emplace_back(c.data(), c.size());
    s->key = std::move(key);
    s->handler = std::move(handler);
    servers_[host + ":" + std::to_string(port)] = s;
  }
  void refuse(const std::string& host, std::uint16_t port) {
    servers_.erase(host + ":" + std::to_string(port));
  }

  void attach(ipae::BearerEvents& sink) { sink_ = &sink; }

  // ---- Bearer ----
  ipae::ChannelId open(ipae::ChannelKind, const std::string& host, std::uint16_t port) override {
    const ipae::ChannelId id = ++next_id_;
    ++opened_;
    auto it = servers_.find(host + ":" + std::to_string(port));
    if (it == servers_.end()) {
      queue({ipae::BearerEvent::Kind::kFailed, id, {}, "connection refused"});
      return id;
    }
    auto c = std::make_unique<Conn>(*this, id, it->second);
    conns_[id] = std::move(c);
    queue({ipae::BearerEvent::Kind::kOpened, id, {}, {}});
    return id;
  }
  void send(ipae::ChannelId ch, ByteView data) override {
    auto it = conns_.find(ch);
    if (it == conns_.end()) return;
    bytes_up_ += data.size();
    Conn& c = *it->second;
    try {
      c.tls.received_data(data.data(), data.size());
    } catch (const std::exception&) {
      close_from_server(ch);
      return;
    }
    c.process();
  }
  void close(ipae::ChannelId ch) override { conns_.erase(ch); }

  // Delivers queued events until there are none; how many it delivered.
  std::size_t pump() {
    std::size_t n = 0;
    while (!events_.empty() && sink_) {
      auto e = std::move(events_.front());
      events_.pop_front();
      if (e.kind == ipae::BearerEvent::Kind::kClosed) conns_.erase(e.channel);
      sink_->on_bearer_event(e);
      ++n;
    }
    return n;
  }
  bool idle() const { return events_.empty(); }
  std::size_t open_channels() const { return conns_.size(); }
  std::size_t opened() const { return opened_; }
  std::uint64_t bytes_up() const { return bytes_up_; }

 private:
  struct Server {
    std::vector<Botan::X509_Certificate> chain;
    std::optional<crypto::PrivateKey> key;
    Handler handler;
  };
  struct Creds final : Botan::Credentials_Manager {
    std::shared_ptr<Server> s;
    std::vector<Botan::X509_Certificate> cert_chain(const std::vector<std::string>&,
                                                    const std::string&,
                                                    const std::string&) override {
      return s->chain;
    }
    Botan::Private_Key* private_key_for(const Botan::X509_Certificate&, const std::string&,
                                        const std::string&) override {
      return const_cast<Botan::ECDSA_PrivateKey*>(&s->key->botan());
    }
  };
  struct Conn final : Botan::TLS::Callbacks {
    Conn(MemoryNetwork& net, ipae::ChannelId id, std::shared_ptr<Server> s)
        : net(net),
          id(id),
          server(s),
          sessions(net.rng_.rng()),
          tls(*this, sessions, creds, policy, net.rng_.rng()) {
      // Read only once a ClientHello arrives, long after construction.
      creds.s = std::move(s);
    }
    MemoryNetwork& net;
    ipae::ChannelId id;
    std::shared_ptr<Server> server;
    Botan::TLS::Session_Manager_In_Memory sessions;
    Creds creds;
    Botan::TLS::Policy policy;
    Botan::TLS::Server tls;
    Bytes in;
    bool closing = false;

    void tls_emit_data(const std::uint8_t d[], std::size_t n) override {
      net.queue({ipae::BearerEvent::Kind::kData, id, Bytes(d, d + n), {}});
    }
    void tls_record_received(std::uint64_t, const std::uint8_t d[], std::size_t n) override {
      in.insert(in.end(), d, d + n);
    }
    void tls_alert(Botan::TLS::Alert) override {}
    bool tls_session_established(const Botan::TLS::Session&) override { return true; }

    // Answers every whole request in `in`.
    void process() {
      for (;;) {
        auto end =
            std::search(in.begin(), in.end(), std::begin("\r\n\r\n"), std::begin("\r\n\r\n") + 4);
        if (end == in.end()) return;
        std::string head(in.begin(), end);
        HttpIn req;
        std::size_t pos = head.find("\r\n");
        const std::string line = head.substr(0, pos);
        req.method = line.substr(0, line.find(' '));
        req.path = line.substr(line.find(' ') + 1, line.rfind(' ') - line.find(' ') - 1);
        while (pos != std::string::npos) {
          const std::size_t start = pos + 2;
          pos = head.find("\r\n", start);
          std::string h = head.substr(start, pos == std::string::npos ? pos : pos - start);
          auto colon = h.find(':');
          if (colon == std::string::npos) continue;
          std::string name = h.substr(0, colon);
          for (auto& ch : name)
            ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
          std::string value = h.substr(colon + 1);
          while (!value.empty() && value.front() == ' ') value.erase(0, 1);
          req.headers[name] = value;
        }
        const std::size_t length =
            std::stoul(req.header("content-length").empty() ? "0" : req.header("content-length"));
        const std::size_t head_size = static_cast<std::size_t>(end - in.begin()) + 4;
        if (in.size() < head_size + length) return;
        req.body.assign(in.begin() + static_cast<std::ptrdiff_t>(head_size),
                        in.begin() + static_cast<std::ptrdiff_t>(head_size + length));
        in.erase(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(head_size + length));
        HttpOut out = server->handler(req);
        if (out.no_answer) return;
        Bytes bytes;
        if (out.raw) {
          bytes = *out.raw;
        } else {
          std::string h = "HTTP/1.1 " + std::to_string(out.status) + " X\r\n";
          if (!out.body.empty()) h += "Content-Type: " + out.content_type + "\r\n";
          h += "X-Admin-Protocol: gsma/rsp/v2.1.0\r\n";
          for (const auto& [n, v] : out.extra_headers) h += n + ": " + v + "\r\n";
          if (out.close_after) h += "Connection: close\r\n";
          if (out.chunked) {
            h += "Transfer-Encoding: chunked\r\n\r\n";
            bytes.assign(h.begin(), h.end());
            for (std::size_t i = 0; i < out.body.size(); i += 7) {
              const std::size_t n = std::min<std::size_t>(7, out.body.size() - i);
              char size[16];
              std::snprintf(size, sizeof size, "%zx\r\n", n);
              bytes.insert(bytes.end(), size, size + std::strlen(size));
              bytes.insert(bytes.end(), out.body.begin() + static_cast<std::ptrdiff_t>(i),
                           out.body.begin() + static_cast<std::ptrdiff_t>(i + n));
              bytes.push_back('\r');
              bytes.push_back('\n');
            }
            const std::string last = "0\r\n\r\n";
            bytes.insert(bytes.end(), last.begin(), last.end());
          } else {
            h += "Content-Length: " + std::to_string(out.body.size()) + "\r\n\r\n";
            bytes.assign(h.begin(), h.end());
            if (out.cut_body_at > 0) {
              bytes.insert(bytes.end(), out.body.begin(),
                           out.body.begin() + static_cast<std::ptrdiff_t>(
                                                  std::min(out.cut_body_at, out.body.size())));
              out.close_after = true;
            } else {
              bytes.insert(bytes.end(), out.body.begin(), out.body.end());
            }
          }
        }
        tls.send(bytes.data(), bytes.size());
        if (out.close_after) {
          net.close_from_server(id);
          return;
        }
      }
    }
  };

  void queue(ipae::BearerEvent e) { events_.push_back(std::move(e)); }
  void close_from_server(ipae::ChannelId ch) {
    auto it = conns_.find(ch);
    if (it == conns_.end()) return;
    try {
      it->second->tls.close();
    } catch (const std::exception&) {
    }
    queue({ipae::BearerEvent::Kind::kClosed, ch, {}, {}});
  }

  crypto::Drbg rng_;
  std::map<std::string, std::shared_ptr<Server>> servers_;
  std::map<ipae::ChannelId, std::unique_ptr<Conn>> conns_;
  std::deque<ipae::BearerEvent> events_;
  ipae::BearerEvents* sink_ = nullptr;
  ipae::ChannelId next_id_ = 0;
  std::size_t opened_ = 0;
  std::uint64_t bytes_up_ = 0;
};

}  // namespace euiccsim::test
