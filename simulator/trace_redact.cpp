// Secrets that may pass through an APDU, masked before a trace sink sees them (DESIGN.md:
// "Keys are redacted unless --trace-secrets").
//
// The answer to AUTHENTICATE (ETSI TS 102 221 §11.1.16, 3GPP TS 31.102 §7.1.2): the session
// keys CK and IK and the GSM cipher key Kc. RES, SRES and AUTS are not keys (the network
// compares them in the clear) and stay readable, as RAND and AUTN in the command do.
// The PIN and PUK values of VERIFY, CHANGE PIN, DISABLE/ENABLE PIN and UNBLOCK PIN
// (TS 102 221 §11.1.9-11.1.13) in the command. The bytes keep their length so a capture still
// dissects.
#include <algorithm>

#include "euiccsim/simulator/trace.hpp"

namespace euiccsim::sim {

namespace {

// Zeroes `n` bytes of `r` from `at` when they exist; returns the offset after them.
std::size_t blank(Bytes& r, std::size_t at, std::size_t n, std::size_t end) {
  if (at > end || n > end - at) return end;
  std::fill(r.begin() + static_cast<std::ptrdiff_t>(at),
            r.begin() + static_cast<std::ptrdiff_t>(at + n), 0);
  return at + n;
}

void redact_authenticate(const Bytes& command, Bytes& r) {
  if (r.size() < 2) return;
  const std::size_t end = r.size() - 2;  // the status word stays
  if (end == 0) return;
  const std::uint8_t context = command.size() > 3 ? (command[3] & 0x07) : 0;
  if (r[0] == 0xDB) {
    // 3G/GBA success: DB L RES, L CK, L IK [, 08 Kc]; GBA NAF derivation: DB L Ks_ext_NAF.
    std::size_t at = 1;
    if (at >= end) return;
    const std::size_t res = r[at];
    if (context == 0x04 && command.size() > 5 && command[5] == 0xDE) {
      blank(r, at + 1, res, end);  // Ks_ext_NAF
      return;
    }
    at += 1 + res;
    for (int key = 0; key < 3 && at < end; ++key) {  // CK, IK, then Kc when present
      const std::size_t n = r[at];
      at = blank(r, at + 1, n, end);
    }
    return;
  }
  if (context == 0x00 && r[0] == 0x04 && end >= 1 + 4 + 1) {
    // GSM context: 04 SRES 08 Kc.
    blank(r, 1 + 4 + 1, r[1 + 4], end);
  }
}

}  // namespace

void redact_secrets(TraceEvent& e) {
  if (e.kind != TraceEvent::Kind::kApdu || e.command.size() < 4) return;
  const std::uint8_t cla = e.command[0];
  // Interindustry class (not proprietary), INS 88 (even: the AUTHENTICATE of TS 102 221).
  if ((cla & 0x80) != 0) return;
  const std::uint8_t ins = e.command[1];
  if (ins == 0x88) redact_authenticate(e.command, e.response);
  // VERIFY, CHANGE PIN, DISABLE PIN, ENABLE PIN, UNBLOCK PIN: the data field is PIN/PUK
  // values, 'FF'-padded; it becomes all 'FF' (what an empty PIN block looks like).
  if (ins == 0x20 || ins == 0x24 || ins == 0x26 || ins == 0x28 || ins == 0x2C) {
    if (e.command.size() > 5) std::fill(e.command.begin() + 5, e.command.end(), 0xFF);
  }
}

}  // namespace euiccsim::sim
