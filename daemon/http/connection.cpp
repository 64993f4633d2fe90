#include "http/connection.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>

namespace jb::http {
namespace {

constexpr size_t kReadChunk = 16384;
constexpr unsigned char kTlsHandshakeRecord = 0x16;

int milliseconds_until(Clock::time_point until) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 0, 60000));
}

bool wait_for(int fd, short events, Clock::time_point until) {
  for (;;) {
    pollfd p{fd, events, 0};
    int ready = ::poll(&p, 1, milliseconds_until(until));
    if (ready > 0) return true;
    if (ready == 0 || errno != EINTR) return false;
  }
}

}  // namespace

Connection::Connection(int fd, SSL_CTX* tls, std::string peer_ip, const FramingLimits& limits)
    : parser(limits), fd_(fd), tls_ctx_(tls), peer_ip_(std::move(peer_ip)) {
  // Its own reference: the listener's context may be replaced (a certificate reloaded) before
  // this connection's handshake.
  if (tls_ctx_ != nullptr) SSL_CTX_up_ref(tls_ctx_);
  int flags = ::fcntl(fd_, F_GETFL, 0);
  ::fcntl(fd_, F_SETFL, flags | O_NONBLOCK);
}

Connection::~Connection() {
  if (ssl_ != nullptr) {
    if (handshake_done_) SSL_shutdown(ssl_);
    SSL_free(ssl_);
  }
  if (tls_ctx_ != nullptr) SSL_CTX_free(tls_ctx_);
  ::shutdown(fd_, SHUT_RDWR);
  ::close(fd_);
}

bool Connection::has_buffered_input() const {
  return read_full_ || (ssl_ != nullptr && SSL_pending(ssl_) > 0);
}

bool Connection::discard_input(size_t max_bytes, size_t* discarded) {
  char chunk[kReadChunk];
  while (max_bytes > 0) {
    const ssize_t n = ::recv(fd_, chunk, std::min(sizeof chunk, max_bytes), 0);
    if (n == 0) return false;
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return false;
      read_full_ = false;  // the socket is empty: only new input raises an event
      return true;
    }
    max_bytes -= std::min(max_bytes, static_cast<size_t>(n));
    *discarded += static_cast<size_t>(n);
  }
  return true;
}

void Connection::shutdown_write() {
  ::shutdown(fd_, SHUT_WR);
}

Connection::Fill Connection::handshake() {
  if (ssl_ == nullptr) {
    unsigned char first = 0;
    ssize_t n = ::recv(fd_, &first, 1, MSG_PEEK);
    if (n == 0) return Fill::closed;
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? Fill::would_block : Fill::failed;
    if (first != kTlsHandshakeRecord) return Fill::not_tls;
    ssl_ = SSL_new(tls_ctx_);
    if (ssl_ == nullptr) return Fill::failed;
    SSL_set_fd(ssl_, fd_);
    SSL_set_mode(ssl_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  }
  ERR_clear_error();
  int result = SSL_accept(ssl_);
  if (result == 1) {
    handshake_done_ = true;
    return Fill::progress;
  }
  int error = SSL_get_error(ssl_, result);
  if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) return Fill::would_block;
  return Fill::failed;
}

Connection::Fill Connection::fill(size_t max_buffered) {
  if (tls_ctx_ != nullptr && !handshake_done_) {
    Fill state = handshake();
    if (state != Fill::progress) return state;
  }
  char chunk[kReadChunk];
  bool progressed = false;
  read_full_ = false;
  while (buffer_.size() < max_buffered) {
    size_t want = std::min(sizeof chunk, max_buffered - buffer_.size());
    ssize_t n;
    if (ssl_ != nullptr) {
      ERR_clear_error();
      int result = SSL_read(ssl_, chunk, static_cast<int>(want));
      if (result <= 0) {
        int error = SSL_get_error(ssl_, result);
        if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE)
          return progressed ? Fill::progress : Fill::would_block;
        if (error == SSL_ERROR_ZERO_RETURN) return progressed ? Fill::progress : Fill::closed;
        return Fill::failed;
      }
      n = result;
    } else {
      n = ::recv(fd_, chunk, want, 0);
      if (n == 0) return progressed ? Fill::progress : Fill::closed;
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
          return progressed ? Fill::progress : Fill::would_block;
        return Fill::failed;
      }
    }
    const size_t needed = buffer_.size() + static_cast<size_t>(n);
    if (needed > buffer_.capacity()) {
      // Room for the whole request when its length is known, else twice as much, never more
      // than max_buffered. reserve() on a string that holds bytes may double past that bound; a
      // new string's does not.
      std::string grown;
      grown.reserve(std::min(max_buffered, std::max({needed, 2 * buffer_.capacity(),
                                                     parser.expected_request_bytes()})));
      grown.append(buffer_);
      buffer_.swap(grown);
    }
    buffer_.append(chunk, static_cast<size_t>(n));
    progressed = true;
    read_full_ = ssl_ == nullptr && static_cast<size_t>(n) == want;
    if (static_cast<size_t>(n) < want && ssl_ == nullptr) return Fill::progress;
    // A read at a time until the head is parsed: the buffer grows for a body once its length is
    // known, not by doubling ahead of it.
    if (!parser.body_pending()) return Fill::progress;
  }
  return progressed ? Fill::progress : Fill::would_block;
}

bool Connection::write_all(std::string_view data, std::chrono::milliseconds timeout) {
  while (!data.empty()) {
    ssize_t n;
    short wait_events = POLLOUT;
    if (ssl_ != nullptr) {
      ERR_clear_error();
      int result = SSL_write(ssl_, data.data(), static_cast<int>(data.size()));
      if (result <= 0) {
        int error = SSL_get_error(ssl_, result);
        if (error == SSL_ERROR_WANT_READ) wait_events = POLLIN;
        if (error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE) return false;
        n = 0;
      } else {
        n = result;
      }
    } else {
      n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return false;
      n = std::max<ssize_t>(n, 0);
    }
    data.remove_prefix(static_cast<size_t>(n));
    if (!data.empty() && n == 0 && !wait_for(fd_, wait_events, Clock::now() + timeout))
      return false;
  }
  return true;
}

long Connection::write_some(std::string_view data) {
  if (ssl_ != nullptr) {
    ERR_clear_error();
    int result = SSL_write(ssl_, data.data(), static_cast<int>(data.size()));
    if (result > 0) return result;
    int error = SSL_get_error(ssl_, result);
    return error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE ? 0 : -1;
  }
  for (;;) {
    ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n >= 0) return n;
    if (errno == EINTR) continue;
    return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
  }
}

void Connection::write_nowait(std::string_view data) {
  if (ssl_ != nullptr) {
    if (handshake_done_) SSL_write(ssl_, data.data(), static_cast<int>(data.size()));
    return;
  }
  if (tls_ctx_ == nullptr || !handshake_done_)
    ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
}

}  // namespace jb::http
