// Jumio Platform callback bodies for tests: the platform reference's sample (section 2.2) and
// builders for changed ones.
#pragma once

#include <string>

namespace jb::test {

// The sample's ids.
inline constexpr char kSampleExecutionId[] = "22222222-2222-2222-2222-222222222222";
inline constexpr char kSampleAccountId[] = "11111111-1111-1111-1111-111111111111";

// The platform reference's full sample, byte for byte (PROCESSED, US region).
extern const char kSamplePlatformCallback[];

// The sample with another workflowExecution.status (JSON-escaped by the builder).
std::string platform_callback_with_status(const std::string& status);

// The sample with the JSON value at `pointer` (RFC 6901, "/workflowExecution/id") replaced by
// `json` (JSON text), or removed when `json` is null. The result is compact JSON.
std::string platform_callback_with(const std::string& pointer, const char* json);

}  // namespace jb::test
