// Where a new card's identity comes from: an EUM and its key sign the card's own eUICC
// certificate, whose subject serialNumber is the EID (SGP.22 §4.5.2.1), and the card trusts
// one or more CI certificates (their SKIs are the PKIds of EUICCInfo1/2).
//
// Also the test PKI directory that `euicc-sim pki init` writes and a fresh state directory
// makes for itself (docs/pki.md): DIR/<curve>/{ci,eum,dp-auth,dp-pb,dp-tls,eim}.der with keys.
#pragma once

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "euiccsim/applets/card_state.hpp"
#include "euiccsim/crypto/test_pki.hpp"

namespace euiccsim::sim {

// An issuer, a PKI directory or a certificate or key file that cannot be used. One line, naming
// the file or the mismatch; never key material.
class IssuerError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A CI and an EUM it certified, both with their keys.
struct Issuer {
  crypto::Issued ci;
  crypto::Issued eum;
};

// What a card's identity is issued from: an EUM with its key (any EUM: ours, a user's, SGP.26's)
// and the CI certificates the card trusts, the EUM's own CI first. No CI key is needed.
struct CardIssuer {
  crypto::Issued eum;
  std::vector<Bytes> trusted_cis;  // DER
};

CardIssuer card_issuer(const Issuer& issuer);

// A throw-away test CI and EUM (NIST P-256) whose EUM may issue EIDs starting `eid_prefix`.
Issuer make_test_issuer(crypto::Drbg& drbg, const std::string& eid_prefix = "89");

// ---- Test PKI directories (docs/pki.md) ----

// "nist" / "brainpool": the sub-folder of a PKI directory holding that curve's PKI.
const char* pki_curve_folder(crypto::Curve curve);

// Whether `s` is a dotted OID ("2.999.10") the test PKI can encode.
bool is_dotted_oid(std::string_view s);

struct TestPkiOptions {
  // EIDs the EUM may issue start with it (its nameConstraints). "89" lets one EUM issue any
  // EID, so `card new --eid-prefix` keeps working with the state directory's own PKI.
  std::string eum_prefix = "89";
  // subjectAltName registeredID of DPauth, DPpb and DP TLS: the SM-DP+ OID (SGP.26: 2.999.10).
  std::string smdp_oid = "2.999.10";
  // subjectAltName dNSName of the DP TLS certificate.
  std::string tls_name = "localhost";
  // subjectAltName registeredID of the eIM certificate (an example arc, as SGP.26's are).
  std::string eim_oid = "2.999.20";
};

// One curve's test PKI: every certificate issued by (or, for the eUICC side, below) one CI.
struct TestPki {
  crypto::Issued ci, eum, dp_auth, dp_pb, dp_tls, eim;
};

// Draws, in order: CI, EUM, DPauth, DPpb, DP TLS, eIM (so a seeded Drbg repeats the PKI).
TestPki make_test_pki(crypto::Curve curve, const TestPkiOptions& options, crypto::Drbg& drbg);

struct PkiFile {
  std::filesystem::path path;
  std::string role;  // "ci-certificate", "ci-key", "dp-tls-chain", ...
  bool secret = false;
};

// Writes `pki` into DIR/<curve folder>/ (created if needed), each file atomically (a temporary
// file, fsynced, renamed), keys as PKCS#8 PEM with mode 0600, replacing files of the same name.
// Returns the files in the order written; the EUM key comes last. IssuerError on failure.
std::vector<PkiFile> write_test_pki(const std::filesystem::path& dir, crypto::Curve curve,
                                    const TestPki& pki);

// ---- Reading issuers ----

// A certificate file: DER, or the first CERTIFICATE block of a PEM file.
Bytes read_certificate_file(const std::filesystem::path& path);
// A private key file: PEM, PKCS#8 ("PRIVATE KEY") or SEC1 ("EC PRIVATE KEY").
crypto::PrivateKey read_private_key_file(const std::filesystem::path& path);

// An EUM certificate and key from files, trusting the CI certificates `ci_files`. IssuerError
// unless the key matches the certificate and one of the CIs issued the EUM: its SKI equals the
// EUM's AKI and its key verifies the EUM's signature.
CardIssuer load_card_issuer(const std::filesystem::path& eum_certificate,
                            const std::filesystem::path& eum_key,
                            const std::vector<std::filesystem::path>& ci_files);

// The EUM of `curve` in a PKI directory (DIR/<curve folder>/eum.der + eum.key.pem; or
// DIR/eum.der when DIR is one curve's folder or the old flat layout), trusting the CI beside it.
CardIssuer pki_directory_issuer(const std::filesystem::path& dir, crypto::Curve curve);

// The state directory's issuer: DIR/pki in the layout above (both curves), generated on first
// use from `drbg` (repeatable when it is seeded). A DIR/pki in the old flat layout (ci.der,
// eum.der and their keys directly in DIR/pki, NIST only) is still read.
CardIssuer state_directory_issuer(const std::filesystem::path& dir, crypto::Drbg& drbg,
                                  crypto::Curve curve = crypto::Curve::kNistP256);

// Adds CI certificates to the trusted list (skipping ones already trusted, by SKI).
// IssuerError for a file that is not a certificate with a subjectKeyIdentifier.
void add_trusted_cis(CardIssuer& issuer, const std::vector<std::filesystem::path>& ci_files);

// ---- EIDs that fit an EUM ----

// The EID prefixes the EUM's nameConstraints permit; empty when it does not restrict them.
std::vector<std::string> permitted_eid_prefixes(const CardIssuer& issuer);
// Empty if `eid` fits the EUM's nameConstraints, else one line naming the permitted prefix.
std::string why_eid_outside(const CardIssuer& issuer, std::string_view eid);
// The prefix a generated EID should start with. `requested` is kept when it fits the EUM (it
// starts with a permitted prefix); otherwise the EUM's own prefix is used if `requested` was a
// default (`explicit_request` false) or is itself a prefix of the EUM's. IssuerError when the
// user's explicit prefix contradicts the EUM, or no EID can start with the EUM's prefix.
std::string eid_prefix_for(const CardIssuer& issuer, const std::string& requested,
                           bool explicit_request);

// Gives `state` a new eUICC key pair and certificate for its EID from `issuer`, trusting the
// issuer's CI(s).
void issue_identity(CardState& state, const Issuer& issuer, crypto::Drbg& drbg);
void issue_identity(CardState& state, const CardIssuer& issuer, crypto::Drbg& drbg);

}  // namespace euiccsim::sim
