// A small PC/SC client for the integration tests: what lpac, pySim and onomondo-ipa do to a
// card, through libpcsclite and a real pcscd.
//
//   pcsc_flow readers                       list readers, one per line
//   pcsc_flow wait-readers N MS             until at least N readers are listed
//   pcsc_flow wait-card READER present|absent MS
//   pcsc_flow core READER                   the core flow (see run_core); prints "ok - ..." lines
//   pcsc_flow eid READER                    the EID, read with SELECT ISD-R + GetEID
//   pcsc_flow connect READER t0|t1|t0t1     connect allowing those protocols: prints "T=n ATR"
//   pcsc_flow bench READER N                N SELECT round trips: APDU/s, p50, p99 (µs)
//   pcsc_flow card-type READER              "sgp32", "sgp22" or "other", probed as pySim does
//   pcsc_flow store-data READER FILE N      the first N STORE DATA blocks (120 bytes) of the
//                                           ES10 request in FILE (DER), never the last: a
//                                           request cut short, as by a power loss
//   pcsc_flow apdus READER APDU|reset...    each APDU (hex) on one shared T=0 connection, as a
//                                           terminal sends it (61xx: GET RESPONSE, 6Cxx: again
//                                           with that Le); one answer per line, data then SW
//   pcsc_flow xor-aka K RAND SQN AMF N      the network side of the TS 34.108 §8.1.2 test
//                                           algorithm, written here from the clause: prints
//                                           "AUTN RES CK IK AK" (RES of N bytes)
//   pcsc_flow bench-aka READER N K          N USIM AUTHENTICATEs with fresh SQNs (test algorithm,
//                                           key K): AUTHENTICATE/s, p50, p99 (µs)
// Exit status 0 on success; 1 with "not ok - ..." on the first failed check.
#include <PCSC/winscard.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {
using Bytes = std::vector<unsigned char>;

Bytes hex(const std::string& s) {
  Bytes out;
  for (std::size_t i = 0; i + 1 < s.size(); i += 2)
    out.push_back(static_cast<unsigned char>(std::stoul(s.substr(i, 2), nullptr, 16)));
  return out;
}
std::string str(const Bytes& b) {
  std::string out;
  char buf[3];
  for (auto x : b) {
    std::snprintf(buf, sizeof buf, "%02X", x);
    out += buf;
  }
  return out;
}

[[noreturn]] void fail(const std::string& what) {
  std::printf("not ok - %s\n", what.c_str());
  std::exit(1);
}
void ok(const std::string& what) {
  std::printf("ok - %s\n", what.c_str());
}
void check(bool c, const std::string& what) {
  c ? ok(what) : fail(what);
}

SCARDCONTEXT context() {
  SCARDCONTEXT ctx = 0;
  LONG rc = SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &ctx);
  if (rc != SCARD_S_SUCCESS)
    fail(std::string("SCardEstablishContext: ") + pcsc_stringify_error(rc));
  return ctx;
}

std::vector<std::string> readers(SCARDCONTEXT ctx) {
  char buf[4096];
  DWORD len = sizeof buf;
  std::vector<std::string> out;
  if (SCardListReaders(ctx, nullptr, buf, &len) != SCARD_S_SUCCESS) return out;
  for (const char* r = buf; *r; r += std::strlen(r) + 1) out.emplace_back(r);
  return out;
}

