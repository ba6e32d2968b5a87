#include "esipa_faults.hpp"

#include <map>
#include <mutex>
#include <optional>

#include "euiccsim/crypto/tlv.hpp"

namespace euiccsim::scenario {

namespace {

// The offset of the last value byte of the first `tag` found depth-first in `der` (which
// starts at `base` within the whole answer), descending into constructed values only.
std::optional<std::size_t> find_last_byte(ByteView der, std::size_t base, std::uint32_t tag) {
  std::size_t at = 0;
  while (at < der.size()) {
    auto t = tlv::read(der.subspan(at));
    if (!t) return std::nullopt;
    const std::size_t value_at = at + (t->size - t->value.size());
    if (t->tag == tag && !t->value.empty()) return base + value_at + t->value.size() - 1;
    if (t->constructed()) {
      if (auto r = find_last_byte(t->value, base + value_at, tag)) return r;
    }
    at += t->size;
  }
  return std::nullopt;
}

}  // namespace

std::string esipa_function(ByteView request) {
  static const std::map<std::uint32_t, std::string> names{
      {0xBF4F, "GetEimPackage"},      {0xBF50, "ProvideEimPackageResult"},
      {0xBF3D, "HandleNotification"}, {0xBF39, "InitiateAuthentication"},
      {0xBF3B, "AuthenticateClient"}, {0xBF3A, "GetBoundProfilePackage"},
      {0xBF41, "CancelSession"},      {0xBF4E, "TransferEimPackage"}};
  auto h = tlv::read_header(request);
  if (!h) return "";
  auto it = names.find(h->tag);
  return it == names.end() ? "" : it->second;
}

const std::vector<std::string>& esipa_function_names() {
  static const std::vector<std::string> n{"GetEimPackage",      "ProvideEimPackageResult",
                                          "HandleNotification", "InitiateAuthentication",
                                          "AuthenticateClient", "GetBoundProfilePackage",
                                          "CancelSession"};
  return n;
}

std::string describe(const EsipaFault& f) {
  std::string what;
  switch (f.kind) {
    case EsipaFault::Kind::kHttpStatus:
      what = "HTTP " + std::to_string(f.http_status);
      break;
    case EsipaFault::Kind::kDropBefore:
      what = "connection dropped before the request";
      break;
    case EsipaFault::Kind::kDropAfter:
      what = "connection dropped after the eIM answered";
      break;
    case EsipaFault::Kind::kCorruptSignature:
      what = "signature corrupted";
      break;
    case EsipaFault::Kind::kCorruptMac:
      what = "BPP segment MAC corrupted";
      break;
    case EsipaFault::Kind::kDelay:
      what = "delayed " + std::to_string(f.delay.count()) + " ms";
      break;
  }
  return "ESipa " + (f.function.empty() ? std::string("any") : f.function) + ": " + what;
}

struct EsipaFaultyPost::State {
  ipa::EsipaPost inner;
  Options options;
  mutable std::mutex mu;
  std::map<std::string, unsigned> calls;  // per function
  unsigned all_calls = 0;
  std::vector<std::string> fired;
};

EsipaFaultyPost::EsipaFaultyPost(ipa::EsipaPost inner, Options options)
    : s_(std::make_shared<State>()) {
  s_->inner = std::move(inner);
  s_->options = std::move(options);
}

std::vector<std::string> EsipaFaultyPost::fired() const {
  std::lock_guard lock(s_->mu);
  return s_->fired;
}

ipa::EsipaPost EsipaFaultyPost::post() {
  return [s = s_](ByteView request) -> ipa::EsipaReply {
    const std::string function = esipa_function(request);
    std::optional<EsipaFault> fault;
    {
      std::lock_guard lock(s->mu);
      const unsigned n = ++s->calls[function];
      const unsigned any = ++s->all_calls;
      for (const auto& f : s->options.plan) {
        const unsigned count = f.function.empty() ? any : n;
        if (!f.function.empty() && f.function != function) continue;
        if (f.occurrence == 0 || f.occurrence == count) {
          fault = f;
          s->fired.push_back(describe(f) + " (call " + std::to_string(count) + ")");
          break;
        }
      }
    }
    auto trace = [&](const ipa::EsipaReply& reply, const std::string& note) {
      if (!s->options.trace || s->options.trace->empty()) return;
      sim::TraceEvent e;
      e.kind = sim::TraceEvent::Kind::kMessage;
      e.card = s->options.peer;
      e.iface = "ESipa";
      e.function = function.empty() ? "unknown" : function;
      e.command.assign(request.begin(), request.end());
      e.response = reply.body;
      e.status = reply.http_status;
      e.note = note;
      e.when = std::chrono::system_clock::now();
      s->options.trace->publish(e);
    };
    const std::string note = fault ? describe(*fault) : "";
    if (fault && fault->kind == EsipaFault::Kind::kHttpStatus) {
      ipa::EsipaReply r{fault->http_status, {}};
      trace(r, note);
      return r;
    }
    if (fault && fault->kind == EsipaFault::Kind::kDropBefore) {
      trace({0, {}}, note);
      throw std::runtime_error("ESipa " + function + ": the connection was closed by the peer");
    }
    ipa::EsipaReply reply = s->inner(request);
    if (fault && fault->kind == EsipaFault::Kind::kDropAfter) {
      trace({0, {}}, note);
      throw std::runtime_error("ESipa " + function + ": the connection was closed by the peer");
    }
    std::string extra;
    if (fault && (fault->kind == EsipaFault::Kind::kCorruptSignature ||
                  fault->kind == EsipaFault::Kind::kCorruptMac)) {
      const std::uint32_t tag = fault->kind == EsipaFault::Kind::kCorruptSignature ? 0x5F37 : 0x86;
      if (auto at = find_last_byte(reply.body, 0, tag)) {
        reply.body[*at] ^= 0x01;
      } else {
        extra = " (nothing to corrupt in this answer)";
      }
    }
    if (fault && fault->kind == EsipaFault::Kind::kDelay && s->options.wait)
      s->options.wait(fault->delay);
    trace(reply, note + extra);
    return reply;
  };
}

}  // namespace euiccsim::scenario
