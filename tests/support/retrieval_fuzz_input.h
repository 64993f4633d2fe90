// How a retrieval_fuzzer input (fuzz/retrieval_fuzzer.cpp, fuzz/corpus/retrieval_fuzzer) becomes
// a kind and a Retrieval API answer; shared by the fuzz target and the golden outputs. Header only:
// the fuzz targets take no test library.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "callback/event.h"

namespace jb::test {

// What a deep-mode "[]" becomes: a few times the depth at which the recursive RapidJSON parse the
// mapping used to do exhausted an 8 MiB stack (about 130 000 levels in a -O2 build), so that the
// replay in the ordinary build catches that too.
constexpr size_t kRetrievalFuzzDeepNesting = 500000;

// Where the first "[]" outside strings is in `text`, or npos. (Inside a string they would make a
// long string, and the fuzzer three times slower.)
inline size_t empty_array_at(std::string_view text) {
  bool in_string = false;
  for (size_t i = 0; i + 1 < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' && text[i + 1] == ']') {
      return i;
    }
  }
  return std::string_view::npos;
}

// The first byte picks the kind ((byte & 0x7F) % 3: 0 netverify, 1 authentication, 2 document);
// the rest is the answer. First bytes 0xB0-0xB2 also turn the first "[]" outside strings into
// kRetrievalFuzzDeepNesting nested arrays. False when the input is empty, or deep mode finds no
// "[]".
inline bool retrieval_fuzz_input(std::string_view data, callback::Kind* kind, std::string* answer) {
  if (data.empty()) return false;
  const auto first = static_cast<unsigned char>(data[0]);
  const int selector = (first & 0x7F) % 3;
  *kind = selector == 0   ? callback::Kind::netverify
          : selector == 1 ? callback::Kind::authentication
                          : callback::Kind::document;
  const std::string_view input = data.substr(1);
  answer->clear();
  if (first < 0xB0 || first > 0xB2) {
    answer->assign(input);
    return true;
  }
  const size_t at = empty_array_at(input);
  if (at == std::string_view::npos) return false;
  answer->reserve(input.size() - 2 + 2 * kRetrievalFuzzDeepNesting);
  answer->append(input.substr(0, at))
      .append(kRetrievalFuzzDeepNesting, '[')
      .append(kRetrievalFuzzDeepNesting, ']');
  answer->append(input.substr(at + 2));
  return true;
}

}  // namespace jb::test
