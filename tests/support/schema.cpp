#include "schema.h"

#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <utility>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/pointer.h>
#include <rapidjson/schema.h>
#include <rapidjson/stringbuffer.h>

namespace {

std::string schema_path(const std::string& file) {
  return std::string(JB_SOURCE_DIR "/schemas/") + file;
}

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
    std::ifstream in(schema_path(file), std::ios::binary);
    if (!in) {
      loaded->error = "cannot read schemas/" + file;
      return;
    }
    std::stringstream text;
    text << in.rdbuf();
    loaded->json.Parse(text.str().c_str());
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

::testing::AssertionResult validate(const rapidjson::Value& schema_json,
                                    const rapidjson::SchemaDocument& schema,
                                    const rapidjson::Document& instance, const std::string& name) {
  rapidjson::SchemaValidator validator(schema);
  if (instance.Accept(validator)) return ::testing::AssertionSuccess();
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
      if (!error.empty()) return ::testing::AssertionFailure() << name << ": " << error;
      std::string part_name = name + " allOf[" + std::to_string(item) + "]";
      auto result = validate(narrowed, *compiled, instance, part_name);
      if (!result) return result;
    }
  }
  return ::testing::AssertionFailure()
         << "does not match " << name << ": keyword '" << keyword << "' failed at schema "
         << schema_pointer << " for document " << document_pointer;
}

}  // namespace

::testing::AssertionResult MatchesSchema(const std::string& json, const std::string& schema_file) {
  const LoadedSchema& loaded = SchemaCache::instance().get(schema_file);
  if (!loaded.compiled) return ::testing::AssertionFailure() << loaded.error;
  rapidjson::Document instance;
  instance.Parse(json.c_str(), json.size());
  if (instance.HasParseError()) {
    return ::testing::AssertionFailure()
           << "not JSON: " << rapidjson::GetParseError_En(instance.GetParseError()) << " at offset "
           << instance.GetErrorOffset();
  }
  return validate(loaded.json, *loaded.compiled, instance, "schemas/" + schema_file);
}

::testing::AssertionResult EventMatchesSchema(const std::string& event_json) {
  static const std::map<std::string, std::string> kSchemaByCallbackType = {
      {"NETVERIFYID", "event.netverify.schema.json"},
      {"NETVERIFY_AUTHENTICATION", "event.authentication.schema.json"},
      {"DOCUMENT_VERIFICATION", "event.document.schema.json"},
  };
  rapidjson::Document event;
  event.Parse(event_json.c_str(), event_json.size());
  if (event.HasParseError() || !event.IsObject()) {
    return ::testing::AssertionFailure() << "the event is not a JSON object";
  }
  auto type = event.FindMember("callbackType");
  if (type == event.MemberEnd() || !type->value.IsString()) {
    return ::testing::AssertionFailure() << "the event has no string callbackType";
  }
  auto schema = kSchemaByCallbackType.find(type->value.GetString());
  if (schema == kSchemaByCallbackType.end()) {
    return ::testing::AssertionFailure() << "unknown callbackType " << type->value.GetString();
  }
  return MatchesSchema(event_json, schema->second);
}
