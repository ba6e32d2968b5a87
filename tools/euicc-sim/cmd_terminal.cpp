// euicc-sim terminal: the device's side of CAT (tools/terminal) for a card behind a PC/SC
// reader (a card `serve --bearer bip` runs) or a card of the state directory run in-process
// with its IPAe. Its BIP channels are real sockets of this host; every proactive exchange is a
// log line. docs/proactive.md.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <iostream>
#include <mutex>
#include <thread>

#include "common.hpp"
#include "es10_link.hpp"
#include "euiccsim/simulator/bip_bearer.hpp"
#include "euiccsim/simulator/euicc.hpp"
#include "euiccsim/simulator/host/ipae_runner.hpp"
#include "euiccsim/simulator/host/socket_bearer.hpp"
#include "euiccsim/simulator/identity.hpp"
#include "terminal/terminal.hpp"

namespace euiccsim::tools {

namespace {

int g_stop = -1;
void on_stop(int) {
  const char b = 1;
  [[maybe_unused]] auto n = ::write(g_stop, &b, 1);
}

struct TerminalCliOptions {
  std::string reader;
  std::string card;
  unsigned poll_ms = 50;
  std::string profile;
  unsigned max_buffer = 1500;
  double duration_s = 0;
  bool json = false;
  bool log_polls = false;
  std::string fault_result;
  bool fault_never_fetch = false;
  std::optional<std::size_t> fault_drop_after;
  std::vector<std::string> ipae_ca;
  BipCliOptions bip;
};

class LinkAdapter final : public terminal::CardLink {
 public:
  explicit LinkAdapter(Link& link) : link_(link) {}
  Bytes transmit(const Bytes& apdu) override { return link_.transmit(apdu); }
  Bytes reset() override { return link_.reset(); }

 private:
  Link& link_;
};

class CardAdapter final : public terminal::CardLink {
 public:
  explicit CardAdapter(sim::Card& card) : card_(card) {}
  Bytes transmit(const Bytes& apdu) override { return card_.transmit(apdu); }
  Bytes reset() override { return card_.reset(); }

