// The bytes of an answer: status line, Date, the route's fields, framing and connection fields,
// body. Every answer either keeps the connection (Keep-Alive) or says it closes it, never both.
#pragma once

#include <cstddef>
#include <ctime>
#include <string>
#include <string_view>

namespace jb::http {

// What a route answers. The views need only live until the answer is handed to the listener.
struct Reply {
  int status = 200;
  std::string_view extra_headers;  // whole field lines, each ending in CRLF
  std::string_view content_type;   // with a body
  std::string_view body;
  bool close = false;  // close the connection after this answer
};

// How the listener frames the answer on its connection.
struct AnswerFraming {
  bool close = false;           // "Connection: close"; else kept alive
  bool omit_body = false;       // an answer to HEAD: the body's length, not the body
  bool http_1_0 = false;        // the request was HTTP/1.0: a kept connection says so
  long keep_alive_seconds = 0;  // idle time the connection is kept, rounded down
  size_t requests_left = 0;     // further requests this connection may carry
};

// "Bad Request", ...; "Error" for a status without one here.
std::string_view reason_phrase(int status);

// "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110 §5.6.7) for `now`.
std::string imf_fixdate(std::time_t now);

// Appends the whole answer to *out; the Date is the current second's, formatted once per second
// per thread.
void append_answer(const Reply& reply, const AnswerFraming& framing, std::string* out);

// The listener's own refusal (a framing error, a timeout, a full server): a plain-text answer
// naming the status, closing the connection; 503 carries Retry-After.
std::string refusal_answer(int status);

}  // namespace jb::http
