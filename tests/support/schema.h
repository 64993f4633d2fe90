// JSON Schema checks against the project's schemas/ (draft-04, RapidJSON's SchemaValidator).
#pragma once

#include <string>

#include <gtest/gtest.h>

// Success when `json` is valid against schemas/<schema_file>; otherwise a failure naming the
// schema keyword that rejected it, the schema pointer and the document pointer.
::testing::AssertionResult MatchesSchema(const std::string& json, const std::string& schema_file);

// MatchesSchema with the event schema of the event's callbackType (event.netverify,
// event.authentication or event.document); fails when callbackType is missing or unknown.
::testing::AssertionResult EventMatchesSchema(const std::string& event_json);
