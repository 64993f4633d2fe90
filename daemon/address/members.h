// The members of Jumio's address formats and their maximum lengths, from the spec's tables.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

#include "address/address.h"
#include "common/small_copy.h"

namespace jb::address::detail {

// The member Jumio fills with formattedAddress; an incoming one is replaced.
inline constexpr std::string_view kFormattedAddress = "formattedAddress";

// "country" or "countryCode".
std::string_view country_member(CountryKey country_key);

// Whether `name` belongs to `format` (the country member and formattedAddress belong to every
// format); *max_length is its limit in characters, 0 when the spec gives none.
bool is_member(Format format, CountryKey country_key, std::string_view name,
               std::size_t* max_length);

// Whether `name` is a member only the Raw format has (line1..line5, subdivision).
bool is_raw_only_member(std::string_view name);
// Whether `name` is a member only the US format has (stateCode, zip, streetSuffix, ...).
bool is_us_only_member(std::string_view name);
// Whether `name` is a member the EU format has and Raw has not (province, streetName, ...).
bool is_eu_street_member(std::string_view name);

// A text composed into memory that is reused: its bytes grow to the longest text written and are
// not cleared or zeroed between texts.
struct TextBuffer {
  std::string bytes;
  std::size_t size = 0;

  std::string_view view() const { return {bytes.data(), size}; }
  bool empty() const { return size == 0; }
  void clear() { size = 0; }
};

// Text appended to a TextBuffer through a pointer, without a call per part: room for a bound on
// what is appended is made first, and the buffer's size set to what was written when the writer
// ends. Nothing else may change the buffer meanwhile.
class TextWriter {
 public:
  TextWriter(TextBuffer* text, std::size_t bound) : text_(text) {
    if (text->bytes.size() < text->size + bound) text->bytes.resize(2 * (text->size + bound));
    begin_ = text->bytes.data();
    write_ = begin_ + text->size;
  }
  ~TextWriter() { text_->size = static_cast<std::size_t>(write_ - begin_); }
  TextWriter(const TextWriter&) = delete;
  TextWriter& operator=(const TextWriter&) = delete;

  // Whether the whole text is still empty.
  bool empty() const { return write_ == begin_; }
  void put(std::string_view part) {
    small_copy(write_, part.data(), part.size());
    write_ += part.size();
  }
  void put(char c) { *write_++ = c; }

 private:
  TextBuffer* text_;
  char* begin_;
  char* write_;
};

// Appends formatted_address's text of these Raw parts to *text (empty parts leave no empty
// commas; the country by its short name when the code is known).
void format_address(const std::string_view (&lines)[5], std::string_view city,
                    std::string_view subdivision, std::string_view postal_code,
                    std::string_view country_code, TextBuffer* text);

// The value of a string member of `object`; empty when absent or not a string.
std::string_view string_member(const rapidjson::Value& object, std::string_view name);

}  // namespace jb::address::detail
