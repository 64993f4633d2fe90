#include "http/tls.h"

#include <openssl/err.h>

namespace jb::http {
namespace {

std::string openssl_error() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown error";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

}  // namespace

TlsContext make_tls_context(const std::string& cert_file, const std::string& key_file,
                            std::string* error) {
  ERR_clear_error();
  TlsContext context(SSL_CTX_new(TLS_server_method()));
  if (!context) {
    *error = "cannot create a TLS context: " + openssl_error();
    return nullptr;
  }
  SSL_CTX_set_min_proto_version(context.get(), TLS1_2_VERSION);
  SSL_CTX_set_options(context.get(), SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                                         SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_use_certificate_chain_file(context.get(), cert_file.c_str()) != 1) {
    *error = "http.tls.cert_file " + cert_file + ": " + openssl_error();
    return nullptr;
  }
  if (SSL_CTX_use_PrivateKey_file(context.get(), key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    *error = "http.tls.key_file " + key_file + ": " + openssl_error();
    return nullptr;
  }
  if (SSL_CTX_check_private_key(context.get()) != 1) {
    *error = "http.tls.key_file does not match http.tls.cert_file";
    return nullptr;
  }
  return context;
}

}  // namespace jb::http
