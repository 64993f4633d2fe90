#include "callback/plain_json.h"

#include <cstring>

#include <emmintrin.h>

#include "callback/json_value.h"
#include "common/json_escapes.h"
#include "common/utf8.h"

namespace jb::callback {
namespace {

// How a string's scan treats each byte.
enum StringByte : unsigned char { kCopied, kQuote, kBackslash, kControl, kHigh };

struct Tables {
  StringByte string_byte[256];
  char unescaped[256];  // what a two-character escape's second byte stands for; 0: not plain
};

constexpr Tables make_tables() {
  Tables tables{};
  for (int c = 0; c < 256; ++c) {
    tables.string_byte[c] = c < 0x20 ? kControl : c >= 0x80 ? kHigh : kCopied;
  }
  tables.string_byte[static_cast<unsigned char>('"')] = kQuote;
  tables.string_byte[static_cast<unsigned char>('\\')] = kBackslash;
  tables.unescaped[static_cast<unsigned char>('"')] = '"';
  tables.unescaped[static_cast<unsigned char>('\\')] = '\\';
  tables.unescaped[static_cast<unsigned char>('/')] = '/';
  tables.unescaped[static_cast<unsigned char>('b')] = '\b';
  tables.unescaped[static_cast<unsigned char>('f')] = '\f';
  tables.unescaped[static_cast<unsigned char>('n')] = '\n';
  tables.unescaped[static_cast<unsigned char>('r')] = '\r';
  tables.unescaped[static_cast<unsigned char>('t')] = '\t';
  return tables;
}

constexpr Tables kTables = make_tables();

// A recursive-descent reader of plain JSON (see parse_plain_json). Every method returns false as
// soon as the text stops being plain; the reader is then abandoned. Recursion is bounded by
// kMaxJsonDepth: a deeper container is not plain.
class Reader {
 public:
  Reader(std::string_view text, rapidjson::Document::AllocatorType& allocator)
      : read_(text.data()), end_(text.data() + text.size()), allocator_(allocator) {}

  bool document(rapidjson::Value* out) {
    skip_whitespace();
    if (!value(out, 1)) return false;
    skip_whitespace();
    return read_ == end_;
  }

 private:
  void skip_whitespace() {
    while (read_ != end_ && (*read_ == ' ' || *read_ == '\n' || *read_ == '\r' || *read_ == '\t'))
      ++read_;
  }

  // Consumes `word` at read_ exactly.
  bool literal(std::string_view word) {
    if (static_cast<size_t>(end_ - read_) < word.size() ||
        std::memcmp(read_, word.data(), word.size()) != 0)
      return false;
    read_ += word.size();
    return true;
  }

  // A value whose containers are at `depth` (the outermost is 1).
  bool value(rapidjson::Value* out, int depth) {
    if (read_ == end_) return false;
    switch (*read_) {
      case '"':
        return string(out);
      case '{':
        return object(out, depth);
      case '[':
        return array(out, depth);
      case 't':
        if (!literal("true")) return false;
        out->SetBool(true);
        return true;
      case 'f':
        if (!literal("false")) return false;
        out->SetBool(false);
        return true;
      case 'n':
        if (!literal("null")) return false;
        out->SetNull();
        return true;
      default:
        return number(out);
    }
  }

  // 0 or 1..999,999,999 without leading zeros, ending where a number cannot go on.
  bool number(rapidjson::Value* out) {
    const char* start = read_;
    unsigned value = 0;
    while (read_ != end_ && *read_ >= '0' && *read_ <= '9' && read_ - start < 10) {
      value = value * 10 + static_cast<unsigned>(*read_ - '0');
      ++read_;
    }
    const auto digits = read_ - start;
    if (digits == 0 || digits > 9 || (*start == '0' && digits > 1)) return false;
    if (read_ != end_ && (*read_ == '.' || *read_ == 'e' || *read_ == 'E')) return false;
    out->SetUint(value);
    return true;
  }