struct Card {
  SCARDHANDLE h = 0;
  DWORD protocol = 0;
  Bytes transmit(const std::string& apdu_hex) {
    Bytes c = hex(apdu_hex);
    unsigned char r[260];
    DWORD rl = sizeof r;
    LONG rc = SCardTransmit(h, protocol == SCARD_PROTOCOL_T1 ? SCARD_PCI_T1 : SCARD_PCI_T0,
                            c.data(), static_cast<DWORD>(c.size()), nullptr, r, &rl);
    if (rc != SCARD_S_SUCCESS) fail("SCardTransmit " + apdu_hex + ": " + pcsc_stringify_error(rc));
    return Bytes(r, r + rl);
  }
  // Follows 61xx with GET RESPONSE on the command's channel, with the class lpac (8x) or
  // onomondo-ipa (0x) uses.
  Bytes exchange(const std::string& apdu_hex, unsigned char get_response_class) {
    Bytes all;
    const unsigned char get_response_cla =
        static_cast<unsigned char>(get_response_class | (hex(apdu_hex.substr(0, 2))[0] & 0x03));
    Bytes r = transmit(apdu_hex);
    while (r.size() == 2 && r[0] == 0x61) {
      char gr[16];
      std::snprintf(gr, sizeof gr, "%02XC00000%02X", get_response_cla, r[1]);
      r = transmit(gr);
      all.insert(all.end(), r.begin(), r.end() - 2);
      r.erase(r.begin(), r.end() - 2);
    }
    all.insert(all.end(), r.begin(), r.end());
    return all;
  }
};

Card connect(SCARDCONTEXT ctx, const std::string& reader, DWORD share, DWORD protocols) {
  Card c;
  LONG rc = SCardConnect(ctx, reader.c_str(), share, protocols, &c.h, &c.protocol);
  if (rc != SCARD_S_SUCCESS) fail("SCardConnect " + reader + ": " + pcsc_stringify_error(rc));
  return c;
}

std::string sw(const Bytes& r) {
  return r.size() < 2 ? "" : str(Bytes(r.end() - 2, r.end()));
}

bool wait_card(SCARDCONTEXT ctx, const std::string& reader, bool present, DWORD ms) {
  SCARD_READERSTATE rs{};
  rs.szReader = reader.c_str();
  rs.dwCurrentState = SCARD_STATE_UNAWARE;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  for (;;) {
    LONG rc = SCardGetStatusChange(ctx, 200, &rs, 1);
    if (rc == SCARD_S_SUCCESS) {
      const bool is_present = (rs.dwEventState & SCARD_STATE_PRESENT) != 0;
      if (is_present == present) return true;
      rs.dwCurrentState = rs.dwEventState & ~SCARD_STATE_CHANGED;
    }
    if (std::chrono::steady_clock::now() > deadline) return false;
  }
}

