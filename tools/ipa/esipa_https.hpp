// The IPA's side of ESipa over HTTPS, ASN.1 binding (SGP.32 v1.2 §6.1, §6.3; ESIPA.md §2.1):
// POST https://<eimFqdn>/gsma/rsp2/asn1, Content-Type application/x-gsma-rsp-asn1,
// X-Admin-Protocol gsma/rsp/v2.1.0, one DER message each way, one kept-alive connection.
#pragma once

#include <string>

#include "ipa/poll.hpp"
#include "smdp/https.hpp"

namespace euiccsim::ipa {

// A failed exchange (refused connection, certificate that does not verify, timeout, closed
// connection) is a std::runtime_error naming the URL; any HTTP status is returned as it came.
EsipaPost esipa_https_post(const std::string& host_port, const smdp::TlsClientOptions& options);

}  // namespace euiccsim::ipa
