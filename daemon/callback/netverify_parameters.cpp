#include "callback/parameters.h"

namespace jb::callback {
namespace {

using K = ValueKind;

const std::vector<std::string_view> kCheckValues = {"OK", "N/A"};

const ParameterTable& identity_verification_members() {
  static const ParameterTable table = {
      {"similarity", 0, true, K::enumerated, {"MATCH", "NO_MATCH", "NOT_POSSIBLE"}},
      {"validity", 0, true, K::boolean, {"TRUE", "FALSE"}},
      {"reason",
       0,
       false,
       K::enumerated,
       {"SELFIE_CROPPED_FROM_ID", "ENTIRE_ID_USED_AS_SELFIE", "MULTIPLE_PEOPLE",
        "SELFIE_IS_SCREEN_PAPER_VIDEO", "SELFIE_MANIPULATED", "AGE_DIFFERENCE_TOO_BIG",
        "NO_FACE_PRESENT", "FACE_NOT_FULLY_VISIBLE", "BAD_QUALITY", "BLACK_AND_WHITE",
        "LIVENESS_FAILED"}},
      {"similarityDecision", 0, false, K::enumerated, {"MANUAL", "AUTOMATED"}},
      {"similarityScore", 0, false, K::scalar},
  };
  return table;
}

const ParameterTable& reject_reason_detail_members() {
  static const ParameterTable table = {
      {"detailsCode",
       5,
       false,
       K::enumerated,
       {"1001", "1002", "1003", "1004", "1005", "1006", "1007", "1008", "1009", "10011", "2001",
        "2002", "2003", "2004", "2005", "2006"}},
      {"detailsDescription",
       32,
       false,
       K::enumerated,
       {"PHOTO", "DOCUMENT_NUMBER", "EXPIRY", "DOB", "NAME", "ADDRESS", "SECURITY_CHECKS",
        "SIGNATURE", "PERSONAL_NUMBER", "PLACE_OF_BIRTH", "BLURRED", "BAD_QUALITY",
        "MISSING_PART_DOCUMENT", "HIDDEN_PART_DOCUMENT", "DAMAGED_DOCUMENT", "GLARE"}},
  };
  return table;
}

const ParameterTable& reject_reason_members() {
  static const ParameterTable table = {
      {"rejectReasonCode", 5, false, K::enumerated, {"100", "105", "106", "107", "108",
                                                     "109", "110", "111", "102", "103",
                                                     "104", "200", "201", "202", "206",
                                                     "207", "209", "210", "211", "300"}},
      {"rejectReasonDescription",
       64,
       false,
       K::enumerated,
       {"MANIPULATED_DOCUMENT",
        "FRAUDSTER",
        "FAKE",
        "PHOTO_MISMATCH",
        "MRZ_CHECK_FAILED",
        "PUNCHED_DOCUMENT",
        "CHIP_DATA_MANIPULATED",
        "MISMATCH_PRINTED_BARCODE_DATA",
        "PHOTOCOPY_BLACK_WHITE",
        "PHOTOCOPY_COLOR",
        "DIGITAL_COPY",
        "NOT_READABLE_DOCUMENT",
        "NO_DOCUMENT",
        "SAMPLE_DOCUMENT",
        "MISSING_BACK",
        "WRONG_DOCUMENT_PAGE",
        "MISSING_SIGNATURE",
        "CAMERA_BLACK_WHITE",
        "DIFFERENT_PERSONS_SHOWN",
        "MANUAL_REJECTION"}},
      {"rejectReasonDetails", 0, false, K::object_list, {}, &reject_reason_detail_members()},
  };
  return table;
}

const ParameterTable& driver_license_category_members() {
  static const ParameterTable table = {
      {"category", 10, true, K::text},
      {"issueDate", 0, false, K::date},
      {"expiryDate", 0, false, K::date},
      {"isReadable", 0, false, K::boolean, {"FALSE"}},
      {"availability", 0, false, K::enumerated, {"yes", "no", "not readable"}},
  };
  return table;
}

}  // namespace

const ParameterTable& netverify_parameters() {
  static const ParameterTable table = {
      {"callBackType", 0, true, K::text},
      {"jumioIdScanReference", 36, true, K::text},
      {"verificationStatus", 0, true, K::text},
      {"idScanStatus", 0, true, K::enumerated, {"SUCCESS", "ERROR"}},
      {"idScanSource",
       0,
       true,
       K::enumerated,
       {"WEB", "WEB_CAM", "WEB_UPLOAD", "REDIRECT", "REDIRECT_CAM", "REDIRECT_UPLOAD", "API",
        "SDK"}},
      {"idCheckDataPositions", 0, true, K::enumerated, kCheckValues},
      {"idCheckDocumentValidation", 0, true, K::enumerated, kCheckValues},
      {"idCheckHologram", 0, true, K::enumerated, kCheckValues},
      {"idCheckMRZcode", 0, true, K::enumerated, kCheckValues},
      {"idCheckMicroprint", 0, true, K::enumerated, kCheckValues},
      {"idCheckSecurityFeatures", 0, true, K::enumerated, kCheckValues},
      {"idCheckSignature", 0, true, K::enumerated, kCheckValues},
      {"transactionDate", 0, true, K::timestamp},
      {"callbackDate", 0, true, K::timestamp},
      {"identityVerification", 0, false, K::object, {}, &identity_verification_members()},
      {"idType", 0, false, K::enumerated, {"PASSPORT", "DRIVING_LICENSE", "ID_CARD", "VISA"}},
      {"idSubtype",
       255,
       false,
       K::enumerated,
       {"NATIONAL_ID", "CONSULAR_ID", "ELECTORAL_ID", "RESIDENT_PERMIT_ID", "TAX_ID", "STUDENT_ID",
        "PASSPORT_CARD_ID", "MILITARY_ID", "PUBLIC_SAFETY_ID", "HEALTH_ID", "OTHER_ID", "VISA",
        "UNKNOWN", "REGULAR_DRIVING_LICENSE", "LEARNING_DRIVING_LICENSE", "E_PASSPORT"}},
      {"idCountry", 3},
      {"rejectReason", 0, false, K::object, {}, &reject_reason_members()},
      {"idScanImage", 255},
      {"idScanImageFace", 255},
      {"idScanImageBackside", 255},
      {"idNumber", 200},
      {"idFirstName", 200},
      {"idLastName", 200},
      {"idDob", 10, false, K::date},
      {"idExpiry", 10, false, K::date},
      {"idUsState", 255},
      {"personalNumber", 14},
      {"idAddress", 0, false, K::id_address},
      {"merchantIdScanReference", 100},
      {"merchantReportingCriteria", 100},
      {"customerId", 100},
      {"clientIp", 0},
      {"firstAttemptDate", 0, false, K::timestamp},
      {"optionalData1", 255},
      {"optionalData2", 255},
      {"dni", 255},
      {"curp", 255},
      {"gender", 2, false, K::enumerated, {"M", "F"}},
      {"presetCountry", 3},
      {"presetIdType", 0, false, K::enumerated, {"PASSPORT", "DRIVING_LICENSE", "ID_CARD"}},
      {"dlCarPermission", 255, false, K::enumerated, {"YES", "NO", "NOT_READABLE"}},
      {"dlCategories", 0, false, K::object_list, {}, &driver_license_category_members()},
      {"nationality", 3},
      {"passportNumber", 255},
      {"durationOfStay", 255},
      {"numberOfEntries", 255},
      {"visaCategory", 255},
      {"originDob", 10},
      {"issuingAuthority", 50},
      {"issuingDate", 10, false, K::date},
      {"issuingPlace", 50},
      {"livenessImages", 0, false, K::string_list},
      {"placeOfBirth", 256},
      {"facemap", 255},
      {"taxNumber", 255},
      {"cpf", 255},
      {"registrationNumber", 255},
      {"mothersName", 255},
      {"fathersName", 255},
      {"personalIdentificationNumber", 255},
      {"rgNumber", 255},
  };
  return table;
}

}  // namespace jb::callback
