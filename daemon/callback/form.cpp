#include "callback/form.h"

#include <algorithm>

#include "common/utf8.h"

namespace jb::callback {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes one name or value into *out; false on a malformed escape, invalid UTF-8 or a NUL.
// Decodes in place over a copy (the result is never longer).
bool percent_decode(std::string_view text, std::string* out) {
  out->assign(text.data(), text.size());
  char* chars = out->data();
  const size_t size = out->size();
  size_t write = 0;
  for (size_t read = 0; read < size; ++read) {
    const char c = chars[read];
    if (c == '+') {
      chars[write++] = ' ';
    } else if (c == '%') {
      if (size - read < 3) return false;
      const int high = hex_value(chars[read + 1]);
      const int low = hex_value(chars[read + 2]);
      if (high < 0 || low < 0 || (high == 0 && low == 0)) return false;
      chars[write++] = static_cast<char>(high * 16 + low);
      read += 2;
    } else if (c == '\0') {
      return false;
    } else {
      chars[write++] = c;
    }
  }
  out->resize(write);
  return is_valid_utf8(*out);
}

Failure bad_encoding(std::string detail) {
  return Failure{DeadLetterReason::bad_encoding, std::move(detail), {}};
}

// The first repeated name, or nullptr; fields are small in number but the body is not trusted,
// so this sorts indices instead of comparing every pair.
const std::string* first_duplicate_name(const std::vector<FormField>& fields) {
  std::vector<const std::string*> names;
  names.reserve(fields.size());
  for (const auto& field : fields) names.push_back(&field.first);
  std::sort(names.begin(), names.end(),
            [](const std::string* a, const std::string* b) { return *a < *b; });
  auto repeated =
      std::adjacent_find(names.begin(), names.end(),
                         [](const std::string* a, const std::string* b) { return *a == *b; });
  return repeated == names.end() ? nullptr : *repeated;
}

}  // namespace

Result<std::vector<FormField>> decode_form(std::string_view body) {
  std::vector<FormField> fields;
  fields.reserve(static_cast<size_t>(std::count(body.begin(), body.end(), '&')) + 1);
  size_t position = 0;
  while (position <= body.size()) {
    size_t end = body.find('&', position);
    if (end == std::string_view::npos) end = body.size();
    std::string_view piece = body.substr(position, end - position);
    position = end + 1;
    if (piece.empty()) continue;

    size_t equals = piece.find('=');
    std::string_view raw_name = piece.substr(0, equals);
    std::string_view raw_value =
        equals == std::string_view::npos ? std::string_view() : piece.substr(equals + 1);
    FormField field;
    if (!percent_decode(raw_name, &field.first)) {
      return bad_encoding("parameter name #" + std::to_string(fields.size() + 1) +
                          " is not valid percent-encoded UTF-8");
    }
    if (!percent_decode(raw_value, &field.second)) {
      return bad_encoding("parameter " + field.first + " is not valid percent-encoded UTF-8");
    }
    fields.push_back(std::move(field));
  }
  if (const std::string* name = first_duplicate_name(fields)) {
    return Failure{
        DeadLetterReason::duplicate_parameter, "parameter " + *name + " is repeated", {}};
  }
  return fields;
}

}  // namespace jb::callback
