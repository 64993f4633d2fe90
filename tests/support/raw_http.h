// A raw loopback HTTP client for tests that must see an answer's exact bytes: it writes exact
// request bytes (pipelined or not) and reads answers one at a time. It can connect from a chosen
// loopback address (127.0.0.3, ...) so a server sees different peers on one machine.
#pragma once

#include <chrono>
#include <string>

namespace jb::test {

// A blocking TCP socket connected to 127.0.0.1:port, or -1.
int connect_to(int port);
// A blocking TCP socket bound to the IPv4 address `source` (any port; "" lets the kernel pick the
// address) and connected to host:port, or -1. Close-on-exec, so child processes (nginx) never
// hold it open.
int connect_from(const std::string& source, int port, const std::string& host = "127.0.0.1");
// Writes all of data to fd; false when the connection failed first.
bool send_all(int fd, const std::string& data);

// One answer as read off the socket.
struct Answer {
  int status = -1;   // -1 when no complete answer came
  std::string head;  // status line and fields, up to and including the blank line
  std::string body;

  // "HTTP/1.1 200 OK", or "" when no answer came.
  std::string status_line() const;
  // The value of the first field called `name` (case-insensitive), or "" when absent.
  std::string field(const std::string& name) const;
  bool has_field(const std::string& name) const;
};

class RawConnection {
 public:
  // Connects to 127.0.0.1:port; connected() tells whether it worked.
  explicit RawConnection(int port);
  // Connects from the loopback address `source` (e.g. "127.0.0.3") to 127.0.0.1:port.
  RawConnection(const std::string& source, int port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return fd_ >= 0; }
  // Writes all of `data` in as few send() calls as the socket allows.
  bool send(const std::string& data);
  // The next answer (head and Content-Length body), or status -1 when none came within timeout.
  Answer read_answer(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // The next answer to a HEAD request: its head only, whatever its Content-Length says.
  Answer read_head_answer(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // True when the server closed the connection (EOF or reset) within timeout with nothing more
  // to read.
  bool closed_by_server(std::chrono::milliseconds timeout = std::chrono::seconds(3));
  // Bytes received and not yet taken by read_answer (what came after the last answer read).
  const std::string& unread() const { return buffer_; }
  // Sends FIN after what was sent; the connection can still read.
  void shutdown_write();

 private:
  Answer read(std::chrono::milliseconds timeout, bool head_only);
  // Reads what arrives before `until`; false on timeout, EOF or error.
  bool fill(std::chrono::steady_clock::time_point until);

  int fd_ = -1;
  std::string buffer_;
  bool eof_ = false;
};

}  // namespace jb::test
