// In-process validation against the project's schemas/ (JSON Schema draft-04, RapidJSON 1.1.0's
// SchemaValidator), without GoogleTest: used by tests/support/schema.h and by the fuzz targets.
//
// RapidJSON ignores "format"; the schemas repeat every format check as a pattern (real dates,
// hh 00-23, IP addresses), so this validator checks what ajv and python-jsonschema check with
// format checking on. What JSON Schema cannot state (one member equal to another) is checked by
// consistency_error().
#pragma once

#include <string>
#include <string_view>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace jb::schema {

// A JSON writer for test documents. Not Writer<StringBuffer>: RapidJSON 1.1.0's SSE2
// specialisation of it (RAPIDJSON_SSE2) writes the control characters 0x1A-0x1F unescaped, which is
// not JSON (daemon/callback/event_writer.cpp); this type escapes byte by byte. Its extra flag only
// matters for NaN and infinity, which parsed JSON never holds.
using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer, rapidjson::UTF8<>, rapidjson::UTF8<>,
                                     rapidjson::CrtAllocator, rapidjson::kWriteNanAndInfFlag>;

// `value` as JSON text, written with JsonWriter.
std::string to_json(const rapidjson::Value& value);

// The directory the schema files are read from: $JB_SCHEMA_DIR when set, else the source tree's
// schemas/ (JB_SOURCE_DIR).
std::string schema_dir();

// Empty when `json` is valid against schemas/<schema_file> (files are loaded and compiled once);
// otherwise why not: the schema keyword that rejected it, the schema pointer and the document
// pointer (narrowed to the member of a top-level allOf that failed). schema_file may name a
// definition inside a file: "event.envelope.schema.json#/definitions/rawAddressWithCountry".
std::string schema_error(std::string_view json, const std::string& schema_file);

// The event schema of a callbackType (event.netverify.schema.json, ...); empty when unknown.
std::string event_schema_file(std::string_view callback_type);

// The rules of docs/schemas.md that JSON Schema cannot state: the envelope's reference,
// merchantReference, customerId, transactionDate and callbackDate equal the data members they are
// read from (the string there, or null when it is absent or not a string). Empty when they hold.
std::string consistency_error(const rapidjson::Value& event);

// schema_error() with the schema of the event's callbackType, then consistency_error(); a
// platform callback's notification (callbackType WORKFLOW without data) goes to
// notification_error(). Empty when the event is one the daemon may publish.
std::string event_error(std::string_view event_json);

// The notification schema of a platform callback.
inline constexpr char kNotificationSchema[] = "notification.workflow.schema.json";
// True for a platform callback's notification: callbackType WORKFLOW and no data.
bool is_notification(const rapidjson::Value& event);
// schema_error() with kNotificationSchema, then the rule JSON Schema cannot state: status equals
// workflowStatus. Empty when the notification is one the daemon may store.
std::string notification_error(std::string_view notification_json);

}  // namespace jb::schema
