// The TLS context of an HTTPS listener: certificate chain and key from PEM files, TLS 1.2 or newer.
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <string>

namespace jb::http {

struct TlsContextDeleter {
  void operator()(SSL_CTX* context) const { SSL_CTX_free(context); }
};
using TlsContext = std::unique_ptr<SSL_CTX, TlsContextDeleter>;

// A server context for cert_file (PEM chain) and key_file (PEM key); null with *error (naming the
// file, never its content) when they cannot be loaded or do not match.
TlsContext make_tls_context(const std::string& cert_file, const std::string& key_file,
                            std::string* error);

}  // namespace jb::http
