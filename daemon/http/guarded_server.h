// cpp-httplib's Server with the connection handling replaced: reader threads (one epoll set)
// receive every request head (and a Content-Length body) before anything else sees it, so slow
// senders hold no thread. A fast handler may take a complete request on the reader and answer it
// later from any thread; other requests go to a worker, where cpp-httplib parses and routes them.
// Head limits, framing checks, deadlines, a connection cap, keep-alive caps and TLS are enforced
// here.
#pragma once

#include <httplib.h>
#include <openssl/ssl.h>

#include <array>
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
  int threads = 64;  // workers serving what the fast handler does not take
  int readers = 0;   // reader threads on the epoll set; 0 = one per two cores, at most four
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

// A complete request with a Content-Length body, offered to the fast handler before cpp-httplib.
struct FastRequest {
  const RequestHead& head;  // its views point into the connection's buffer
  std::string_view body;
  const std::string& remote_ip;
};

// The answer to a request the fast handler took. The server adds the framing and connection
// fields (Content-Length, Keep-Alive or Connection: close).
struct FastAnswer {
  int status = 200;
  std::string_view reason_phrase = "OK";
  std::string_view extra_headers;  // whole lines, each ending in CRLF
  std::string_view content_type;   // with a body
  std::string_view body;
};

using Answer = std::function<void(const FastAnswer&)>;

// Runs on the thread that found the request complete, which serves other connections too: it
// must not block. Returns false to leave the request to cpp-httplib (on a worker); then it must
// never call `answer`. Returning true, it has taken the request: `answer` runs exactly once,
// from any thread, possibly before the handler returns. The request's bytes stay valid until
// `answer` is called, and nothing may touch them after.
using FastHandler = std::function<bool(const FastRequest&, Answer answer)>;

class GuardedServer : public httplib::Server {
 public:
  // `tls` (may be null; not owned, must outlive the server) makes this a TLS listener.
  GuardedServer(const ConnectionLimits& limits, SSL_CTX* tls, RefusalObserver on_refused);
  ~GuardedServer() override;

  // The connection whose request the calling handler thread serves, or null.
  static Connection* current_connection();

  // Set before the server starts listening.
  void set_fast_handler(FastHandler handler) { fast_ = std::move(handler); }

 private:
  class Queue;
  friend class Queue;

  // Work for a worker: a request for cpp-httplib, or the rest of a fast answer to write.
  struct Job {
    std::unique_ptr<Connection> connection;
    std::string unwritten;
    bool last = false;
  };

  bool process_and_close_socket(socket_t sock) override;
  void start();
  void shutdown();
  void admit(int fd);
  // One of the readers; `expires` makes it the one that closes idle and slow connections.
  void reader_loop(bool expires);
  void worker_loop();
  void serve(std::unique_ptr<Connection> connection);
  // Offers a complete request to the fast handler; false (connection kept) when it is not taken.
  bool try_fast(std::unique_ptr<Connection>& connection, const RequestHead& head);
  void answer_fast(Connection* raw, const FastAnswer& answer);
  // After an answer: closes the connection or waits for its next request.
  void after_answer(std::unique_ptr<Connection> connection, bool last);
  void end_flight();
  void push_job(Job job);
  // Sends a complete request to the workers, refuses a bad head, or waits in epoll for more.
  void route(std::unique_ptr<Connection> connection);
  void on_readable(Connection* connection);
  void expire_idle();
  std::unique_ptr<Connection> take_waiting(Connection* connection);
  void refuse(std::unique_ptr<Connection> connection, int status, const char* reason);
  void close(std::unique_ptr<Connection> connection);
  // Stops counting the connection against max_connections (once).
  void release_slot(Connection* connection);
  // Waits for the connection's next readable event (its waiting shard's mutex held).
  void arm(Connection* connection);
  // Parks the connection until its next readable event.
  void park(std::unique_ptr<Connection> connection);

  ConnectionLimits limits_;
  SSL_CTX* tls_;
  RefusalObserver on_refused_;
  int epoll_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::atomic<size_t> open_{0};

  // Connections in epoll, waiting for their next request. Sharded: the reader takes connections
  // out as the delivery thread parks answered ones, and one mutex for both was contended.
  struct WaitingShard {
    std::mutex mutex;
    std::unordered_map<Connection*, std::unique_ptr<Connection>> connections;
  };
  static constexpr int kWaitingShardBits = 4;
  static constexpr size_t kWaitingShards = size_t{1} << kWaitingShardBits;
  WaitingShard& shard_of(Connection* connection);
  std::array<WaitingShard, kWaitingShards> waiting_;

  FastHandler fast_;

  std::mutex jobs_mutex_;
  std::condition_variable jobs_ready_;
  std::deque<Job> jobs_;
  bool workers_stop_ = false;
  std::atomic<size_t> in_flight_{0};  // fast requests taken and not yet answered

  std::vector<std::thread> readers_;
  std::vector<std::thread> workers_;
};

}  // namespace jb::http
