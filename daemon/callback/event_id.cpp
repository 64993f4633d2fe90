#include "callback/event_id.h"

#include <algorithm>

#include "common/sha256.h"

namespace jb::callback {

std::string event_id(const std::vector<FormField>& fields) {
  std::vector<const FormField*> sorted;
  sorted.reserve(fields.size());
  size_t total = 0;
  for (const auto& field : fields) {
    sorted.push_back(&field);
    total += field.first.size() + field.second.size() + 2;
  }
  // Ordered by name, then value (the value only decides for a repeated name, which decoding
  // refuses).
  std::sort(sorted.begin(), sorted.end(), [](const FormField* a, const FormField* b) {
    const int by_name = a->first.compare(b->first);
    return by_name != 0 ? by_name < 0 : a->second < b->second;
  });
  std::string content;
  content.reserve(total);
  for (const FormField* field : sorted) {
    content.append(field->first).push_back('\0');
    content.append(field->second).push_back('\0');
  }
  auto digest = sha256(content);
  digest[6] = static_cast<unsigned char>((digest[6] & 0x0F) | 0x80);
  digest[8] = static_cast<unsigned char>((digest[8] & 0x3F) | 0x80);

  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  id.reserve(36);
  for (size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) id.push_back('-');
    id.push_back(kHex[digest[i] >> 4]);
    id.push_back(kHex[digest[i] & 0x0F]);
  }
  return id;
}

}  // namespace jb::callback
