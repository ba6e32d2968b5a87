#include "faults.hpp"

#include <nlohmann/json.hpp>

#include "euiccsim/crypto/tlv.hpp"

namespace euiccsim::smdp {

namespace {

Bytes text_bytes(const std::string& s) {
  return Bytes(s.begin(), s.end());
}

// The offset of the last byte of `t`'s value within `whole` (both views of one buffer).
std::size_t last_value_byte(ByteView whole, const tlv::Tlv& t) {
  return static_cast<std::size_t>(t.value.data() - whole.data()) + t.value.size() - 1;
}

std::optional<tlv::Tlv> child(ByteView constructed, std::uint32_t tag) {
  auto all = tlv::read_all(constructed);
  return all ? tlv::find(*all, tag) : std::nullopt;
}

// Where the bit to flip is in a Bound Profile Package (BF36): smdpSign (5F37 of the BF23
// InitialiseSecureChannelRequest) or the MAC ending the first segment (86) of A3.
std::optional<std::size_t> bpp_target(ByteView bpp, Es9Fault::Kind kind) {
  auto top = tlv::read(bpp);
  if (!top || top->tag != 0xBF36) return std::nullopt;
  if (kind == Es9Fault::Kind::kCorruptSignature) {
    auto isc = child(top->value, 0xBF23);
    auto sig = isc ? child(isc->value, 0x5F37) : std::nullopt;
    if (!sig || sig->value.empty()) return std::nullopt;
    return last_value_byte(bpp, *sig);
  }
  auto a3 = child(top->value, 0xA3);
  auto segment = a3 ? child(a3->value, 0x86) : std::nullopt;
  if (!segment || segment->value.empty()) return std::nullopt;
  return last_value_byte(bpp, *segment);
}

}  // namespace

const char* es9_fault_kind_name(Es9Fault::Kind kind) {
  switch (kind) {
    case Es9Fault::Kind::kHttpStatus:
      return "http-status";
    case Es9Fault::Kind::kDropBefore:
      return "drop-before";
    case Es9Fault::Kind::kDropAfter:
      return "drop-after";
    case Es9Fault::Kind::kFailed:
      return "failed";
    case Es9Fault::Kind::kCorruptSignature:
      return "corrupt-signature";
    case Es9Fault::Kind::kCorruptMac:
      return "corrupt-mac";
    case Es9Fault::Kind::kDelay:
      return "delay";
  }
  return "?";
}

std::string describe(const Es9Fault& f) {
  std::string what;
  switch (f.kind) {
    case Es9Fault::Kind::kHttpStatus:
      what = "HTTP " + std::to_string(f.http_status) + " instead of the answer";
      break;
    case Es9Fault::Kind::kDropBefore:
      what = "connection dropped before the request reached the SM-DP+";
      break;
    case Es9Fault::Kind::kDropAfter:
      what = "connection dropped after the SM-DP+ answered";
      break;
    case Es9Fault::Kind::kFailed:
      what = "Failed " + f.subject + "/" + f.reason + " instead of the answer";
      break;
    case Es9Fault::Kind::kCorruptSignature:
      what = "signature corrupted";
      break;
    case Es9Fault::Kind::kCorruptMac:
      what = "MAC of the first BPP segment corrupted";
      break;
    case Es9Fault::Kind::kDelay:
      what = "answer delayed " + std::to_string(f.delay.count()) + " ms";
      break;
  }
  return what + " in " + (f.function.empty() ? std::string("every ES9+ call") : f.function);
}

bool corrupt_reply(const std::string& function, Es9Fault::Kind kind, HttpReply& reply) {
  auto body = nlohmann::json::parse(reply.body, nullptr, false);
  if (!body.is_object()) return false;
  std::string field;
  if (function == "initiateAuthentication" && kind == Es9Fault::Kind::kCorruptSignature) {
    field = "serverSignature1";
  } else if (function == "authenticateClient" && kind == Es9Fault::Kind::kCorruptSignature) {
    field = "smdpSignature2";
  } else if (function == "getBoundProfilePackage") {
    field = "boundProfilePackage";
  } else {
    return false;
  }
  if (!body.contains(field) || !body[field].is_string()) return false;
  Bytes value;
  try {
    value = base64_decode(body[field].get<std::string>());
  } catch (const std::invalid_argument&) {
    return false;
  }
  std::optional<std::size_t> at;
  if (field == "boundProfilePackage") {
    at = bpp_target(value, kind);
  } else if (!value.empty()) {
    at = value.size() - 1;  // the last byte of s in r||s
  }
  if (!at) return false;
  value[*at] ^= 0x01;
  body[field] = base64_encode(value);
  reply.body = body.dump();
  return true;
}

struct Es9FaultyPost::State {
  Es9Post inner;
  Options options;
  std::mutex mu;
  std::vector<unsigned> seen;
  std::vector<std::string> fired;
};

Es9FaultyPost::Es9FaultyPost(Es9Post inner, Options options) : s_(std::make_shared<State>()) {
  s_->inner = std::move(inner);
  s_->seen.assign(options.plan.size(), 0);
  s_->options = std::move(options);
}

Es9Post Es9FaultyPost::post() {
  return [self = *this](const std::string& path, const std::string& body) mutable {
    return self.exchange(path, body);
  };
}

std::vector<std::string> Es9FaultyPost::fired() const {
  std::lock_guard lock(s_->mu);
  return s_->fired;
}

HttpReply Es9FaultyPost::exchange(const std::string& path, const std::string& body) {
  const std::string prefix = kEs9PlusPathPrefix;
  const std::string function = path.rfind(prefix, 0) == 0 ? path.substr(prefix.size()) : path;
  const Es9Fault* strike = nullptr;
  {
    std::lock_guard lock(s_->mu);
    for (std::size_t i = 0; i < s_->options.plan.size(); ++i) {
      const auto& f = s_->options.plan[i];
      if (!f.function.empty() && f.function != function) continue;
      const unsigned n = ++s_->seen[i];
      if (f.occurrence == 0 || n == f.occurrence) {
        strike = &f;
        s_->fired.push_back(describe(f));
        break;
      }
    }
  }
  auto trace = [&](const HttpReply& reply, const std::string& note) {
    if (!s_->options.trace || s_->options.trace->empty()) return;
    sim::TraceEvent e;
    e.kind = sim::TraceEvent::Kind::kMessage;
    e.card = s_->options.peer;
    e.iface = "ES9+";
    e.function = function;
    e.command = text_bytes(body);
    e.response = text_bytes(reply.body);
    e.status = reply.status;
    e.when = std::chrono::system_clock::now();
    e.note = note;
    s_->options.trace->publish(e);
  };
  if (strike == nullptr) {
    HttpReply reply = s_->inner(path, body);
    trace(reply, "");
    return reply;
  }
  const std::string note = "fault: " + describe(*strike);
  HttpReply reply;
  switch (strike->kind) {
    case Es9Fault::Kind::kHttpStatus:
      reply = HttpReply{strike->http_status, ""};
      break;
    case Es9Fault::Kind::kDropBefore:
      trace(HttpReply{0, ""}, note);
      throw ConnectionDropped("ES9+ " + function + ": the connection was closed by the peer");
    case Es9Fault::Kind::kDropAfter:
      s_->inner(path, body);
      trace(HttpReply{0, ""}, note);
      throw ConnectionDropped("ES9+ " + function + ": the connection was closed by the peer");
    case Es9Fault::Kind::kFailed: {
      nlohmann::json status{{"status", "Failed"},
                            {"statusCodeData",
                             {{"subjectCode", strike->subject},
                              {"reasonCode", strike->reason},
                              {"message", "injected fault"}}}};
      nlohmann::json b{{"header", {{"functionExecutionStatus", status}}}};
      reply = HttpReply{200, b.dump()};
      break;
    }
    case Es9Fault::Kind::kCorruptSignature:
    case Es9Fault::Kind::kCorruptMac:
      reply = s_->inner(path, body);
      if (!corrupt_reply(function, strike->kind, reply)) {
        trace(reply, note + " (nothing to corrupt in this answer)");
        return reply;
      }
      break;
    case Es9Fault::Kind::kDelay:
      if (s_->options.wait) s_->options.wait(strike->delay);
      reply = s_->inner(path, body);
      break;
  }
  trace(reply, note);
  return reply;
}

Es9Post in_process_post(Es9Plus& server) {
  return [&server](const std::string& path, const std::string& body) {
    const std::string prefix = kEs9PlusPathPrefix;
    const std::string function = path.rfind(prefix, 0) == 0 ? path.substr(prefix.size()) : path;
    return answer_es9plus(server, function, body);
  };
}

}  // namespace euiccsim::smdp
