#include "replay/commit_tracker.h"

#include <algorithm>

namespace jb::replay {

void CommitTracker::begin(int32_t partition, int64_t offset) {
  partitions_[partition].pending.insert(offset);
}

void CommitTracker::finish(int32_t partition, int64_t offset) {
  Partition& p = partitions_[partition];
  p.pending.erase(offset);
  p.finished_up_to = std::max(p.finished_up_to, offset + 1);
}

std::map<int32_t, int64_t> CommitTracker::advanced() const {
  std::map<int32_t, int64_t> out;
  for (const auto& [id, p] : partitions_) {
    if (p.finished_up_to < 0) continue;
    const int64_t position =
        p.pending.empty() ? p.finished_up_to : std::min(*p.pending.begin(), p.finished_up_to);
    if (position > p.committed) out[id] = position;
  }
  return out;
}

void CommitTracker::committed(int32_t partition, int64_t position) {
  Partition& p = partitions_[partition];
  p.committed = std::max(p.committed, position);
}

}  // namespace jb::replay
