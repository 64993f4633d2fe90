// Times the per-callback work the HTTP reader does before handing a record to Kafka: normalising a
// callback body into its event (or dead letter) and building its Kafka record. Reads the bodies
// bench/run.sh writes (bench-out/bodies/*.form), or any directory of .form bodies, and prints
// microseconds per callback and megabytes of body per second. A measuring instrument for
// bench/README.md, not a test.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "callback/normalize.h"
#include "callback/timestamp.h"
#include "config/config.h"
#include "route/router.h"

namespace {

// The .form bodies of DIR, sorted by name; none when DIR cannot be read.
std::vector<std::string> read_bodies(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> paths;
  std::error_code error;
  for (std::filesystem::directory_iterator it(dir, error), end; !error && it != end;
       it.increment(error))
    if (it->path().extension() == ".form") paths.push_back(it->path());
  std::sort(paths.begin(), paths.end());
  std::vector<std::string> bodies;
  for (const auto& path : paths) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    bodies.push_back(text.str());
  }
  return bodies;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argv[1][0] == '-') {
    std::fprintf(stderr, "usage: jb_normalize_bench BODIES_DIR [ROUNDS]\n");
    return 2;
  }
  const std::vector<std::string> bodies = read_bodies(argv[1]);
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 200;
  if (bodies.empty() || rounds <= 0) {
    std::fprintf(stderr, "no .form bodies in %s (or ROUNDS not a positive number)\n", argv[1]);
    return 2;
  }
  const jb::route::Router router(jb::config::TopicsConfig{}, jb::config::PrivacyConfig{});
  constexpr std::string_view kContentType = "application/x-www-form-urlencoded";
  size_t body_bytes = 0;
  for (const std::string& body : bodies) body_bytes += body.size();
  size_t events = 0, letters = 0, bytes = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int round = 0; round < rounds; ++round) {
    for (const std::string& body : bodies) {
      const auto now = std::chrono::system_clock::now();
      auto result = jb::callback::normalize({body, kContentType, now});
      jb::route::Record record;
      if (result.ok()) {
        record = router.event_record(std::move(result.value()));  // as the pipeline does
        ++events;
      } else {
        jb::route::DeadLetterInput input{body, "127.0.0.1", kContentType,
                                         jb::callback::format_timestamp(now), 1};
        record = router.dead_letter_record(result.failure(), input);
        ++letters;
      }
      bytes += record.value.size();
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const size_t total = events + letters;
  std::printf(
      "%zu callbacks (%zu events, %zu dead letters) in %.3f s: %.2f us per callback, "
      "%.0f callbacks/s on one core, %.1f MB/s of body (%.0f bytes on average), %.0f bytes of "
      "record value on average\n",
      total, events, letters, seconds, seconds * 1e6 / static_cast<double>(total),
      static_cast<double>(total) / seconds,
      static_cast<double>(body_bytes) * rounds / seconds / 1e6,
      static_cast<double>(body_bytes) / static_cast<double>(bodies.size()),
      static_cast<double>(bytes) / static_cast<double>(total));
  return 0;
}
