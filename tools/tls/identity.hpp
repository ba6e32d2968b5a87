// The TLS identity of the test servers (SM-DP+ ES9+, eIM ESipa): a certificate and its key
// into an OpenSSL context, each as PEM or DER, as every other certificate option takes them.
#pragma once

#include <openssl/ssl.h>

#include <string>

namespace euiccsim::tls {

// `cert_file`: PEM (the certificate, then its issuers) or one DER certificate; `key_file`:
// PEM or DER, PKCS#8 or SEC1. Also sets TLS 1.2 at least and the groups offered. False with
// a one-line `error` naming the file that cannot be used, or a key of another certificate.
// std::runtime_error "cannot read PATH" when a file cannot be read.
bool load_identity(SSL_CTX& ctx, const std::string& cert_file, const std::string& key_file,
                   std::string& error);

// The same checks on a context of its own, for a command line to judge its options before it
// starts a server: "" when the pair loads, else the one-line error (also for a file that
// cannot be read).
std::string check_identity(const std::string& cert_file, const std::string& key_file);

}  // namespace euiccsim::tls
