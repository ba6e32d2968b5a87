// The eUICC's signed answers to an eIM (SGP.32 v1.2 §2.11.2.1): EuiccPackageResultSigned and
// EuiccPackageErrorSigned, shared by LoadEuiccPackage (BF51) and ProfileRollback (BF58).
#pragma once

#include <optional>

#include "euiccsim/applets/isdr/es10.hpp"

namespace euiccsim::applets::isdr {

// The associationToken data object that ends the eIM's and the eUICC's signature inputs:
// '84' L V with V the token as DER INTEGER content; '84 01 00' when the eIM holds no token
// (docs/sgp32.md, finding 6).
Bytes association_token_do(const std::optional<std::uint64_t>& token);

// 'BF51' { 'A0' | 'A1' { data, '5F37' signature } }: `data_der` is the whole '30' TLV of
// euiccPackageResultDataSigned (`error` false) or euiccPackageErrorDataSigned (`error` true);
// the eUICC signs data_der ‖ token_do. Throws if the card cannot sign (no identity).
Bytes sign_package_result(Es10Call& call, ByteView data_der, ByteView token_do, bool error);

}  // namespace euiccsim::applets::isdr
