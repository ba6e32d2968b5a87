// crypto::OpRecorder: the opt-in accounting of crypto work that benchmarks use.
#include <catch.hpp>

#include <thread>

#include "euiccsim/crypto/aes.hpp"
#include "euiccsim/crypto/ecdsa.hpp"
#include "euiccsim/crypto/op_stats.hpp"

using namespace euiccsim;
using namespace euiccsim::crypto;

namespace {
std::uint64_t operations(const OpStats& s) {
  std::uint64_t n = 0;
  for (const auto& c : s.ops) n += c.count;
  return n;
}
}  // namespace

TEST_CASE("crypto operations are counted only while a recorder is alive") {
  auto drbg = Drbg::from_seed(1, "op stats");
  const auto key = PrivateKey::generate(Curve::kNistP256, drbg);
  const auto pub = key.public_key();
  const Bytes message = {1, 2, 3};
  OpStats stats;
  key.sign(message);
  CHECK(operations(stats) == 0);
  {
    OpRecorder record(stats);
    const Bytes sig = key.sign(message);
    CHECK(pub.verify(message, sig));
    aes128_cmac(Bytes(16, 0), Bytes(40, 0));
  }
  key.sign(message);  // after the recorder: not counted
  CHECK(operations(stats) == 3);
  CHECK(stats[Op::kSign].count == 1);
  CHECK(stats[Op::kSign].bytes == 3);
  CHECK(stats[Op::kVerify].count == 1);
  CHECK(stats[Op::kCmac].count == 1);
  CHECK(stats[Op::kCmac].bytes == 40);
  CHECK(stats[Op::kSign].time.count() > 0);
  CHECK(stats.total() == stats[Op::kSign].time + stats[Op::kVerify].time + stats[Op::kCmac].time);
}

TEST_CASE("an operation inside another counts as part of it") {
  auto drbg = Drbg::from_seed(2, "op stats");
  OpStats stats;
  {
    OpRecorder record(stats);
    // Key generation draws from the DRBG and decodes its scalar into a key: one keygen.
    PrivateKey::generate(Curve::kBrainpoolP256r1, drbg);
  }
  CHECK(operations(stats) == 1);
  CHECK(stats[Op::kKeygen].count == 1);
}

TEST_CASE("recorders nest and belong to their thread") {
  auto drbg = Drbg::from_seed(3, "op stats");
  OpStats outer, inner;
  {
    OpRecorder a(outer);
    drbg.bytes(16);
    {
      OpRecorder b(inner);
      drbg.bytes(8);
      // Another thread's work is not this thread's.
      std::thread([] { Drbg::from_seed(4).bytes(4); }).join();
    }
    drbg.bytes(32);
  }
  CHECK(outer[Op::kRandom].count == 2);
  CHECK(outer[Op::kRandom].bytes == 48);
  CHECK(inner[Op::kRandom].count == 1);
  CHECK(inner[Op::kRandom].bytes == 8);
}
