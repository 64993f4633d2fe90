// Prints what RequestParser makes of one file of bytes, for fuzz/h11_oracle.py to compare with
// Python's h11: one JSON line per request, in order, as the listener would take them (the next
// request starts where the previous one ended; nothing follows a request that closes the
// connection, an error, or an incomplete request).
//   {"outcome":"complete","method":..,"target":..,"minor_version":1,"fields":[[name,value],..],
//    "body":"<hex>","request_bytes":N,"keep_alive":true,"expect_continue":false}
//   {"outcome":"error","status":400,"reason":"bare_line_feed"}
//   {"outcome":"incomplete","head":true|false}
// Strings are bytes: each byte above 0x7f is written as \u00XX (read them back as Latin-1).
// Usage: request_parser_dump FILE
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>

#include "http/request_parser.h"

namespace {

void append_json_string(std::string_view text, std::string* out) {
  static const char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(c);
    } else if (u < 0x20 || u >= 0x7f) {
      out->append("\\u00");
      out->push_back(kHex[u >> 4]);
      out->push_back(kHex[u & 15]);
    } else {
      out->push_back(c);
    }
  }
  out->push_back('"');
}

void append_hex(std::string_view bytes, std::string* out) {
  static const char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (char c : bytes) {
    const auto u = static_cast<unsigned char>(c);
    out->push_back(kHex[u >> 4]);
    out->push_back(kHex[u & 15]);
  }
  out->push_back('"');
}

const char* boolean(bool value) {
  return value ? "true" : "false";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s FILE\n", argv[0]);
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "%s: cannot read %s\n", argv[0], argv[1]);
    return 2;
  }
  const std::string input((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());

  jb::http::RequestParser parser;
  size_t offset = 0;
  while (offset < input.size()) {
    const std::string_view rest = std::string_view(input).substr(offset);
    auto progress = parser.parse(rest);
    bool head = false;
    while (progress == jb::http::RequestParser::Progress::head) {
      head = true;
      progress = parser.parse(rest);
    }
    std::string line;
    if (progress == jb::http::RequestParser::Progress::need_more) {
      line = std::string("{\"outcome\":\"incomplete\",\"head\":") + boolean(head) + "}";
      std::printf("%s\n", line.c_str());
      return 0;
    }
    if (progress == jb::http::RequestParser::Progress::error) {
      line =
          "{\"outcome\":\"error\",\"status\":" + std::to_string(parser.status()) + ",\"reason\":";
      append_json_string(parser.reason(), &line);
      line += "}";
      std::printf("%s\n", line.c_str());
      return 0;
    }
    const jb::http::RequestHead& request = parser.head();
    line = "{\"outcome\":\"complete\",\"method\":";
    append_json_string(request.method, &line);
    line += ",\"target\":";
    append_json_string(request.target, &line);
    line += ",\"minor_version\":" + std::to_string(request.minor_version) + ",\"fields\":[";
    bool first = true;
    for (const jb::http::Field& field : request.fields()) {
      if (!first) line += ",";
      first = false;
      line += "[";
      append_json_string(field.name, &line);
      line += ",";
      append_json_string(field.value, &line);
      line += "]";
    }
    line += "],\"body\":";
    append_hex(parser.body(), &line);
    line += ",\"request_bytes\":" + std::to_string(parser.request_bytes());
    line += std::string(",\"keep_alive\":") + boolean(request.keep_alive);
    line += std::string(",\"expect_continue\":") + boolean(request.expect_continue) + "}";
    std::printf("%s\n", line.c_str());
    if (!request.keep_alive) return 0;
    offset += parser.request_bytes();
    parser.reset();
  }
  return 0;
}
