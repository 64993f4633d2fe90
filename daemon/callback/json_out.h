// Compact JSON written straight into a reusable buffer: the event writer's output, and the data
// object of a form callback, written while its values are checked.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include <emmintrin.h>

#include <rapidjson/document.h>
#include <rapidjson/internal/dtoa.h>
#include <rapidjson/internal/ieee754.h>
#include <rapidjson/internal/itoa.h>

#include "common/json_escapes.h"
#include "common/small_copy.h"

namespace jb::callback::json_out {

// What follows a backslash for each byte JSON requires escaped ('u' for \u00XX), 0 for bytes
// copied as they are: RapidJSON's Writer table, so the output is the one its Writer gives.
inline constexpr char kEscape[256] = {
    'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'b', 't', 'n', 'u', 'f',  'r', 'u', 'u',  // 00
    'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u',  'u', 'u', 'u',  // 10
    0,   0,   '"', 0,   0,   0,   0,   0,   0,   0,   0,   0,   0,    0,   0,   0,    // 20
    0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,    0,   0,   0,    // 30
    0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,    0,   0,   0,    // 40
    0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   '\\', 0,   0,   0,    // 50
};

// Writes `byte`, which JSON escapes, as its escape at `write`; the end of what was written.
inline char* escape(unsigned char byte, char* write) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  *write++ = '\\';
  *write++ = kEscape[byte];
  if (kEscape[byte] == 'u') {
    *write++ = '0';
    *write++ = '0';
    *write++ = kHex[byte >> 4];
    *write++ = kHex[byte & 0xF];
  }
  return write;
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
    char* write = out_->room(string_room(text));
    out_->commit(put_string(text, write));
  }

  // An object member's name, with the ',' before it unless it is the first member, and the ':'
  // after it.
  void name(std::string_view name, bool first) {
    char* write = out_->room(string_room(name) + 2);
    *write = ',';
    write = put_string(name, write + (first ? 0 : 1));
    *write++ = ':';
    out_->commit(write);
  }

  // An object member's name known to hold no byte JSON escapes, with the ',' before it unless it
  // is the first member, and the ':' after it.
  void plain_name(std::string_view name, bool first) {
    char* write = out_->room(name.size() + 4);
    *write = ',';
    write += first ? 0 : 1;
    *write++ = '"';
    small_copy(write, name.data(), name.size());
    write += name.size();
    *write++ = '"';
    *write++ = ':';
    out_->commit(write);
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
          name({member.name.GetString(), member.name.GetStringLength()}, first);
          first = false;
          if (member.value.IsString()) {  // most members: written without a call
            string({member.value.GetString(), member.value.GetStringLength()});
          } else if (!any(member.value)) {
            return false;
          }
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

  // Room for the longest output of `text` (every byte as \u00XX, and the quotes) and 16 bytes
  // more: plain bytes are stored 16 (or 8, or 4) at a time, past what is kept.
  static size_t string_room(std::string_view text) { return 2 + 6 * text.size() + 16; }

  // Writes `text` as a JSON string at `write`, which has string_room(text) bytes; the end of what
  // was written.
  static char* put_string(std::string_view text, char* write) {
    *write++ = '"';
    const char* read = text.data();
    const char* const end = read + text.size();
    for (;;) {
      const auto left = static_cast<size_t>(end - read);
      if (left >= 16) {
        const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(read));
        const unsigned escapes = json_escaped_bytes(bytes);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(write), bytes);
        if (escapes == 0) {
          read += 16;
          write += 16;
          continue;
        }
        // The plain bytes before the first escaped one are kept; that one is escaped.
        const auto plain = static_cast<size_t>(__builtin_ctz(escapes));
        read += plain;
        write = escape(static_cast<unsigned char>(*read++), write + plain);
        continue;
      }
      // Fewer than 16 bytes: the first and the last eight (or four), overlapping, are checked as
      // one vector and stored as two when none is escaped; else a byte at a time.
      if (left >= 8) {
        const __m128i first = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(read));
        const __m128i last = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(end - 8));
        if (json_escaped_bytes(_mm_unpacklo_epi64(first, last)) == 0) {
          _mm_storel_epi64(reinterpret_cast<__m128i*>(write), first);
          _mm_storel_epi64(reinterpret_cast<__m128i*>(write + left - 8), last);
          write += left;
          break;
        }
      } else if (left >= 4) {
        uint32_t first, last;
        std::memcpy(&first, read, 4);
        std::memcpy(&last, end - 4, 4);
        const auto both = static_cast<long long>(uint64_t{first} | uint64_t{last} << 32);
        if ((json_escaped_bytes(_mm_cvtsi64_si128(both)) & 0xFF) == 0) {  // the upper half is zeros
          std::memcpy(write, &first, 4);
          std::memcpy(write + left - 4, &last, 4);
          write += left;
          break;
        }
      }
      while (read != end) {
        const auto byte = static_cast<unsigned char>(*read++);
        if (kEscape[byte] == 0) {
          *write++ = static_cast<char>(byte);
        } else {
          write = escape(byte, write);
        }
      }
      break;
    }
    *write++ = '"';
    return write;
  }

  // Writes `text` as it is at `write`; the end of what was written.
  static char* put_raw(std::string_view text, char* write) {
    std::memcpy(write, text.data(), text.size());
    return write + text.size();
  }

 private:
  Bytes* out_;
};

}  // namespace jb::callback::json_out
