// euicc-sim trace: read, compare and convert traces: our JSON lines and text, GSMTAP-SIM
// pcap/pcapng (ours, Wireshark's, SIMtrace2's), scriptor logs and APDU scripts.
#include <fstream>
#include <iostream>
#include <iterator>

#include "common.hpp"
#include "euiccsim/simulator/trace_gsmtap.hpp"
#include "scenario/replay.hpp"

namespace euiccsim::tools {

namespace {

namespace fs = std::filesystem;

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError("cannot read " + path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

ByteView view(const std::string& s) {
  return ByteView(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

std::string describe(const sim::CapturedApdu& c) {
  if (c.kind == sim::CapturedApdu::Kind::kAtr) return "ATR " + to_hex(c.response);
  return "> " + to_hex(c.command) + " < " + to_hex(c.response);
}

// 0 when A and B are the same trace, else 1 after printing where they first differ.
int diff(const std::string& a_path, const std::string& b_path) {
  const std::string a = slurp(a_path), b = slurp(b_path);
  if (sim::is_capture(view(a)) && sim::is_capture(view(b))) {
    std::vector<sim::CapturedApdu> ra, rb;
    try {
      ra = sim::read_gsmtap_capture(view(a));
      rb = sim::read_gsmtap_capture(view(b));
    } catch (const std::runtime_error& e) {
      throw std::runtime_error(std::string("cannot read the captures: ") + e.what());
    }
    // The card's bytes first: two runs that differ only in time differ less.
    for (std::size_t i = 0; i < std::min(ra.size(), rb.size()); ++i) {
      const auto &x = ra[i], &y = rb[i];
      if (x.kind != y.kind || x.command != y.command || x.response != y.response) {
        std::cout << "GSMTAP datagram " << i + 1 << " (frames " << x.packet << " / " << y.packet
                  << ") differs:\n  " << a_path << ": " << describe(x) << "\n  " << b_path << ": "
                  << describe(y) << '\n';
        return 1;
      }
    }
    if (ra.size() != rb.size()) {
      const bool a_longer = ra.size() > rb.size();
      const auto& extra = a_longer ? ra[rb.size()] : rb[ra.size()];
      std::cout << (a_longer ? b_path : a_path) << " ends after " << std::min(ra.size(), rb.size())
                << " GSMTAP datagrams; " << (a_longer ? a_path : b_path)
                << " goes on: " << describe(extra) << '\n';
      return 1;
    }
    for (std::size_t i = 0; i < ra.size(); ++i) {
      if (ra[i].time_us != rb[i].time_us) {
        std::cout << "the same " << ra.size() << " GSMTAP datagrams, but datagram " << i + 1
                  << " has another time (" << ra[i].time_us << " us / " << rb[i].time_us
                  << " us since the epoch)\n";
        return 1;
      }
    }
    if (a != b) {
      std::size_t at = 0;
      while (at < a.size() && at < b.size() && a[at] == b[at]) ++at;
      std::cout << "the same " << ra.size() << " GSMTAP datagrams, but the files differ from byte "
                << at << " (framing or metadata)\n";
      return 1;
    }
    std::cout << "identical: " << ra.size() << " GSMTAP datagrams\n";
    return 0;
  }
  std::istringstream ia(a), ib(b);
  std::string la, lb;
  std::size_t line = 0;
  for (;;) {
    const bool ea = !std::getline(ia, la), eb = !std::getline(ib, lb);
    ++line;
    if (ea && eb) break;
    if (ea || eb) {
      std::cout << (ea ? a_path : b_path) << " ends at line " << line - 1 << "; "
                << (ea ? b_path : a_path) << " goes on:\n  " << (ea ? lb : la) << '\n';
      return 1;
    }
    if (la != lb) {
      std::size_t col = 0;
      while (col < la.size() && col < lb.size() && la[col] == lb[col]) ++col;
      std::cout << "line " << line << ", column " << col + 1 << ":\n  " << a_path << ": " << la
                << "\n  " << b_path << ": " << lb << '\n';
      return 1;
    }
  }
  std::cout << "identical: " << line - 1 << " lines\n";
  return 0;
}

std::vector<sim::TraceEvent> events_of(const std::string& path, const std::string& format) {
  auto f = scenario::recording_format(format);
  if (!f) throw UsageError("--format: auto, pcap, scriptor, jsonl, text or apdu");
  std::vector<scenario::Recorded> rec;
  try {
    rec = scenario::read_recording(path, *f);
  } catch (const scenario::ReplayError& e) {
    throw std::runtime_error(e.what());
  }
  std::vector<sim::TraceEvent> out;
  // Times are not kept by every format: a fixed start and 1 ms per event, so a conversion is
  // the same bytes every time.
  auto t = std::chrono::system_clock::time_point(std::chrono::seconds(1735689600));
  for (const auto& r : rec) {
    sim::TraceEvent e;
    switch (r.kind) {
      case scenario::Recorded::Kind::kApdu:
        e.kind = sim::TraceEvent::Kind::kApdu;
        break;
      case scenario::Recorded::Kind::kReset:
        e.kind = sim::TraceEvent::Kind::kReset;
        break;
      case scenario::Recorded::Kind::kPowerOn:
        e.kind = sim::TraceEvent::Kind::kPowerOn;
        break;
      case scenario::Recorded::Kind::kPowerOff:
        e.kind = sim::TraceEvent::Kind::kPowerOff;
        break;
    }
    e.card = r.card.empty() ? "card" : r.card;
    e.command = r.command;
    if (r.response) e.response = *r.response;
    t += std::chrono::milliseconds(1);
    e.when = t;
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

void add_trace_commands(CLI::App& app) {
  auto* trace = app.add_subcommand("trace", "Show, compare and convert traces");
  trace->require_subcommand(1);

  struct DiffOptions {
    std::string a, b;
  };
  auto d = std::make_shared<DiffOptions>();
  auto* diff_cmd =
      trace->add_subcommand("diff", "Compare two traces and print the first difference");
  diff_cmd->add_option("a", d->a, "A trace: pcap/pcapng, JSON lines or text")->required();
  diff_cmd->add_option("b", d->b, "The trace to compare it with")->required();
  diff_cmd->footer(
      "Captures are compared datagram by datagram (bytes, then time), anything else line by line.\n"
      "Exit status 0 when they are the same, 1 when they differ.\n"
      "Example:\n"
      "  euicc-sim --trace pcap:a.pcapng run case.yaml --seed 1\n"
      "  euicc-sim --trace pcap:b.pcapng run case.yaml --seed 1\n"
      "  euicc-sim trace diff a.pcapng b.pcapng");
  diff_cmd->callback([d] {
    int rc = diff(d->a, d->b);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });

  struct ShowOptions {
    std::string file;
    std::string format = "auto";
    std::string output;
    bool apdu_only = false;
  };
  auto s = std::make_shared<ShowOptions>();
  auto* show = trace->add_subcommand("show", "Print a recording as euicc-sim's text trace");
  show->add_option("file", s->file, "A recording (pcap/pcapng, scriptor, jsonl, text, APDU script)")
      ->required();
  show->add_option("--format", s->format, "How to read it (default: from its contents)")
      ->capture_default_str();
  show->footer("Example:\n  euicc-sim trace show capture.pcapng");
  show->callback([s] {
    sim::TextTraceSink sink(std::cout);
    for (const auto& e : events_of(s->file, s->format)) sink.write(e);
  });

  auto* convert = trace->add_subcommand(
      "convert", "Convert a recording to pcapng (GSMTAP-SIM), JSON lines or text");
  convert->add_option("file", s->file, "The recording to read")->required();
  convert->add_option("output", s->output, "OUT.pcapng, OUT.jsonl or another name for text")
      ->required();
  convert->add_option("--format", s->format, "How to read the input (default: from its contents)")
      ->capture_default_str();
  convert->add_flag("--apdu-only", s->apdu_only,
                    "pcapng: APDU datagrams only (no ATR; Wireshark's gsm_sim dissects every "
                    "GSMTAP-SIM datagram as an APDU)");
  convert->footer(
      "Example:\n  euicc-sim trace convert session.jsonl session.pcapng\n"
      "  tshark -r session.pcapng -Y gsm_sim");
  convert->callback([s] {
    const auto events = events_of(s->file, s->format);
    const std::string ext = fs::path(s->output).extension().string();
    std::unique_ptr<std::ofstream> out;
    std::shared_ptr<sim::TraceSink> sink;
    if (ext == ".pcapng" || ext == ".pcap") {
      sim::GsmtapOptions g;
      g.apdu_only = s->apdu_only;
      sink = std::make_shared<sim::PcapngSink>(s->output, g);
    } else {
      out = std::make_unique<std::ofstream>(s->output, std::ios::trunc);
      if (!*out) throw std::runtime_error("cannot write " + s->output);
      if (ext == ".jsonl") {
        sink = std::make_shared<sim::JsonlTraceSink>(*out);
      } else {
        sink = std::make_shared<sim::TextTraceSink>(*out);
      }
    }
    for (const auto& e : events) sink->write(e);
  });
}

}  // namespace euiccsim::tools
