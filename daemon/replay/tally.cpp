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

std::string metrics_text(const Tally& tally) {
  std::string out =
      "# HELP jumio_bridge_replay_records_total Dead-letter records taken by the last replay run.\n"
      "# TYPE jumio_bridge_replay_records_total gauge\n";
  const std::pair<const char*, long long> results[] = {
      {"read", tally.read},
      {"replayed", tally.replayed},
      {"still_failing", tally.still_failing},
      {"skipped", tally.skipped},
      {"invalid", tally.invalid},
      {"unacknowledged", tally.unacknowledged},
  };
  for (const auto& [result, count] : results)
    out += std::string("jumio_bridge_replay_records_total{result=\"") + result + "\"} " +
           std::to_string(count) + "\n";
  out +=
      "# HELP jumio_bridge_replay_reason_records_total Records of the last replay run, by their "
      "dead-letter reason.\n"
      "# TYPE jumio_bridge_replay_reason_records_total gauge\n";
  for (const auto& [reason, counts] : tally.by_reason) {
    out += "jumio_bridge_replay_reason_records_total{reason=\"" + reason +
           "\",result=\"replayed\"} " + std::to_string(counts.replayed) + "\n";
    out += "jumio_bridge_replay_reason_records_total{reason=\"" + reason +
           "\",result=\"still_failing\"} " + std::to_string(counts.still_failing) + "\n";
  }
  return out;
}

}  // namespace jb::replay
