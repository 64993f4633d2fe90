#include "support/schema_check.h"

#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <utility>

#include <rapidjson/error/en.h>
#include <rapidjson/pointer.h>
#include <rapidjson/schema.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace jb::schema {
namespace {

std::string uri_fragment(const rapidjson::Pointer& pointer) {
  rapidjson::StringBuffer buffer;
  pointer.StringifyUriFragment(buffer);
  return buffer.GetString();
}

// A schema file as parsed JSON and as a compiled schema (null when it could not be compiled).
struct LoadedSchema {
  rapidjson::Document json;
  std::unique_ptr<rapidjson::SchemaDocument> compiled;
  std::string error;
};

// Loads schema files once and resolves references to other files of schemas/ ("file.json#/...").
class SchemaCache : public rapidjson::IRemoteSchemaDocumentProvider {
 public:
  static SchemaCache& instance() {
    static SchemaCache cache;
    return cache;
  }

  const LoadedSchema& get(const std::string& file) {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    auto found = schemas_.find(file);
    if (found != schemas_.end()) return *found->second;
    auto& loaded = schemas_[file];
    loaded = std::make_unique<LoadedSchema>();
    load(file, loaded.get());
    return *loaded;
  }

  // Compiles a schema given as JSON; references to other files go through this cache. Empty
  // *error when every reference resolved.
  std::unique_ptr<rapidjson::SchemaDocument> compile(const rapidjson::Value& json,
                                                     std::string* error) {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    unresolved_.clear();
    auto compiled = std::make_unique<rapidjson::SchemaDocument>(json, this);
    *error = unresolved_.empty() ? "" : "unresolved reference to " + unresolved_;
    return compiled;
  }

  // RapidJSON 1.1.0 passes a length one short of the file name, so the name is read up to the
  // '#' that every reference in schemas/ carries (or the end of the string).
  const rapidjson::SchemaDocument* GetRemoteDocument(const char* uri,
                                                     rapidjson::SizeType) override {
    std::string file;
    for (const char* c = uri; *c != '\0' && *c != '#'; ++c) file.push_back(*c);
    std::string pending = std::exchange(unresolved_, "");
    const LoadedSchema& loaded = get(file);
    unresolved_ = pending;
    if (loaded.compiled) return loaded.compiled.get();
    unresolved_ = file;
    return nullptr;
  }

 private:
  void load(const std::string& file, LoadedSchema* loaded) {
    if (file.find('#') != std::string::npos) {
      // A definition inside a file ("file.json#/definitions/x"): a schema that refers to it.
      loaded->json.SetObject();
      loaded->json.AddMember("$ref", rapidjson::Value(file.c_str(), loaded->json.GetAllocator()),
                             loaded->json.GetAllocator());
      std::string error;
      auto compiled = compile(loaded->json, &error);
      if (!error.empty()) {
        loaded->error = "schemas/" + file + ": " + error;
        return;
      }
      loaded->compiled = std::move(compiled);
      return;
    }
    std::ifstream in(schema_dir() + "/" + file, std::ios::binary);
    if (!in) {
      loaded->error = "cannot read schemas/" + file;
      return;
    }
    std::stringstream stream;
    stream << in.rdbuf();
    const std::string text = stream.str();
    // With a length: RapidJSON's SSE2 whitespace skipping over a NUL-terminated string reads
    // aligned 16-byte blocks past its end, which AddressSanitizer (scripts/fuzz.sh) reports.
    loaded->json.Parse(text.data(), text.size());
    if (loaded->json.HasParseError()) {
      loaded->error = "schemas/" + file +
                      " is not JSON: " + rapidjson::GetParseError_En(loaded->json.GetParseError()) +
                      " at offset " + std::to_string(loaded->json.GetErrorOffset());
      return;
    }
    std::string error;
    auto compiled = compile(loaded->json, &error);
    if (!error.empty()) {
      loaded->error = "schemas/" + file + ": " + error;
      return;
    }
    loaded->compiled = std::move(compiled);
  }

