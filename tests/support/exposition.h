// Reading Prometheus exposition text in tests.
#pragma once

#include <string>
#include <vector>

namespace jb::test {

// The text's lines, without their line feeds.
std::vector<std::string> lines_of(const std::string& text);
// The value of `series` ("name" or "name{labels}") in the exposition text; "" when it is absent.
std::string value_of(const std::string& text, const std::string& series);

}  // namespace jb::test
