#include "http/guarded_server.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <string>

#include "http/connection_stream.h"

namespace jb::http {
namespace {

constexpr int kEpollWaitMs = 50;
constexpr int kMaxEvents = 64;
constexpr size_t kChunkFramingAllowance = 65536;
constexpr std::chrono::milliseconds kFlightCheck{10};

// Reader threads sharing the epoll set (each event goes to one of them: EPOLLONESHOT). They
// normalise and produce, and share the cores with Kafka's threads: one per two cores, at most
// four. On 2 cores one reader measured as fast as two with a lower p99 (bench/README.md).
int reader_count(int configured) {
  if (configured > 0) return configured;
  return static_cast<int>(std::clamp(std::thread::hardware_concurrency() / 2, 1u, 4u));
}

// Idle and slow connections are looked for this often (their deadlines are seconds).
constexpr std::chrono::milliseconds kExpiryInterval{10};

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

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    if (x != b[i]) return false;
  }
  return true;
}

// The answer's bytes: status line, the handler's fields, framing and connection fields, body.
std::string fast_answer_text(const FastAnswer& answer, bool last, long keep_alive_seconds,
                             size_t requests_left) {
  std::string text;
  text.reserve(160 + answer.extra_headers.size() + answer.body.size());
  text.append("HTTP/1.1 ").append(std::to_string(answer.status)).append(" ");
  text.append(answer.reason_phrase).append("\r\n");
  text.append(answer.extra_headers);
  if (!answer.content_type.empty())
    text.append("Content-Type: ").append(answer.content_type).append("\r\n");
  text.append("Content-Length: ").append(std::to_string(answer.body.size())).append("\r\n");
  if (last) {
    text.append("Connection: close\r\n");
  } else {
    text.append("Keep-Alive: ");
    if (keep_alive_seconds > 0)
      text.append("timeout=").append(std::to_string(keep_alive_seconds)).append(", ");
    text.append("max=").append(std::to_string(requests_left)).append("\r\n");
  }
  text.append("\r\n").append(answer.body);
  return text;
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
  workers_stop_ = false;
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  for (int i = 0, readers = reader_count(limits_.readers); i < readers; ++i)
    readers_.emplace_back([this, i] { reader_loop(/*expires=*/i == 0); });
  for (int i = 0; i < limits_.threads; ++i) workers_.emplace_back([this] { worker_loop(); });
}

void GuardedServer::shutdown() {
  if (epoll_fd_ < 0) return;
  stopping_ = true;
  for (auto& reader : readers_) reader.join();
  readers_.clear();
  // Requests the fast handler took are answered first (their answers close the connections).
  while (in_flight_.load() > 0) std::this_thread::sleep_for(kFlightCheck);
  {
    std::lock_guard<std::mutex> lock(jobs_mutex_);
    workers_stop_ = true;
  }
  jobs_ready_.notify_all();
  for (auto& worker : workers_) worker.join();
  workers_.clear();
  for (WaitingShard& shard : waiting_) {
    std::lock_guard<std::mutex> lock(shard.mutex);
    open_ -= shard.connections.size();
    shard.connections.clear();
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
      if (try_fast(connection, head)) return;
      push_job(Job{std::move(connection), {}, false});
      return;
    }
  }
  park(std::move(connection));
}

GuardedServer::WaitingShard& GuardedServer::shard_of(Connection* connection) {
  // Fibonacci hashing of the address: its top bits pick the shard.
  const uint64_t hash =
      static_cast<uint64_t>(reinterpret_cast<uintptr_t>(connection)) * 0x9E3779B97F4A7C15ULL;
  return waiting_[hash >> (64 - kWaitingShardBits)];
}

void GuardedServer::park(std::unique_ptr<Connection> connection) {
  Connection* raw = connection.get();
  WaitingShard& shard = shard_of(raw);
  std::lock_guard<std::mutex> lock(shard.mutex);
  shard.connections.emplace(raw, std::move(connection));
  arm(raw);
}

void GuardedServer::arm(Connection* connection) {
  // One event at a time: the reader owns the connection from its event until it is routed again.
  epoll_event event{};
  event.events = EPOLLIN | EPOLLONESHOT;
  event.data.ptr = connection;
  ::epoll_ctl(epoll_fd_, connection->registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, connection->fd(),
              &event);
  connection->registered = true;
}

std::unique_ptr<Connection> GuardedServer::take_waiting(Connection* connection) {
  WaitingShard& shard = shard_of(connection);
  std::lock_guard<std::mutex> lock(shard.mutex);
  auto found = shard.connections.find(connection);
  if (found == shard.connections.end()) return nullptr;
  std::unique_ptr<Connection> owned = std::move(found->second);
  shard.connections.erase(found);
  return owned;
}

void GuardedServer::reader_loop(bool expires) {
  epoll_event events[kMaxEvents];
  auto next_expiry = Clock::now();
  while (!stopping_) {
    int count = ::epoll_wait(epoll_fd_, events, kMaxEvents, kEpollWaitMs);
    for (int i = 0; i < count; ++i) on_readable(static_cast<Connection*>(events[i].data.ptr));
    if (expires && Clock::now() >= next_expiry) {
      expire_idle();
      next_expiry = Clock::now() + kExpiryInterval;
    }
  }
}

