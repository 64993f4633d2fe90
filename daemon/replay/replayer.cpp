#include "replay/replayer.h"

#include "callback/normalize.h"
#include "callback/timestamp.h"
#include "common/log.h"
#include "retrieval/mapping.h"
#include "route/deadletter.h"

namespace jb::replay {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kPollIdle{200};
constexpr milliseconds kPollBusy{5};

// The time the callback was received: the dead letter's receivedAt, else its Kafka timestamp.
std::chrono::system_clock::time_point received_time(const route::DeadLetter& letter,
                                                    const SourceRecord& record,
                                                    std::optional<TimePoint>* written) {
  TimePoint time;
  if (callback::parse_timestamp(letter.received_at, &time)) {
    *written = time;
    return time;
  }
  if (record.timestamp_ms >= 0) return TimePoint(milliseconds(record.timestamp_ms));
  return std::chrono::system_clock::now();
}

}  // namespace

Replayer::Replayer(const route::Router& router, Source& source, Sink* sink, Options options,
                   Output output)
    : router_(router),
      source_(source),
      sink_(sink),
      options_(std::move(options)),
      output_(std::move(output)) {
  for (const auto& [partition, end] : options_.ends) {
    auto start = options_.starts.find(partition);
    next_[partition] = start == options_.starts.end() ? 0 : start->second;
    if (end > next_[partition]) total_ += end - next_[partition];
  }
}

Tally Replayer::run(const std::atomic<bool>& stop) {
  started_ = last_commit_ = last_progress_ = Clock::now();
  auto last_record = started_;
  bool assigned = false;
  for (;;) {
    apply_completions();
    commit(false);
    report_progress(false);
    if (stop && reading_) {
      tally_.interrupted = true;
      reading_ = false;
    }
    if (!keep_reading() && in_flight_ == 0) break;
    if (!keep_reading() || in_flight_ >= options_.max_in_flight) {
      wait_for_completion(kPollIdle);
      continue;
    }
    auto record = source_.poll(in_flight_ > 0 ? kPollBusy : kPollIdle);
    const auto now = Clock::now();
    if (record) {
      last_record = now;
      take(*record);
      continue;
    }
    if (!assigned && source_.assigned()) {
      assigned = true;
      last_record = now;
    }
    const auto waited = now - (assigned ? last_record : started_);
    if (waited >= (assigned ? options_.idle_timeout : options_.join_timeout) && in_flight_ == 0) {
      tally_.gave_up_waiting = true;
      reading_ = false;
    }
  }
  commit(true);
  report_progress(true);
  return tally_;
}

bool Replayer::read_to_end() const {
  for (const auto& [partition, end] : options_.ends)
    if (next_.at(partition) < end) return false;
  return true;
}

bool Replayer::keep_reading() const {
  return reading_ && !read_to_end() && !(options_.limit && taken_ >= *options_.limit);
}

// A callback through today's normalisation; a Retrieval API answer (origin retrieval) through
// today's mapping of its kind.
static Result<callback::Event> normalize_letter(const route::DeadLetter& letter,
                                                std::chrono::system_clock::time_point received_at) {
  if (letter.origin != "retrieval")
    return callback::normalize({letter.body, letter.content_type, received_at});
  callback::Kind kind;
  if (!retrieval::parse_kind(letter.kind, &kind)) {
    return Failure{DeadLetterReason::retrieval_invalid,
                   "the record's kind is not netverify, authentication or document",
                   {}};
  }
  return retrieval::event_of_answer(kind, letter.body, received_at);
}

