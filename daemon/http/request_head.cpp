#include "http/request_head.h"

#include "http/syntax.h"

namespace jb::http {
namespace {

using syntax::equals_lower;

struct Error {
  int status = 0;
  const char* reason = "";
};

bool is_target_char(char c) {
  return c > 0x20 && c < 0x7f && c != '#';
}

// uri-host [ ":" port ] with a host: an http(s) URI with an empty host is invalid (RFC 9110
// §4.2.1), and so are an authority-form target and a Host field naming only a port.
bool is_named_host(std::string_view authority) {
  return !authority.empty() && authority.front() != ':' && syntax::is_host(authority);
}

// "http://authority/path?query" or "https://...": true with the parts filled.
bool split_absolute_form(std::string_view target, RequestHead* head) {
  size_t scheme_end = target.find("://");
  if (scheme_end == std::string_view::npos) return false;
  std::string_view scheme = target.substr(0, scheme_end);
  if (!equals_lower(scheme, "http") && !equals_lower(scheme, "https")) return false;
  std::string_view rest = target.substr(scheme_end + 3);
  const size_t authority_end = rest.find_first_of("/?");
  head->authority = rest.substr(0, authority_end);
  rest = authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
  const size_t question = rest.find('?');
  head->path = rest.substr(0, question);
  if (head->path.empty()) head->path = "/";
  if (question != std::string_view::npos) head->query = rest.substr(question + 1);
  return is_named_host(head->authority);
}

// request-line = method SP request-target SP HTTP-version (RFC 9112 §3).
Error parse_request_line(std::string_view line, size_t max_target_bytes, RequestHead* head,
                         bool* absolute_form) {
  const size_t first = line.find(' ');
  const size_t second = first == std::string_view::npos ? first : line.find(' ', first + 1);
  if (second == std::string_view::npos) return {400, "malformed_request_line"};
  head->method = line.substr(0, first);
  head->target = line.substr(first + 1, second - first - 1);
  const std::string_view version = line.substr(second + 1);
  if (!syntax::is_token(head->method)) return {400, "malformed_method"};
  if (head->target.size() > max_target_bytes) return {414, "target_too_long"};
  if (head->target.empty()) return {400, "malformed_target"};
  for (char c : head->target)
    if (!is_target_char(c)) return {400, "malformed_target"};
  if (version.size() != 8 || version.compare(0, 5, "HTTP/") != 0 || version[6] != '.' ||
      version[5] < '0' || version[5] > '9' || version[7] < '0' || version[7] > '9')
    return {400, "malformed_version"};
  if (version[5] != '1') return {505, "http_version_not_supported"};
  head->minor_version = version[7] == '0' ? 0 : 1;

  const bool connect = head->method == "CONNECT";
  const std::string_view target = head->target;
  if (target.front() == '/' && !connect) {
    const size_t question = target.find('?');
    head->path = target.substr(0, question);
    if (question != std::string_view::npos) head->query = target.substr(question + 1);
  } else if (target == "*" && head->method == "OPTIONS") {
    head->path = target;
  } else if (connect) {
    // authority-form (§3.2.3): host and port, nothing else.
    if (target.find(':') == std::string_view::npos || !is_named_host(target))
      return {400, "malformed_target"};
    head->authority = target;
  } else if (split_absolute_form(target, head)) {
    *absolute_form = true;
  } else {
    return {400, "malformed_target"};
  }
  return {};
}

// The fields that decide framing and the connection, read once each.
struct Framing {
  size_t hosts = 0;
  std::string_view host;
  size_t lengths = 0;
  std::string_view length;
  bool transfer_encoding = false;
  size_t chunked = 0;
  bool chunked_last = false;
  bool other_coding = false;
  bool bad_coding = false;
  bool close = false;
  bool keep_alive = false;
  bool bad_connection = false;
  bool expect_continue = false;
  bool other_expectation = false;
  size_t content_types = 0;
  size_t authorizations = 0;
  size_t forwarded_fors = 0;
  size_t content_encodings = 0;
};

void note_transfer_encoding(std::string_view value, Framing* framing) {
  framing->transfer_encoding = true;
  // Stricter than the RFC asks: an empty element makes the framing doubtful, so 400.
  size_t empty = 0;
  const bool well_formed = syntax::for_each_list_element(
      value,
      [&](std::string_view coding) {
        if (!syntax::is_token(coding)) return false;
        framing->chunked_last = equals_lower(coding, "chunked");
        if (framing->chunked_last) {
          ++framing->chunked;
        } else {
          framing->other_coding = true;
        }
        return true;
      },
      &empty);
  if (!well_formed || empty > 0) framing->bad_coding = true;
}

void note_connection(std::string_view value, Framing* framing) {
  const bool well_formed = syntax::for_each_list_element(value, [&](std::string_view option) {
    if (!syntax::is_token(option)) return false;
    if (equals_lower(option, "close")) framing->close = true;
    if (equals_lower(option, "keep-alive")) framing->keep_alive = true;
    return true;
  });
  if (!well_formed) framing->bad_connection = true;
}

void note_expect(std::string_view value, Framing* framing) {
  const bool well_formed = syntax::for_each_list_element(value, [&](std::string_view expectation) {
    if (equals_lower(expectation, "100-continue")) {
      framing->expect_continue = true;
    } else {
      framing->other_expectation = true;
    }
    return true;
  });
  if (!well_formed) framing->other_expectation = true;
}

void note_field(const Field& field, Framing* framing, RequestHead* head) {
  const std::string_view name = field.name;
  switch (name.size()) {
    case 4:
      if (equals_lower(name, "host")) {
        ++framing->hosts;
        framing->host = field.value;
      }
      break;
    case 6:
      if (equals_lower(name, "expect")) note_expect(field.value, framing);
      break;
    case 10:
      if (equals_lower(name, "connection")) note_connection(field.value, framing);
      break;
    case 12:
      if (equals_lower(name, "content-type")) {
        ++framing->content_types;
        head->content_type = field.value;
      }
      break;
    case 13:
      if (equals_lower(name, "authorization")) {
        ++framing->authorizations;
        head->authorization = field.value;
      }
      break;
    case 14:
      if (equals_lower(name, "content-length")) {
        ++framing->lengths;
        framing->length = field.value;
      }
      break;
    case 15:
      if (equals_lower(name, "x-forwarded-for")) {
        if (framing->forwarded_fors++ == 0) head->forwarded_for = field.value;
      }
      break;
    case 16:
      if (equals_lower(name, "content-encoding")) {
        if (framing->content_encodings++ == 0) head->content_encoding = field.value;
      }
      break;
    case 17:
      if (equals_lower(name, "transfer-encoding")) note_transfer_encoding(field.value, framing);
      break;
    default:
      break;
  }
}

// Every value of the fields called `lower_name`, in order, joined with ", " (RFC 9110 §5.3).
void join_values(const std::vector<Field>& fields, std::string_view lower_name,
                 std::string* joined) {
  joined->clear();
  for (const Field& field : fields) {
    if (!equals_lower(field.name, lower_name)) continue;
    if (!joined->empty()) joined->append(", ");
    joined->append(field.value);
  }
}

Error apply_framing(const Framing& framing, bool absolute_form, RequestHead* head) {
  if (framing.hosts > 1) return {400, "repeated_host"};
  if (framing.hosts == 0 && head->minor_version == 1) return {400, "missing_host"};
  // An empty Host is valid (a target without authority, RFC 9112 §3.2); a port alone is not.
  if (framing.hosts == 1 && !framing.host.empty() && !is_named_host(framing.host))
    return {400, "invalid_host"};
  if (!absolute_form && head->authority.empty()) head->authority = framing.host;
  if (framing.content_types > 1 || framing.authorizations > 1) return {400, "repeated_field"};

  if (framing.transfer_encoding) {
    if (head->minor_version == 0) return {400, "transfer_encoding_in_http_1_0"};
    if (framing.lengths > 0) return {400, "conflicting_framing"};
    if (framing.bad_coding) return {400, "malformed_transfer_encoding"};
    if (!framing.chunked_last) return {400, "chunked_not_final"};
    if (framing.chunked > 1) return {400, "chunked_twice"};
    if (framing.other_coding) return {501, "unsupported_transfer_coding"};
    head->chunked = true;
  } else if (framing.lengths > 1) {
    return {400, "repeated_content_length"};
  } else if (framing.lengths == 1 &&
             !syntax::parse_decimal(framing.length, &head->content_length)) {
    return {400, "malformed_content_length"};
  }

  if (framing.bad_connection) return {400, "malformed_connection"};
  head->keep_alive =
      head->minor_version == 1 ? !framing.close : framing.keep_alive && !framing.close;
  // An HTTP/1.0 client cannot expect anything (RFC 9110 §10.1.1).
  if (head->minor_version == 1) {
    if (framing.other_expectation) return {417, "unsupported_expectation"};
    head->expect_continue = framing.expect_continue;
  }
  return {};
}

}  // namespace

bool is_identity_coding(std::string_view content_encoding) {
  return syntax::for_each_list_element(
      content_encoding, [](std::string_view coding) { return equals_lower(coding, "identity"); });
}

bool parse_field_line(std::string_view line, Field* field, const char** reason) {
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) {
    *reason = "malformed_field";
    return false;
  }
  field->name = line.substr(0, colon);
  if (!syntax::is_token(field->name)) {
    *reason = "malformed_field_name";
    return false;
  }
  field->value = syntax::trim(line.substr(colon + 1));
  if (!syntax::is_field_value(field->value)) {
    *reason = "control_byte_in_field";
    return false;
  }
  return true;
}

