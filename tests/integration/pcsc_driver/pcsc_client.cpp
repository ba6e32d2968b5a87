// A PC/SC client for the driver test: one subcommand per check, results on stdout as
// "key=value" lines, exit status 0 on success.
//
//   pcsc_client readers COUNT TIMEOUT_MS          wait until COUNT readers exist, print names
//   pcsc_client state READER                      print "present" or "absent"
//   pcsc_client wait READER present|absent TIMEOUT_MS
//   pcsc_client session READER t0|t1 APDU...      connect, status, transmit, reconnect with
//                                                 reset, transmit, disconnect with reset
//   pcsc_client transmit READER APDU [RXBUF]      one exchange (T=0 or T=1); exit 2 if it fails
//   pcsc_client bench READER COUNT                round trips of a 5-byte APDU
//
// pcsc-lite finds pcscd through PCSCLITE_CSOCK_NAME, so the test can use a private one.

#include <PCSC/winscard.h>
#include <PCSC/wintypes.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
using Bytes = std::vector<std::uint8_t>;

[[noreturn]] void die(const char* what, LONG rv) {
  std::printf("error=%s: %s (0x%08lX)\n", what, pcsc_stringify_error(rv),
              static_cast<unsigned long>(rv));
  std::exit(1);
}

[[noreturn]] void usage() {
  std::fprintf(stderr,
               "usage: pcsc_client readers COUNT TIMEOUT_MS | state READER |\n"
               "       wait READER present|absent TIMEOUT_MS | session READER t0|t1 APDU... |\n"
               "       transmit READER APDU [RXBUF] | bench READER COUNT\n");
  std::exit(64);
}

Bytes from_hex(const std::string& text) {
  if (text.size() % 2 != 0) usage();
  Bytes out;
  for (std::size_t i = 0; i < text.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(std::stoul(text.substr(i, 2), nullptr, 16)));
  }
  return out;
}

std::string to_hex(const std::uint8_t* p, std::size_t n) {
  std::string s;
  char byte[3];
  for (std::size_t i = 0; i < n; ++i) {
    std::snprintf(byte, sizeof byte, "%02X", p[i]);
    s += byte;
  }
  return s;
}

long elapsed_ms(Clock::time_point since) {
  return static_cast<long>(
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - since).count());
}

SCARDCONTEXT establish() {
  SCARDCONTEXT context = 0;
  const LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &context);
  if (rv != SCARD_S_SUCCESS) die("SCardEstablishContext", rv);
  return context;
}

// The reader names, or none while pcscd is not up yet or has no readers.
std::vector<std::string> list_readers() {
  SCARDCONTEXT context = 0;
  if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &context) != SCARD_S_SUCCESS) {
    return {};
  }
  std::vector<std::string> names;
  DWORD size = 0;
  if (SCardListReaders(context, nullptr, nullptr, &size) == SCARD_S_SUCCESS) {
    std::string buffer(size, '\0');
    if (SCardListReaders(context, nullptr, buffer.data(), &size) == SCARD_S_SUCCESS) {
      for (const char* p = buffer.c_str(); *p != '\0'; p += names.back().size() + 1) {
        names.emplace_back(p);
      }
    }
  }
  SCardReleaseContext(context);
  return names;
}

