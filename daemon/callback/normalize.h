// Pure normalisation: callback body in, canonical event or dead-letter reason out. No I/O.
#pragma once

#include "callback/event.h"
#include "common/result.h"

namespace jb::callback {

// The canonical event of a callback, or why it must be dead-lettered.
Result<Event> normalize(const Incoming& incoming);

}  // namespace jb::callback