  std::map<std::string, std::unique_ptr<LoadedSchema>> schemas_;
  std::string unresolved_;
  std::recursive_mutex mutex_;
};

// The schema with its top-level allOf replaced by its item-th member, so that a failing allOf
// can be narrowed down to the member and keyword that failed.
rapidjson::Document with_all_of_item(const rapidjson::Value& schema, rapidjson::SizeType item) {
  rapidjson::Document narrowed;
  narrowed.SetObject();
  auto& allocator = narrowed.GetAllocator();
  for (const auto& member : schema.GetObject()) {
    if (member.name == "allOf") continue;
    narrowed.AddMember(rapidjson::Value(member.name, allocator),
                       rapidjson::Value(member.value, allocator), allocator);
  }
  const rapidjson::Value& part = schema["allOf"][item];
  if (!part.IsObject()) return narrowed;
  for (const auto& member : part.GetObject()) {
    narrowed.RemoveMember(member.name);
    narrowed.AddMember(rapidjson::Value(member.name, allocator),
                       rapidjson::Value(member.value, allocator), allocator);
  }
  return narrowed;
}

std::string validate(const rapidjson::Value& schema_json, const rapidjson::SchemaDocument& schema,
                     const rapidjson::Document& instance, const std::string& name) {
  rapidjson::SchemaValidator validator(schema);
  if (instance.Accept(validator)) return {};
  std::string keyword = validator.GetInvalidSchemaKeyword();
  std::string schema_pointer = uri_fragment(validator.GetInvalidSchemaPointer());
  std::string document_pointer = uri_fragment(validator.GetInvalidDocumentPointer());
  bool root_all_of = keyword == "allOf" && (schema_pointer == "#" || schema_pointer.empty()) &&
                     schema_json.IsObject() && schema_json.HasMember("allOf") &&
                     schema_json["allOf"].IsArray();
  if (root_all_of) {
    for (rapidjson::SizeType item = 0; item < schema_json["allOf"].Size(); ++item) {
      rapidjson::Document narrowed = with_all_of_item(schema_json, item);
      std::string error;
      auto compiled = SchemaCache::instance().compile(narrowed, &error);
      if (!error.empty()) return name + ": " + error;
      std::string part_name = name + " allOf[" + std::to_string(item) + "]";
      std::string result = validate(narrowed, *compiled, instance, part_name);
      if (!result.empty()) return result;
    }
  }
  return "does not match " + name + ": keyword '" + keyword + "' failed at schema " +
         schema_pointer + " for document " + document_pointer;
}

const rapidjson::Value* member(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject()) return nullptr;
  auto found = object.FindMember(name);
  return found == object.MemberEnd() ? nullptr : &found->value;
}

// The string member `path` ("transaction.date") of `data`, or nothing when absent or not a string.
std::optional<std::string> string_at(const rapidjson::Value& data, std::string_view path) {
  const rapidjson::Value* current = &data;
  while (current != nullptr) {
    size_t dot = path.find('.');
    std::string name(path.substr(0, dot));
    current = member(*current, name.c_str());
    if (dot == std::string_view::npos) break;
    path.remove_prefix(dot + 1);
  }
  if (current == nullptr || !current->IsString()) return std::nullopt;
  return std::string(current->GetString(), current->GetStringLength());
}

std::string json_text(const std::optional<std::string>& value) {
  if (!value) return "null";
  rapidjson::Value text(rapidjson::StringRef(value->data(), value->size()));
  return to_json(text);
}

// Where each envelope member is read from, per callbackType (CONTRACT.md section 4); an empty
// source means always null, nullptr not checked (a workflow event's reference, merchantReference
// and customerId come from the details answer's workflow object, which data does not repeat).
struct EnvelopeSources {
  const char* callback_type;
  const char* reference;
  const char* merchant_reference;
  const char* customer_id;
  const char* transaction_date;
  const char* callback_date;
};

constexpr EnvelopeSources kEnvelopeSources[] = {
    {"NETVERIFYID", "jumioIdScanReference", "merchantIdScanReference", "customerId",
     "transactionDate", "callbackDate"},
    {"NETVERIFY_AUTHENTICATION", "transactionReference", "", "userReference", "transactionDate",
     "callbackDate"},
    {"DOCUMENT_VERIFICATION", "scanReference", "transaction.merchantScanReference",
     "transaction.customerId", "transaction.date", "timestamp"},
    {"WORKFLOW", nullptr, nullptr, nullptr, "createdAt", "completedAt"},
};

}  // namespace

