// JSON Schema checks against the project's schemas/ for GoogleTest (draft-04, RapidJSON's
// SchemaValidator; see support/schema_check.h).
//
// With JB_SCHEMA_EVENTS_DIR set, every document that passes is also appended, one JSON line
// {"schema": file, "test": name, "consistency": whether the envelope rules were checked too,
// "document": ...} per document, to <dir>/<pid>.jsonl, so that the
// external validators can be run over every document a test run produced (docs/schemas.md).
#pragma once

#include <string>

#include <gtest/gtest.h>

// Success when `json` is valid against schemas/<schema_file>; otherwise a failure naming the
// schema keyword that rejected it, the schema pointer and the document pointer.
::testing::AssertionResult MatchesSchema(const std::string& json, const std::string& schema_file);

// MatchesSchema with the event schema of the event's callbackType (event.netverify,
// event.authentication or event.document), then the rules JSON Schema cannot state (the envelope
// agrees with data: jb::schema::consistency_error); fails when callbackType is missing or unknown.
// A platform callback's notification is checked against notification.workflow.schema.json.
::testing::AssertionResult EventMatchesSchema(const std::string& event_json);