// lpac's sequence, then pySim's, on one card: exclusive T=0 connection, two logical channels
// with the ISD-R selected on both at once, GetEID on each, answers through 61xx and GET
// RESPONSE with CLA 80 and 00 and a short Le, a reset with SCardReconnect.
void run_core(SCARDCONTEXT ctx, const std::string& reader) {
  Card c = connect(ctx, reader, SCARD_SHARE_EXCLUSIVE, SCARD_PROTOCOL_T0);
  check(c.protocol == SCARD_PROTOCOL_T0, "exclusive connection with T=0");
  unsigned char atr[MAX_ATR_SIZE];
  DWORD atr_len = sizeof atr, state = 0, proto = 0, name_len = 0;
  check(SCardStatus(c.h, nullptr, &name_len, &state, &proto, atr, &atr_len) == SCARD_S_SUCCESS,
        "SCardStatus");
  const std::string atr_hex = str(Bytes(atr, atr + atr_len));
  check(atr_hex.rfind("3B", 0) == 0 && atr_hex.find("65756963632D73696D") != std::string::npos,
        "ATR " + atr_hex + " names euicc-sim");
  check(sw(c.transmit("80AA00000AA9088100820101830107")) == "9000", "TERMINAL CAPABILITY 9000");
  check(str(c.transmit("0070000001")) == "019000", "MANAGE CHANNEL opens channel 1: 01 9000");
  check(str(c.transmit("0070000001")) == "029000", "MANAGE CHANNEL opens channel 2: 02 9000");
  const std::string isdr = "A0000005591010FFFFFFFF8900000100";
  Bytes fci1 = c.exchange("01A4040010" + isdr, 0x80);
  Bytes fci2 = c.exchange("02A4040010" + isdr, 0x00);
  check(sw(fci1) == "9000" && fci1[0] == 0x6F, "SELECT ISD-R on channel 1 (GET RESPONSE CLA 80)");
  check(fci1 == fci2, "SELECT ISD-R on channel 2 at the same time (GET RESPONSE CLA 00)");
  Bytes eid1 = c.exchange("81E2910006BF3E035C015A", 0x80);
  Bytes eid2 = c.exchange("82E2910006BF3E035C015A", 0x00);
  check(sw(eid1) == "9000" && str(eid1).rfind("BF3E125A10", 0) == 0, "GetEID on channel 1");
  check(eid1 == eid2, "GetEID on channel 2 gives the same EID");
  // GetEID in two STORE DATA blocks, as a long request arrives.
  check(str(c.transmit("81E2110003BF3E03")) == "9000", "STORE DATA intermediate block: empty 9000");
  check(c.exchange("81E29101035C015A", 0x80) == eid1,
        "STORE DATA last block answers the whole chain");
  // The FCI through 61xx in pieces under T=0: short Le, then 6Cxx for too long an Le.
  Bytes r = c.transmit("01A4040010" + isdr);
  check(r.size() == 2 && r[0] == 0x61, "case-3 SELECT under T=0 answers 61xx (" + str(r) + ")");
  const unsigned total = r[1];
  r = c.transmit("01C0000010");
  check(r.size() == 18 && r[16] == 0x61 && r[17] == total - 16,
        "GET RESPONSE with a short Le leaves 61xx");
  r = c.transmit("01C00000FF");
  check(r.size() == 2 && r[0] == 0x6C && r[1] == total - 16, "too long an Le under T=0: 6Cxx");
  char le[16];
  std::snprintf(le, sizeof le, "01C00000%02X", total - 16);
  r = c.transmit(le);
  check(sw(r) == "9000" && r.size() == total - 16 + 2, "the rest of the FCI");
  check(str(c.transmit("0070800200")) == "9000", "MANAGE CHANNEL closes channel 2");
  check(sw(c.transmit("02A4040C10" + isdr)) == "6881", "channel 2 is closed");
  DWORD active = 0;
  LONG rc =
      SCardReconnect(c.h, SCARD_SHARE_EXCLUSIVE, SCARD_PROTOCOL_T0, SCARD_RESET_CARD, &active);
  check(rc == SCARD_S_SUCCESS, "SCardReconnect with reset");
  check(sw(c.transmit("01A4040C10" + isdr)) == "6881", "after the reset channel 1 is closed");
  check(sw(c.transmit("00A4040C10" + isdr)) == "9000", "the basic channel still works");
  // pySim: case-4 STORE DATA on the basic channel.
  check(c.exchange("80E2910006BF3E035C015A00", 0x00) == eid1, "case-4 STORE DATA (pySim)");
  SCardDisconnect(c.h, SCARD_LEAVE_CARD);
  ok("disconnect");
}

