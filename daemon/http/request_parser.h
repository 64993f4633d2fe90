// Strict HTTP/1.1 request framing (RFC 9112), bytes in, one request out: where its head and body
// end, what the head says, and whether the connection may carry another request. Pure: no
// sockets, no clock. It is the only code that reads a request's framing; the listener owns the
// sockets and deadlines, the routes own the answers. Each rule and its RFC section is in the
// README's "HTTP conformance" table; on any doubt the parser stops with an error status, and the
// listener answers it once and closes the connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "http/request_head.h"

namespace jb::http {

struct FramingLimits {
  size_t max_head_bytes = 16384;       // empty lines before it, request line, fields: else 431
  size_t max_target_bytes = 8192;      // the request-target: else 414
  size_t max_header_fields = 64;       // field lines, and trailer lines: else 431
  uint64_t max_body_bytes = 262144;    // the decoded body: else 413
  size_t max_chunk_overhead = 65536;   // chunk-size lines, extensions, CRLFs, trailers: else 400
  size_t max_chunk_line_bytes = 1024;  // one chunk-size line with its extensions: else 400
};

class RequestParser {
 public:
  explicit RequestParser(const FramingLimits& limits = {});

  enum class Progress {
    need_more,  // nothing decided yet: call again when more bytes arrived
    head,       // the head is complete and valid (once per request); head() is set
    complete,   // the whole request is in: head(), body() and request_bytes() are set
    error,      // the request is malformed or over a limit: status() and reason()
  };

  // `input` holds the connection's unconsumed bytes, starting at this request's first byte; each
  // call passes what the previous one did plus what arrived since. Work done is not repeated, so
  // a request arriving a byte at a time costs time linear in its size.
  Progress parse(std::string_view input);

  const RequestHead& head() const { return head_; }
  // After `complete`: the decoded body; a Content-Length body is a view into the last input.
  std::string_view body() const { return body_view_; }
  // After `complete`: how many bytes of the input this request took.
  size_t request_bytes() const { return position_; }
  // After `error`: the status to answer (400, 413, 414, 417, 431, 501, 505) and a reason code.
  // A request line that reaches 33 bytes without a space is refused at once: 501 when they are
  // a token (longer than any method), else 400.
  int status() const { return status_; }
  const char* reason() const { return reason_; }
  // After `head`, while a Content-Length body arrives: the whole request's size, head and body,
  // so that the connection can make room for it once; 0 otherwise.
  size_t expected_request_bytes() const {
    return state_ == State::length_body ? position_ + head_.content_length : 0;
  }
  // The memory held for a chunked body's decoded bytes: at most max_body_bytes, and at most 64 KiB
  // after reset().
  size_t body_capacity() const { return chunked_body_.capacity(); }
  // The head was read and the body is not complete yet.
  bool body_pending() const {
    return state_ == State::length_body || state_ == State::chunk_size ||
           state_ == State::chunk_data || state_ == State::trailers;
  }
  // The whole request was read (`complete` was returned).
  bool done() const { return state_ == State::done; }

  // Forgets this request: the next parse() starts on the next one.
  void reset();

 private:
  enum class State { head, length_body, chunk_size, chunk_data, trailers, done, failed };

  Progress parse_head(std::string_view input);
  Progress parse_chunks(std::string_view input);
  // How long a line may be with its CRLF, and the error when it is longer.
  struct LineLimit {
    size_t max_bytes;
    int status;
    const char* reason;
  };
  // The next CRLF-terminated line from position_: true with *line (without CRLF) when complete;
  // false with `need_more` or an error in *progress.
  bool next_line(std::string_view input, const LineLimit& limit, std::string_view* line,
                 Progress* progress);
  bool start_body();
  bool apply_chunk_size_line(std::string_view line);
  bool apply_trailer_line(std::string_view line);
  Progress fail(int status, const char* reason);

  FramingLimits limits_;
  State state_ = State::head;
  size_t position_ = 0;      // input bytes taken so far
  size_t scanned_ = 0;       // bytes of the current line already searched for its end
  size_t head_start_ = 0;    // where the request line starts (after empty lines)
  size_t field_lines_ = 0;   // field lines of the head, then trailer lines
  uint64_t chunk_left_ = 0;  // data bytes of the current chunk
  uint64_t decoded_ = 0;     // body bytes decoded so far (chunked)
  size_t overhead_ = 0;      // chunked framing bytes so far
  HeadBuilder builder_;
  RequestHead head_;
  std::string chunked_body_;
  std::string_view body_view_;
  int status_ = 0;
  const char* reason_ = "";
};

}  // namespace jb::http
