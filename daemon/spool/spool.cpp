#include "spool/spool.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/log.h"

namespace jb::spool {
namespace {

constexpr std::chrono::milliseconds kIdleCheck{200};

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool write_at(int fd, const std::string& bytes, uint64_t offset) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n =
        ::pwrite(fd, bytes.data() + done, bytes.size() - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

bool read_at(int fd, std::string* bytes, uint64_t offset) {
  size_t done = 0;
  while (done < bytes->size()) {
    ssize_t n =
        ::pread(fd, bytes->data() + done, bytes->size() - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

const char* append_result_name(AppendResult result) {
  switch (result) {
    case AppendResult::stored:
      return "stored";
    case AppendResult::full:
      return "full";
    case AppendResult::failed:
      return "failed";
  }
  return "failed";
}

Spool::~Spool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  queued_.notify_all();
  available_.notify_all();
  if (writer_.joinable()) writer_.join();
  std::lock_guard<std::mutex> lock(mutex_);
  retire_idle_active_segment();
  for (auto& [number, segment] : segments_) ::close(segment.fd);
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

AppendResult Spool::append(const route::Record& record) {
  Pending pending;
  pending.spooled_at_ms = now_ms();
  pending.frame = encode_frame({record, pending.spooled_at_ms});
  std::unique_lock<std::mutex> lock(mutex_);
  if (stopping_) return AppendResult::failed;
  queue_.push_back(&pending);
  queued_.notify_one();
  committed_.wait(lock, [&] { return pending.finished; });
  return pending.result;
}

void Spool::append_async(const route::Record& record, std::function<void(AppendResult)> done) {
  auto pending = std::make_unique<Pending>();
  pending->spooled_at_ms = now_ms();
  pending->frame = encode_frame({record, pending->spooled_at_ms});
  pending->done = std::move(done);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!stopping_) {
      queue_.push_back(pending.release());
      queued_.notify_one();
      return;
    }
  }
  pending->done(AppendResult::failed);
}

void Spool::write_loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  std::vector<Pending*> batch;
  std::vector<Pending*> told;
  for (;;) {
    queued_.wait_for(lock, kIdleCheck, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) {
      if (stopping_) return;
      retire_idle_active_segment();
      continue;
    }
    batch.clear();
    batch.swap(queue_);
    write_batch(batch);
    told.clear();
    for (Pending* pending : batch) {
      if (pending->done) told.push_back(pending);
      pending->finished = true;  // a waiting appender may return (and free its Pending) now
    }
    if (told.size() < batch.size()) committed_.notify_all();
    // Asynchronous appenders are told outside the lock: their callbacks may append again.
    lock.unlock();
    for (Pending* pending : told) {
      pending->done(pending->result);
      delete pending;
    }
    lock.lock();
  }
}

// Called and returns with mutex_ held; releases it while writing and syncing.
void Spool::write_batch(std::vector<Pending*>& batch) {
  retire_idle_active_segment();
  std::vector<Pending*> accepted;
  uint64_t planned = 0;
  for (Pending* pending : batch) {
    if (stats_.disk_bytes + planned + pending->frame.size() > options_.max_bytes) {
      pending->result = AppendResult::full;
      full_ = true;
      continue;
    }
    planned += pending->frame.size();
    accepted.push_back(pending);
  }
  if (accepted.empty()) return;
  if (active_ == 0 || segments_[active_].bytes >= options_.segment_bytes) {
    if (!roll_segment()) {
      for (Pending* pending : accepted) pending->result = AppendResult::failed;
      last_write_failed_ = true;
      return;
    }
  }
  const uint64_t segment = active_;
  const int fd = segments_[segment].fd;
  const uint64_t start = segments_[segment].bytes;
  std::string buffer;
  buffer.reserve(planned);
  for (Pending* pending : accepted) buffer += pending->frame;

  mutex_.unlock();
  bool ok = write_at(fd, buffer, start) && ::fdatasync(fd) == 0;
  const int write_errno = errno;
  if (!ok && ::ftruncate(fd, static_cast<off_t>(start)) != 0) {
    // The tail stays torn on disk; the next open cuts it off.
  }
  mutex_.lock();

  ++stats_.syncs;
  if (!ok) {
    log::error("spool write failed", {{"error", std::strerror(write_errno)}});
    for (Pending* pending : accepted) pending->result = AppendResult::failed;
    last_write_failed_ = true;
    active_ = 0;  // never append after a failed write: the next batch rolls a new segment
    if (segments_[segment].live == 0) forget_segment(segment);
    return;
  }
  last_write_failed_ = false;
  uint64_t offset = start;
  Segment& written = segments_[segment];
  for (Pending* pending : accepted) {
    const auto size = static_cast<uint32_t>(pending->frame.size());
    entries_.push_back({segment, offset, size, pending->spooled_at_ms, State::waiting});
    offset += size;
    ++written.live;
    ++stats_.records;
    ++stats_.appended;
    stats_.bytes += size;
    pending->result = AppendResult::stored;
  }
  written.bytes = offset;
  stats_.disk_bytes += planned;
  available_.notify_all();
}

std::vector<Taken> Spool::take(size_t max, std::chrono::milliseconds wait) {
  std::vector<Taken> taken;
  std::unique_lock<std::mutex> lock(mutex_);
  auto has_waiting = [&] {
    for (uint64_t id = std::max(cursor_, first_id_); id < first_id_ + entries_.size(); ++id)
      if (entries_[id - first_id_].state == State::waiting) return true;
    return false;
  };
  if (!available_.wait_for(lock, wait, [&] { return stopping_ || has_waiting(); })) return taken;
  uint64_t id = std::max(cursor_, first_id_);
  for (; id < first_id_ + entries_.size() && taken.size() < max; ++id) {
    Entry& entry = entries_[id - first_id_];
    if (entry.state != State::waiting) continue;
    std::string frame(entry.size, '\0');
    size_t frame_size = 0;
    Taken out;
    out.id = id;
    if (!read_at(segments_[entry.segment].fd, &frame, entry.offset) ||
        decode_frame(frame, &out.spooled, &frame_size) != FrameStatus::ok) {
      log::error("spooled record unreadable; left in the spool",
                 {{"segment", segment_path(entry.segment)}});
      continue;
    }
    entry.state = State::taken;
    taken.push_back(std::move(out));
  }
  cursor_ = id;
  return taken;
}

void Spool::acknowledge(uint64_t id) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (id < first_id_ || id >= first_id_ + entries_.size()) return;
  Entry& entry = entries_[id - first_id_];
  if (entry.state == State::done) return;
  entry.state = State::done;
  --stats_.records;
  stats_.bytes -= entry.size;
  Segment& segment = segments_[entry.segment];
  if (--segment.live == 0 && entry.segment != active_) forget_segment(entry.segment);
  pop_done_entries();
}

void Spool::release(uint64_t id) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (id < first_id_ || id >= first_id_ + entries_.size()) return;
  Entry& entry = entries_[id - first_id_];
  if (entry.state != State::taken) return;
  entry.state = State::waiting;
  cursor_ = std::min(cursor_, id);
  available_.notify_all();
}

void Spool::pop_done_entries() {
  while (!entries_.empty() && entries_.front().state == State::done) {
    entries_.pop_front();
    ++first_id_;
  }
}

void Spool::retire_idle_active_segment() {
  if (active_ == 0 || segments_[active_].live != 0) return;
  const uint64_t segment = active_;
  active_ = 0;
  forget_segment(segment);
}

void Spool::forget_segment(uint64_t number) {
  auto it = segments_.find(number);
  if (it == segments_.end()) return;
  ::close(it->second.fd);
  ::unlink(segment_path(number).c_str());
  stats_.disk_bytes -= it->second.bytes;
  if (it->second.bytes > 0) full_ = false;
  segments_.erase(it);
}

uint64_t Spool::depth() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_.records;
}

bool Spool::writable() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return !stopping_ && !last_write_failed_ && !full_;
}

Stats Spool::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  Stats stats = stats_;
  stats.oldest_spooled_at_ms = entries_.empty() ? 0 : entries_.front().spooled_at_ms;
  return stats;
}

}  // namespace jb::spool
