// cpp-httplib's view of one request on a Connection: reads come from the bytes already received,
// then from the socket, bounded by the request's deadline, the read timeout and a byte budget.
#pragma once

#include <httplib.h>

#include <chrono>

#include "http/connection.h"

namespace jb::http {

class ConnectionStream : public httplib::Stream {
 public:
  // `budget` bounds the bytes the request may consume (head, body and chunk framing).
  ConnectionStream(Connection* connection, std::chrono::milliseconds read_timeout,
                   std::chrono::milliseconds write_timeout, size_t budget);
  // Drops the bytes this request consumed from the connection's buffer.
  ~ConnectionStream() override;

  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  socket_t socket() const override;

  // Why reading stopped early, if it did: the deadline passed, or the budget was spent.
  bool timed_out() const { return timed_out_; }
  bool over_budget() const { return over_budget_; }
  bool failed() const { return failed_; }

 private:
  Connection* connection_;
  std::chrono::milliseconds read_timeout_;
  std::chrono::milliseconds write_timeout_;
  size_t budget_;
  size_t consumed_ = 0;
  size_t offset_ = 0;  // bytes of the connection's buffer already handed out
  bool timed_out_ = false;
  bool over_budget_ = false;
  bool failed_ = false;
};

}  // namespace jb::http
