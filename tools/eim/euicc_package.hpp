// The eIM side of SGP.32 v1.2 eUICC packages (§2.11): EimConfigurationData for AddInitialEim
// and the addEim/updateEim eCOs, signed EuiccPackageRequests (BF51) of PSMOs or eCOs, and the
// reading and verification of the EuiccPackageResult (BF51) a card answers.
//
// Every structure is built and read with the asn1c types of applets/asn1/SGP32Definitions.asn,
// so the encoding follows the module by construction. Signatures cover bytes as they are on
// the wire: the request's euiccPackageSigned as encoded here, a result's data TLV as received.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "euiccsim/crypto/bytes.hpp"
#include "euiccsim/crypto/ecdsa.hpp"

namespace euiccsim::eim {

// What cannot be built or read; the message is one line naming the faulty part.
class PackageError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// The associationToken data object that ends every package signature input (eimSignature,
// euiccSignEPR, euiccSignEPE): '84' L V, V the token as DER INTEGER content (minimal two's
// complement). Without a token it is the zero form '84 01 00' (SGP.32 §2.11.1.2).
Bytes association_token_do(std::optional<long> token);

// ---- EimConfigurationData ----

struct EimConfiguration {
  std::string eim_id;  // 1..128 bytes
  std::optional<std::string> fqdn;
  std::optional<long> id_type;  // 1 oid, 2 fqdn, 3 proprietary
  std::optional<long> counter_value;
  std::optional<long> association_token;  // -1 asks the eUICC for one
  // eimPublicKeyData: exactly one of them, DER.
  Bytes certificate;  // 'A5 { A1 {tbs, alg, sig} }'
  Bytes public_key;   // SubjectPublicKeyInfo: 'A5 { A0 {...} }'
  std::optional<Bytes> euicc_ci_pkid;
  std::optional<std::uint32_t> supported_protocols;  // bit n = EimSupportedProtocol bit n
  bool indirect_profile_download = false;
};

// DER EimConfigurationData ('30' ...). PackageError for a field that does not fit the module.
Bytes encode_eim_configuration(const EimConfiguration& config);
// The eimId of a DER EimConfigurationData; PackageError unless `der` is exactly one.
std::string eim_id_of_configuration(ByteView der);

// EimSupportedProtocol bit names: retrieve-https, retrieve-coaps, inject-https, inject-coaps,
// proprietary. Nothing for an unknown name.
std::optional<unsigned> supported_protocol_bit(std::string_view name);

// ---- EuiccPackageRequest ----

struct Operation {
  enum class Kind {
    // PSMOs
    kEnable,
    kDisable,
    kDelete,
    kListProfileInfo,
    kGetRat,
    kConfigureImmediateEnable,
    kSetFallbackAttribute,
    kUnsetFallbackAttribute,
    kSetDefaultDpAddress,
    // eCOs
    kAddEim,
    kDeleteEim,
    kUpdateEim,
    kListEim,
  };
  Kind kind = Kind::kGetRat;
  std::string iccid;  // enable, disable, delete, set-fallback-attribute: printed digits
  bool rollback = false;
  // list-profile-info: at most one search criterion, and a tag list.
  std::optional<std::string> search_iccid;
  std::optional<Bytes> search_aid;
  std::optional<long> search_class;
  std::optional<Bytes> tag_list;
  // configure-immediate-enable
  bool immediate_enable_flag = false;
  std::optional<std::string> smdp_oid;
  std::optional<std::string> smdp_address;
  std::string address;      // set-default-dp-address
  std::string file;         // add-eim, update-eim: where the configuration comes from
  Bytes eim_configuration;  // add-eim, update-eim: DER EimConfigurationData
  std::string eim_id;       // delete-eim

  bool is_eco() const { return kind >= Kind::kAddEim; }
};

// One operation written as words, e.g. "enable 89999000000000000007 rollback",
// "list-profile-info iccid=8999...", "delete-eim eim-2" (the syntax: operation_syntax()).
// `eco` says which group the text was given as. Options may be written with or without a
// leading "--", and valued ones as key=value or key value. add-eim / update-eim leave
// `eim_configuration` empty: the caller reads `file`. PackageError naming the bad word.
Operation parse_operation(std::string_view text, bool eco);
// The syntax of every operation, one per line, for --help.
const char* operation_syntax();

struct PackageSpec {
  std::string eim_id;
  std::string eid;  // 32 digits
  long counter_value = 0;
  std::optional<Bytes> transaction_id;  // 1..16 bytes
  std::vector<Operation> operations;    // all PSMOs or all eCOs, in order
};

// The signed EuiccPackageRequest (BF51): eimSignature = ECDSA-SHA-256 by `key`, raw r||s, over
// DER(euiccPackageSigned) || association_token_do(association_token).
Bytes build_package(const PackageSpec& spec, const crypto::PrivateKey& key,
                    std::optional<long> association_token);

// ---- EuiccPackageResult ----

// One EuiccResultData: its alternative's name, the result code when it is one, and what the
// data alternatives carry.
struct ResultItem {
  std::string name;                       // "enableResult", "processingTerminated", ...
  std::optional<long> code;               // INTEGER results and result codes
  std::string code_name;                  // "ok", "iccidOrAidNotFound", ... ("" if unnamed)
  std::optional<long> association_token;  // addEimResult
  struct Eim {
    std::string id;
    std::optional<long> type;
  };
  std::vector<Eim> eims;  // listEimResult
  struct Profile {
    std::string iccid;
    Bytes isdp_aid;
    std::optional<long> state;  // 0 disabled, 1 enabled
    std::string name;
  };
  std::vector<Profile> profiles;     // listProfileInfoResult
  std::optional<std::size_t> rules;  // getRATResult: number of rules
  // "enableResult ok(0)", "addEimResult associationToken 5", ...
  std::string summary() const;
};

struct PackageResult {
  enum class Form { kResult, kSignedError, kUnsignedError };
  Form form = Form::kResult;
  std::string eim_id;
  std::optional<long> counter_value;  // absent in an unsigned error
  Bytes transaction_id;               // empty when absent
  std::optional<long> seq_number;     // results only
  std::optional<long> error_code;     // signed errors
  std::string error_name;
  std::optional<long> association_token;  // unsigned errors
  std::vector<ResultItem> results;
  Bytes signed_data;  // the '30' data TLV as received (empty for an unsigned error)
  Bytes signature;    // 5F37 value
  bool verified = false;
};

// "euiccPackageResultSigned", "euiccPackageErrorSigned", "euiccPackageErrorUnsigned".
const char* form_name(PackageResult::Form form);

// Reads one EuiccPackageResult (BF51), without verifying it. PackageError unless `der` is
// exactly one valid value.
PackageResult decode_package_result(ByteView der);
// Sets and returns result.verified: the signature checks with the eUICC's key over
// signed_data || association_token_do(association_token). Always false for an unsigned error.
bool verify_package_result(PackageResult& result, const crypto::PublicKey& euicc_key,
                           std::optional<long> association_token);

// "name(value)" for a value of a named-number set, or the number alone when unnamed.
std::string named(const std::string& name, long value);

}  // namespace euiccsim::eim
