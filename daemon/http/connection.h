// One client connection: a non-blocking socket, optionally TLS, with the bytes received and not
// yet consumed. Reads never block; writes wait for the socket up to a timeout.
#pragma once

#include <openssl/ssl.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "http/request_parser.h"

namespace jb::http {

using Clock = std::chrono::steady_clock;

class Connection {
 public:
  // Takes ownership of `fd`; `tls` (may be null) is the context for a TLS listener; `peer_ip` is
  // the address it came from; `limits` frame its requests.
  Connection(int fd, SSL_CTX* tls, std::string peer_ip, const FramingLimits& limits);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  enum class Fill { progress, would_block, closed, failed, not_tls };
  // Reads what the socket has, up to `max_buffered` bytes held (completing the TLS handshake
  // first). not_tls when the first bytes on a TLS listener are not a TLS handshake.
  Fill fill(size_t max_buffered);
  // True when fill() may have more to read without waiting: TLS holds decrypted bytes it has not
  // taken yet, or its last read of the socket took all the room it asked for.
  bool has_buffered_input() const;
  // Reads and drops what the socket has now, at most `max_bytes`, adding the count to
  // *discarded: false once the peer closed or the socket failed, true while it is open.
  bool discard_input(size_t max_bytes, size_t* discarded);
  // Sends FIN after what was written; reads stay open.
  void shutdown_write();

  // Writes what the socket takes now, never waiting: the bytes written, or -1 on failure.
  long write_some(std::string_view data);
  // Writes all of `data`, each wait for the socket bounded by `timeout`; false on failure.
  bool write_all(std::string_view data, std::chrono::milliseconds timeout);
  // Best effort, never blocks: for canned answers just before closing.
  void write_nowait(std::string_view data);

  int fd() const { return fd_; }
  bool tls() const { return ssl_ != nullptr || tls_ctx_ != nullptr; }
  std::string& buffer() { return buffer_; }
  const std::string& peer_ip() const { return peer_ip_; }

  // Per-request and per-connection bookkeeping of the listener.
  RequestParser parser;
  Clock::time_point deadline;          // what it waits for must happen by then
  Clock::time_point request_deadline;  // the current request must be complete by then
  size_t requests_served = 0;
  bool idle = true;     // waiting for the first byte of a request
  std::string pending;  // answer bytes the socket has not taken yet
  bool close_after_pending = false;
  bool from_proxy = false;  // the peer is a trusted proxy (decided at accept)
  bool lingering = false;   // answered and half-closed: input is read and dropped
  size_t lingered_bytes = 0;
  bool draining = false;          // answered from the head: the body is read away, then kept
  bool in_linger_budget = false;  // counted in the listener's lingering budget, not a slot
  uint32_t armed_events = 0;      // the events it is registered for in epoll; 0 when it is not
  bool slot_released = false;     // no longer counted against the connection caps

 private:
  Fill handshake();

  int fd_;
  SSL_CTX* tls_ctx_;
  SSL* ssl_ = nullptr;
  bool handshake_done_ = false;
  bool read_full_ = false;  // the last recv() filled what it asked for: the socket may hold more
  std::string buffer_;
  const std::string peer_ip_;
};

}  // namespace jb::http