void Replayer::take(const SourceRecord& record) {
  auto end = options_.ends.find(record.partition);
  if (end == options_.ends.end() || record.offset >= end->second) return;  // appended since start
  int64_t& next = next_[record.partition];
  next = std::max(next, record.offset + 1);
  ++tally_.read;
  tracker_.begin(record.partition, record.offset);

  route::DeadLetter letter;
  if (!route::parse_dead_letter(record.value, &letter)) {
    ++tally_.invalid;
    log::warn("replay: not a dead-letter record, left alone",
              {{"partition", record.partition}, {"offset", record.offset}});
    output_.record(invalid_line(record.partition, record.offset));
    tracker_.finish(record.partition, record.offset);
    return;
  }
  std::optional<TimePoint> written_time;
  const auto received_at = received_time(letter, record, &written_time);
  auto result = normalize_letter(letter, received_at);
  const std::string reference = result.ok() ? result.value().reference : result.failure().reference;
  if (!matches(options_.filter, {letter.reason, record.key, reference, written_time})) {
    ++tally_.skipped;
    tracker_.finish(record.partition, record.offset);
    return;
  }
  if (options_.limit && ++taken_ >= *options_.limit) tally_.limit_reached = true;

  Planned planned;
  planned.partition = record.partition;
  planned.offset = record.offset;
  planned.reference = reference.empty() ? record.key : reference;
  planned.reason = letter.reason;
  route::Record out;
  if (result.ok()) {
    planned.replays = true;
    out = router_.event_record(result.value());
    planned.topic = out.topic;
  } else {
    planned.new_reason = std::string(reason_code(result.failure().reason));
    planned.attempts = letter.attempts + 1;
    const route::DeadLetterInput input{letter.body,         letter.remote_addr,
                                       letter.content_type, callback::format_timestamp(received_at),
                                       planned.attempts,    letter.origin,
                                       letter.kind};
    out = router_.dead_letter_record(result.failure(), input);
  }

  if (!sink_) {  // dry run
    count(planned);
    tracker_.finish(record.partition, record.offset);
    return;
  }
  ++in_flight_;
  const bool queued = sink_->publish(out, [this, planned](bool persisted) {
    std::lock_guard<std::mutex> lock(mutex_);
    completions_.push_back({planned, persisted});
    completed_.notify_all();
  });
  if (!queued) {
    --in_flight_;
    ++tally_.unacknowledged;
    reading_ = false;
    log::error("replay: record could not be enqueued, stopping", {{"reference", planned.reference},
                                                                  {"partition", planned.partition},
                                                                  {"offset", planned.offset}});
  }
}

void Replayer::count(const Planned& planned) {
  ReasonTally& by_reason = tally_.by_reason[planned.reason];
  if (planned.replays) {
    ++tally_.replayed;
    ++by_reason.replayed;
  } else {
    ++tally_.still_failing;
    ++by_reason.still_failing;
  }
  output_.record(record_line(planned));
}

void Replayer::apply_completions() {
  std::vector<Completion> done;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    done.swap(completions_);
  }
  for (const auto& completion : done) {
    --in_flight_;
    const Planned& planned = completion.planned;
    if (completion.persisted) {
      count(planned);
      tracker_.finish(planned.partition, planned.offset);
      continue;
    }
    ++tally_.unacknowledged;
    reading_ = false;
    log::error("replay: Kafka did not acknowledge a record, stopping",
               {{"reference", planned.reference},
                {"partition", planned.partition},
                {"offset", planned.offset}});
  }
}

void Replayer::wait_for_completion(milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  completed_.wait_for(lock, timeout, [this] { return !completions_.empty(); });
}

void Replayer::commit(bool force) {
  if (!sink_) return;  // a dry run commits nothing
  const auto now = Clock::now();
  if (!force && now - last_commit_ < options_.commit_interval) return;
  last_commit_ = now;
  for (const auto& [partition, position] : tracker_.advanced()) {
    if (source_.commit(partition, position)) tracker_.committed(partition, position);
  }
}

void Replayer::report_progress(bool force) {
  const auto now = Clock::now();
  if (!force && now - last_progress_ < options_.progress_interval) return;
  if (force && now - started_ < options_.progress_interval) return;  // a short run needs none
  last_progress_ = now;
  output_.progress(progress_line(tally_.read, total_, now - started_));
}

}  // namespace jb::replay
