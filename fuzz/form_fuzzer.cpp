// Form decoding: any bytes give the fields, or the dead-letter reason and detail, that a plain
// byte-by-byte decoder written from the rules in callback/form.h gives (the oracle below); decoded
// fields are valid UTF-8 without NUL bytes, their names are unique, and the name order that
// decode_form_into gives (parameter ranks where every name has one) is the names' byte order.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "callback/form.h"
#include "common/utf8.h"

namespace {

struct Decoded {
  std::vector<std::pair<std::string, std::string>> fields;
  std::optional<jb::DeadLetterReason> reason;
  std::string detail;
};

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// One part ('+' is a space, %XX a byte); nullopt for a malformed escape, a NUL or invalid UTF-8.
std::optional<std::string> decode_part(std::string_view part) {
  std::string out;
  for (size_t i = 0; i < part.size(); ++i) {
    const char c = part[i];
    if (c == '%') {
      if (part.size() - i < 3) return std::nullopt;
      const int high = hex_value(part[i + 1]);
      const int low = hex_value(part[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      out.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else if (c == '+') {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  if (out.find('\0') != std::string::npos || !jb::is_valid_utf8(out)) return std::nullopt;
  return out;
}

Decoded oracle(std::string_view body) {
  Decoded decoded;
  size_t start = 0;
  while (start <= body.size()) {
    size_t end = body.find('&', start);
    if (end == std::string_view::npos) end = body.size();
    const std::string_view piece = body.substr(start, end - start);
    start = end + 1;
    if (piece.empty()) continue;
    const size_t equals = piece.find('=');
    auto name = decode_part(piece.substr(0, equals));
    if (!name) {
      decoded.reason = jb::DeadLetterReason::bad_encoding;
      decoded.detail = "parameter name #" + std::to_string(decoded.fields.size() + 1) +
                       " is not valid percent-encoded UTF-8";
      return decoded;
    }
    std::optional<std::string> value = std::string();
    if (equals != std::string_view::npos) value = decode_part(piece.substr(equals + 1));
    if (!value) {
      decoded.reason = jb::DeadLetterReason::bad_encoding;
      decoded.detail = "parameter " + *name + " is not valid percent-encoded UTF-8";
      return decoded;
    }
    decoded.fields.emplace_back(std::move(*name), std::move(*value));
  }
  std::vector<std::string> names;
  for (const auto& field : decoded.fields) names.push_back(field.first);
  std::sort(names.begin(), names.end());
  auto repeated = std::adjacent_find(names.begin(), names.end());
  if (repeated != names.end()) {
    decoded.reason = jb::DeadLetterReason::duplicate_parameter;
    decoded.detail = "parameter " + *repeated + " is repeated";
  }
  return decoded;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  const Decoded expected = oracle(body);
  std::string arena;
  std::vector<jb::callback::FieldView> fields;
  std::vector<const jb::callback::FieldView*> by_name;
  auto failure = jb::callback::decode_form_into(body, &arena, &fields, &by_name);
  if (failure.has_value() != expected.reason.has_value()) std::abort();
  if (failure) {
    if (failure->reason != *expected.reason || failure->detail != expected.detail) std::abort();
    return 0;
  }
  if (fields.size() != expected.fields.size() || by_name.size() != fields.size()) std::abort();
  for (size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].name != expected.fields[i].first) std::abort();
    if (fields[i].value != expected.fields[i].second) std::abort();
    if (!jb::is_valid_utf8(fields[i].name) || !jb::is_valid_utf8(fields[i].value)) std::abort();
  }
  for (size_t i = 1; i < by_name.size(); ++i) {
    if (!(by_name[i - 1]->name < by_name[i]->name)) std::abort();
  }
  // decode_form gives the same fields.
  auto copies = jb::callback::decode_form(body);
  if (!copies.ok() || copies.value() != expected.fields) std::abort();
  return 0;
}
