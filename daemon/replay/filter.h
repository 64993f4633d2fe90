// Which dead letters a `replay` run takes: --reason, --reference, --since, --until.
#pragma once

#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace jb::replay {

using TimePoint = std::chrono::system_clock::time_point;

struct Filter {
  std::set<std::string> reasons;     // dead-letter reason codes as written; empty = any
  std::set<std::string> references;  // record key or the reference read today; empty = any
  std::optional<TimePoint> since;    // receivedAt >= since
  std::optional<TimePoint> until;    // receivedAt < until

  bool empty() const { return reasons.empty() && references.empty() && !since && !until; }
};

// What a filter looks at in one dead letter.
struct Candidate {
  std::string_view reason;     // the dead letter's reason
  std::string_view key;        // the record key: the reference, or bodySha256 when none was read
  std::string_view reference;  // the reference today's normalisation reads; may be empty
  std::optional<TimePoint> received_at;  // absent when the record has no valid receivedAt
};

// True when the candidate passes every part of the filter. A time bound never matches a
// candidate without receivedAt.
bool matches(const Filter& filter, const Candidate& candidate);

// An RFC 3339 date-time (fraction of any length, 'Z' or +hh:mm/-hh:mm, 'T'/'t' and 'Z'/'z') or
// full-date (midnight UTC). False when text is neither.
bool parse_rfc3339(std::string_view text, TimePoint* out);

// The consumer group of a filtered run: "jumio-bridge-replay-" + 12 hex digits derived from the
// filter, so the same filter resumes where it stopped and never moves the unfiltered position.
std::string filtered_group(const Filter& filter);

}  // namespace jb::replay