std::string to_json(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  JsonWriter writer(buffer);
  value.Accept(writer);
  return {buffer.GetString(), buffer.GetSize()};
}

std::string schema_dir() {
  const char* dir = std::getenv("JB_SCHEMA_DIR");
  if (dir != nullptr && *dir != '\0') return dir;
  return JB_SOURCE_DIR "/schemas";
}

std::string schema_error(std::string_view json, const std::string& schema_file) {
  const LoadedSchema& loaded = SchemaCache::instance().get(schema_file);
  if (!loaded.compiled) return loaded.error;
  rapidjson::Document instance;
  instance.Parse(json.data(), json.size());
  if (instance.HasParseError()) {
    return std::string("not JSON: ") + rapidjson::GetParseError_En(instance.GetParseError()) +
           " at offset " + std::to_string(instance.GetErrorOffset());
  }
  return validate(loaded.json, *loaded.compiled, instance, "schemas/" + schema_file);
}

std::string event_schema_file(std::string_view callback_type) {
  if (callback_type == "NETVERIFYID") return "event.netverify.schema.json";
  if (callback_type == "NETVERIFY_AUTHENTICATION") return "event.authentication.schema.json";
  if (callback_type == "DOCUMENT_VERIFICATION") return "event.document.schema.json";
  if (callback_type == "WORKFLOW") return "event.workflow.schema.json";
  return {};
}

std::string consistency_error(const rapidjson::Value& event) {
  const rapidjson::Value* type = member(event, "callbackType");
  const rapidjson::Value* data = member(event, "data");
  if (type == nullptr || !type->IsString() || data == nullptr) {
    return "the event has no string callbackType or no data";
  }
  for (const EnvelopeSources& sources : kEnvelopeSources) {
    if (std::string_view(type->GetString()) != sources.callback_type) continue;
    const std::pair<const char*, const char*> pairs[] = {
        {"reference", sources.reference},        {"merchantReference", sources.merchant_reference},
        {"customerId", sources.customer_id},     {"transactionDate", sources.transaction_date},
        {"callbackDate", sources.callback_date},
    };
    for (const auto& [name, source] : pairs) {
      if (source == nullptr) continue;
      std::optional<std::string> expected =
          *source == '\0' ? std::nullopt : string_at(*data, source);
      const rapidjson::Value* actual = member(event, name);
      bool same =
          actual != nullptr &&
          (expected ? actual->IsString() &&
                          *expected == std::string(actual->GetString(), actual->GetStringLength())
                    : actual->IsNull());
      if (!same) {
        return std::string("envelope ") + name + " is not " +
               (*source == '\0' ? std::string("null")
                                : "data." + std::string(source) + " (" + json_text(expected) + ")");
      }
    }
    return {};
  }
  return "unknown callbackType " + std::string(type->GetString());
}

bool is_notification(const rapidjson::Value& event) {
  const rapidjson::Value* type = member(event, "callbackType");
  return event.IsObject() && type != nullptr && type->IsString() &&
         std::string_view(type->GetString()) == "WORKFLOW" && !event.HasMember("data");
}

std::string notification_error(std::string_view notification_json) {
  std::string error = schema_error(notification_json, kNotificationSchema);
  if (!error.empty()) return error;
  rapidjson::Document notification;
  notification.Parse(notification_json.data(), notification_json.size());
  const rapidjson::Value* status = member(notification, "status");
  const rapidjson::Value* workflow_status = member(notification, "workflowStatus");
  if (status == nullptr || workflow_status == nullptr || !(*status == *workflow_status))
    return "status is not workflowStatus";
  return {};
}

std::string event_error(std::string_view event_json) {
  rapidjson::Document event;
  event.Parse(event_json.data(), event_json.size());
  if (event.HasParseError() || !event.IsObject()) return "the event is not a JSON object";
  if (is_notification(event)) return notification_error(event_json);
  const rapidjson::Value* type = member(event, "callbackType");
  if (type == nullptr || !type->IsString()) return "the event has no string callbackType";
  std::string file = event_schema_file(type->GetString());
  if (file.empty()) return "unknown callbackType " + std::string(type->GetString());
  std::string error = schema_error(event_json, file);
  if (!error.empty()) return error;
  return consistency_error(event);
}

}  // namespace jb::schema
