// libFuzzer target for the start of a download: AuthenticateServer (serverSigned1, the
// signature, the CI to use, the DPauth certificate and its chain, ctxParams1) and what may
// follow it (PrepareDownload with smdpSigned2, its signature and the DPpb certificate,
// CancelSession, ...).
//
// Each input starts from a card whose ISD-R has just answered GetEUICCChallenge
// (download_world.hpp, built once per process), restored into a fresh runtime. The first byte
// picks the STORE DATA block size (1..255, 0 for 255); the rest is records of [2-byte
// length][ES10 request], sent in order. The seeds are real requests for that challenge: the test
// SM-DP+'s (NIST, and a brainpool SM-DP+ the card also trusts), followed by the PrepareDownload
// that goes with it, and ones the card must refuse (an untrusted CI, a wrong signature, a DPpb
// certificate or a DPauth certificate without its OID).
// Invariants: fuzz_support.hpp's (well-formed answers, saved states that round-trip); neither
// function changes what the card keeps, so only a request of another function may.
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "download_world.hpp"

using namespace euiccsim;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const auto& world = fuzz::download_world();
  const std::size_t block = data[0] == 0 ? 255 : data[0];
  fuzz::PersistCheck persist;
  auto card = fuzz::restore(*world.challenged, persist);
  for (auto request : fuzz::records(ByteView(data + 1, size - 1))) {
    const CardState before = card->state();
    const auto answer = fuzz::send_es10(*card, persist, request, block);
    if (fuzz::verbose())
      std::printf("answer %04X %s\n", answer.sw,
                  to_hex(ByteView(answer.data).first(std::min<std::size_t>(answer.data.size(), 40)))
                      .c_str());
    auto head = tlv::read_header(request);
    const bool download_function = head && (head->tag == 0xBF38 || head->tag == 0xBF21);
    if (download_function && !(card->state() == before)) std::abort();
  }
  return 0;
}
