#include "callback/json_value.h"

#include <cstring>

#include "callback/plain_json.h"
#include "common/utf8.h"

namespace jb::callback {
namespace {

bool is_clean_string(const rapidjson::Value& value) {
  std::string_view text(value.GetString(), value.GetStringLength());
  return std::memchr(text.data(), '\0', text.size()) == nullptr && is_valid_utf8(text);
}

// Recursion is bounded by kMaxJsonDepth + 1 frames: deeper containers are refused before descent.
// Strings are checked only when `check_strings` (see parse_json_value).
bool is_within_limits(const rapidjson::Value& value, int depth, bool check_strings) {
  if (value.IsString()) return !check_strings || is_clean_string(value);
  if (value.IsArray()) {
    if (depth > kMaxJsonDepth) return false;
    for (const auto& element : value.GetArray()) {
      if (!is_within_limits(element, depth + 1, check_strings)) return false;
    }
  } else if (value.IsObject()) {
    if (depth > kMaxJsonDepth) return false;
    for (const auto& member : value.GetObject()) {
      if ((check_strings && !is_clean_string(member.name)) ||
          !is_within_limits(member.value, depth + 1, check_strings)) {
        return false;
      }
    }
  }
  return true;
}

}  // namespace

bool parse_json_value(std::string_view text, rapidjson::Value* out,
                      rapidjson::Document::AllocatorType& allocator) {
  // What a callback usually holds is read in one pass (plain_json.h); anything else by RapidJSON.
  if (parse_plain_json(text, out, allocator) == PlainJson::parsed) return true;
  return parse_json_value_by_rapidjson(text, out, allocator);
}

bool parse_json_value_by_rapidjson(std::string_view text, rapidjson::Value* out,
                                   rapidjson::Document::AllocatorType& allocator) {
  // The parser's stacks come from one buffer per thread, reused (deeper or larger values take
  // chunks from the heap, freed with the pool); the value itself from `allocator`.
  using StackPool = rapidjson::MemoryPoolAllocator<rapidjson::CrtAllocator>;
  using Document =
      rapidjson::GenericDocument<rapidjson::UTF8<>, rapidjson::MemoryPoolAllocator<>, StackPool>;
  alignas(8) thread_local char stack_buffer[8 * 1024];
  StackPool stack_pool(stack_buffer, sizeof stack_buffer);
  Document document(&allocator, 1024, &stack_pool);
  // Text that is valid UTF-8 without a NUL (a decoded form value always is) needs no validation
  // while parsing, and its strings need no check afterwards unless a \u escape made them: each is
  // then a piece of the text between ASCII quotes.
  const bool clean_text =
      std::memchr(text.data(), '\0', text.size()) == nullptr && is_valid_utf8(text);
  const bool check_strings = !clean_text || text.find("\\u") != std::string_view::npos;
  // No kParseFullPrecisionFlag: RapidJSON 1.1.0's full-precision path crashes on numbers with a few
  // hundred digits ("0.000…"), which any sender could post.
  if (clean_text) {
    document.Parse<rapidjson::kParseIterativeFlag>(text.data(), text.size());
  } else {
    document.Parse<rapidjson::kParseValidateEncodingFlag | rapidjson::kParseIterativeFlag>(
        text.data(), text.size());
  }
  if (document.HasParseError() || !is_within_limits(document, 1, check_strings)) return false;
  out->Swap(document);
  return true;
}

bool nests_deeper_than(std::string_view text, int limit) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

const rapidjson::Value* member(const rapidjson::Value& object, std::string_view name) {
  if (!object.IsObject()) return nullptr;
  auto found = object.FindMember(rapidjson::Value(
      rapidjson::StringRef(name.data(), static_cast<rapidjson::SizeType>(name.size()))));
  if (found == object.MemberEnd() || found->value.IsNull()) return nullptr;
  return &found->value;
}

}  // namespace jb::callback
