#include "http/connection_stream.h"

#include <algorithm>
#include <cstring>

namespace jb::http {
namespace {

constexpr size_t kReadAhead = 65536;

}  // namespace

ConnectionStream::ConnectionStream(Connection* connection, std::chrono::milliseconds read_timeout,
                                   std::chrono::milliseconds write_timeout, size_t budget)
    : connection_(connection),
      read_timeout_(read_timeout),
      write_timeout_(write_timeout),
      budget_(budget) {}

ConnectionStream::~ConnectionStream() {
  connection_->buffer().erase(0, offset_);
}

bool ConnectionStream::is_readable() const {
  return connection_->buffer().size() > offset_ ||
         connection_->wait_readable(std::min(connection_->deadline, Clock::now() + read_timeout_));
}

bool ConnectionStream::is_writable() const {
  return true;
}

ssize_t ConnectionStream::read(char* ptr, size_t size) {
  std::string& buffer = connection_->buffer();
  while (buffer.size() <= offset_) {
    if (failed_) return -1;
    auto until = std::min(connection_->deadline, Clock::now() + read_timeout_);
    if (!connection_->wait_readable(until)) {
      timed_out_ = true;
      failed_ = true;
      return -1;
    }
    auto state = connection_->fill(buffer.size() + kReadAhead);
    if (state == Connection::Fill::closed) return 0;
    if (state != Connection::Fill::progress && state != Connection::Fill::would_block) {
      failed_ = true;
      return -1;
    }
  }
  if (consumed_ >= budget_) {
    over_budget_ = true;
    failed_ = true;
    return -1;
  }
  size_t n = std::min({size, buffer.size() - offset_, budget_ - consumed_});
  std::memcpy(ptr, buffer.data() + offset_, n);
  offset_ += n;
  consumed_ += n;
  return static_cast<ssize_t>(n);
}

ssize_t ConnectionStream::write(const char* ptr, size_t size) {
  if (!connection_->write_all(std::string_view(ptr, size), write_timeout_)) return -1;
  return static_cast<ssize_t>(size);
}

void ConnectionStream::get_remote_ip_and_port(std::string& ip, int& port) const {
  ip = connection_->remote_ip();
  port = connection_->remote_port();
}

void ConnectionStream::get_local_ip_and_port(std::string& ip, int& port) const {
  ip.clear();
  port = 0;
}

socket_t ConnectionStream::socket() const {
  return connection_->fd();
}

}  // namespace jb::http
