#include "common/log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <string>

#include "common/utf8.h"

namespace jb::log {
namespace {

std::atomic<Level> g_level{Level::info};
std::atomic<bool> g_stdout{false};
std::mutex g_mutex;

constexpr std::string_view kLevelNames[] = {"debug", "info", "warn", "error"};

// Bytes that are not UTF-8 would make the line unreadable as JSON: each becomes U+FFFD.
std::string valid_utf8(std::string_view text) {
  if (is_valid_utf8(text)) return std::string(text);
  std::string out;
  for (size_t i = 0; i < text.size();) {
    size_t length = 1;
    auto lead = static_cast<unsigned char>(text[i]);
    if (lead >= 0xF0)
      length = 4;
    else if (lead >= 0xE0)
      length = 3;
    else if (lead >= 0xC0)
      length = 2;
    std::string_view piece = text.substr(i, length);
    if (lead < 0x80 || (piece.size() == length && is_valid_utf8(piece))) {
      out += piece;
      i += length;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

void append_json_string(std::string& out, std::string_view raw) {
  std::string text = valid_utf8(raw);
  out += '"';
  for (unsigned char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

std::string now_text() {
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::system_clock::to_time_t(now);
  auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

}  // namespace

bool parse_level(std::string_view name, Level* level) {
  for (size_t i = 0; i < std::size(kLevelNames); ++i) {
    if (kLevelNames[i] == name) {
      *level = static_cast<Level>(i);
      return true;
    }
  }
  return false;
}

void set_level(Level level) {
  g_level = level;
}
void use_stdout(bool yes) {
  g_stdout = yes;
}

void write(Level level, std::string_view message, Fields fields) {
  write(level, message, fields, {});
}

void write(Level level, std::string_view message, Fields fields, Fields more) {
  if (level < g_level.load()) return;
  std::string line = "{\"ts\":\"" + now_text() + "\",\"level\":\"";
  line += kLevelNames[static_cast<int>(level)];
  line += "\",\"msg\":";
  append_json_string(line, message);
  for (Fields list : {fields, more}) {
    for (const auto& [key, value] : list) {
      if (value.text().empty()) continue;  // a callback without a reference logs none
      line += ',';
      append_json_string(line, key);
      line += ':';
      if (value.number()) {
        line += value.text();
      } else {
        append_json_string(line, value.text());
      }
    }
  }
  line += "}\n";
  std::lock_guard<std::mutex> lock(g_mutex);
  FILE* stream = g_stdout ? stdout : stderr;
  std::fwrite(line.data(), 1, line.size(), stream);
  std::fflush(stream);
}

}  // namespace jb::log
