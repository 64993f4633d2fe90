#include "callback/timestamp.h"

#include <cstdint>
#include <cstring>

namespace jb::callback {
namespace {

struct DateTime {
  int year = 0;
  int month = 0;
  int day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  int millisecond = 0;
};

// `count` decimal digits at `position`, which the caller has checked the text holds.
template <size_t count>
bool read_digits(std::string_view text, size_t position, int* value) {
  int result = 0;
  bool digits = true;
  for (size_t i = position; i < position + count; ++i) {
    const auto digit = static_cast<unsigned>(static_cast<unsigned char>(text[i]) - '0');
    digits = digits && digit <= 9;
    result = result * 10 + static_cast<int>(digit);
  }
  *value = result;
  return digits;
}

bool is_leap_year(int year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int days_in_month(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap_year(year) ? 29 : kDays[month - 1];
}

// YYYY-MM-DD at the start of text.
bool read_date(std::string_view text, DateTime* time) {
  if (text.size() < 10 || text[4] != '-' || text[7] != '-') return false;
  if (!read_digits<4>(text, 0, &time->year) || !read_digits<2>(text, 5, &time->month) ||
      !read_digits<2>(text, 8, &time->day)) {
    return false;
  }
  return time->month >= 1 && time->month <= 12 && time->day >= 1 &&
         time->day <= days_in_month(time->year, time->month);
}

bool read_timestamp(std::string_view text, DateTime* time) {
  if (!read_date(text, time) || text.size() < 20 || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':') {
    return false;
  }
  if (!read_digits<2>(text, 11, &time->hour) || !read_digits<2>(text, 14, &time->minute) ||
      !read_digits<2>(text, 17, &time->second)) {
    return false;
  }
  if (time->hour > 23 || time->minute > 59 || time->second > 59) return false;
  size_t position = 19;
  time->millisecond = 0;
  if (text[position] == '.') {
    size_t digits = 0;
    ++position;
    while (position < text.size() && text[position] >= '0' && text[position] <= '9') {
      if (++digits > 3) return false;
      time->millisecond = time->millisecond * 10 + (text[position] - '0');
      ++position;
    }
    if (digits < 1) return false;
    for (; digits < 3; ++digits) time->millisecond *= 10;
  }
  return position + 1 == text.size() && text[position] == 'Z';
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t days_from_civil(int year, int month, int day) {
  int64_t y = month <= 2 ? year - 1 : year;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t year_of_era = y - era * 400;
  int64_t day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

DateTime civil_from_days(int64_t days) {
  days += 719468;
  int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  int64_t day_of_era = days - era * 146097;
  int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  int64_t month_index = (5 * day_of_year + 2) / 153;
  DateTime time;
  time.day = static_cast<int>(day_of_year - (153 * month_index + 2) / 5 + 1);
  time.month = static_cast<int>(month_index < 10 ? month_index + 3 : month_index - 9);
  time.year = static_cast<int>(year_of_era + era * 400 + (time.month <= 2 ? 1 : 0));
  return time;
}

// Writes value as `width` decimal digits ending just before end.
void put_digits(char* end, int value, int width) {
  for (int i = 0; i < width; ++i) {
    *--end = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

// YYYY-MM-DDTHH:MM:SS.mmmZ. Years have four digits: parsed ones by construction, the clock's
// because system_clock (nanoseconds since 1970 in 64 bits) spans the years 1677 to 2262.
std::string format(const DateTime& time) {
  std::string out = "0000-00-00T00:00:00.000Z";
  char* text = out.data();
  put_digits(text + 4, time.year, 4);
  put_digits(text + 7, time.month, 2);
  put_digits(text + 10, time.day, 2);
  put_digits(text + 13, time.hour, 2);
  put_digits(text + 16, time.minute, 2);
  put_digits(text + 19, time.second, 2);
  put_digits(text + 23, time.millisecond, 3);
  return out;
}

int64_t floor_divide(int64_t value, int64_t divisor) {
  int64_t quotient = value / divisor;
  return value % divisor < 0 ? quotient - 1 : quotient;
}

}  // namespace

bool canonical_timestamp(std::string_view text, char (&canonical)[kCanonicalTimestampSize]) {
  DateTime time;
  if (!read_timestamp(text, &time)) return false;
  // The text's first 19 bytes are its date and time as format() writes them (read_timestamp took
  // exactly these digits), so they are copied; the fraction is padded to three digits.
  static_assert(kCanonicalTimestampSize == 24);
  std::memcpy(canonical, text.data(), 19);
  std::memcpy(canonical + 19, ".000Z", 5);
  const size_t fraction = text.size() - 20;  // ".SSSZ" is text.size() - 19 bytes; 0 without '.'
  if (fraction > 1) std::memcpy(canonical + 20, text.data() + 20, fraction - 1);
  return true;
}

bool canonical_timestamp(std::string_view text, std::string* canonical) {
  char written[kCanonicalTimestampSize];
  if (!canonical_timestamp(text, written)) return false;
  canonical->assign(written, sizeof written);
  return true;
}

std::string format_timestamp(std::chrono::system_clock::time_point time) {
  int64_t milliseconds =
      std::chrono::floor<std::chrono::milliseconds>(time.time_since_epoch()).count();
  // A daemon formats many times within one second: the date and time up to the second are kept
  // per thread and only the milliseconds written when the second is the last one formatted.
  thread_local int64_t last_second = INT64_MIN;
  thread_local std::string last;
  const int64_t second = floor_divide(milliseconds, 1000);
  if (second != last_second) {
    int64_t days = floor_divide(milliseconds, 86'400'000);
    int64_t of_day = milliseconds - days * 86'400'000;
    DateTime civil = civil_from_days(days);
    civil.hour = static_cast<int>(of_day / 3'600'000);
    civil.minute = static_cast<int>(of_day / 60'000 % 60);
    civil.second = static_cast<int>(of_day / 1000 % 60);
    last = format(civil);
    last_second = second;
  }
  std::string out = last;
  put_digits(out.data() + 23, static_cast<int>(milliseconds - second * 1000), 3);
  return out;
}

bool parse_timestamp(std::string_view text, std::chrono::system_clock::time_point* time) {
  DateTime civil;
  if (!read_timestamp(text, &civil)) return false;
  int64_t seconds = days_from_civil(civil.year, civil.month, civil.day) * 86'400 +
                    civil.hour * 3600 + civil.minute * 60 + civil.second;
  using std::chrono::system_clock;
  const int64_t latest =
      std::chrono::duration_cast<std::chrono::seconds>(system_clock::duration::max()).count() - 1;
  const int64_t earliest =
      std::chrono::duration_cast<std::chrono::seconds>(system_clock::duration::min()).count() + 1;
  if (seconds > latest || seconds < earliest) return false;
  auto since_epoch = std::chrono::seconds(seconds) + std::chrono::milliseconds(civil.millisecond);
  *time = std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(since_epoch));
  return true;
}

bool is_valid_date(std::string_view text) {
  DateTime time;
  return text.size() == 10 && read_date(text, &time);
}

}  // namespace jb::callback
