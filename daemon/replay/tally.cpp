#include "replay/tally.h"

namespace jb::replay {
namespace {

std::string position(int32_t partition, int64_t offset) {
  return "partition " + std::to_string(partition) + " offset " + std::to_string(offset);
}

}  // namespace

std::string record_line(const Planned& planned) {
  std::string line = position(planned.partition, planned.offset) + " reference " +
                     planned.reference + ": " + planned.reason + " -> ";
  if (planned.replays) return line + planned.topic;
  return line + "still failing: " + planned.new_reason + " (attempt " +
         std::to_string(planned.attempts) + ")";
}

std::string invalid_line(int32_t partition, int64_t offset) {
  return position(partition, offset) + ": not a dead-letter record, left alone";
}

std::string progress_line(long long done, long long total,
                          std::chrono::steady_clock::duration elapsed) {
  const double seconds = std::chrono::duration<double>(elapsed).count();
  const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0;
  std::string line = "replay: " + std::to_string(done) + "/" + std::to_string(total) + " read";
  if (total > 0) line += " (" + std::to_string(done * 100 / total) + "%)";
  line += ", " + std::to_string(static_cast<long long>(rate)) + "/s";
  if (rate > 0 && total > done)
    line += ", eta " + std::to_string(static_cast<long long>((total - done) / rate + 0.5)) + "s";
  return line;
}

std::string summary_text(const Tally& tally, const std::string& group, bool dry_run) {
  const char* replayed = dry_run ? "would be replayed" : "replayed";
  const char* failing = dry_run ? "would still fail" : "still failing";
  std::string text = dry_run
                         ? "replay dry run (group " + group + "; nothing published or committed)"
                         : "replay finished (group " + group + ")";
  if (tally.interrupted) text += ", interrupted";
  if (tally.limit_reached) text += ", stopped at --limit";
  if (tally.gave_up_waiting) text += ", stopped waiting for records before the end";
  text += ": " + std::to_string(tally.read) + " read, " + std::to_string(tally.replayed) + " " +
          replayed + ", " + std::to_string(tally.still_failing) + " " + failing + ", " +
          std::to_string(tally.skipped) + " skipped by filters, " + std::to_string(tally.invalid) +
          " not dead-letter records, " + std::to_string(tally.unacknowledged) +
          " not acknowledged\n";
  for (const auto& [reason, counts] : tally.by_reason) {
    text += "  " + reason + ": " + std::to_string(counts.replayed) + " " + replayed + ", " +
            std::to_string(counts.still_failing) + " " + failing + "\n";
  }
  return text;
}

}  // namespace jb::replay
