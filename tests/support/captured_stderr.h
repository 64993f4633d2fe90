// What a piece of a test wrote to stderr (the log, unless log::use_stdout), captured through a
// temporary file the descriptor is pointed at meanwhile.
#pragma once

#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

namespace jb::test {

template <typename Run>
std::string captured_stderr(Run run) {
  char path[] = "/tmp/jb-stderr-XXXXXX";
  const int file = ::mkstemp(path);
  std::fflush(stderr);
  const int saved = ::dup(2);
  ::dup2(file, 2);
  run();
  std::fflush(stderr);
  ::dup2(saved, 2);
  ::close(saved);
  ::close(file);
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  ::unlink(path);
  return text.str();
}

}  // namespace jb::test
