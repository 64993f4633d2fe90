#include "support/proxy_client.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>

namespace jb::test {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// Blocking reads and writes give up after this (the handshake).
void set_socket_timeout(int fd, std::chrono::milliseconds timeout) {
  timeval value{};
  value.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  value.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &value, sizeof value);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &value, sizeof value);
}

bool trust(SSL_CTX* context, const std::string& ca_pem) {
  BIO* bio = BIO_new_mem_buf(ca_pem.data(), static_cast<int>(ca_pem.size()));
  X509* ca = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  const bool added = ca != nullptr && X509_STORE_add_cert(SSL_CTX_get_cert_store(context), ca) == 1;
  X509_free(ca);
  return added;
}

}  // namespace

bool take_answer(std::string* buffer, Answer* answer) {
  const size_t end = buffer->find("\r\n\r\n");
  if (end == std::string::npos) return false;
  Answer taken;
  taken.head = buffer->substr(0, end + 4);
  const std::string length_field = taken.field("Content-Length");
  const size_t length = length_field.empty() ? 0 : std::strtoul(length_field.c_str(), nullptr, 10);
  if (buffer->size() < end + 4 + length) return false;
  taken.body = buffer->substr(end + 4, length);
  buffer->erase(0, end + 4 + length);
  if (taken.head.rfind("HTTP/1.", 0) == 0 && taken.head.size() > 9)
    taken.status = std::atoi(taken.head.c_str() + 9);
  *answer = std::move(taken);
  return true;
}

ProxyClient::ProxyClient(const std::string& source, int port, const std::string& host)
    : fd_(connect_from(source, port, host)) {
  if (fd_ < 0) error_ = "cannot connect from " + source;
  if (fd_ >= 0) ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
}

ProxyClient::ProxyClient(const std::string& source, int port, const std::string& ca_pem,
                         const std::string& host)
    : fd_(connect_from(source, port, host)) {
  if (fd_ < 0) {
    error_ = "cannot connect from " + source;
    return;
  }
  context_ = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_verify(context_, SSL_VERIFY_PEER, nullptr);
  ssl_ = SSL_new(context_);
  if (!trust(context_, ca_pem) || ssl_ == nullptr) {
    error_ = "cannot load the CA";
  } else {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), host.c_str());
    SSL_set_mode(ssl_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_set_fd(ssl_, fd_);
    set_socket_timeout(fd_, 5s);
    if (SSL_connect(ssl_) != 1) {
      char text[256] = "";
      ERR_error_string_n(ERR_get_error(), text, sizeof text);
      error_ = std::string("TLS handshake: ") + text +
               " (verify: " + X509_verify_cert_error_string(SSL_get_verify_result(ssl_)) + ")";
    }
  }
  if (!error_.empty()) {
    ::close(fd_);
    fd_ = -1;
    return;
  }
  ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
}

ProxyClient::~ProxyClient() {
  if (ssl_ != nullptr) SSL_free(ssl_);
  if (context_ != nullptr) SSL_CTX_free(context_);
  if (fd_ >= 0) ::close(fd_);
}

long ProxyClient::read_some(char* into, size_t size) {
  if (ssl_ == nullptr) {
    const ssize_t n = ::recv(fd_, into, size, 0);
    if (n > 0) return n;
    return n < 0 && (errno == EAGAIN || errno == EINTR) ? 0 : -1;
  }
  const int n = SSL_read(ssl_, into, static_cast<int>(std::min<size_t>(size, 1 << 20)));
  if (n > 0) return n;
  const int error = SSL_get_error(ssl_, n);
  return error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE ? 0 : -1;
}

long ProxyClient::write_some(const char* from, size_t size) {
  if (ssl_ == nullptr) {
    const ssize_t n = ::send(fd_, from, size, MSG_NOSIGNAL);
    if (n > 0) return n;
    return n < 0 && (errno == EAGAIN || errno == EINTR) ? 0 : -1;
  }
  const int n = SSL_write(ssl_, from, static_cast<int>(std::min<size_t>(size, 1 << 20)));
  if (n > 0) return n;
  const int error = SSL_get_error(ssl_, n);
  return error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE ? 0 : -1;
}

Answer ProxyClient::pump(std::string* pending, Clock::time_point until) {
  Answer answer;
  if (fd_ < 0) return answer;
  while (!take_answer(&buffer_, &answer)) {
    if (ended_ || Clock::now() >= until) return answer;
    char chunk[16384];
    bool moved = false;
    for (long n; (n = read_some(chunk, sizeof chunk)) != 0;) {
      if (n < 0) {
        ended_ = true;
        break;
      }
      buffer_.append(chunk, static_cast<size_t>(n));
      moved = true;
    }
    while (!ended_ && !pending->empty()) {
      const long n = write_some(pending->data(), pending->size());
      if (n == 0) break;
      if (n < 0) {
        pending->clear();  // the peer will not read more; what it answered may still come
        break;
      }
      pending->erase(0, static_cast<size_t>(n));
      moved = true;
    }
    if (moved || ended_) continue;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
    pollfd p{fd_, static_cast<short>(POLLIN | (pending->empty() ? 0 : POLLOUT)), 0};
    // Short waits: TLS may hold decrypted bytes or want the other direction.
    ::poll(&p, 1, static_cast<int>(std::clamp<int64_t>(left.count(), 0, 10)));
  }
  return answer;
}

Answer ProxyClient::exchange(const std::string& request, std::chrono::milliseconds timeout) {
  std::string pending = request;
  return pump(&pending, Clock::now() + timeout);
}

Answer ProxyClient::read_answer(std::chrono::milliseconds timeout) {
  std::string nothing;
  return pump(&nothing, Clock::now() + timeout);
}

bool ProxyClient::closed_by_server(std::chrono::milliseconds timeout) {
  const auto until = Clock::now() + timeout;
  std::string nothing;
  while (!ended_ && Clock::now() < until) {
    const size_t before = buffer_.size();
    pump(&nothing, std::min(until, Clock::now() + 50ms));
    if (buffer_.size() != before) return false;
  }
  return ended_ && buffer_.empty();
}

}  // namespace jb::test
