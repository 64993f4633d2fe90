// One client connection: a non-blocking socket, optionally TLS, with the bytes received and not
// yet consumed. Reads never block; writes wait for the socket up to a timeout.
#pragma once

#include <openssl/ssl.h>

#include <chrono>
#include <string>
#include <string_view>

namespace jb::http {

using Clock = std::chrono::steady_clock;

class Connection {
 public:
  // Takes ownership of `fd`; `tls` (may be null) is the context for a TLS listener.
  Connection(int fd, SSL_CTX* tls);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  enum class Fill { progress, would_block, closed, failed, not_tls };
  // Reads what the socket has, up to `max_buffered` bytes held (completing the TLS handshake
  // first). not_tls when the first bytes on a TLS listener are not a TLS handshake.
  Fill fill(size_t max_buffered);
  // Waits until the socket is readable or `until`; false on timeout.
  bool wait_readable(Clock::time_point until) const;

  // Writes what the socket takes now, never waiting: the bytes written, or -1 on failure.
  long write_some(std::string_view data);
  // Writes all of `data`, each wait for the socket bounded by `timeout`; false on failure.
  bool write_all(std::string_view data, std::chrono::milliseconds timeout);
  // Best effort, never blocks: for canned answers just before closing.
  void write_nowait(std::string_view data);

  int fd() const { return fd_; }
  bool tls() const { return ssl_ != nullptr || tls_ctx_ != nullptr; }
  std::string& buffer() { return buffer_; }
  std::string remote_ip() const;
  int remote_port() const;
  // remote_ip(), looked up once per connection.
  const std::string& peer_ip();

  // Per-request and per-connection bookkeeping of the server.
  Clock::time_point deadline;  // the current request (or idle wait) must complete by then
  size_t requests_served = 0;
  bool idle = false;  // waiting for the first byte of a request on a kept-alive connection
  bool close_after_response = false;
  size_t request_bytes = 0;    // a request answered outside cpp-httplib: its bytes in buffer()
  bool registered = false;     // added to the reader's epoll set (armed one event at a time)
  bool slot_released = false;  // no longer counted against max_connections

 private:
  Fill handshake();

  int fd_;
  SSL_CTX* tls_ctx_;
  SSL* ssl_ = nullptr;
  bool handshake_done_ = false;
  std::string buffer_;
  std::string peer_ip_;
};

}  // namespace jb::http
