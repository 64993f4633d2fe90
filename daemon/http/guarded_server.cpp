#include "http/guarded_server.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <string>

#include "http/connection_stream.h"

namespace jb::http {
namespace {

constexpr int kEpollWaitMs = 50;
constexpr int kMaxEvents = 64;
constexpr size_t kChunkFramingAllowance = 65536;

thread_local GuardedServer* admitting = nullptr;
thread_local Connection* serving = nullptr;

const char* phrase(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 408:
      return "Request Timeout";
    case 431:
      return "Request Header Fields Too Large";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    default:
      return "Error";
  }
}

std::string canned_answer(int status) {
  std::string text = std::to_string(status) + " " + phrase(status) + "\n";
  std::string answer =
      "HTTP/1.1 " + std::to_string(status) + " " + phrase(status) +
      "\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(text.size()) +
      "\r\nConnection: close\r\n";
  if (status == 503) answer += "Retry-After: 1\r\n";
  return answer + "\r\n" + text;
}

}  // namespace

// cpp-httplib hands each accepted socket to its task queue; this one admits it to the reader
// inline, on the accepting thread (see process_and_close_socket).
class GuardedServer::Queue : public httplib::TaskQueue {
 public:
  explicit Queue(GuardedServer* server) : server_(server) { server_->start(); }
  void enqueue(std::function<void()> fn) override {
    admitting = server_;
    fn();
    admitting = nullptr;
  }
  void shutdown() override { server_->shutdown(); }

 private:
  GuardedServer* server_;
};

GuardedServer::GuardedServer(const ConnectionLimits& limits, SSL_CTX* tls,
                             RefusalObserver on_refused)
    : limits_(limits), tls_(tls), on_refused_(std::move(on_refused)) {
  new_task_queue = [this] { return new Queue(this); };
}

GuardedServer::~GuardedServer() {
  shutdown();
}

Connection* GuardedServer::current_connection() {
  return serving;
}

bool GuardedServer::process_and_close_socket(socket_t sock) {
  if (admitting == this) {
    admit(sock);
  } else {
    ::close(sock);
  }
  return true;
}

void GuardedServer::start() {
  stopping_ = false;
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  reader_ = std::thread([this] { reader_loop(); });
  for (int i = 0; i < limits_.threads; ++i) workers_.emplace_back([this] { worker_loop(); });
}

void GuardedServer::shutdown() {
  if (epoll_fd_ < 0) return;
  stopping_ = true;
  if (reader_.joinable()) reader_.join();
  jobs_ready_.notify_all();
  for (auto& worker : workers_) worker.join();
  workers_.clear();
  {
    std::lock_guard<std::mutex> lock(waiting_mutex_);
    open_ -= waiting_.size();
    waiting_.clear();
  }
  ::close(epoll_fd_);
  epoll_fd_ = -1;
}

void GuardedServer::admit(int fd) {
  auto connection = std::make_unique<Connection>(fd, tls_);
  if (stopping_ || open_.load() >= limits_.max_connections) {
    if (tls_ == nullptr) connection->write_nowait(canned_answer(503));
    if (on_refused_) on_refused_(503, "too_many_connections");
    return;
  }
  ++open_;
  connection->deadline = Clock::now() + limits_.request_timeout;
  route(std::move(connection));
}

void GuardedServer::route(std::unique_ptr<Connection> connection) {
  const std::string& buffer = connection->buffer();
  if (!buffer.empty()) {
    RequestHead head = scan_request_head(buffer, limits_.head);
    if (head.state == RequestHead::State::rejected) {
      refuse(std::move(connection), head.status, head.reason);
      return;
    }
    if (request_ready(head, buffer.size(), limits_.head)) {
      {
        std::lock_guard<std::mutex> lock(jobs_mutex_);
        jobs_.push_back(std::move(connection));
      }
      jobs_ready_.notify_one();
      return;
    }
  }
  Connection* raw = connection.get();
  std::lock_guard<std::mutex> lock(waiting_mutex_);
  waiting_.emplace(raw, std::move(connection));
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.ptr = raw;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, raw->fd(), &event);
}

