// The JSON writer for text that may hold any byte: not rapidjson::Writer<StringBuffer>, whose
// vectorised specialisation in RapidJSON 1.1.0 (RAPIDJSON_SSE2) writes the control characters
// 0x1A-0x1F unescaped inside a 16-byte block, which is not JSON. Any other Writer type escapes
// byte by byte; the extra flag only matters for NaN and infinity.
#pragma once

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace jb {

using SafeJsonWriter =
    rapidjson::Writer<rapidjson::StringBuffer, rapidjson::UTF8<>, rapidjson::UTF8<>,
                      rapidjson::CrtAllocator, rapidjson::kWriteNanAndInfFlag>;

}  // namespace jb