void bench(SCARDCONTEXT ctx, const std::string& reader, int n, const std::string& apdu) {
  Card c = connect(ctx, reader, SCARD_SHARE_EXCLUSIVE, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1);
  std::vector<double> us;
  us.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < 200; ++i) c.transmit(apdu);  // warm-up
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) {
    auto t = std::chrono::steady_clock::now();
    c.transmit(apdu);
    us.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t).count());
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::sort(us.begin(), us.end());
  std::printf("%.0f %.1f %.1f\n", n / secs, us[us.size() / 2], us[us.size() * 99 / 100]);
  SCardDisconnect(c.h, SCARD_LEAVE_CARD);
}
// pySim's card-profile detection for eUICCs (pySim/euicc.py CardProfileEuiccSGP32 / SGP22,
// tried in that ORDER, with a card reset after each): class byte 00, SELECT ISD-R by AID with
// P2 04 and Le, then one STORE DATA; a status word other than 9000 rules the profile out.
// SGP.32 is probed with GetCerts (BF56, empty), SGP.22 with GetEID. pySim follows 61xx with
// GET RESPONSE of class 00.
std::string card_type(SCARDCONTEXT ctx, const std::string& reader) {
  Card c = connect(ctx, reader, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0);
  auto probe = [&](const std::string& store_data) {
    Bytes sel = c.exchange("00A4040410A0000005591010FFFFFFFF890000010000", 0x00);
    bool ok = sw(sel) == "9000" && sw(c.exchange(store_data, 0x00)) == "9000";
    DWORD proto = 0;
    SCardReconnect(c.h, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0, SCARD_RESET_CARD, &proto);
    return ok;
  };
  std::string type = "other";
  if (probe("80E2910003BF560000")) {
    type = "sgp32";
  } else if (probe("80E2910006BF3E035C015A00")) {
    type = "sgp22";
  }
  SCardDisconnect(c.h, SCARD_LEAVE_CARD);
  return type;
}
void store_data_partial(SCARDCONTEXT ctx, const std::string& reader, const std::string& file,
                        int blocks) {
  std::FILE* f = std::fopen(file.c_str(), "rb");
  if (f == nullptr) fail("cannot open " + file);
  Bytes req;
  for (int ch; (ch = std::fgetc(f)) != EOF;) req.push_back(static_cast<unsigned char>(ch));
  std::fclose(f);
  const std::size_t total = (req.size() + 119) / 120;
  if (blocks < 1 || static_cast<std::size_t>(blocks) >= total) fail("the request has fewer blocks");
  Card c = connect(ctx, reader, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0);
  c.exchange("00A4040010A0000005591010FFFFFFFF8900000100", 0x00);
  for (int i = 0; i < blocks; ++i) {
    const std::size_t off = static_cast<std::size_t>(i) * 120;
    const std::size_t n = std::min<std::size_t>(120, req.size() - off);
    char head[32];
    std::snprintf(head, sizeof head, "80E211%02X%02X", static_cast<unsigned>(i & 0xFF),
                  static_cast<unsigned>(n));
    const Bytes r = c.transmit(head + str(Bytes(req.begin() + off, req.begin() + off + n)));
    if (sw(r) != "9000") fail("STORE DATA block " + std::to_string(i) + ": " + sw(r));
  }
  ok("sent " + std::to_string(blocks) + " of " + std::to_string(total) + " blocks");
  SCardDisconnect(c.h, SCARD_LEAVE_CARD);
}

// The TS 34.108 §8.1.2 test algorithm as the system simulator runs it: XDOUT = K xor RAND; RES
// its first n bytes, CK and IK XDOUT rotated by one and two bytes, AK bytes 3..8, MAC XDOUT's
// first 8 bytes xor SQN || AMF; AUTN = (SQN xor AK) || AMF || MAC.
struct XorVector {
  Bytes autn, res, ck, ik, ak;
};
XorVector xor_aka(const Bytes& k, const Bytes& rand, const Bytes& sqn, const Bytes& amf,
                  std::size_t res_len) {
  if (k.size() != 16 || rand.size() != 16 || sqn.size() != 6 || amf.size() != 2 || res_len > 16)
    fail("xor-aka: K and RAND 16 bytes, SQN 6, AMF 2, RES at most 16");
  Bytes x(16);
  for (int i = 0; i < 16; ++i) x[i] = k[i] ^ rand[i];
  XorVector v;
  v.res.assign(x.begin(), x.begin() + static_cast<long>(res_len));
  for (int i = 0; i < 16; ++i) {
    v.ck.push_back(x[(i + 1) % 16]);
    v.ik.push_back(x[(i + 2) % 16]);
  }
  v.ak.assign(x.begin() + 3, x.begin() + 9);
  for (int i = 0; i < 6; ++i) v.autn.push_back(sqn[i] ^ v.ak[i]);
  v.autn.insert(v.autn.end(), amf.begin(), amf.end());
  for (int i = 0; i < 8; ++i) v.autn.push_back(x[i] ^ (i < 6 ? sqn[i] : amf[i - 6]));
  return v;
}

