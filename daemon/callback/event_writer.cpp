#include "callback/event_writer.h"

#include <cstdint>
#include <cstring>
#include <memory>

#include <rapidjson/internal/dtoa.h>
#include <rapidjson/internal/ieee754.h>
#include <rapidjson/internal/itoa.h>

#include "common/utf8.h"

namespace jb::callback {
namespace {

// What follows a backslash for each byte JSON requires escaped ('u' for \u00XX), 0 for bytes
// copied as they are: RapidJSON's Writer table, so the output is the one its Writer gives.
constexpr char kEscape[256] = {
    'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'b', 't', 'n', 'u', 'f',  'r', 'u', 'u',  // 00
    'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u',  'u', 'u', 'u',  // 10
    0,   0,   '"', 0,   0,   0,   0,   0,   0,   0,   0,   0,   0,    0,   0,   0,    // 20
    0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,    0,   0,   0,    // 30
    0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,    0,   0,   0,    // 40
    0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   '\\', 0,   0,   0,    // 50
};

// The eight bytes at text (memcpy: no alignment assumed).
uint64_t word_at(const char* text) {
  uint64_t word;
  std::memcpy(&word, text, sizeof word);
  return word;
}

// Whether one of the eight bytes of `word` is escaped: below 0x20, '"' or '\\' (bit tricks
// without false negatives or false positives for the word as a whole).
bool needs_escape(uint64_t word) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHighBits = 0x8080808080808080ULL;
  const auto has_zero_byte = [](uint64_t value) { return (value - kOnes) & ~value & kHighBits; };
  const uint64_t below_space = (word - kOnes * 0x20) & ~word & kHighBits;
  return (below_space | has_zero_byte(word ^ (kOnes * '"')) |
          has_zero_byte(word ^ (kOnes * '\\'))) != 0;
}

// A growing byte buffer written through a pointer: room is made before a write, and nothing is
// initialised that is not written.
class Bytes {
 public:
  // Room for `count` more bytes at the returned pointer; commit(end) keeps what was written.
  char* room(size_t count) {
    if (capacity_ - size_ < count) grow(size_ + count);
    return data_.get() + size_;
  }
  void commit(const char* end) { size_ = static_cast<size_t>(end - data_.get()); }
  void clear() { size_ = 0; }
  std::string_view view() const { return {data_.get(), size_}; }

 private:
  void grow(size_t needed) {
    size_t capacity = capacity_ == 0 ? 4096 : capacity_;
    while (capacity < needed) capacity *= 2;
    std::unique_ptr<char[]> data(new char[capacity]);
    if (size_ != 0) std::memcpy(data.get(), data_.get(), size_);
    data_ = std::move(data);
    capacity_ = capacity;
  }

  std::unique_ptr<char[]> data_;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

// Compact JSON written straight into a buffer, strings escaped from one table. Every string
// reaching it was checked as UTF-8 when it was decoded (form values) or parsed (JSON-in-form
// values, with kParseValidateEncodingFlag) and is copied as is; the finished JSON is checked once.
class JsonOut {
 public:
  explicit JsonOut(Bytes* out) : out_(out) {}

  void raw(std::string_view text) {
    char* write = out_->room(text.size());
    std::memcpy(write, text.data(), text.size());
    out_->commit(write + text.size());
  }
  void raw(char c) {
    char* write = out_->room(1);
    *write = c;
    out_->commit(write + 1);
  }

  void string(std::string_view text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    // Room for the longest output of `text`: every byte as \u00XX, and the quotes.
    char* write = out_->room(2 + 6 * text.size());
    *write++ = '"';
    const char* read = text.data();
    const char* const end = read + text.size();
    // Four to seven bytes: the first four and the last four (overlapping) are checked as one word
    // and written as two, without a loop whose end the processor would mispredict.
    if (text.size() >= 4 && text.size() < 8) {
      uint32_t first, last;
      std::memcpy(&first, read, 4);
      std::memcpy(&last, end - 4, 4);
      if (!needs_escape(uint64_t{first} | uint64_t{last} << 32)) {
        std::memcpy(write, &first, 4);
        std::memcpy(write + text.size() - 4, &last, 4);
        write += text.size();
        *write++ = '"';
        out_->commit(write);
        return;
      }
    }
    if (text.size() >= 8) {
      while (end - read >= 8 && !needs_escape(word_at(read))) {  // plain runs, 8 bytes a step
        std::memcpy(write, read, 8);
        write += 8;
        read += 8;
      }
      // Fewer than eight bytes left: when the text's last eight are plain, so is the rest, and the
      // last eight are written again over the copy of the first ones (nothing was escaped yet).
      const auto left = end - read;
      if (left < 8 && !needs_escape(word_at(end - 8))) {
        std::memcpy(write + left - 8, end - 8, 8);
        write += left;
        read = end;
      }
    }
    while (read != end) {
      while (end - read >= 8 && !needs_escape(word_at(read))) {  // plain runs, 8 bytes a step
        std::memcpy(write, read, 8);
        write += 8;
        read += 8;
      }
      const char* plain = read;
      while (plain != end && kEscape[static_cast<unsigned char>(*plain)] == 0) ++plain;
      std::memcpy(write, read, static_cast<size_t>(plain - read));
      write += plain - read;
      read = plain;
      if (read == end) break;
      const auto byte = static_cast<unsigned char>(*read++);
      *write++ = '\\';
      *write++ = kEscape[byte];
      if (kEscape[byte] == 'u') {
        *write++ = '0';
        *write++ = '0';
        *write++ = kHex[byte >> 4];
        *write++ = kHex[byte & 0xF];
      }
    }
    *write++ = '"';
    out_->commit(write);
  }

