#include "euiccsim/simulator/trace.hpp"

#include <ctime>
#include <iomanip>
#include <ostream>

#include "euiccsim/simulator/json.hpp"

namespace euiccsim::sim {

const char* kind_name(TraceEvent::Kind k) {
  switch (k) {
    case TraceEvent::Kind::kApdu:
      return "apdu";
    case TraceEvent::Kind::kPowerOn:
      return "power-on";
    case TraceEvent::Kind::kReset:
      return "reset";
    case TraceEvent::Kind::kPowerOff:
      return "power-off";
    case TraceEvent::Kind::kMessage:
      return "message";
    case TraceEvent::Kind::kEs10:
      return "es10";
    case TraceEvent::Kind::kEsipa:
      return "esipa";
  }
  return "?";
}

namespace {
std::string timestamp(std::chrono::system_clock::time_point t) {
  auto secs = std::chrono::time_point_cast<std::chrono::seconds>(t);
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(t - secs).count();
  std::time_t tt = std::chrono::system_clock::to_time_t(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char frac[32];
  std::snprintf(frac, sizeof frac, ".%06lldZ", static_cast<long long>(us));
  return std::string(buf) + frac;
}

// A message body as text: as it is when it is printable ASCII (ES9+'s JSON), else in hex
// (ESipa's DER), so that neither sink writes raw binary.
std::string body_text(const Bytes& b) {
  for (auto c : b) {
    if ((c < 0x20 && c != '\n' && c != '\r' && c != '\t') || c > 0x7E) return to_hex(b);
  }
  return std::string(b.begin(), b.end());
}
}  // namespace

void TextTraceSink::write(const TraceEvent& e) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(e.duration).count();
  out_ << timestamp(e.when) << ' ' << e.card << ' ';
  if (e.kind == TraceEvent::Kind::kMessage) {
    // JSON bodies (ES9+) printed as they are, DER bodies (ESipa) in hex.
    out_ << e.iface << ' ' << e.function << " > " << body_text(e.command) << '\n'
         << std::setw(static_cast<int>(28 + e.card.size())) << "< " << e.status << ' '
         << body_text(e.response);
    if (!e.note.empty()) out_ << "  [" << e.note << ']';
    out_ << '\n';
  } else if (e.kind == TraceEvent::Kind::kApdu) {
    out_ << "ch" << e.channel << " > " << to_hex(e.command) << '\n'
         << std::setw(static_cast<int>(28 + e.card.size())) << "< " << to_hex(e.response) << "  ("
         << us << " us)";
    if (!e.note.empty()) out_ << "  [" << e.note << ']';
    out_ << '\n';
  } else if (e.kind == TraceEvent::Kind::kEs10 || e.kind == TraceEvent::Kind::kEsipa) {
    out_ << kind_name(e.kind) << (e.peer.empty() ? "" : " " + e.peer) << " > " << to_hex(e.command)
         << '\n'
         << std::setw(static_cast<int>(28 + e.card.size())) << "< " << to_hex(e.response) << "  ("
         << us << " us)\n";
  } else {
    out_ << kind_name(e.kind);
    if (!e.response.empty()) out_ << " ATR " << to_hex(e.response);
    out_ << '\n';
  }
  out_.flush();
}

void JsonlTraceSink::write(const TraceEvent& e) {
  auto o = json::Value::object();
  o["t"] = timestamp(e.when);
  o["card"] = e.card;
  o["kind"] = kind_name(e.kind);
  if (e.kind == TraceEvent::Kind::kMessage) {
    o["if"] = e.iface;
    o["fn"] = e.function;
    // A body that is JSON (ES9+) is embedded as such, anything else as a string (DER in hex).
    auto body = [](const Bytes& b) {
      std::string text = body_text(b);
      auto parsed = json::parse(text);
      return parsed ? std::move(*parsed) : json::Value(std::move(text));
    };
    o["req"] = body(e.command);
    o["status"] = e.status;
    o["rsp"] = body(e.response);
  } else {
    if (e.kind == TraceEvent::Kind::kApdu) {
      o["ch"] = e.channel;
      o["c"] = to_hex(e.command);
    } else if (e.kind == TraceEvent::Kind::kEs10 || e.kind == TraceEvent::Kind::kEsipa) {
      if (!e.peer.empty()) o["peer"] = e.peer;
      o["c"] = to_hex(e.command);
    }
    o["r"] = to_hex(e.response);
  }
  if (!e.note.empty()) o["note"] = e.note;
  o["us"] = static_cast<std::int64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(e.duration).count());
  out_ << json::dump(o) << '\n';
  out_.flush();
}

void TraceBus::add(std::shared_ptr<TraceSink> sink) {
  std::lock_guard lock(mu_);
  sinks_.push_back(std::move(sink));
}

void TraceBus::publish(const TraceEvent& e) {
  std::lock_guard lock(mu_);
  if (sinks_.empty()) return;
  if (secrets_ && !clock_) {
    for (auto& s : sinks_) s->write(e);
    return;
  }
  TraceEvent copy = e;
  if (!secrets_) redact_secrets(copy);
  if (clock_) {
    copy.when = clock_();
    copy.duration = std::chrono::nanoseconds{0};
  }
  for (auto& s : sinks_) s->write(copy);
}

}  // namespace euiccsim::sim
