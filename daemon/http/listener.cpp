#include "http/listener.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "common/progress.h"

namespace jb::http {
namespace {

constexpr int kListenBacklog = 1024;
constexpr int kPollMs = 50;
constexpr int kMaxEvents = 64;
// Idle and slow connections are looked for this often (their deadlines are seconds).
constexpr std::chrono::milliseconds kExpiryInterval{10};
constexpr std::chrono::milliseconds kFlightCheck{10};
// After an answer that closes with input unread: how long, and how much, input is dropped
// before the close, so the peer reads the answer rather than a reset.
constexpr std::chrono::milliseconds kLingerTime{2000};
constexpr size_t kLingerBytes = 1 << 20;
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
// The answer buffer a reader thread keeps between answers.
constexpr size_t kKeptAnswerCapacity = 65536;

// Set while a reader hands a request to the routes: an answer given before the routes return
// is left to that reader's loop instead of serving the next request a level deeper.
thread_local Connection* dispatching = nullptr;
thread_local Connection* answered_inline = nullptr;

std::string address_text(const sockaddr_storage& address) {
  char text[INET6_ADDRSTRLEN] = {};
  if (address.ss_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&address)->sin_addr, text,
              sizeof text);
  } else if (address.ss_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&address)->sin6_addr, text,
              sizeof text);
  }
  return text;
}

}  // namespace

Listener::Listener(const ListenerOptions& options, SSL_CTX* tls, Routes* routes)
    : options_(options),
      tls_(tls),
      routes_(routes),
      max_buffered_(options.framing.max_head_bytes + options.framing.max_body_bytes +
                    options.framing.max_chunk_overhead + 1) {
  if (tls_ != nullptr) SSL_CTX_up_ref(tls_);
}

Listener::~Listener() {
  stop();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  if (tls_ != nullptr) SSL_CTX_free(tls_);
}

void Listener::set_tls(SSL_CTX* tls) {
  if (tls != nullptr) SSL_CTX_up_ref(tls);
  SSL_CTX* old = nullptr;
  {
    std::lock_guard<std::mutex> lock(tls_mutex_);
    old = tls_;
    tls_ = tls;
  }
  if (old != nullptr) SSL_CTX_free(old);
}

SSL_CTX* Listener::tls() const {
  std::lock_guard<std::mutex> lock(tls_mutex_);
  return tls_;
}

bool Listener::bind(const std::string& host, int port, std::string* error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (::getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &found) != 0 ||
      found == nullptr) {
    *error = "cannot resolve " + host;
    return false;
  }
  int fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  int yes = 1;
  if (fd >= 0) ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  const bool bound = fd >= 0 && ::bind(fd, found->ai_addr, found->ai_addrlen) == 0 &&
                     ::listen(fd, kListenBacklog) == 0;
  ::freeaddrinfo(found);
  if (!bound) {
    *error = "cannot bind " + host + ":" + service + ": " + std::strerror(errno);
    if (fd >= 0) ::close(fd);
    return false;
  }
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  port_ = address.ss_family == AF_INET6
              ? ntohs(reinterpret_cast<sockaddr_in6*>(&address)->sin6_port)
              : ntohs(reinterpret_cast<sockaddr_in*>(&address)->sin_port);
  listen_fd_ = fd;
  return true;
}

void Listener::watch(int fd, std::function<void()> ready) {
  watched_fd_ = fd;
  watched_ready_ = std::move(ready);
}

void Listener::start() {
  stopping_ = false;
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (watched_fd_ >= 0) {
    epoll_event event{};
    event.events = EPOLLIN | EPOLLET;
    event.data.ptr = &watched_ready_;
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, watched_fd_, &event);
  }
  for (int i = 0; i < std::max(1, options_.readers); ++i)
    readers_.emplace_back([this, i] { reader_loop(/*expires=*/i == 0); });
  acceptor_ = std::thread([this] { accept_loop(); });
}

void Listener::stop() {
  if (epoll_fd_ < 0) return;
  stopping_ = true;
  if (acceptor_.joinable()) acceptor_.join();
  for (auto& reader : readers_) reader.join();
  readers_.clear();
  // Requests the routes hold are answered first (their answers close the connections).
  while (in_flight_.load() > 0) std::this_thread::sleep_for(kFlightCheck);
  for (WaitingShard& shard : waiting_) {
    std::lock_guard<std::mutex> lock(shard.mutex);
    for (auto& [raw, waiting] : shard.connections) {
      if (!waiting.parked) continue;
      release_slot(raw);
      leave_linger_budget(raw);
    }
    shard.connections.clear();
  }
  ::close(epoll_fd_);
  epoll_fd_ = -1;
}

