#include "http/answer.h"

#include <charconv>
#include <cstdio>

namespace jb::http {
namespace {

constexpr std::string_view kRetryAfter = "Retry-After: 5\r\n";

void append_number(size_t value, std::string* out) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
  out->append(digits, static_cast<size_t>(end - digits));
}

// "Date: ...\r\n" for this second, kept per thread.
std::string_view date_field() {
  thread_local std::time_t cached_second = -1;
  thread_local std::string cached_field;
  const std::time_t now = std::time(nullptr);
  if (now != cached_second) {
    cached_second = now;
    cached_field = "Date: " + imf_fixdate(now) + "\r\n";
  }
  return cached_field;
}

}  // namespace

std::string_view reason_phrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 417:
      return "Expectation Failed";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Error";
  }
}

std::string imf_fixdate(std::time_t now) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  const int length = std::snprintf(text, sizeof text, "%s, %02d %s %04d %02d:%02d:%02d GMT",
                                   kDays[utc.tm_wday], utc.tm_mday, kMonths[utc.tm_mon],
                                   utc.tm_year + 1900, utc.tm_hour, utc.tm_min, utc.tm_sec);
  return std::string(text, static_cast<size_t>(length));
}

void append_answer(const Reply& reply, const AnswerFraming& framing, std::string* out) {
  out->reserve(out->size() + 192 + reply.extra_headers.size() + reply.body.size());
  out->append("HTTP/1.1 ");
  append_number(static_cast<size_t>(reply.status), out);
  out->push_back(' ');
  out->append(reason_phrase(reply.status));
  out->append("\r\n");
  out->append(date_field());
  out->append(reply.extra_headers);
  if (!reply.content_type.empty())
    out->append("Content-Type: ").append(reply.content_type).append("\r\n");
  out->append("Content-Length: ");
  append_number(reply.body.size(), out);
  out->append("\r\n");
  if (framing.close) {
    out->append("Connection: close\r\n");
  } else {
    if (framing.http_1_0) out->append("Connection: keep-alive\r\n");
    out->append("Keep-Alive: ");
    if (framing.keep_alive_seconds > 0) {
      out->append("timeout=");
      append_number(static_cast<size_t>(framing.keep_alive_seconds), out);
      out->append(", ");
    }
    out->append("max=");
    append_number(framing.requests_left, out);
    out->append("\r\n");
  }
  out->append("\r\n");
  if (!framing.omit_body) out->append(reply.body);
}

std::string refusal_answer(int status) {
  std::string body = std::to_string(status);
  body.append(" ").append(reason_phrase(status)).append("\n");
  Reply reply;
  reply.status = status;
  reply.content_type = "text/plain";
  reply.body = body;
  if (status == 503) reply.extra_headers = kRetryAfter;
  AnswerFraming framing;
  framing.close = true;
  std::string text;
  append_answer(reply, framing, &text);
  return text;
}

}  // namespace jb::http
