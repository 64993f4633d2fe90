#include "http/request_parser.h"

#include <algorithm>

#include "http/syntax.h"

namespace jb::http {
namespace {

// The longest method this server reads: longer than every registered one (IANA's longest,
// UPDATEREDIRECTREF, has 17 bytes). A longer token is an unknown method (501) as soon as it is
// seen.
constexpr size_t kMaxMethodBytes = 32;
// Method, spaces and version around the target: a longer request line is a long target (414).
constexpr size_t kRequestLineAllowance = kMaxMethodBytes + 32;
// 16 hex digits fill 64 bits; more cannot be a size this server accepts.
constexpr size_t kMaxChunkSizeDigits = 16;
// A decoded chunked body's capacity kept for the connection's next request.
constexpr size_t kKeptBodyCapacity = 65536;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void skip_whitespace(std::string_view* text) {
  while (!text->empty() && (text->front() == ' ' || text->front() == '\t')) text->remove_prefix(1);
}

// quoted-string (RFC 9110 §5.6.4) at the start of *text: true with it removed.
bool take_quoted_string(std::string_view* text) {
  if (text->empty() || text->front() != '"') return false;
  for (size_t i = 1; i < text->size(); ++i) {
    const auto c = static_cast<unsigned char>((*text)[i]);
    if (c == '"') {
      text->remove_prefix(i + 1);
      return true;
    }
    if (c == '\\') {
      if (++i == text->size()) return false;
      const auto escaped = static_cast<unsigned char>((*text)[i]);
      if (escaped < 0x20 ? escaped != '\t' : escaped == 0x7f) return false;
    } else if (c < 0x20 ? c != '\t' : c == 0x7f) {
      return false;
    }
  }
  return false;
}

// 1*tchar at the start of *text: true with it removed.
bool take_token(std::string_view* text) {
  size_t length = 0;
  while (length < text->size() && syntax::is_tchar(static_cast<unsigned char>((*text)[length])))
    ++length;
  text->remove_prefix(length);
  return length > 0;
}

// chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] ) (RFC 9112 §7.1.1).
bool is_chunk_extension(std::string_view text) {
  while (!text.empty()) {
    skip_whitespace(&text);
    if (text.empty() || text.front() != ';') return false;
    text.remove_prefix(1);
    skip_whitespace(&text);
    if (!take_token(&text)) return false;
    std::string_view rest = text;
    skip_whitespace(&rest);
    if (rest.empty() || rest.front() != '=') continue;
    rest.remove_prefix(1);
    skip_whitespace(&rest);
    if (!take_token(&rest) && !take_quoted_string(&rest)) return false;
    text = rest;
  }
  return true;
}

// What the start of a request line says of its method before the line is complete: 0 while it
// may still be one, else the status (501 a token too long to be a method, 400 not a token).
int check_method_prefix(std::string_view line_start) {
  const std::string_view seen = line_start.substr(0, kMaxMethodBytes + 1);
  if (seen.size() <= kMaxMethodBytes || seen.find_first_of(" \r\n") != std::string_view::npos)
    return 0;
  return syntax::is_token(seen) ? 501 : 400;
}

// Appends to a decoded body, growing its capacity geometrically but never past `max_bytes`.
void append_bounded(std::string* body, std::string_view data, size_t max_bytes) {
  const size_t needed = body->size() + data.size();
  if (needed > body->capacity()) {
    // reserve() on a string that holds bytes may double past the bound; a new one does not.
    std::string grown;
    grown.reserve(std::min(max_bytes, std::max(needed, 2 * body->capacity())));
    grown.append(*body);
    body->swap(grown);
  }
  body->append(data);
}

}  // namespace

RequestParser::RequestParser(const FramingLimits& limits) : limits_(limits) {}

void RequestParser::reset() {
  state_ = State::head;
  position_ = scanned_ = head_start_ = field_lines_ = 0;
  chunk_left_ = decoded_ = 0;
  overhead_ = 0;
  builder_.reset();
  chunked_body_.clear();
  // An idle keep-alive connection does not keep the largest body it has decoded.
  if (chunked_body_.capacity() > kKeptBodyCapacity) std::string().swap(chunked_body_);
  body_view_ = {};
  status_ = 0;
  reason_ = "";
}

RequestParser::Progress RequestParser::fail(int status, const char* reason) {
  state_ = State::failed;
  status_ = status;
  reason_ = reason;
  return Progress::error;
}

RequestParser::Progress RequestParser::parse(std::string_view input) {
  switch (state_) {
    case State::head:
      return parse_head(input);
    case State::length_body:
      if (input.size() - position_ < head_.content_length) return Progress::need_more;
      body_view_ = input.substr(position_, head_.content_length);
      position_ += head_.content_length;
      state_ = State::done;
      return Progress::complete;
    case State::chunk_size:
    case State::chunk_data:
    case State::trailers:
      return parse_chunks(input);
    case State::done:
      return Progress::complete;
    case State::failed:
      return Progress::error;
  }
  return Progress::error;
}

bool RequestParser::next_line(std::string_view input, const LineLimit& limit,
                              std::string_view* line, Progress* progress) {
  const size_t start = position_;
  size_t end = start + scanned_;
  while (end < input.size() && input[end] != '\r' && input[end] != '\n') ++end;
  if (end - start > limit.max_bytes || (end < input.size() && end + 2 - start > limit.max_bytes)) {
    *progress = fail(limit.status, limit.reason);
    return false;
  }
  scanned_ = end - start;
  if (end == input.size()) {
    *progress = Progress::need_more;
    return false;
  }
  if (input[end] == '\n') {
    *progress = fail(400, "bare_line_feed");
    return false;
  }
  if (end + 1 == input.size()) {
    *progress = Progress::need_more;
    return false;
  }
  if (input[end + 1] != '\n') {
    *progress = fail(400, "bare_carriage_return");
    return false;
  }
  *line = input.substr(start, end - start);
  position_ = end + 2;
  scanned_ = 0;
  return true;
}

RequestParser::Progress RequestParser::parse_head(std::string_view input) {
  for (;;) {
    // The request line may be long up to the target limit; the whole head up to its own.
    LineLimit limit{limits_.max_head_bytes > position_ ? limits_.max_head_bytes - position_ : 0,
                    431, "head_too_large"};
    if (builder_.lines() == 0) {
      if (limit.max_bytes > limits_.max_target_bytes + kRequestLineAllowance)
        limit = {limits_.max_target_bytes + kRequestLineAllowance, 414, "target_too_long"};
      const int status = check_method_prefix(input.substr(position_));
      if (status == 501) return fail(501, "method_too_long");
      if (status != 0) return fail(400, "malformed_method");
    }
    std::string_view line;
    Progress progress;
    if (!next_line(input, limit, &line, &progress)) return progress;
    if (line.empty()) {
      if (builder_.lines() == 0) {  // empty lines before the request line are ignored (§2.2)
        head_start_ = position_;
        continue;
      }
      const char* reason = "";
      const std::string_view text = input.substr(head_start_, position_ - head_start_);
      const int status = builder_.build(text, limits_.max_target_bytes, &head_, &reason);
      if (status != 0) return fail(status, reason);
      if (!start_body()) return Progress::error;
      return Progress::head;
    }
    if (builder_.lines() > limits_.max_header_fields) return fail(431, "too_many_header_fields");
    builder_.add_line(static_cast<size_t>(line.data() - input.data()) - head_start_, line.size());
  }
}

bool RequestParser::start_body() {
  if (head_.chunked) {
    state_ = State::chunk_size;
  } else if (head_.content_length > limits_.max_body_bytes) {
    fail(413, "body_too_large");
    return false;
  } else {
    state_ = head_.content_length > 0 ? State::length_body : State::done;
  }
  return true;
}

RequestParser::Progress RequestParser::parse_chunks(std::string_view input) {
  for (;;) {
    if (state_ == State::chunk_data) {
      if (input.size() - position_ < chunk_left_ + 2) {
        // A byte where the CRLF after the data belongs fails at once.
        if (input.size() - position_ > chunk_left_ && input[position_ + chunk_left_] != '\r')
          return fail(400, "chunk_data_not_followed_by_crlf");
        return Progress::need_more;
      }
      if (input[position_ + chunk_left_] != '\r' || input[position_ + chunk_left_ + 1] != '\n')
        return fail(400, "chunk_data_not_followed_by_crlf");
      append_bounded(&chunked_body_, input.substr(position_, chunk_left_),
                     static_cast<size_t>(limits_.max_body_bytes));
      position_ += chunk_left_ + 2;
      overhead_ += 2;
      state_ = State::chunk_size;
      continue;
    }
    const size_t overhead_left =
        limits_.max_chunk_overhead > overhead_ ? limits_.max_chunk_overhead - overhead_ : 0;
    LineLimit limit{overhead_left, 400, "chunk_framing_too_large"};
    if (state_ == State::chunk_size && limits_.max_chunk_line_bytes < overhead_left)
      limit = {limits_.max_chunk_line_bytes, 400, "chunk_line_too_long"};
    std::string_view line;
    Progress progress;
    if (!next_line(input, limit, &line, &progress)) return progress;
    overhead_ += line.size() + 2;
    if (state_ == State::chunk_size) {
      if (!apply_chunk_size_line(line)) return Progress::error;
    } else if (line.empty()) {
      body_view_ = chunked_body_;
      state_ = State::done;
      return Progress::complete;
    } else if (!apply_trailer_line(line)) {
      return Progress::error;
    }
  }
}

bool RequestParser::apply_chunk_size_line(std::string_view line) {
  uint64_t size = 0;
  size_t digits = 0;
  while (digits < line.size() && hex_value(line[digits]) >= 0) {
    size = size * 16 + static_cast<uint64_t>(hex_value(line[digits]));
    if (++digits > kMaxChunkSizeDigits) {
      fail(400, "chunk_size_too_large");
      return false;
    }
  }
  if (digits == 0) {
    fail(400, "malformed_chunk_size");
    return false;
  }
  if (!is_chunk_extension(line.substr(digits))) {
    fail(400, "malformed_chunk_extension");
    return false;
  }
  if (size == 0) {
    state_ = State::trailers;
    field_lines_ = 0;
    return true;
  }
  if (size > limits_.max_body_bytes - decoded_) {
    fail(413, "body_too_large");
    return false;
  }
  decoded_ += size;
  chunk_left_ = size;
  state_ = State::chunk_data;
  return true;
}

bool RequestParser::apply_trailer_line(std::string_view line) {
  Field field;
  const char* reason = "";
  if (line.front() == ' ' || line.front() == '\t') {
    fail(400, "obsolete_line_folding");
    return false;
  }
  if (!parse_field_line(line, &field, &reason)) {
    fail(400, reason);
    return false;
  }
  if (++field_lines_ > limits_.max_header_fields) {
    fail(431, "too_many_trailer_fields");
    return false;
  }
  return true;
}

}  // namespace jb::http
