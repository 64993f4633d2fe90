// A client of a reverse proxy under test (nginx, HAProxy): one connection from a chosen loopback
// address, plain or TLS (the certificate verified against a test CA), that keeps reading while it
// writes (a proxy that streams the body may answer before it has all of it) and frames answers
// by Content-Length in any letter case (HAProxy writes field names in lower case).
#pragma once

#include <openssl/ssl.h>

#include <chrono>
#include <string>

#include "support/raw_http.h"

namespace jb::test {

class ProxyClient {
 public:
  // Plain HTTP from source to host:port.
  ProxyClient(const std::string& source, int port, const std::string& host = "127.0.0.1");
  // HTTPS: the server's certificate must chain to ca_pem and name host (an IP address).
  ProxyClient(const std::string& source, int port, const std::string& ca_pem,
              const std::string& host);
  ~ProxyClient();
  ProxyClient(const ProxyClient&) = delete;
  ProxyClient& operator=(const ProxyClient&) = delete;

  // Connected (and, for HTTPS, the handshake done and the certificate verified).
  bool connected() const { return fd_ >= 0; }
  // Why it is not connected.
  const std::string& error() const { return error_; }

  // Writes request while reading, and returns the next answer (status -1 when none came within
  // timeout: silence, a close or a reset first). What was not written when the answer came is
  // dropped.
  Answer exchange(const std::string& request,
                  std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // The next answer, without writing.
  Answer read_answer(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // True when the server closed the connection (EOF or reset) within timeout with nothing more
  // to read.
  bool closed_by_server(std::chrono::milliseconds timeout = std::chrono::seconds(3));

 private:
  // Moves bytes both ways until an answer can be taken, the connection ends or until passes.
  Answer pump(std::string* pending, std::chrono::steady_clock::time_point until);
  // > 0 bytes moved, 0 would block, -1 the connection ended.
  long read_some(char* into, size_t size);
  long write_some(const char* from, size_t size);

  int fd_ = -1;
  SSL_CTX* context_ = nullptr;
  SSL* ssl_ = nullptr;
  std::string buffer_;
  bool ended_ = false;
  std::string error_;
};

// Takes one whole answer (head and Content-Length body, the field's name in any case) off the
// front of *buffer; false when it is not all there yet.
bool take_answer(std::string* buffer, Answer* answer);

}  // namespace jb::test
