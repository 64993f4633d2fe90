// When to ask the Retrieval API again: which answers are worth another attempt, how long to wait
// (exponential backoff with full jitter, or the server's Retry-After), and a process-wide spacing
// of requests so that all threads together stay below retrieval.max_requests_per_second.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string_view>

namespace jb::retrieval_api {

// 429 and 5xx answers may succeed when asked again; every other status is final.
bool retryable_status(int status);

// Full jitter: a uniform pick in [0, min(cap, base * 2^(attempt-1))], from `random` (any 64 bits).
// attempt counts from 1 (the wait after the first failed attempt).
std::chrono::milliseconds backoff_delay(int attempt, std::chrono::milliseconds base,
                                        std::chrono::milliseconds cap, uint64_t random);

// A Retry-After value: delta-seconds ("120") or an HTTP-date (IMF-fixdate, RFC 850 or asctime), as
// a wait from `now` (0 for a date in the past); nullopt when the value is neither.
std::optional<std::chrono::milliseconds> retry_after_delay(
    std::string_view value, std::chrono::system_clock::time_point now);

// Spaces requests evenly: each reservation gets the first free start time, at least `interval`
// after the one reserved before it. Thread-safe.
class RequestSpacing {
 public:
  std::chrono::steady_clock::time_point reserve(std::chrono::steady_clock::duration interval);

 private:
  std::mutex mutex_;
  std::chrono::steady_clock::time_point next_{};
};

// The spacing shared by every Retrieval API client of the process.
RequestSpacing& process_request_spacing();

}  // namespace jb::retrieval_api
