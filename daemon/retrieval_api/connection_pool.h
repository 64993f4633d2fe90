// Kept-alive HTTP(S) connections to one Retrieval API host, shared by the threads of a client so
// that a slow answer holds one connection, not every request. A request takes the idle connection
// used last, opens a new one while fewer than the cap exist, or waits for one to come back. While
// a request is watched, a thread of the pool shuts its socket down at its deadline or on stop(), so
// that a read or write blocked inside cpp-httplib fails at once, whatever the server trickles.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
class ClientImpl;
class SSLClient;
}  // namespace httplib

namespace jb::retrieval_api {

// One cpp-httplib client (one socket at a time, kept alive between requests) and a handle on its
// socket through which another thread can cut the request in flight short.
class Connection {
 public:
  // tls: `http` itself when it speaks TLS, else null.
  Connection(std::unique_ptr<httplib::ClientImpl> http, httplib::SSLClient* tls);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  httplib::ClientImpl& http() { return *http_; }
  httplib::SSLClient* tls() { return tls_; }

 private:
  friend class ConnectionPool;

  // Takes a duplicate of each socket cpp-httplib creates (a cut must never reach a descriptor
  // number that was closed and reused meanwhile); a socket created after cut() is shut at once.
  void adopt(int socket);
  // From any thread: shuts the socket down; the request's reads and writes fail at once.
  void cut();
  // Before a request: forget an earlier cut.
  void arm();
  // After a request: let go of a socket cpp-httplib has closed.
  void disarm();

  std::unique_ptr<httplib::ClientImpl> http_;
  httplib::SSLClient* tls_;
  std::mutex mutex_;
  int socket_ = -1;  // the duplicate, -1 when none
  bool cut_ = false;
};

class ConnectionPool {
 public:
  // A new connection; null with *error when one cannot be made.
  using Open = std::function<std::unique_ptr<Connection>(std::string* error)>;
  // Why a watched request was cut.
  enum class Cut { none, deadline, stopped };

  // A connection lent to one caller; it goes back to the pool (idle, still open) when destroyed.
  class Lease {
   public:
    Lease() = default;
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&& other) noexcept;
    ~Lease();

    explicit operator bool() const { return connection_ != nullptr; }
    Connection* operator->() const { return connection_.get(); }
    // Before a request: it is cut at `deadline`, or at once on stop().
    void watch(std::chrono::steady_clock::time_point deadline);
    // After it: no longer watched; whether, and why, it was cut.
    Cut unwatch();

   private:
    friend class ConnectionPool;
    Lease(ConnectionPool* pool, std::unique_ptr<Connection> connection);
    void give_back();

    ConnectionPool* pool_ = nullptr;
    std::unique_ptr<Connection> connection_;
  };

  // Every Lease must be gone before the pool is destroyed.
  ConnectionPool(size_t capacity, Open open);
  ~ConnectionPool();
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // An idle connection (the one used last), a new one while fewer than `capacity` exist, else the
  // first to come back. Empty once stopped, or with *error when a new connection cannot be made.
  Lease acquire(std::string* error);
  // From any thread: cuts every watched request and ends the waits of acquire(); later requests
  // are cut as soon as they are watched, and acquire() returns an empty lease.
  void stop();

 private:
  struct Watched {
    std::chrono::steady_clock::time_point deadline;
    Cut cut = Cut::none;
  };

  void give_back(std::unique_ptr<Connection> connection);
  void watch(Connection* connection, std::chrono::steady_clock::time_point deadline);
  Cut unwatch(Connection* connection);
  void run_watch();

  const size_t capacity_;
  const Open open_;

  std::mutex mutex_;
  std::condition_variable returned_;       // a connection came back, or a slot freed, or stop()
  std::condition_variable watch_changed_;  // for run_watch()
  std::vector<std::unique_ptr<Connection>> idle_;
  size_t count_ = 0;  // connections that exist: idle, lent, or being opened
  std::map<Connection*, Watched> watched_;
  bool stopped_ = false;
  bool closing_ = false;
  std::thread watch_thread_;
};

}  // namespace jb::retrieval_api
