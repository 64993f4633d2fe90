// The on-disk frame of one spooled record: length, CRC32C of the payload, then the payload
// (spool time, topic, key, value, headers). A torn or corrupt frame never decodes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "route/router.h"

namespace jb::spool {

// Bytes before the payload: u32 payload length, u32 CRC32C of the payload (little-endian).
constexpr size_t kFrameHeaderBytes = 8;

// A record as the spool keeps it.
struct SpooledRecord {
  route::Record record;
  int64_t spooled_at_ms = 0;  // Unix time in milliseconds when it was appended
};

enum class FrameStatus {
  ok,          // a whole, intact frame
  incomplete,  // fewer bytes than the header or the announced length: a torn write
  corrupt,     // checksum or layout does not match
};

// CRC32C (Castagnoli) of the bytes.
uint32_t crc32c(std::string_view bytes);
// The frame of a record.
std::string encode_frame(const SpooledRecord& spooled);
// Decodes the frame at the start of bytes; on ok fills *out (when not null) and *frame_size.
FrameStatus decode_frame(std::string_view bytes, SpooledRecord* out, size_t* frame_size);

}  // namespace jb::spool
