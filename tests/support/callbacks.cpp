#include "callbacks.h"

#include <cctype>

const char kSampleNetverifyApproved[] =
    "idExpiry=2022-12-31"
    "&idType=PASSPORT"
    "&idDob=1990-01-01"
    "&idCheckSignature=OK"
    "&idCheckDataPositions=OK"
    "&idCheckHologram=OK"
    "&idCheckMicroprint=OK"
    "&idCheckDocumentValidation=OK"
    "&idCountry=USA"
    "&idScanSource=SDK"
    "&idFirstName=FIRSTNAME"
    "&verificationStatus=APPROVED_VERIFIED"
    "&jumioIdScanReference=xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
    "&personalNumber=N%2FA"
    "&merchantIdScanReference=YOURIDSCANREFERENCE"
    "&idCheckSecurityFeatures=OK"
    "&idCheckMRZcode=OK"
    "&idScanImage=https%3A%2F%2Fnetverify.com%2Frecognition%2Fv1%2Fidscan%2Fxxxxxxxx-xxxx-xxxx-"
    "xxxx-xxxxxxxxxxxx%2Ffront"
    "&callBackType=NETVERIFYID"
    "&clientIp=xxx.xxx.xxx.xxx"
    "&idLastName=LASTNAME"
    "&idAddress=%7B%22country%22%3A%22USA%22%2C%22stateCode%22%3A%22US%2DOH%22%7D"
    "&idScanStatus=SUCCESS"
    "&identityVerification=%7B%22similarity%22%3A%22MATCH%22%2C%22validity%22%3Atrue%7D"
    "&idNumber=P1234";

const char kSampleNetverifyFraud[] =
    "idType=PASSPORT"
    "&idCheckSignature=N%2FA"
    "&rejectReason=%7B%20%22rejectReasonCode%22%3A%22100%22%2C%20%22rejectReasonDescription%22"
    "%3A%22MANIPULATED_DOCUMENT%22%2C%20%22rejectReasonDetails%22%3A%20%5B%7B%20%22detailsCode"
    "%22%3A%20%221001%22%2C%20%22detailsDescription%22%3A%20%22PHOTO%22%20%7D%2C%7B%20%22detail"
    "sCode%22%3A%20%221004%22%2C%20%22detailsDescription%22%3A%20%22DOB%22%20%7D%5D%7D"
    "&idCheckDataPositions=N%2FA"
    "&idCheckHologram=N%2FA"
    "&idCheckMicroprint=N%2FA"
    "&idCheckDocumentValidation=N%2FA"
    "&idCountry=USA"
    "&idScanSource=SDK"
    "&verificationStatus=DENIED_FRAUD"
    "&jumioIdScanReference=xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
    "&merchantIdScanReference=YOURSCANREFERENCE"
    "&idCheckSecurityFeatures=N%2FA"
    "&idCheckMRZcode=N%2FA"
    "&idScanImage=https%3A%2F%2Fnetverify.com%2Frecognition%2Fv1%2Fidscan%2Fxxxxxxxx-xxxx-xxxx-"
    "xxxx-xxxxxxxxxxxx%2Ffront"
    "&callBackType=NETVERIFYID"
    "&clientIp=xxx.xxx.xxx.xxx"
    "&idScanStatus=ERROR";

const char kSampleAuthenticationPassed[] =
    "scanSource=SDK"
    "&transactionReference=xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
    "&enrollmentTransactionReference=xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
    "&callBackType=NETVERIFY_AUTHENTICATION"
    "&livenessImages=%5B%22https%3A%2F%2Fnetverify.com%2Fapi%2Fnetverify%2Fv2%2Fauthentications"
    "%2Fxxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx%2Fimages%2Fliveness%2F1%22%2C%22https%3A%2F%2Fnetv"
    "erify.com%2Fapi%2Fnetverify%2Fv2%2Fauthentications%2Fxxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
    "%2Fimages%2Fliveness%2F2%22%2C%22https%3A%2F%2Fnetverify.com%2Fapi%2Fnetverify%2Fv2%2Fauth"
    "entications%2Fxxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx%2Fimages%2Fliveness%2F3%22%2C%22https"
    "%3A%2F%2Fnetverify.com%2Fapi%2Fnetverify%2Fv2%2Fauthentications%2Fxxxxxxxx-xxxx-xxxx-xxxx-"
    "xxxxxxxxxxxx%2Fimages%2Fliveness%2F4%22%2C%22https%3A%2F%2Fnetverify.com%2Fapi%2Fnetverify"
    "%2Fv2%2Fauthentications%2Fxxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx%2Fimages%2Fliveness%2F5%22"
    "%2C%22https%3A%2F%2Fnetverify.com%2Fapi%2Fnetverify%2Fv2%2Fauthentications%2Fxxxxxxxx-xxxx"
    "-xxxx-xxxx-xxxxxxxxxxxx%2Fimages%2Fliveness%2F6%22%2C%22https%3A%2F%2Fnetverify.com%2Fapi"
    "%2Fnetverify%2Fv2%2Fauthentications%2Fxxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx%2Fimages%2Flive"
    "ness%2F7%22%5D"
    "&idScanImageFace=https%3A%2F%2Fnetverify.com%2Fapi%2Fnetverify%2Fv2%2Fauthentications%2Fxx"
    "xxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx%2Fimages%2Fface"
    "&callbackDate=2019-05-30T08%3A37%3A35.822Z"
    "&transactionDate=2019-05-29T08%3A37%3A24.344Z"
    "&transactionResult=PASSED";