  void optional(const std::optional<std::string>& text) {
    if (text) {
      string(*text);
    } else {
      raw("null");
    }
  }

  // A parsed value as RapidJSON's Writer writes it; false for NaN or an infinity, which its Writer
  // refuses too (parsed JSON never holds them).
  bool any(const rapidjson::Value& value) {
    char digits[32];
    switch (value.GetType()) {
      case rapidjson::kNullType:
        raw("null");
        return true;
      case rapidjson::kFalseType:
        raw("false");
        return true;
      case rapidjson::kTrueType:
        raw("true");
        return true;
      case rapidjson::kStringType:
        string({value.GetString(), value.GetStringLength()});
        return true;
      case rapidjson::kObjectType: {
        raw('{');
        bool first = true;
        for (const auto& member : value.GetObject()) {
          if (!first) raw(',');
          first = false;
          string({member.name.GetString(), member.name.GetStringLength()});
          raw(':');
          if (!any(member.value)) return false;
        }
        raw('}');
        return true;
      }
      case rapidjson::kArrayType: {
        raw('[');
        bool first = true;
        for (const auto& element : value.GetArray()) {
          if (!first) raw(',');
          first = false;
          if (!any(element)) return false;
        }
        raw(']');
        return true;
      }
      case rapidjson::kNumberType: {
        const char* end;
        if (value.IsDouble()) {
          if (rapidjson::internal::Double(value.GetDouble()).IsNanOrInf()) return false;
          end = rapidjson::internal::dtoa(value.GetDouble(), digits);
        } else if (value.IsInt()) {
          end = rapidjson::internal::i32toa(value.GetInt(), digits);
        } else if (value.IsUint()) {
          end = rapidjson::internal::u32toa(value.GetUint(), digits);
        } else if (value.IsInt64()) {
          end = rapidjson::internal::i64toa(value.GetInt64(), digits);
        } else {
          end = rapidjson::internal::u64toa(value.GetUint64(), digits);
        }
        raw(std::string_view(digits, static_cast<size_t>(end - digits)));
        return true;
      }
    }
    return false;
  }

 private:
  Bytes* out_;
};

void write_warnings(JsonOut& out, const std::vector<Warning>& warnings) {
  out.raw('[');
  bool first = true;
  for (const auto& warning : warnings) {
    out.raw(first ? "{\"field\":" : ",{\"field\":");
    first = false;
    out.string(warning.field);
    out.raw(",\"problem\":");
    out.string(warning.problem);
    out.raw('}');
  }
  out.raw(']');
}

}  // namespace

bool write_event_json(Kind kind, Origin origin, const std::string& event_id,
                      const Envelope& envelope, const std::string& received_at,
                      const std::vector<Warning>& warnings, const rapidjson::Value& data,
                      std::string* json) {
  // One buffer per thread, reused: its memory stays at the largest event seen.
  thread_local Bytes buffer;
  buffer.clear();
  JsonOut out(&buffer);
  out.raw("{\"eventId\":");
  out.string(event_id);
  out.raw(",\"schemaVersion\":1,\"origin\":");
  out.string(origin_name(origin));
  out.raw(",\"callbackType\":");
  out.string(kind_callback_type(kind));
  out.raw(",\"status\":");
  out.string(envelope.status);
  out.raw(",\"reference\":");
  out.string(envelope.reference);
  out.raw(",\"merchantReference\":");
  out.optional(envelope.merchant_reference);
  out.raw(",\"customerId\":");
  out.optional(envelope.customer_id);
  out.raw(",\"transactionDate\":");
  out.optional(envelope.transaction_date);
  out.raw(",\"callbackDate\":");
  out.optional(envelope.callback_date);
  out.raw(",\"receivedAt\":");
  out.string(received_at);
  out.raw(",\"warnings\":");
  write_warnings(out, warnings);
  out.raw(",\"data\":");
  if (!out.any(data)) return false;
  out.raw('}');
  if (!is_valid_utf8(buffer.view())) return false;
  json->assign(buffer.view());
  return true;
}

}  // namespace jb::callback
