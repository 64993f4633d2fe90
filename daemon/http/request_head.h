// What a complete request head says (RFC 9112 §3, §5, §6, §9.6; RFC 9110 §7.2, §10.1.1): the
// request line's parts, every field, and the framing and connection decisions they imply.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace jb::http {

struct Field {
  std::string_view name;
  std::string_view value;  // without surrounding whitespace
};

// Its views point into its own copy of the head: it is not copied or moved.
class RequestHead {
 public:
  RequestHead() = default;
  RequestHead(const RequestHead&) = delete;
  RequestHead& operator=(const RequestHead&) = delete;

  std::string_view method;
  std::string_view target;       // as sent
  std::string_view path;         // the target's path ("/" for an absolute-form target without one)
  std::string_view query;        // after '?', without it
  std::string_view authority;    // an absolute-form target's authority, else the Host field
  int minor_version = 1;         // HTTP/1.0 is 0; HTTP/1.1 and later 1.x are served as 1
  bool keep_alive = true;        // the connection may carry another request after this one
  bool chunked = false;          // Transfer-Encoding: chunked
  uint64_t content_length = 0;   // without chunked: the body's length (0 without Content-Length)
  bool expect_continue = false;  // the client waits for "100 Continue" before sending the body

  // The fields the routes use; "" when absent. Lists sent in several fields are joined.
  std::string_view content_type;
  std::string_view content_encoding;  // as sent: see is_identity_coding()
  std::string_view authorization;
  std::string_view forwarded_for;  // every X-Forwarded-For field in order, joined with ", "

  const std::vector<Field>& fields() const { return fields_; }
  bool has_body() const { return chunked || content_length > 0; }

 private:
  friend class HeadBuilder;
  std::string text_;
  std::string joined_forwarded_for_;
  std::string joined_content_encoding_;
  std::vector<Field> fields_;
};

// A Content-Encoding value (RFC 9110 §8.4: a list of content codings, case-insensitive) that
// applies no coding: empty, or only "identity" in any case ("IDENTITY", "identity, Identity").
// False for any other coding or an element that is not a token.
bool is_identity_coding(std::string_view content_encoding);

// "name: value" (RFC 9112 §5): the name a token right before the colon, the value without
// control bytes. False with a reason code otherwise. Used for header and trailer fields.
bool parse_field_line(std::string_view line, Field* field, const char** reason);

// Collects a head's lines as the parser finds them, then checks and interprets them.
class HeadBuilder {
 public:
  void reset() { lines_.clear(); }
  // A line's place, counted from the request line's first byte, without its CRLF.
  void add_line(size_t offset, size_t size) {
    lines_.emplace_back(static_cast<uint32_t>(offset), static_cast<uint32_t>(size));
  }
  size_t lines() const { return lines_.size(); }

  // `text` is the head from its request line through the blank line. Fills *head and returns 0,
  // or returns the status to answer (400, 414, 417, 501, 505) with *reason.
  int build(std::string_view text, size_t max_target_bytes, RequestHead* head,
            const char** reason) const;

 private:
  std::vector<std::pair<uint32_t, uint32_t>> lines_;
};

}  // namespace jb::http
