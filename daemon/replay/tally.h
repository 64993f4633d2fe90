// What a `replay` run did, and how it tells the operator: per-record lines, progress, summary.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

namespace jb::replay {

// One dead letter taken by the run, and what became (or would become) of it.
struct Planned {
  int32_t partition = -1;
  int64_t offset = -1;
  std::string reference;   // read today, else the record key
  std::string reason;      // the dead letter's reason
  bool replays = false;    // true: published as an event; false: dead-lettered again
  std::string topic;       // the event's topic when it replays
  std::string new_reason;  // today's reason when it still fails
  int attempts = 1;        // of the new dead letter
};

struct ReasonTally {
  long long replayed = 0;
  long long still_failing = 0;
};

struct Tally {
  long long read = 0;            // dead-letter records read up to the end offsets seen at start
  long long skipped = 0;         // left alone by the filters
  long long invalid = 0;         // not a dead-letter record: left alone
  long long replayed = 0;        // published (acknowledged) to an event topic
  long long still_failing = 0;   // dead-lettered again (acknowledged)
  long long unacknowledged = 0;  // Kafka did not acknowledge: position not committed past them
  std::map<std::string, ReasonTally> by_reason;  // by the dead letter's reason
  bool interrupted = false;                      // SIGINT/SIGTERM
  bool limit_reached = false;                    // --limit
  bool gave_up_waiting = false;                  // no record came although the end was not reached
};

// "partition 0 offset 7 reference R: unknown_status -> TOPIC" or "-> still failing: REASON ...".
std::string record_line(const Planned& planned);
// "partition 0 offset 7: not a dead-letter record, left alone".
std::string invalid_line(int32_t partition, int64_t offset);
// "replay: 1200/5000 read (24%), 800/s, eta 5s".
std::string progress_line(long long done, long long total,
                          std::chrono::steady_clock::duration elapsed);
// The closing summary: read, replayed, still failing, skipped, invalid, unacknowledged, by reason.
std::string summary_text(const Tally& tally, const std::string& group, bool dry_run);
// The run's counters in Prometheus text format, for node_exporter's textfile collector:
// jumio_bridge_replay_records_total{result="..."} and
// jumio_bridge_replay_reason_records_total{reason="...",result="replayed|still_failing"}.
std::string metrics_text(const Tally& tally);

}  // namespace jb::replay
