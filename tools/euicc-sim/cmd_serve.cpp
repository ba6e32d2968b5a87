// euicc-sim serve: the cards of a state directory as PC/SC cards, each attached to a reader
// slot of our pcsc driver (or of Debian's vpcd), until Ctrl-C.
#include <PCSC/winscard.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>

#include "common.hpp"
#include "euiccsim/crypto/op_stats.hpp"
#include "euiccsim/simulator/bip_bearer.hpp"
#include "euiccsim/simulator/euicc.hpp"
#include "euiccsim/simulator/faults.hpp"
#include "euiccsim/simulator/host/ipae_runner.hpp"
#include "euiccsim/simulator/host/vpcd_link.hpp"
#include "euiccsim/simulator/identity.hpp"
#include "ipae_control.hpp"
#include "private_pcscd.hpp"
#include "scenario/fault_plan.hpp"
#include "serve_status.hpp"

namespace euiccsim::tools {

namespace {
int g_stop_write = -1;

void on_signal(int) {
  const char b = 1;
  [[maybe_unused]] auto n = ::write(g_stop_write, &b, 1);
}

// Ctrl-C and SIGTERM as a descriptor that becomes readable, for every thread to poll.
class StopSignal {
 public:
  StopSignal() {
    if (::pipe2(fds_, O_CLOEXEC) != 0) throw std::runtime_error("cannot create a pipe");
    g_stop_write = fds_[1];
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    ::sigaction(SIGINT, &sa, nullptr);
    ::sigaction(SIGTERM, &sa, nullptr);
    ::signal(SIGPIPE, SIG_IGN);  // a peer gone mid-write is an error return, not death
  }
  ~StopSignal() {
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
    g_stop_write = -1;
    ::close(fds_[0]);
    ::close(fds_[1]);
  }
  StopSignal(const StopSignal&) = delete;
  StopSignal& operator=(const StopSignal&) = delete;

  int fd() const { return fds_[0]; }
  void trigger() { on_signal(0); }
  // Until a signal comes (true) or the private pcscd, if any, dies (false: then stop too).
  bool wait(PrivatePcscd* pcscd) {
    for (;;) {
      pollfd p{fds_[0], POLLIN, 0};
      if (::poll(&p, 1, 500) > 0) return true;
      if (pcscd && !pcscd->running()) {
        trigger();
        return false;
      }
    }
  }