const char kSampleDocumentUploaded[] =
    "timestamp=2017-06-06T12%3A06%3A49.016Z"
    "&scanReference=xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
    "&document=%7B%22type%22%3A%22SSC%22%2C%22country%22%3A%22AUT%22%2C%22images%22%3A%5B%22htt"
    "ps%3A%2F%2Fretrieval.netverify.com%2Fapi%2Fnetverify%2Fv2%2Fdocuments%2Fxxxxxxxx-xxxx-xxxx"
    "-xxxx-xxxxxxxxxxxx%2Fpages%2F1%22%5D%2C%22status%22%3A%22UPLOADED%22%7D"
    "&transaction=%7B%22customerId%22%3A%22CUSTOMERID%22%2C%22date%22%3A%222014-10-17T06%3A37"
    "%3A51.969Z%22%2C%22merchantScanReference%22%3A%22YOURSCANREFERENCE%22%2C%22source%22%3A%22"
    "DOC_SDK%22%2C%22status%22%3A%22DONE%22%7D";

const char kSampleDocumentExtracted[] =
    "timestamp=2017-06-06T12%3A06%3A49.016Z"
    "&scanReference=xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
    "&document=%7B%22type%22%3A%22SSC%22%2C%22country%22%3A%22USA%22%2C%22extractedData%22%3A"
    "%7B%22firstName%22%3A%22FIRSTNAME%22%2C%22lastName%22%3A%22LASTNAME%22%2C%22signatureAvail"
    "able%22%3Atrue%2C%22ssn%22%3A%22xxxxxxxxx%22%7D%2C%22images%22%3A%5B%22https%3A%2F%2Fretri"
    "eval.netverify.com%2Fapi%2Fnetverify%2Fv2%2Fdocuments%2Fxxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxx"
    "xx%2Fpages%2F1%22%5D%2C%22status%22%3A%22EXTRACTED%22%7D"
    "&transaction=%7B%22customerId%22%3A%22CUSTOMERID%22%2C%22date%22%3A%222014-10-17T06%3A37"
    "%3A51.969Z%22%2C%22merchantScanReference%22%3A%22YOURSCANREFERENCE%22%2C%22source%22%3A%22"
    "DOC_SDK%22%2C%22status%22%3A%22DONE%22%7D";

const char kSampleDocumentDiscarded[] =
    "timestamp=2017-06-06T12%3A06%3A49.016Z"
    "&scanReference=xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
    "&document=%7B%22type%22%3A%22SSC%22%2C%22country%22%3A%22USA%22%2C%22images%22%3A%5B%22htt"
    "ps%3A%2F%2Fretrieval.netverify.com%2Fapi%2Fnetverify%2Fv2%2Fdocuments%2Fxxxxxxxx-xxxx-xxxx"
    "-xxxx-xxxxxxxxxxxx%2Fpages%2F1%22%5D%2C%22status%22%3A%22DISCARDED%22%7D"
    "&transaction=%7B%22customerId%22%3A%22CUSTOMERID%22%2C%22date%22%3A%222014-10-17T06%3A37"
    "%3A51.969Z%22%2C%22merchantScanReference%22%3A%22YOURSCANREFERENCE%22%2C%22source%22%3A%22"
    "DOC_SDK%22%2C%22status%22%3A%22DONE%22%7D";

