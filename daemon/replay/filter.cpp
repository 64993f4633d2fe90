#include "replay/filter.h"

#include <cctype>
#include <string>

#include "callback/timestamp.h"
#include "common/sha256.h"

namespace jb::replay {
namespace {

bool digits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

// "+hh:mm" / "-hh:mm" as a signed number of minutes east of UTC.
bool parse_offset(std::string_view text, int* minutes) {
  if (text.size() != 6 || (text[0] != '+' && text[0] != '-') || text[3] != ':' ||
      !digits(text.substr(1, 2)) || !digits(text.substr(4, 2)))
    return false;
  const int hours = std::stoi(std::string(text.substr(1, 2)));
  const int mins = std::stoi(std::string(text.substr(4, 2)));
  if (hours > 23 || mins > 59) return false;
  *minutes = (text[0] == '-' ? -1 : 1) * (hours * 60 + mins);
  return true;
}

std::string millis(const std::optional<TimePoint>& time) {
  if (!time) return "-";
  return std::to_string(
      std::chrono::duration_cast<std::chrono::milliseconds>(time->time_since_epoch()).count());
}

}  // namespace

bool matches(const Filter& filter, const Candidate& candidate) {
  if (!filter.reasons.empty() && !filter.reasons.count(std::string(candidate.reason))) return false;
  if (!filter.references.empty() && !filter.references.count(std::string(candidate.key)) &&
      !filter.references.count(std::string(candidate.reference)))
    return false;
  if ((filter.since || filter.until) && !candidate.received_at) return false;
  if (filter.since && *candidate.received_at < *filter.since) return false;
  if (filter.until && *candidate.received_at >= *filter.until) return false;
  return true;
}

bool parse_rfc3339(std::string_view text, TimePoint* out) {
  if (text.size() == 10) return parse_rfc3339(std::string(text) + "T00:00:00Z", out);
  if (text.size() < 20) return false;
  std::string upper(text);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  // Seconds end at index 19; then an optional fraction, then Z or an offset.
  size_t end = 19;
  std::string fraction;
  if (upper[end] == '.') {
    size_t digits_end = end + 1;
    while (digits_end < upper.size() && std::isdigit(static_cast<unsigned char>(upper[digits_end])))
      ++digits_end;
    if (digits_end == end + 1) return false;
    fraction = upper.substr(end, std::min<size_t>(digits_end - end, 4));  // '.' + up to 3 digits
    end = digits_end;
  }
  int offset_minutes = 0;
  const std::string zone = upper.substr(end);
  if (zone != "Z" && !parse_offset(zone, &offset_minutes)) return false;
  TimePoint local;
  if (!callback::parse_timestamp(upper.substr(0, 19) + fraction + "Z", &local)) return false;
  // The offset must not carry a time at the edge of system_clock's range past it.
  const std::chrono::minutes offset(offset_minutes);
  if (offset_minutes < 0 ? local > TimePoint::max() + offset : local < TimePoint::min() + offset)
    return false;
  *out = local - offset;
  return true;
}

std::string filtered_group(const Filter& filter) {
  std::string canonical = "reason";
  for (const auto& reason : filter.reasons) canonical += '\0' + reason;
  canonical += "\nreference";
  for (const auto& reference : filter.references) canonical += '\0' + reference;
  canonical += "\nsince " + millis(filter.since) + "\nuntil " + millis(filter.until);
  return "jumio-bridge-replay-" + sha256_hex(canonical).substr(0, 12);
}

}  // namespace jb::replay
