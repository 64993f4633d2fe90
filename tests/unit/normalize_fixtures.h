// Callbacks and helpers shared by the normalisation tests.
#pragma once

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "callback/normalize.h"
#include "support/callbacks.h"

namespace jb::callback::fixtures {

using Fields = FormFields;

const auto kReceivedAt =
    std::chrono::system_clock::time_point(std::chrono::milliseconds(1590827855822));
constexpr char kReference[] = "11111111-2222-3333-4444-555555555555";

inline std::string percent_encode(const std::string& text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

inline std::string body_of(const Fields& fields) {
  return form_encode(fields);
}

inline Fields with(Fields fields, const std::string& name, const std::string& value) {
  auto found = std::find_if(fields.begin(), fields.end(), [&](auto& f) { return f.first == name; });
  if (found == fields.end()) {
    fields.emplace_back(name, value);
  } else {
    found->second = value;
  }
  return fields;
}

inline Fields without(Fields fields, const std::string& name) {
  fields.erase(
      std::remove_if(fields.begin(), fields.end(), [&](auto& f) { return f.first == name; }),
      fields.end());
  return fields;
}

const Fields kNetverify = {{"callBackType", "NETVERIFYID"},
                           {"jumioIdScanReference", kReference},
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
                           {"callbackDate", "2020-08-17T10:05:00Z"}};

const Fields kAuthentication = {
    {"callbackDate", "2019-05-30T08:37:35.822Z"},   {"transactionReference", kReference},
    {"enrollmentTransactionReference", kReference}, {"transactionResult", "PASSED"},
    {"transactionDate", "2019-05-29T08:37:24.3Z"},  {"scanSource", "SDK"},
    {"callBackType", "NETVERIFY_AUTHENTICATION"}};

const char kTransaction[] =
    R"({"customerId":"CUSTOMERID","date":"2014-10-17T06:37:51.9Z","merchantScanReference":"MSR",)"
    R"("source":"DOC_SDK","status":"DONE"})";
const char kDocument[] =
    R"({"type":"SSC","country":"USA","images":["https://example.com/1"],"status":"EXTRACTED"})";

const Fields kDocumentVerification = {{"timestamp", "2017-06-06T12:06:49.016Z"},
                                      {"scanReference", kReference},
                                      {"document", kDocument},
                                      {"transaction", kTransaction}};

// Jumio's own Netverify sample (spec "Sample callback: Approved and verified").
const char kNetverifyApprovedSample[] =
    "idExpiry=2022-12-31&idType=PASSPORT&idDob=1990-01-01&idCheckSignature=OK&idCheckDataPositions="
    "OK&idCheckHologram=OK&idCheckMicroprint=OK&idCheckDocumentValidation=OK&idCountry=USA&"
    "idScanSource=SDK&idFirstName=FIRSTNAME&verificationStatus=APPROVED_VERIFIED&"
    "jumioIdScanReference=xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx&personalNumber=N%2FA&"
    "merchantIdScanReference=YOURIDSCANREFERENCE&idCheckSecurityFeatures=OK&idCheckMRZcode=OK&"
    "idScanImage=https%3A%2F%2Fnetverify.com%2Frecognition%2Fv1%2Fidscan%2Fxxxxxxxx-xxxx-xxxx-"
    "xxxx-xxxxxxxxxxxx%2Ffront&callBackType=NETVERIFYID&clientIp=xxx.xxx.xxx.xxx&idLastName="
    "LASTNAME&idAddress=%7B%22country%22%3A%22USA%22%2C%22stateCode%22%3A%22US%2DOH%22%7D&"
    "idScanStatus=SUCCESS&identityVerification=%7B%22similarity%22%3A%22MATCH%22%2C%22validity%22"
    "%3Atrue%7D&idNumber=P1234";

inline Result<Event> normalize_body(const std::string& body, std::string content_type = "") {
  return normalize(Incoming{body, content_type, kReceivedAt});
}

inline Result<Event> normalize_fields(const Fields& fields) {
  return normalize_body(body_of(fields));
}

inline rapidjson::Document parsed(const Event& event) {
  rapidjson::Document document;
  document.Parse(event.json.c_str());
  EXPECT_FALSE(document.HasParseError()) << event.json;
  return document;
}

inline std::vector<std::pair<std::string, std::string>> warnings_of(const Event& event) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& warning : event.warnings) out.emplace_back(warning.field, warning.problem);
  return out;
}

inline bool has_warning(const Event& event, const std::string& field, const std::string& problem) {
  auto all = warnings_of(event);
  return std::find(all.begin(), all.end(), std::make_pair(field, problem)) != all.end();
}

inline std::string nested(int depth) {
  return std::string(static_cast<size_t>(depth), '[') +
         std::string(static_cast<size_t>(depth), ']');
}

}  // namespace jb::callback::fixtures
