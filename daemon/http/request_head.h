// Inspection of a request's head (request line + header fields) as raw bytes, before cpp-httplib
// parses it: the limits and framing checks that library version does not enforce.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace jb::http {

struct HeadLimits {
  size_t max_head_bytes = 16384;  // request line + header fields + the blank line
  size_t max_header_fields = 64;  // header field lines
  uint64_t max_body_bytes = 262144;
};

struct RequestHead {
  enum class State { incomplete, complete, rejected };
  State state = State::incomplete;
  int status = 0;           // when rejected: 400, 431 or 501
  const char* reason = "";  // when rejected: a reason code for logs ("conflicting_framing", ...)
  size_t head_bytes = 0;    // when complete: bytes up to and including the blank line
  bool has_length = false;  // a Content-Length was sent
  uint64_t content_length = 0;
  bool chunked = false;          // Transfer-Encoding: chunked
  bool expect_continue = false;  // Expect: 100-continue: the client waits before the body
};

// Scans the start of `buffer` (one request on a connection). Rejects: a head over max_head_bytes
// or with more than max_header_fields fields (431); a line ending without CR, a bare CR, NUL or
// other control bytes, obsolete line folding, a field without ':' or with whitespace before the
// ':' (400); Content-Length together with Transfer-Encoding, several differing or malformed
// Content-Length values (400); a Transfer-Encoding other than exactly "chunked" (501).
RequestHead scan_request_head(std::string_view buffer, const HeadLimits& limits);

// True when the whole request (head and, for a Content-Length body no larger than
// max_body_bytes, the body) is in `buffer`. A chunked body, an oversize announced body or one the
// client sends only after "100 Continue" is read later by the handler: the head makes it ready.
bool request_ready(const RequestHead& head, size_t buffered, const HeadLimits& limits);

}  // namespace jb::http
