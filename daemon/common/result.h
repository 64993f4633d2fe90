// Errors as values: a Result<T> holds either a value or a Failure with one DeadLetterReason.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace jb {

// Why a callback cannot become a routable event. The codes are the dead-letter reasons on the wire.
enum class DeadLetterReason {
  not_form_urlencoded,  // Content-Type says the body is something else
  bad_encoding,         // malformed percent-escape, invalid UTF-8 or NUL byte
  duplicate_parameter,  // the same key appears twice
  unknown_kind,         // neither Netverify, Authentication nor Document Verification
  missing_reference,    // no Jumio transaction reference
  missing_status,       // no status to route by
  unknown_status,       // a status the spec does not list
  invalid_json,         // a JSON-valued parameter that is not JSON of the documented shape
  invalid_timestamp,    // a timestamp that is not YYYY-MM-DDThh:mm:ss[.S{1,3}]Z
  invalid_date,         // a date that is not YYYY-MM-DD
  retrieval_invalid,    // a Retrieval API answer that cannot become an event
  platform_invalid,     // a platform (JSON) callback that is not well-formed
};

// The wire code of a reason, e.g. "unknown_status".
std::string_view reason_code(DeadLetterReason reason);
// The reason named by a wire code; false when the code is unknown.
bool parse_reason_code(std::string_view code, DeadLetterReason* reason);
// Every reason, in declaration order.
const DeadLetterReason* all_reasons(size_t* count);

// A failed callback: the reason, a detail that names fields but never their values (no PII), and
// the transaction reference when one could be read.
struct Failure {
  DeadLetterReason reason;
  std::string detail;
  std::string reference;
};

template <class T>
class Result {
 public:
  Result(T value) : state_(std::move(value)) {}
  Result(Failure failure) : state_(std::move(failure)) {}

  bool ok() const { return state_.index() == 0; }
  const T& value() const { return std::get<0>(state_); }
  T& value() { return std::get<0>(state_); }
  const Failure& failure() const { return std::get<1>(state_); }

 private:
  std::variant<T, Failure> state_;
};

}  // namespace jb
