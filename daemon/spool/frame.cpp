#include "spool/frame.h"

#include <array>

namespace jb::spool {
namespace {

// Far above any record the daemon makes (bodies are at most 64 MiB): a longer length is corrupt.
constexpr uint32_t kMaxPayloadBytes = 512u << 20;

std::array<uint32_t, 256> make_crc_table() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t crc = i;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
    table[i] = crc;
  }
  return table;
}

void put_u32(std::string& out, uint32_t value) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

void put_u64(std::string& out, uint64_t value) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

void put_bytes(std::string& out, std::string_view bytes) {
  put_u32(out, static_cast<uint32_t>(bytes.size()));
  out.append(bytes);
}

uint64_t get_le(std::string_view bytes, size_t at, int width) {
  uint64_t value = 0;
  for (int i = 0; i < width; ++i)
    value |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[at + i])) << (8 * i);
  return value;
}

// Reads payload fields front to back; any overrun makes it fail.
class PayloadReader {
 public:
  explicit PayloadReader(std::string_view payload) : payload_(payload) {}
  bool u32(uint32_t* value) {
    if (payload_.size() - at_ < 4) return false;
    *value = static_cast<uint32_t>(get_le(payload_, at_, 4));
    at_ += 4;
    return true;
  }
  bool u64(uint64_t* value) {
    if (payload_.size() - at_ < 8) return false;
    *value = get_le(payload_, at_, 8);
    at_ += 8;
    return true;
  }
  bool bytes(std::string* value) {
    uint32_t size = 0;
    if (!u32(&size) || payload_.size() - at_ < size) return false;
    value->assign(payload_.substr(at_, size));
    at_ += size;
    return true;
  }
  bool finished() const { return at_ == payload_.size(); }

 private:
  std::string_view payload_;
  size_t at_ = 0;
};

bool decode_payload(std::string_view payload, SpooledRecord* out) {
  PayloadReader reader(payload);
  uint64_t spooled_at = 0;
  uint32_t header_count = 0;
  route::Record& record = out->record;
  if (!reader.u64(&spooled_at) || !reader.bytes(&record.topic) || !reader.bytes(&record.key) ||
      !reader.bytes(&record.value) || !reader.u32(&header_count))
    return false;
  record.headers.clear();
  for (uint32_t i = 0; i < header_count; ++i) {
    std::pair<std::string, std::string> header;
    if (!reader.bytes(&header.first) || !reader.bytes(&header.second)) return false;
    record.headers.push_back(std::move(header));
  }
  out->spooled_at_ms = static_cast<int64_t>(spooled_at);
  return reader.finished();
}

}  // namespace

uint32_t crc32c(std::string_view bytes) {
  static const std::array<uint32_t, 256> table = make_crc_table();
  uint32_t crc = 0xFFFFFFFFu;
  for (char c : bytes) crc = table[(crc ^ static_cast<unsigned char>(c)) & 0xFF] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

std::string encode_frame(const SpooledRecord& spooled) {
  std::string payload;
  const route::Record& record = spooled.record;
  put_u64(payload, static_cast<uint64_t>(spooled.spooled_at_ms));
  put_bytes(payload, record.topic);
  put_bytes(payload, record.key);
  put_bytes(payload, record.value);
  put_u32(payload, static_cast<uint32_t>(record.headers.size()));
  for (const auto& [name, value] : record.headers) {
    put_bytes(payload, name);
    put_bytes(payload, value);
  }
  std::string frame;
  frame.reserve(kFrameHeaderBytes + payload.size());
  put_u32(frame, static_cast<uint32_t>(payload.size()));
  put_u32(frame, crc32c(payload));
  frame += payload;
  return frame;
}

FrameStatus decode_frame(std::string_view bytes, SpooledRecord* out, size_t* frame_size) {
  if (bytes.size() < kFrameHeaderBytes) return FrameStatus::incomplete;
  const auto length = static_cast<uint32_t>(get_le(bytes, 0, 4));
  const auto checksum = static_cast<uint32_t>(get_le(bytes, 4, 4));
  if (length > kMaxPayloadBytes) return FrameStatus::corrupt;
  if (bytes.size() - kFrameHeaderBytes < length) return FrameStatus::incomplete;
  std::string_view payload = bytes.substr(kFrameHeaderBytes, length);
  if (crc32c(payload) != checksum) return FrameStatus::corrupt;
  SpooledRecord decoded;
  if (!decode_payload(payload, &decoded)) return FrameStatus::corrupt;
  if (out) *out = std::move(decoded);
  *frame_size = kFrameHeaderBytes + length;
  return FrameStatus::ok;
}

}  // namespace jb::spool
