// The ES10 functions by name: one table for `euicc-sim es10` and the scenario runner
// (docs/es10.md, docs/scenarios.md), so a name means the same request everywhere.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "euiccsim/crypto/bytes.hpp"

struct asn_TYPE_descriptor_s;

namespace euiccsim::tools {

struct Es10Function {
  const char* name;   // as the command and scenarios write it: "enable"
  const char* spec;   // SGP.22 / SGP.32 name: "EnableProfile" ("" for raw)
  std::uint32_t tag;  // the request's top-level tag: 0xBF31 (0 for raw)
  const char* usage;  // "enable ICCID|AID [refresh]"
  const char* help;
  const asn_TYPE_descriptor_s* response;  // the answer's ASN.1 type; nullptr for raw
  // JSON pointers into the decoded answer where a result code may stand; the first present
  // one is the result, none present means the function answered with success ("ok").
  std::vector<const char*> result;
};

const std::vector<Es10Function>& es10_functions();
// By command name or by SGP name ("enable" or "EnableProfile"); nullptr when unknown.
const Es10Function* find_es10_function(std::string_view name);
// The DER request of `fn` with arguments `args` (words, as on the command line). UsageError
// (common.hpp) naming the function's usage or the bad argument.
Bytes build_es10_request(const std::string& fn, const std::vector<std::string>& args);
// The answer type on an SGP.32 (iot) card where it differs from the SGP.22 one: GetEUICCInfo2,
// GetProfilesInfo and RetrieveNotificationsList carry the IoT fields; else `f.response`.
const asn_TYPE_descriptor_s* iot_response(const Es10Function& f);
// An answer in XER (X.693), the standard textual form of an ASN.1 value.
std::string es10_xer(const asn_TYPE_descriptor_s& type, ByteView der);

}  // namespace euiccsim::tools
