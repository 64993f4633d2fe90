// Jumio callback bodies for tests: the spec's samples verbatim and builders for hand-made ones.
#pragma once

#include <string>
#include <utility>
#include <vector>

// The sample callbacks of Jumio's callback reference, byte for byte (form-urlencoded bodies).
extern const char kSampleNetverifyApproved[];     // verificationStatus APPROVED_VERIFIED
extern const char kSampleNetverifyFraud[];        // verificationStatus DENIED_FRAUD
extern const char kSampleAuthenticationPassed[];  // transactionResult PASSED
extern const char kSampleDocumentUploaded[];      // document.status UPLOADED
extern const char kSampleDocumentExtracted[];     // document.status EXTRACTED
extern const char kSampleDocumentDiscarded[];     // document.status DISCARDED

// Decoded form fields (name, value) in body order.
using FormFields = std::vector<std::pair<std::string, std::string>>;

// One spec sample with a name fit for a test-parameter suffix ("NetverifyApproved").
struct SampleCallback {
  const char* name;
  const char* body;
};
// All six spec samples, in the order above.
const std::vector<SampleCallback>& spec_sample_callbacks();

// application/x-www-form-urlencoded serialisation (WHATWG URL standard): '*-._' and alphanumerics
// stay, space becomes '+', every other byte %XX. Fields keep their order.
std::string form_encode(const FormFields& fields);

// The decoded fields of netverify_all_parameters(), in body order.
FormFields netverify_all_parameter_fields();
// An APPROVED_VERIFIED Netverify callback carrying every parameter the spec documents, with
// values inside the spec's lengths and listed values: a US-format idAddress, identityVerification,
// rejectReason with details, dlCategories, livenessImages, and timestamps with 2, 0 and 1
// fractional digits (transactionDate, callbackDate, firstAttemptDate).
std::string netverify_all_parameters();

// Well-formed callbacks with every required parameter, values inside the spec (no warnings
// expected), timestamps with 0 to 2 fractional digits: Netverify with this verificationStatus
// (rejectReason for DENIED_FRAUD / ERROR_NOT_READABLE_ID, identityVerification for
// APPROVED_VERIFIED); transactionDate 2021-03-04T05:06:07Z, callbackDate 2021-03-04T05:16:07.5Z.
FormFields netverify_status_fields(const std::string& verification_status);
// Authentication with this transactionResult; transactionDate 2021-03-04T05:06:07Z, callbackDate
// 2021-03-04T05:16:07.25Z.
FormFields authentication_status_fields(const std::string& transaction_result);
// Document Verification with this document.status (EXTRACTED adds extractedData with a Raw
// address), or with an empty status a FAILED transaction and no document; transaction.date
// 2021-03-04T05:06:07.1Z, timestamp 2021-03-04T05:16:07Z.
FormFields document_status_fields(const std::string& document_status);
