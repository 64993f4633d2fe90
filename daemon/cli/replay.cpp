#include <cstdio>

#include "cli/cli.h"

namespace jb::cli {

int run_replay(int, char**) {
  std::fputs(
      "jumio-bridge replay: not available in this version; dead-letter records stay on the "
      "dead-letter topic and can be read with `jumio-bridge consume --topic jumio.deadletter`\n",
      stderr);
  return kExitFatal;
}

}  // namespace jb::cli