 private:
  int fds_[2];
};

std::unique_ptr<PrivatePcscd> start_private_pcscd(const std::string& dir, unsigned slots,
                                                  bool debug, bool vpcd,
                                                  std::vector<std::string>& readers) {
  if (auto why = PrivatePcscd::why_unavailable(); !why.empty()) throw std::runtime_error(why);
  PrivatePcscd::Options po;
  po.dir = dir;
  po.slots = slots;
  po.driver = *PrivatePcscd::find_driver();
  po.debug = debug;
  po.vpcd = vpcd;
  auto pcscd = std::make_unique<PrivatePcscd>(po);
  readers = pcscd->wait_for_readers(std::chrono::seconds(20));
  return pcscd;
}

struct ServeOptions {
  unsigned cards = 0;
  std::string driver = "unix:/run/euicc-sim";
  std::string vpcd;
  bool private_pcscd = false;
  std::string private_dir = "/run/euicc-sim/private";
  unsigned slots = 0;
  std::optional<std::uint64_t> seed;
  bool json = false;
  bool pcscd_debug = false;
  bool stats = false;
  std::string faults;  // a fault plan file (docs/scenarios.md "Faults")
  // The cards' IPAes run in any case; without a reader only they run.
  bool no_reader = false;
  std::vector<std::string> ipae_ca;
  // How the IPAes reach the network: "socket" (this host's sockets) or "bip" (CAT/BIP through
  // the terminal of each card's reader).
  std::string bearer = "socket";
  BipCliOptions bip;
  // Fault injection for crash tests: SIGKILL this process when the Nth ESipa/ES9+ exchange's
  // outcome is known, before the card acts on it (0: never).
  unsigned kill_after_exchanges = 0;
};

// What a card spent its time on while served (--stats): the benchmark's breakdown of a card
// behind PC/SC. Filled by the card's thread, read after it ended.
struct CardTimes {
  std::uint64_t apdus = 0;
  std::chrono::nanoseconds busy{0};     // inside Card::transmit
  std::chrono::nanoseconds persist{0};  // inside the image save (fsync included)
  crypto::OpStats crypto;               // inside crypto/ (part of busy)
};

json::Value times_json(const std::string& eid, const CardTimes& t) {
  auto us = [](std::chrono::nanoseconds d) {
    return static_cast<std::int64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(d).count());
  };
  auto ops = json::Value::object();
  for (std::size_t k = 0; k < crypto::kOpKinds; ++k) {
    const auto& c = t.crypto.ops[k];
    if (c.count == 0) continue;
    ops[crypto::op_name(static_cast<crypto::Op>(k))] =
        json::Value{{"count", c.count}, {"us", us(c.time)}};
  }
  return json::Value{{"event", "stats"},
                     {"eid", eid},
                     {"apdus", t.apdus},
                     {"busyUs", us(t.busy)},
                     {"cryptoUs", us(t.crypto.total())},
                     {"persistUs", us(t.persist)},
                     {"crypto", std::move(ops)}};
}

std::mutex g_out;

void say(bool json, const json::Value& event, const std::string& human) {
  std::lock_guard lock(g_out);
  if (json) {
    std::cout << json::dump(event) << std::endl;
  } else {
    std::cout << human << std::endl;
  }
}

// One serve per state directory: a flock on STATE/.serve.lock for the serve's lifetime, so a
// second serve is refused before it creates cards or rewrites .serve-status. A read-only state
// directory where the file cannot be made goes without it: nothing can be created or written
// there, and each card's own lock still keeps a card to one process.
class ServeLock {
 public:
  explicit ServeLock(const std::filesystem::path& dir) {
    const auto path = dir / ".serve.lock";
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0 && (errno == EROFS || errno == EACCES)) {
      fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd_ < 0 && errno == ENOENT) return;
    }
    if (fd_ < 0) {
      throw std::runtime_error("cannot open " + path.string() + ": " + std::strerror(errno));
    }
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      const auto holder = sim::lock_holder(fd_);
      ::close(fd_);
      fd_ = -1;
      std::string who =
          holder.pid > 0 ? "process " + std::to_string(holder.pid) : std::string("another process");
      if (!holder.command.empty()) who += " (" + holder.command + ")";
      throw std::runtime_error("another serve already runs the cards of " + dir.string() + ": " +
                               who + "; stop it first, or give this one another --state");
    }
  }
  ~ServeLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  ServeLock(const ServeLock&) = delete;
  ServeLock& operator=(const ServeLock&) = delete;

 private:
  int fd_ = -1;
};

// The reader name a PC/SC client sees for slot `i`: our driver's, or Debian's vpcd's.
std::string reader_name(bool vpcd, unsigned i) {
  char name[48];
  std::snprintf(name, sizeof name, "%s 00 %02u", vpcd ? "Virtual PCD" : "euicc-sim", i);
  return name;
}