  // A string at read_ (its opening quote): refers to the text when it has no escape.
  bool string(rapidjson::Value* out) {
    const char* const start = ++read_;
    bool high = false;
    // Bytes other than a quote, a backslash or a control byte skipped 16 at a time while 16 are
    // left; the byte a step stops at is read below. A byte >= 0x80 (its top bit is the
    // movemask's) before it marks the string for the UTF-8 check.
    while (end_ - read_ >= 16) {
      const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(read_));
      const unsigned stops = json_escaped_bytes(bytes);
      const unsigned before_stop = (stops & (0u - stops)) - 1;  // every bit when there is none
      high = high || (static_cast<unsigned>(_mm_movemask_epi8(bytes)) & before_stop) != 0;
      if (stops != 0) {
        read_ += __builtin_ctz(stops);
        break;
      }
      read_ += 16;
    }
    for (;;) {
      if (read_ == end_) return false;
      const StringByte type = kTables.string_byte[static_cast<unsigned char>(*read_)];
      if (type == kCopied) {
        ++read_;
      } else if (type == kQuote) {
        break;
      } else if (type == kHigh) {
        high = true;
        ++read_;
      } else if (type == kBackslash) {
        return escaped_string(start, high, out);
      } else {
        return false;  // a control byte
      }
    }
    const auto length = static_cast<rapidjson::SizeType>(read_ - start);
    ++read_;
    if (high && !is_valid_utf8(std::string_view(start, length))) return false;
    out->SetString(rapidjson::StringRef(start, length));
    return true;
  }

  // The rest of a string from its first backslash at read_, the string begun at `start`:
  // unescaped into memory from the allocator.
  bool escaped_string(const char* start, bool high, rapidjson::Value* out) {
    // Unescaping never lengthens: the string's text up to its closing quote bounds it.
    const char* close = read_;
    while (close != end_ && *close != '"') {
      if (*close == '\\' && ++close == end_) break;  // the escaped byte is skipped too
      ++close;
    }
    if (close == end_) return false;
    char* const unescaped =
        static_cast<char*>(allocator_.Malloc(static_cast<size_t>(close - start) + 1));
    const size_t plain = static_cast<size_t>(read_ - start);
    std::memcpy(unescaped, start, plain);
    char* write = unescaped + plain;
    for (;;) {
      if (read_ == end_) return false;
      const StringByte type = kTables.string_byte[static_cast<unsigned char>(*read_)];
      if (type == kCopied || type == kHigh) {
        high = high || type == kHigh;
        *write++ = *read_++;
      } else if (type == kQuote) {
        break;
      } else if (type == kBackslash) {
        if (end_ - read_ < 2) return false;
        const char replacement = kTables.unescaped[static_cast<unsigned char>(read_[1])];
        if (replacement == 0) return false;  // \u or not an escape
        *write++ = replacement;
        read_ += 2;
      } else {
        return false;
      }
    }
    ++read_;
    const auto length = static_cast<rapidjson::SizeType>(write - unescaped);
    if (high && !is_valid_utf8(std::string_view(unescaped, length))) return false;
    *write = '\0';
    out->SetString(rapidjson::StringRef(unescaped, length));
    return true;
  }

  bool object(rapidjson::Value* out, int depth) {
    if (depth > kMaxJsonDepth) return false;
    ++read_;
    rapidjson::Value object(rapidjson::kObjectType);
    skip_whitespace();
    if (read_ != end_ && *read_ == '}') {
      ++read_;
      *out = object;
      return true;
    }
    for (;;) {
      if (read_ == end_ || *read_ != '"') return false;
      rapidjson::Value name;
      if (!string(&name)) return false;
      skip_whitespace();
      if (read_ == end_ || *read_ != ':') return false;
      ++read_;
      skip_whitespace();
      rapidjson::Value member;
      // A string member (most of them) is read without the call through value().
      if (read_ != end_ && *read_ == '"' ? !string(&member) : !value(&member, depth + 1))
        return false;
      object.AddMember(name, member, allocator_);
      skip_whitespace();
      if (read_ == end_) return false;
      if (*read_ == '}') break;
      if (*read_ != ',') return false;
      ++read_;
      skip_whitespace();
    }
    ++read_;
    *out = object;
    return true;
  }

  bool array(rapidjson::Value* out, int depth) {
    if (depth > kMaxJsonDepth) return false;
    ++read_;
    rapidjson::Value array(rapidjson::kArrayType);
    skip_whitespace();
    if (read_ != end_ && *read_ == ']') {
      ++read_;
      *out = array;
      return true;
    }
    for (;;) {
      rapidjson::Value element;
      if (!value(&element, depth + 1)) return false;
      array.PushBack(element, allocator_);
      skip_whitespace();
      if (read_ == end_) return false;
      if (*read_ == ']') break;
      if (*read_ != ',') return false;
      ++read_;
      skip_whitespace();
    }
    ++read_;
    *out = array;
    return true;
  }

  const char* read_;
  const char* const end_;
  rapidjson::Document::AllocatorType& allocator_;
};

}  // namespace

PlainJson parse_plain_json(std::string_view text, rapidjson::Value* out,
                           rapidjson::Document::AllocatorType& allocator) {
  rapidjson::Value value;
  Reader reader(text, allocator);
  if (!reader.document(&value)) return PlainJson::not_plain;
  *out = value;
  return PlainJson::parsed;
}

}  // namespace jb::callback