const std::vector<SampleCallback>& spec_sample_callbacks() {
  static const std::vector<SampleCallback> kSamples = {
      {"NetverifyApproved", kSampleNetverifyApproved},
      {"NetverifyFraud", kSampleNetverifyFraud},
      {"AuthenticationPassed", kSampleAuthenticationPassed},
      {"DocumentUploaded", kSampleDocumentUploaded},
      {"DocumentExtracted", kSampleDocumentExtracted},
      {"DocumentDiscarded", kSampleDocumentDiscarded},
  };
  return kSamples;
}

namespace {

void append_encoded(const std::string& text, std::string* out) {
  static const char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '*' || c == '-' || c == '.' || c == '_') {
      out->push_back(static_cast<char>(c));
    } else if (c == ' ') {
      out->push_back('+');
    } else {
      out->push_back('%');
      out->push_back(kHex[c >> 4]);
      out->push_back(kHex[c & 0x0F]);
    }
  }
}

}  // namespace

std::string form_encode(const FormFields& fields) {
  std::string body;
  for (const auto& [name, value] : fields) {
    if (!body.empty()) body.push_back('&');
    append_encoded(name, &body);
    body.push_back('=');
    append_encoded(value, &body);
  }
  return body;
}

FormFields netverify_all_parameter_fields() {
  const std::string reference = "4f2b1e54-9c3a-4d1e-8b7f-2a6c5d9e0f13";
  const std::string images = "https://netverify.com/recognition/v1/idscan/" + reference;
  const std::string liveness =
      "https://netverify.com/api/netverify/v2/scans/" + reference + "/images/liveness/";
  return {
      {"callBackType", "NETVERIFYID"},
      {"jumioIdScanReference", reference},
      {"verificationStatus", "APPROVED_VERIFIED"},
      {"idScanStatus", "SUCCESS"},
      {"idScanSource", "WEB_UPLOAD"},
      {"idCheckDataPositions", "OK"},
      {"idCheckDocumentValidation", "OK"},
      {"idCheckHologram", "OK"},
      {"idCheckMRZcode", "OK"},
      {"idCheckMicroprint", "OK"},
      {"idCheckSecurityFeatures", "OK"},
      {"idCheckSignature", "OK"},
      {"transactionDate", "2020-08-17T10:00:00.12Z"},
      {"callbackDate", "2020-08-17T10:05:00Z"},
      {"identityVerification",
       R"({"similarity":"MATCH","validity":"TRUE","similarityDecision":"AUTOMATED",)"
       R"("similarityScore":"97"})"},
      {"idType", "DRIVING_LICENSE"},
      {"idSubtype", "REGULAR_DRIVING_LICENSE"},
      {"idCountry", "USA"},
      {"rejectReason",
       R"({"rejectReasonCode":"100","rejectReasonDescription":"MANIPULATED_DOCUMENT",)"
       R"("rejectReasonDetails":[{"detailsCode":"1001","detailsDescription":"PHOTO"},)"
       R"({"detailsCode":"1004","detailsDescription":"DOB"}]})"},
      {"idScanImage", images + "/front"},
      {"idScanImageFace", images + "/face"},
      {"idScanImageBackside", images + "/back"},
      {"idNumber", "D1234567"},
      {"idFirstName", "JANE"},
      {"idLastName", "DOE"},
      {"idDob", "1990-12-09"},
      {"idExpiry", "2028-12-09"},
      {"idUsState", "AL"},
      {"personalNumber", "123456789"},
      {"idAddress",
       R"({"streetNumber":"150","streetDirection":"N","streetName":"Alberny",)"
       R"("streetSuffix":"Dr","unitDesignator":"APT","unitNumber":"7","city":"New Mexico",)"
       R"("stateCode":"US-AL","zip":"77358","zipExtension":"5555","country":"USA"})"},
      {"merchantIdScanReference", "onboarding-2020-08-17-0042"},
      {"merchantReportingCriteria", "web-onboarding"},
      {"customerId", "customer-4711"},
      {"clientIp", "203.0.113.7"},
      {"firstAttemptDate", "2020-08-17T09:58:12.5Z"},
      {"optionalData1", "A1234567"},
      {"optionalData2", "B7654321"},
      {"dni", "12345678Z"},
      {"curp", "DOEJ901209MDFRNN09"},
      {"gender", "F"},
      {"presetCountry", "USA"},
      {"presetIdType", "DRIVING_LICENSE"},
      {"dlCarPermission", "YES"},
      {"dlCategories", R"([{"category":"B","issueDate":"2015-03-01","expiryDate":"2030-03-01",)"
                       R"("availability":"yes"},{"category":"A","isReadable":"FALSE",)"
                       R"("availability":"not readable"}])"},
      {"nationality", "USA"},
      {"passportNumber", "X1234567"},
      {"durationOfStay", "90 DAYS"},
      {"numberOfEntries", "MULTIPLE"},
      {"visaCategory", "B1/B2"},
      {"originDob", "1990/12/09"},
      {"issuingAuthority", "Alabama Law Enforcement Agency"},
      {"issuingDate", "2018-12-10"},
      {"issuingPlace", "Montgomery"},
      {"livenessImages", "[\"" + liveness + "1\",\"" + liveness + "2\",\"" + liveness + "3\"]"},
      {"placeOfBirth", "Springfield"},
      {"facemap", "https://netverify.com/api/netverify/v2/scans/" + reference + "/facemap"},
      {"taxNumber", "RSSMRA85T10A562S"},
      {"cpf", "123.456.789-09"},
      {"registrationNumber", "REG-2020-0001"},
      {"mothersName", "MARY DOE"},
      {"fathersName", "JOHN DOE"},
      {"personalIdentificationNumber", "01001012345"},
      {"rgNumber", "12.345.678-9"},
  };
}