// What a PC/SC client sees of the first reader: its name, the ATR, and the EID read with
// SELECT ISD-R + GetEID, through pcscd and the driver like any application.
std::string probe_reader(const std::string& reader) {
  SCARDCONTEXT ctx = 0;
  if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &ctx) != SCARD_S_SUCCESS) {
    return "cannot reach pcscd";
  }
  std::string out;
  SCARD_READERSTATE rs{};
  rs.szReader = reader.c_str();
  rs.dwCurrentState = SCARD_STATE_UNAWARE;
  SCardGetStatusChange(ctx, 0, &rs, 1);
  if (!(rs.dwEventState & SCARD_STATE_PRESENT)) {
    rs.dwCurrentState = rs.dwEventState;
    SCardGetStatusChange(ctx, 5000, &rs, 1);
  }
  SCARDHANDLE card = 0;
  DWORD proto = 0;
  LONG rc =
      SCardConnect(ctx, reader.c_str(), SCARD_SHARE_EXCLUSIVE, SCARD_PROTOCOL_T0, &card, &proto);
  if (rc != SCARD_S_SUCCESS) {
    SCardReleaseContext(ctx);
    return std::string("SCardConnect failed: ") + pcsc_stringify_error(rc);
  }
  BYTE atr[MAX_ATR_SIZE];
  DWORD atr_len = sizeof atr, state = 0, name_len = 0;
  SCardStatus(card, nullptr, &name_len, &state, &proto, atr, &atr_len);
  out = "ATR " + to_hex(ByteView(atr, atr_len));
  auto transmit = [&](const std::string& hex) {
    Bytes c = from_hex(hex);
    BYTE r[258];
    DWORD rl = sizeof r;
    if (SCardTransmit(card, SCARD_PCI_T0, c.data(), static_cast<DWORD>(c.size()), nullptr, r,
                      &rl) != SCARD_S_SUCCESS) {
      return Bytes{};
    }
    return Bytes(r, r + rl);
  };
  transmit("00A4040010A0000005591010FFFFFFFF8900000100");
  auto first = transmit("80E2910006BF3E035C015A");
  if (first.size() == 2 && first[0] == 0x61) {
    auto eid = transmit("80C00000" + to_hex(Bytes{first[1]}));
    if (eid.size() == 2 + 21) out += ", EID " + to_hex(ByteView(eid).subspan(5, 16));
  }
  SCardDisconnect(card, SCARD_RESET_CARD);
  SCardReleaseContext(ctx);
  return out;
}

