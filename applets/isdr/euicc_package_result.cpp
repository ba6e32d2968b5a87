#include "euicc_package_result.hpp"

#include "euiccsim/crypto/tlv.hpp"

namespace euiccsim::applets::isdr {

Bytes association_token_do(const std::optional<std::uint64_t>& token) {
  return tlv::encode(0x84, tlv::der_integer(static_cast<std::int64_t>(token.value_or(0))));
}

Bytes sign_package_result(Es10Call& call, ByteView data_der, ByteView token_do, bool error) {
  Bytes input(data_der.begin(), data_der.end());
  input.insert(input.end(), token_do.begin(), token_do.end());
  const Bytes signature = ecasd::sign(call.ctx.state().identity, input, call.session.euicc_key);
  Bytes inner(data_der.begin(), data_der.end());
  tlv::append(inner, 0x5F37, signature);
  return tlv::encode(0xBF51, tlv::encode(error ? 0xA1 : 0xA0, inner));
}

}  // namespace euiccsim::applets::isdr
