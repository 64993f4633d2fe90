// cpp-httplib's Server with the connection handling replaced: one reader thread (epoll) receives
// every request head (and a Content-Length body) before a worker thread is given the request, so
// slow senders hold no worker; head limits, framing checks, deadlines, a connection cap,
// keep-alive caps and TLS are enforced here. cpp-httplib still parses and routes each request.
#pragma once

#include <httplib.h>
#include <openssl/ssl.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "http/connection.h"
#include "http/request_head.h"

namespace jb::http {

struct ConnectionLimits {
  int threads = 64;                                    // workers serving complete request heads
  size_t max_connections = 256;                        // open connections; more are refused (503)
  std::chrono::milliseconds read_timeout{5000};        // longest silence inside a request
  std::chrono::milliseconds write_timeout{5000};       // longest wait to write the answer
  std::chrono::milliseconds request_timeout{10000};    // a whole request must arrive within this
  std::chrono::milliseconds keep_alive_timeout{5000};  // idle time before a kept-alive close
  size_t keep_alive_max_requests = 100;                // requests per connection
  HeadLimits head;
};

// Told about every request refused before cpp-httplib saw it: the status sent (0 when the
// connection was closed without an answer) and a reason code.
using RefusalObserver = std::function<void(int status, const char* reason)>;

class GuardedServer : public httplib::Server {
 public:
  // `tls` (may be null; not owned, must outlive the server) makes this a TLS listener.
  GuardedServer(const ConnectionLimits& limits, SSL_CTX* tls, RefusalObserver on_refused);
  ~GuardedServer() override;

  // The connection whose request the calling handler thread serves, or null.
  static Connection* current_connection();

 private:
  class Queue;
  friend class Queue;

  bool process_and_close_socket(socket_t sock) override;
  void start();
  void shutdown();
  void admit(int fd);
  void reader_loop();
  void worker_loop();
  void serve(std::unique_ptr<Connection> connection);
  // Sends a complete request to the workers, refuses a bad head, or waits in epoll for more.
  void route(std::unique_ptr<Connection> connection);
  void on_readable(Connection* connection);
  void expire_idle();
  std::unique_ptr<Connection> take_waiting(Connection* connection);
  void refuse(std::unique_ptr<Connection> connection, int status, const char* reason);
  void close(std::unique_ptr<Connection> connection);

  ConnectionLimits limits_;
  SSL_CTX* tls_;
  RefusalObserver on_refused_;
  int epoll_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::atomic<size_t> open_{0};

  std::mutex waiting_mutex_;
  std::unordered_map<Connection*, std::unique_ptr<Connection>> waiting_;  // in epoll

  std::mutex jobs_mutex_;
  std::condition_variable jobs_ready_;
  std::deque<std::unique_ptr<Connection>> jobs_;  // complete request heads for the workers

  std::thread reader_;
  std::vector<std::thread> workers_;
};

}  // namespace jb::http