std::unique_ptr<Connection> GuardedServer::take_waiting(Connection* connection) {
  std::lock_guard<std::mutex> lock(waiting_mutex_);
  auto found = waiting_.find(connection);
  if (found == waiting_.end()) return nullptr;
  std::unique_ptr<Connection> owned = std::move(found->second);
  waiting_.erase(found);
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, owned->fd(), nullptr);
  return owned;
}

void GuardedServer::reader_loop() {
  epoll_event events[kMaxEvents];
  while (!stopping_) {
    int count = ::epoll_wait(epoll_fd_, events, kMaxEvents, kEpollWaitMs);
    for (int i = 0; i < count; ++i) on_readable(static_cast<Connection*>(events[i].data.ptr));
    expire_idle();
  }
}

void GuardedServer::on_readable(Connection* connection) {
  const size_t max_buffered = limits_.head.max_head_bytes + limits_.head.max_body_bytes + 1;
  bool was_empty = connection->buffer().empty();
  Connection::Fill state = connection->fill(max_buffered);
  if (state == Connection::Fill::would_block) return;
  std::unique_ptr<Connection> owned = take_waiting(connection);
  if (!owned) return;
  if (state == Connection::Fill::not_tls) {
    refuse(std::move(owned), 400, "plain_http_on_tls_port");
    return;
  }
  if (state != Connection::Fill::progress) {
    close(std::move(owned));
    return;
  }
  if (was_empty && owned->idle) {
    owned->idle = false;
    owned->deadline = Clock::now() + limits_.request_timeout;
  }
  route(std::move(owned));
}

void GuardedServer::expire_idle() {
  auto now = Clock::now();
  std::vector<std::unique_ptr<Connection>> expired;
  {
    std::lock_guard<std::mutex> lock(waiting_mutex_);
    for (auto it = waiting_.begin(); it != waiting_.end();) {
      if (it->second->deadline <= now) {
        ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, it->second->fd(), nullptr);
        expired.push_back(std::move(it->second));
        it = waiting_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& connection : expired) {
    if (connection->idle || connection->buffer().empty()) {
      close(std::move(connection));
    } else {
      refuse(std::move(connection), 408, "request_too_slow");
    }
  }
}

void GuardedServer::worker_loop() {
  for (;;) {
    std::unique_ptr<Connection> connection;
    {
      std::unique_lock<std::mutex> lock(jobs_mutex_);
      jobs_ready_.wait(lock, [this] { return !jobs_.empty() || stopping_; });
      if (jobs_.empty()) return;
      connection = std::move(jobs_.front());
      jobs_.pop_front();
    }
    serve(std::move(connection));
  }
}

void GuardedServer::serve(std::unique_ptr<Connection> connection) {
  const size_t budget =
      limits_.head.max_head_bytes + 4 * limits_.head.max_body_bytes + kChunkFramingAllowance;
  bool last = stopping_ || connection->requests_served + 1 >= limits_.keep_alive_max_requests;
  bool close_now = false;
  serving = connection.get();
  {
    ConnectionStream stream(connection.get(), limits_.read_timeout, limits_.write_timeout, budget);
    bool connection_closed = false;
    process_request(stream, last, connection_closed, [](httplib::Request&) {});
    close_now = last || connection_closed || stream.failed() || connection->close_after_response;
  }
  serving = nullptr;
  if (close_now || stopping_) {
    close(std::move(connection));
    return;
  }
  ++connection->requests_served;
  connection->idle = connection->buffer().empty();
  connection->deadline =
      Clock::now() + (connection->idle ? limits_.keep_alive_timeout : limits_.request_timeout);
  route(std::move(connection));
}

void GuardedServer::refuse(std::unique_ptr<Connection> connection, int status, const char* reason) {
  connection->write_nowait(canned_answer(status));
  if (on_refused_) on_refused_(status, reason);
  close(std::move(connection));
}

void GuardedServer::close(std::unique_ptr<Connection> connection) {
  // Count it gone before the socket closes: a client that reconnects at once must find room.
  --open_;
  connection.reset();
}

}  // namespace jb::http