 private:
  sim::Card& card_;
};

std::mutex g_out;

void print(bool json, const terminal::Exchange& e) {
  std::lock_guard lock(g_out);
  if (json) {
    std::cout << json::dump(json::Value{{"event", "cat"},
                                        {"kind", e.kind},
                                        {"command", to_hex(e.command)},
                                        {"response", to_hex(e.response)},
                                        {"text", e.text}})
              << std::endl;
    return;
  }
  std::string line = e.kind;
  if (line.size() < 18) line.resize(18, ' ');
  line += e.text;
  std::cout << line << '\n';
  if (e.kind != "COMMAND" && e.kind != "NOTE" && !e.command.empty()) {
    std::cout << "                  > " << to_hex(e.command) << "\n                  < "
              << to_hex(e.response) << '\n';
  } else if (e.kind == "COMMAND") {
    std::cout << "                  " << to_hex(e.response) << '\n';
  }
  std::cout.flush();
}

int run(GlobalOptions& global, const TerminalCliOptions& o) {
  if (!o.reader.empty() && !o.card.empty())
    throw UsageError("--reader and --card exclude each other");
  if (o.poll_ms == 0 || o.poll_ms > 60000) throw UsageError("--poll-interval: 1 to 60000 ms");
  if (o.max_buffer < 16 || o.max_buffer > 65535) throw UsageError("--max-buffer: 16 to 65535");
  terminal::TerminalOptions to;
  if (!o.profile.empty()) {
    try {
      to.profile = from_hex(o.profile);
    } catch (const HexError& e) {
      throw UsageError(std::string("--profile: ") + e.what());
    }
    if (to.profile.empty() || to.profile.size() > 255)
      throw UsageError("--profile: 1 to 255 bytes");
  }
  to.max_buffer = static_cast<std::uint16_t>(o.max_buffer);
  to.log_polls = o.log_polls;
  if (!o.fault_result.empty()) {
    Bytes r;
    try {
      r = from_hex(o.fault_result);
    } catch (const HexError& e) {
      throw UsageError(std::string("--fault-result: ") + e.what());
    }
    if (r.empty() || r.size() > 2)
      throw UsageError("--fault-result: a general result, e.g. 21 or 3A07");
    to.fault_result = r[0];
    to.fault_additional.assign(r.begin() + 1, r.end());
  }
  to.fault_never_fetch = o.fault_never_fetch;
  to.fault_drop_after = o.fault_drop_after;
  to.log = [json = o.json](const terminal::Exchange& e) { print(json, e); };
  std::vector<Bytes> cas;
  for (const auto& f : o.ipae_ca) {
    try {
      cas.push_back(sim::read_certificate_file(f));
    } catch (const std::exception& e) {
      throw UsageError(std::string("--ipae-ca: ") + e.what());
    }
  }
  const auto bip = bip_options(o.bip);

  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("cannot create a pipe");
  g_stop = fds[1];
  struct sigaction sa {};
  sa.sa_handler = on_stop;
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  std::atomic<bool> stop{false};

  std::unique_ptr<Link> pcsc;
  std::unique_ptr<sim::Card> card;
  std::unique_ptr<terminal::CardLink> link;
  applets::ipae::SystemClock clock;
  std::unique_ptr<sim::host::IpaeRunner> runner;
  std::thread ipae_thread;
  int ipae_stop[2] = {-1, -1};
  if (!o.reader.empty()) {
    pcsc = open_pcsc_link(o.reader, true);
    link = std::make_unique<LinkAdapter>(*pcsc);
  } else {
    auto dir = global.state();
    const auto eid = choose_card(dir, o.card);
    auto claimed = claim_card(dir, eid);
    card = sim::make_euicc(std::move(claimed.state), crypto::Drbg::from_os(),
                           std::move(claimed.persist));
    if (auto bus = global.trace_bus()) card->set_trace(bus);
    card->set_refresh_listener([json = o.json](const std::optional<Bytes>& isdp) {
      print(json, {"NOTE",
                   {},
                   {},
                   "the card now runs profile " +
                       (isdp ? "ISD-P " + to_hex(*isdp) : std::string("(none)"))});
    });
    card->power_on();
    link = std::make_unique<CardAdapter>(*card);
    if (card->state().config.ipae) {
      // The card's IPAe, reaching the network only through this terminal.
      sim::host::IpaeRunner::Options ro;
      ro.ipae.extra_ca_certificates = cas;
      ro.log = [json = o.json](const std::string&, const std::string& line) {
        print(json, {"IPAE", {}, {}, line});
      };
      ro.bearer = [bip](sim::Card& c, applets::ipae::BearerEvents& sink,
                        std::function<void()> wake) {
        auto b = std::make_unique<sim::BipBearer>(c, sink, std::move(wake), bip);
        auto* raw = b.get();
        return sim::host::IpaeRunner::Options::Port{std::move(b), [raw] { raw->pump(); }};
      };
      runner = std::make_unique<sim::host::IpaeRunner>(clock, ro);
      runner->add(*card, crypto::Drbg::from_os());
      if (::pipe2(ipae_stop, O_CLOEXEC) != 0) throw std::runtime_error("cannot create a pipe");
      ipae_thread = std::thread([&runner, fd = ipae_stop[0]] { runner->run(fd); });
    }
  }

  int status = 0;
  try {
    sim::host::SocketBearer sockets;
    struct Sink final : applets::ipae::BearerEvents {
      terminal::Terminal* t = nullptr;
      void on_bearer_event(const applets::ipae::BearerEvent& e) override { t->on_bearer_event(e); }
    } sink;
    auto net = sockets.port(sink);
    terminal::Terminal term(*link, *net, to);
    sink.t = &term;
    sockets.watch(fds[0], [&stop] { stop = true; });
    term.start();
    const auto started = std::chrono::steady_clock::now();
    auto next_poll = started;
    while (!stop) {
      const auto now = std::chrono::steady_clock::now();
      if (o.duration_s > 0 && now - started >= std::chrono::duration<double>(o.duration_s)) {
        break;
      }
      if (now >= next_poll) {
        term.poll();
        next_poll = now + std::chrono::milliseconds(o.poll_ms);
      }
      sockets.run_once(std::chrono::duration_cast<std::chrono::milliseconds>(
          next_poll - std::chrono::steady_clock::now()));
    }
    const auto& s = term.stats();
    print(o.json, {"NOTE",
                   {},
                   {},
                   "stopped: " + std::to_string(s.fetched) + " commands fetched, " +
                       std::to_string(s.envelopes) + " envelopes, " + std::to_string(s.bytes_up) +
                       " bytes up, " + std::to_string(s.bytes_down) + " bytes down"});
  } catch (const std::exception& e) {
    std::lock_guard lock(g_out);
    std::cerr << "euicc-sim: terminal: " << e.what() << std::endl;
    status = 1;
  }
  if (ipae_thread.joinable()) {
    const char b = 1;
    [[maybe_unused]] auto n = ::write(ipae_stop[1], &b, 1);
    ipae_thread.join();
    ::close(ipae_stop[0]);
    ::close(ipae_stop[1]);
  }
  runner.reset();
  ::signal(SIGINT, SIG_DFL);
  ::signal(SIGTERM, SIG_DFL);
  g_stop = -1;
  ::close(fds[0]);
  ::close(fds[1]);
  return status;
}

}  // namespace

sim::BipOptions bip_options(const BipCliOptions& o) {
  sim::BipOptions b;
  if (o.buffer < 64 || o.buffer > 65535) throw UsageError("--bip-buffer: 64 to 65535");
  b.buffer_size = static_cast<std::uint16_t>(o.buffer);
  if (!o.apn.empty()) {
    try {
      sim::cat::encode_network_access_name(o.apn);
    } catch (const std::exception&) {
      throw UsageError("--bip-apn: labels of 1 to 63 characters separated by dots");
    }
    // TS 31.111 §8.52.2: packet data service, PDP type IP, the other parameters subscribed.
    b.bearer_type = 0x02;
    b.bearer_parameters = from_hex("030403041F02");
    b.network_access_name = o.apn;
  }
  return b;
}

void add_bip_options(CLI::App* cmd, BipCliOptions& o) {
  cmd->add_option("--bip-buffer", o.buffer,
                  "Buffer size the card asks for in OPEN CHANNEL (the terminal may grant less)")
      ->capture_default_str();
  cmd->add_option("--bip-apn", o.apn,
                  "Open channels over a packet data bearer with this APN instead of the "
                  "terminal's default bearer");
}

void add_terminal_command(CLI::App& app, GlobalOptions& global) {
  auto o = std::make_shared<TerminalCliOptions>();
  auto* cmd = app.add_subcommand(
      "terminal",
      "Play the device for a card: TERMINAL PROFILE, polling, FETCH, BIP channels "
      "on this host's sockets, REFRESH; every proactive exchange logged");
  cmd->add_option("--reader", o->reader,
                  "A PC/SC reader (shared: LPAs may use the card too), e.g. a card of "
                  "`serve --bearer bip`");
  cmd->add_option("--card", o->card,
                  "A card of the state directory, run in-process with its IPAe on BIP");
  cmd->add_option("--poll-interval", o->poll_ms, "Milliseconds between STATUS polls")
      ->capture_default_str();
  cmd->add_option("--profile", o->profile,
                  "TERMINAL PROFILE to declare, hex (default: REFRESH with eUICC Profile State "
                  "Change, SET UP EVENT LIST, data available and channel status, the BIP "
                  "commands, TCP and UDP client, 7 channels)");
  cmd->add_option("--max-buffer", o->max_buffer, "Largest channel buffer granted")
      ->capture_default_str();
  cmd->add_option("--duration", o->duration_s, "Stop after this many seconds (0: at Ctrl-C)");
  cmd->add_flag("--json", o->json, "One JSON object per exchange");
  cmd->add_flag("--log-polls", o->log_polls, "Log STATUS polls that find nothing too");
  cmd->add_option("--fault-result", o->fault_result,
                  "Answer every BIP command with this result, hex: 21 (network unable), 3A07 "
                  "(BIP error, remote device not reachable), ...");
  cmd->add_flag("--fault-never-fetch", o->fault_never_fetch, "Ignore 91xx: never FETCH");
  cmd->add_option("--fault-drop-after", o->fault_drop_after,
                  "Drop a channel's link once this many bytes came from its peer (0: at once)");
  cmd->add_option("--ipae-ca", o->ipae_ca,
                  "With --card: the IPAe also trusts this CA (DER or PEM; repeatable)");
  add_bip_options(cmd, o->bip);
  cmd->footer(
      "The card's BIP channels become TCP/UDP connections of this host; an eIM address must be\n"
      "an IP literal (OPEN CHANNEL carries an address, not a name). Exit status 1 when the\n"
      "card link fails.\n"
      "Examples:\n"
      "  euicc-sim serve --private-pcscd --bearer bip &\n"
      "  euicc-sim terminal --reader 'euicc-sim 00 00'\n"
      "  euicc-sim terminal --card 89049032123451234512345678901235 --ipae-ca "
      "/tmp/pki/nist/ci.pem\n"
      "  euicc-sim terminal --reader 'euicc-sim 00 00' --fault-result 21 --duration 30");
  cmd->callback([&global, o] {
    int rc = run(global, *o);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace euiccsim::tools
