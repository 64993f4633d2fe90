// A reason to dead-letter found while checking one part of a callback.
#pragma once

#include <optional>
#include <string>

#include "common/result.h"

namespace jb::callback {

// The reason and a detail naming the field (never its value).
struct Problem {
  DeadLetterReason reason;
  std::string detail;
};

// Empty when the checked part is fine.
using Checked = std::optional<Problem>;

}  // namespace jb::callback
