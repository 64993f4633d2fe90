// What the spool's tests share: a scratch directory and numbered records.
#pragma once

#include <filesystem>
#include <string>
#include <system_error>

#include "route/router.h"
#include "support/process.h"

namespace jb::test {

// A fresh directory, removed with what is left in it.
struct ScratchDir {
  explicit ScratchDir(const std::string& prefix) : path(temp_dir(prefix)) {}
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string path;
};

// Record number n: key "ref-n", a small JSON value and two headers.
inline route::Record numbered_record(int n) {
  return route::Record{
      "jumio.authentication.passed",
      "ref-" + std::to_string(n),
      "{\"n\":" + std::to_string(n) + "}",
      {{"content-type", "application/json"}, {"ce_id", "id-" + std::to_string(n)}}};
}

}  // namespace jb::test
