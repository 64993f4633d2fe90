#include "retrieval_api/retry.h"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <string>

namespace jb::retrieval_api {
namespace {

constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

int month_index(std::string_view name) {
  for (int i = 0; i < 12; ++i)
    if (name == kMonths[i]) return i;
  return -1;
}

bool all_digits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int number(std::string_view digits) {
  int value = 0;
  for (char c : digits) value = value * 10 + (c - '0');
  return value;
}

// "hh:mm:ss" into *tm; false when malformed.
bool parse_time_of_day(std::string_view text, std::tm* tm) {
  if (text.size() != 8 || text[2] != ':' || text[5] != ':') return false;
  std::string_view h = text.substr(0, 2), m = text.substr(3, 2), s = text.substr(6, 2);
  if (!all_digits(h) || !all_digits(m) || !all_digits(s)) return false;
  tm->tm_hour = number(h);
  tm->tm_min = number(m);
  tm->tm_sec = number(s);
  return tm->tm_hour < 24 && tm->tm_min < 60 && tm->tm_sec <= 60;
}

// The three date formats of RFC 9110 section 5.6.7, in UTC; false when `text` is none of them.
bool parse_http_date(std::string_view text, std::tm* tm) {
  *tm = std::tm{};
  std::string_view day, month, year, time;
  const size_t comma = text.find(',');
  if (comma != std::string_view::npos) {
    std::string_view rest = text.substr(comma + 1);
    if (rest.size() == 25 && rest[0] == ' ' && rest[3] == ' ' && rest[7] == ' ' &&
        rest[12] == ' ' && rest.substr(21) == " GMT") {
      // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
      day = rest.substr(1, 2);
      month = rest.substr(4, 3);
      year = rest.substr(8, 4);
      time = rest.substr(13, 8);
    } else if (rest.size() == 23 && rest[0] == ' ' && rest[3] == '-' && rest[7] == '-' &&
               rest[10] == ' ' && rest.substr(19) == " GMT") {
      // RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT"; two-digit years are 19xx or 20xx.
      day = rest.substr(1, 2);
      month = rest.substr(4, 3);
      year = rest.substr(8, 2);
      time = rest.substr(11, 8);
    } else {
      return false;
    }
  } else if (text.size() == 24 && text[3] == ' ' && text[7] == ' ' && text[10] == ' ' &&
             text[19] == ' ') {
    // asctime: "Sun Nov  6 08:49:37 1994"
    month = text.substr(4, 3);
    day = text.substr(8, 2);
    if (day[0] == ' ') day.remove_prefix(1);
    time = text.substr(11, 8);
    year = text.substr(20, 4);
  } else {
    return false;
  }
  if (!all_digits(day) || !all_digits(year) || !parse_time_of_day(time, tm)) return false;
  tm->tm_mday = number(day);
  tm->tm_mon = month_index(month);
  int full_year = number(year);
  if (year.size() == 2) full_year += full_year < 70 ? 2000 : 1900;
  tm->tm_year = full_year - 1900;
  return tm->tm_mon >= 0 && tm->tm_mday >= 1 && tm->tm_mday <= 31;
}

}  // namespace

bool retryable_status(int status) {
  return status == 429 || (status >= 500 && status <= 599);
}

std::chrono::milliseconds backoff_delay(int attempt, std::chrono::milliseconds base,
                                        std::chrono::milliseconds cap, uint64_t random) {
  const int64_t capped = std::max<int64_t>(cap.count(), 0);
  int64_t ceiling = std::max<int64_t>(base.count(), 0);
  for (int i = 1; i < attempt && ceiling < capped; ++i) ceiling *= 2;
  ceiling = std::min(ceiling, capped);
  return std::chrono::milliseconds(
      static_cast<int64_t>(random % static_cast<uint64_t>(ceiling + 1)));
}

std::optional<std::chrono::milliseconds> retry_after_delay(
    std::string_view value, std::chrono::system_clock::time_point now) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (all_digits(value)) {
    // More than nine digits is more than 31 years: as good as forever, the caller caps it.
    if (value.size() > 9) return std::chrono::milliseconds(std::chrono::hours(24 * 365 * 32));
    return std::chrono::seconds(number(value));
  }
  std::tm tm{};
  if (!parse_http_date(value, &tm)) return std::nullopt;
  const std::time_t when = ::timegm(&tm);
  if (when == static_cast<std::time_t>(-1)) return std::nullopt;
  const auto wait = std::chrono::system_clock::from_time_t(when) - now;
  if (wait <= std::chrono::system_clock::duration::zero()) return std::chrono::milliseconds(0);
  return std::chrono::ceil<std::chrono::milliseconds>(wait);
}

std::chrono::steady_clock::time_point RequestSpacing::reserve(
    std::chrono::steady_clock::duration interval) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto slot = std::max(std::chrono::steady_clock::now(), next_);
  next_ = slot + interval;
  return slot;
}

RequestSpacing& process_request_spacing() {
  static RequestSpacing spacing;
  return spacing;
}

}  // namespace jb::retrieval_api
