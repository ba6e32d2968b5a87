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
}  // namespace

void TextTraceSink::write(const TraceEvent& e) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(e.duration).count();
  out_ << timestamp(e.when) << ' ' << e.card << ' ';
  if (e.kind == TraceEvent::Kind::kApdu) {
    out_ << "ch" << e.channel << " > " << to_hex(e.command) << '\n'
         << std::setw(static_cast<int>(28 + e.card.size())) << "< " << to_hex(e.response) << "  ("
         << us << " us)\n";
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
  if (e.kind == TraceEvent::Kind::kApdu) {
    o["ch"] = e.channel;
    o["c"] = to_hex(e.command);
  } else if (e.kind == TraceEvent::Kind::kEs10 || e.kind == TraceEvent::Kind::kEsipa) {
    if (!e.peer.empty()) o["peer"] = e.peer;
    o["c"] = to_hex(e.command);
  }
  o["r"] = to_hex(e.response);
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
  for (auto& s : sinks_) s->write(e);
}

}  // namespace euiccsim::sim
