#include "euiccsim/crypto/op_stats.hpp"

namespace euiccsim::crypto {

namespace detail {
thread_local constinit OpStats* tls_op_stats = nullptr;
}  // namespace detail

const char* op_name(Op op) {
  switch (op) {
    case Op::kVerify:
      return "verify";
    case Op::kSign:
      return "sign";
    case Op::kKeygen:
      return "keygen";
    case Op::kKeyCodec:
      return "key codec";
    case Op::kEcka:
      return "ecka";
    case Op::kKdf:
      return "kdf";
    case Op::kAesBlock:
      return "aes block";
    case Op::kAesCbc:
      return "aes cbc";
    case Op::kCmac:
      return "cmac";
    case Op::kRandom:
      return "random";
  }
  return "?";
}

std::chrono::nanoseconds OpStats::total() const {
  std::chrono::nanoseconds t{0};
  for (const auto& o : ops) t += o.time;
  return t;
}

void OpScope::begin(Op op, std::size_t bytes) noexcept {
  stats_ = detail::tls_op_stats;
  op_ = op;
  auto& c = (*stats_)[op];
  ++c.count;
  c.bytes += bytes;
  // Operations run by this one belong to its time: recording pauses until end().
  detail::tls_op_stats = nullptr;
  start_ = std::chrono::steady_clock::now();
}

void OpScope::end() noexcept {
  (*stats_)[op_].time += std::chrono::steady_clock::now() - start_;
  detail::tls_op_stats = stats_;
}

}  // namespace euiccsim::crypto
