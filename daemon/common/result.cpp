#include "common/result.h"

#include <iterator>

namespace jb {
namespace {

struct ReasonName {
  DeadLetterReason reason;
  std::string_view code;
};

constexpr ReasonName kReasons[] = {
    {DeadLetterReason::not_form_urlencoded, "not_form_urlencoded"},
    {DeadLetterReason::bad_encoding, "bad_encoding"},
    {DeadLetterReason::duplicate_parameter, "duplicate_parameter"},
    {DeadLetterReason::unknown_kind, "unknown_kind"},
    {DeadLetterReason::missing_reference, "missing_reference"},
    {DeadLetterReason::missing_status, "missing_status"},
    {DeadLetterReason::unknown_status, "unknown_status"},
    {DeadLetterReason::invalid_json, "invalid_json"},
    {DeadLetterReason::invalid_timestamp, "invalid_timestamp"},
    {DeadLetterReason::invalid_date, "invalid_date"},
    {DeadLetterReason::retrieval_invalid, "retrieval_invalid"},
    {DeadLetterReason::platform_invalid, "platform_invalid"},
};

constexpr DeadLetterReason kAll[] = {
    DeadLetterReason::not_form_urlencoded, DeadLetterReason::bad_encoding,
    DeadLetterReason::duplicate_parameter, DeadLetterReason::unknown_kind,
    DeadLetterReason::missing_reference,   DeadLetterReason::missing_status,
    DeadLetterReason::unknown_status,      DeadLetterReason::invalid_json,
    DeadLetterReason::invalid_timestamp,   DeadLetterReason::invalid_date,
    DeadLetterReason::retrieval_invalid,   DeadLetterReason::platform_invalid,
};

}  // namespace

std::string_view reason_code(DeadLetterReason reason) {
  for (const auto& r : kReasons)
    if (r.reason == reason) return r.code;
  return "unknown";
}

bool parse_reason_code(std::string_view code, DeadLetterReason* reason) {
  for (const auto& r : kReasons) {
    if (r.code == code) {
      *reason = r.reason;
      return true;
    }
  }
  return false;
}

const DeadLetterReason* all_reasons(size_t* count) {
  *count = std::size(kAll);
  return kAll;
}

}  // namespace jb
