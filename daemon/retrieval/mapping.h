// Pure mapping from Jumio Retrieval API answers to canonical events (docs/retrieval.md has the
// table). An answer is turned into the parameters a callback of the same kind would have sent,
// under the callback's names, and then normalised exactly as a callback is. No I/O.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

#include "callback/event.h"
#include "callback/form.h"
#include "callback/json_value.h"
#include "callback/normalize.h"
#include "common/result.h"

namespace jb::retrieval {

// callback/json_value.h: whether a text nests deeper than a limit, without parsing it.
using callback::nests_deeper_than;

// Parses an answer that must be a JSON object nesting at most 64 levels, without NUL characters in
// its strings; false with *why naming the fault (an offset, never the content) otherwise.
bool parse_answer_object(std::string_view text, rapidjson::Document* document, std::string* why);

// "netverify" | "authentication" | "document" | "workflow" (the --kind of retrieve and the expected
// record's kind) into a Kind; false for anything else.
bool parse_kind(std::string_view text, callback::Kind* kind);

// Where a transaction stands, from a status answer (ID verification and Document Verification
// `scans/{ref}` / `documents/{ref}`: status PENDING, DONE or FAILED) or from an Authentication
// details answer (transactionResult CREATED or STARTED is pending; PASSED, FAILED, INVALID and
// EXPIRED are final).
enum class Progress { pending, final };
struct StatusAnswer {
  Progress progress = Progress::pending;
  std::string status;  // as Jumio wrote it
};
// retrieval_invalid when the answer is not a JSON object with a known status.
Result<StatusAnswer> read_status_answer(callback::Kind kind, std::string_view answer);

// The callback parameters of a details answer (`scans/{ref}/data`, `authentications/{ref}`,
// `documents/{ref}/data`): names as a callback of `kind` sends them, JSON-valued ones as JSON
// text. retrieval_invalid when the answer is not a JSON object of the documented shape.
Result<std::vector<callback::FormField>> callback_fields(callback::Kind kind,
                                                         std::string_view answer);

// How the fields of callback_fields() are normalised: origin retrieval; no missing_required
// warning for what the Retrieval API never returns (the Netverify idCheck* parameters, Document
// Verification's transaction.date and document.images, ...); eventId without the answer's own
// timestamp, so asking twice for the same result gives the same eventId.
callback::FieldsOptions fields_options(callback::Kind kind);

// The canonical event of a details answer with "origin": "retrieval", or why it cannot be one
// (retrieval_invalid, or a callback reason such as invalid_date, named in the detail).
Result<callback::Event> event_of_answer(callback::Kind kind, std::string_view answer,
                                        std::chrono::system_clock::time_point received_at);

}  // namespace jb::retrieval
