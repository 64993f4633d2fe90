#include "retrieval/mapping.h"

#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <utility>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "common/json_writer.h"

namespace jb::retrieval {
namespace {

using callback::FormField;
using callback::Kind;
using callback::member;
using Fields = std::vector<FormField>;

Failure invalid(std::string detail, std::string reference = {}) {
  return Failure{DeadLetterReason::retrieval_invalid, std::move(detail), std::move(reference)};
}

// Answers nest a few levels (the normalisation refuses a JSON-valued parameter nested deeper than
// 32, callback/json_value.h). Deeper ones are refused before parsing: RapidJSON's parser, its
// writer and value copies recurse once per level, and an answer may be 16 MiB of '['.
constexpr int kMaxAnswerDepth = 64;

// Parses an answer that must be a JSON object. Fails naming the offset, never the content.
// True when a string (or member name) anywhere in `value` holds a NUL character (\u0000). The
// depth is bounded by kMaxAnswerDepth before parsing.
bool holds_nul(const rapidjson::Value& value) {
  auto has_nul = [](const rapidjson::Value& text) {
    return std::string_view(text.GetString(), text.GetStringLength()).find('\0') !=
           std::string_view::npos;
  };
  if (value.IsString()) return has_nul(value);
  if (value.IsArray()) {
    for (const auto& item : value.GetArray())
      if (holds_nul(item)) return true;
  } else if (value.IsObject()) {
    for (const auto& entry : value.GetObject())
      if (has_nul(entry.name) || holds_nul(entry.value)) return true;
  }
  return false;
}

bool parse_object(std::string_view text, rapidjson::Document* document, std::string* why) {
  if (nests_deeper_than(text, kMaxAnswerDepth)) {
    *why = "the answer nests deeper than " + std::to_string(kMaxAnswerDepth) + " levels";
    return false;
  }
  document->Parse<rapidjson::kParseValidateEncodingFlag>(text.data(), text.size());
  if (document->HasParseError()) {
    *why = "the answer is not valid JSON (" +
           std::string(rapidjson::GetParseError_En(document->GetParseError())) + " at offset " +
           std::to_string(document->GetErrorOffset()) + ")";
    return false;
  }
  if (!document->IsObject()) {
    *why = "the answer is not a JSON object";
    return false;
  }
  // As a callback with a NUL byte is bad_encoding: no NUL reaches a Kafka key or an event.
  if (holds_nul(*document)) {
    *why = "the answer has a NUL character (\\u0000) in a string";
    return false;
  }
  return true;
}

std::string string_of(const rapidjson::Value& value) {
  return std::string(value.GetString(), value.GetStringLength());
}

std::string json_text(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  SafeJsonWriter writer(buffer);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

// A form value for any JSON value: strings as they are, other scalars as their JSON text, objects
// and arrays as JSON text (the way a callback carries JSON-valued parameters).
std::string form_value(const rapidjson::Value& value) {
  return value.IsString() ? string_of(value) : json_text(value);
}

// The guide's Authentication sample writes transactionDate without a zone
// ("2019-05-23T14:32:27.534"); Jumio's timestamps are UTC, so such a value gets its 'Z'.
std::string with_zone(std::string text) {
  bool looks_like_local = text.size() >= 19 && text[10] == 'T' && text.back() != 'Z' &&
                          text.find_first_of("+-", 19) == std::string::npos &&
                          std::isdigit(static_cast<unsigned char>(text.back()));
  if (looks_like_local) text += 'Z';
  return text;
}

class FieldList {
 public:
  void add(std::string name, std::string value) {
    if (std::any_of(fields_.begin(), fields_.end(),
                    [&name](const FormField& field) { return field.first == name; })) {
      return;  // the first source of a name wins
    }
    fields_.emplace_back(std::move(name), std::move(value));
  }
  // Adds `object`'s member `from` as `to` when present and not null.
  void add_member(const rapidjson::Value& object, std::string_view from, std::string to) {
    if (const rapidjson::Value* value = member(object, from))
      add(std::move(to), form_value(*value));
  }
  bool has(std::string_view name) const {
    return std::any_of(fields_.begin(), fields_.end(),
                       [name](const FormField& field) { return field.first == name; });
  }
  Fields take() { return std::move(fields_); }

 private:
  Fields fields_;
};

// Copies every member of `object` not named in `handled` under its own name.
void add_others(const rapidjson::Value& object, std::initializer_list<std::string_view> handled,
                FieldList* fields) {
  for (const auto& entry : object.GetObject()) {
    std::string_view name(entry.name.GetString(), entry.name.GetStringLength());
    if (entry.value.IsNull()) continue;
    if (std::find(handled.begin(), handled.end(), name) != handled.end()) continue;
    fields->add(std::string(name), form_value(entry.value));
  }
}

// --- ID verification (Netverify): scans/{ref}/data --------------------------------------------

// document.* -> callback parameter.
constexpr std::pair<std::string_view, std::string_view> kNetverifyDocument[] = {
    {"status", "verificationStatus"},
    {"type", "idType"},
    {"idSubtype", "idSubtype"},
    {"issuingCountry", "idCountry"},
    {"firstName", "idFirstName"},
    {"lastName", "idLastName"},
    {"dob", "idDob"},
    {"expiry", "idExpiry"},
    {"issuingDate", "issuingDate"},
    {"number", "idNumber"},
    {"usState", "idUsState"},
    {"personalNumber", "personalNumber"},
    {"optionalData1", "optionalData1"},
    {"optionalData2", "optionalData2"},
    {"address", "idAddress"},
    {"issuingAuthority", "issuingAuthority"},
    {"issuingPlace", "issuingPlace"},
    {"curp", "curp"},
    {"gender", "gender"},
    {"nationality", "nationality"},
    {"placeOfBirth", "placeOfBirth"},
    {"taxNumber", "taxNumber"},
    {"cpf", "cpf"},
    {"registrationNumber", "registrationNumber"},
    {"mothersName", "mothersName"},
    {"fathersName", "fathersName"},
    {"personalIdentificationNumber", "personalIdentificationNumber"},
    {"rgNumber", "rgNumber"},
};

// transaction.* -> callback parameter (status is the transaction's DONE/FAILED, which the event's
// existence already says; it has no callback parameter).
constexpr std::pair<std::string_view, std::string_view> kNetverifyTransaction[] = {
    {"date", "transactionDate"},
    {"source", "idScanSource"},
    {"clientIp", "clientIp"},
    {"customerId", "customerId"},
    {"merchantScanReference", "merchantIdScanReference"},
    {"merchantReportingCriteria", "merchantReportingCriteria"},
};

// The guide lists sources with '-' (WEB-UPLOAD) and its samples write '_' (WEB_UPLOAD), as the
// callback does.
std::string callback_source(std::string source) {
  std::replace(source.begin(), source.end(), '-', '_');
  return source;
}

Result<Fields> netverify_fields(const rapidjson::Value& answer) {
  const rapidjson::Value* reference = member(answer, "scanReference");
  if (reference == nullptr || !reference->IsString() || reference->GetStringLength() == 0)
    return invalid("scanReference is absent or not a string");
  const std::string ref = string_of(*reference);
  const rapidjson::Value* document = member(answer, "document");
  const rapidjson::Value* transaction = member(answer, "transaction");
  if (document == nullptr || !document->IsObject())
    return invalid("document is absent or not an object", ref);
  if (transaction == nullptr || !transaction->IsObject())
    return invalid("transaction is absent or not an object", ref);

  FieldList fields;
  fields.add("callBackType", "NETVERIFYID");
  fields.add("jumioIdScanReference", ref);
  for (const auto& [from, to] : kNetverifyDocument)
    fields.add_member(*document, from, std::string(to));
  if (const rapidjson::Value* status = member(*document, "status"); status && status->IsString()) {
    // The callback's idScanStatus: SUCCESS if verificationStatus is APPROVED_VERIFIED.
    fields.add("idScanStatus", string_of(*status) == "APPROVED_VERIFIED" ? "SUCCESS" : "ERROR");
  }
  for (const auto& [from, to] : kNetverifyTransaction) {
    const rapidjson::Value* value = member(*transaction, from);
    if (value == nullptr) continue;
    std::string text = form_value(*value);
    if (from == "source") text = callback_source(std::move(text));
    if (from == "date") text = with_zone(std::move(text));
    fields.add(std::string(to), std::move(text));
  }
  if (const rapidjson::Value* verification = member(answer, "verification")) {
    if (!verification->IsObject()) return invalid("verification is not an object", ref);
    if (const rapidjson::Value* mrz = member(*verification, "mrzCheck")) {
      // mrzCheck OK | NOT_AVAILABLE is the callback's idCheckMRZcode OK | N/A.
      std::string text = form_value(*mrz);
      fields.add("idCheckMRZcode", text == "NOT_AVAILABLE" ? "N/A" : text);
    }
    fields.add_member(*verification, "rejectReason", "rejectReason");
    fields.add_member(*verification, "identityVerification", "identityVerification");
    add_others(*verification,
               {"mrzCheck", "rejectReason", "identityVerification", "timestamp", "scanReference"},
               &fields);
  }
  if (const rapidjson::Value* facemap = member(answer, "facemap")) {
    if (const rapidjson::Value* href = member(*facemap, "href"))
      fields.add("facemap", form_value(*href));
  }
  if (const rapidjson::Value* timestamp = member(answer, "timestamp"))
    fields.add("callbackDate", with_zone(form_value(*timestamp)));
  // Document members the callback does not have (voterIdNumber, issuingNumber, ...) keep their
  // names.
  std::vector<std::string_view> handled;
  for (const auto& entry : kNetverifyDocument) handled.push_back(entry.first);
  for (const auto& entry : document->GetObject()) {
    std::string_view name(entry.name.GetString(), entry.name.GetStringLength());
    if (entry.value.IsNull() || std::find(handled.begin(), handled.end(), name) != handled.end())
      continue;
    fields.add(std::string(name), form_value(entry.value));
  }
  return fields.take();
}

// --- Authentication: authentications/{ref} ----------------------------------------------------

Result<Fields> authentication_fields(const rapidjson::Value& answer) {
  const rapidjson::Value* reference = member(answer, "transactionReference");
  if (reference == nullptr || !reference->IsString() || reference->GetStringLength() == 0)
    return invalid("transactionReference is absent or not a string");
  FieldList fields;
  fields.add("callBackType", "NETVERIFY_AUTHENTICATION");
  fields.add("transactionReference", string_of(*reference));
  fields.add_member(answer, "enrollmentTransactionReference", "enrollmentTransactionReference");
  fields.add_member(answer, "transactionResult", "transactionResult");
  if (const rapidjson::Value* date = member(answer, "transactionDate"))
    fields.add("transactionDate", with_zone(form_value(*date)));
  fields.add_member(answer, "scanSource", "scanSource");
  fields.add_member(answer, "userReference", "userReference");
  if (const rapidjson::Value* images = member(answer, "images")) {
    // images: [{"classifier": "face", "href": URL}] (or one such object) -> idScanImageFace.
    auto take_face = [&fields](const rapidjson::Value& image) {
      const rapidjson::Value* classifier = member(image, "classifier");
      const rapidjson::Value* href = member(image, "href");
      if (classifier && href && classifier->IsString() && string_of(*classifier) == "face")
        fields.add("idScanImageFace", form_value(*href));
    };
    if (images->IsArray()) {
      for (const auto& image : images->GetArray()) take_face(image);
    } else {
      take_face(*images);
    }
  }
  fields.add_member(answer, "livenessImages", "livenessImages");
  if (const rapidjson::Value* timestamp = member(answer, "timestamp"))
    fields.add("callbackDate", with_zone(form_value(*timestamp)));
  add_others(
      answer,
      {"transactionReference", "enrollmentTransactionReference", "transactionResult",
       "transactionDate", "scanSource", "userReference", "images", "livenessImages", "timestamp"},
      &fields);
  return fields.take();
}

// --- Document Verification: documents/{ref}/data ----------------------------------------------

constexpr std::string_view kAddressMembers[] = {"line1",      "line2", "line3",
                                                "line4",      "line5", "countryCode",
                                                "postalCode", "city",  "subdivision"};

// "MM/YY" (the guide's credit-card expiry) as the last day of that month, YYYY-MM-DD in 20YY.
bool card_expiry_as_date(std::string_view text, std::string* date) {
  if (text.size() != 5 || text[2] != '/') return false;
  for (size_t i : {0, 1, 3, 4})
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return false;
  int month = (text[0] - '0') * 10 + (text[1] - '0');
  int year = 2000 + (text[3] - '0') * 10 + (text[4] - '0');
  if (month < 1 || month > 12) return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int days = kDays[month - 1];
  if (month == 2 && year % 4 == 0) ++days;  // 2000..2099: every fourth year is a leap year
  char out[11];
  std::snprintf(out, sizeof out, "%04d-%02d-%02d", year, month, days);
  *date = out;
  return true;
}

// The Retrieval API's extractedData ({firstName, lastName, ssn, signatureAvailable, extractedData:
// "<JSON text>"}, the inner one holding the address members and the rest) as the callback's
// extractedData object (firstName/lastName for SSC, else the full name as name; address as a Raw
// object with countryCode).
bool callback_extracted_data(const rapidjson::Value& outer, std::string_view document_type,
                             rapidjson::Value* out, rapidjson::Document::AllocatorType& allocator,
                             std::string* why) {
  rapidjson::Document inner_document;
  const rapidjson::Value* inner = nullptr;
  if (const rapidjson::Value* nested = member(outer, "extractedData")) {
    if (nested->IsString()) {
      if (!parse_object(std::string_view(nested->GetString(), nested->GetStringLength()),
                        &inner_document, why)) {
        *why = "document.extractedData.extractedData: " + *why;
        return false;
      }
      inner = &inner_document;
    } else if (nested->IsObject()) {
      inner = nested;
    } else {
      *why = "document.extractedData.extractedData is neither JSON text nor an object";
      return false;
    }
  }
  out->SetObject();
  auto add = [&](std::string_view name, const rapidjson::Value& value) {
    if (out->HasMember(rapidjson::StringRef(name.data(), name.size()))) return;
    out->AddMember(
        rapidjson::Value(name.data(), static_cast<rapidjson::SizeType>(name.size()), allocator),
        rapidjson::Value(value, allocator), allocator);
  };
  const bool full_name = document_type != "SSC";
  rapidjson::Value address(rapidjson::kObjectType);
  for (const rapidjson::Value* source : {&outer, inner}) {
    if (source == nullptr) continue;
    for (const auto& entry : source->GetObject()) {
      std::string_view name(entry.name.GetString(), entry.name.GetStringLength());
      const rapidjson::Value& value = entry.value;
      if (value.IsNull() || name == "addressFormat") continue;
      if (source == &outer && name == "extractedData") continue;
      if (std::find(std::begin(kAddressMembers), std::end(kAddressMembers), name) !=
          std::end(kAddressMembers)) {
        if (!address.HasMember(rapidjson::StringRef(name.data(), name.size())))
          address.AddMember(
              rapidjson::Value(name.data(), static_cast<rapidjson::SizeType>(name.size()),
                               allocator),
              rapidjson::Value(value, allocator), allocator);
      } else if (name == "firstName" && full_name) {
        add("name", value);
      } else if (name == "signaturePresent") {
        add("signatureAvailable", value);
      } else if (name == "expiryDate" && value.IsString()) {
        std::string date;
        if (card_expiry_as_date(std::string_view(value.GetString(), value.GetStringLength()),
                                &date)) {
          add(name, rapidjson::Value(date.c_str(), static_cast<rapidjson::SizeType>(date.size()),
                                     allocator));
        } else {
          add(name, value);
        }
      } else {
        add(name, value);
      }
    }
  }
  if (address.MemberCount() > 0) add("address", address);
  return true;
}

Result<Fields> document_fields(const rapidjson::Value& answer) {
  const rapidjson::Value* reference = member(answer, "scanReference");
  if (reference == nullptr || !reference->IsString() || reference->GetStringLength() == 0)
    return invalid("scanReference is absent or not a string");
  const std::string ref = string_of(*reference);
  const rapidjson::Value* transaction = member(answer, "transaction");
  if (transaction == nullptr || !transaction->IsObject())
    return invalid("transaction is absent or not an object", ref);

  FieldList fields;
  fields.add("scanReference", ref);
  if (const rapidjson::Value* timestamp = member(answer, "timestamp"))
    fields.add("timestamp", with_zone(form_value(*timestamp)));

  rapidjson::Document converted;
  auto& allocator = converted.GetAllocator();
  rapidjson::Value transaction_out(*transaction, allocator);
  if (auto found = transaction_out.FindMember("date");
      found != transaction_out.MemberEnd() && found->value.IsString()) {
    std::string date = with_zone(string_of(found->value));
    found->value.SetString(date.c_str(), static_cast<rapidjson::SizeType>(date.size()), allocator);
  }
  fields.add("transaction", json_text(transaction_out));

  if (const rapidjson::Value* document = member(answer, "document")) {
    if (!document->IsObject()) return invalid("document is not an object", ref);
    rapidjson::Value document_out(rapidjson::kObjectType);
    std::string_view type;
    if (const rapidjson::Value* t = member(*document, "type"); t && t->IsString())
      type = std::string_view(t->GetString(), t->GetStringLength());
    for (const auto& entry : document->GetObject()) {
      std::string_view name(entry.name.GetString(), entry.name.GetStringLength());
      if (entry.value.IsNull()) continue;
      rapidjson::Value value;
      if (name == "extractedData") {
        if (!entry.value.IsObject()) return invalid("document.extractedData is not an object", ref);
        std::string why;
        if (!callback_extracted_data(entry.value, type, &value, allocator, &why))
          return invalid(why, ref);
      } else {
        value.CopyFrom(entry.value, allocator);
      }
      document_out.AddMember(rapidjson::Value(entry.name, allocator), value, allocator);
    }
    fields.add("document", json_text(document_out));
  }
  add_others(answer, {"scanReference", "timestamp", "transaction", "document"}, &fields);
  return fields.take();
}

constexpr std::string_view kNetverifyAbsent[] = {
    "idCheckDataPositions",    "idCheckDocumentValidation", "idCheckHologram", "idCheckMicroprint",
    "idCheckSecurityFeatures", "idCheckSignature",          "idCheckMRZcode",  "callbackDate"};
constexpr std::string_view kAuthenticationAbsent[] = {"callbackDate"};
constexpr std::string_view kDocumentAbsent[] = {"transaction.date", "document.images", "timestamp"};

}  // namespace

bool parse_answer_object(std::string_view text, rapidjson::Document* document, std::string* why) {
  return parse_object(text, document, why);
}

bool parse_kind(std::string_view text, Kind* kind) {
  for (Kind candidate : {Kind::netverify, Kind::authentication, Kind::document, Kind::workflow}) {
    if (callback::kind_type(candidate) == text) {
      *kind = candidate;
      return true;
    }
  }
  return false;
}

Result<StatusAnswer> read_status_answer(Kind kind, std::string_view answer) {
  rapidjson::Document document;
  std::string why;
  if (!parse_object(answer, &document, &why)) return invalid(why);
  StatusAnswer status;
  if (kind == Kind::authentication) {
    const rapidjson::Value* result = member(document, "transactionResult");
    if (result == nullptr || !result->IsString()) return invalid("transactionResult is absent");
    status.status = string_of(*result);
    if (status.status == "CREATED" || status.status == "STARTED") {
      status.progress = Progress::pending;
    } else if (status.status == "PASSED" || status.status == "FAILED" ||
               status.status == "INVALID" || status.status == "EXPIRED") {
      status.progress = Progress::final;
    } else {
      return invalid("transactionResult is not one the guide lists");
    }
    return status;
  }
  const rapidjson::Value* value = member(document, "status");
  if (value == nullptr || !value->IsString()) return invalid("status is absent");
  status.status = string_of(*value);
  if (status.status == "PENDING") {
    status.progress = Progress::pending;
  } else if (status.status == "DONE" || status.status == "FAILED") {
    status.progress = Progress::final;
  } else {
    return invalid("status is not PENDING, DONE or FAILED");
  }
  return status;
}

Result<std::vector<FormField>> callback_fields(Kind kind, std::string_view answer) {
  rapidjson::Document document;
  std::string why;
  if (!parse_object(answer, &document, &why)) return invalid(why);
  switch (kind) {
    case Kind::netverify:
      return netverify_fields(document);
    case Kind::authentication:
      return authentication_fields(document);
    case Kind::document:
      return document_fields(document);
    case Kind::workflow:  // retrieval/workflow.h
      break;
  }
  return invalid("unknown kind");
}

callback::FieldsOptions fields_options(Kind kind) {
  callback::FieldsOptions options;
  options.origin = callback::Origin::retrieval;
  switch (kind) {
    case Kind::netverify:
      options.absent_by_nature.assign(std::begin(kNetverifyAbsent), std::end(kNetverifyAbsent));
      options.not_in_event_id = {"callbackDate"};
      break;
    case Kind::authentication:
      options.absent_by_nature.assign(std::begin(kAuthenticationAbsent),
                                      std::end(kAuthenticationAbsent));
      options.not_in_event_id = {"callbackDate"};
      break;
    case Kind::document:
      options.absent_by_nature.assign(std::begin(kDocumentAbsent), std::end(kDocumentAbsent));
      options.not_in_event_id = {"timestamp"};
      break;
    case Kind::workflow:
      break;
  }
  return options;
}

Result<callback::Event> event_of_answer(Kind kind, std::string_view answer,
                                        std::chrono::system_clock::time_point received_at) {
  auto fields = callback_fields(kind, answer);
  if (!fields.ok()) return fields.failure();
  auto event = callback::normalize_fields(kind, fields.value(), received_at, fields_options(kind));
  if (event.ok()) return event;
  Failure failure = event.failure();
  if (failure.reason != DeadLetterReason::retrieval_invalid) {
    failure.detail = std::string(reason_code(failure.reason)) + ": " + failure.detail;
    failure.reason = DeadLetterReason::retrieval_invalid;
  }
  return failure;
}

}  // namespace jb::retrieval
