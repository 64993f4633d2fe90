// Shared by the fuzz targets over Retrieval API answers (retrieval_fuzzer, workflow_fuzzer): the
// check that a failure's detail names members, never their values.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "common/utf8.h"

namespace jb::fuzz {

// The string values and member names of an answer.
struct AnswerText {
  std::vector<std::string> values;
  std::vector<std::string> names;
};

[[noreturn]] inline void fail(const char* fuzzer, const char* what, const std::string& detail,
                              const std::string& text) {
  std::fprintf(stderr, "%s: %s: %s\n%s\n", fuzzer, what, detail.c_str(), text.c_str());
  std::abort();
}

// Fails when `detail` is not UTF-8, or carries a string value of the answer of 8 bytes or more
// outside what it may say: every byte covered by one of `words`, an answer member name, a number
// `number_allowed(detail, begin)` accepts (digits starting at begin), or an array index "[N]" is
// allowed; so are the separators " .:,()[]'".
template <class Words, class NumberAllowed>
void check_detail(const char* fuzzer, const char* where, const std::string& detail,
                  const Words& words, const AnswerText& answer, const std::string& input,
                  NumberAllowed number_allowed) {
  if (!jb::is_valid_utf8(detail)) fail(fuzzer, where, "the detail is not valid UTF-8", detail);
  std::vector<bool> covered(detail.size(), false);
  auto cover = [&](std::string_view word) {
    if (word.empty()) return;
    for (size_t at = detail.find(word); at != std::string::npos; at = detail.find(word, at + 1))
      for (size_t i = at; i < at + word.size(); ++i) covered[i] = true;
  };
  for (const auto& word : words) cover(word);
  for (const auto& name : answer.names) cover(name);
  auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  for (size_t i = 0; i < detail.size(); ++i) {
    if (!is_digit(detail[i])) continue;
    size_t end = i;
    while (end < detail.size() && is_digit(detail[end])) ++end;
    const bool index = i >= 1 && detail[i - 1] == '[' && end < detail.size() && detail[end] == ']';
    if (index || number_allowed(std::string_view(detail), i))
      for (size_t j = i; j < end; ++j) covered[j] = true;
    i = end;
  }
  const std::string_view separators = " .:,()[]'";
  for (const auto& value : answer.values) {
    if (value.size() < 8) continue;
    for (size_t at = detail.find(value); at != std::string::npos; at = detail.find(value, at + 1)) {
      for (size_t i = at; i < at + value.size(); ++i) {
        if (!covered[i] && separators.find(detail[i]) == std::string_view::npos) {
          fail(fuzzer, where,
               "the failure detail repeats a value of the answer (\"" + value + "\")",
               "detail: " + detail + "\nanswer: " + input);
        }
      }
    }
  }
}

}  // namespace jb::fuzz
