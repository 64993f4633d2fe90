// Jumio callback bodies for tests: the spec's six samples verbatim, and builders for hand-made ones.
#pragma once

#include <string>
#include <utility>
#include <vector>

// The sample callbacks of Jumio's callback reference, byte for byte (form-urlencoded bodies).
extern const char kSampleNetverifyApproved[];        // verificationStatus APPROVED_VERIFIED
extern const char kSampleNetverifyFraud[];           // verificationStatus DENIED_FRAUD
extern const char kSampleAuthenticationPassed[];     // transactionResult PASSED
extern const char kSampleDocumentUploaded[];         // document.status UPLOADED
extern const char kSampleDocumentExtracted[];        // document.status EXTRACTED
extern const char kSampleDocumentDiscarded[];        // document.status DISCARDED

// One spec sample with a name fit for a test-parameter suffix ("NetverifyApproved").
struct SampleCallback {
  const char* name;
  const char* body;
};
// All six spec samples, in the order above.
const std::vector<SampleCallback>& spec_sample_callbacks();

// application/x-www-form-urlencoded serialisation (WHATWG URL standard): '*-._' and alphanumerics
// stay, space becomes '+', every other byte %XX. Fields keep their order.
std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields);

// The decoded fields of netverify_all_parameters(), in body order.
std::vector<std::pair<std::string, std::string>> netverify_all_parameter_fields();
// An APPROVED_VERIFIED Netverify callback carrying every parameter the spec documents, with
// values inside the spec's lengths and listed values: a US-format idAddress, identityVerification,
// rejectReason with details, dlCategories, livenessImages, and timestamps with 2, 0 and 1
// fractional digits (transactionDate, callbackDate, firstAttemptDate).
std::string netverify_all_parameters();