int cmd_readers(int count, long timeout_ms) {
  const auto start = Clock::now();
  for (;;) {
    const auto names = list_readers();
    if (static_cast<int>(names.size()) >= count || elapsed_ms(start) > timeout_ms) {
      for (const auto& n : names) std::printf("%s\n", n.c_str());
      return static_cast<int>(names.size()) >= count ? 0 : 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

bool is_present(DWORD event_state) {
  return (event_state & SCARD_STATE_PRESENT) != 0;
}

int cmd_state(const std::string& reader) {
  const SCARDCONTEXT context = establish();
  SCARD_READERSTATE rs{};
  rs.szReader = reader.c_str();
  rs.dwCurrentState = SCARD_STATE_UNAWARE;
  const LONG rv = SCardGetStatusChange(context, 0, &rs, 1);
  if (rv != SCARD_S_SUCCESS) die("SCardGetStatusChange", rv);
  std::printf("%s\n", is_present(rs.dwEventState) ? "present" : "absent");
  SCardReleaseContext(context);
  return 0;
}

int cmd_wait(const std::string& reader, bool want_present, long timeout_ms) {
  const SCARDCONTEXT context = establish();
  const auto start = Clock::now();
  SCARD_READERSTATE rs{};
  rs.szReader = reader.c_str();
  rs.dwCurrentState = SCARD_STATE_UNAWARE;
  for (;;) {
    const long left = std::max(0L, timeout_ms - elapsed_ms(start));
    const LONG rv = SCardGetStatusChange(context, static_cast<DWORD>(left), &rs, 1);
    if (rv != SCARD_S_SUCCESS && rv != SCARD_E_TIMEOUT) die("SCardGetStatusChange", rv);
    if (rv == SCARD_S_SUCCESS && is_present(rs.dwEventState) == want_present) {
      std::printf("elapsed_ms=%ld\n", elapsed_ms(start));
      SCardReleaseContext(context);
      return 0;
    }
    if (elapsed_ms(start) >= timeout_ms) {
      std::printf("timeout: still %s after %ld ms\n", want_present ? "absent" : "present",
                  timeout_ms);
      return 1;
    }
    if (rv == SCARD_S_SUCCESS) rs.dwCurrentState = rs.dwEventState;
  }
}

struct Card {
  SCARDCONTEXT context = 0;
  SCARDHANDLE handle = 0;
  DWORD protocol = 0;
};

Card connect(const std::string& reader, DWORD protocol) {
  Card card;
  card.context = establish();
  const LONG rv = SCardConnect(card.context, reader.c_str(), SCARD_SHARE_EXCLUSIVE, protocol,
                               &card.handle, &card.protocol);
  if (rv != SCARD_S_SUCCESS) die("SCardConnect", rv);
  return card;
}

void print_status(const Card& card) {
  char name[256];
  DWORD name_length = sizeof name;
  DWORD state = 0;
  DWORD protocol = 0;
  BYTE atr[MAX_ATR_SIZE];
  DWORD atr_length = sizeof atr;
  const LONG rv = SCardStatus(card.handle, name, &name_length, &state, &protocol, atr, &atr_length);
  if (rv != SCARD_S_SUCCESS) die("SCardStatus", rv);
  std::printf("reader=%s\natr=%s\nprotocol=%s\n", name, to_hex(atr, atr_length).c_str(),
              protocol == SCARD_PROTOCOL_T1   ? "T1"
              : protocol == SCARD_PROTOCOL_T0 ? "T0"
                                              : "?");
}

LONG transmit(const Card& card, const Bytes& command, Bytes* response, DWORD rx_buffer) {
  const SCARD_IO_REQUEST* pci = card.protocol == SCARD_PROTOCOL_T1 ? SCARD_PCI_T1 : SCARD_PCI_T0;
  response->assign(rx_buffer, 0);
  DWORD length = rx_buffer;
  const LONG rv =
      SCardTransmit(card.handle, pci, command.data(), static_cast<DWORD>(command.size()), nullptr,
                    response->data(), &length);
  response->resize(rv == SCARD_S_SUCCESS ? length : 0);
  return rv;
}

int cmd_session(const std::string& reader, const std::string& protocol_name,
                const std::vector<Bytes>& commands) {
  const DWORD protocol = protocol_name == "t1" ? SCARD_PROTOCOL_T1 : SCARD_PROTOCOL_T0;
  Card card = connect(reader, protocol);
  print_status(card);
  Bytes response;
  for (const Bytes& c : commands) {
    const LONG rv = transmit(card, c, &response, MAX_BUFFER_SIZE_EXTENDED);
    if (rv != SCARD_S_SUCCESS) die("SCardTransmit", rv);
    std::printf("resp=%s\n", to_hex(response.data(), response.size()).c_str());
  }
  LONG rv = SCardReconnect(card.handle, SCARD_SHARE_EXCLUSIVE, protocol, SCARD_RESET_CARD,
                           &card.protocol);
  if (rv != SCARD_S_SUCCESS) die("SCardReconnect", rv);
  std::printf("reconnect=ok\n");
  print_status(card);
  if (!commands.empty()) {
    rv = transmit(card, commands.front(), &response, MAX_BUFFER_SIZE_EXTENDED);
    if (rv != SCARD_S_SUCCESS) die("SCardTransmit after reset", rv);
    std::printf("resp=%s\n", to_hex(response.data(), response.size()).c_str());
  }
  // Reset, so that the next connection may choose another protocol: pcscd keeps the one
  // negotiated until the card is reset or unpowered.
  rv = SCardDisconnect(card.handle, SCARD_RESET_CARD);
  if (rv != SCARD_S_SUCCESS) die("SCardDisconnect", rv);
  std::printf("disconnect=ok\n");
  SCardReleaseContext(card.context);
  return 0;
}

int cmd_transmit(const std::string& reader, const Bytes& command, DWORD rx_buffer) {
  Card card = connect(reader, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1);
  Bytes response;
  const auto start = Clock::now();
  const LONG rv = transmit(card, command, &response, rx_buffer);
  std::printf("elapsed_ms=%ld\n", elapsed_ms(start));
  if (rv != SCARD_S_SUCCESS) {
    std::printf("error=SCardTransmit: %s (0x%08lX)\n", pcsc_stringify_error(rv),
                static_cast<unsigned long>(rv));
    return 2;
  }
  std::printf("resp=%s\n", to_hex(response.data(), response.size()).c_str());
  SCardDisconnect(card.handle, SCARD_LEAVE_CARD);
  SCardReleaseContext(card.context);
  return 0;
}

int cmd_bench(const std::string& reader, int count) {
  Card card = connect(reader, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1);
  const Bytes command = {0x00, 0xB0, 0x00, 0x00, 0x00};  // READ BINARY, Le 0: 5 bytes
  Bytes response;
  for (int i = 0; i < 100; ++i) {  // warm-up: caches, and pcscd past its power-up path
    if (const LONG rv = transmit(card, command, &response, MAX_BUFFER_SIZE); rv != 0) {
      die("SCardTransmit", rv);
    }
  }
  std::vector<double> micros;
  micros.reserve(static_cast<std::size_t>(count));
  const auto start = Clock::now();
  for (int i = 0; i < count; ++i) {
    const auto t0 = Clock::now();
    if (const LONG rv = transmit(card, command, &response, MAX_BUFFER_SIZE); rv != 0) {
      die("SCardTransmit", rv);
    }
    micros.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::sort(micros.begin(), micros.end());
  auto percentile = [&](double p) {
    return micros[std::min(micros.size() - 1, static_cast<std::size_t>(p * micros.size()))];
  };
  std::printf("count=%d rate_per_s=%.0f p50_us=%.0f p99_us=%.0f max_us=%.0f\n", count,
              count / seconds, percentile(0.50), percentile(0.99), micros.back());
  SCardDisconnect(card.handle, SCARD_LEAVE_CARD);
  SCardReleaseContext(card.context);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> a(argv + 1, argv + argc);
  if (a.empty()) usage();
  const std::string& cmd = a[0];
  if (cmd == "readers" && a.size() == 3) return cmd_readers(std::stoi(a[1]), std::stol(a[2]));
  if (cmd == "state" && a.size() == 2) return cmd_state(a[1]);
  if (cmd == "wait" && a.size() == 4 && (a[2] == "present" || a[2] == "absent")) {
    return cmd_wait(a[1], a[2] == "present", std::stol(a[3]));
  }
  if (cmd == "session" && a.size() >= 3 && (a[2] == "t0" || a[2] == "t1")) {
    std::vector<Bytes> commands;
    for (std::size_t i = 3; i < a.size(); ++i) commands.push_back(from_hex(a[i]));
    return cmd_session(a[1], a[2], commands);
  }
  if (cmd == "transmit" && (a.size() == 3 || a.size() == 4)) {
    const DWORD rx = a.size() == 4 ? static_cast<DWORD>(std::stoul(a[3])) : MAX_BUFFER_SIZE;
    return cmd_transmit(a[1], from_hex(a[2]), rx);
  }
  if (cmd == "bench" && a.size() == 3) return cmd_bench(a[1], std::stoi(a[2]));
  usage();
}