std::string netverify_all_parameters() {
  return form_encode(netverify_all_parameter_fields());
}

FormFields netverify_status_fields(const std::string& status) {
  bool approved = status == "APPROVED_VERIFIED";
  std::string check = approved ? "OK" : "N/A";
  FormFields fields = {
      {"callBackType", "NETVERIFYID"},
      {"jumioIdScanReference", "0b6c7e4a-1d2f-4a3b-9c8d-7e6f5a4b3c2d"},
      {"verificationStatus", status},
      {"idScanStatus", approved ? "SUCCESS" : "ERROR"},
      {"idScanSource", "WEB_CAM"},
      {"idCheckDataPositions", check},
      {"idCheckDocumentValidation", check},
      {"idCheckHologram", check},
      {"idCheckMRZcode", check},
      {"idCheckMicroprint", check},
      {"idCheckSecurityFeatures", check},
      {"idCheckSignature", check},
      {"transactionDate", "2021-03-04T05:06:07Z"},
      {"callbackDate", "2021-03-04T05:16:07.5Z"},
  };
  if (approved)
    fields.emplace_back("identityVerification", R"({"similarity":"MATCH","validity":"TRUE"})");
  if (status == "DENIED_FRAUD") {
    fields.emplace_back("rejectReason",
                        R"({"rejectReasonCode":"107","rejectReasonDescription":"PHOTO_MISMATCH"})");
  }
  if (status == "ERROR_NOT_READABLE_ID") {
    fields.emplace_back(
        "rejectReason",
        R"({"rejectReasonCode":"200","rejectReasonDescription":"NOT_READABLE_DOCUMENT",)"
        R"("rejectReasonDetails":[{"detailsCode":"2001","detailsDescription":"BLURRED"}]})");
  }
  return fields;
}

FormFields authentication_status_fields(const std::string& result) {
  return {
      {"callbackDate", "2021-03-04T05:16:07.25Z"},
      {"transactionReference", "5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d"},
      {"enrollmentTransactionReference", "0b6c7e4a-1d2f-4a3b-9c8d-7e6f5a4b3c2d"},
      {"transactionResult", result},
      {"transactionDate", "2021-03-04T05:06:07Z"},
      {"scanSource", "WEB"},
      {"callBackType", "NETVERIFY_AUTHENTICATION"},
      {"userReference", "user-9"},
  };
}

FormFields document_status_fields(const std::string& document_status) {
  std::string transaction_status = document_status.empty() ? "FAILED" : "DONE";
  FormFields fields = {
      {"timestamp", "2021-03-04T05:16:07Z"},
      {"scanReference", "9c8d7e6f-5a4b-4c3d-8e1f-0a9b8c7d6e5f"},
      {"transaction", R"({"customerId":"customer-9","date":"2021-03-04T05:06:07.1Z",)"
                      R"("merchantScanReference":"scan-9","source":"DOC_UPLOAD","status":")" +
                          transaction_status + R"("})"},
  };
  if (document_status.empty()) return fields;
  std::string extracted;
  if (document_status == "EXTRACTED") {
    extracted = R"("extractedData":{"name":"JANE DOE","issueDate":"2021-01-15",)"
                R"("address":{"line1":"1 Main St","city":"Springfield","subdivision":"US-IL",)"
                R"("postalCode":"62701","countryCode":"USA"}},)";
  }
  fields.emplace_back("document", R"({"type":"UB","country":"USA",)" + extracted +
                                      R"("images":["https://retrieval.netverify.com/pages/1"],)"
                                      R"("status":")" +
                                      document_status + R"("})");
  return fields;
}
