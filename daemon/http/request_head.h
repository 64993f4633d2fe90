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

  // When complete: the request line's parts and the fields a callback is served by, as views
  // into the scanned buffer (empty when absent). `repeated` is set when one of these fields
  // occurs more than once: such a request is left to cpp-httplib's parsing.
  std::string_view method;
  std::string_view target;
  std::string_view version;
  std::string_view content_type;
  std::string_view forwarded_for;
  std::string_view authorization;
  std::string_view content_encoding;
  std::string_view connection;
  bool repeated = false;
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
