#include "retrieval_api/connection_pool.h"

#include <fcntl.h>
#include <httplib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <utility>

namespace jb::retrieval_api {

Connection::Connection(std::unique_ptr<httplib::ClientImpl> http, httplib::SSLClient* tls)
    : http_(std::move(http)), tls_(tls) {
  http_->set_socket_options([this](socket_t socket) { adopt(socket); });
}

Connection::~Connection() {
  http_.reset();
  if (socket_ >= 0) ::close(socket_);
}

void Connection::adopt(int socket) {
  const int duplicate = ::fcntl(socket, F_DUPFD_CLOEXEC, 0);
  std::lock_guard<std::mutex> lock(mutex_);
  if (socket_ >= 0) ::close(socket_);
  socket_ = duplicate;
  // Shut before it connects: once connected, its reads end and its writes fail at once.
  if (cut_) ::shutdown(socket, SHUT_RDWR);
}

void Connection::cut() {
  std::lock_guard<std::mutex> lock(mutex_);
  cut_ = true;
  if (socket_ >= 0) ::shutdown(socket_, SHUT_RDWR);
}

void Connection::arm() {
  std::lock_guard<std::mutex> lock(mutex_);
  cut_ = false;
}

void Connection::disarm() {
  const bool open = http_->is_socket_open() != 0;
  std::lock_guard<std::mutex> lock(mutex_);
  if (!open && socket_ >= 0) {
    ::close(socket_);
    socket_ = -1;
  }
}

ConnectionPool::Lease::Lease(ConnectionPool* pool, std::unique_ptr<Connection> connection)
    : pool_(pool), connection_(std::move(connection)) {}

ConnectionPool::Lease::Lease(Lease&& other) noexcept
    : pool_(other.pool_), connection_(std::move(other.connection_)) {}

ConnectionPool::Lease& ConnectionPool::Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    give_back();
    pool_ = other.pool_;
    connection_ = std::move(other.connection_);
  }
  return *this;
}

ConnectionPool::Lease::~Lease() {
  give_back();
}

void ConnectionPool::Lease::give_back() {
  if (connection_) pool_->give_back(std::move(connection_));
}

void ConnectionPool::Lease::watch(std::chrono::steady_clock::time_point deadline) {
  connection_->arm();
  pool_->watch(connection_.get(), deadline);
}

ConnectionPool::Cut ConnectionPool::Lease::unwatch() {
  const Cut cut = pool_->unwatch(connection_.get());
  connection_->disarm();
  return cut;
}

ConnectionPool::ConnectionPool(size_t capacity, Open open)
    : capacity_(capacity < 1 ? 1 : capacity), open_(std::move(open)) {
  watch_thread_ = std::thread([this] { run_watch(); });
}

ConnectionPool::~ConnectionPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    closing_ = true;
  }
  watch_changed_.notify_all();
  watch_thread_.join();
}

ConnectionPool::Lease ConnectionPool::acquire(std::string* error) {
  std::unique_lock<std::mutex> lock(mutex_);
  returned_.wait(lock, [this] { return stopped_ || !idle_.empty() || count_ < capacity_; });
  if (stopped_) return Lease();
  if (!idle_.empty()) {
    std::unique_ptr<Connection> connection = std::move(idle_.back());
    idle_.pop_back();
    return Lease(this, std::move(connection));
  }
  ++count_;
  lock.unlock();
  std::unique_ptr<Connection> connection = open_(error);
  if (!connection) {
    lock.lock();
    --count_;
    lock.unlock();
    returned_.notify_one();
    return Lease();
  }
  return Lease(this, std::move(connection));
}

void ConnectionPool::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopped_ = true;
    for (auto& [connection, watched] : watched_) {
      if (watched.cut != Cut::none) continue;
      watched.cut = Cut::stopped;
      connection->cut();
    }
  }
  returned_.notify_all();
}

void ConnectionPool::give_back(std::unique_ptr<Connection> connection) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    idle_.push_back(std::move(connection));
  }
  returned_.notify_one();
}

void ConnectionPool::watch(Connection* connection, std::chrono::steady_clock::time_point deadline) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    Watched& watched = watched_[connection];
    watched = Watched{deadline, Cut::none};
    if (stopped_) {
      watched.cut = Cut::stopped;
      connection->cut();
      return;
    }
  }
  watch_changed_.notify_all();
}

ConnectionPool::Cut ConnectionPool::unwatch(Connection* connection) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = watched_.find(connection);
  if (found == watched_.end()) return Cut::none;
  const Cut cut = found->second.cut;
  watched_.erase(found);
  return cut;
}

void ConnectionPool::run_watch() {
  using Clock = std::chrono::steady_clock;
  std::unique_lock<std::mutex> lock(mutex_);
  while (!closing_) {
    const auto now = Clock::now();
    auto next = Clock::time_point::max();
    for (auto& [connection, watched] : watched_) {
      if (watched.cut != Cut::none) continue;
      if (watched.deadline <= now) {
        watched.cut = Cut::deadline;
        connection->cut();
      } else if (watched.deadline < next) {
        next = watched.deadline;
      }
    }
    if (next == Clock::time_point::max())
      watch_changed_.wait(lock);
    else
      watch_changed_.wait_until(lock, next);
  }
}

}  // namespace jb::retrieval_api
