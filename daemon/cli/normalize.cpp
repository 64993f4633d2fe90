#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "callback/normalize.h"
#include "cli/cli.h"

namespace jb::cli {
namespace {

constexpr const char* kNormalizeUsage =
    "usage: jumio-bridge normalize [FILE|-] [--content-type TYPE]\n"
    "\n"
    "Reads one callback body (application/x-www-form-urlencoded) from FILE or standard input and\n"
    "prints its canonical event as JSON. No Kafka, no network.\n"
    "Exit codes: 0 ok, 65 invalid callback (the dead-letter reason on stderr).\n";

bool read_body(const std::string& source, std::string* body) {
  if (source.empty() || source == "-") {
    body->assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    return true;
  }
  std::ifstream in(source, std::ios::binary);
  if (!in) return false;
  body->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return true;
}

}  // namespace

int run_normalize(int argc, char** argv) {
  Args args;
  std::string error;
  if (!parse_args(argc, argv, 2, {}, &args, &error) || args.positional.size() > 1) {
    std::fprintf(stderr, "jumio-bridge normalize: %s\n%s", error.c_str(), kNormalizeUsage);
    return 64;
  }
  if (args.help) {
    std::fputs(kNormalizeUsage, stdout);
    return kExitOk;
  }
  std::string source = args.positional.empty() ? "-" : args.positional[0];
  std::string body;
  if (!read_body(source, &body)) {
    std::fprintf(stderr, "jumio-bridge normalize: cannot read %s\n", source.c_str());
    return 66;
  }
  std::string content_type = args.get("content-type");
  auto result = callback::normalize({body, content_type, std::chrono::system_clock::now()});
  if (!result.ok()) {
    const Failure& failure = result.failure();
    std::fprintf(stderr, "dead letter: %s: %s\n", std::string(reason_code(failure.reason)).c_str(),
                 failure.detail.c_str());
    return kExitDataErr;
  }
  std::fwrite(result.value().json.data(), 1, result.value().json.size(), stdout);
  std::fputc('\n', stdout);
  return kExitOk;
}

}  // namespace jb::cli
