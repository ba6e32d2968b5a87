// Opt-in accounting of the crypto work done on the calling thread: how many operations of each
// kind the wrappers of crypto/ ran, their input bytes and the time spent in them. Benchmarks
// use it to split a card's time into crypto and everything else.
//
//   crypto::OpStats stats;
//   {
//     crypto::OpRecorder record(stats);  // this thread, until `record` goes out of scope
//     card.es10(request);
//   }
//   stats[crypto::Op::kVerify].count ...
//
// Off by default: with no recorder alive on the thread, an operation costs one predictable
// branch on a thread-local pointer. Only counts, sizes and durations are kept, never inputs,
// outputs or keys. An operation running inside another (the key decoding inside keygen, say) is
// part of the outer one's time and is not counted on its own, so the kinds add up without
// overlap.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace euiccsim::crypto {

enum class Op : std::uint8_t {
  kVerify,    // PublicKey::verify: ECDSA/SHA-256 verification (certificates too)
  kSign,      // PrivateKey::sign: ECDSA/SHA-256 signature
  kKeygen,    // PrivateKey::generate: new key pair (scalar and public point)
  kKeyCodec,  // PrivateKey::from_scalar (and so PKCS#8, PEM), PublicKey::from_point,
              // PrivateKey::public_point: decoding and validating keys, computing and encoding
              // public points
  kEcka,      // ecka_shared_secret
  kKdf,       // x963_kdf_sha256
  kAesBlock,  // aes128_encrypt_block
  kAesCbc,    // aes128_cbc_encrypt / aes128_cbc_decrypt
  kCmac,      // aes128_cmac
  kRandom,    // Drbg::fill (challenges, ids; keygen's own draws count as keygen)
};
inline constexpr std::size_t kOpKinds = 10;

// "verify", "sign", "keygen", "key codec", "ecka", "kdf", "aes block", "aes cbc", "cmac",
// "random".
const char* op_name(Op);

struct OpCounter {
  std::uint64_t count = 0;
  std::uint64_t bytes = 0;  // input bytes (message, plaintext or ciphertext, random output)
  std::chrono::nanoseconds time{0};
};

struct OpStats {
  std::array<OpCounter, kOpKinds> ops{};

  OpCounter& operator[](Op op) { return ops[static_cast<std::size_t>(op)]; }
  const OpCounter& operator[](Op op) const { return ops[static_cast<std::size_t>(op)]; }
  // Time over every kind.
  std::chrono::nanoseconds total() const;
  void clear() { ops = {}; }
};

namespace detail {
// The stats this thread records into; null when recording is off.
extern thread_local constinit OpStats* tls_op_stats;
}  // namespace detail

// Records this thread's crypto operations into `stats` (added to what it holds) for the
// recorder's lifetime. Recorders nest: the inner one wins until it ends.
class OpRecorder {
 public:
  explicit OpRecorder(OpStats& stats) noexcept : previous_(detail::tls_op_stats) {
    detail::tls_op_stats = &stats;
  }
  ~OpRecorder() { detail::tls_op_stats = previous_; }
  OpRecorder(const OpRecorder&) = delete;
  OpRecorder& operator=(const OpRecorder&) = delete;

 private:
  OpStats* previous_;
};

// Placed at the top of a crypto wrapper: accounts the wrapper's run as one `op` of `bytes`
// input bytes, when a recorder is alive and no other operation is already being timed.
class OpScope {
 public:
  explicit OpScope(Op op, std::size_t bytes = 0) noexcept {
    if (detail::tls_op_stats != nullptr) [[unlikely]]
      begin(op, bytes);
  }
  ~OpScope() {
    if (stats_ != nullptr) [[unlikely]]
      end();
  }
  OpScope(const OpScope&) = delete;
  OpScope& operator=(const OpScope&) = delete;

 private:
  void begin(Op op, std::size_t bytes) noexcept;
  void end() noexcept;
  OpStats* stats_ = nullptr;
  Op op_ = Op::kVerify;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace euiccsim::crypto