void GuardedServer::on_readable(Connection* connection) {
  // Taken out of waiting_ before it is read: no other reader or expiry can close it meanwhile.
  std::unique_ptr<Connection> owned = take_waiting(connection);
  if (!owned) return;
  const size_t max_buffered = limits_.head.max_head_bytes + limits_.head.max_body_bytes + 1;
  bool was_empty = owned->buffer().empty();
  Connection::Fill state = owned->fill(max_buffered);
  if (state == Connection::Fill::would_block) {
    park(std::move(owned));
    return;
  }
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
  for (WaitingShard& shard : waiting_) {
    std::lock_guard<std::mutex> lock(shard.mutex);
    for (auto it = shard.connections.begin(); it != shard.connections.end();) {
      if (it->second->deadline <= now) {
        ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, it->second->fd(), nullptr);
        expired.push_back(std::move(it->second));
        it = shard.connections.erase(it);
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

void GuardedServer::push_job(Job job) {
  {
    std::lock_guard<std::mutex> lock(jobs_mutex_);
    jobs_.push_back(std::move(job));
  }
  jobs_ready_.notify_one();
}

void GuardedServer::worker_loop() {
  for (;;) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(jobs_mutex_);
      jobs_ready_.wait(lock, [this] { return !jobs_.empty() || workers_stop_; });
      if (jobs_.empty()) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    if (job.unwritten.empty()) {
      serve(std::move(job.connection));
      continue;
    }
    // The rest of a fast answer the socket did not take at once.
    bool written = job.connection->write_all(job.unwritten, limits_.write_timeout);
    after_answer(std::move(job.connection), job.last || !written);
    end_flight();
  }
}

bool GuardedServer::try_fast(std::unique_ptr<Connection>& connection, const RequestHead& head) {
  if (!fast_ || head.chunked || !head.has_length || head.expect_continue || head.repeated ||
      head.version != "HTTP/1.1" || head.content_length > limits_.head.max_body_bytes)
    return false;
  ++in_flight_;
  // Counted before stopping_ is read: shutdown() either waits for this request or is seen here.
  if (stopping_) {
    end_flight();
    return false;
  }
  Connection* raw = connection.get();
  raw->request_bytes = head.head_bytes + head.content_length;
  raw->close_after_response = equals_ignoring_case(head.connection, "close");
  std::string_view body(raw->buffer().data() + head.head_bytes, head.content_length);
  connection.release();  // the answer owns it from here; it may come before the handler returns
  if (fast_(FastRequest{head, body, raw->peer_ip()},
            [this, raw](const FastAnswer& answer) { answer_fast(raw, answer); }))
    return true;
  connection.reset(raw);
  raw->close_after_response = false;
  end_flight();
  return false;
}

void GuardedServer::answer_fast(Connection* raw, const FastAnswer& answer) {
  std::unique_ptr<Connection> connection(raw);
  connection->buffer().erase(0, connection->request_bytes);
  connection->request_bytes = 0;
  const bool last = stopping_ || connection->close_after_response ||
                    connection->requests_served + 1 >= limits_.keep_alive_max_requests;
  // Rounded down: a client that trusts it never reuses a connection the server is closing.
  const long keep_alive_seconds = static_cast<long>(limits_.keep_alive_timeout.count() / 1000);
  std::string text =
      fast_answer_text(answer, last, keep_alive_seconds,
                       limits_.keep_alive_max_requests - connection->requests_served - 1);
  // A client told to close reconnects as soon as it reads the answer: it must find room.
  if (last) release_slot(connection.get());
  const long written = connection->write_some(text);
  if (written >= 0 && static_cast<size_t>(written) < text.size()) {
    // The client is not reading: a worker waits for its socket, up to the write timeout.
    text.erase(0, static_cast<size_t>(written));
    push_job(Job{std::move(connection), std::move(text), last});
    return;
  }
  after_answer(std::move(connection), last || written < 0);
  end_flight();
}

void GuardedServer::after_answer(std::unique_ptr<Connection> connection, bool last) {
  if (last || stopping_) {
    close(std::move(connection));
    return;
  }
  ++connection->requests_served;
  connection->close_after_response = false;
  connection->idle = connection->buffer().empty();
  connection->deadline =
      Clock::now() + (connection->idle ? limits_.keep_alive_timeout : limits_.request_timeout);
  route(std::move(connection));
}

void GuardedServer::end_flight() {
  --in_flight_;
}

void GuardedServer::serve(std::unique_ptr<Connection> connection) {
  const size_t budget =
      limits_.head.max_head_bytes + 4 * limits_.head.max_body_bytes + kChunkFramingAllowance;
  bool last = stopping_ || connection->requests_served + 1 >= limits_.keep_alive_max_requests;
  bool close_now = false;
  if (last) release_slot(connection.get());
  serving = connection.get();
  {
    ConnectionStream stream(connection.get(), limits_.read_timeout, limits_.write_timeout, budget);
    bool connection_closed = false;
    process_request(stream, last, connection_closed, [](httplib::Request&) {});
    close_now = last || connection_closed || stream.failed() || connection->close_after_response;
  }
  serving = nullptr;
  connection->close_after_response = false;
  after_answer(std::move(connection), close_now);
}

void GuardedServer::refuse(std::unique_ptr<Connection> connection, int status, const char* reason) {
  connection->write_nowait(canned_answer(status));
  if (on_refused_) on_refused_(status, reason);
  close(std::move(connection));
}

void GuardedServer::close(std::unique_ptr<Connection> connection) {
  // Count it gone before the socket closes: a client that reconnects at once must find room.
  release_slot(connection.get());
  connection.reset();
}

void GuardedServer::release_slot(Connection* connection) {
  if (connection->slot_released) return;
  connection->slot_released = true;
  --open_;
}

}  // namespace jb::http
