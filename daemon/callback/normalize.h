// Pure normalisation: callback body in, canonical event or dead-letter reason out. No I/O.
#pragma once

#include <chrono>
#include <string_view>
#include <vector>

#include "callback/event.h"
#include "callback/form.h"
#include "common/result.h"

namespace jb::callback {

// The canonical event of a callback, or why it must be dead-lettered. A body that is a platform
// callback (callback/platform.h) is read as one whatever its Content-Type; any other is a legacy
// form callback.
Result<Event> normalize(const Incoming& incoming);

// How fields that did not come from a callback body are normalised.
struct FieldsOptions {
  Origin origin = Origin::callback;
  // Required parameters (or dotted members, "transaction.date") the source never has: no
  // missing_required warning for them.
  std::vector<std::string_view> absent_by_nature;
  // Fields left out of the eventId (a time that changes with every request for the same result).
  std::vector<std::string_view> not_in_event_id;
};

// The canonical event of fields named and valued as a callback of `kind` would send them (JSON
// parameters as JSON text), checked exactly as a callback is. Fails with the callback's reasons, or
// retrieval_invalid when the fields describe another kind.
Result<Event> normalize_fields(Kind kind, const std::vector<FormField>& fields,
                               std::chrono::system_clock::time_point received_at,
                               const FieldsOptions& options);

}  // namespace jb::callback
