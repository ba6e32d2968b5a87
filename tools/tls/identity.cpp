#include "tls/identity.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <fstream>
#include <stdexcept>

namespace euiccsim::tls {

namespace {

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("cannot read " + path);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

bool is_pem(const std::string& text) {
  return text.find("-----BEGIN ") != std::string::npos;
}

std::string openssl_error() {
  unsigned long e = ERR_get_error();
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return e ? buf : "unknown error";
}

}  // namespace

bool load_identity(SSL_CTX& ctx, const std::string& cert_file, const std::string& key_file,
                   std::string& error) {
  const std::string cert = slurp(cert_file);
  const std::string key = slurp(key_file);
  SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION);
  // SGP.32 §2.6.3 asks for TLS 1.2 at least; P-256 first, brainpool for peers on that curve.
  SSL_CTX_set1_groups_list(
      &ctx, "X25519:P-256:P-384:P-521:brainpoolP256r1:brainpoolP384r1:brainpoolP512r1");
  if (is_pem(cert)) {
    if (SSL_CTX_use_certificate_chain_file(&ctx, cert_file.c_str()) != 1) {
      error = cert_file + ": not a PEM certificate chain (" + openssl_error() + ")";
      return false;
    }
  } else {
    const auto* p = reinterpret_cast<const unsigned char*>(cert.data());
    if (SSL_CTX_use_certificate_ASN1(&ctx, static_cast<int>(cert.size()), p) != 1) {
      error = cert_file + ": not a DER certificate (" + openssl_error() + ")";
      return false;
    }
  }
  // Read the key on its own first, so a key of another certificate is told apart from a file
  // that is no key.
  EVP_PKEY* pkey = nullptr;
  if (is_pem(key)) {
    BIO* bio = BIO_new_mem_buf(key.data(), static_cast<int>(key.size()));
    pkey = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
  } else {
    const auto* p = reinterpret_cast<const unsigned char*>(key.data());
    pkey = d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(key.size()));
  }
  if (pkey == nullptr) {
    error = key_file + ": not a PEM or DER private key (" + openssl_error() + ")";
    return false;
  }
  X509* leaf = SSL_CTX_get0_certificate(&ctx);
  const bool matches = leaf != nullptr && X509_check_private_key(leaf, pkey) == 1;
  ERR_clear_error();
  if (!matches || SSL_CTX_use_PrivateKey(&ctx, pkey) != 1) {
    EVP_PKEY_free(pkey);
    error = key_file + " is not the key of " + cert_file;
    return false;
  }
  EVP_PKEY_free(pkey);
  if (SSL_CTX_check_private_key(&ctx) != 1) {
    error = key_file + " is not the key of " + cert_file;
    return false;
  }
  return true;
}

std::string check_identity(const std::string& cert_file, const std::string& key_file) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) return "TLS: cannot create a context (" + openssl_error() + ")";
  std::string error;
  try {
    if (!load_identity(*ctx, cert_file, key_file, error) && error.empty()) {
      error = "cannot use " + cert_file;
    }
  } catch (const std::exception& e) {
    error = e.what();
  }
  SSL_CTX_free(ctx);
  return error;
}

}  // namespace euiccsim::tls