void Listener::accept_loop() {
  progress::Heartbeat heartbeat(options_.name + " acceptor");
  while (!stopping_) {
    heartbeat.beat();
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, kPollMs) <= 0) continue;
    for (;;) {
      sockaddr_storage address{};
      socklen_t length = sizeof address;
      const int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length,
                               SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) break;
      admit(fd, address_text(address));
    }
  }
}

void Listener::admit(int fd, std::string peer_ip) {
  // Counted before the peer can tell: one that sees the answer or the close finds it counted.
  if (!routes_->admits(peer_ip)) {
    routes_->connection_refused("address_not_allowed");
    ::close(fd);
    return;
  }
  const bool plain = tls() == nullptr;
  if (const char* reason = take_slot(peer_ip)) {
    routes_->connection_refused(reason);
    if (plain) {
      const std::string text = refusal_answer(503);
      ::send(fd, text.data(), text.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    }
    ::close(fd);
    return;
  }
  const bool from_proxy = routes_->trusted_proxy(peer_ip);
  int yes = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
  std::unique_ptr<Connection> connection;
  {
    // Held while the connection takes its reference: set_tls() cannot free the context between.
    std::lock_guard<std::mutex> lock(tls_mutex_);
    connection = std::make_unique<Connection>(fd, tls_, std::move(peer_ip), options_.framing);
  }
  connection->from_proxy = from_proxy;
  connection->deadline = Clock::now() + options_.request_timeout;
  connection->request_deadline = connection->deadline;
  park(std::move(connection));
}

const char* Listener::take_slot(const std::string& peer_ip) {
  if (open_.load() >= options_.max_connections) return "too_many_connections";
  if (options_.max_connections_per_address > 0) {
    std::lock_guard<std::mutex> lock(addresses_mutex_);
    size_t& count = per_address_[peer_ip];
    if (count >= options_.max_connections_per_address) return "too_many_connections_from_address";
    ++count;
  }
  ++open_;
  return nullptr;
}

Listener::WaitingShard& Listener::shard_of(Connection* connection) {
  // Fibonacci hashing of the address: its top bits pick the shard.
  const uint64_t hash =
      static_cast<uint64_t>(reinterpret_cast<uintptr_t>(connection)) * 0x9E3779B97F4A7C15ULL;
  return waiting_[hash >> (64 - kWaitingShardBits)];
}

void Listener::park(std::unique_ptr<Connection> connection) {
  Connection* raw = connection.get();
  WaitingShard& shard = shard_of(raw);
  std::lock_guard<std::mutex> lock(shard.mutex);
  Waiting& waiting = shard.connections[raw];  // added on its first park
  waiting.parked = std::move(connection);
  arm(raw, std::exchange(waiting.signalled, false) || raw->has_buffered_input());
}

void Listener::arm(Connection* connection, bool recheck) {
  epoll_event event{};
  event.data.ptr = connection;
  if (connection->tls()) {
    // One event at a time: a reader owns the connection from its event until it is parked
    // again. TLS may need to read to write (renegotiation, key updates), and one read of the
    // socket may leave bytes in it that only the next read takes.
    event.events = EPOLLONESHOT | EPOLLIN;
    if (!connection->pending.empty()) event.events |= EPOLLOUT;
  } else {
    // Registered once, edge-triggered: an event for a connection that is not parked marks it
    // signalled, and parking it asks epoll again (EPOLL_CTL_MOD reports input already there).
    // Every read before a park ends short of the room it asked for, or would block, so any
    // later input raises a new edge. No system call per request.
    event.events = EPOLLET;
    event.events |= connection->pending.empty() ? EPOLLIN : EPOLLOUT;
    if (!recheck && event.events == connection->armed_events) return;
  }
  ::epoll_ctl(epoll_fd_, connection->armed_events != 0 ? EPOLL_CTL_MOD : EPOLL_CTL_ADD,
              connection->fd(), &event);
  connection->armed_events = event.events;
}

std::unique_ptr<Connection> Listener::take_waiting(Connection* connection) {
  WaitingShard& shard = shard_of(connection);
  std::lock_guard<std::mutex> lock(shard.mutex);
  auto found = shard.connections.find(connection);
  if (found == shard.connections.end()) return nullptr;  // closed since the event was read
  if (!found->second.parked) {
    found->second.signalled = true;
    return nullptr;
  }
  return std::move(found->second.parked);
}

void Listener::forget(Connection* connection) {
  WaitingShard& shard = shard_of(connection);
  std::lock_guard<std::mutex> lock(shard.mutex);
  shard.connections.erase(connection);
}

void Listener::reader_loop(bool expires) {
  progress::Heartbeat heartbeat(options_.name + " reader");
  epoll_event events[kMaxEvents];
  auto next_expiry = Clock::now();
  while (!stopping_) {
    heartbeat.beat();
    const int count = ::epoll_wait(epoll_fd_, events, kMaxEvents, kPollMs);
    for (int i = 0; i < count; ++i) {
      if (events[i].data.ptr == &watched_ready_) {
        watched_ready_();
        continue;
      }
      on_event(static_cast<Connection*>(events[i].data.ptr));
    }
    if (expires && Clock::now() >= next_expiry) {
      expire();
      next_expiry = Clock::now() + kExpiryInterval;
    }
  }
}

void Listener::on_event(Connection* connection) {
  // Taken out of waiting_ before it is touched: no other reader or expiry can close it meanwhile.
  std::unique_ptr<Connection> owned = take_waiting(connection);
  if (!owned) return;
  if (!owned->pending.empty()) return continue_writing(std::move(owned));
  if (owned->lingering) return continue_lingering(std::move(owned));
  const Connection::Fill state = owned->fill(max_buffered_);
  switch (state) {
    case Connection::Fill::would_block:
      return park(std::move(owned));
    case Connection::Fill::not_tls:
      return refuse(std::move(owned), 400, "plain_http_on_tls_port");
    case Connection::Fill::closed:
    case Connection::Fill::failed:
      return close(std::move(owned));
    case Connection::Fill::progress:
      break;
  }
  const auto now = Clock::now();
  if (owned->idle) {
    owned->idle = false;
    owned->request_deadline = now + options_.request_timeout;
  }
  owned->deadline = std::min(owned->request_deadline, now + options_.read_timeout);
  serve(std::move(owned));
}

void Listener::serve(std::unique_ptr<Connection> connection) {
  for (;;) {
    RequestParser& parser = connection->parser;
    switch (parser.parse(connection->buffer())) {
      case RequestParser::Progress::need_more:
        if (connection->has_buffered_input()) {
          const Connection::Fill state = connection->fill(max_buffered_);
          if (state == Connection::Fill::progress) continue;
          // What the peer sent ends in an incomplete request: nothing more can complete it.
          if (state == Connection::Fill::closed || state == Connection::Fill::failed)
            return close(std::move(connection));
        }
        if (connection->buffer().size() >= max_buffered_)
          return refuse(std::move(connection), 400, "request_too_large");
        return park(std::move(connection));
      case RequestParser::Progress::error:
        return refuse(std::move(connection), parser.status(), parser.reason());
      case RequestParser::Progress::head: {
        const RequestHead& head = parser.head();
        Reply reply;
        if (routes_->answer_head(head, connection->peer_ip(), &reply)) {
          bool body_unread = head.has_body();
          if (!body_unread) {
            parser.parse(connection->buffer());
          } else if (drains(*connection, reply) && start_lingering(connection.get())) {
            // Answered now; the body is read and dropped, then the connection serves on.
            connection->draining = true;
            connection->request_deadline = Clock::now() + kLingerTime;
            body_unread = false;
          }
          connection = write_answer(std::move(connection), reply, body_unread);
          if (!connection) return;
          continue;
        }
        if (head.expect_continue &&
            parser.parse(connection->buffer()) == RequestParser::Progress::need_more) {
          connection->write_some(kContinue);
        }
        continue;
      }
      case RequestParser::Progress::complete:
        connection = connection->draining ? finish_draining(std::move(connection))
                                          : dispatch(std::move(connection));
        if (!connection) return;
        continue;
    }
  }
}

std::unique_ptr<Connection> Listener::dispatch(std::unique_ptr<Connection> connection) {
  ++in_flight_;
  Connection* raw = connection.release();  // the answer owns it from here
  Connection* outer_dispatching = dispatching;
  Connection* outer_answered = answered_inline;
  dispatching = raw;
  answered_inline = nullptr;
  const RequestParser& parser = raw->parser;
  routes_->handle(Request{parser.head(), parser.body(), raw->peer_ip()},
                  [this, raw](const Reply& reply) { answer(raw, reply); });
  std::unique_ptr<Connection> next(answered_inline);
  dispatching = outer_dispatching;
  answered_inline = outer_answered;
  return next;
}

void Listener::answer(Connection* raw, const Reply& reply) {
  std::unique_ptr<Connection> next =
      write_answer(std::unique_ptr<Connection>(raw), reply, /*body_unread=*/false);
  if (next && dispatching == raw) {
    answered_inline = next.release();  // the reader's loop in serve() goes on with it
  } else if (next) {
    serve(std::move(next));
  }
  // Counted down last: stop() does not go on while this thread still serves the connection.
  --in_flight_;
}

std::unique_ptr<Connection> Listener::write_answer(std::unique_ptr<Connection> connection,
                                                   const Reply& reply, bool body_unread) {
  const RequestHead& head = connection->parser.head();
  AnswerFraming framing;
  framing.close = body_unread || reply.close || !head.keep_alive || stopping_ ||
                  connection->requests_served + 1 >= options_.keep_alive_max_requests;
  framing.omit_body = head.method == "HEAD";
  framing.http_1_0 = head.minor_version == 0;
  // Rounded down: a client that trusts it never reuses a connection the listener is closing.
  framing.keep_alive_seconds = static_cast<long>(keep_alive_timeout(*connection).count() / 1000);
  framing.requests_left = options_.keep_alive_max_requests - connection->requests_served - 1;
  // One buffer per thread: an answer costs no allocation (one that grew it past
  // kKeptAnswerCapacity gives the memory back).
  thread_local std::string text;
  text.clear();
  append_answer(reply, framing, &text);

  connection->close_after_pending = framing.close;
  // A client told to close reconnects as soon as it reads the answer: it must find room.
  if (framing.close && !input_left(*connection)) release_slot(connection.get());
  const long written = connection->write_some(text);
  const bool whole = written >= 0 && static_cast<size_t>(written) == text.size();
  if (written >= 0 && !whole) connection->pending.assign(text, static_cast<size_t>(written));
  if (text.capacity() > kKeptAnswerCapacity) std::string().swap(text);
  if (written < 0) {
    close(std::move(connection));
    return nullptr;
  }
  if (!whole) {
    if (stopping_) {
      // The readers may be gone: finish here, bounded by the write timeout.
      connection->write_all(connection->pending, options_.write_timeout);
      connection->pending.clear();
      close(std::move(connection));
      return nullptr;
    }
    connection->deadline = Clock::now() + options_.write_timeout;
    park(std::move(connection));
    return nullptr;
  }
  return after_write(std::move(connection));
}

std::unique_ptr<Connection> Listener::after_write(std::unique_ptr<Connection> connection) {
  if (connection->close_after_pending || stopping_) {
    close_after_answer(std::move(connection));
    return nullptr;
  }
  if (connection->draining) {
    // serve() reads the rest of the body, until the drain's deadline.
    connection->deadline = connection->request_deadline;
    return connection;
  }
  return next_request(std::move(connection));
}

std::unique_ptr<Connection> Listener::next_request(std::unique_ptr<Connection> connection) {
  RequestParser& parser = connection->parser;
  connection->buffer().erase(0, parser.request_bytes());
  parser.reset();
  ++connection->requests_served;
  std::string& buffer = connection->buffer();
  if (buffer.empty() && buffer.capacity() > 65536) buffer.shrink_to_fit();
  const auto now = Clock::now();
  connection->idle = buffer.empty();
  connection->request_deadline = now + options_.request_timeout;
  connection->deadline =
      connection->idle ? now + keep_alive_timeout(*connection) : connection->request_deadline;
  return connection;
}

std::chrono::milliseconds Listener::keep_alive_timeout(const Connection& connection) const {
  return connection.from_proxy ? options_.proxy_keep_alive_timeout : options_.keep_alive_timeout;
}

bool Listener::drains(const Connection& connection, const Reply& reply) const {
  const RequestHead& head = connection.parser.head();
  return connection.from_proxy && !head.chunked && !head.expect_continue &&
         head.content_length <= options_.max_drained_body_bytes && head.keep_alive &&
         !reply.close && !stopping_ &&
         connection.requests_served + 1 < options_.keep_alive_max_requests;
}

bool Listener::start_lingering(Connection* connection) {
  if (connection->in_linger_budget) return true;
  const size_t budget =
      options_.max_lingering > 0 ? options_.max_lingering : options_.max_connections;
  if (lingering_.fetch_add(1) >= budget) {
    lingering_.fetch_sub(1);
    return false;
  }
  connection->in_linger_budget = true;
  release_slot(connection);
  return true;
}

void Listener::leave_linger_budget(Connection* connection) {
  if (!connection->in_linger_budget) return;
  connection->in_linger_budget = false;
  lingering_.fetch_sub(1);
}

std::unique_ptr<Connection> Listener::finish_draining(std::unique_ptr<Connection> connection) {
  connection->draining = false;
  leave_linger_budget(connection.get());
  if (take_slot(connection->peer_ip()) != nullptr) {
    close(std::move(connection));
    return nullptr;
  }
  connection->slot_released = false;
  return next_request(std::move(connection));
}

void Listener::continue_writing(std::unique_ptr<Connection> connection) {
  const long written = connection->write_some(connection->pending);
  if (written < 0) return close(std::move(connection));
  connection->pending.erase(0, static_cast<size_t>(written));
  if (!connection->pending.empty()) {
    // The write timeout bounds silence: a client that reads slowly but steadily is served.
    if (written > 0) connection->deadline = Clock::now() + options_.write_timeout;
    return park(std::move(connection));
  }
  connection = after_write(std::move(connection));
  if (connection) serve(std::move(connection));
}

bool Listener::input_left(Connection& connection) {
  const RequestParser& parser = connection.parser;
  const size_t taken = parser.done() ? parser.request_bytes() : 0;
  return !connection.tls() && (parser.body_pending() || connection.buffer().size() > taken);
}

void Listener::close_after_answer(std::unique_ptr<Connection> connection) {
  // Lingering connections leave their slot for the lingering budget: a peer whose requests are
  // refused cannot hold the slots others need.
  if (!input_left(*connection) || !start_lingering(connection.get()))
    return close(std::move(connection));
  connection->shutdown_write();
  connection->lingering = true;
  connection->deadline = Clock::now() + kLingerTime;
  park(std::move(connection));
}

void Listener::continue_lingering(std::unique_ptr<Connection> connection) {
  const size_t left = kLingerBytes - std::min(kLingerBytes, connection->lingered_bytes);
  if (left == 0 || !connection->discard_input(left, &connection->lingered_bytes) ||
      connection->lingered_bytes >= kLingerBytes)
    return close(std::move(connection));
  park(std::move(connection));
}

void Listener::refuse(std::unique_ptr<Connection> connection, int status, const char* reason) {
  connection->write_nowait(refusal_answer(status));
  routes_->refused(status, reason);
  close_after_answer(std::move(connection));
}

void Listener::close(std::unique_ptr<Connection> connection) {
  // Counted gone before the socket closes: a client that reconnects at once must find room.
  release_slot(connection.get());
  leave_linger_budget(connection.get());
  forget(connection.get());
  connection.reset();
}

void Listener::release_slot(Connection* connection) {
  if (connection->slot_released) return;
  connection->slot_released = true;
  --open_;
  if (options_.max_connections_per_address == 0) return;
  std::lock_guard<std::mutex> lock(addresses_mutex_);
  auto found = per_address_.find(connection->peer_ip());
  if (found != per_address_.end() && --found->second == 0) per_address_.erase(found);
}

void Listener::expire() {
  const auto now = Clock::now();
  std::vector<std::unique_ptr<Connection>> expired;
  for (WaitingShard& shard : waiting_) {
    std::lock_guard<std::mutex> lock(shard.mutex);
    for (auto& [raw, waiting] : shard.connections) {
      if (waiting.parked && waiting.parked->deadline <= now) {
        // Out of the epoll set: an answer to it (408) is written before it is parked again.
        ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, raw->fd(), nullptr);
        raw->armed_events = 0;
        expired.push_back(std::move(waiting.parked));
      }
    }
  }
  for (auto& connection : expired) {
    // A drained body that stops arriving was answered already: closed without another answer.
    const bool mid_request = !connection->idle && connection->pending.empty() &&
                             !connection->lingering && !connection->draining &&
                             !connection->buffer().empty();
    if (mid_request) {
      refuse(std::move(connection), 408, "request_too_slow");
    } else {
      close(std::move(connection));
    }
  }
}

}  // namespace jb::http
