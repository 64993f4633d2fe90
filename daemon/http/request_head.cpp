#include "http/request_head.h"

#include <charconv>

namespace jb::http {
namespace {

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    char y = b[i] >= 'A' && b[i] <= 'Z' ? static_cast<char>(b[i] - 'A' + 'a') : b[i];
    if (x != y) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

RequestHead reject(int status, const char* reason) {
  RequestHead head;
  head.state = RequestHead::State::rejected;
  head.status = status;
  head.reason = reason;
  return head;
}

bool is_forbidden_byte(unsigned char c) {
  return (c < 0x20 && c != '\t') || c == 0x7f;
}

// Applies one header field line (without CRLF) to *head; false with *head rejected on a problem.
bool apply_field(std::string_view line, RequestHead* head) {
  if (line.front() == ' ' || line.front() == '\t') {
    *head = reject(400, "obsolete_line_folding");
    return false;
  }
  auto colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0 || line[colon - 1] == ' ' ||
      line[colon - 1] == '\t') {
    *head = reject(400, "malformed_header");
    return false;
  }
  std::string_view name = line.substr(0, colon);
  std::string_view value = trim(line.substr(colon + 1));
  if (equals_ignoring_case(name, "content-length")) {
    uint64_t length = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), length);
    if (value.empty() || ec != std::errc() || end != value.data() + value.size()) {
      *head = reject(400, "malformed_content_length");
      return false;
    }
    if (head->has_length && head->content_length != length) {
      *head = reject(400, "conflicting_content_length");
      return false;
    }
    head->has_length = true;
    head->content_length = length;
  } else if (equals_ignoring_case(name, "transfer-encoding")) {
    if (head->chunked || !equals_ignoring_case(value, "chunked")) {
      *head = reject(501, "unsupported_transfer_encoding");
      return false;
    }
    head->chunked = true;
  } else if (equals_ignoring_case(name, "expect")) {
    head->expect_continue = equals_ignoring_case(value, "100-continue");
  } else {
    std::string_view* field = nullptr;
    if (equals_ignoring_case(name, "content-type")) {
      field = &head->content_type;
    } else if (equals_ignoring_case(name, "x-forwarded-for")) {
      field = &head->forwarded_for;
    } else if (equals_ignoring_case(name, "authorization")) {
      field = &head->authorization;
    } else if (equals_ignoring_case(name, "content-encoding")) {
      field = &head->content_encoding;
    } else if (equals_ignoring_case(name, "connection")) {
      field = &head->connection;
    }
    if (field != nullptr) {
      if (field->data() != nullptr) head->repeated = true;
      *field = value;
    }
  }
  return true;
}

// "METHOD SP target SP version": the parts, or false.
bool split_request_line(std::string_view line, RequestHead* head) {
  auto first = line.find(' ');
  if (first == std::string_view::npos) return false;
  auto second = line.find(' ', first + 1);
  if (second == std::string_view::npos || line.find(' ', second + 1) != std::string_view::npos)
    return false;
  head->method = line.substr(0, first);
  head->target = line.substr(first + 1, second - first - 1);
  head->version = line.substr(second + 1);
  return true;
}

}  // namespace

RequestHead scan_request_head(std::string_view buffer, const HeadLimits& limits) {
  RequestHead head;
  std::string_view request_line;
  size_t start = 0;
  size_t fields = 0;
  for (size_t line_number = 0;; ++line_number) {
    size_t end = start;
    while (end < buffer.size() && end - start <= limits.max_head_bytes) {
      unsigned char c = static_cast<unsigned char>(buffer[end]);
      if (c == '\r') break;
      if (c == '\n') return reject(400, "bare_line_feed");
      if (is_forbidden_byte(c)) return reject(400, "control_byte_in_head");
      ++end;
    }
    if (end > limits.max_head_bytes) return reject(431, "head_too_large");
    if (end + 1 >= buffer.size()) return head;  // the line (or its LF) has not arrived yet
    if (buffer[end + 1] != '\n') return reject(400, "bare_carriage_return");
    std::string_view line = buffer.substr(start, end - start);
    start = end + 2;
    if (line_number == 0) {
      if (line.empty()) return reject(400, "empty_request_line");
      request_line = line;
      continue;
    }
    if (line.empty()) break;
    if (++fields > limits.max_header_fields) return reject(431, "too_many_header_fields");
    if (!apply_field(line, &head)) return head;
  }
  if (start > limits.max_head_bytes) return reject(431, "head_too_large");
  if (head.has_length && head.chunked) return reject(400, "conflicting_framing");
  if (!split_request_line(request_line, &head)) head.method = head.target = head.version = {};
  head.state = RequestHead::State::complete;
  head.head_bytes = start;
  return head;
}

bool request_ready(const RequestHead& head, size_t buffered, const HeadLimits& limits) {
  if (head.state != RequestHead::State::complete) return false;
  if (head.chunked || head.expect_continue || !head.has_length ||
      head.content_length > limits.max_body_bytes)
    return true;
  return buffered >= head.head_bytes + head.content_length;
}

}  // namespace jb::http
