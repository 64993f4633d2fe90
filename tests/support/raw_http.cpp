#include "support/raw_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>

namespace jb::test {

using Clock = std::chrono::steady_clock;

int connect_to(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

int connect_from(const std::string& source, int port, const std::string& host) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in local{};
  local.sin_family = AF_INET;
  sockaddr_in remote{};
  remote.sin_family = AF_INET;
  remote.sin_port = htons(static_cast<uint16_t>(port));
  const bool addressed =
      (source.empty() || ::inet_pton(AF_INET, source.c_str(), &local.sin_addr) == 1) &&
      ::inet_pton(AF_INET, host.c_str(), &remote.sin_addr) == 1;
  if (!addressed ||
      (!source.empty() && ::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&remote), sizeof remote) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool send_all(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

std::string Answer::status_line() const {
  return head.substr(0, head.find("\r\n"));
}

std::string Answer::field(const std::string& name) const {
  size_t line = head.find("\r\n");
  while (line != std::string::npos && line + 2 < head.size()) {
    const size_t start = line + 2;
    const size_t end = head.find("\r\n", start);
    if (end == std::string::npos) break;
    if (end - start > name.size() && head[start + name.size()] == ':' &&
        ::strncasecmp(head.c_str() + start, name.c_str(), name.size()) == 0) {
      size_t value = start + name.size() + 1;
      while (value < end && (head[value] == ' ' || head[value] == '\t')) ++value;
      return head.substr(value, end - value);
    }
    line = end;
  }
  return "";
}

bool Answer::has_field(const std::string& name) const {
  const std::string needle = "\r\n" + name + ":";
  auto found = std::search(head.begin(), head.end(), needle.begin(), needle.end(),
                           [](char a, char b) { return std::tolower(a) == std::tolower(b); });
  return found != head.end();
}

RawConnection::RawConnection(int port) : fd_(connect_to(port)) {}

RawConnection::RawConnection(const std::string& source, int port)
    : fd_(connect_from(source, port)) {}

RawConnection::~RawConnection() {
  if (fd_ >= 0) ::close(fd_);
}

bool RawConnection::send(const std::string& data) {
  return send_all(fd_, data);
}

void RawConnection::shutdown_write() {
  if (fd_ >= 0) ::shutdown(fd_, SHUT_WR);
}

Answer RawConnection::read_answer(std::chrono::milliseconds timeout) {
  return read(timeout, /*head_only=*/false);
}

Answer RawConnection::read_head_answer(std::chrono::milliseconds timeout) {
  return read(timeout, /*head_only=*/true);
}

Answer RawConnection::read(std::chrono::milliseconds timeout, bool head_only) {
  const auto until = Clock::now() + timeout;
  Answer answer;
  size_t end = std::string::npos;
  while ((end = buffer_.find("\r\n\r\n")) == std::string::npos)
    if (!fill(until)) return answer;
  answer.head = buffer_.substr(0, end + 4);
  const size_t field = answer.head.find("\r\nContent-Length: ");
  const size_t length = head_only || field == std::string::npos
                            ? 0
                            : std::strtoul(answer.head.c_str() + field + 18, nullptr, 10);
  while (buffer_.size() < end + 4 + length)
    if (!fill(until)) return answer;
  answer.body = buffer_.substr(end + 4, length);
  buffer_.erase(0, end + 4 + length);
  if (answer.head.rfind("HTTP/1.1 ", 0) == 0) answer.status = std::atoi(answer.head.c_str() + 9);
  return answer;
}

bool RawConnection::closed_by_server(std::chrono::milliseconds timeout) {
  const auto until = Clock::now() + timeout;
  while (fill(until)) {
  }
  return eof_ && buffer_.empty();
}

bool RawConnection::fill(Clock::time_point until) {
  if (eof_ || fd_ < 0) return false;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(std::max<int64_t>(left.count(), 0))) <= 0) return false;
  char chunk[4096];
  const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
  if (n <= 0) {
    eof_ = true;
    return false;
  }
  buffer_.append(chunk, static_cast<size_t>(n));
  return true;
}

}  // namespace jb::test
