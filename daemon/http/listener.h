// One listening socket and every connection on it. Reader threads (one epoll set) read each
// connection and hand its bytes to the connection's RequestParser, the only code that frames
// requests; the routes answer whole requests, from any thread. The listener owns sockets,
// deadlines and caps: who may connect, how many connections, how long each may take, whether a
// connection is kept after an answer. Any answer sent before a request's body was read whole
// closes the connection.
#pragma once

#include <openssl/ssl.h>

#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "http/connection.h"
#include "http/request_parser.h"
#include "http/routes.h"

namespace jb::http {

struct ListenerOptions {
  std::string name = "http";               // names its threads' heartbeats ("http reader", ...)
  int readers = 1;                         // reader threads on the epoll set
  size_t max_connections = 256;            // open connections; more are answered 503 and closed
  size_t max_connections_per_address = 0;  // from one peer address; 0 = no cap of its own
  std::chrono::milliseconds read_timeout{5000};        // longest silence inside a request
  std::chrono::milliseconds write_timeout{5000};       // longest wait to write an answer
  std::chrono::milliseconds request_timeout{10000};    // a whole request must arrive within this
  std::chrono::milliseconds keep_alive_timeout{5000};  // idle time before a kept-alive close
  // The idle time for a trusted proxy's connections: longer than the proxy's own, so the proxy
  // closes idle connections and never reuses one this listener is closing.
  std::chrono::milliseconds proxy_keep_alive_timeout{120000};
  size_t keep_alive_max_requests = 100;  // requests per connection
  // Connections answered before their input was read, while that input is read away: they hold
  // no slot of max_connections or max_connections_per_address, only one of this budget (0 = as
  // many as max_connections); over it they are closed at once.
  size_t max_lingering = 0;
  // An answer from the head to a trusted proxy keeps the connection when the body is announced
  // with Content-Length and at most this long: the body is read and dropped within the linger
  // time, then the next request is served.
  uint64_t max_drained_body_bytes = 65536;
  FramingLimits framing;
};

class Listener {
 public:
  // `tls` (may be null) makes this a TLS listener; the listener keeps a reference of its own.
  Listener(const ListenerOptions& options, SSL_CTX* tls, Routes* routes);
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  // Binds host:port (port 0 picks a free one). False with *error when it cannot.
  bool bind(const std::string& host, int port, std::string* error);
  int port() const { return port_; }
  // Before start(): the readers also watch `fd` (edge-triggered) and run `ready` on the reader
  // that sees it turn readable; `ready` consumes the readiness before serving what it signals.
  void watch(int fd, std::function<void()> ready);
  // Accepts and serves on threads of its own until stop().
  void start();
  // Stops accepting and reading; answers the requests the routes still hold, then closes every
  // connection.
  void stop();
  // A TLS listener's new context (a renewed certificate): connections accepted from now on use
  // it; open ones keep the one they started with.
  void set_tls(SSL_CTX* tls);

 private:
  void accept_loop();
  void admit(int fd, std::string peer_ip);
  void reader_loop(bool expires);
  void on_event(Connection* connection);
  // Frames and serves the requests in the connection's buffer until it must wait.
  void serve(std::unique_ptr<Connection> connection);
  // Hands a complete request to the routes; the connection back when it was answered at once and
  // may carry the next request.
  std::unique_ptr<Connection> dispatch(std::unique_ptr<Connection> connection);
  void answer(Connection* raw, const Reply& reply);
  // Writes an answer; the connection back when it may carry the next request now, else null
  // (closed, or parked until the socket takes the rest).
  std::unique_ptr<Connection> write_answer(std::unique_ptr<Connection> connection,
                                           const Reply& reply, bool body_unread);
  std::unique_ptr<Connection> after_write(std::unique_ptr<Connection> connection);
  void continue_writing(std::unique_ptr<Connection> connection);
  void continue_lingering(std::unique_ptr<Connection> connection);
  // Whether a request answered from its head may keep its connection: its body is read away.
  bool drains(const Connection& connection, const Reply& reply) const;
  // Moves an answered connection from its slot to the lingering budget; false when that is full.
  bool start_lingering(Connection* connection);
  // A drained request is over: the connection takes a slot again (closed when none is free) and
  // waits for the next request.
  std::unique_ptr<Connection> finish_draining(std::unique_ptr<Connection> connection);
  // Ready for the next request on a kept connection.
  std::unique_ptr<Connection> next_request(std::unique_ptr<Connection> connection);
  void leave_linger_budget(Connection* connection);
  // Counts a new connection of peer_ip against the caps: null, or the reason it cannot.
  const char* take_slot(const std::string& peer_ip);
  std::chrono::milliseconds keep_alive_timeout(const Connection& connection) const;
  void refuse(std::unique_ptr<Connection> connection, int status, const char* reason);
  // Closes after an answer; when input may still arrive, half-closes and drops it for a moment
  // first, so the peer reads the answer instead of a reset.
  void close_after_answer(std::unique_ptr<Connection> connection);
  // Whether the peer may still send input the listener has not read (body, pipelined bytes).
  static bool input_left(Connection& connection);
  void close(std::unique_ptr<Connection> connection);
  void release_slot(Connection* connection);
  void park(std::unique_ptr<Connection> connection);
  // Registers the connection's events; `recheck` asks epoll to report input already there.
  void arm(Connection* connection, bool recheck);
  // The parked connection, taken out; null when it is not parked (then marked signalled) or gone.
  std::unique_ptr<Connection> take_waiting(Connection* connection);
  // Forgets a connection being closed.
  void forget(Connection* connection);
  void expire();

  // The TLS context new connections get, or null for plain HTTP.
  SSL_CTX* tls() const;

  ListenerOptions options_;
  mutable std::mutex tls_mutex_;
  SSL_CTX* tls_;
  Routes* routes_;
  size_t max_buffered_;
  int listen_fd_ = -1;
  int port_ = 0;
  int epoll_fd_ = -1;
  int watched_fd_ = -1;
  std::function<void()> watched_ready_;
  std::atomic<bool> stopping_{false};
  std::atomic<size_t> open_{0};
  std::atomic<size_t> lingering_{0};  // connections in the lingering budget
  std::atomic<size_t> in_flight_{0};  // requests handed to the routes and not yet answered

  std::mutex addresses_mutex_;
  std::unordered_map<std::string, size_t> per_address_;

  // Every open connection, by address: the parked ones (in epoll, waiting for an event) are
  // owned here; the others are being served or answered. Sharded: readers take connections out
  // while the threads that serve Kafka's delivery reports park answered ones.
  struct Waiting {
    std::unique_ptr<Connection> parked;  // null while a thread or the routes hold it
    // An edge-triggered event came while it was not parked: parking asks epoll again.
    bool signalled = false;
  };
  struct WaitingShard {
    std::mutex mutex;
    std::unordered_map<Connection*, Waiting> connections;
  };
  static constexpr int kWaitingShardBits = 4;
  static constexpr size_t kWaitingShards = size_t{1} << kWaitingShardBits;
  WaitingShard& shard_of(Connection* connection);
  std::array<WaitingShard, kWaitingShards> waiting_;

  std::thread acceptor_;
  std::vector<std::thread> readers_;
};

}  // namespace jb::http
