#include "support/raw_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
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

bool send_all(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

RawConnection::RawConnection(int port) : fd_(connect_to(port)) {}

RawConnection::~RawConnection() {
  if (fd_ >= 0) ::close(fd_);
}

bool RawConnection::send(const std::string& data) {
  return send_all(fd_, data);
}

Answer RawConnection::read_answer(std::chrono::milliseconds timeout) {
  const auto until = Clock::now() + timeout;
  Answer answer;
  size_t end = std::string::npos;
  while ((end = buffer_.find("\r\n\r\n")) == std::string::npos)
    if (!fill(until)) return answer;
  answer.head = buffer_.substr(0, end + 4);
  const size_t field = answer.head.find("\r\nContent-Length: ");
  const size_t length =
      field == std::string::npos ? 0 : std::strtoul(answer.head.c_str() + field + 18, nullptr, 10);
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
  if (eof_) return false;
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
