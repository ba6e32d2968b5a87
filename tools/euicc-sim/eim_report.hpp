// How `eim verify-result` and `ipa` show an EuiccPackageResult: one readable block, or JSON.
#pragma once

#include <ostream>

#include "eim/euicc_package.hpp"
#include "euiccsim/simulator/json.hpp"

namespace euiccsim::tools {

json::Value package_result_json(const eim::PackageResult& r, bool signature_checked);
// `signature_checked`: whether verify_package_result ran (an IPA that only reads says so).
void print_package_result(std::ostream& out, const eim::PackageResult& r, bool signature_checked);

// A file of DER, or of the same bytes written as hex text (what `--hex` and `ipa` print), so
// either can be passed on; std::runtime_error "cannot read PATH" when it cannot be read.
Bytes read_der_or_hex(const std::string& path);

}  // namespace euiccsim::tools