int HeadBuilder::build(std::string_view text, size_t max_target_bytes, RequestHead* head,
                       const char** reason) const {
  head->text_.assign(text.data(), text.size());
  head->fields_.clear();
  head->path = head->query = head->authority = {};
  head->content_type = head->content_encoding = head->authorization = head->forwarded_for = {};
  head->chunked = head->expect_continue = false;
  head->content_length = 0;
  const std::string_view all = head->text_;
  auto line = [&](size_t i) { return all.substr(lines_[i].first, lines_[i].second); };

  bool absolute_form = false;
  Error error = parse_request_line(line(0), max_target_bytes, head, &absolute_form);
  Framing framing;
  for (size_t i = 1; i < lines_.size() && error.status == 0; ++i) {
    const std::string_view field_line = line(i);
    Field field;
    if (field_line.front() == ' ' || field_line.front() == '\t') {
      error = {400, i == 1 ? "whitespace_before_first_field" : "obsolete_line_folding"};
    } else if (!parse_field_line(field_line, &field, &error.reason)) {
      error.status = 400;
    } else {
      head->fields_.push_back(field);
      note_field(field, &framing, head);
    }
  }
  if (error.status == 0) error = apply_framing(framing, absolute_form, head);
  if (error.status != 0) {
    *reason = error.reason;
    return error.status;
  }
  if (framing.forwarded_fors > 1) {
    join_values(head->fields_, "x-forwarded-for", &head->joined_forwarded_for_);
    head->forwarded_for = head->joined_forwarded_for_;
  }
  if (framing.content_encodings > 1) {
    join_values(head->fields_, "content-encoding", &head->joined_content_encoding_);
    head->content_encoding = head->joined_content_encoding_;
  }
  return 0;
}

}  // namespace jb::http
