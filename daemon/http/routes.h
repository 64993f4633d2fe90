// What a listener serves: the routes decide who may connect and answer each framed request.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "http/answer.h"
#include "http/request_head.h"

namespace jb::http {

// A whole request, framed by the listener. Its bytes stay valid until the request is answered.
struct Request {
  const RequestHead& head;
  std::string_view body;
  const std::string& peer_ip;
};

// Answers a request: runs exactly once, from any thread. The reply is copied before it returns.
using Respond = std::function<void(const Reply&)>;

class Routes {
 public:
  virtual ~Routes() = default;

  // At accept, before a byte is read: false closes the connection at once.
  virtual bool admits(const std::string& /*peer_ip*/) const { return true; }
  // At accept: whether the peer is a reverse proxy the deployment declared. Its connections are
  // kept open longer when idle, and a body it sends after an early answer is read away when small
  // (the proxy's connection is worth keeping; see ListenerOptions).
  virtual bool trusted_proxy(const std::string& /*peer_ip*/) const { return false; }
  // Once the head is complete: true with *reply to answer from the head alone (a body still
  // unsent or unread is then never handed to the routes: it is read away, or dropped while the
  // connection closes); false to read the body and have handle() answer.
  virtual bool answer_head(const RequestHead& head, const std::string& peer_ip, Reply* reply) = 0;
  // The whole request. Runs on a reader thread that serves other connections: it must not block.
  // `respond` may run before handle() returns.
  virtual void handle(const Request& request, Respond respond) = 0;

  // The listener refused a request by itself (framing, limits, timeouts): the status it sent and
  // a reason code.
  virtual void refused(int status, const char* reason) = 0;
  // The listener closed a new connection without reading from it: a reason code.
  virtual void connection_refused(const char* reason) = 0;
};

// The methods of RFC 9110 §9 and PATCH; a route answers others 501 (§9.1).
bool is_known_method(std::string_view method);

}  // namespace jb::http
