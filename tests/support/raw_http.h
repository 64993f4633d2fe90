// A raw loopback HTTP client for tests that must see an answer's exact bytes: it writes exact
// request bytes (pipelined or not) and reads answers one at a time.
#pragma once

#include <chrono>
#include <string>

namespace jb::test {

// A blocking TCP socket connected to 127.0.0.1:port, or -1.
int connect_to(int port);
// Writes all of data to fd; false when the connection failed first.
bool send_all(int fd, const std::string& data);

// One answer as read off the socket.
struct Answer {
  int status = -1;   // -1 when no complete answer came
  std::string head;  // status line and fields, up to and including the blank line
  std::string body;
};

class RawConnection {
 public:
  // Connects to 127.0.0.1:port; connected() tells whether it worked.
  explicit RawConnection(int port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return fd_ >= 0; }
  // Writes all of `data` in as few send() calls as the socket allows.
  bool send(const std::string& data);
  // The next answer (head and Content-Length body), or status -1 when none came within timeout.
  Answer read_answer(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // True when the server closed the connection (EOF or reset) within timeout with nothing more
  // to read.
  bool closed_by_server(std::chrono::milliseconds timeout = std::chrono::seconds(3));

 private:
  // Reads what arrives before `until`; false on timeout, EOF or error.
  bool fill(std::chrono::steady_clock::time_point until);

  int fd_ = -1;
  std::string buffer_;
  bool eof_ = false;
};

}  // namespace jb::test
