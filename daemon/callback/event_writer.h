// Writes the canonical event JSON (CONTRACT.md section 4) in one pass.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

#include "callback/event.h"
#include "callback/kind.h"

namespace jb::callback {

// The event's members in contract order, with `data` as the checked data object. False when a
// string is not valid UTF-8 (checking has already excluded that; this is the last guard).
bool write_event_json(Kind kind, Origin origin, const std::string& event_id,
                      const Envelope& envelope, const std::string& received_at,
                      const std::vector<Warning>& warnings, const rapidjson::Value& data,
                      std::string* json);
// The same with the data object already written as compact JSON (`data_json`, copied as is).
bool write_event_json(Kind kind, Origin origin, const std::string& event_id,
                      const Envelope& envelope, const std::string& received_at,
                      const std::vector<Warning>& warnings, std::string_view data_json,
                      std::string* json);

}  // namespace jb::callback
