// The deterministic eventId of a callback.
#pragma once

#include <string>
#include <vector>

#include "callback/form.h"

namespace jb::callback {

// A UUIDv8 (RFC 9562) from SHA-256 over the fields sorted by name then value, each fed as
// "name\0value\0": the same content gives the same id whatever the parameter order.
std::string event_id(const std::vector<FormField>& fields);
// The same id from field views.
std::string event_id_of_views(const std::vector<FieldView>& fields);
// The same id from field views already ordered as sorted_by_name orders them.
std::string event_id_of_sorted(const std::vector<const FieldView*>& sorted);

}  // namespace jb::callback
