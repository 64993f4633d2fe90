// Structured logs: one JSON object per line. Fields carry references and reason codes, never PII.
#pragma once

#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace jb::log {

enum class Level { debug, info, warn, error };

bool parse_level(std::string_view name, Level* level);
void set_level(Level level);
// Logs go to stderr unless the daemon (serve) sends them to stdout for journald.
void use_stdout(bool yes);

// A field's value: text (a JSON string) or a number (a JSON number).
class Value {
 public:
  Value(std::string_view text) : text_(text) {}
  Value(const char* text) : text_(text) {}
  Value(const std::string& text) : text_(text) {}
  template <typename Number,
            std::enable_if_t<std::is_arithmetic_v<Number> && !std::is_same_v<Number, bool> &&
                                 !std::is_same_v<Number, char>,
                             int> = 0>
  Value(Number number) : number_(true) {
    const int length =
        std::is_floating_point_v<Number>
            ? std::snprintf(digits_, sizeof digits_, "%.6g", static_cast<double>(number))
        : std::is_signed_v<Number>
            ? std::snprintf(digits_, sizeof digits_, "%lld", static_cast<long long>(number))
            : std::snprintf(digits_, sizeof digits_, "%llu",
                            static_cast<unsigned long long>(number));
    text_ = std::string_view(digits_, static_cast<size_t>(length));
  }
  Value(const Value& other) : text_(other.text_), number_(other.number_) {
    if (number_) {
      std::memcpy(digits_, other.digits_, sizeof digits_);
      text_ = std::string_view(digits_, other.text_.size());
    }
  }
  Value& operator=(const Value&) = delete;

  std::string_view text() const { return text_; }
  bool number() const { return number_; }

 private:
  std::string_view text_;
  bool number_ = false;
  char digits_[32] = {};
};

using Fields = std::initializer_list<std::pair<std::string_view, Value>>;

// {"ts":"…","level":"info","msg":"…", field: value, …} on one line; numbers are JSON numbers,
// text fields with an empty value are left out. Below the set level (info by default) nothing is
// written.
void write(Level level, std::string_view message, Fields fields = {});
// The same with the fields of two lists, in order.
void write(Level level, std::string_view message, Fields fields, Fields more);
inline void debug(std::string_view m, Fields f = {}) {
  write(Level::debug, m, f);
}
inline void info(std::string_view m, Fields f = {}) {
  write(Level::info, m, f);
}
inline void warn(std::string_view m, Fields f = {}) {
  write(Level::warn, m, f);
}
inline void error(std::string_view m, Fields f = {}) {
  write(Level::error, m, f);
}

}  // namespace jb::log
