// The dead-letter record's value (CONTRACT.md section 5): built by the router, read back by replay.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace jb::route {

// Everything a dead-letter value holds, with the body decoded back to its exact bytes.
struct DeadLetter {
  std::string reason;  // the reason code as written, e.g. "unknown_status"
  std::string detail;
  std::string received_at;
  std::string remote_addr;
  std::string content_type;
  std::string body;         // from "body", or decoded from "bodyBase64"
  std::string body_sha256;  // as written; replay may compare it with sha256_hex(body)
  int attempts = 1;
  // "retrieval" for a Retrieval API answer (body = the details answer, kind = the API that gave it:
  // "netverify" | "authentication" | "document"); empty for a callback. Written only when set.
  std::string origin;
  std::string kind;
};

// The JSON value: reason, detail, receivedAt, remoteAddr, contentType, body (or bodyBase64 when
// the body is not UTF-8), bodySha256 (always computed from body), attempts, and origin and kind
// when origin is set.
std::string dead_letter_value(const DeadLetter& letter);

// Reads a dead-letter value. False when it is not a JSON object with a string reason, a body
// (string body, or valid base64 bodyBase64) and an integer attempts >= 1; other fields default to
// empty when absent.
bool parse_dead_letter(std::string_view value, DeadLetter* out);

}  // namespace jb::route