// An APDU as a terminal sends it: 6Cxx repeats it with Le = xx, 61xx fetches with GET RESPONSE.
Bytes terminal_exchange(Card& c, std::string apdu_hex) {
  Bytes r = c.transmit(apdu_hex);
  if (r.size() == 2 && r[0] == 0x6C) {
    char le[3];
    std::snprintf(le, sizeof le, "%02X", r[1]);
    apdu_hex = apdu_hex.size() == 10 ? apdu_hex.substr(0, 8) + le : apdu_hex + le;
    r = c.transmit(apdu_hex);
  }
  Bytes all;
  while (r.size() >= 2 && r[r.size() - 2] == 0x61) {
    all.insert(all.end(), r.begin(), r.end() - 2);
    char gr[16];
    std::snprintf(gr, sizeof gr, "%02XC00000%02X", hex(apdu_hex.substr(0, 2))[0] & 0x03, r.back());
    r = c.transmit(gr);
  }
  all.insert(all.end(), r.begin(), r.end());
  return all;
}

void apdus(SCARDCONTEXT ctx, const std::string& reader, int argc, char** argv) {
  Card c = connect(ctx, reader, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0);
  for (int i = 0; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "reset") {
      DWORD active = 0;
      LONG rc =
          SCardReconnect(c.h, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0, SCARD_RESET_CARD, &active);
      if (rc != SCARD_S_SUCCESS) fail(std::string("SCardReconnect: ") + pcsc_stringify_error(rc));
      std::printf("reset\n");
      continue;
    }
    std::printf("%s\n", str(terminal_exchange(c, a)).c_str());
  }
  SCardDisconnect(c.h, SCARD_LEAVE_CARD);
}

