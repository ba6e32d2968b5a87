#include "eim/admin_api.hpp"

#include <httplib.h>

#include <chrono>
#include <regex>

namespace euiccsim::eim {

namespace {

using json::Value;

AdminReply error(int status, const std::string& why) {
  auto j = Value::object();
  j["error"] = why;
  return {status, json::dump(j)};
}

const std::string* string_field(const Value& v, const char* name) {
  const Value* f = json::member(v, name);
  return f ? json::string_of(f) : nullptr;
}

// "psmo"/"eco": each operation is its text, or {"text", "configuration"}.
void read_operations(const Value& list, bool eco, QueueRequest& r) {
  if (!list.is_array())
    throw std::invalid_argument(std::string(eco ? "eco" : "psmo") + " is not a list");
  r.kind = ItemKind::kEuiccPackage;
  r.eco = eco;
  for (const auto& op : list) {
    if (const std::string* s = json::string_of(&op)) {
      r.operations.push_back(*s);
      r.configurations.emplace_back();
      continue;
    }
    const std::string* text = string_field(op, "text");
    if (!text) throw std::invalid_argument("an operation is a string or {\"text\": ...}");
    r.operations.push_back(*text);
    Bytes cfg;
    if (const std::string* c = string_field(op, "configuration")) {
      try {
        cfg = from_hex(*c);
      } catch (const HexError&) {
        throw std::invalid_argument("configuration of '" + *text + "' is not hex");
      }
    }
    r.configurations.push_back(std::move(cfg));
  }
}

QueueRequest queue_request(const Value& body) {
  QueueRequest r;
  const std::string* eid = string_field(body, "eid");
  if (!eid) throw std::invalid_argument("no \"eid\"");
  r.eid = *eid;
  if (const std::string* id = string_field(body, "eimId")) r.eim_id = *id;
  int kinds = 0;
  if (const Value* p = json::member(body, "psmo")) {
    read_operations(*p, false, r);
    ++kinds;
  }
  if (const Value* e = json::member(body, "eco")) {
    read_operations(*e, true, r);
    ++kinds;
  }
  if (const Value* d = json::member(body, "download")) {
    r.kind = ItemKind::kProfileDownload;
    const std::string* ac = string_field(*d, "activationCode");
    if (!ac) throw std::invalid_argument("download needs \"activationCode\"");
    r.activation_code = *ac;
    if (const Value* ind = json::member(d, "indirect"); ind && json::boolean_of(ind))
      r.indirect = *json::boolean_of(ind);
    ++kinds;
  }
  if (const Value* t = json::member(body, "euiccData")) {
    r.kind = ItemKind::kIpaEuiccData;
    const std::string* tags = json::string_of(t);
    if (!tags) throw std::invalid_argument("euiccData is a hex tag list or \"all\"");
    if (*tags == "all") {
      r.tag_list = kAllEuiccDataTags;
    } else {
      try {
        r.tag_list = from_hex(*tags);
      } catch (const HexError&) {
        throw std::invalid_argument("euiccData '" + *tags + "' is not hex");
      }
    }
    ++kinds;
  }
  if (kinds != 1) throw std::invalid_argument("give exactly one of psmo, eco, download, euiccData");
  return r;
}

Value item_json(const QueueItem& it) {
  auto x = Value::object();
  x["id"] = it.id;
  x["eid"] = it.eid;
  x["eimId"] = it.eim_id;
  x["kind"] = kind_name(it.kind);
  x["state"] = state_name(it.state);
  x["eimTransactionId"] = to_hex(it.transaction_id);
  x["counter"] = it.counter ? Value(*it.counter) : Value();
  x["sends"] = it.sends;
  x["outcome"] = it.outcome;
  if (auto spec = json::parse(it.spec)) x["request"] = *spec;
  return x;
}

}  // namespace

bool is_loopback(const std::string& host) {
  static const std::regex v4(R"(127\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3})");
  return host == "localhost" || host == "::1" || host == "[::1]" || host == "::ffff:127.0.0.1" ||
         std::regex_match(host, v4);
}

AdminReply answer_admin(Eim& eim, const std::string& method, const std::string& path,
                        const std::string& body) {
  static const std::regex card(R"(/eim/v1/cards/([0-9]{32}))");
  static const std::regex reg(R"(/eim/v1/cards/([0-9]{32})/register)");
  static const std::regex item(R"(/eim/v1/queue/([0-9]{1,18}))");
  static const std::regex cancel(R"(/eim/v1/queue/([0-9]{1,18})/cancel)");
  std::smatch m;
  try {
    if (method == "GET" && path == "/eim/v1/cards") {
      auto list = Value::array();
      for (const auto& e : eim.store().eids()) list.push_back(e);
      auto j = Value::object();
      j["eids"] = std::move(list);
      return {200, json::dump(j)};
    }
    if (method == "GET" && std::regex_match(path, m, card)) {
      auto j = eim.status(m[1].str());
      const Value* known = json::member(j, "known");
      return {json::boolean_of(known).value_or(false) ? 200 : 404, json::dump(j)};
    }
    if (method == "GET" && std::regex_match(path, m, item)) {
      auto it = eim.store().item(std::stoll(m[1].str()));
      if (!it) return error(404, "no queued item " + m[1].str());
      return {200, item_json(*it).dump()};
    }
    if (method != "POST")
      return error(path.rfind("/eim/v1/", 0) == 0 ? 405 : 404, method + " " + path);
    auto parsed = json::parse(body);
    if (!parsed || !parsed->is_object()) return error(400, "the body is not a JSON object");
    if (path == "/eim/v1/queue") {
      const auto id = eim.enqueue(queue_request(*parsed));
      auto it = eim.store().item(id);
      return {201, item_json(*it).dump()};
    }
    if (std::regex_match(path, m, reg)) {
      std::string eim_id =
          string_field(*parsed, "eimId") ? *string_field(*parsed, "eimId") : eim.default_eim_id();
      std::optional<std::int64_t> counter;
      if (const Value* c = json::member(*parsed, "counter")) {
        if (!json::integer_of(c) || *json::integer_of(c) < 0)
          return error(400, "counter is a number >= 0");
        counter = *json::integer_of(c);
      }
      std::optional<std::optional<std::int64_t>> token;
      if (const Value* t = json::member(*parsed, "associationToken")) {
        if (t->is_null())
          token = std::optional<std::int64_t>();
        else if (json::integer_of(t))
          token = std::optional<std::int64_t>(*json::integer_of(t));
        else
          return error(400, "associationToken is a number or null");
      }
      Bytes cert;
      if (const std::string* c = string_field(*parsed, "euiccCertificate")) {
        try {
          cert = from_hex(*c);
        } catch (const HexError&) {
          return error(400, "euiccCertificate is not hex");
        }
      }
      eim.register_card(m[1].str(), eim_id, counter, token, cert);
      auto j = Value::object();
      j["ok"] = true;
      return {200, json::dump(j)};
    }
    if (std::regex_match(path, m, cancel)) {
      const auto id = std::stoll(m[1].str());
      if (!eim.store().item(id)) return error(404, "no queued item " + m[1].str());
      if (!eim.cancel(id)) return error(409, "item " + m[1].str() + " was already handed out");
      auto j = Value::object();
      j["cancelled"] = true;
      return {200, json::dump(j)};
    }
    return error(404, "no such endpoint " + path);
  } catch (const std::invalid_argument& e) {
    return error(400, e.what());
  } catch (const StoreError& e) {
    return error(500, std::string("database: ") + e.what());
  }
}

struct AdminServer::Impl {
  httplib::Server http;
};

AdminServer::AdminServer(Eim& eim, std::function<void(const std::string&)> log)
    : impl_(std::make_unique<Impl>()) {
  auto handler = [&eim, log](const httplib::Request& req, httplib::Response& res) {
    const auto start = std::chrono::steady_clock::now();
    AdminReply r;
    if (!is_loopback(req.remote_addr)) {
      r = error(403, "the admin API answers loopback clients only");
    } else {
      r = answer_admin(eim, req.method, req.path, req.body);
    }
    res.status = r.status;
    res.set_content(r.body, "application/json");
    if (log) {
      const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::steady_clock::now() - start)
                          .count();
      log("admin " + req.method + " " + req.path + " " + std::to_string(r.status) + " " +
          std::to_string(us / 1000) + " ms");
    }
  };
  impl_->http.Get(R"(/eim/v1/.*)", handler);
  impl_->http.Post(R"(/eim/v1/.*)", handler);
  impl_->http.set_payload_max_length(1 << 20);
}

AdminServer::~AdminServer() = default;

int AdminServer::bind(const std::string& host, int port) {
  if (!is_loopback(host))
    throw std::runtime_error("the admin API listens on loopback only, not " + host);
  if (port == 0) {
    int p = impl_->http.bind_to_any_port(host.c_str());
    if (p <= 0) throw std::runtime_error("cannot listen on " + host + " (any port)");
    return p;
  }
  if (!impl_->http.bind_to_port(host.c_str(), port))
    throw std::runtime_error("cannot listen on " + host + ":" + std::to_string(port));
  return port;
}

void AdminServer::run() {
  impl_->http.listen_after_bind();
}

void AdminServer::stop() {
  impl_->http.stop();
}

}  // namespace euiccsim::eim
