#include "schema.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <mutex>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "support/schema_check.h"

namespace {

// Appends a document that passed to $JB_SCHEMA_EVENTS_DIR/<pid>.jsonl (nothing when unset);
// `consistency` tells whether it passed the envelope rules too (EventMatchesSchema) or the schema
// only (MatchesSchema).
void collect(const std::string& json, const std::string& schema_file, bool consistency) {
  const char* dir = std::getenv("JB_SCHEMA_EVENTS_DIR");
  if (dir == nullptr || *dir == '\0') return;
  rapidjson::Document document;
  document.Parse(json.c_str(), json.size());
  if (document.HasParseError()) return;
  const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string test_name =
      test == nullptr ? "" : std::string(test->test_suite_name()) + "." + test->name();
  rapidjson::StringBuffer buffer;
  jb::schema::JsonWriter writer(buffer);
  writer.StartObject();
  writer.Key("schema");
  writer.String(schema_file.c_str());
  writer.Key("test");
  writer.String(test_name.c_str());
  writer.Key("consistency");
  writer.Bool(consistency);
  writer.Key("document");
  document.Accept(writer);
  writer.EndObject();
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);
  std::ofstream out(std::string(dir) + "/" + std::to_string(::getpid()) + ".jsonl",
                    std::ios::app | std::ios::binary);
  out << buffer.GetString() << '\n';
}

}  // namespace

::testing::AssertionResult MatchesSchema(const std::string& json, const std::string& schema_file) {
  std::string error = jb::schema::schema_error(json, schema_file);
  if (!error.empty()) return ::testing::AssertionFailure() << error;
  collect(json, schema_file, false);
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult EventMatchesSchema(const std::string& event_json) {
  std::string error = jb::schema::event_error(event_json);
  if (!error.empty()) return ::testing::AssertionFailure() << error;
  rapidjson::Document event;
  event.Parse(event_json.c_str(), event_json.size());
  if (jb::schema::is_notification(event)) {
    collect(event_json, jb::schema::kNotificationSchema, false);
  } else {
    collect(event_json, jb::schema::event_schema_file(event["callbackType"].GetString()), true);
  }
  return ::testing::AssertionSuccess();
}