int run(GlobalOptions& global, const ServeOptions& o) {
  // Refuse a bad address before anything is created or started.
  if (!o.vpcd.empty() && !host::Endpoint::parse(o.vpcd)) {
    throw UsageError("--vpcd: expected HOST:PORT, not '" + o.vpcd + "'");
  }
  if (!o.no_reader && o.vpcd.empty() && !o.private_pcscd && !host::driver_slot(o.driver, 0)) {
    throw UsageError("--driver: expected unix:DIR or tcp:PORT, not '" + o.driver + "'");
  }
  std::vector<Bytes> ipae_cas;
  for (const auto& f : o.ipae_ca) {
    try {
      ipae_cas.push_back(sim::read_certificate_file(f));
    } catch (const std::exception& e) {
      throw UsageError(std::string("--ipae-ca: ") + e.what());
    }
  }
  if (o.bearer != "socket" && o.bearer != "bip") throw UsageError("--bearer: socket or bip");
  if (o.bearer == "bip" && o.no_reader) {
    throw UsageError("--bearer bip needs a reader: the terminal reaches the card through it");
  }
  const auto bip = bip_options(o.bip);
  auto dir = global.state();
  {
    std::error_code ec;
    std::filesystem::create_directories(dir.path(), ec);  // an error shows at the first use
  }
  ServeLock serve_lock(dir.path());
  const bool first_run = dir.list().empty();
  const unsigned want = std::max(o.cards, 1u);
  for (unsigned n = static_cast<unsigned>(dir.list().size()); n < want; ++n) {
    auto drbg = o.seed ? crypto::Drbg::from_seed(*o.seed, "identity-" + std::to_string(n))
                       : crypto::Drbg::from_os();
    sim::NewCard nc;
    nc.profiles.push_back(demo_preload());
    auto s = dir.create(nc, drbg);
    say(o.json, json::Value{{"event", "created"}, {"eid", s.eid.str()}},
        "created card " + s.eid.str() + (first_run && n == 0 ? " (first run)" : ""));
  }
  // Each card is claimed (locked) for the serve's lifetime. A damaged image, or a card another
  // process runs, is reported in one line and left alone (never loaded, so never saved over);
  // the other cards are served.
  std::vector<std::string> eids;
  std::vector<sim::ClaimedCard> claimed;
  for (const auto& eid : dir.list()) {
    try {
      claimed.push_back(dir.claim(eid));
      eids.push_back(eid);
    } catch (const sim::CardBusy& e) {
      say(o.json, json::Value{{"event", "busy"}, {"eid", eid}, {"error", e.what()}},
          "card " + eid + " not served: " + e.what());
    } catch (const sim::ImageError& e) {
      say(o.json, json::Value{{"event", "unreadable"}, {"eid", eid}, {"error", e.what()}},
          "card " + eid + " not served: unreadable: " + e.what());
    }
  }
  if (eids.empty())
    throw std::runtime_error("no card of " + dir.path().string() + " can be served");
  if (eids.size() > 16) throw UsageError("at most 16 cards can be served (pcsc-lite's limit)");

  std::unique_ptr<PrivatePcscd> pcscd;
  std::string device_name = o.driver;
  if (o.private_pcscd) {
    std::vector<std::string> readers;
    const unsigned slots =
        std::max<unsigned>(o.slots ? o.slots : 4, static_cast<unsigned>(eids.size()));
    pcscd = start_private_pcscd(o.private_dir, slots, o.pcscd_debug, false, readers);
    device_name = pcscd->device_name();
    say(o.json,
        json::Value{{"event", "pcscd"},
                    {"pid", static_cast<std::int64_t>(pcscd->pid())},
                    {"socket", pcscd->socket_path()},
                    {"readers", static_cast<std::uint64_t>(readers.size())}},
        "private pcscd " + std::to_string(pcscd->pid()) + " with " +
            std::to_string(readers.size()) + " readers (log " + pcscd->log_path().string() + ")");
  }

  std::optional<scenario::FaultPlanFile> plan;
  if (!o.faults.empty()) {
    try {
      plan = scenario::load_fault_plan(o.faults);
    } catch (const scenario::ScenarioError& e) {
      throw UsageError(std::string("--faults: ") + e.what());
    }
    if (!plan->peer.empty())
      throw UsageError("--faults: " + o.faults + " names SM-DP+ faults; serve runs cards only");
  }

  StopSignal stop;
  auto trace = global.trace_bus();
  std::vector<std::unique_ptr<sim::Card>> cards;
  std::vector<std::thread> threads;
  ServeStatus serve_status;
  if (pcscd) serve_status.pcscd_socket = pcscd->socket_path();
  std::atomic<unsigned> connected{0};
  // Everything that can fail (endpoints, images) before the first thread starts.
  std::vector<host::Endpoint> endpoints;
  std::vector<CardTimes> times(eids.size());  // --stats; each written by its card's thread only
  for (unsigned i = 0; i < eids.size(); ++i) {
    std::optional<host::Endpoint> ep;
    if (o.no_reader) {
      ep = host::Endpoint::parse("127.0.0.1:1");  // never used
    } else if (!o.vpcd.empty()) {
      ep = host::Endpoint::parse(o.vpcd);
      if (!ep || ep->kind != host::Endpoint::Kind::kTcp || ep->port + i > 65535) {
        throw UsageError("--vpcd: expected HOST:PORT, not '" + o.vpcd + "'");
      }
      ep->port = static_cast<std::uint16_t>(ep->port + i);
    } else {
      ep = host::driver_slot(device_name, i);
      if (!ep) {
        throw UsageError("--driver: expected unix:DIR or tcp:PORT, not '" + device_name + "'");
      }
    }
    endpoints.push_back(*ep);
    auto drbg =
        o.seed ? crypto::Drbg::from_seed(*o.seed, "card-" + eids[i]) : crypto::Drbg::from_os();
    CardTimes* t = o.stats ? &times[i] : nullptr;
    // With a fault plan the card's image is written through its injector, which can tear it;
    // after a power loss the card restarts from the image (and the next APDU powers it up).
    // The injector writes the file itself, so under --faults the card's lock stays on the
    // first image it claimed (a test rig's limit: one serve per state directory still holds).
    std::shared_ptr<sim::FaultInjector> injector;
    if (plan) {
      sim::FaultInjector::Hooks hooks;
      hooks.reload = [dir, eid = eids[i]] { return dir.load(eid); };
      hooks.wait = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
      injector = std::make_shared<sim::FaultInjector>(plan->for_card(eids[i]), hooks);
    }
    // A save that fails (a read-only or full file system) rolls the change back and the card
    // answers 6581; the log says why, once per failed save.
    auto persist = [save = std::move(claimed[i].persist), t, eid = eids[i], injector,
                    image = dir.image_path(eids[i]), as_json = o.json](const CardState& s) {
      const auto start = std::chrono::steady_clock::now();
      try {
        if (injector) {
          injector->save(image, s);
        } else {
          save(s);
        }
      } catch (const std::exception& e) {
        say(as_json, json::Value{{"event", "save-failed"}, {"eid", eid}, {"error", e.what()}},
            "card " + eid + ": cannot save its image (" + e.what() +
                "); the change is rolled back and the card answered 6581");
        throw;
      }
      if (t) t->persist += std::chrono::steady_clock::now() - start;
    };
    cards.push_back(
        sim::make_euicc(std::move(claimed[i].state), std::move(drbg), std::move(persist)));
    if (injector) cards.back()->set_filter(injector);
    if (trace) cards.back()->set_trace(trace);
    // What the terminal sees after a REFRESH (or the immediate one of a terminal that cannot
    // fetch): a lab's evidence that the switch happened.
    cards.back()->set_refresh_listener(
        [&o, eid = eids[i], raw = cards.back().get()](const std::optional<Bytes>& isdp) {
          std::string iccid = "none";
          for (const auto& p : raw->state().profiles) {
            if (isdp && p.isdp_aid == *isdp) iccid = p.iccid().str();
          }
          say(o.json, json::Value{{"event", "refresh"}, {"eid", eid}, {"iccid", iccid}},
              "card " + eid + ": refreshed, the terminal sees profile " + iccid);
        });
  }
  // The IPAes of the cards that have one, on one thread (simulator/host/ipae_runner).
  applets::ipae::SystemClock ipae_clock;
  sim::host::IpaeRunner::Options ro;
  ro.ipae.extra_ca_certificates = ipae_cas;
  std::atomic<unsigned> exchanges{0};
  if (o.kill_after_exchanges > 0) {
    // The exchange hook runs between the answer's arrival and the card's next step: a kill
    // here is a device losing power with the eIM's answer received and not yet acted on.
    ro.exchange = [&o, &exchanges](const std::string& eid, const applets::ipae::ExchangeRecord& r) {
      if (++exchanges != o.kill_after_exchanges) return;
      say(o.json,
          json::Value{{"event", "fault"},
                      {"eid", eid},
                      {"line", "SIGKILL after exchange " + std::to_string(exchanges) + " (" +
                                   r.function + ")"}},
          "fault: SIGKILL after exchange " + std::to_string(exchanges) + " (" + r.function + ")");
      std::cout.flush();
      ::kill(::getpid(), SIGKILL);
    };
  }
  ro.log = [&o](const std::string& eid, const std::string& line) {
    say(o.json, json::Value{{"event", "ipae"}, {"eid", eid}, {"line", line}},
        "card " + eid + ": " + line);
  };
  ro.cycle_ended = [&o](const std::string& eid, const applets::ipae::CycleReport& r) {
    auto j = cycle_report_json(eid, r);
    j["event"] = "ipae-cycle";
    std::ostringstream human;
    print_cycle_report(eid, j, human);
    std::string line = human.str();
    if (!line.empty() && line.back() == '\n') line.pop_back();
    say(o.json, j, "card " + line);
  };
  if (o.bearer == "bip") {
    // Each IPAe's channels become BIP proactive commands for the terminal on its reader
    // (`euicc-sim terminal --reader`); until one sends a TERMINAL PROFILE they fail at once.
    ro.bearer = [bip](sim::Card& c, applets::ipae::BearerEvents& sink, std::function<void()> wake) {
      auto b = std::make_unique<sim::BipBearer>(c, sink, std::move(wake), bip);
      auto* raw = b.get();
      return sim::host::IpaeRunner::Options::Port{std::move(b), [raw] { raw->pump(); }};
    };
  }
  sim::host::IpaeRunner runner(ipae_clock, ro);
  for (unsigned i = 0; i < eids.size(); ++i) {
    if (!cards[i]->state().config.ipae) continue;
    runner.add(*cards[i], o.seed ? crypto::Drbg::from_seed(*o.seed, "ipae-" + eids[i])
                                 : crypto::Drbg::from_os());
  }
  std::unique_ptr<IpaeControlServer> control;
  std::thread ipae_thread;
  if (runner.cards() > 0) {
    control = std::make_unique<IpaeControlServer>(dir.path(), runner);
    ipae_thread = std::thread([&runner, stop = stop.fd()] { runner.run(stop); });
  } else if (o.no_reader) {
    throw UsageError("--no-reader: none of the cards has an IPAe to run");
  }
  for (unsigned i = 0; i < eids.size() && o.no_reader; ++i) {
    // No reader: the card is listed so that `ipae poll` finds the serve that runs it.
    if (cards[i]->state().config.ipae) serve_status.slots[eids[i]] = SlotInfo{i, "ipae-only", ""};
  }
  for (unsigned i = 0; i < eids.size() && !o.no_reader; ++i) {
    const auto* ep = &endpoints[i];
    serve_status.slots[eids[i]] = SlotInfo{i, ep->str(), reader_name(!o.vpcd.empty(), i)};
    say(o.json,
        json::Value{{"event", "card"}, {"eid", eids[i]}, {"slot", i}, {"endpoint", ep->str()}},
        "card " + eids[i] + " -> slot " + std::to_string(i) + " (" + ep->str() + ")");
    auto* raw = cards[i].get();
    CardTimes* t = o.stats ? &times[i] : nullptr;
    threads.emplace_back([raw, ep = *ep, i, eid = eids[i], &o, &connected, t, stop = stop.fd()] {
      // The card's crypto time is recorded on its own thread, for the thread's lifetime.
      std::optional<crypto::OpRecorder> record;
      if (t) record.emplace(t->crypto);
      host::VpcdLink link(
          *raw, ep, stop, [&, i, eid](host::VpcdLink::Event e, const std::string& where) {
            using E = host::VpcdLink::Event;
            const char* name = e == E::kConnected      ? "inserted"
                               : e == E::kDisconnected ? "removed"
                                                       : "waiting";
            if (e == E::kConnected) ++connected;
            if (e == E::kDisconnected) --connected;
            std::string human = "slot " + std::to_string(i) + ": card " + eid + " " + name;
            if (e == E::kConnectFailed) human += " for a reader at " + where + " (retrying)";
            say(o.json, json::Value{{"event", name}, {"slot", i}, {"eid", eid}}, human);
          });
      if (t) {
        link.set_apdu_timer([t](std::chrono::nanoseconds d) {
          ++t->apdus;
          t->busy += d;
        });
      }
      link.run();
    });
  }
  write_serve_status(dir.path(), serve_status);

  if (pcscd) {
    for (int i = 0; i < 100 && connected < eids.size(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    const std::string reader = "euicc-sim 00 00";
    const std::string seen = probe_reader(reader);
    say(o.json, json::Value{{"event", "probe"}, {"reader", reader}, {"result", seen}},
        "PC/SC client sees '" + reader + "': " + seen);
    if (!o.json) {
      std::lock_guard lock(g_out);
      std::cout << "\nServing until Ctrl-C. In another shell:\n"
                << "  export PCSCLITE_CSOCK_NAME=" << pcscd->socket_path() << "\n"
                << "  opensc-tool -l                       list the readers\n"
                << "  opensc-tool -r 0 -a                  print the ATR\n"
                << "  LPAC_APDU=pcsc LPAC_APDU_PCSC_DRV_NAME='euicc-sim 00 00' lpac chip info\n"
                << std::endl;
    }
  }

  // Until Ctrl-C/SIGTERM, watching the private pcscd.
  int status = 0;
  if (!stop.wait(pcscd.get())) {
    say(o.json, json::Value{{"event", "error"}, {"what", "pcscd exited"}},
        "euicc-sim: the private pcscd exited (see " + pcscd->log_path().string() + ")");
    status = 1;
  }
  for (auto& t : threads) t.join();
  if (ipae_thread.joinable()) ipae_thread.join();
  control.reset();
  remove_serve_status(dir.path());
  if (o.stats) {
    for (unsigned i = 0; i < eids.size(); ++i) {
      const auto& t = times[i];
      auto ms = [](std::chrono::nanoseconds d) {
        char b[32];
        std::snprintf(b, sizeof b, "%.1f", std::chrono::duration<double, std::milli>(d).count());
        return std::string(b);
      };
      say(o.json, times_json(eids[i], t),
          "card " + eids[i] + ": " + std::to_string(t.apdus) + " APDUs, busy " + ms(t.busy) +
              " ms (crypto " + ms(t.crypto.total()) + ", persistence " + ms(t.persist) + ")");
    }
  }
  pcscd.reset();
  say(o.json,
      json::Value{{"event", "stopped"}, {"cards", static_cast<std::uint64_t>(cards.size())}},
      "stopped; " + std::to_string(cards.size()) + " card image(s) are saved in " +
          dir.path().string());
  return status;
}
}  // namespace

int run_serve_private(GlobalOptions& global, bool json, std::optional<std::uint64_t> seed) {
  ServeOptions o;
  o.private_pcscd = true;
  o.json = json;
  o.seed = seed;
  return run(global, o);
}

namespace {
int run_pcscd(unsigned slots, const std::string& private_dir, bool debug, bool vpcd, bool as_json) {
  StopSignal stop;
  std::vector<std::string> readers;
  auto started = start_private_pcscd(private_dir, slots, debug, vpcd, readers);
  PrivatePcscd& pcscd = *started;
  if (as_json) {
    auto r = json::Value::array();
    for (const auto& name : readers) r.push_back(name);
    std::cout << json::Value{{"pid", static_cast<std::int64_t>(pcscd.pid())},
                             {"socket", pcscd.socket_path()},
                             {"driver", pcscd.device_name()},
                             {"readers", std::move(r)}}
                     .dump()
              << std::endl;
  } else {
    std::cout << "export PCSCLITE_CSOCK_NAME=" << pcscd.socket_path() << std::endl;
    std::cerr << "private pcscd " << pcscd.pid() << " ready with " << readers.size()
              << " readers; attach cards with:\n  euicc-sim serve --driver " << pcscd.device_name()
              << "\nCtrl-C stops it (log: " << pcscd.log_path().string() << ")" << std::endl;
  }
  if (stop.wait(&pcscd)) return 0;
  std::cerr << "euicc-sim: pcscd exited (see " << pcscd.log_path().string() << ")" << std::endl;
  return 1;
}
}  // namespace

void add_pcscd_command(CLI::App& app) {
  struct Opts {
    unsigned slots = 4;
    std::string dir = "/run/euicc-sim/private";
    bool debug = false;
    bool vpcd = false;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand(
      "pcscd", "Run a private pcscd with the euicc-sim driver (root), until Ctrl-C");
  cmd->add_option("--slots", o->slots, "Reader slots, 1 to 16")
      ->check(CLI::Range(1, 16))
      ->capture_default_str();
  cmd->add_option("--dir", o->dir, "Directory for its socket, slots, reader.conf.d and log")
      ->capture_default_str();
  cmd->add_flag("--debug", o->debug, "pcscd -d (into the log)");
  cmd->add_flag("--vpcd", o->vpcd,
                "Also load Debian's vsmartcard-vpcd reader (attach with: euicc-sim serve --vpcd "
                "localhost:35963)");
  cmd->add_flag("--json", o->json, "Print the socket, driver and readers as JSON when ready");
  cmd->footer(
      "Runs Debian's pcscd in its own mount namespace, so a system pcscd is left alone, and\n"
      "prints the one line a PC/SC client needs once the readers are listed.\n"
      "Example:\n"
      "  euicc-sim pcscd --slots 2 --dir /tmp/pc &      # prints export PCSCLITE_CSOCK_NAME=...\n"
      "  euicc-sim serve --driver unix:/tmp/pc/slots --cards 2");
  cmd->callback([o] {
    int rc = run_pcscd(o->slots, o->dir, o->debug, o->vpcd, o->json);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

void add_serve_command(CLI::App& app, GlobalOptions& global) {
  auto o = std::make_shared<ServeOptions>();
  auto* cmd = app.add_subcommand(
      "serve", "Serve the cards of the state directory as PC/SC cards until Ctrl-C");
  cmd->add_option("--cards", o->cards, "Create cards until there are N (default: at least one)");
  cmd->add_option("--driver", o->driver,
                  "Where the euicc-sim pcsc driver's slots listen, as its reader.conf DEVICENAME: "
                  "unix:DIR (slot i is DIR/slot-i.sock) or tcp:PORT (slot i is 127.0.0.1:PORT+i)")
      ->capture_default_str();
  cmd->add_option(
      "--vpcd", o->vpcd,
      "Attach to Debian's vsmartcard-vpcd at HOST:PORT instead (card i at PORT+i; vpcd's "
      "default is localhost:35963)");
  cmd->add_flag("--private-pcscd", o->private_pcscd,
                "Start a private pcscd with the driver first (root; leaves a system pcscd alone)");
  cmd->add_option("--private-dir", o->private_dir, "Directory of the private pcscd")
      ->capture_default_str();
  cmd->add_option("--slots", o->slots,
                  "Slots of the private pcscd's reader (default 4, at most 16)");
  cmd->add_flag("--pcscd-debug", o->pcscd_debug,
                "Run the private pcscd with -d (log in its directory)");
  cmd->add_option("--seed", o->seed, "Seed the cards' random generators (repeatable runs)");
  cmd->add_flag("--json", o->json, "One JSON object per event on stdout");
  cmd->add_option(
      "--faults", o->faults,
      "Inject the faults of this plan (YAML, docs/scenarios.md): power loss, tears of "
      "the image write, resets, status words, truncated or bit-flipped answers, delays");
  cmd->add_flag("--stats", o->stats,
                "When stopping, print each card's APDU count and time spent in total, in crypto "
                "and in saving its image (benchmarks)");
  cmd->add_flag("--no-reader", o->no_reader,
                "Attach the cards to no reader: only their IPAes run (cards made with --ipae)");
  cmd->add_option("--ipae-ca", o->ipae_ca,
                  "The IPAes also trust this CA for their eIMs' and SM-DP+s' TLS (DER or PEM; "
                  "repeatable)");
  cmd->add_option("--bearer", o->bearer,
                  "How the IPAes reach their eIMs: socket (this host's sockets) or bip (BIP "
                  "proactive commands to the terminal on the card's reader: `euicc-sim terminal "
                  "--reader`)")
      ->capture_default_str();
  add_bip_options(cmd, o->bip);
  cmd->add_option("--fault-kill-after-exchanges", o->kill_after_exchanges,
                  "Crash tests: SIGKILL serve itself once the Nth ESipa/ES9+ exchange of its IPAes "
                  "is answered, before the card acts on the answer")
      ->group("Fault injection");
  cmd->get_option("--vpcd")->excludes(cmd->get_option("--private-pcscd"));
  cmd->get_option("--no-reader")->excludes(cmd->get_option("--private-pcscd"));
  cmd->get_option("--no-reader")->excludes(cmd->get_option("--vpcd"));
  cmd->footer(
      "One log line per card (EID, slot). Cards reconnect with backoff when pcscd restarts.\n"
      "The IPAe of every card made with --ipae runs too (polls at start-up, on resets and on\n"
      "its schedule), with one log line per ESipa/ES9+ exchange; `euicc-sim ipae poll --card\n"
      "EID` asks it for a poll through the control socket STATE/.serve-control.\n"
      "Examples:\n"
      "  euicc-sim serve --private-pcscd --cards 2\n"
      "  euicc-sim serve --driver unix:/run/euicc-sim      (system pcscd with our driver "
      "installed)\n"
      "  euicc-sim serve --vpcd localhost:35963            (Debian's vsmartcard-vpcd)\n"
      "  euicc-sim serve --private-pcscd --faults tear.yaml  (a client's error paths)\n"
      "  euicc-sim serve --no-reader --ipae-ca /tmp/pki/nist/ci.pem   (IPAes only)\n"
      "  euicc-sim serve --private-pcscd --bearer bip &  euicc-sim terminal --reader 'euicc-sim 00 "
      "00'");
  cmd->callback([&global, o] {
    int rc = run(global, *o);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace euiccsim::tools