void bench_aka(SCARDCONTEXT ctx, const std::string& reader, int n, const Bytes& k) {
  Card c = connect(ctx, reader, SCARD_SHARE_EXCLUSIVE, SCARD_PROTOCOL_T0);
  if (sw(terminal_exchange(c, "00A4040C07A0000000871002")) != "9000") fail("SELECT ADF.USIM");
  const Bytes rand = hex("00112233445566778899AABBCCDDEEFF");
  std::vector<double> us;
  us.reserve(static_cast<std::size_t>(n));
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) {
    // SEQ i+1 under IND 0: each one fresh.
    const unsigned long long sqn_value = static_cast<unsigned long long>(i + 1) << 5;
    Bytes sqn(6);
    for (int b = 0; b < 6; ++b) sqn[5 - b] = static_cast<unsigned char>(sqn_value >> (8 * b));
    const auto v = xor_aka(k, rand, sqn, hex("8000"), 16);
    auto t = std::chrono::steady_clock::now();
    const Bytes r = terminal_exchange(c,
                                      "0088008122"
                                      "10" +
                                          str(rand) + "10" + str(v.autn));
    us.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t).count());
    if (r.empty() || r[0] != 0xDB) fail("AUTHENTICATE " + std::to_string(i) + ": " + str(r));
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::sort(us.begin(), us.end());
  std::printf("%.0f %.1f %.1f\n", n / secs, us[us.size() / 2], us[us.size() * 99 / 100]);
  SCardDisconnect(c.h, SCARD_LEAVE_CARD);
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr,
                 "usage: pcsc_flow "
                 "readers|wait-readers|wait-card|core|eid|bench|card-type|store-data|apdus|xor-aka|"
                 "bench-aka ...\n");
    return 2;
  }
  const std::string cmd = argv[1];
  if (cmd == "wait-readers" && argc == 4) {
    const unsigned want = static_cast<unsigned>(std::atoi(argv[2]));
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(std::atoi(argv[3]));
    while (std::chrono::steady_clock::now() < deadline) {
      SCARDCONTEXT ctx = 0;
      if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &ctx) == SCARD_S_SUCCESS) {
        auto r = readers(ctx);
        SCardReleaseContext(ctx);
        if (r.size() >= want) return 0;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    fail("readers did not appear");
  }
  if (cmd == "xor-aka" && argc == 7) {
    const auto v = xor_aka(hex(argv[2]), hex(argv[3]), hex(argv[4]), hex(argv[5]),
                           static_cast<std::size_t>(std::atoi(argv[6])));
    std::printf("%s %s %s %s %s\n", str(v.autn).c_str(), str(v.res).c_str(), str(v.ck).c_str(),
                str(v.ik).c_str(), str(v.ak).c_str());
    return 0;
  }
  SCARDCONTEXT ctx = context();
  if (cmd == "readers") {
    for (const auto& r : readers(ctx)) std::printf("%s\n", r.c_str());
  } else if (cmd == "wait-card" && argc == 5) {
    const bool present = std::string(argv[3]) == "present";
    if (!wait_card(ctx, argv[2], present, static_cast<DWORD>(std::atoi(argv[4])))) {
      fail(std::string("card not ") + argv[3] + " in " + argv[2]);
    }
    ok(std::string("card ") + argv[3] + " in " + argv[2]);
  } else if (cmd == "core" && argc == 3) {
    run_core(ctx, argv[2]);
  } else if (cmd == "eid" && argc == 3) {
    Card c = connect(ctx, argv[2], SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0);
    c.exchange("00A4040C10A0000005591010FFFFFFFF8900000100", 0x00);
    Bytes r = c.exchange("80E2910006BF3E035C015A", 0x80);
    if (r.size() != 23) fail("GetEID: " + str(r));
    std::printf("%s\n", str(Bytes(r.begin() + 5, r.begin() + 21)).c_str());
    SCardDisconnect(c.h, SCARD_LEAVE_CARD);
  } else if (cmd == "connect" && argc == 4) {
    // A shared connection allowing the given protocols, as different clients ask: prints the
    // protocol pcscd settled on (and the ATR), then leaves the card as it is, as a client that
    // ends does.
    const std::string want = argv[3];
    const DWORD protocols = want == "t0"   ? SCARD_PROTOCOL_T0
                            : want == "t1" ? SCARD_PROTOCOL_T1
                                           : SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1;
    Card c = connect(ctx, argv[2], SCARD_SHARE_SHARED, protocols);
    unsigned char atr[MAX_ATR_SIZE];
    DWORD atr_len = sizeof atr, state = 0, proto = 0, name_len = 0;
    SCardStatus(c.h, nullptr, &name_len, &state, &proto, atr, &atr_len);
    std::printf("%s %s\n", c.protocol == SCARD_PROTOCOL_T1 ? "T=1" : "T=0",
                str(Bytes(atr, atr + atr_len)).c_str());
    // A SELECT answers on the protocol chosen: the card is really usable, not only connected.
    const Bytes r = c.exchange("00A4040C10A0000005591010FFFFFFFF8900000100", 0x00);
    if (sw(r) != "9000") fail("SELECT ISD-R: " + str(r));
    SCardDisconnect(c.h, SCARD_LEAVE_CARD);
  } else if (cmd == "store-data" && argc == 5) {
    store_data_partial(ctx, argv[2], argv[3], std::atoi(argv[4]));
  } else if (cmd == "card-type" && argc == 3) {
    std::printf("%s\n", card_type(ctx, argv[2]).c_str());
  } else if (cmd == "apdus" && argc >= 4) {
    apdus(ctx, argv[2], argc - 3, argv + 3);
  } else if (cmd == "bench-aka" && argc == 5) {
    bench_aka(ctx, argv[2], std::atoi(argv[3]), hex(argv[4]));
  } else if (cmd == "bench" && argc == 4) {
    bench(ctx, argv[2], std::atoi(argv[3]), "00A4040C10A0000005591010FFFFFFFF8900000100");
  } else {
    std::fprintf(stderr, "pcsc_flow: bad arguments\n");
    return 2;
  }
  SCardReleaseContext(ctx);
  return 0;
}
