#include "callback/event_id.h"

#include <cstring>

#include "common/sha256.h"
#include "common/small_copy.h"

namespace jb::callback {

std::string event_id(const std::vector<FormField>& fields) {
  return event_id_of_views(views_of(fields));
}

std::string event_id_of_views(const std::vector<FieldView>& fields) {
  // Ordered by name, then value (the value only decides for a repeated name, which decoding
  // refuses).
  return event_id_of_sorted(sorted_by_name(fields));
}

std::string event_id_of_sorted(const std::vector<const FieldView*>& sorted) {
  size_t total = 0;
  for (const FieldView* field : sorted) total += field->name.size() + field->value.size() + 2;
  // One buffer per thread, reused: its memory stays at the largest content seen.
  thread_local std::string buffer;
  if (buffer.size() < total) buffer.resize(total);
  char* write = buffer.data();
  for (const FieldView* field : sorted) {
    small_copy(write, field->name.data(), field->name.size());
    write += field->name.size();
    *write++ = '\0';
    small_copy(write, field->value.data(), field->value.size());
    write += field->value.size();
    *write++ = '\0';
  }
  const std::string_view content(buffer.data(), total);
  auto digest = sha256(content);
  digest[6] = static_cast<unsigned char>((digest[6] & 0x0F) | 0x80);
  digest[8] = static_cast<unsigned char>((digest[8] & 0x3F) | 0x80);

  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(36, '-');
  size_t out = 0;
  for (size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) ++out;
    id[out++] = kHex[digest[i] >> 4];
    id[out++] = kHex[digest[i] & 0x0F];
  }
  return id;
}

}  // namespace jb::callback
